#include "broker/core/tls_listeners.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cctype>
#include <stdexcept>

#include "broker/config/loggers.h"

namespace chronik::broker::core {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

X509* certificate(ListenerTls& tls) { return SSL_CTX_get0_certificate(tls.context.native_handle()); }

std::string joined(const std::vector<std::string>& names) {
  std::string out = "[";
  for (const auto& n : names) out += (out.size() > 1 ? ", " : "") + n;
  return out + "]";
}

bool allowed(const config::BrokerConfig& config, const std::string& listener, const char* key) {
  const auto v = config.listener_value(listener, key);
  const auto* b = std::get_if<bool>(&v);
  return b != nullptr && *b;
}

}  // namespace

void TlsListeners::open(const config::BrokerConfig& config, const std::string& listener) {
  std::shared_ptr<ListenerTls> tls = make_listener_tls(config, listener);
  std::lock_guard lock(mu_);
  by_listener_[lower(listener)] = Entry{listener, std::move(tls)};
}

std::shared_ptr<ListenerTls> TlsListeners::current(const std::string& listener) const {
  std::lock_guard lock(mu_);
  const auto it = by_listener_.find(lower(listener));
  return it == by_listener_.end() ? nullptr : it->second.tls;
}

std::shared_ptr<ListenerTls> TlsListeners::prepare(const config::BrokerConfig& config,
                                                    const std::string& lower_name) const {
  Entry now;
  {
    std::lock_guard lock(mu_);
    const auto it = by_listener_.find(lower_name);
    if (it == by_listener_.end()) return nullptr;
    now = it->second;
  }
  std::shared_ptr<ListenerTls> next;
  try {
    next = make_listener_tls(config, now.name);
  } catch (const std::exception& e) {
    throw config::ConfigError("Validation of the dynamic TLS update of listener " + now.name + " failed: " + e.what());
  }
  // Kafka's guard against a key store from the wrong host: clients and other brokers verify
  // the names, so a replacement keeps them unless the operator says otherwise.
  X509* before = certificate(*now.tls);
  X509* after = certificate(*next);
  if (!allowed(config, now.name, "ssl.allow.dn.changes") && certificate_dn(before) != certificate_dn(after))
    throw config::ConfigError("Validation of the dynamic TLS update of listener " + now.name +
                              " failed: Keystore DistinguishedName does not match: existing=" + certificate_dn(before) +
                              ", new=" + certificate_dn(after));
  if (!allowed(config, now.name, "ssl.allow.san.changes") && subject_alt_names(before) != subject_alt_names(after))
    throw config::ConfigError("Validation of the dynamic TLS update of listener " + now.name +
                              " failed: Keystore SubjectAltNames do not match: existing=" +
                              joined(subject_alt_names(before)) + ", new=" + joined(subject_alt_names(after)));
  return next;
}

void TlsListeners::replace(const std::string& lower_name, std::shared_ptr<ListenerTls> tls) {
  std::string name;
  {
    std::lock_guard lock(mu_);
    const auto it = by_listener_.find(lower_name);
    if (it == by_listener_.end()) return;
    it->second.tls = tls;
    name = it->second.name;
  }
  X509* cert = certificate(*tls);
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert);
  BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr);
  char* hex = bn ? BN_bn2hex(bn) : nullptr;
  ::chronik::config::named_logger("chronik.net")
      .info("listener {}: new connections get certificate {} (serial {}); open ones keep theirs", name,
            certificate_dn(cert), hex ? hex : "?");
  OPENSSL_free(hex);
  BN_free(bn);
}

}  // namespace chronik::broker::core
