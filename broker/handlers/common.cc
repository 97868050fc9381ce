// Helpers shared by several handlers.
#include <spdlog/spdlog.h>

#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {

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

std::optional<std::string> colliding_topic(Broker& broker, const std::string& name) {
  const std::string unified = log::collision_name(name);
  if (unified == name && name.find('_') == std::string::npos) return std::nullopt;
  for (const auto& t : broker.store->list_topics())
    if (t.name != name && log::collision_name(t.name) == unified) return t.name;
  return std::nullopt;
}

int16_t auto_create_topic(Broker& broker, const std::string& name,
                          std::optional<TopicInfo>* created) {
  if (!valid_topic_name(name, nullptr) || colliding_topic(broker, name)) return err(ErrorCode::INVALID_TOPIC_EXCEPTION);
  // Internal topics are never made by a client's request (__consumer_offsets always exists).
  if (is_internal_topic(name)) return err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
  auto r = broker.store->create_topic(name, broker.config()->get_int("num.partitions"), {}, false);
  if (r.error == err(ErrorCode::TOPIC_ALREADY_EXISTS)) {
    *created = broker.store->find_topic(name);
    return *created ? err(ErrorCode::NONE) : err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
  }
  if (r.error == err(ErrorCode::POLICY_VIOLATION)) {
    // num.partitions over what one request may create: Kafka logs it and answers as for a
    // topic that does not exist.
    spdlog::warn("cannot auto-create topic {}: {}", name, r.message);
    return err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
  }
  if (r.error) return r.error;
  *created = r.topic;
  return err(ErrorCode::NONE);
}

}  // namespace chronik::broker::handlers
