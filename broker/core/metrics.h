// The broker's counters, read by the admin endpoint's /metrics.
//
// Recording happens on the request path (broker/net/, broker/server/dispatch.cc, the produce
// and fetch handlers), so it is atomics only: per-API counters live in fixed arrays indexed
// by API key and version, and per-topic counters are found through a thread-local cache
// (one hash lookup, no lock) that falls back to the locked registry once per thread and
// topic. Rendering (broker/admin/prometheus.cc) reads everything with relaxed loads.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace chronik::broker::admin {

// Latency bucket upper bounds in microseconds (rendered as seconds).
inline constexpr std::array<int64_t, 14> kLatencyBucketsUs = {
    250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 10000000};

struct LatencyHistogram {
  std::array<std::atomic<uint64_t>, kLatencyBucketsUs.size() + 1> buckets{};  // last: +Inf
  std::atomic<uint64_t> sum_us{0};
  std::atomic<uint64_t> count{0};
  void observe(int64_t micros);
};

struct TopicCounters {
  std::atomic<uint64_t> bytes_in{0};
  std::atomic<uint64_t> messages_in{0};
  std::atomic<uint64_t> bytes_out{0};
};

class Metrics {
 public:
  // Kafka API keys and versions stay well below these (3.9: keys < 80, versions < 20);
  // larger ones are counted in the last slot rather than dropped.
  static constexpr int kMaxApiKey = 128;
  static constexpr int kMaxVersion = 24;

  // One request of `api_key` at `version` took `micros`; `error` when it failed (closed
  // connection, or a non-zero top-level error code).
  void record_request(int16_t api_key, int16_t version, bool error, int64_t micros);

  // Produce appended `bytes` of record batches holding `messages` records to `topic`.
  void record_produce(const std::string& topic, uint64_t bytes, uint64_t messages);
  // Fetch returned `bytes` of `topic`.
  void record_fetch(const std::string& topic, uint64_t bytes);
  // The topic is gone: its counters leave the registry (and every thread's cache).
  void forget_topic(const std::string& topic);

  std::atomic<int64_t> connections_active{0};
  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<int64_t> waiting_fetches{0};        // fetch purgatory
  std::atomic<int64_t> waiting_group_requests{0};  // JoinGroup/SyncGroup waiting for their group
  std::atomic<uint64_t> http_requests{0};
  // Kafka's successful-/failed-(re)authentication-total and expired-connections-killed-count.
  // A failed TLS handshake is a failed authentication, as on Kafka.
  std::atomic<uint64_t> authentications_succeeded{0};
  std::atomic<uint64_t> authentications_failed{0};
  std::atomic<uint64_t> reauthentications_succeeded{0};
  std::atomic<uint64_t> reauthentications_failed{0};
  std::atomic<uint64_t> expired_sessions_closed{0};

  // Readers (rendering).
  uint64_t requests(int api_key, int version) const {
    return requests_[api_key][version].load(std::memory_order_relaxed);
  }
  uint64_t errors(int api_key, int version) const {
    return errors_[api_key][version].load(std::memory_order_relaxed);
  }
  const LatencyHistogram& latency(int api_key) const { return latency_[api_key]; }
  struct TopicSnapshot {
    uint64_t bytes_in = 0, messages_in = 0, bytes_out = 0;
  };
  // The counters of one topic (zeros when it has none yet). Takes the registry lock.
  TopicSnapshot topic_snapshot(const std::string& topic) const;
  // Calls `f` for each topic with counters, in no particular order, under the registry lock.
  void for_each_topic(const std::function<void(const std::string&, const TopicCounters&)>& f) const;

 private:
  TopicCounters& topic(const std::string& name);

  std::array<std::array<std::atomic<uint64_t>, kMaxVersion>, kMaxApiKey> requests_{};
  std::array<std::array<std::atomic<uint64_t>, kMaxVersion>, kMaxApiKey> errors_{};
  std::array<LatencyHistogram, kMaxApiKey> latency_{};

  mutable std::mutex topics_mu_;
  std::unordered_map<std::string, std::shared_ptr<TopicCounters>> topics_;
  // Bumped when a topic is forgotten, so that thread caches drop stale entries.
  std::atomic<uint64_t> generation_{0};
  // Distinguishes Metrics instances in the thread caches (tests build several).
  const uint64_t instance_ = next_instance_++;
  static inline std::atomic<uint64_t> next_instance_{1};
};

}  // namespace chronik::broker::admin
