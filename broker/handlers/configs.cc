// DescribeConfigs, AlterConfigs and IncrementalAlterConfigs for topics and the broker (and,
// through config_resources.h, broker loggers and client-metrics subscriptions), over
// broker/config/ (every key with its value, default, source and synonyms). Topic overrides
// are stored with the topic; dynamic broker configs in the store's metadata keyspace. Both
// take effect at once: retention.* in the log's retention, max.message.bytes and
// message.timestamp.type in Produce, ...
#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "broker/handlers/config_resources.h"
#include "broker/handlers/handlers.h"
#include "broker/config/loggers.h"

namespace chronik::broker::handlers {
namespace {

constexpr int8_t kTopicResource = 2, kBrokerResource = 4;
using config::ConfigError;
using config::ConfigType;
using Status = std::pair<int16_t, std::string>;

bool wanted(const std::optional<std::vector<std::string>>& keys, const std::string& name) {
  return !keys || std::find(keys->begin(), keys->end(), name) != keys->end();
}

void add_entries(int16_t v, const std::vector<config::ConfigEntry>& entries,
                 const m::DescribeConfigsRequest::DescribeConfigsResource& r,
                 const m::DescribeConfigsRequest& req,
                 m::DescribeConfigsResponse::DescribeConfigsResult& out) {
  for (const auto& e : entries) {
    if (!wanted(r.configuration_keys, e.name)) continue;
    m::DescribeConfigsResponse::DescribeConfigsResourceResult row;
    row.name = e.name;
    row.value = e.value;
    row.read_only = e.read_only;
    row.is_sensitive = e.sensitive;
    if (v == 0) row.is_default = e.source == config::ConfigSource::kDefault;
    else row.config_source = wire_config_source(e.source);
    if (v >= 1 && req.include_synonyms)
      for (const auto& s : e.synonyms) {
        m::DescribeConfigsResponse::DescribeConfigsSynonym syn;
        syn.name = s.name;
        syn.value = s.value;
        syn.source = wire_config_source(s.source);
        row.synonyms.push_back(std::move(syn));
      }
    if (v >= 3) {
      row.config_type = static_cast<int8_t>(e.type);
      row.documentation = req.include_documentation ? std::optional<std::string>(e.doc) : std::nullopt;
    }
    out.configs.push_back(std::move(row));
  }
}

// Whether `name` addresses this broker: "" is the cluster-wide default (per_broker false).
std::optional<Status> check_broker(const Broker& broker, const std::string& name, bool* per_broker) {
  *per_broker = !name.empty();
  if (!name.empty() && name != std::to_string(broker.node_id))
    return Status{err(ErrorCode::INVALID_REQUEST), "Unexpected broker id, expected " +
                                                       std::to_string(broker.node_id) + " or empty string, but received " + name};
  return std::nullopt;
}

// Checks then replaces the topic's overrides.
Status apply_topic(Broker& broker, const std::string& name, const ConfigMap& overrides, bool validate_only) {
  auto topic = broker.store->find_topic(name);
  if (!topic) return {err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION), "Topic " + name + " does not exist"};
  try {
    config::validate_topic_configs(overrides);
  } catch (const ConfigError& e) {
    return {err(ErrorCode::INVALID_CONFIG), e.what()};
  }
  if (validate_only) return {err(ErrorCode::NONE), ""};
  const int16_t e = broker.store->set_topic_configs(name, overrides);
  if (e == 0) ::chronik::config::named_logger("chronik.handlers").info("topic {} configs altered", name);
  return {e, ""};
}

// Applies broker changes (nullopt value: remove), all of them checked first, together.
Status apply_broker(Broker& broker, bool per_broker,
                    const std::vector<std::pair<std::string, std::optional<std::string>>>& changes,
                    bool validate_only) {
  try {
    if (int16_t e = broker.alter_dynamic_configs(changes, per_broker, validate_only))
      return {e, "cannot store the dynamic configs: the log dir cannot be written"};
  } catch (const ConfigError& e) {
    // Kafka (KRaft) refuses a bad broker config value, or one that cannot change at run
    // time, with INVALID_REQUEST; topic configs get INVALID_CONFIG.
    return {err(ErrorCode::INVALID_REQUEST), e.what()};
  }
  return {err(ErrorCode::NONE), ""};
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
  return out;
}

// APPEND / SUBTRACT on a list value.
std::optional<std::string> list_op(int8_t op, const std::vector<std::string>& current,
                                   const std::optional<std::string>& value) {
  std::vector<std::string> items = current;
  std::vector<std::string> given;
  if (value)
    for (size_t start = 0; start <= value->size();) {
      size_t comma = value->find(',', start);
      std::string item = value->substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!item.empty()) given.push_back(item);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  for (const auto& g : given) {
    std::erase(items, g);
    if (op == 2) items.push_back(g);
  }
  return join(items);
}

template <class Out>
void fill_result(Out& out, const Status& s, int8_t type, const std::string& name) {
  out.error_code = s.first;
  out.error_message = s.first ? std::optional<std::string>(s.second) : std::nullopt;
  out.resource_type = type;
  out.resource_name = name;
}

}  // namespace

int8_t wire_config_source(config::ConfigSource s) {
  // DescribeConfigsResponse's ConfigSource numbers.
  switch (s) {
    case config::ConfigSource::kDynamicTopic: return 1;
    case config::ConfigSource::kDynamicBroker: return 2;
    case config::ConfigSource::kDynamicDefaultBroker: return 3;
    case config::ConfigSource::kStaticBroker: return 4;
    case config::ConfigSource::kDefault: return 5;
    case config::ConfigSource::kDynamicBrokerLogger: return 6;
    default: return 0;
  }
}

namespace {

// Kafka's rules: a topic's configs need DESCRIBE_CONFIGS (to alter: ALTER_CONFIGS) on the
// topic, every other resource's on the cluster. The refusal, or nullopt when allowed.
std::optional<Status> refused(const Broker& broker, const Ctx& ctx, int8_t type, const std::string& name, bool alter) {
  const auto op = alter ? AclOperation::kAlterConfigs : AclOperation::kDescribeConfigs;
  if (type == kTopicResource) {
    if (authorized_topic(broker, ctx, op, name)) return std::nullopt;
    return Status{err(ErrorCode::TOPIC_AUTHORIZATION_FAILED), ""};
  }
  if (authorized_cluster(broker, ctx, op)) return std::nullopt;
  return Status{err(ErrorCode::CLUSTER_AUTHORIZATION_FAILED), ""};
}

}  // namespace

m::DescribeConfigsResponse handle(Broker& broker, const Ctx& ctx, m::DescribeConfigsRequest& req) {
  const int16_t v = ctx.api_version;
  const auto cfg = broker.config();
  m::DescribeConfigsResponse resp;
  for (const auto& r : req.resources) {
    m::DescribeConfigsResponse::DescribeConfigsResult out;
    out.resource_type = r.resource_type;
    out.resource_name = r.resource_name;
    out.error_message = std::nullopt;
    bool per_broker = false;
    if (auto no = refused(broker, ctx, r.resource_type, r.resource_name, false)) {
      out.error_code = no->first;
    } else if (r.resource_type == kTopicResource) {
      if (auto topic = broker.store->find_topic(r.resource_name)) {
        add_entries(v, cfg->describe_topic(topic->configs), r, req, out);
      } else {
        out.error_code = err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
        out.error_message = "Topic " + r.resource_name + " does not exist";
      }
    } else if (r.resource_type == kBrokerResource) {
      if (auto bad = check_broker(broker, r.resource_name, &per_broker)) {
        out.error_code = bad->first;
        out.error_message = bad->second;
      } else {
        add_entries(v, cfg->describe(), r, req, out);
      }
    } else if (r.resource_type == kBrokerLoggerResource) {
      describe_broker_loggers(broker, v, r, out);
    } else if (r.resource_type == kClientMetricsResource) {
      describe_client_metrics(broker, v, r, out);
    } else {
      out.error_code = err(ErrorCode::INVALID_REQUEST);
      out.error_message = "Unsupported resource type " + std::to_string(r.resource_type);
    }
    resp.results.push_back(std::move(out));
  }
  return resp;
}

m::AlterConfigsResponse handle(Broker& broker, const Ctx& ctx, m::AlterConfigsRequest& req) {
  m::AlterConfigsResponse resp;
  for (const auto& r : req.resources) {
    m::AlterConfigsResponse::AlterConfigsResourceResponse out;
    Status result{0, ""};
    bool per_broker = false;
    if (auto no = refused(broker, ctx, r.resource_type, r.resource_name, true)) {
      result = *no;
    } else if (r.resource_type == kTopicResource) {
      ConfigMap overrides;  // AlterConfigs replaces the whole set
      for (const auto& c : r.configs)
        if (c.value) overrides[c.name] = *c.value;
      result = apply_topic(broker, r.resource_name, overrides, req.validate_only);
    } else if (r.resource_type == kBrokerResource) {
      if (auto bad = check_broker(broker, r.resource_name, &per_broker)) {
        result = *bad;
      } else {
        // The whole dynamic set of that scope is replaced: keys not given are removed.
        std::vector<std::pair<std::string, std::optional<std::string>>> changes;
        std::set<std::string> given;
        for (const auto& c : r.configs) {
          changes.emplace_back(c.name, c.value);
          given.insert(c.name);
        }
        try {
          for (const auto& name : broker.dynamic_config_names(per_broker))
            if (!given.count(name)) changes.emplace_back(name, std::nullopt);
          result = apply_broker(broker, per_broker, changes, req.validate_only);
        } catch (const std::exception& e) {  // the stored dynamic configs cannot be read
          result = {err(ErrorCode::KAFKA_STORAGE_ERROR), e.what()};
        }
      }
    } else if (r.resource_type == kClientMetricsResource) {
      result = replace_client_metrics(broker, r, req.validate_only);
    } else if (r.resource_type == kBrokerLoggerResource) {
      // Kafka changes loggers only incrementally.
      result = {err(ErrorCode::INVALID_REQUEST), "Unknown resource type " + std::to_string(r.resource_type)};
    } else {
      result = {err(ErrorCode::INVALID_REQUEST), "Unsupported resource type"};
    }
    fill_result(out, result, r.resource_type, r.resource_name);
    resp.responses.push_back(std::move(out));
  }
  return resp;
}

m::IncrementalAlterConfigsResponse handle(Broker& broker, const Ctx& ctx,
                                          m::IncrementalAlterConfigsRequest& req) {
  m::IncrementalAlterConfigsResponse resp;
  const auto cfg = broker.config();
  for (const auto& r : req.resources) {
    m::IncrementalAlterConfigsResponse::AlterConfigsResourceResponse out;
    Status result{0, ""};
    auto bad_op = [&](const std::string& name, int8_t op) -> Status {
      if (op < 0 || op > 3) return {err(ErrorCode::INVALID_REQUEST), "Unknown config operation " + std::to_string(op)};
      return {err(ErrorCode::INVALID_CONFIG),
              "Config value append or subtract is not allowed for config key " + name +
                  ", it is not a list"};
    };
    bool per_broker = false;
    if (auto no = refused(broker, ctx, r.resource_type, r.resource_name, true)) {
      result = *no;
    } else if (r.resource_type == kTopicResource) {
      auto topic = broker.store->find_topic(r.resource_name);
      if (!topic) {
        result = {err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION), "Topic " + r.resource_name + " does not exist"};
      } else {
        ConfigMap overrides = topic->configs;
        for (const auto& c : r.configs) {
          if (c.config_operation == 0) {
            overrides[c.name] = c.value.value_or("");
          } else if (c.config_operation == 1) {
            overrides.erase(c.name);
          } else {
            const auto* key = config::find_key(config::topic_config_keys(), c.name);
            if (!key) {
              result = {err(ErrorCode::INVALID_CONFIG), "Unknown topic config name: " + c.name};
              break;
            }
            if (key->type != ConfigType::kList || c.config_operation > 3) {
              result = bad_op(c.name, c.config_operation);
              break;
            }
            auto current = std::get<std::vector<std::string>>(cfg->topic_value(c.name, overrides));
            overrides[c.name] = *list_op(c.config_operation, current, c.value);
          }
        }
        if (result.first == 0) result = apply_topic(broker, r.resource_name, overrides, req.validate_only);
      }
    } else if (r.resource_type == kBrokerResource) {
      if (auto bad = check_broker(broker, r.resource_name, &per_broker)) {
        result = *bad;
      } else {
        std::vector<std::pair<std::string, std::optional<std::string>>> changes;
        for (const auto& c : r.configs) {
          if (c.config_operation == 0) {
            changes.emplace_back(c.name, c.value);
          } else if (c.config_operation == 1) {
            changes.emplace_back(c.name, std::nullopt);
          } else {
            const auto* key = config::find_key(config::broker_config_keys(), c.name);
            if (!key) {
              result = {err(ErrorCode::INVALID_CONFIG), "Unknown broker config name: " + c.name};
              break;
            }
            if (key->type != ConfigType::kList || c.config_operation > 3) {
              result = bad_op(c.name, c.config_operation);
              break;
            }
            changes.emplace_back(c.name, list_op(c.config_operation, cfg->get_list(c.name), c.value));
          }
        }
        if (result.first == 0) result = apply_broker(broker, per_broker, changes, req.validate_only);
      }
    } else if (r.resource_type == kBrokerLoggerResource) {
      result = alter_broker_loggers(broker, r, req.validate_only);
    } else if (r.resource_type == kClientMetricsResource) {
      result = alter_client_metrics(broker, r, req.validate_only);
    } else {
      result = {err(ErrorCode::INVALID_REQUEST), "Unsupported resource type"};
    }
    fill_result(out, result, r.resource_type, r.resource_name);
    resp.responses.push_back(std::move(out));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
