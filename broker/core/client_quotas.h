// Client quotas (KIP-546): the quota configs of users, client ids and IP addresses that
// AlterClientQuotas stores in the log's metadata and DescribeClientQuotas reads back, and the
// order in which a connection's quota is found (Kafka's: the most specific entity first).
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/log/log_store.h"

namespace chronik::broker {

// Kafka's entity types.
inline constexpr std::string_view kQuotaUser = "user";
inline constexpr std::string_view kQuotaClientId = "client-id";
inline constexpr std::string_view kQuotaIp = "ip";

// Entity type -> name; nullopt is the type's default entity ("<default>" in the tools).
using QuotaEntity = std::map<std::string, std::optional<std::string>>;
// Quota key (producer_byte_rate, ...) -> value.
using QuotaValues = std::map<std::string, double>;

// The keys an entity may carry, by the types it combines (Kafka's QuotaConfigs): user and
// client-id entities take the rate quotas, IP entities the connection creation rate. A key of
// Kafka's type LONG or INT takes whole numbers up to its type's largest.
struct QuotaKey {
  std::string_view name;
  bool whole_number;
  int64_t largest = 0;         // whole numbers only
  std::string type_name = {};  // "a LONG", "an INT", as Kafka's messages say
};
const std::vector<QuotaKey>& quota_keys_for(const QuotaEntity& entity);

class ClientQuotaStore {
 public:
  explicit ClientQuotaStore(LogStore& store) : store_(store) {}
  // Every entity with its values. Throws log::StorageError when the store cannot be read.
  std::map<QuotaEntity, QuotaValues> list();
  // One (entity, key) set or, with no value, removed.
  struct Change {
    QuotaEntity entity;
    std::string key;
    std::optional<double> value;
  };
  // One atomic, synced write. Returns a Kafka error code (KAFKA_STORAGE_ERROR).
  int16_t apply(const std::vector<Change>& changes);

 private:
  LogStore& store_;
};

// The value of `key` that applies to a client, searching Kafka's precedence for user and
// client-id quotas: (user, client), (user, default client), (user), (default user, client),
// (default user, default client), (default user), (client), (default client).
// The entity whose value of `key` applies to a client, with that value.
std::optional<std::pair<QuotaEntity, double>> matching_quota(const std::map<QuotaEntity, QuotaValues>& quotas,
                                                             const std::string& user, const std::string& client_id,
                                                             const std::string& key);
std::optional<double> effective_quota(const std::map<QuotaEntity, QuotaValues>& quotas, const std::string& user,
                                      const std::string& client_id, const std::string& key);

}  // namespace chronik::broker
