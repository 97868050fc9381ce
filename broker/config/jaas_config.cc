#include "broker/config/jaas_config.h"

#include <cctype>
#include <optional>

#include "broker/config/config_def.h"

namespace chronik::config {
namespace {

// A token of the JAAS line: a word (letters, digits, '.', '_', '-', '$'), a quoted string, or
// one of '=' and ';'. Java's StreamTokenizer, which Kafka uses, reads the same shapes.
class Tokens {
 public:
  explicit Tokens(std::string_view text) : text_(text) {}

  struct Token {
    enum Kind { kWord, kQuoted, kSymbol, kEnd } kind;
    std::string text;
  };

  Token next() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    if (pos_ >= text_.size()) return {Token::kEnd, ""};
    const char c = text_[pos_];
    if (c == '=' || c == ';') {
      ++pos_;
      return {Token::kSymbol, std::string(1, c)};
    }
    if (c == '"' || c == '\'') {
      std::string out;
      ++pos_;
      while (pos_ < text_.size() && text_[pos_] != c) {
        if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
        out += text_[pos_++];
      }
      if (pos_ >= text_.size()) throw std::runtime_error("unterminated quoted value");
      ++pos_;
      return {Token::kQuoted, out};
    }
    std::string out;
    while (pos_ < text_.size()) {
      const char d = text_[pos_];
      if (std::isspace(static_cast<unsigned char>(d)) || d == '=' || d == ';' || d == '"' || d == '\'') break;
      out += d;
      ++pos_;
    }
    return {Token::kWord, out};
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

JaasLoginModule parse_jaas_config(std::string_view key, std::string_view text) {
  auto fail = [&](const std::string& why) { return ConfigError(key, "[hidden]", why); };
  try {
    Tokens tokens(text);
    JaasLoginModule out;
    auto module = tokens.next();
    if (module.kind != Tokens::Token::kWord) throw fail("JAAS config entry must start with a login module class name");
    out.login_module = module.text;
    auto flag = tokens.next();
    if (flag.kind != Tokens::Token::kWord ||
        (flag.text != "required" && flag.text != "requisite" && flag.text != "sufficient" && flag.text != "optional"))
      throw fail("Invalid JAAS config: invalid control flag after " + out.login_module);
    out.control_flag = flag.text;
    for (;;) {
      auto name = tokens.next();
      if (name.kind == Tokens::Token::kSymbol && name.text == ";") break;
      if (name.kind != Tokens::Token::kWord)
        throw fail("Invalid JAAS config: expected an option name or ';' in the entry of " + out.login_module);
      auto eq = tokens.next();
      if (eq.kind != Tokens::Token::kSymbol || eq.text != "=")
        throw fail("Invalid JAAS config: option " + name.text + " has no '='");
      auto value = tokens.next();
      if (value.kind != Tokens::Token::kWord && value.kind != Tokens::Token::kQuoted)
        throw fail("Invalid JAAS config: option " + name.text + " has no value");
      out.options[name.text] = value.text;
    }
    if (tokens.next().kind != Tokens::Token::kEnd)
      throw fail("JAAS config property contains 2 login modules, it should contain 1");
    return out;
  } catch (const ConfigError&) {
    throw;
  } catch (const std::exception& e) {
    throw fail(std::string("Invalid JAAS config: ") + e.what());
  }
}

}  // namespace chronik::config
