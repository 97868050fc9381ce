// TLS of SSL and SASL_SSL listeners: OpenSSL's context (net/tls_session.h runs it), configured with
// Kafka's keys for PEM stores (ssl.keystore.type=PEM with ssl.keystore.location, or
// ssl.keystore.certificate.chain + ssl.keystore.key; ssl.key.password; ssl.truststore.type=PEM
// with ssl.truststore.location or ssl.truststore.certificates), ssl.client.auth,
// ssl.enabled.protocols, ssl.cipher.suites (the standard names Java uses) and
// ssl.principal.mapping.rules, each readable per listener (listener.name.<l>.ssl.*).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <utility>  // before Asio 1.74's awaitable.hpp, which forgets it

#include <boost/asio/ssl.hpp>

#include "broker/config/broker_config.h"
#include "broker/core/ssl_principal_mapper.h"

namespace chronik::broker::core {

// What the connections of one TLS listener share.
struct ListenerTls {
  boost::asio::ssl::context context{boost::asio::ssl::context::tls_server};
  bool asks_client_certificate = false;  // ssl.client.auth requested or required
  SslPrincipalMapper principal_mapper{"DEFAULT"};
};

// The TLS setup of `listener` from `config`. Throws std::runtime_error naming the setting
// when a store cannot be read, a protocol or cipher suite is unknown, or a rule does not parse.
std::shared_ptr<ListenerTls> make_listener_tls(const config::BrokerConfig& config, const std::string& listener);

// The distinguished name of the peer's certificate, in RFC 2253 as Java prints it
// ("CN=alice,OU=eng,O=example"); nullopt when the peer sent none.
std::optional<std::string> peer_certificate_dn(SSL* ssl);
// The same of a certificate.
std::string certificate_dn(X509* cert);
// A certificate's subject alternative names, sorted: "DNS:localhost", "IP:127.0.0.1", ...
std::vector<std::string> subject_alt_names(X509* cert);

}  // namespace chronik::broker::core
