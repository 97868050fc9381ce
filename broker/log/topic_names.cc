// Kafka's rules for topic names.
#include "broker/log/topic_names.h"

#include <cctype>

#include "broker/log/log_store.h"

namespace chronik::log {

bool valid_topic_name(const std::string& name, std::string* why) {
  auto fail = [&](std::string msg) {
    if (why) *why = std::move(msg);
    return false;
  };
  if (name.empty()) return fail("Topic name is illegal, it can't be empty");
  if (name == "." || name == "..") return fail("Topic name cannot be \".\" or \"..\"");
  if (name.size() > 249) return fail("Topic name is illegal, it can't be longer than 249 characters");
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
      return fail("Topic name \"" + name +
                  "\" is illegal, it contains a character other than ASCII alphanumerics, '.', "
                  "'_' and '-'");
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
