#include "broker/core/metrics.h"

#include <algorithm>

namespace chronik::broker::admin {

void LatencyHistogram::observe(int64_t micros) {
  micros = std::max<int64_t>(micros, 0);
  size_t i = 0;
  while (i < kLatencyBucketsUs.size() && micros > kLatencyBucketsUs[i]) ++i;
  buckets[i].fetch_add(1, std::memory_order_relaxed);
  sum_us.fetch_add(static_cast<uint64_t>(micros), std::memory_order_relaxed);
  count.fetch_add(1, std::memory_order_relaxed);
}

void Metrics::record_request(int16_t api_key, int16_t version, bool error, int64_t micros) {
  const int k = std::clamp<int>(api_key, 0, kMaxApiKey - 1);
  const int v = std::clamp<int>(version, 0, kMaxVersion - 1);
  requests_[k][v].fetch_add(1, std::memory_order_relaxed);
  if (error) errors_[k][v].fetch_add(1, std::memory_order_relaxed);
  latency_[k].observe(micros);
}

TopicCounters& Metrics::topic(const std::string& name) {
  // Per thread: the counters this thread has used, valid while the generation holds.
  struct Cache {
    uint64_t instance = 0;
    uint64_t generation = 0;
    std::unordered_map<std::string, std::shared_ptr<TopicCounters>> map;
  };
  thread_local Cache cache;
  const uint64_t gen = generation_.load(std::memory_order_acquire);
  if (cache.instance != instance_ || cache.generation != gen) {
    cache.map.clear();
    cache.instance = instance_;
    cache.generation = gen;
  }
  auto it = cache.map.find(name);
  if (it != cache.map.end()) return *it->second;
  std::shared_ptr<TopicCounters> counters;
  {
    std::lock_guard lock(topics_mu_);
    auto& slot = topics_[name];
    if (!slot) slot = std::make_shared<TopicCounters>();
    counters = slot;
  }
  return *cache.map.emplace(name, std::move(counters)).first->second;
}

void Metrics::record_produce(const std::string& topic_name, uint64_t bytes, uint64_t messages) {
  auto& t = topic(topic_name);
  t.bytes_in.fetch_add(bytes, std::memory_order_relaxed);
  t.messages_in.fetch_add(messages, std::memory_order_relaxed);
}

void Metrics::record_fetch(const std::string& topic_name, uint64_t bytes) {
  topic(topic_name).bytes_out.fetch_add(bytes, std::memory_order_relaxed);
}

void Metrics::forget_topic(const std::string& topic_name) {
  std::lock_guard lock(topics_mu_);
  if (topics_.erase(topic_name)) generation_.fetch_add(1, std::memory_order_release);
}

Metrics::TopicSnapshot Metrics::topic_snapshot(const std::string& topic_name) const {
  std::lock_guard lock(topics_mu_);
  auto it = topics_.find(topic_name);
  if (it == topics_.end()) return {};
  const auto& c = *it->second;
  return {c.bytes_in.load(std::memory_order_relaxed), c.messages_in.load(std::memory_order_relaxed),
          c.bytes_out.load(std::memory_order_relaxed)};
}

void Metrics::for_each_topic(
    const std::function<void(const std::string&, const TopicCounters&)>& f) const {
  std::lock_guard lock(topics_mu_);
  for (const auto& [name, counters] : topics_) f(name, *counters);
}

}  // namespace chronik::broker::admin
