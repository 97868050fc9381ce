// Every topic config of Kafka 3.9 is known, described with Kafka's default, type, source and
// synonyms, and refused with Kafka's INVALID_CONFIG words. Tagged [kafka]: the expected
// answers are those of Apache Kafka 3.9.1 (against-kafka).
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "generated/kafka/create_topics_request.h"
#include "generated/kafka/create_topics_response.h"
#include "generated/kafka/describe_configs_request.h"
#include "generated/kafka/describe_configs_response.h"
#include "generated/kafka/incremental_alter_configs_request.h"
#include "generated/kafka/incremental_alter_configs_response.h"
#include "tests/integration/hardening/requests.h"

using namespace chronik::testing;
namespace m = chronik::message;

namespace {

constexpr int8_t kTopic = 2;
constexpr int8_t kDefaultSource = 5, kTopicSource = 1;
constexpr int8_t kBoolean = 1, kString = 2, kInt = 3, kLong = 5, kDouble = 6, kList = 7;

std::map<std::string, m::DescribeConfigsResponse::DescribeConfigsResourceResult> describe_topic(
    const std::string& topic) {
  m::DescribeConfigsRequest req;
  m::DescribeConfigsRequest::DescribeConfigsResource r;
  r.resource_type = kTopic;
  r.resource_name = topic;
  r.configuration_keys = std::nullopt;
  req.resources.push_back(r);
  req.include_synonyms = true;
  auto resp = call<m::DescribeConfigsResponse>(target_port(), req, 4);
  REQUIRE(resp.results.size() == 1);
  REQUIRE(resp.results[0].error_code == 0);
  std::map<std::string, m::DescribeConfigsResponse::DescribeConfigsResourceResult> out;
  for (const auto& c : resp.results[0].configs) out[c.name] = c;
  return out;
}

// IncrementalAlterConfigs SET of one topic config: the resource's error code and message.
std::pair<int16_t, std::string> set_config(const std::string& topic, const std::string& name,
                                           const std::string& value, bool validate_only) {
  m::IncrementalAlterConfigsRequest req;
  m::IncrementalAlterConfigsRequest::AlterConfigsResource r;
  r.resource_type = kTopic;
  r.resource_name = topic;
  r.configs.push_back({name, 0, value, {}});
  req.resources.push_back(r);
  req.validate_only = validate_only;
  auto resp = call<m::IncrementalAlterConfigsResponse>(target_port(), req, 1);
  REQUIRE(resp.responses.size() == 1);
  return {resp.responses[0].error_code, resp.responses[0].error_message.value_or("")};
}

}  // namespace

TEST_CASE("DescribeConfigs of a topic lists Kafka 3.9's 36 topic configs with Kafka's defaults",
          "[kafka][configs]") {
  const std::string topic = unique_name("all-configs");
  create_topic(topic);
  auto configs = describe_topic(topic);
  struct Expected {
    const char* name;
    const char* value;
    int8_t type;
    const char* synonym;  // the broker synonym Kafka lists, or nullptr for none
  };
  // The 11 that Chronik did not know, and a few it did, as Kafka 3.9.1 answers them.
  const Expected expected[] = {
      {"compression.gzip.level", "-1", kInt, "compression.gzip.level"},
      {"compression.lz4.level", "9", kInt, "compression.lz4.level"},
      {"compression.zstd.level", "3", kInt, "compression.zstd.level"},
      {"message.format.version", "3.0-IV1", kString, "log.message.format.version"},
      {"local.retention.ms", "-2", kLong, "log.local.retention.ms"},
      {"local.retention.bytes", "-2", kLong, "log.local.retention.bytes"},
      {"remote.storage.enable", "false", kBoolean, nullptr},
      {"remote.log.copy.disable", "false", kBoolean, nullptr},
      {"remote.log.delete.on.disable", "false", kBoolean, nullptr},
      {"leader.replication.throttled.replicas", "", kList, nullptr},
      {"follower.replication.throttled.replicas", "", kList, nullptr},
      {"cleanup.policy", "delete", kList, "log.cleanup.policy"},
      {"min.cleanable.dirty.ratio", "0.5", kDouble, "log.cleaner.min.cleanable.ratio"},
      // Broker synonyms are listed from the primary one on, which has no default here:
      // log.retention.hours=168 and log.roll.hours=168 give the value but are not listed.
      {"retention.ms", "604800000", kLong, nullptr},
      {"segment.ms", "604800000", kLong, nullptr},
  };
  for (const auto& e : expected) {
    INFO(e.name);
    REQUIRE(configs.count(e.name) == 1);
    const auto& c = configs.at(e.name);
    CHECK(c.value == std::optional<std::string>(e.value));
    CHECK(c.config_type == e.type);
    CHECK(c.config_source == kDefaultSource);
    CHECK_FALSE(c.read_only);
    CHECK_FALSE(c.is_sensitive);
    if (e.synonym) {
      REQUIRE(c.synonyms.size() == 1);
      CHECK(c.synonyms[0].name == e.synonym);
      CHECK(c.synonyms[0].value == std::optional<std::string>(e.value));
      CHECK(c.synonyms[0].source == kDefaultSource);
    } else {
      CHECK(c.synonyms.empty());
    }
  }
  // Kafka 3.9 has 36 topic configs; Chronik also knows the 4 Kafka 4.4 added.
  if (against_kafka()) CHECK(configs.size() == 36);
  else CHECK(configs.size() == 40);
}

TEST_CASE("the new topic configs take values and are described as set", "[kafka][configs]") {
  const std::string topic = unique_name("set-configs");
  create_topic(topic, 1, {{"compression.zstd.level", "7"}, {"message.format.version", "2.8"}});
  const std::map<std::string, std::string> values = {
      {"compression.gzip.level", "9"},       {"compression.lz4.level", "1"},
      {"local.retention.ms", "1000"},        {"local.retention.bytes", "-1"},
      {"remote.log.copy.disable", "true"},   {"remote.log.delete.on.disable", "true"},
      {"leader.replication.throttled.replicas", "*"},
      {"follower.replication.throttled.replicas", "0:1"}};
  for (const auto& [name, value] : values) {
    INFO(name);
    auto [code, message] = set_config(topic, name, value, false);
    CHECK(code == 0);
  }
  auto configs = describe_topic(topic);
  CHECK(configs.at("compression.zstd.level").value == "7");
  CHECK(configs.at("message.format.version").value == "2.8");
  for (const auto& [name, value] : values) {
    INFO(name);
    CHECK(configs.at(name).value == value);
    CHECK(configs.at(name).config_source == kTopicSource);
    REQUIRE_FALSE(configs.at(name).synonyms.empty());
    CHECK(configs.at(name).synonyms[0].source == kTopicSource);
  }
}

TEST_CASE("invalid values of the new topic configs are INVALID_CONFIG in Kafka's words", "[kafka][configs]") {
  const std::string topic = unique_name("bad-configs");
  create_topic(topic);
  const std::string throttle_reason =
      " must be the literal '*' or a list of replicas in the following format: "
      "[partitionId]:[brokerId],[partitionId]:[brokerId],...";
  const std::map<std::pair<std::string, std::string>, std::string> refused = {
      {{"compression.gzip.level", "0"},
       "Invalid value 0 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1"},
      {{"compression.gzip.level", "x"},
       "Invalid value x for configuration compression.gzip.level: Not a number of type INT"},
      {{"compression.lz4.level", "0"},
       "Invalid value 0 for configuration compression.lz4.level: Value must be at least 1"},
      {{"compression.zstd.level", "23"},
       "Invalid value 23 for configuration compression.zstd.level: Value must be no more than 22"},
      {{"message.format.version", "4.0"},
       "Invalid value 4.0 for configuration message.format.version: Version 4.0 is not a valid version"},
      {{"local.retention.bytes", "-3"},
       "Invalid value -3 for configuration local.retention.bytes: Value must be at least -2"},
      {{"remote.storage.enable", "yes"},
       "Invalid value yes for configuration remote.storage.enable: Expected value to be either true or false"},
      {{"remote.storage.enable", "true"},
       "Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log "
       "storage."},
      {{"leader.replication.throttled.replicas", "*,0:1"},
       "Invalid value [*, 0:1] for configuration leader.replication.throttled.replicas: "
       "leader.replication.throttled.replicas" + throttle_reason},
      {{"follower.replication.throttled.replicas", "0-1"},
       "Invalid value [0-1] for configuration follower.replication.throttled.replicas: "
       "follower.replication.throttled.replicas" + throttle_reason},
  };
  for (bool validate_only : {true, false})
    for (const auto& [config, message] : refused) {
      INFO(config.first << "=" << config.second << (validate_only ? " (validate only)" : ""));
      auto [code, text] = set_config(topic, config.first, config.second, validate_only);
      CHECK(code == 40);  // INVALID_CONFIG
      CHECK(text == message);
    }
  // Nothing of it was stored.
  auto configs = describe_topic(topic);
  CHECK(configs.at("compression.gzip.level").config_source == kDefaultSource);
  CHECK(configs.at("remote.storage.enable").value == "false");
}

TEST_CASE("CreateTopics with remote.storage.enable=true is refused as Kafka refuses it", "[kafka][configs]") {
  m::CreateTopicsRequest req;
  req.timeout_ms = 10000;
  m::CreateTopicsRequest::CreatableTopic t;
  t.name = unique_name("remote-storage");
  t.num_partitions = 1;
  t.replication_factor = 1;
  t.configs.push_back({"remote.storage.enable", "true", {}});
  req.topics.push_back(t);
  auto resp = call<m::CreateTopicsResponse>(target_port(), req, 7);
  REQUIRE(resp.topics.size() == 1);
  CHECK(resp.topics[0].error_code == 40);
  CHECK(resp.topics[0].error_message ==
        std::optional<std::string>("Tiered Storage functionality is disabled in the broker. Topic cannot be "
                                   "configured with remote log storage."));
}

namespace {

constexpr int8_t kBroker = 4;
constexpr int8_t kDynamicBrokerSource = 2;

// DescribeConfigs of broker 1 (node.id of both brokers under test): name -> value.
std::map<std::string, std::optional<std::string>> describe_broker() {
  m::DescribeConfigsRequest req;
  m::DescribeConfigsRequest::DescribeConfigsResource r;
  r.resource_type = kBroker;
  r.resource_name = "1";
  r.configuration_keys = std::nullopt;
  req.resources.push_back(r);
  auto resp = call<m::DescribeConfigsResponse>(target_port(), req, 4);
  REQUIRE(resp.results.size() == 1);
  REQUIRE(resp.results[0].error_code == 0);
  std::map<std::string, std::optional<std::string>> out;
  for (const auto& c : resp.results[0].configs) {
    // Kafka lists a quota a moment before its dynamic layer has it (source DEFAULT_CONFIG):
    // counted once it is listed as set.
    if (c.name.find("throttled.rate") != std::string::npos && c.config_source != kDynamicBrokerSource) continue;
    out[c.name] = c.value;
  }
  return out;
}

int16_t alter_broker(const std::vector<std::tuple<std::string, int8_t, std::optional<std::string>>>& ops) {
  m::IncrementalAlterConfigsRequest req;
  m::IncrementalAlterConfigsRequest::AlterConfigsResource r;
  r.resource_type = kBroker;
  r.resource_name = "1";
  for (const auto& [name, op, value] : ops) r.configs.push_back({name, op, value, {}});
  req.resources.push_back(r);
  auto resp = call<m::IncrementalAlterConfigsResponse>(target_port(), req, 1);
  REQUIRE(resp.responses.size() == 1);
  return resp.responses[0].error_code;
}

// Kafka applies a dynamic broker config from its metadata log a moment after answering.
bool broker_lists(const std::string& name, bool listed) {
  for (int i = 0; i < 50; ++i) {
    if ((describe_broker().count(name) == 1) == listed) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace

// kafka-reassign-partitions --throttle sets these and --verify deletes them; Kafka keeps them
// outside its static broker configs, so DescribeConfigs lists them only while set.
TEST_CASE("replication quotas are dynamic broker configs, listed only once set", "[kafka][configs]") {
  const std::vector<std::string> quotas = {"leader.replication.throttled.rate", "follower.replication.throttled.rate",
                                           "replica.alter.log.dirs.io.max.bytes.per.second"};
  for (const auto& q : quotas) CHECK(describe_broker().count(q) == 0);
  REQUIRE(alter_broker({{quotas[0], 0, "1000000"}}) == 0);
  REQUIRE(broker_lists(quotas[0], true));
  CHECK(describe_broker().at(quotas[0]) == std::optional<std::string>("1000000"));
  CHECK(alter_broker({{quotas[0], 0, "-5"}}) == 42);  // INVALID_REQUEST, as for every broker config
  CHECK(alter_broker({{quotas[0], 1, std::nullopt}, {quotas[1], 1, std::nullopt}, {quotas[2], 1, std::nullopt}}) == 0);
  CHECK(broker_lists(quotas[0], false));
}

// Kafka (KRaft) refuses a bad value of a broker config, and a change of one it cannot apply at
// run time, with INVALID_REQUEST (topic configs get INVALID_CONFIG); describe says which
// configs are read-only.
TEST_CASE("broker config changes Kafka refuses are INVALID_REQUEST", "[kafka][configs]") {
  CHECK(alter_broker({{"message.max.bytes", 0, "-5"}}) == 42);
  CHECK(alter_broker({{"message.max.bytes", 0, "abc"}}) == 42);
  for (const char* name : {"num.partitions", "transactional.id.expiration.ms"}) {
    INFO(name);
    CHECK(alter_broker({{name, 0, "1"}}) == 42);
  }
  m::DescribeConfigsRequest req;
  m::DescribeConfigsRequest::DescribeConfigsResource r;
  r.resource_type = kBroker;
  r.resource_name = "1";
  r.configuration_keys = std::vector<std::string>{"num.partitions", "message.max.bytes"};
  req.resources.push_back(r);
  auto resp = call<m::DescribeConfigsResponse>(target_port(), req, 4);
  REQUIRE(resp.results.size() == 1);
  std::map<std::string, bool> read_only;
  for (const auto& c : resp.results[0].configs) read_only[c.name] = c.read_only;
  CHECK(read_only.size() == 2);
  CHECK_FALSE(read_only["message.max.bytes"]);
  CHECK(read_only["num.partitions"]);
}
