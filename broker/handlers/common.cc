// Helpers shared by several handlers.
#include <spdlog/spdlog.h>

#include "broker/handlers/handlers.h"
#include "broker/config/loggers.h"

namespace chronik::broker::handlers {

int16_t auto_create_topic(Broker& broker, const std::string& name,
                          std::optional<TopicInfo>* created) {
  if (!log::valid_topic_name(name, nullptr) || log::colliding_topic(*broker.store, name)) return err(ErrorCode::INVALID_TOPIC_EXCEPTION);
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
    ::chronik::config::named_logger("chronik.handlers").warn("cannot auto-create topic {}: {}", name, r.message);
    return err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
  }
  if (r.error) return r.error;
  *created = r.topic;
  return err(ErrorCode::NONE);
}

int16_t offsets_unavailable(Broker& broker) {
  return broker.store->storage_error() ? err(ErrorCode::KAFKA_STORAGE_ERROR)
                                       : err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
}

}  // namespace chronik::broker::handlers
