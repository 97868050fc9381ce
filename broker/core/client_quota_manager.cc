#include "broker/core/client_quota_manager.h"

#include <algorithm>
#include <cmath>

namespace chronik::broker {
namespace {

const char* quota_key(ClientQuotaType type) {
  switch (type) {
    case ClientQuotaType::kProduce: return "producer_byte_rate";
    case ClientQuotaType::kFetch: return "consumer_byte_rate";
    case ClientQuotaType::kRequest: return "request_percentage";
    case ClientQuotaType::kConnectionCreation: return "connection_creation_rate";
    case ClientQuotaType::kControllerMutation: return "controller_mutation_rate";
  }
  return "";
}

// Kafka expires a client's sensors after an hour without traffic.
constexpr int64_t kInactiveSensorMs = 3600 * 1000;

}  // namespace

void ClientQuotaManager::set_quotas(std::map<QuotaEntity, QuotaValues> quotas) {
  std::lock_guard lock(mu_);
  bool any = false, any_request = false, any_connection_rate = false, any_mutation = false;
  for (const auto& [entity, values] : quotas) {
    any = any || values.count(quota_key(ClientQuotaType::kProduce)) || values.count(quota_key(ClientQuotaType::kFetch));
    any_request = any_request || values.count(quota_key(ClientQuotaType::kRequest));
    any_connection_rate = any_connection_rate || values.count(quota_key(ClientQuotaType::kConnectionCreation));
    any_mutation = any_mutation || values.count(quota_key(ClientQuotaType::kControllerMutation));
  }
  quotas_ = std::move(quotas);
  any_ = any;
  any_request_ = any_request;
  any_connection_rate_ = any_connection_rate;
  any_mutation_ = any_mutation;
}

void ClientQuotaManager::set_windows(int32_t samples, int64_t window_ms) {
  std::lock_guard lock(mu_);
  samples_ = std::max(samples, 1);
  window_ms_ = std::max<int64_t>(window_ms, 1);
  sensors_.clear();
  buckets_.clear();
}

bool ClientQuotaManager::any() const { return any_.load(std::memory_order_relaxed); }

bool ClientQuotaManager::any_request() const { return any_request_.load(std::memory_order_relaxed); }

std::optional<std::pair<ClientQuotaManager::SensorKey, double>> ClientQuotaManager::find(
    ClientQuotaType type, const std::string& user, const std::string& client_id) const {
  const auto m = matching_quota(quotas_, user, client_id, quota_key(type));
  if (!m) return std::nullopt;
  const auto& entity = m->first;
  SensorKey key{type, entity.count(std::string(kQuotaUser)) ? user : std::string(),
                entity.count(std::string(kQuotaClientId)) ? client_id : std::string()};
  return std::make_pair(std::move(key), m->second);
}

std::optional<int64_t> ClientQuotaManager::max_bytes_in_window(ClientQuotaType type, const std::string& user,
                                                               const std::string& client_id) const {
  if (!any()) return std::nullopt;
  std::lock_guard lock(mu_);
  const auto found = find(type, user, client_id);
  if (!found) return std::nullopt;
  const double bytes = found->second * byte_burst_windows() * static_cast<double>(window_ms_) / 1000.0;
  return static_cast<int64_t>(std::min(bytes, 9.0e18));
}

void ClientQuotaManager::add(Sensor& s, double bytes, int64_t now_ms) {
  if (s.samples.size() != static_cast<size_t>(samples_) + 1) {
    s.samples.assign(samples_ + 1, Sample{});
    s.current = 0;
    s.samples[0].start_ms = now_ms;
  }
  if (now_ms - s.samples[s.current].start_ms >= window_ms_) {
    s.current = (s.current + 1) % s.samples.size();
    s.samples[s.current] = Sample{now_ms, now_ms, 0};
  }
  s.samples[s.current].bytes += bytes;
  s.samples[s.current].last_event_ms = now_ms;
  s.last_used_ms = now_ms;
}

// Kafka's Rate (request time, connection creations): what the windows not yet obsolete hold
// over the time they span, counted as at least all windows but the current one, so that a new
// client is not throttled for its first burst. A window is obsolete once its last event, not
// its start, is older than all windows, and one window more than quota.window.num is kept (as
// Kafka 3.9 does).
double ClientQuotaManager::rate(const Sensor& s, int64_t now_ms, int64_t* elapsed_ms) const {
  const int64_t horizon = now_ms - static_cast<int64_t>(samples_) * window_ms_;
  double total = 0;
  int64_t oldest = now_ms;
  for (const auto& sample : s.samples) {
    if (sample.last_event_ms <= horizon || (sample.start_ms == 0 && sample.bytes == 0)) continue;
    total += sample.bytes;
    oldest = std::min(oldest, sample.start_ms);
  }
  int64_t elapsed = now_ms - oldest;
  const int64_t full_windows = elapsed / window_ms_;
  const int64_t min_full_windows = static_cast<int64_t>(samples_) - 1;
  if (full_windows < min_full_windows) elapsed += (min_full_windows - full_windows) * window_ms_;
  elapsed = std::max<int64_t>(elapsed, 1);
  *elapsed_ms = elapsed;
  return total * 1000.0 / static_cast<double>(elapsed);
}

void ClientQuotaManager::expire(int64_t now_ms) {
  if (now_ms - last_expiry_ms_ < 60 * 1000) return;
  last_expiry_ms_ = now_ms;
  std::erase_if(sensors_, [&](const auto& kv) { return now_ms - kv.second.last_used_ms > kInactiveSensorMs; });
  // A bucket left alone that long is full again: as good as a new one.
  std::erase_if(buckets_, [&](const auto& kv) { return now_ms - kv.second.refilled_ms > kInactiveSensorMs; });
}

int32_t ClientQuotaManager::record(ClientQuotaType type, const std::string& user, const std::string& client_id,
                                   double amount, int64_t now_ms) {
  if (type == ClientQuotaType::kRequest ? !any_request() : !any()) return 0;
  std::lock_guard lock(mu_);
  if (type != ClientQuotaType::kRequest) return take_bytes(type, user, client_id, amount, now_ms);
  const auto found = find(type, user, client_id);
  if (!found) return 0;
  return measure(found->first, found->second, amount, now_ms, static_cast<double>(window_ms_));
}

int32_t ClientQuotaManager::take_bytes(ClientQuotaType type, const std::string& user, const std::string& client_id,
                                       double bytes, int64_t now_ms) {
  double quota = 0;
  Bucket* b = bucket(type, user, client_id, now_ms, byte_burst_windows(), &quota);
  if (b == nullptr) return 0;
  b->tokens -= bytes;
  if (b->tokens >= 0) return 0;
  const double cap_ms = static_cast<double>(samples_) * static_cast<double>(window_ms_);
  if (quota <= 0) return static_cast<int32_t>(cap_ms);
  b->tokens = std::max(b->tokens, -quota * cap_ms / 1000.0);
  // Rounded up: once the back-off is over, the same request fits.
  return static_cast<int32_t>(std::ceil(-b->tokens / quota * 1000.0));
}

int32_t ClientQuotaManager::measure(const SensorKey& key, double quota, double amount, int64_t now_ms,
                                    double cap_ms) {
  expire(now_ms);
  auto& sensor = sensors_[key];
  add(sensor, amount, now_ms);
  int64_t elapsed = 0;
  const double measured = rate(sensor, now_ms, &elapsed);
  if (measured <= quota) return 0;
  // How long until the measured rate is back at the quota, within Kafka's bound.
  const double throttle = quota > 0 ? (measured - quota) / quota * static_cast<double>(elapsed) : cap_ms;
  return static_cast<int32_t>(std::llround(std::min(throttle, cap_ms)));
}

int32_t ClientQuotaManager::record_connection(const std::string& ip, int64_t now_ms) {
  if (!any_connection_rate_.load(std::memory_order_relaxed)) return 0;
  std::lock_guard lock(mu_);
  const std::string key = quota_key(ClientQuotaType::kConnectionCreation);
  std::optional<double> quota;
  for (const QuotaEntity& entity : {QuotaEntity{{std::string(kQuotaIp), ip}}, QuotaEntity{{std::string(kQuotaIp), std::nullopt}}}) {
    const auto it = quotas_.find(entity);
    if (it == quotas_.end()) continue;
    if (const auto v = it->second.find(key); v != it->second.end()) {
      quota = v->second;
      break;
    }
  }
  if (!quota) return 0;
  // Every address is measured on its own, under its quota or the default one.
  const SensorKey sensor{ClientQuotaType::kConnectionCreation, ip, ""};
  const int32_t throttle = measure(sensor, *quota, 1, now_ms, static_cast<double>(window_ms_));
  if (throttle > 0) add(sensors_[sensor], -1, now_ms);
  return throttle;
}

ClientQuotaManager::Bucket* ClientQuotaManager::bucket(ClientQuotaType type, const std::string& user,
                                                       const std::string& client_id, int64_t now_ms, double windows,
                                                       double* quota) {
  expire(now_ms);
  const auto found = find(type, user, client_id);
  if (!found) return nullptr;
  *quota = found->second;
  const double burst = found->second * windows * static_cast<double>(window_ms_) / 1000.0;
  auto [it, fresh] = buckets_.try_emplace(found->first);
  Bucket& b = it->second;
  if (fresh) {
    b.tokens = burst;
  } else {
    b.tokens = std::min(burst, b.tokens + found->second * static_cast<double>(now_ms - b.refilled_ms) / 1000.0);
  }
  b.refilled_ms = now_ms;
  return &b;
}

bool ClientQuotaManager::mutations_exceeded(const std::string& user, const std::string& client_id, int64_t now_ms) {
  if (!any_mutation()) return false;
  std::lock_guard lock(mu_);
  double quota = 0;
  const Bucket* b = bucket(ClientQuotaType::kControllerMutation, user, client_id, now_ms, samples_, &quota);
  return b != nullptr && b->tokens < 0;
}

void ClientQuotaManager::record_mutations(const std::string& user, const std::string& client_id, double partitions,
                                          int64_t now_ms) {
  if (!any_mutation()) return;
  std::lock_guard lock(mu_);
  double quota = 0;
  if (Bucket* b = bucket(ClientQuotaType::kControllerMutation, user, client_id, now_ms, samples_, &quota))
    b->tokens -= partitions;
}

int32_t ClientQuotaManager::mutation_throttle_ms(const std::string& user, const std::string& client_id,
                                                 int64_t now_ms) {
  if (!any_mutation()) return 0;
  std::lock_guard lock(mu_);
  double quota = 0;
  const Bucket* b = bucket(ClientQuotaType::kControllerMutation, user, client_id, now_ms, samples_, &quota);
  if (b == nullptr || b->tokens >= 0) return 0;
  // As long as the refill takes to bring the bucket back to empty.
  const double ms = quota > 0 ? -b->tokens / quota * 1000.0 : static_cast<double>(samples_ * window_ms_);
  return static_cast<int32_t>(std::llround(std::min(ms, 2147483647.0)));
}

void ClientQuotaManager::unrecord(ClientQuotaType type, const std::string& user, const std::string& client_id,
                                  int64_t bytes, int64_t now_ms) {
  if (!any()) return;
  std::lock_guard lock(mu_);
  double quota = 0;
  if (Bucket* b = bucket(type, user, client_id, now_ms, byte_burst_windows(), &quota))
    b->tokens = std::min(b->tokens + static_cast<double>(bytes),
                         quota * byte_burst_windows() * static_cast<double>(window_ms_) / 1000.0);
}

}  // namespace chronik::broker
