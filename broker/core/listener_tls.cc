#include "broker/core/listener_tls.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <set>
#include <stdexcept>

namespace chronik::broker::core {
namespace {

namespace ssl = boost::asio::ssl;

std::runtime_error bad(const std::string& listener, const std::string& key, const std::string& why) {
  return std::runtime_error("listener " + listener + ": " + key + ": " + why);
}

int protocol_version(const std::string& name) {
  if (name == "TLSv1") return TLS1_VERSION;
  if (name == "TLSv1.1") return TLS1_1_VERSION;
  if (name == "TLSv1.2") return TLS1_2_VERSION;
  if (name == "TLSv1.3") return TLS1_3_VERSION;
  return 0;
}

// Java names cipher suites by their standard (IANA) names; OpenSSL's TLS 1.2 list wants its
// own. TLS 1.3 suites go by the standard names in both.
void set_cipher_suites(SSL_CTX* ctx, const std::vector<std::string>& suites, const std::string& listener) {
  std::string tls13, tls12;
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> all(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  SSL_CTX_set_cipher_list(all.get(), "ALL:COMPLEMENTOFALL");
  STACK_OF(SSL_CIPHER)* ciphers = SSL_CTX_get_ciphers(all.get());
  for (const auto& suite : suites) {
    bool found = false;
    for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
      const SSL_CIPHER* c = sk_SSL_CIPHER_value(ciphers, i);
      const char* standard = SSL_CIPHER_standard_name(c);
      if (!standard || suite != standard) continue;
      found = true;
      if (std::string(SSL_CIPHER_get_version(c)) == "TLSv1.3")
        tls13 += (tls13.empty() ? "" : ":") + suite;
      else
        tls12 += (tls12.empty() ? "" : ":") + std::string(SSL_CIPHER_get_name(c));
    }
    if (!found) throw bad(listener, "ssl.cipher.suites", "unknown cipher suite " + suite);
  }
  // An empty list for one version disables that version's suites, as a Java list without them.
  if (SSL_CTX_set_ciphersuites(ctx, tls13.c_str()) != 1 && !tls13.empty())
    throw bad(listener, "ssl.cipher.suites", "OpenSSL refused " + tls13);
  if (!tls12.empty() && SSL_CTX_set_cipher_list(ctx, tls12.c_str()) != 1)
    throw bad(listener, "ssl.cipher.suites", "OpenSSL refused " + tls12);
  if (tls12.empty()) SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);  // TLS 1.2 has no suite left
}

}  // namespace

std::shared_ptr<ListenerTls> make_listener_tls(const config::BrokerConfig& config, const std::string& listener) {
  auto out = std::make_shared<ListenerTls>();
  auto& ctx = out->context;
  auto get = [&](const char* key) { return config.listener_string(listener, key); };
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::single_dh_use);
  boost::system::error_code ec;

  if (get("ssl.keystore.type").value_or("JKS") != "PEM")
    throw bad(listener, "ssl.keystore.type", "Chronik reads PEM key stores only, got " + get("ssl.keystore.type").value_or(""));
  if (const auto password = get("ssl.key.password"))
    ctx.set_password_callback([password = *password](std::size_t, ssl::context::password_purpose) { return password; });
  const auto location = get("ssl.keystore.location");
  const auto chain = get("ssl.keystore.certificate.chain");
  const auto key = get("ssl.keystore.key");
  if (location) {
    if (chain || key)
      throw bad(listener, "ssl.keystore.location", "give either a key store file or ssl.keystore.certificate.chain and ssl.keystore.key, not both");
    ctx.use_certificate_chain_file(*location, ec);
    if (ec) throw bad(listener, "ssl.keystore.location", "no certificate chain in " + *location + ": " + ec.message());
    ctx.use_private_key_file(*location, ssl::context::pem, ec);
    if (ec) throw bad(listener, "ssl.keystore.location", "no usable private key in " + *location + ": " + ec.message());
  } else if (chain && key) {
    ctx.use_certificate_chain(boost::asio::buffer(*chain), ec);
    if (ec) throw bad(listener, "ssl.keystore.certificate.chain", "not a PEM certificate chain: " + ec.message());
    ctx.use_private_key(boost::asio::buffer(*key), ssl::context::pem, ec);
    if (ec) throw bad(listener, "ssl.keystore.key", "not a usable PEM private key: " + ec.message());
  } else {
    throw bad(listener, "ssl.keystore.location",
              "a TLS listener needs its certificate: ssl.keystore.location, or ssl.keystore.certificate.chain and "
              "ssl.keystore.key");
  }
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1)
    throw bad(listener, "ssl.keystore", "the private key does not match the certificate");

  const auto trust_location = get("ssl.truststore.location");
  const auto trust_certs = get("ssl.truststore.certificates");
  if (trust_location || trust_certs) {
    if (get("ssl.truststore.type").value_or("JKS") != "PEM")
      throw bad(listener, "ssl.truststore.type", "Chronik reads PEM trust stores only, got " + get("ssl.truststore.type").value_or(""));
    if (trust_location) {
      ctx.load_verify_file(*trust_location, ec);
      if (ec) throw bad(listener, "ssl.truststore.location", "cannot read " + *trust_location + ": " + ec.message());
    } else {
      ctx.add_certificate_authority(boost::asio::buffer(*trust_certs), ec);
      if (ec) throw bad(listener, "ssl.truststore.certificates", "not PEM certificates: " + ec.message());
    }
  }

  const auto client_auth = get("ssl.client.auth").value_or("none");
  if (client_auth == "required") {
    ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    out->asks_client_certificate = true;
  } else if (client_auth == "requested") {
    ctx.set_verify_mode(ssl::verify_peer);
    out->asks_client_certificate = true;
  } else {
    ctx.set_verify_mode(ssl::verify_none);
  }
  // With client certificates OpenSSL refuses to resume a session (Java clients do, on their
  // second connection) unless the context has a session id context: the listener's name.
  const std::string session_context = listener.substr(0, SSL_MAX_SID_CTX_LENGTH);
  SSL_CTX_set_session_id_context(ctx.native_handle(), reinterpret_cast<const unsigned char*>(session_context.data()),
                                 static_cast<unsigned int>(session_context.size()));
  if (out->asks_client_certificate && !trust_location && !trust_certs)
    throw bad(listener, "ssl.client.auth", client_auth + " needs a trust store (ssl.truststore.location or ssl.truststore.certificates)");

  int lowest = 0, highest = 0;
  for (const auto& p : config.listener_list(listener, "ssl.enabled.protocols")) {
    const int v = protocol_version(p);
    if (v == 0) throw bad(listener, "ssl.enabled.protocols", "unknown protocol " + p);
    if (lowest == 0 || v < lowest) lowest = v;
    if (v > highest) highest = v;
  }
  if (lowest == 0) throw bad(listener, "ssl.enabled.protocols", "no protocol enabled");
  SSL_CTX_set_min_proto_version(ctx.native_handle(), lowest);
  SSL_CTX_set_max_proto_version(ctx.native_handle(), highest);
  // After the protocols: a list of TLS 1.3 suites only raises the lowest version.
  if (const auto suites = config.listener_list(listener, "ssl.cipher.suites"); !suites.empty())
    set_cipher_suites(ctx.native_handle(), suites, listener);
  try {
    out->principal_mapper = SslPrincipalMapper(get("ssl.principal.mapping.rules").value_or("DEFAULT"));
  } catch (const std::exception& e) {
    throw bad(listener, "ssl.principal.mapping.rules", e.what());
  }
  return out;
}

std::optional<std::string> peer_certificate_dn(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (!cert) return std::nullopt;
  std::unique_ptr<X509, decltype(&X509_free)> owned(cert, X509_free);
  return certificate_dn(cert);
}

std::string certificate_dn(X509* cert) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  // RFC 2253 without the spaces OpenSSL's default adds and with UTF-8 kept, as Java's
  // X500Principal.getName() prints it.
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::vector<std::string> subject_alt_names(X509* cert) {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    auto text = [](const ASN1_STRING* s) {
      return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), static_cast<size_t>(ASN1_STRING_length(s)));
    };
    if (name->type == GEN_DNS) {
      out.push_back("DNS:" + text(name->d.dNSName));
    } else if (name->type == GEN_EMAIL) {
      out.push_back("email:" + text(name->d.rfc822Name));
    } else if (name->type == GEN_URI) {
      out.push_back("URI:" + text(name->d.uniformResourceIdentifier));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      char buffer[INET6_ADDRSTRLEN] = {};
      const int family = ASN1_STRING_length(ip) == 4 ? AF_INET : AF_INET6;
      if (inet_ntop(family, ASN1_STRING_get0_data(ip), buffer, sizeof buffer)) out.push_back(std::string("IP:") + buffer);
    } else {
      out.push_back("other:" + std::to_string(name->type));
    }
  }
  GENERAL_NAMES_free(names);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace chronik::broker::core
