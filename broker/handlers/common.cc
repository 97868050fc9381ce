// Helpers shared by several handlers.
#include "broker/server/errors.h"
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

int16_t auto_create_topic(Broker& broker, const std::string& name,
                          std::optional<TopicInfo>* created) {
  if (!valid_topic_name(name, nullptr)) return err::kInvalidTopicException;
  auto r = broker.store->create_topic(name, broker.settings.num_partitions, {}, false);
  if (r.error == err::kTopicAlreadyExists) {
    *created = broker.store->find_topic(name);
    return *created ? err::kNone : err::kUnknownTopicOrPartition;
  }
  if (r.error) return r.error;
  *created = r.topic;
  return err::kNone;
}

}  // namespace chronik::broker::handlers
