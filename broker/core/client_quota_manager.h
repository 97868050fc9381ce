// Client quotas as Kafka enforces them (KIP-13, KIP-55, KIP-124, KIP-219): a client over its
// producer_byte_rate, consumer_byte_rate or request_percentage is told how long to back off
// (throttle_time_ms) while the broker reads nothing more from its connection for that long.
// The time its requests keep the broker's threads busy is measured as Kafka measures it, over
// quota.window.num windows of quota.window.size.seconds. Bytes go through a token bucket
// instead: Kafka's windowed rate lets a throttled client through in bursts when a full window
// ages out and starves it while the next one fills, which holds a consumer 10-15 % below its
// quota; a bucket refilled at the quota holds it at the quota. The bucket takes all windows but
// the current one's worth, so a new client's first burst and the back-off it earns are Kafka's.
// The quota that applies is the most specific entity's (client_quotas.h); clients sharing an
// entity (a user quota, say) share its measurement, as in Kafka.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "broker/core/client_quotas.h"

namespace chronik::broker {

// What a quota measures: bytes produced, bytes fetched, or request time in Kafka's unit, the
// percentage of one thread's second (request_percentage 50 = half a thread).
enum class ClientQuotaType { kProduce, kFetch, kRequest, kConnectionCreation, kControllerMutation };

// Request time in request_percentage units.
inline double request_time_units(int64_t nanos) { return static_cast<double>(nanos) * 100.0 / 1e9; }

class ClientQuotaManager {
 public:
  // The quotas in force, as AlterClientQuotas last stored them.
  void set_quotas(std::map<QuotaEntity, QuotaValues> quotas);
  // The measurement windows (quota.window.num, quota.window.size.seconds).
  void set_windows(int32_t samples, int64_t window_ms);

  // Records `amount` (bytes, or request_time_units) for the client `user` (a principal's
  // name) / `client_id` at `now_ms` and answers how long it must back off: 0 within its
  // quota or without one. Kafka bounds a request-time throttle by one window, a byte-rate
  // one by all of them.
  int32_t record(ClientQuotaType type, const std::string& user, const std::string& client_id, double amount,
                 int64_t now_ms);
  // Takes back bytes recorded at `now_ms` that were not sent after all (a throttled fetch is
  // answered empty, as in Kafka).
  void unrecord(ClientQuotaType type, const std::string& user, const std::string& client_id, int64_t bytes,
                int64_t now_ms);
  // The most a client may fetch in one response without going over its quota at once: its
  // rate times all windows but the current one (Kafka's cap on a fetch's max_bytes, and the
  // bucket's size); nullopt without a quota.
  std::optional<int64_t> max_bytes_in_window(ClientQuotaType type, const std::string& user,
                                             const std::string& client_id) const;
  // Whether any byte-rate quota is set: without one, no bytes are measured.
  bool any() const;
  // Whether any request_percentage quota is set: without one, no request time is measured.
  bool any_request() const;
  // A new connection from address `ip` under its connection_creation_rate (KIP-612: the
  // address's own quota, else the default IP quota): 0 to take it, else how long to hold it
  // before closing it unserved, at most one window; a refused connection is not counted.
  int32_t record_connection(const std::string& ip, int64_t now_ms);

  // controller_mutation_rate (KIP-599), partitions created or deleted a second: each client
  // has a bucket of quota x quota.window.num x window seconds, refilled at the quota. A
  // request may overdraw it; while it is overdrawn the client is throttled for as long as the
  // refill takes, and strict requests (CreateTopics v6+, CreatePartitions v3+, DeleteTopics
  // v5+) have their next topics refused.
  bool mutations_exceeded(const std::string& user, const std::string& client_id, int64_t now_ms);
  void record_mutations(const std::string& user, const std::string& client_id, double partitions, int64_t now_ms);
  int32_t mutation_throttle_ms(const std::string& user, const std::string& client_id, int64_t now_ms);
  bool any_mutation() const { return any_mutation_.load(std::memory_order_relaxed); }

 private:
  struct Sample {
    int64_t start_ms = 0;
    int64_t last_event_ms = 0;  // what makes a window obsolete
    double bytes = 0;
  };
  // One measured entity: the matched quota entity with its default names made concrete.
  using SensorKey = std::tuple<ClientQuotaType, std::string, std::string>;
  struct Sensor {
    std::vector<Sample> samples;  // ring of `samples_` + 1 windows
    size_t current = 0;
    int64_t last_used_ms = 0;
  };
  std::optional<std::pair<SensorKey, double>> find(ClientQuotaType type, const std::string& user,
                                                   const std::string& client_id) const;
  void add(Sensor& s, double bytes, int64_t now_ms);
  double rate(const Sensor& s, int64_t now_ms, int64_t* window_ms) const;
  // Adds `amount` to the sensor of `key` and answers how long the client must back off under
  // `quota`, at most `cap_ms`.
  int32_t measure(const SensorKey& key, double quota, double amount, int64_t now_ms, double cap_ms);
  void expire(int64_t now_ms);

  mutable std::mutex mu_;
  std::map<QuotaEntity, QuotaValues> quotas_;
  std::atomic<bool> any_{false};
  std::atomic<bool> any_request_{false};
  std::atomic<bool> any_connection_rate_{false};
  std::atomic<bool> any_mutation_{false};
  struct Bucket {
    double tokens = 0;
    int64_t refilled_ms = 0;
  };
  // The client's bucket of quota `type`, refilled up to `windows` windows' worth, and its
  // quota; nullptr without a quota. A new client starts with a full bucket.
  Bucket* bucket(ClientQuotaType type, const std::string& user, const std::string& client_id, int64_t now_ms,
                 double windows, double* quota);
  // All windows but the current one (one at least): a byte-rate bucket's size in windows.
  double byte_burst_windows() const { return static_cast<double>(std::max(samples_ - 1, 1)); }
  // Takes `bytes` from the client's byte-rate bucket and answers its back-off, at most all
  // windows, the debt beyond that forgiven (as Kafka forgets bytes older than its windows).
  int32_t take_bytes(ClientQuotaType type, const std::string& user, const std::string& client_id, double bytes,
                     int64_t now_ms);
  std::map<SensorKey, Bucket> buckets_;
  int32_t samples_ = 11;
  int64_t window_ms_ = 1000;
  std::map<SensorKey, Sensor> sensors_;
  int64_t last_expiry_ms_ = 0;
};

}  // namespace chronik::broker
