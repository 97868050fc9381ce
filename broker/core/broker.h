// The services every handler works with, and what a handler knows about its request.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/core/metrics.h"
#include "broker/group/group_coordinator.h"
#include "broker/core/fetch_memory.h"
#include "broker/core/client_quota_manager.h"
#include "broker/core/client_telemetry.h"
#include "broker/core/connection_quotas.h"
#include "broker/core/features.h"
#include "broker/core/fetch_sessions.h"
#include "broker/core/tls_listeners.h"
#include "broker/core/waits.h"
#include "broker/log/log_store.h"
#include "broker/security/authorizer.h"
#include "broker/txn/txn_coordinator.h"
#include "broker/config/broker_config.h"

namespace chronik::broker {

struct Endpoint {
  std::string host = "127.0.0.1";
  uint16_t port = 9092;
};

// One Kafka listener (listeners, listener.security.protocol.map, advertised.listeners).
struct ListenerInfo {
  std::string name;               // "PLAINTEXT", "SASL_SSL", or any name the map gives a protocol
  std::string security_protocol;  // PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL
  Endpoint bind;
  Endpoint advertised;  // from advertised.listeners, else the bound address (port 0: the bound port)
  bool sasl() const { return security_protocol.rfind("SASL_", 0) == 0; }
  bool tls() const { return security_protocol == "SSL" || security_protocol == "SASL_SSL"; }
};

struct Broker {
  // Fixed at start-up (read-only configs), from the configuration.
  int32_t node_id = 1;
  Endpoint listener;    // the first listener
  Endpoint advertised;  // the first advertised listener (port 0: the bound port)
  // Every listener, in the order of `listeners`; the bound ports are filled in once bound.
  std::vector<ListenerInfo> listeners;
  // What clients that came in on listener `name` are told to connect to (Metadata,
  // DescribeCluster, FindCoordinator), as Kafka answers with the request's own listener.
  Endpoint advertised_for(const std::string& name) const {
    for (const auto& l : listeners)
      if (l.name == name) return l.advertised;
    return advertised;
  }
  std::string log_dir = "./chronik-data";
  std::string config_source = "defaults";
  std::string cluster_id;

  // Sets the configuration and the start-up fields above from it.
  void init(std::shared_ptr<const config::BrokerConfig> config);
  // The configuration in force; dynamic configs (AlterConfigs) replace it as a whole.
  std::shared_ptr<const config::BrokerConfig> config() const {
    std::lock_guard lock(config_mu_);
    return config_;
  }
  void set_config(std::shared_ptr<const config::BrokerConfig> config) {
    std::lock_guard lock(config_mu_);
    config_ = std::move(config);
  }
  // Restores the dynamic broker configs (warns about invalid ones), the finalized feature
  // levels and the client-metrics subscriptions persisted in the store.
  void load_dynamic_configs();
  // Creates Kafka's __consumer_offsets, empty and read-only, on a new data dir.
  void ensure_internal_topics();
  // Sets (nullopt value: removes) the dynamic broker configs `changes`, per broker or as
  // cluster default, checked together then persisted in the store; a change of a TLS
  // listener's key store or trust store replaces its certificate for new connections (checked
  // as Kafka checks it, core/tls_listeners.h). With `validate_only`, only checks. Throws
  // config::ConfigError for an invalid change; returns KAFKA_STORAGE_ERROR when the store
  // cannot persist them (nothing in force changed then), else 0. Serialized: concurrent
  // alters do not lose each other's changes.
  int16_t alter_dynamic_configs(const std::vector<std::pair<std::string, std::optional<std::string>>>& changes,
                                bool per_broker, bool validate_only);
  // Forgets what other services keep about a deleted topic: the groups' committed offsets
  // and its metrics. (Its idempotent producers' state goes with the topic, in the log.)
  void forget_topic(const TopicInfo& topic);
  // Names of the dynamic broker configs set per broker (or as cluster default). Throws when
  // the store cannot be read (LogStore::scan_meta).
  std::vector<std::string> dynamic_config_names(bool per_broker);

  // Creates the group coordinator over `store` and restores its groups and offsets, then
  // the transaction coordinator, which restores its transactional ids and starts its marker
  // thread (finishing transactions a stop left prepared). REQUIRES: store is open.
  void start_groups();

  std::shared_ptr<LogStore> store;
  std::unique_ptr<group::GroupCoordinator> groups;
  std::unique_ptr<txn::TxnMarkerWriter> txn_markers;  // into this broker's log (core/log_txn_markers.h)
  std::unique_ptr<txn::TxnCoordinator> transactions;
  FetchSessionCache fetch_sessions;
  FinalizedFeatures features;  // ApiVersions, UpdateFeatures
  ClientTelemetry telemetry;   // KIP-714 subscriptions and client instances
  ClientQuotaManager quotas;   // byte rates, request_percentage and connection_creation_rate
  ConnectionQuotas connection_quotas{quotas};  // max.connections, per IP, and creation rates
  FetchMemory fetch_memory;  // queued.max.fetch.bytes
  core::TlsListeners tls_listeners;  // the TLS of SSL and SASL_SSL listeners, replaceable (KIP-226)
  // The ACL authorizer (authorizer.class.name); null: none configured, every action allowed.
  std::unique_ptr<security::Authorizer> authorizer;
  admin::Metrics metrics;
  // When the broker started (uptime on the admin endpoint).
  int64_t start_time_ms = 0;

  // A fresh producer id (InitProducerId), never handed out before by this broker.
  int64_t allocate_producer_id() { return next_producer_id_.fetch_add(1, std::memory_order_relaxed); }

  // Requests waiting for appends (long-poll fetches) or for their group (JoinGroup,
  // SyncGroup) subscribe here; appends and group changes are notified here.
  WaitRegistry waits;
  // Called after every append, so that fetches waiting on the partition wake up.
  void notify_append(const std::string& topic, int32_t partition) {
    if (waits.anyone_waiting()) waits.notify(PartitionAppended{topic, partition});
  }

  // The effective value of topic config `key` for `topic` (override, broker synonyms, default).
  int64_t topic_long(const TopicInfo& topic, const std::string& key) const {
    return config()->topic_long(key, topic.configs);
  }
  std::string topic_string(const TopicInfo& topic, const std::string& key) const {
    return config()->topic_string(key, topic.configs);
  }

 private:
  mutable std::mutex config_mu_;
  std::shared_ptr<const config::BrokerConfig> config_ = std::make_shared<config::BrokerConfig>();
  std::mutex alter_mu_;
  std::atomic<int64_t> next_producer_id_{first_producer_id()};
  static int64_t first_producer_id();
};

// Thrown by a handler whose request ends the connection instead of being answered (a failed
// acks=0 produce); dispatch closes the connection with the message as the reason.
struct CloseConnection : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Thrown by a handler that refuses the whole request with one error code (a requester without
// the cluster permission the API needs, say); dispatch answers the API's response with that
// error on everything the request named, as Kafka's getErrorResponse does.
struct RequestRefused : std::runtime_error {
  explicit RequestRefused(int16_t code) : std::runtime_error("request refused"), error_code(code) {}
  int16_t error_code;
};

struct RequestContext {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;
  std::string peer;
  int64_t connection_id = 0;
  // The listener the request came in on (its name), and who sent it: "User:<name>" after
  // SASL, the mapped certificate name with TLS client authentication, else anonymous.
  std::string listener;
  std::string principal = "User:ANONYMOUS";
  // Set by dispatch when the response carries a non-zero top-level error code (metrics).
  bool failed = false;
  // Set by a handler that answers nothing (acks=0 Produce) but is over a quota: the
  // connection is not read for this long, Kafka's only throttle for such a request (KIP-219).
  mutable int32_t throttle_without_response_ms = 0;
};

inline int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace chronik::broker
