#include "broker/config/properties.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace chronik::config {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Reads the 4 hex digits after "\u" at s[i]; advances i past them.
uint32_t read_hex4(std::string_view s, size_t& i, int line) {
  if (i + 4 > s.size()) throw PropertiesError("line " + std::to_string(line) + ": malformed \\uxxxx encoding");
  uint32_t v = 0;
  for (int k = 0; k < 4; ++k) {
    char c = s[i++];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
    else throw PropertiesError("line " + std::to_string(line) + ": malformed \\uxxxx encoding");
  }
  return v;
}

// Resolves escapes in a key or value of one logical line.
std::string unescape(std::string_view s, int line) {
  std::string out;
  out.reserve(s.size());
  uint32_t high_surrogate = 0;
  for (size_t i = 0; i < s.size();) {
    char c = s[i++];
    if (c != '\\' || i == s.size()) {  // a lone trailing backslash is dropped
      if (c != '\\') out.push_back(c);
      continue;
    }
    char e = s[i++];
    if (e == 'u') {
      uint32_t unit = read_hex4(s, i, line);
      if (unit >= 0xD800 && unit <= 0xDBFF) {
        if (high_surrogate) append_utf8(out, high_surrogate);
        high_surrogate = unit;
        continue;
      }
      if (unit >= 0xDC00 && unit <= 0xDFFF && high_surrogate) {
        append_utf8(out, 0x10000 + ((high_surrogate - 0xD800) << 10) + (unit - 0xDC00));
        high_surrogate = 0;
        continue;
      }
      append_utf8(out, unit);
      continue;
    }
    if (high_surrogate) {
      append_utf8(out, high_surrogate);
      high_surrogate = 0;
    }
    switch (e) {
      case 't': out.push_back('\t'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 'f': out.push_back('\f'); break;
      default: out.push_back(e);
    }
  }
  if (high_surrogate) append_utf8(out, high_surrogate);
  return out;
}

}  // namespace

std::vector<Property> parse_properties(std::string_view text) {
  std::vector<Property> out;
  size_t pos = 0;
  int line_no = 0;
  // Next natural line, without its terminator; false at end of text.
  auto next_line = [&](std::string_view& line) {
    if (pos >= text.size()) return false;
    size_t end = text.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) end = text.size();
    line = text.substr(pos, end - pos);
    if (end + 1 < text.size() && text[end] == '\r' && text[end + 1] == '\n') pos = end + 2;
    else pos = std::min(end + 1, text.size());
    ++line_no;
    return true;
  };
  auto ends_with_odd_backslashes = [](std::string_view s) {
    size_t n = 0;
    while (n < s.size() && s[s.size() - 1 - n] == '\\') ++n;
    return n % 2 == 1;
  };

  std::string_view natural;
  while (next_line(natural)) {
    size_t i = 0;
    while (i < natural.size() && is_blank(natural[i])) ++i;
    if (i == natural.size()) continue;
    if (natural[i] == '#' || natural[i] == '!') continue;
    int start_line = line_no;
    std::string logical(natural.substr(i));
    while (ends_with_odd_backslashes(logical)) {
      logical.pop_back();
      std::string_view cont;
      if (!next_line(cont)) break;
      size_t j = 0;
      while (j < cont.size() && is_blank(cont[j])) ++j;
      logical.append(cont.substr(j));
    }

    // Split key / value on the first unescaped separator.
    size_t k = 0;
    bool escaped = false;
    for (; k < logical.size(); ++k) {
      char c = logical[k];
      if (escaped) {
        escaped = false;
        continue;
      }
      if (c == '\\') escaped = true;
      else if (c == '=' || c == ':' || is_blank(c)) break;
    }
    std::string_view rest(logical);
    std::string_view key = rest.substr(0, k);
    size_t v = k;
    while (v < rest.size() && is_blank(rest[v])) ++v;
    if (v < rest.size() && (rest[v] == '=' || rest[v] == ':')) ++v;
    while (v < rest.size() && is_blank(rest[v])) ++v;
    out.push_back(Property{unescape(key, start_line), unescape(rest.substr(v), start_line), start_line});
  }
  return out;
}

std::vector<Property> load_properties_file(const std::string& path) {
  // A directory opens as a stream and reads as empty: the broker would start on defaults.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw PropertiesError("cannot read config file " + path + ": it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw PropertiesError("cannot read config file " + path + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw PropertiesError("cannot read config file " + path);
  try {
    return parse_properties(text.str());
  } catch (const PropertiesError& e) {
    throw PropertiesError(path + ": " + e.what());
  }
}

Property parse_override(std::string_view arg) {
  size_t eq = arg.find('=');
  if (eq == std::string_view::npos || eq == 0)
    throw PropertiesError("invalid --override '" + std::string(arg) + "': expected key=value");
  return Property{std::string(arg.substr(0, eq)), std::string(arg.substr(eq + 1)), 0};
}

}  // namespace chronik::config
