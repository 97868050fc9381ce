// DescribeConfigs, AlterConfigs and IncrementalAlterConfigs for topics (and describing the
// broker). Topic overrides are stored with the topic and take effect at once: retention.*
// in the log's retention, max.message.bytes and message.timestamp.type in Produce.
#include <set>
#include <sstream>

#include <spdlog/spdlog.h>

#include "broker/handlers/handlers.h"
#include "broker/handlers/topic_configs.h"
#include "broker/server/errors.h"

namespace chronik::broker::handlers {
namespace {

constexpr int8_t kTopicResource = 2, kBrokerResource = 4;
// DescribeConfigs sources.
constexpr int8_t kTopicConfig = 1, kStaticBrokerConfig = 4, kDefaultConfig = 5;

using Entry = m::DescribeConfigsResponse::DescribeConfigsResourceResult;
using Synonym = m::DescribeConfigsResponse::DescribeConfigsSynonym;

Entry entry(int16_t v, const std::string& name, const std::string& value, int8_t source,
            int8_t type, std::vector<Synonym> synonyms, bool with_synonyms) {
  Entry e;
  e.name = name;
  e.value = value;
  if (v == 0) e.is_default = source == kDefaultConfig;
  else e.config_source = source;
  if (v >= 1 && with_synonyms) e.synonyms = std::move(synonyms);
  if (v >= 3) {
    e.config_type = type;
    e.documentation = std::nullopt;
  }
  return e;
}

bool wanted(const std::optional<std::vector<std::string>>& keys, const std::string& name) {
  if (!keys) return true;
  for (const auto& k : *keys)
    if (k == name) return true;
  return false;
}

void describe_topic(Broker& broker, int16_t v, const TopicInfo& topic,
                    const m::DescribeConfigsRequest::DescribeConfigsResource& r, bool synonyms,
                    m::DescribeConfigsResponse::DescribeConfigsResult& out) {
  for (const auto& def : topic_config_defs()) {
    if (!wanted(r.configuration_keys, def.name)) continue;
    std::vector<Synonym> syn;
    auto over = topic.configs.find(def.name);
    if (over != topic.configs.end()) syn.push_back({def.name, over->second, kTopicConfig, {}});
    const bool broker_set = broker.settings.all.count(def.broker_key) > 0;
    if (broker_set)
      syn.push_back({def.broker_key, broker_default(broker, def), kStaticBrokerConfig, {}});
    syn.push_back({def.broker_key, def.default_value, kDefaultConfig, {}});
    const std::string value = over != topic.configs.end() ? over->second : broker_default(broker, def);
    const int8_t source = over != topic.configs.end() ? kTopicConfig
                          : broker_set                ? kStaticBrokerConfig
                                                      : kDefaultConfig;
    out.configs.push_back(entry(v, def.name, value, source, def.type, std::move(syn), synonyms));
  }
}

void describe_broker(Broker& broker, int16_t v,
                     const m::DescribeConfigsRequest::DescribeConfigsResource& r, bool synonyms,
                     m::DescribeConfigsResponse::DescribeConfigsResult& out) {
  const auto& s = broker.settings;
  std::map<std::string, std::pair<std::string, int8_t>> values = {
      {"node.id", {std::to_string(s.node_id), 3}},
      {"log.dirs", {s.log_dir, 2}},
      {"num.partitions", {std::to_string(s.num_partitions), 3}},
      {"default.replication.factor", {std::to_string(s.default_replication_factor), 3}},
      {"auto.create.topics.enable", {s.auto_create_topics_enable ? "true" : "false", 1}},
      {"message.max.bytes", {std::to_string(s.message_max_bytes), 3}},
      {"socket.request.max.bytes", {std::to_string(s.socket_request_max_bytes), 3}},
      {"connections.max.idle.ms", {std::to_string(s.connections_max_idle_ms), 5}},
      {"log.retention.ms", {std::to_string(s.log_retention_ms), 5}},
      {"log.retention.bytes", {std::to_string(s.log_retention_bytes), 5}},
      {"log.retention.check.interval.ms", {std::to_string(s.log_retention_check_interval_ms), 5}},
      {"log.flush.interval.messages", {std::to_string(s.log_flush_interval_messages), 5}},
      {"log.flush.interval.ms", {std::to_string(s.log_flush_interval_ms), 5}},
  };
  for (const auto& def : topic_config_defs())
    if (!values.count(def.broker_key)) values[def.broker_key] = {broker_default(broker, def), def.type};
  for (const auto& [k, v2] : s.all)
    if (!values.count(k)) values[k] = {v2, 2};
  for (const auto& [name, vt] : values) {
    if (!wanted(r.configuration_keys, name)) continue;
    const int8_t source = s.all.count(name) ? kStaticBrokerConfig : kDefaultConfig;
    std::vector<Synonym> syn{{name, vt.first, source, {}}};
    out.configs.push_back(entry(v, name, vt.first, source, vt.second, std::move(syn), synonyms));
  }
}

// Applies `changes` to the topic's overrides after checking them; error code + message.
std::pair<int16_t, std::string> apply_topic(Broker& broker, const std::string& name,
                                            const ConfigMap& overrides, bool validate_only) {
  auto topic = broker.store->find_topic(name);
  if (!topic) return {err::kUnknownTopicOrPartition, "Topic " + name + " does not exist"};
  for (const auto& [k, v] : overrides)
    if (auto e = validate_topic_config(k, v)) return {err::kInvalidConfig, *e};
  if (validate_only) return {err::kNone, ""};
  const int16_t e = broker.store->set_topic_configs(name, overrides);
  if (e == 0) spdlog::info("topic {} configs altered", name);
  return {e, ""};
}

template <class Resp, class Out>
void fill_result(Out& out, int16_t code, const std::string& message, int8_t type,
                 const std::string& name) {
  out.error_code = code;
  out.error_message = code ? std::optional<std::string>(message) : std::nullopt;
  out.resource_type = type;
  out.resource_name = name;
}

std::pair<int16_t, std::string> check_broker_resource(const Broker& broker, const std::string& name) {
  if (!name.empty() && name != std::to_string(broker.settings.node_id))
    return {err::kInvalidRequest, "Unexpected broker id " + name};
  return {err::kInvalidRequest, "Broker configs cannot be altered at runtime yet"};
}

}  // namespace

m::DescribeConfigsResponse handle(Broker& broker, const Ctx& ctx, m::DescribeConfigsRequest& req) {
  const int16_t v = ctx.api_version;
  m::DescribeConfigsResponse resp;
  for (const auto& r : req.resources) {
    m::DescribeConfigsResponse::DescribeConfigsResult out;
    out.resource_type = r.resource_type;
    out.resource_name = r.resource_name;
    out.error_message = std::nullopt;
    if (r.resource_type == kTopicResource) {
      auto topic = broker.store->find_topic(r.resource_name);
      if (!topic) {
        out.error_code = err::kUnknownTopicOrPartition;
        out.error_message = "Topic " + r.resource_name + " does not exist";
      } else {
        describe_topic(broker, v, *topic, r, req.include_synonyms, out);
      }
    } else if (r.resource_type == kBrokerResource) {
      if (!r.resource_name.empty() && r.resource_name != std::to_string(broker.settings.node_id)) {
        out.error_code = err::kInvalidRequest;
        out.error_message = "Unexpected broker id " + r.resource_name;
      } else {
        describe_broker(broker, v, r, req.include_synonyms, out);
      }
    } else {
      out.error_code = err::kInvalidRequest;
      out.error_message = "Unsupported resource type " + std::to_string(r.resource_type);
    }
    resp.results.push_back(std::move(out));
  }
  return resp;
}

m::AlterConfigsResponse handle(Broker& broker, const Ctx&, m::AlterConfigsRequest& req) {
  m::AlterConfigsResponse resp;
  for (const auto& r : req.resources) {
    m::AlterConfigsResponse::AlterConfigsResourceResponse out;
    std::pair<int16_t, std::string> result;
    if (r.resource_type == kTopicResource) {
      ConfigMap overrides;  // AlterConfigs replaces the whole set
      for (const auto& c : r.configs)
        if (c.value) overrides[c.name] = *c.value;
      result = apply_topic(broker, r.resource_name, overrides, req.validate_only);
    } else if (r.resource_type == kBrokerResource) {
      result = check_broker_resource(broker, r.resource_name);
    } else {
      result = {err::kInvalidRequest, "Unsupported resource type"};
    }
    fill_result<m::AlterConfigsResponse>(out, result.first, result.second, r.resource_type,
                                         r.resource_name);
    resp.responses.push_back(std::move(out));
  }
  return resp;
}

m::IncrementalAlterConfigsResponse handle(Broker& broker, const Ctx&,
                                          m::IncrementalAlterConfigsRequest& req) {
  m::IncrementalAlterConfigsResponse resp;
  for (const auto& r : req.resources) {
    m::IncrementalAlterConfigsResponse::AlterConfigsResourceResponse out;
    std::pair<int16_t, std::string> result;
    if (r.resource_type == kTopicResource) {
      auto topic = broker.store->find_topic(r.resource_name);
      if (!topic) {
        result = {err::kUnknownTopicOrPartition, "Topic " + r.resource_name + " does not exist"};
      } else {
        ConfigMap overrides = topic->configs;
        for (const auto& c : r.configs) {
          const auto* def = find_topic_config(c.name);
          std::string current = overrides.count(c.name) ? overrides[c.name]
                                : def                   ? broker_default(broker, *def)
                                                        : "";
          switch (c.config_operation) {
            case 0:  // SET
              overrides[c.name] = c.value.value_or("");
              break;
            case 1:  // DELETE
              overrides.erase(c.name);
              break;
            case 2:    // APPEND (lists)
            case 3: {  // SUBTRACT
              std::vector<std::string> items;
              std::stringstream ss(current);
              for (std::string item; std::getline(ss, item, ',');)
                if (!item.empty()) items.push_back(item);
              const std::string value = c.value.value_or("");
              std::erase(items, value);
              if (c.config_operation == 2) items.push_back(value);
              std::string joined;
              for (const auto& i : items) joined += (joined.empty() ? "" : ",") + i;
              overrides[c.name] = joined;
              break;
            }
            default:
              result = {err::kInvalidRequest, "Unknown config operation"};
          }
        }
        if (result.first == 0) result = apply_topic(broker, r.resource_name, overrides, req.validate_only);
      }
    } else if (r.resource_type == kBrokerResource) {
      result = check_broker_resource(broker, r.resource_name);
    } else {
      result = {err::kInvalidRequest, "Unsupported resource type"};
    }
    fill_result<m::IncrementalAlterConfigsResponse>(out, result.first, result.second,
                                                    r.resource_type, r.resource_name);
    resp.responses.push_back(std::move(out));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
