#include "broker/config/config_providers.h"

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>

#include "broker/config/config_def.h"
#include "broker/config/properties.h"

namespace chronik::config {
namespace {

// The text one placeholder stands for; `why` is filled when it cannot be resolved.
std::optional<std::string> lookup(std::string_view provider, std::string_view path, std::string_view name,
                                  std::string* why) {
  if (provider == "env") {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) *why = "environment variable " + std::string(name) + " is not set";
    return v ? std::optional<std::string>(v) : std::nullopt;
  }
  if (provider == "file") {
    try {
      std::optional<std::string> found;
      for (const auto& p : load_properties_file(std::string(path)))
        if (p.key == name) found = p.value;  // a later duplicate wins, as when applied
      if (!found) *why = "no key " + std::string(name) + " in " + std::string(path);
      return found;
    } catch (const PropertiesError& e) {
      *why = e.what();
      return std::nullopt;
    }
  }
  if (provider == "dir") {
    // Only a file directly in the directory, as Kafka's DirectoryConfigProvider reads.
    if (name.empty() || name.find('/') != std::string_view::npos || name == "." || name == "..") {
      *why = "'" + std::string(name) + "' is not a file name";
      return std::nullopt;
    }
    const std::string file = std::string(path) + "/" + std::string(name);
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      *why = "cannot read " + file;
      return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }
  *why = "unknown config provider '" + std::string(provider) + "' (chronik has env, file and dir)";
  return std::nullopt;
}

}  // namespace

std::string resolve_placeholders(std::string_view key, std::string_view value) {
  std::string out;
  size_t pos = 0;
  for (;;) {
    const size_t open = value.find("${", pos);
    const size_t close = open == std::string_view::npos ? open : value.find('}', open);
    if (close == std::string_view::npos) break;
    const std::string_view inner = value.substr(open + 2, close - open - 2);
    // Kafka's shape is ${provider:[path:]key}; without a colon it is plain text.
    const size_t first = inner.find(':');
    if (first == std::string_view::npos || first == 0) {
      out.append(value.substr(pos, close + 1 - pos));
      pos = close + 1;
      continue;
    }
    // The path may hold colons itself; the key is what follows the last one.
    const size_t last = inner.rfind(':');
    const std::string_view provider = inner.substr(0, first);
    const std::string_view path = last == first ? std::string_view() : inner.substr(first + 1, last - first - 1);
    const std::string_view name = inner.substr(last + 1);
    std::string why;
    auto resolved = lookup(provider, path, name, &why);
    if (!resolved) throw ConfigError(key, value.substr(open, close + 1 - open), why);
    out.append(value.substr(pos, open - pos));
    out += *resolved;
    pos = close + 1;
  }
  out.append(value.substr(pos));
  return out;
}

}  // namespace chronik::config
