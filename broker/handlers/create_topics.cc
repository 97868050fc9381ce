// CreateTopics: partitions (or an explicit assignment to this node), replication factor 1,
// configs checked against the known topic configs, validate_only, errors per topic.
//
// A request is first checked against the bounds of broker/log/request_limits.h as a whole,
// as Kafka's controller does: more than 10,000 partitions asked for in all, or more than
// 10,000 records (topic + partitions + configs of the topics that would be created), and
// every topic of the request is refused with POLICY_VIOLATION before anything is created.
#include <set>

#include <spdlog/spdlog.h>

#include "broker/handlers/controller_mutation_quota.h"
#include "broker/handlers/handlers.h"
#include "broker/log/request_limits.h"
#include "broker/config/loggers.h"

namespace chronik::broker::handlers {
namespace {

using Result = m::CreateTopicsResponse::CreatableTopicResult;
using Topic = m::CreateTopicsRequest::CreatableTopic;

// What a valid topic of the request would be created with.
struct Plan {
  int32_t partitions = 0;
  int16_t replication = 0;
  ConfigMap configs;
};

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

// CREATE on the cluster covers every topic; else CREATE on the topic itself.
bool may_create(const Broker& broker, const Ctx& ctx, const std::string& topic) {
  return authorized_cluster(broker, ctx, AclOperation::kCreate) ||
         authorized_topic(broker, ctx, AclOperation::kCreate, topic);
}

void fail(Result& out, int16_t version, int16_t code, std::string message) {
  out.error_code = code;
  out.error_message = version >= 1 ? std::optional<std::string>(std::move(message)) : std::nullopt;
}

// The partitions a topic asks for, as Kafka counts them for the per-request bound: the
// default for -1, nothing for other non-positive counts, else the count or the assignments.
int64_t requested_partitions(const Topic& t, int64_t default_partitions) {
  if (!t.assignments.empty()) return static_cast<int64_t>(t.assignments.size());
  if (t.num_partitions == -1) return default_partitions;
  return t.num_partitions > 0 ? t.num_partitions : 0;
}

// Checks one topic; on error fills `out` and returns nullopt.
std::optional<Plan> validate(Broker& broker, const Ctx& ctx, const Topic& t, Result& out) {
  const int16_t v = ctx.api_version;
  std::string why;
  if (!valid_topic_name(t.name, &why)) {
    fail(out, v, err(ErrorCode::INVALID_TOPIC_EXCEPTION), why);
    return std::nullopt;
  }
  if (auto other = colliding_topic(*broker.store, t.name)) {
    fail(out, v, err(ErrorCode::INVALID_TOPIC_EXCEPTION),
         "Topic '" + t.name + "' collides with existing topic: " + *other);
    return std::nullopt;
  }
  if (t.name == log::kTransactionStateTopic) {
    fail(out, v, err(ErrorCode::INVALID_REQUEST), "Creating the internal topic " + t.name + " is not allowed");
    return std::nullopt;
  }
  Plan plan;
  plan.partitions = t.num_partitions;
  plan.replication = t.replication_factor;
  if (!t.assignments.empty()) {
    if (plan.partitions != -1 || plan.replication != -1) {
      fail(out, v, err(ErrorCode::INVALID_REQUEST),
           "Both numPartitions or replicationFactor and replicasAssignments were set. "
           "Both cannot be used at the same time.");
      return std::nullopt;
    }
    plan.partitions = static_cast<int32_t>(t.assignments.size());
    for (const auto& a : t.assignments) {
      if (a.partition_index < 0 || a.partition_index >= plan.partitions ||
          a.broker_ids != std::vector<int32_t>{broker.node_id}) {
        fail(out, v, err(ErrorCode::INVALID_REPLICA_ASSIGNMENT),
             "Replica assignments must name partitions 0.." + std::to_string(plan.partitions - 1) +
                 " on broker " + std::to_string(broker.node_id));
        return std::nullopt;
      }
    }
    plan.replication = 1;
  }
  if (plan.partitions == -1) plan.partitions = broker.config()->get_int("num.partitions");
  if (plan.replication == -1)
    plan.replication = static_cast<int16_t>(broker.config()->get_int("default.replication.factor"));
  if (plan.partitions <= 0) {
    fail(out, v, err(ErrorCode::INVALID_PARTITIONS), "Number of partitions must be larger than 0.");
    return std::nullopt;
  }
  if (plan.replication <= 0) {
    fail(out, v, err(ErrorCode::INVALID_REPLICATION_FACTOR), "Replication factor must be larger than 0.");
    return std::nullopt;
  }
  if (plan.replication > 1) {
    fail(out, v, err(ErrorCode::INVALID_REPLICATION_FACTOR),
         "Unable to replicate the partition " + std::to_string(plan.replication) +
             " time(s): The target replication factor of " + std::to_string(plan.replication) +
             " cannot be reached because only 1 broker(s) are registered.");
    return std::nullopt;
  }
  for (const auto& c : t.configs) {
    if (!c.value) {
      fail(out, v, err(ErrorCode::INVALID_CONFIG), "Null value not supported for topic configs: " + c.name);
      return std::nullopt;
    }
    plan.configs[c.name] = *c.value;
  }
  try {
    config::validate_topic_configs(plan.configs);
  } catch (const config::ConfigError& e) {
    fail(out, v, err(ErrorCode::INVALID_CONFIG), e.what());
    return std::nullopt;
  }
  if (broker.store->find_topic(t.name)) {
    fail(out, v, err(ErrorCode::TOPIC_ALREADY_EXISTS), "Topic '" + t.name + "' already exists.");
    return std::nullopt;
  }
  return plan;
}

void create(Broker& broker, const Ctx& ctx, bool validate_only, const Topic& t, const Plan& plan,
            Result& out) {
  const int16_t v = ctx.api_version;
  auto r = broker.store->create_topic(t.name, plan.partitions, plan.configs, validate_only);
  if (r.error) return fail(out, v, r.error, r.message);
  if (v >= 7) out.topic_id = r.topic.id;
  if (v >= 5) {
    out.num_partitions = plan.partitions;
    out.replication_factor = plan.replication;
    // The configs are shown to who may describe them (DESCRIBE_CONFIGS on the topic).
    if (authorized_topic(broker, ctx, AclOperation::kDescribeConfigs, t.name)) {
      fill_configs(broker, r.topic, out);
    } else {
      out.topic_config_error_code = err(ErrorCode::TOPIC_AUTHORIZATION_FAILED);
      out.configs = std::nullopt;
    }
  }
}

}  // namespace

m::CreateTopicsResponse handle(Broker& broker, const Ctx& ctx, m::CreateTopicsRequest& req) {
  const int16_t v = ctx.api_version;
  m::CreateTopicsResponse resp;
  resp.topics.resize(req.topics.size());
  std::multiset<std::string> names;
  for (const auto& t : req.topics) names.insert(t.name);
  std::vector<size_t> candidates;  // topics named once
  for (size_t i = 0; i < req.topics.size(); ++i) {
    resp.topics[i].name = req.topics[i].name;
    resp.topics[i].error_message = std::nullopt;
    if (names.count(req.topics[i].name) > 1)
      fail(resp.topics[i], v, err(ErrorCode::INVALID_REQUEST), "Duplicate topic name " + req.topics[i].name);
    else if (!may_create(broker, ctx, req.topics[i].name))
      fail(resp.topics[i], v, err(ErrorCode::TOPIC_AUTHORIZATION_FAILED), "Authorization failed.");
    else
      candidates.push_back(i);
  }
  auto refuse_all = [&](const char* message) {
    for (size_t i : candidates) fail(resp.topics[i], v, err(ErrorCode::POLICY_VIOLATION), message);
    return resp;
  };

  // Before anything else, and whatever the topics' other faults, as Kafka does.
  const int64_t default_partitions = broker.config()->get_int("num.partitions");
  int64_t requested = 0;
  for (size_t i : candidates) requested += requested_partitions(req.topics[i], default_partitions);
  if (requested > limits::kMaxPartitionsPerRequest) return refuse_all(limits::kTooManyPartitionsMessage);

  std::vector<std::optional<Plan>> plans(req.topics.size());
  int64_t records = 0;
  for (size_t i : candidates) {
    plans[i] = validate(broker, ctx, req.topics[i], resp.topics[i]);
    if (plans[i])
      records += limits::topic_records(plans[i]->partitions, static_cast<int64_t>(plans[i]->configs.size()));
  }
  if (records > limits::kMaxRecordsPerRequest) return refuse_all(limits::kTooManyRecordsMessage);

  ControllerMutationQuota quota(broker, ctx, 6);
  for (size_t i : candidates) {
    if (!plans[i]) continue;
    if (quota.refuses_next()) {
      resp.topics[i].error_code = err(ErrorCode::THROTTLING_QUOTA_EXCEEDED);  // without a message, as Kafka
      continue;
    }
    create(broker, ctx, req.validate_only, req.topics[i], *plans[i], resp.topics[i]);
    if (resp.topics[i].error_code == 0 && !req.validate_only) quota.record(plans[i]->partitions);
  }
  resp.throttle_time_ms = quota.throttle_ms();
  return resp;
}

}  // namespace chronik::broker::handlers
