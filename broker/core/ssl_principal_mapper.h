// ssl.principal.mapping.rules: from a client certificate's distinguished name (RFC 2253, as
// Java prints it: "CN=alice,OU=eng,O=example") to the name of its principal, with Kafka's
// rules: DEFAULT (the name unchanged) and RULE:<pattern>/<replacement>/[LU], tried in order.
#pragma once

#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace chronik::broker {

class SslPrincipalMapper {
 public:
  // Throws std::invalid_argument ("Invalid rule: ...") for rules that do not parse.
  explicit SslPrincipalMapper(const std::string& rules);
  // The principal name of `dn`, by the first rule that applies; throws std::runtime_error
  // when none does ("No rules apply to ...").
  std::string name(const std::string& dn) const;

 private:
  struct Rule {
    bool is_default = true;
    std::string pattern_text;
    std::regex pattern;
    std::string replacement;
    bool lower = false;
    bool upper = false;
  };
  std::vector<Rule> rules_;
};

}  // namespace chronik::broker
