#include "broker/admin/http.h"

#include "broker/admin/body_schema.h"

#include <charconv>

namespace chronik::broker::admin {

HttpResponse json_response(const Json& body, int status) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

HttpResponse error_response(int status, const std::string& message, const std::string& field) {
  Json body = {{"error", message}};
  if (!field.empty()) body["field"] = field;
  return json_response(body, status);
}

Json parse_json_body(const HttpRequest& req) {
  Json body;
  try {
    body = Json::parse(req.body);
  } catch (const nlohmann::json::parse_error& e) {
    throw HttpError(400, std::string("malformed JSON: ") + e.what(), "body");
  }
  if (!body.is_object()) throw HttpError(400, "the body must be a JSON object", "body");
  check_body(req.method, req.route, body);
  return body;
}

std::string require_string(const Json& obj, const std::string& field) {
  auto it = obj.find(field);
  if (it == obj.end()) throw HttpError(400, "missing field '" + field + "'", field);
  if (!it->is_string()) throw HttpError(400, "field '" + field + "' must be a string", field);
  return it->get<std::string>();
}

int64_t get_int(const Json& obj, const std::string& field, int64_t fallback, int64_t min, int64_t max) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) return fallback;
  if (!it->is_number_integer())
    throw HttpError(400, "field '" + field + "' must be an integer", field);
  const int64_t v = it->get<int64_t>();
  if (v < min || v > max)
    throw HttpError(400, "field '" + field + "' must be between " + std::to_string(min) + " and " +
                             std::to_string(max), field);
  return v;
}

int64_t query_int(const HttpRequest& req, const std::string& name, int64_t fallback, int64_t min,
                  int64_t max) {
  auto text = req.arg(name);
  if (!text) return fallback;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size())
    throw HttpError(400, "query parameter '" + name + "' must be an integer", name);
  if (v < min || v > max)
    throw HttpError(400, "query parameter '" + name + "' must be between " + std::to_string(min) +
                             " and " + std::to_string(max), name);
  return v;
}

std::optional<std::string> percent_decode(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    int v = 0;
    auto [end, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, v, 16);
    if (ec != std::errc() || end != text.data() + i + 3) return std::nullopt;
    out += static_cast<char>(v);
    i += 2;
  }
  return out;
}

std::map<std::string, std::string> parse_query(const std::string& query) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos <= query.size() && !query.empty()) {
    size_t amp = query.find('&', pos);
    std::string part = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    if (!part.empty()) {
      size_t eq = part.find('=');
      std::string k = part.substr(0, eq), v = eq == std::string::npos ? "" : part.substr(eq + 1);
      for (auto& c : v)
        if (c == '+') c = ' ';
      auto dk = percent_decode(k), dv = percent_decode(v);
      if (!dk || !dv) throw HttpError(400, "malformed query string", k);
      out[*dk] = *dv;
    }
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return out;
}

}  // namespace chronik::broker::admin
