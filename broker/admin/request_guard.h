// What keeps a web page the operator happens to visit from driving the admin endpoint.
//
// - Cross-site requests (CSRF): a page may send a POST to any address without asking the
//   server first, but only as a "simple" request (Content-Type text/plain, form-encoded or
//   multipart). Every request that changes state (any method but GET, HEAD and OPTIONS)
//   must therefore say Content-Type: application/json, which a browser sends cross-site
//   only after a CORS preflight, and the endpoint allows no cross-origin requests (no
//   Access-Control-Allow-* header is ever sent, OPTIONS is not served). 415 otherwise.
// - DNS rebinding: a page on attacker.example whose name is made to resolve to this
//   machine reads responses as same-origin, but its requests carry Host: attacker.example.
//   Only names of this broker are answered (421 otherwise): any IP address (a rebinding
//   needs a name), localhost, the admin, Kafka and advertised listener hosts, the
//   machine's host name, and admin.allowed.hosts (* for any). The port is not compared:
//   SSH tunnels and proxies change it, and it is no defence against rebinding.
//   /v1/health/* is exempt, for probes that address the broker by a service name.
// - An HTTP/1.1 request without Host is malformed (400, RFC 9112); an HTTP/1.0 one, which
//   no browser sends, is answered.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "broker/admin/http.h"

namespace chronik::config {
class BrokerConfig;
}

namespace chronik::broker::admin {

// The host names an admin endpoint answers to (IP addresses are always answered).
class HostPolicy {
 public:
  // localhost, the hosts of admin.listeners, listeners and advertised.listeners, the
  // machine's host name, and admin.allowed.hosts.
  static HostPolicy from_config(const config::BrokerConfig& config);
  // Adds a name (compared case-insensitively, a trailing dot ignored); "*" allows any.
  void allow(std::string_view name);
  // Whether a Host header value (host, host:port, [v6]:port) names this endpoint.
  bool allows(std::string_view host_header) const;

 private:
  bool any_ = false;
  std::set<std::string, std::less<>> names_;
};

// The host of a Host header, lower-cased, without port, brackets and trailing dot;
// nullopt when malformed.
std::optional<std::string> host_name(std::string_view host_header);

// Whether a Content-Type header's media type is application/json (parameters allowed).
bool is_json(std::string_view content_type);

// The refusal of `req` (400, 415 or 421 with a JSON error naming the header), or nullopt
// when it may proceed to authentication and routing.
std::optional<HttpResponse> refuse(const HttpRequest& req, const HostPolicy& hosts);

}  // namespace chronik::broker::admin
