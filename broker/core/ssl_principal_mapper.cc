#include "broker/core/ssl_principal_mapper.h"

#include <cctype>

namespace chronik::broker {
namespace {

// Up to the next '/' not escaped by a backslash; `i` ends on that '/'.
std::string until_slash(const std::string& s, size_t& i) {
  std::string out;
  while (i < s.size() && s[i] != '/') {
    if (s[i] == '\\' && i + 1 < s.size()) out += s[i++];
    out += s[i++];
  }
  return out;
}

}  // namespace

SslPrincipalMapper::SslPrincipalMapper(const std::string& text) {
  size_t i = 0;
  auto skip_blanks = [&] {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  };
  skip_blanks();
  while (i < text.size()) {
    Rule rule;
    if (text.compare(i, 7, "DEFAULT") == 0) {
      i += 7;
    } else if (text.compare(i, 5, "RULE:") == 0) {
      i += 5;
      rule.is_default = false;
      rule.pattern_text = until_slash(text, i);
      if (i >= text.size()) throw std::invalid_argument("Invalid rule: " + text.substr(0, i));
      ++i;
      rule.replacement = until_slash(text, i);
      if (i >= text.size()) throw std::invalid_argument("Invalid rule: " + text.substr(0, i));
      ++i;
      if (i < text.size() && (text[i] == 'L' || text[i] == 'U')) {
        rule.lower = text[i] == 'L';
        rule.upper = text[i] == 'U';
        ++i;
      }
      try {
        rule.pattern = std::regex(rule.pattern_text);
      } catch (const std::regex_error& e) {
        throw std::invalid_argument("Invalid rule: " + rule.pattern_text + " (" + e.what() + ")");
      }
    } else {
      const size_t comma = text.find(',', i);
      throw std::invalid_argument("Invalid rule: " + text.substr(i, comma == std::string::npos ? comma : comma - i));
    }
    skip_blanks();
    if (i < text.size() && text[i] != ',')
      throw std::invalid_argument("Invalid rule: unmatched substring: `" + text.substr(i) + "`");
    if (i < text.size()) ++i;
    skip_blanks();
    rules_.push_back(std::move(rule));
  }
  if (rules_.empty()) rules_.push_back(Rule{});
}

std::string SslPrincipalMapper::name(const std::string& dn) const {
  for (const auto& r : rules_) {
    if (r.is_default) return dn;
    if (!std::regex_match(dn, r.pattern)) continue;
    std::string out = std::regex_replace(dn, r.pattern, r.replacement);
    for (auto& c : out) {
      if (r.lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (r.upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
  }
  std::string names;
  for (const auto& r : rules_) names += (names.empty() ? "" : ", ") + (r.is_default ? "DEFAULT" : "RULE:" + r.pattern_text);
  throw std::runtime_error("No rules apply to " + dn + ", rules [" + names + "]");
}

}  // namespace chronik::broker
