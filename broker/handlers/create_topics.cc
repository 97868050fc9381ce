// CreateTopics: partitions (or an explicit assignment to this node), replication factor 1,
// configs checked against the known topic configs, validate_only, errors per topic.
#include <set>

#include <spdlog/spdlog.h>

#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {
namespace {

using Result = m::CreateTopicsResponse::CreatableTopicResult;

void fill_configs(Broker& broker, const TopicInfo& topic, Result& out) {
  std::vector<m::CreateTopicsResponse::CreatableTopicConfigs> configs;
  for (const auto& e : broker.config()->describe_topic(topic.configs)) {
    m::CreateTopicsResponse::CreatableTopicConfigs c;
    c.name = e.name;
    c.value = e.value;
    c.read_only = e.read_only;
    c.is_sensitive = e.sensitive;
    c.config_source = wire_config_source(e.source);
    configs.push_back(std::move(c));
  }
  out.configs = std::move(configs);
}

Result create_one(Broker& broker, const Ctx& ctx, const m::CreateTopicsRequest& req,
                  const m::CreateTopicsRequest::CreatableTopic& t) {
  const int16_t v = ctx.api_version;
  Result out;
  out.name = t.name;
  out.error_message = std::nullopt;
  auto fail = [&](int16_t code, std::string message) {
    out.error_code = code;
    if (v >= 1) out.error_message = std::move(message);
    return out;
  };
  std::string why;
  if (!valid_topic_name(t.name, &why)) return fail(err(ErrorCode::INVALID_TOPIC_EXCEPTION), why);
  if (auto other = colliding_topic(broker, t.name))
    return fail(err(ErrorCode::INVALID_TOPIC_EXCEPTION), "Topic '" + t.name + "' collides with existing topic: " + *other);
  if (t.name == log::kTransactionStateTopic)
    return fail(err(ErrorCode::INVALID_REQUEST), "Creating the internal topic " + t.name + " is not allowed");
  int32_t partitions = t.num_partitions;
  int16_t replication = t.replication_factor;
  if (!t.assignments.empty()) {
    if (partitions != -1 || replication != -1)
      return fail(err(ErrorCode::INVALID_REQUEST),
                  "Both numPartitions or replicationFactor and replicasAssignments were set. "
                  "Both cannot be used at the same time.");
    partitions = static_cast<int32_t>(t.assignments.size());
    for (const auto& a : t.assignments) {
      if (a.partition_index < 0 || a.partition_index >= partitions ||
          a.broker_ids != std::vector<int32_t>{broker.node_id})
        return fail(err(ErrorCode::INVALID_REPLICA_ASSIGNMENT),
                    "Replica assignments must name partitions 0.." + std::to_string(partitions - 1) +
                        " on broker " + std::to_string(broker.node_id));
    }
    replication = 1;
  }
  if (partitions == -1) partitions = broker.config()->get_int("num.partitions");
  if (replication == -1) replication = static_cast<int16_t>(broker.config()->get_int("default.replication.factor"));
  if (partitions <= 0)
    return fail(err(ErrorCode::INVALID_PARTITIONS), "Number of partitions must be larger than 0.");
  if (replication <= 0)
    return fail(err(ErrorCode::INVALID_REPLICATION_FACTOR), "Replication factor must be larger than 0.");
  if (replication > 1)
    return fail(err(ErrorCode::INVALID_REPLICATION_FACTOR),
                "Unable to replicate the partition " + std::to_string(replication) +
                    " time(s): The target replication factor of " + std::to_string(replication) +
                    " cannot be reached because only 1 broker(s) are registered.");
  ConfigMap configs;
  for (const auto& c : t.configs) {
    if (!c.value) return fail(err(ErrorCode::INVALID_CONFIG), "Null value not supported for topic configs: " + c.name);
    configs[c.name] = *c.value;
  }
  try {
    config::validate_topic_configs(configs);
  } catch (const config::ConfigError& e) {
    return fail(err(ErrorCode::INVALID_CONFIG), e.what());
  }
  auto r = broker.store->create_topic(t.name, partitions, configs, req.validate_only);
  if (r.error) return fail(r.error, r.message);
  if (!req.validate_only) spdlog::info("created topic {} with {} partitions", t.name, partitions);
  if (v >= 7) out.topic_id = r.topic.id;
  if (v >= 5) {
    out.num_partitions = partitions;
    out.replication_factor = replication;
    fill_configs(broker, r.topic, out);
  }
  return out;
}

}  // namespace

m::CreateTopicsResponse handle(Broker& broker, const Ctx& ctx, m::CreateTopicsRequest& req) {
  m::CreateTopicsResponse resp;
  std::multiset<std::string> names;
  for (const auto& t : req.topics) names.insert(t.name);
  for (const auto& t : req.topics) {
    if (names.count(t.name) > 1) {
      Result out;
      out.name = t.name;
      out.error_code = err(ErrorCode::INVALID_REQUEST);
      out.error_message = ctx.api_version >= 1
                              ? std::optional<std::string>("Duplicate topic name " + t.name)
                              : std::nullopt;
      resp.topics.push_back(std::move(out));
      continue;
    }
    resp.topics.push_back(create_one(broker, ctx, req, t));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
