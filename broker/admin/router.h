// Maps method + path to a handler. Patterns are literal segments and {name} parameters:
// "/v1/topics/{topic}/partitions/{partition}/records". An unknown path is a 404, a known
// path with another method a 405 listing the allowed ones.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "broker/admin/http.h"

namespace chronik::broker::admin {

class Router {
 public:
  using Handler = std::function<HttpResponse(HttpRequest&)>;

  void add(std::string method, const std::string& pattern, Handler handler);
  // Routes `req` (filling req.params). Handlers' HttpErrors become JSON error responses.
  HttpResponse route(HttpRequest& req) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  static bool match(const Route& r, const std::vector<std::string>& path,
                    std::map<std::string, std::string>* params);
  std::vector<Route> routes_;
};

// "/a/b/" -> {"a", "b"}.
std::vector<std::string> split_path(const std::string& path);

}  // namespace chronik::broker::admin
