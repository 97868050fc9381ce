// Kafka's rules for topic names.
#include "broker/log/topic_names.h"

#include <cctype>

#include "broker/log/log_store.h"

namespace chronik::log {

bool valid_topic_name(const std::string& name, std::string* why) {
  // Kafka's wording (Topic.validate): tools print it as the reason a topic was refused.
  auto fail = [&](const std::string& reason) {
    if (why) *why = "Topic name is invalid: " + reason;
    return false;
  };
  if (name.empty()) return fail("the empty string is not allowed");
  if (name == ".") return fail("'.' is not allowed");
  if (name == "..") return fail("'..' is not allowed");
  if (name.size() > 249) return fail("the length of '" + name + "' is longer than the max allowed length 249");
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
      return fail("'" + name + "' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'");
  }
  return true;
}

std::optional<std::string> colliding_topic(broker::LogStore& store, const std::string& name) {
  const std::string unified = collision_name(name);
  if (unified == name && name.find('_') == std::string::npos) return std::nullopt;
  for (const auto& t : store.list_topics())
    if (t.name != name && collision_name(t.name) == unified) return t.name;
  return std::nullopt;
}

}  // namespace chronik::log
