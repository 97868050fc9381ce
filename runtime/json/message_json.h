// Any generated message to and from JSON, by walking its fields (visit_fields): what
// chronik-wire prints and reads, and what the admin API shows of group assignments.
//
// Field names are the spec's. Only fields that exist at the version are written; on reading,
// absent fields keep their defaults and an unknown field name is an error naming it.
#pragma once

#include <nlohmann/json.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "runtime/json/base64.h"
#include "runtime/wire/field_meta.h"
#include "runtime/wire/shared_bytes.h"
#include "runtime/wire/tagged_fields.h"
#include "runtime/wire/uuid.h"

namespace chronik::json {

using Json = nlohmann::ordered_json;

class JsonError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Summarises a records field (batch by batch) next to its bytes; may be empty.
using RecordsSummarizer = std::function<Json(const wire::SharedBytes&)>;

template <class T>
concept Visitable = requires(T& t) { T::visit_fields(t, [](const wire::FieldMeta&, auto&) {}); };

class ToJson {
 public:
  ToJson(int16_t version, const RecordsSummarizer* summarize) : version_(version), summarize_(summarize) {}

  template <Visitable T>
  Json object(const T& message) {
    Json out = Json::object();
    T::visit_fields(message, [&](const wire::FieldMeta& meta, const auto& value) {
      if (!meta.versions.contains(version_)) return;
      if constexpr (std::is_same_v<std::decay_t<decltype(value)>, wire::UnknownTaggedFields>) {
        if (value.empty()) return;
        Json fields = Json::array();
        for (const auto& f : value) fields.push_back({{"tag", f.tag}, {"data", base64_encode(f.data)}});
        out["_unknown_tagged_fields"] = std::move(fields);
      } else {
        out[meta.name] = this->value(value);
      }
    });
    return out;
  }

  template <class T>
  Json value(const T& v) {
    if constexpr (std::is_same_v<T, bool> || std::is_integral_v<T>) {
      return v;
    } else if constexpr (std::is_same_v<T, double>) {
      return std::isfinite(v) ? Json(v) : Json(std::to_string(v));
    } else if constexpr (std::is_same_v<T, std::string>) {
      return v;
    } else if constexpr (std::is_same_v<T, std::vector<uint8_t>>) {
      return base64_encode(v);
    } else if constexpr (std::is_same_v<T, wire::SharedBytes>) {
      Json out = {{"size", v.size()}, {"base64", base64_encode(v.span())}};
      if (summarize_ && *summarize_) out["batches"] = (*summarize_)(v);
      return out;
    } else if constexpr (std::is_same_v<T, wire::Uuid>) {
      return v.to_base64();
    } else if constexpr (Visitable<T>) {
      return object(v);
    } else if constexpr (requires { v.has_value(); }) {
      return v ? value(*v) : Json(nullptr);
    } else {
      Json out = Json::array();
      for (const auto& e : v) out.push_back(value(e));
      return out;
    }
  }

 private:
  int16_t version_;
  const RecordsSummarizer* summarize_;
};

class FromJson {
 public:
  explicit FromJson(int16_t version) : version_(version) {}

  template <Visitable T>
  void object(const Json& in, T& message, const std::string& path) {
    if (!in.is_object()) throw JsonError(path + ": expected an object");
    size_t used = 0;
    T::visit_fields(message, [&](const wire::FieldMeta& meta, auto& member) {
      auto it = in.find(meta.name);
      if (it == in.end()) return;
      ++used;
      const std::string where = path + "." + meta.name;
      if (!meta.versions.contains(version_))
        throw JsonError(where + ": the field does not exist at version " + std::to_string(version_));
      if constexpr (std::is_same_v<std::decay_t<decltype(member)>, wire::UnknownTaggedFields>) {
        if (!it->is_array()) throw JsonError(where + ": expected an array");
        for (const auto& f : *it) {
          auto data = base64_decode(f.value("data", ""));
          if (!data || !f.contains("tag") || !f["tag"].is_number_unsigned())
            throw JsonError(where + ": expected {\"tag\": n, \"data\": base64}");
          member.push_back({f["tag"].template get<uint32_t>(), std::move(*data)});
        }
      } else {
        value(*it, member, where);
      }
    });
    if (used != in.size()) {
      for (auto it = in.begin(); it != in.end(); ++it) {
        bool known = false;
        T::visit_fields(message, [&](const wire::FieldMeta& meta, auto&) { known |= it.key() == meta.name; });
        if (!known) throw JsonError(path + "." + it.key() + ": no such field");
      }
    }
  }

  template <class T>
  void value(const Json& in, T& out, const std::string& where) {
    if constexpr (std::is_same_v<T, bool>) {
      if (!in.is_boolean()) throw JsonError(where + ": expected true or false");
      out = in.template get<bool>();
    } else if constexpr (std::is_integral_v<T>) {
      if (!in.is_number_integer()) throw JsonError(where + ": expected an integer");
      if (in.is_number_unsigned()) {
        auto u = in.template get<uint64_t>();
        if (u > static_cast<uint64_t>(std::numeric_limits<T>::max())) throw JsonError(where + ": out of range");
        out = static_cast<T>(u);
      } else {
        auto s = in.template get<int64_t>();
        if (s < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
            (s > 0 && static_cast<uint64_t>(s) > static_cast<uint64_t>(std::numeric_limits<T>::max())))
          throw JsonError(where + ": out of range");
        out = static_cast<T>(s);
      }
    } else if constexpr (std::is_same_v<T, double>) {
      if (!in.is_number()) throw JsonError(where + ": expected a number");
      out = in.template get<double>();
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (!in.is_string()) throw JsonError(where + ": expected a string");
      out = in.template get<std::string>();
    } else if constexpr (std::is_same_v<T, std::vector<uint8_t>>) {
      auto bytes = in.is_string() ? base64_decode(in.template get<std::string>()) : std::nullopt;
      if (!bytes) throw JsonError(where + ": expected base64 text");
      out = std::move(*bytes);
    } else if constexpr (std::is_same_v<T, wire::SharedBytes>) {
      const Json* text = in.is_object() && in.contains("base64") ? &in["base64"] : &in;
      auto bytes = text->is_string() ? base64_decode(text->template get<std::string>()) : std::nullopt;
      if (!bytes) throw JsonError(where + ": expected {\"base64\": ...} or base64 text");
      out = wire::SharedBytes::adopt(std::move(*bytes));
    } else if constexpr (std::is_same_v<T, wire::Uuid>) {
      auto uuid = in.is_string() ? wire::Uuid::from_base64(in.template get<std::string>()) : std::nullopt;
      if (!uuid) throw JsonError(where + ": expected a uuid in Kafka's base64 form");
      out = *uuid;
    } else if constexpr (Visitable<T>) {
      object(in, out, where);
    } else if constexpr (requires { out.has_value(); out.reset(); }) {
      if (in.is_null()) {
        out.reset();
      } else {
        if (!out) out.emplace();
        value(in, *out, where);
      }
    } else {
      if (!in.is_array()) throw JsonError(where + ": expected an array");
      out.clear();
      for (size_t i = 0; i < in.size(); ++i) value(in[i], out.emplace_back(), where + "[" + std::to_string(i) + "]");
    }
  }

 private:
  int16_t version_;
};

template <Visitable T>
Json to_json(const T& message, int16_t version, const RecordsSummarizer* summarize = nullptr) {
  return ToJson(version, summarize).object(message);
}

// Throws JsonError naming the offending field.
template <Visitable T>
void from_json(const Json& in, T& message, int16_t version) {
  FromJson(version).object(in, message, T::kName);
}

}  // namespace chronik::json
