// HTTP requests and responses as the admin handlers see them: plain values, no Beast, so
// that only admin_server.cc compiles Boost.Beast.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace chronik::broker::admin {

using Json = nlohmann::ordered_json;

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query, percent-decoded
  std::map<std::string, std::string> query;
  std::map<std::string, std::string> params;  // path parameters, filled by the router
  std::string route;  // the pattern the router matched ("/v1/topics/{topic}"), filled by it
  std::string body;
  std::optional<std::string> host;  // the Host header; nullopt when there is none
  std::string content_type;         // the Content-Type header, "" when there is none
  unsigned version = 11;            // 10 for HTTP/1.0, 11 for HTTP/1.1

  // The query parameter `name`, or nullopt.
  std::optional<std::string> arg(const std::string& name) const {
    auto it = query.find(name);
    if (it == query.end()) return std::nullopt;
    return it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::optional<std::string> allow;  // the Allow header of a 405
  std::optional<std::string> www_authenticate;  // of a 401
};

// A 4xx/5xx that a handler reports by throwing; becomes {"error": ..., "field": ...}.
class HttpError : public std::runtime_error {
 public:
  HttpError(int status, std::string message, std::string field = {})
      : std::runtime_error(std::move(message)), status(status), field(std::move(field)) {}
  int status;
  std::string field;  // the request field at fault, when there is one
};

HttpResponse json_response(const Json& body, int status = 200);
HttpResponse error_response(int status, const std::string& message, const std::string& field = {});

// The body parsed as a JSON object and checked against the route's request schema in
// openapi.json (body_schema.h); 400 naming "body", or the field at fault, otherwise.
Json parse_json_body(const HttpRequest& req);
// Typed field readers that throw a 400 HttpError naming the field.
std::string require_string(const Json& obj, const std::string& field);
int64_t get_int(const Json& obj, const std::string& field, int64_t fallback, int64_t min, int64_t max);
// A query parameter as an integer in [min, max] (400 naming it otherwise).
int64_t query_int(const HttpRequest& req, const std::string& name, int64_t fallback, int64_t min,
                  int64_t max);

// Splits "a=1&b=x%20y" into decoded pairs.
std::map<std::string, std::string> parse_query(const std::string& query);
// Percent-decoding ('+' stays '+'); nullopt on a malformed escape.
std::optional<std::string> percent_decode(const std::string& text);

}  // namespace chronik::broker::admin
