#include "broker/core/broker.h"

#include <cstdlib>
#include <map>
#include <set>

#include <spdlog/spdlog.h>

#include "broker/core/log_txn_markers.h"
#include "broker/log/topic_names.h"
#include "broker/config/loggers.h"

namespace chronik::broker {
namespace {

// Dynamic broker configs in the store's metadata keyspace:
// "broker-config/<node id>/<name>" (per broker) and "broker-config/default/<name>".
constexpr std::string_view kDynamicPrefix = "broker-config/";

std::string dynamic_key(const Broker& b, bool per_broker, const std::string& name) {
  return std::string(kDynamicPrefix) + (per_broker ? std::to_string(b.node_id) : "default") + "/" + name;
}

Endpoint endpoint(const config::Listener& l) {
  Endpoint e;
  e.host = l.host.empty() ? "0.0.0.0" : l.host;
  e.port = l.port;
  return e;
}

}  // namespace

void Broker::init(std::shared_ptr<const config::BrokerConfig> cfg) {
  node_id = cfg->node_id();
  auto ls = cfg->listeners();
  if (!ls.empty()) listener = endpoint(ls.front());
  auto ad = cfg->advertised_listeners();
  if (!ad.empty()) advertised = endpoint(ad.front());
  if (advertised.host == "0.0.0.0" || advertised.host == "::") advertised.host = "127.0.0.1";
  listeners.clear();
  for (const auto& l : ls) {
    ListenerInfo info{l.name, l.security_protocol, endpoint(l), endpoint(l)};
    for (const auto& a : ad)
      if (a.name == l.name) info.advertised = endpoint(a);
    if (info.advertised.host == "0.0.0.0" || info.advertised.host == "::") info.advertised.host = "127.0.0.1";
    listeners.push_back(std::move(info));
  }
  auto dirs = cfg->log_dirs();
  if (!dirs.empty()) log_dir = dirs.front();
  set_config(std::move(cfg));
}

void Broker::start_groups() {
  groups = std::make_unique<group::GroupCoordinator>(store, [this]() { return config(); });
  groups->set_on_change([this](const std::string& group_id) { waits.notify(GroupChanged{group_id}); });
  groups->load(now_ms());
  txn_markers = std::make_unique<LogTxnMarkers>(*this);
  transactions = std::make_unique<txn::TxnCoordinator>(
      store, [this]() { return config(); }, [this]() { return allocate_producer_id(); }, *txn_markers, groups.get(),
      [] { return now_ms(); });
  transactions->set_transaction_version([this] {
    const auto levels = features.levels().levels;
    const auto it = levels.find("transaction.version");
    return it == levels.end() ? int16_t{0} : it->second;
  });
  transactions->load(now_ms());
  transactions->start();
}

void Broker::ensure_internal_topics() {
  const std::string name(log::kConsumerOffsetsTopic);
  if (store->find_topic(name)) return;
  const int32_t partitions = config()->get_int("offsets.topic.num.partitions");
  // The configs Kafka gives the topic it keeps offsets in.
  const ConfigMap configs = {{"cleanup.policy", "compact"}, {"compression.type", "producer"},
                             {"segment.bytes", "104857600"}};
  auto r = store->create_topic(name, partitions, configs, false);
  if (r.error && r.error != err(ErrorCode::TOPIC_ALREADY_EXISTS))
    throw std::runtime_error("cannot create " + name + ": " + r.message);
  ::chronik::config::named_logger("chronik.core").info("created internal topic {} with {} partitions (committed offsets are kept apart from it)",
               name, partitions);
}

void Broker::load_dynamic_configs() {
  std::lock_guard lock(alter_mu_);
  auto cfg = config();
  const std::string mine = std::to_string(node_id) + "/";
  for (const auto& [key, value] : store->scan_meta(std::string(kDynamicPrefix))) {
    std::string rest = key.substr(kDynamicPrefix.size());
    const bool per_broker = rest.rfind(mine, 0) == 0;
    if (!per_broker && rest.rfind("default/", 0) != 0) continue;  // another node's
    const std::string name = rest.substr(rest.find('/') + 1);
    try {
      cfg = std::make_shared<config::BrokerConfig>(cfg->with_dynamic(name, value, per_broker));
    } catch (const std::exception& e) {
      ::chronik::config::named_logger("chronik.core").warn("ignoring stored dynamic config {}={}: {}", name, value, e.what());
    }
  }
  set_config(std::move(cfg));
  features.load(*store);
  telemetry.load(*store);
  quotas.set_windows(config()->get_int("quota.window.num"), config()->get_long("quota.window.size.seconds") * 1000);
  quotas.set_quotas(ClientQuotaStore(*store).list());
}

int16_t Broker::alter_dynamic_configs(const std::vector<std::pair<std::string, std::optional<std::string>>>& changes,
                                      bool per_broker, bool validate_only) {
  std::lock_guard lock(alter_mu_);
  auto next = config();
  std::set<std::string> tls_changed;
  for (const auto& [name, value] : changes) {
    std::optional<std::string_view> v;
    if (value) v = *value;
    next = std::make_shared<config::BrokerConfig>(next->with_dynamic(name, v, per_broker));
    if (const auto listener = config::BrokerConfig::reconfigured_tls_listener(name)) tls_changed.insert(*listener);
  }
  // The new certificates are loaded and checked before anything is stored: a key store that
  // cannot serve is refused, and the listener keeps the one it has.
  std::map<std::string, std::shared_ptr<core::ListenerTls>> tls;
  for (const auto& listener : tls_changed)
    if (auto prepared = tls_listeners.prepare(*next, listener)) tls[listener] = std::move(prepared);
  if (validate_only) return 0;
  for (const auto& [name, value] : changes)
    if (int16_t e = store->put_meta(dynamic_key(*this, per_broker, name), value)) return e;
  set_config(std::move(next));
  for (const auto& [name, value] : changes)
    ::chronik::config::named_logger("chronik.core")
        .info("dynamic broker config {} {}{}", name,
              !value ? "removed" : config::BrokerConfig::sensitive(name) ? "set (sensitive)" : "set to " + *value,
              per_broker ? "" : " (cluster default)");
  for (auto& [listener, prepared] : tls) tls_listeners.replace(listener, std::move(prepared));
  return 0;
}

std::vector<std::string> Broker::dynamic_config_names(bool per_broker) {
  const std::string prefix = dynamic_key(*this, per_broker, "");
  std::vector<std::string> out;
  for (const auto& kv : store->scan_meta(prefix)) out.push_back(kv.first.substr(prefix.size()));
  return out;
}

int64_t Broker::first_producer_id() {
  // Ids are not persisted, and must not repeat across restarts (a restarted broker keeps the
  // producers' state): start from the clock (milliseconds * 1024 leaves room for a thousand
  // ids per millisecond).
  const int64_t ms = now_ms();
  return (ms & ((int64_t{1} << 42) - 1)) << 10;
}

void Broker::forget_topic(const TopicInfo& topic) {
  if (groups) groups->on_topic_deleted(topic.name);
  metrics.forget_topic(topic.name);
}

}  // namespace chronik::broker
