// Client telemetry (KIP-714) as Kafka 3.9.1 serves it: client-metrics subscriptions (kept in
// the store, changed through CLIENT_METRICS config resources), the client instances that ask
// GetTelemetrySubscriptions, and the checks of PushTelemetry.
//
// A client instance gets the metrics of every subscription whose match selectors all match it
// (none: every client), the shortest of their push intervals, and a subscription id derived
// from them. Instances are kept in memory (at most 16384; one idle for max(60 s, 3 push
// intervals) is forgotten): after a restart a client's next push is UNKNOWN_SUBSCRIPTION_ID,
// and it asks again, as after a Kafka broker restart. Pushed metrics are checked (size,
// compression) and counted; Chronik has no telemetry exporter, so they are then dropped.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "broker/config/client_metrics_config.h"
#include "broker/log/log_store.h"
#include "runtime/wire/uuid.h"

namespace chronik::broker {

// What a subscription's match selectors are matched against.
struct ClientIdentity {
  std::string client_id;
  std::string software_name = "unknown";  // from the connection's ApiVersions (v3+)
  std::string software_version = "unknown";
  std::string source_address;
  std::string source_port;
};

struct TelemetrySubscription {
  int16_t error_code = 0;
  wire::Uuid client_instance_id;
  int32_t subscription_id = 0;
  int32_t push_interval_ms = 0;
  std::vector<std::string> requested_metrics;
};

struct TelemetryCounters {
  uint64_t pushes = 0;        // accepted PushTelemetry requests
  uint64_t pushed_bytes = 0;  // their metrics bytes, as sent
  uint64_t throttled = 0;     // THROTTLING_QUOTA_EXCEEDED answers
  uint64_t unknown_subscription = 0;
  int64_t instances = 0;
};

class ClientTelemetry {
 public:
  static constexpr int32_t kTelemetryMaxBytes = 1024 * 1024;
  // zstd, lz4, gzip, snappy: Kafka's order of preference.
  static constexpr int8_t kAcceptedCompression[] = {4, 3, 1, 2};

  // Reads the subscriptions kept in `store` (warns about and skips invalid ones). Throws when
  // the store cannot be read (LogStore::scan_meta).
  void load(LogStore& store);

  // Subscriptions: names in order, and the configs of one (empty when there is none).
  std::vector<std::string> subscription_names() const;
  std::map<std::string, std::string> subscription_configs(const std::string& name) const;
  // Replaces the configs of `name` (empty: removes the subscription) after checking them;
  // stores them unless `validate_only`. A storage failure is KAFKA_STORAGE_ERROR.
  std::optional<config::ClientMetricsError> set_subscription(LogStore& store, const std::string& name,
                                                             const std::map<std::string, std::string>& configs,
                                                             bool validate_only, int16_t* storage_error);

  // The connection's client software (ApiVersions v3+), for match selectors.
  void note_client_software(int64_t connection_id, const std::string& name, const std::string& version);

  // GetTelemetrySubscriptions of `instance_id` (zero: a new instance) at `now_ms`.
  TelemetrySubscription get_subscription(const wire::Uuid& instance_id, int64_t connection_id, ClientIdentity who,
                                         int64_t now_ms);
  // PushTelemetry's checks, in Kafka's order: an error code (0: accepted). `metrics_size` is
  // the payload's size as sent; `decompressed_ok` whether it decompressed (or was plain).
  int16_t push(const wire::Uuid& instance_id, int32_t subscription_id, bool terminating, int8_t compression_type,
               size_t metrics_size, bool decompressed_ok, int64_t connection_id, ClientIdentity who, int64_t now_ms);

  TelemetryCounters counters() const;

 private:
  struct Subscription {
    std::map<std::string, std::string> configs;
    config::ClientMetricsSubscription parsed;
  };
  struct Instance {
    ClientIdentity who;
    std::string instance_id_text;  // as Kafka prints a Uuid, for client_instance_id selectors
    int32_t subscription_id = 0;
    int64_t version = 0;
    int32_t push_interval_ms = config::kClientMetricsDefaultIntervalMs;
    std::vector<std::string> metrics;
    int64_t last_get_ms = 0;
    int64_t last_push_ms = 0;
    int64_t last_seen_ms = 0;
    bool terminating = false;
    int16_t last_error = 0;
  };

  // REQUIRES: mu_ held.
  Instance& instance(const wire::Uuid& id, int64_t connection_id, ClientIdentity who, int64_t now_ms);
  Instance evaluate(const wire::Uuid& id, ClientIdentity who) const;
  int16_t check_push(Instance& in, int32_t subscription_id, bool terminating, int8_t compression_type,
                     size_t metrics_size, bool decompressed_ok, int64_t now_ms);
  void expire(int64_t now_ms);

  mutable std::mutex mu_;
  std::map<std::string, Subscription> subscriptions_;
  int64_t version_ = 0;  // bumped by every subscription change
  std::map<wire::Uuid, Instance> instances_;
  std::map<int64_t, std::pair<std::string, std::string>> software_;  // connection -> name, version
  TelemetryCounters counters_;
};

}  // namespace chronik::broker
