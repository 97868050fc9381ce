// The dashboard ("/", "/assets/<file>") and the OpenAPI document (/v1/openapi.json).
#include "broker/admin/api.h"
#include "broker/admin/assets.h"

namespace chronik::broker::admin {
namespace {

HttpResponse serve(std::string_view path) {
  for (const auto& a : assets()) {
    if (a.path != path) continue;
    HttpResponse r;
    r.content_type = std::string(a.content_type);
    r.body.assign(reinterpret_cast<const char*>(a.data), a.size);
    return r;
  }
  throw HttpError(404, "no such file: " + std::string(path));
}

}  // namespace

void add_static_routes(Router& router) {
  router.add("GET", "/", [](HttpRequest&) { return serve("index.html"); });
  router.add("GET", "/index.html", [](HttpRequest&) { return serve("index.html"); });
  router.add("GET", "/assets/{file}", [](HttpRequest& req) { return serve(req.params.at("file")); });
  router.add("GET", "/v1/openapi.json", [](HttpRequest&) { return serve("openapi.json"); });
}

}  // namespace chronik::broker::admin
