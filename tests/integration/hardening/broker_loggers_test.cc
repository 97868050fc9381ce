// BROKER_LOGGER (resource type 8): the broker's loggers are described and their levels
// changed at run time with IncrementalAlterConfigs, with Kafka's errors. Tagged [kafka]: the
// expected answers are Kafka 3.9.1's (against-kafka). The logger names differ (Kafka's are
// its classes', Chronik's its floors'), so the checks pick a logger from the broker's list.
#include <map>
#include <string>

#include "generated/kafka/alter_configs_request.h"
#include "generated/kafka/alter_configs_response.h"
#include "generated/kafka/describe_configs_request.h"
#include "generated/kafka/describe_configs_response.h"
#include "generated/kafka/incremental_alter_configs_request.h"
#include "generated/kafka/incremental_alter_configs_response.h"
#include "tests/integration/hardening/target_broker.h"

using namespace chronik::testing;
namespace m = chronik::message;

namespace {

constexpr int8_t kBrokerLogger = 8;
constexpr int8_t kSet = 0, kDelete = 1, kAppend = 2, kSubtract = 3;
const std::string kBrokerId = "1";  // node.id of both brokers under test

m::DescribeConfigsResponse::DescribeConfigsResult describe_loggers(
    const std::string& broker_id, std::optional<std::vector<std::string>> keys = std::nullopt) {
  m::DescribeConfigsRequest req;
  m::DescribeConfigsRequest::DescribeConfigsResource r;
  r.resource_type = kBrokerLogger;
  r.resource_name = broker_id;
  r.configuration_keys = std::move(keys);
  req.resources.push_back(r);
  auto resp = call<m::DescribeConfigsResponse>(target_port(), req, 4);
  REQUIRE(resp.results.size() == 1);
  return resp.results[0];
}

std::map<std::string, std::string> levels() {
  auto r = describe_loggers(kBrokerId);
  REQUIRE(r.error_code == 0);
  std::map<std::string, std::string> out;
  for (const auto& c : r.configs) out[c.name] = c.value.value_or("<null>");
  return out;
}

std::pair<int16_t, std::string> alter_loggers(const std::string& broker_id,
                                              std::vector<std::tuple<std::string, int8_t, std::optional<std::string>>> ops,
                                              bool validate_only = false) {
  m::IncrementalAlterConfigsRequest req;
  m::IncrementalAlterConfigsRequest::AlterConfigsResource r;
  r.resource_type = kBrokerLogger;
  r.resource_name = broker_id;
  for (const auto& [name, op, value] : ops) r.configs.push_back({name, op, value, {}});
  req.resources.push_back(r);
  req.validate_only = validate_only;
  auto resp = call<m::IncrementalAlterConfigsResponse>(target_port(), req, 1);
  REQUIRE(resp.responses.size() == 1);
  return {resp.responses[0].error_code, resp.responses[0].error_message.value_or("")};
}

// A logger other than root.
std::string some_logger() {
  for (const auto& [name, level] : levels())
    if (name != "root") return name;
  FAIL("the broker lists no logger but root");
  return "";
}

}  // namespace

TEST_CASE("DescribeConfigs of BROKER_LOGGER lists root and the broker's loggers", "[kafka][loggers]") {
  auto r = describe_loggers(kBrokerId);
  CHECK(r.error_code == 0);
  REQUIRE(r.configs.size() >= 2);
  bool root = false;
  for (const auto& c : r.configs) {
    INFO(c.name);
    root |= c.name == "root";
    CHECK(c.config_source == 6);  // DYNAMIC_BROKER_LOGGER_CONFIG
    CHECK_FALSE(c.read_only);
    CHECK_FALSE(c.is_sensitive);
    CHECK(c.synonyms.empty());
    CHECK(c.config_type == 0);
    CHECK(c.documentation == std::optional<std::string>(""));
    const std::string level = c.value.value_or("");
    CHECK((level == "TRACE" || level == "DEBUG" || level == "INFO" || level == "WARN" || level == "ERROR" ||
           level == "FATAL" || level == "OFF"));
  }
  CHECK(root);
  // Asked for by name: unknown names are left out without an error.
  auto some = describe_loggers(kBrokerId, std::vector<std::string>{"root", "no.such.logger"});
  CHECK(some.error_code == 0);
  REQUIRE(some.configs.size() == 1);
  CHECK(some.configs[0].name == "root");

  auto other = describe_loggers("2");
  CHECK(other.error_code == 42);  // INVALID_REQUEST
  CHECK(other.error_message == std::optional<std::string>("Unexpected broker id, expected 1 but received 2"));
  auto empty = describe_loggers("");
  CHECK(empty.error_code == 42);
  CHECK(empty.error_message == std::optional<std::string>("Broker id must not be empty"));
}

TEST_CASE("IncrementalAlterConfigs sets and removes a logger's level at run time", "[kafka][loggers]") {
  const std::string logger = some_logger();
  const std::string root = levels().at("root");
  INFO(logger);
  CHECK(alter_loggers(kBrokerId, {{logger, kSet, "TRACE"}}, /*validate_only=*/true).first == 0);
  CHECK(levels().at(logger) == root);
  CHECK(alter_loggers(kBrokerId, {{logger, kSet, "DEBUG"}}).first == 0);
  CHECK(levels().at(logger) == "DEBUG");
  CHECK(levels().at("root") == root);
  // DELETE: the logger follows root's level again.
  CHECK(alter_loggers(kBrokerId, {{logger, kDelete, std::nullopt}}).first == 0);
  CHECK(levels().at(logger) == root);
  // Root's own level can be set (validate only here, to leave the broker's output alone).
  CHECK(alter_loggers(kBrokerId, {{"root", kSet, "INFO"}}, true).first == 0);
  for (const char* level : {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"})
    CHECK(alter_loggers(kBrokerId, {{logger, kSet, level}}, true).first == 0);
}

TEST_CASE("BROKER_LOGGER changes are refused with Kafka's errors", "[kafka][loggers]") {
  const std::string logger = some_logger();
  const std::string before = levels().at(logger);
  const std::string levels_text = " as it is not a supported log level. Valid log levels are DEBUG, ERROR, FATAL, INFO, TRACE, WARN";
  using Expect = std::pair<int16_t, std::string>;
  CHECK(alter_loggers(kBrokerId, {{logger, kSet, "VERBOSE"}}) ==
        Expect{40, "Cannot set the log level of " + logger + " to VERBOSE" + levels_text});
  CHECK(alter_loggers(kBrokerId, {{logger, kSet, "debug"}}) ==
        Expect{40, "Cannot set the log level of " + logger + " to debug" + levels_text});
  CHECK(alter_loggers(kBrokerId, {{logger, kSet, "OFF"}}) ==
        Expect{40, "Cannot set the log level of " + logger + " to OFF" + levels_text});
  CHECK(alter_loggers(kBrokerId, {{"no.such.logger", kSet, "DEBUG"}}) ==
        Expect{40, "Logger no.such.logger does not exist!"});
  CHECK(alter_loggers(kBrokerId, {{"no.such.logger", kDelete, std::nullopt}}) ==
        Expect{40, "Logger no.such.logger does not exist!"});
  CHECK(alter_loggers(kBrokerId, {{"root", kDelete, std::nullopt}}) ==
        Expect{42, "Removing the log level of the root logger is not allowed"});
  CHECK(alter_loggers(kBrokerId, {{logger, kAppend, "DEBUG"}}) ==
        Expect{42, "APPEND operation is not allowed for the BROKER_LOGGER resource"});
  CHECK(alter_loggers(kBrokerId, {{logger, kSubtract, "DEBUG"}}) ==
        Expect{42, "SUBTRACT operation is not allowed for the BROKER_LOGGER resource"});
  CHECK(alter_loggers(kBrokerId, {{logger, kSet, std::nullopt}}) ==
        Expect{42, "Null value not supported for : " + logger});
  CHECK(alter_loggers("", {{logger, kSet, "DEBUG"}}) == Expect{42, "Node id must be an integer, but it is: "});
  // (Kafka 3.9.1 names its own id twice.)
  CHECK(alter_loggers("2", {{logger, kSet, "DEBUG"}}) == Expect{42, "Unexpected node id. Expected 1, but received 1"});
  // One bad change fails the resource: the good one before it is not made either.
  CHECK(alter_loggers(kBrokerId, {{logger, kSet, "TRACE"}, {"no.such.logger", kSet, "DEBUG"}}).first == 40);
  CHECK(levels().at(logger) == before);

  // AlterConfigs (not incremental) does not know loggers.
  m::AlterConfigsRequest req;
  m::AlterConfigsRequest::AlterConfigsResource r;
  r.resource_type = kBrokerLogger;
  r.resource_name = kBrokerId;
  r.configs.push_back({logger, "DEBUG", {}});
  req.resources.push_back(r);
  auto resp = call<m::AlterConfigsResponse>(target_port(), req, 2);
  REQUIRE(resp.responses.size() == 1);
  CHECK(resp.responses[0].error_code == 42);
  CHECK(resp.responses[0].error_message == std::optional<std::string>("Unknown resource type 8"));
  CHECK(levels().at(logger) == before);
}
