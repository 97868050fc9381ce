#include "broker/admin/router.h"
#include "broker/config/loggers.h"

#include <spdlog/spdlog.h>

namespace chronik::broker::admin {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string::npos) slash = path.size();
    if (slash > pos) out.push_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return out;
}

void Router::add(std::string method, const std::string& pattern, Handler handler) {
  routes_.push_back({std::move(method), pattern, split_path(pattern), std::move(handler)});
}

bool Router::match(const Route& r, const std::vector<std::string>& path,
                   std::map<std::string, std::string>* params) {
  if (r.segments.size() != path.size()) return false;
  for (size_t i = 0; i < path.size(); ++i) {
    const auto& seg = r.segments[i];
    if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
      if (params) (*params)[seg.substr(1, seg.size() - 2)] = path[i];
    } else if (seg != path[i]) {
      return false;
    }
  }
  return true;
}

HttpResponse Router::route(HttpRequest& req) const {
  const auto path = split_path(req.path);
  std::string allowed;
  for (const auto& r : routes_) {
    if (!match(r, path, nullptr)) continue;
    if (r.method != req.method && !(req.method == "HEAD" && r.method == "GET")) {
      if (allowed.find(r.method) == std::string::npos)
        allowed += (allowed.empty() ? "" : ", ") + r.method;
      continue;
    }
    match(r, path, &req.params);
    req.route = r.pattern;
    try {
      return r.handler(req);
    } catch (const HttpError& e) {
      return error_response(e.status, e.what(), e.field);
    } catch (const std::exception& e) {
      ::chronik::config::named_logger("chronik.admin").error("admin {} {}: {}", req.method, req.path, e.what());
      return error_response(500, e.what());
    }
  }
  if (!allowed.empty()) {
    auto r = error_response(405, "method " + req.method + " not allowed on " + req.path);
    r.allow = allowed;
    return r;
  }
  return error_response(404, "no such resource: " + req.path);
}

}  // namespace chronik::broker::admin
