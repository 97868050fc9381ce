// /v1/topics: list, create, describe, delete, configs.
#include <spdlog/spdlog.h>

#include "broker/admin/api.h"
#include "broker/admin/json_util.h"
#include "broker/log/topic_names.h"
#include "broker/core/broker.h"
#include "broker/log/request_limits.h"
#include "broker/config/loggers.h"

namespace chronik::broker::admin {
namespace {

TopicInfo require_topic(Broker& broker, const HttpRequest& req) {
  auto topic = broker.store->find_topic(req.params.at("topic"));
  if (!topic) throw HttpError(404, "no such topic: " + req.params.at("topic"), "topic");
  return *topic;
}

Json partition_json(Broker& broker, const TopicInfo& t, int32_t p) {
  Json j = {{"partition", p}, {"leader", broker.node_id}};
  if (auto o = broker.store->offsets(t.name, p)) {
    j["log_start_offset"] = o->log_start_offset;
    j["log_end_offset"] = o->high_watermark;
    j["messages"] = o->high_watermark - o->log_start_offset;
  }
  j["size_bytes"] = broker.store->partition_size(t.name, p);
  return j;
}

// Summary of one topic: partition count, bytes on disk, records retained.
Json topic_summary(Broker& broker, const TopicInfo& t) {
  int64_t size = 0, messages = 0;
  for (int32_t p = 0; p < t.partitions; ++p) {
    size += broker.store->partition_size(t.name, p);
    if (auto o = broker.store->offsets(t.name, p)) messages += o->high_watermark - o->log_start_offset;
  }
  const auto counters = broker.metrics.topic_snapshot(t.name);
  return {{"name", t.name}, {"id", t.id.to_base64()}, {"partitions", t.partitions},
          {"replication_factor", 1}, {"size_bytes", size}, {"messages", messages},
          {"bytes_in_total", counters.bytes_in}, {"messages_in_total", counters.messages_in},
          {"bytes_out_total", counters.bytes_out}};
}

// The "configs" member of a request body: {"key": "value", ...} with string values.
ConfigMap read_configs(const Json& body, const std::string& field) {
  ConfigMap out;
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_object()) throw HttpError(400, "field '" + field + "' must be an object of strings", field);
  for (const auto& [k, v] : it->items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
    else if (v.is_number_integer()) out[k] = std::to_string(v.get<int64_t>());
    else if (v.is_boolean()) out[k] = v.get<bool>() ? "true" : "false";
    else throw HttpError(400, "config '" + k + "' must be a string", field + "." + k);
  }
  return out;
}

// One key at a time, so that the error names the key that failed (matching key names in the
// message named configs.retention.ms for a bad delete.retention.ms).
void validate_configs(const ConfigMap& configs, const std::string& field) {
  for (const auto& [k, v] : configs) {
    try {
      config::validate_topic_configs({{k, v}});
    } catch (const config::ConfigError& e) {
      throw HttpError(400, e.what(), field + "." + k);
    }
  }
}

}  // namespace

void add_topic_routes(Router& router, AdminContext& ctx) {
  Broker& broker = ctx.broker;

  router.add("GET", "/v1/topics", [&broker](HttpRequest&) {
    Json topics = Json::array();
    for (const auto& t : broker.store->list_topics()) topics.push_back(topic_summary(broker, t));
    return json_response({{"topics", topics}});
  });

  router.add("POST", "/v1/topics", [&broker](HttpRequest& req) {
    const Json body = parse_json_body(req);
    const std::string name = require_string(body, "name");
    std::string why;
    if (!log::valid_topic_name(name, &why)) throw HttpError(400, why, "name");
    if (log::is_internal_topic(name)) throw HttpError(400, name + " is an internal topic", "name");
    if (auto other = log::colliding_topic(*broker.store, name))
      throw HttpError(409, "topic " + name + " collides with existing topic " + *other, "name");
    const auto partitions = static_cast<int32_t>(
        get_int(body, "partitions", broker.config()->get_int("num.partitions"), 1,
                limits::kMaxRecordsPerRequest - 1));  // with the topic record
    get_int(body, "replication_factor", 1, 1, 1);  // a single node: only 1
    const ConfigMap configs = read_configs(body, "configs");
    validate_configs(configs, "configs");
    auto r = broker.store->create_topic(name, partitions, configs, false);
    if (r.error == err(ErrorCode::TOPIC_ALREADY_EXISTS))
      throw HttpError(409, "topic " + name + " already exists", "name");
    if (r.error == err(ErrorCode::POLICY_VIOLATION)) throw HttpError(400, r.message, "partitions");
    if (r.error) throw HttpError(400, r.message.empty() ? "cannot create topic" : r.message, "name");
    ::chronik::config::named_logger("chronik.admin").info("created topic {} with {} partitions (admin endpoint)", name, partitions);
    return json_response(topic_summary(broker, r.topic), 201);
  });

  router.add("GET", "/v1/topics/{topic}", [&broker](HttpRequest& req) {
    const TopicInfo t = require_topic(broker, req);
    Json j = topic_summary(broker, t);
    Json parts = Json::array();
    for (int32_t p = 0; p < t.partitions; ++p) parts.push_back(partition_json(broker, t, p));
    j["partition_details"] = parts;
    j["configs"] = Json::object();
    for (const auto& [k, v] : t.configs) j["configs"][k] = v;
    return json_response(j);
  });

  router.add("DELETE", "/v1/topics/{topic}", [&broker](HttpRequest& req) {
    const TopicInfo t = require_topic(broker, req);
    const int16_t e = broker.store->delete_topic(t.name);
    if (e == err(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)) throw HttpError(404, "no such topic: " + t.name, "topic");
    if (e) throw HttpError(500, "cannot delete topic " + t.name + " (Kafka error " + std::to_string(e) + ")");
    broker.forget_topic(t);
    ::chronik::config::named_logger("chronik.admin").info("deleted topic {} (admin endpoint)", t.name);
    return json_response({{"deleted", t.name}});
  });

  router.add("GET", "/v1/topics/{topic}/configs", [&broker](HttpRequest& req) {
    const TopicInfo t = require_topic(broker, req);
    Json configs = Json::array();
    for (const auto& e : broker.config()->describe_topic(t.configs)) configs.push_back(config_entry_json(e));
    return json_response({{"topic", t.name}, {"configs", configs}});
  });

  // Incremental: {"set": {"k": "v"}, "delete": ["k2"]}; other overrides stay.
  router.add("PATCH", "/v1/topics/{topic}/configs", [&broker](HttpRequest& req) {
    const TopicInfo t = require_topic(broker, req);
    const Json body = parse_json_body(req);
    ConfigMap configs = t.configs;
    for (const auto& [k, v] : read_configs(body, "set")) configs[k] = v;
    if (auto it = body.find("delete"); it != body.end()) {
      if (!it->is_array()) throw HttpError(400, "field 'delete' must be an array of names", "delete");
      for (const auto& k : *it) {
        if (!k.is_string()) throw HttpError(400, "field 'delete' must be an array of names", "delete");
        configs.erase(k.get<std::string>());
      }
    }
    if (!body.contains("set") && !body.contains("delete"))
      throw HttpError(400, "nothing to change: give 'set' and/or 'delete'", "set");
    validate_configs(configs, "set");
    if (const int16_t e = broker.store->set_topic_configs(t.name, configs))
      throw HttpError(500, "cannot change configs (Kafka error " + std::to_string(e) + ")");
    ::chronik::config::named_logger("chronik.admin").info("topic {} configs altered (admin endpoint)", t.name);
    Json out = Json::object();
    for (const auto& [k, v] : configs) out[k] = v;
    return json_response({{"topic", t.name}, {"overrides", out}});
  });
}

}  // namespace chronik::broker::admin
