#include "broker/admin/body_schema.h"

#include <algorithm>
#include <cctype>

#include "broker/admin/assets.h"

namespace chronik::broker::admin {
namespace {

const Json& served_openapi() {
  static const Json doc = [] {
    for (const auto& a : assets())
      if (a.path == "openapi.json") return Json::parse(std::string_view(reinterpret_cast<const char*>(a.data), a.size));
    return Json::object();
  }();
  return doc;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string child(const std::string& at, const std::string& name) { return at.empty() ? name : at + "." + name; }

// The name a field is reported under: the path, or "body" for the whole body.
std::string reported(const std::string& at) { return at.empty() ? "body" : at; }

class Checker {
 public:
  explicit Checker(const Json& doc) : doc_(doc) {}

  void check(const Json& schema, const Json& value, const std::string& at) const {
    const Json& s = resolve(schema);
    if (auto it = s.find("oneOf"); it != s.end()) {
      size_t matches = 0;
      for (const auto& option : *it) matches += matches_schema(option, value) ? 1 : 0;
      if (matches != 1) fail(at, "does not have one of the types the API takes");
      return;
    }
    if (auto it = s.find("type"); it != s.end()) check_type(it->get<std::string>(), value, at);
    if (auto it = s.find("enum"); it != s.end() && std::find(it->begin(), it->end(), value) == it->end()) {
      std::string choices;
      for (const auto& c : *it) choices += (choices.empty() ? "" : ", ") + c.dump();
      fail(at, "must be one of " + choices);
    }
    if (value.is_number()) {
      if (auto it = s.find("minimum"); it != s.end() && value.get<double>() < it->get<double>())
        fail(at, "must be at least " + it->dump());
      if (auto it = s.find("maximum"); it != s.end() && value.get<double>() > it->get<double>())
        fail(at, "must be at most " + it->dump());
    }
    if (value.is_object()) check_object(s, value, at);
    if (value.is_array())
      if (auto it = s.find("items"); it != s.end())
        for (size_t i = 0; i < value.size(); ++i) check(*it, value[i], reported(at) + "[" + std::to_string(i) + "]");
  }

 private:
  const Json& resolve(const Json& schema) const {
    auto it = schema.find("$ref");
    if (it == schema.end()) return schema;
    const std::string ref = it->get<std::string>();
    const std::string prefix = "#/components/schemas/";
    if (ref.rfind(prefix, 0) != 0) throw std::logic_error("openapi.json: unsupported $ref " + ref);
    return resolve(doc_.at("components").at("schemas").at(ref.substr(prefix.size())));
  }

  bool matches_schema(const Json& schema, const Json& value) const {
    try {
      check(schema, value, "");
      return true;
    } catch (const HttpError&) {
      return false;
    }
  }

  void check_type(const std::string& type, const Json& value, const std::string& at) const {
    bool ok = false;
    if (type == "object") ok = value.is_object();
    else if (type == "array") ok = value.is_array();
    else if (type == "string") ok = value.is_string();
    else if (type == "integer") ok = value.is_number_integer();
    else if (type == "number") ok = value.is_number();
    else if (type == "boolean") ok = value.is_boolean();
    else if (type == "null") ok = value.is_null();
    else throw std::logic_error("openapi.json: unsupported type " + type);
    if (!ok) fail(at, std::string(type == "object" || type == "array" || type == "integer" ? "must be an " : "must be a ") + type);
  }

  void check_object(const Json& s, const Json& value, const std::string& at) const {
    if (auto it = s.find("required"); it != s.end())
      for (const auto& name : *it)
        if (!value.contains(name.get<std::string>()))
          throw HttpError(400, "missing field '" + name.get<std::string>() + "'", child(at, name.get<std::string>()));
    const Json* properties = s.contains("properties") ? &s.at("properties") : nullptr;
    const auto extra = s.find("additionalProperties");
    for (const auto& [name, v] : value.items()) {
      if (properties && properties->contains(name)) {
        check(properties->at(name), v, child(at, name));
      } else if (extra != s.end()) {
        if (extra->is_boolean() && !extra->get<bool>()) fail(child(at, name), "is not a field of this request");
        if (extra->is_object()) check(*extra, v, child(at, name));
      }
    }
  }

  [[noreturn]] static void fail(const std::string& at, const std::string& what) {
    throw HttpError(400, (at.empty() ? std::string("the body") : "field '" + at + "'") + " " + what, reported(at));
  }

  const Json& doc_;
};

}  // namespace

void check_body(const Json& openapi, std::string_view method, const std::string& pattern, const Json& body) {
  const auto paths = openapi.find("paths");
  if (paths == openapi.end() || !paths->contains(pattern)) return;
  const auto& ops = paths->at(pattern);
  const auto op = ops.find(lower(method));
  if (op == ops.end() || !op->contains("requestBody")) return;
  const auto& content = op->at("requestBody").at("content");
  if (!content.contains("application/json")) return;
  Checker(openapi).check(content.at("application/json").at("schema"), body, "");
}

void check_body(std::string_view method, const std::string& pattern, const Json& body) {
  check_body(served_openapi(), method, pattern, body);
}

}  // namespace chronik::broker::admin
