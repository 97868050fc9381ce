#include "broker/admin/request_guard.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "broker/config/broker_config.h"

namespace chronik::broker::admin {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool ip_literal(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

bool changes_state(const std::string& method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

}  // namespace

std::optional<std::string> host_name(std::string_view header) {
  std::string_view h = trim(header);
  std::string_view host, port;
  if (!h.empty() && h.front() == '[') {
    const size_t close = h.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = h.substr(1, close - 1);
    std::string_view rest = h.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return std::nullopt;
    port = rest.empty() ? rest : rest.substr(1);
  } else {
    const size_t colon = h.find(':');
    if (colon != std::string_view::npos && h.find(':', colon + 1) != std::string_view::npos) return std::nullopt;
    host = h.substr(0, colon);
    port = colon == std::string_view::npos ? std::string_view() : h.substr(colon + 1);
  }
  if (!all_digits(port)) return std::nullopt;
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.empty()) return std::nullopt;
  return lower(host);
}

HostPolicy HostPolicy::from_config(const config::BrokerConfig& config) {
  HostPolicy p;
  p.allow("localhost");
  for (const auto& l : config.admin_listeners()) p.allow(l.host);
  for (const auto& l : config.listeners()) p.allow(l.host);
  for (const auto& l : config.advertised_listeners()) p.allow(l.host);
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) == 0) p.allow(name);
  for (const auto& n : config.get_list("admin.allowed.hosts")) p.allow(n);
  return p;
}

void HostPolicy::allow(std::string_view name) {
  name = trim(name);
  if (name == "*") any_ = true;
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (!name.empty()) names_.insert(lower(name));
}

bool HostPolicy::allows(std::string_view host_header) const {
  if (any_) return true;
  const auto host = host_name(host_header);
  if (!host) return false;
  return ip_literal(*host) || names_.count(*host) > 0;
}

bool is_json(std::string_view content_type) {
  const std::string_view media = trim(content_type.substr(0, content_type.find(';')));
  return lower(media) == "application/json";
}

std::optional<HttpResponse> refuse(const HttpRequest& req, const HostPolicy& hosts) {
  if (!req.host) {
    if (req.version >= 11) return error_response(400, "an HTTP/1.1 request needs a Host header", "Host");
  } else if (req.path.rfind("/v1/health/", 0) != 0 && !hosts.allows(*req.host)) {
    return error_response(421, "Host '" + *req.host +
                                   "' is not a name of this broker; add it to admin.allowed.hosts to allow it",
                          "Host");
  }
  if (changes_state(req.method) && !is_json(req.content_type))
    return error_response(415,
                          req.method + " requires Content-Type: application/json" +
                              (req.content_type.empty() ? std::string(" (none given)")
                                                        : " (not " + req.content_type + ")"),
                          "Content-Type");
  return std::nullopt;
}

}  // namespace chronik::broker::admin
