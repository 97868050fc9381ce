// Client telemetry (KIP-714): GetTelemetrySubscriptions, PushTelemetry,
// ListClientMetricsResources and CLIENT_METRICS config resources (16), with Kafka 3.9.1's
// answers. Tagged [kafka]: the expected answers are Kafka's (against-kafka). Each check uses
// subscriptions of its own, matched on a client id of its own, so that they do not meet.
#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "generated/kafka/api_versions_request.h"
#include "generated/kafka/api_versions_response.h"
#include "generated/kafka/describe_configs_request.h"
#include "generated/kafka/describe_configs_response.h"
#include "generated/kafka/get_telemetry_subscriptions_request.h"
#include "generated/kafka/get_telemetry_subscriptions_response.h"
#include "generated/kafka/incremental_alter_configs_request.h"
#include "generated/kafka/incremental_alter_configs_response.h"
#include "generated/kafka/list_config_resources_request.h"
#include "generated/kafka/list_config_resources_response.h"
#include "generated/kafka/push_telemetry_request.h"
#include "generated/kafka/push_telemetry_response.h"
#include "tests/integration/hardening/target_broker.h"

using namespace chronik::testing;
namespace m = chronik::message;
namespace wire = chronik::wire;

namespace {

constexpr int8_t kClientMetrics = 16;

// One request from client id `client_id` on a fresh connection.
template <class Resp, class Req>
Resp call_as(const std::string& client_id, const Req& req, int16_t version) {
  RawConnection c(target_port());
  c.send_frame(request_bytes(req, version, 1, client_id));
  const std::string frame = c.read_frame(30000);
  REQUIRE(!frame.empty());
  return parse_response<Resp>(frame, version);
}

m::GetTelemetrySubscriptionsResponse get_subscriptions(const std::string& client_id, wire::Uuid id = {}) {
  m::GetTelemetrySubscriptionsRequest req;
  req.client_instance_id = id;
  return call_as<m::GetTelemetrySubscriptionsResponse>(client_id, req, 0);
}

int16_t push(const std::string& client_id, const wire::Uuid& id, int32_t subscription, bool terminating = false,
             int8_t compression = 0, std::vector<uint8_t> metrics = {}) {
  m::PushTelemetryRequest req;
  req.client_instance_id = id;
  req.subscription_id = subscription;
  req.terminating = terminating;
  req.compression_type = compression;
  req.metrics = wire::SharedBytes::copy_of(metrics);
  return call_as<m::PushTelemetryResponse>(client_id, req, 0).error_code;
}

std::pair<int16_t, std::string> alter(const std::string& name,
                                      std::vector<std::tuple<std::string, int8_t, std::optional<std::string>>> ops,
                                      bool validate_only = false) {
  m::IncrementalAlterConfigsRequest req;
  m::IncrementalAlterConfigsRequest::AlterConfigsResource r;
  r.resource_type = kClientMetrics;
  r.resource_name = name;
  for (const auto& [k, op, v] : ops) r.configs.push_back({k, op, v, {}});
  req.resources.push_back(r);
  req.validate_only = validate_only;
  auto resp = call<m::IncrementalAlterConfigsResponse>(target_port(), req, 1);
  REQUIRE(resp.responses.size() == 1);
  return {resp.responses[0].error_code, resp.responses[0].error_message.value_or("")};
}

void remove(const std::string& name) {
  CHECK(alter(name, {{"metrics", 1, std::nullopt}, {"interval.ms", 1, std::nullopt}, {"match", 1, std::nullopt}})
            .first == 0);
}

std::set<std::string> subscription_names() {
  auto r = call<m::ListConfigResourcesResponse>(target_port(), m::ListConfigResourcesRequest{}, 0);
  CHECK(r.error_code == 0);
  std::set<std::string> out;
  for (const auto& c : r.config_resources) out.insert(c.resource_name);
  return out;
}

// Whether ListConfigResources lists the subscription. Kafka applies a config change through its
// metadata log after it answers, so against Kafka the listing is polled for a short while.
bool listed(const std::string& name, bool expected) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(against_kafka() ? 3 : 0);
  for (;;) {
    const bool present = subscription_names().count(name) == 1;
    if (present == expected || std::chrono::steady_clock::now() >= deadline) return present;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

m::DescribeConfigsResponse::DescribeConfigsResult describe(const std::string& name) {
  m::DescribeConfigsRequest req;
  m::DescribeConfigsRequest::DescribeConfigsResource r;
  r.resource_type = kClientMetrics;
  r.resource_name = name;
  r.configuration_keys = std::nullopt;
  req.resources.push_back(r);
  auto resp = call<m::DescribeConfigsResponse>(target_port(), req, 4);
  REQUIRE(resp.results.size() == 1);
  return resp.results[0];
}

}  // namespace

TEST_CASE("without a telemetry reporter, ApiVersions leaves out GetTelemetrySubscriptions and PushTelemetry",
          "[kafka][telemetry]") {
  // Kafka 3.9.1 advertises them only when a metric reporter receives client telemetry;
  // Chronik only with client.telemetry.enable. Neither is set for these checks.
  m::ApiVersionsRequest req;
  req.client_software_name = "chronik-hardening";
  req.client_software_version = "1";
  std::set<int16_t> keys;
  for (const auto& k : call<m::ApiVersionsResponse>(target_port(), req, 3).api_keys) keys.insert(k.api_key);
  CHECK_FALSE(keys.count(m::GetTelemetrySubscriptionsRequest::kApiKey));
  CHECK_FALSE(keys.count(m::PushTelemetryRequest::kApiKey));
  CHECK(keys.count(m::ListConfigResourcesRequest::kApiKey));
}

TEST_CASE("GetTelemetrySubscriptions without a matching subscription, as Kafka 3.9.1 answers the Java client",
          "[kafka][telemetry]") {
  const std::string client = unique_name("telemetry-none");
  auto r = get_subscriptions(client);
  CHECK(r.error_code == 0);
  CHECK_FALSE(r.client_instance_id.is_zero());  // assigned by the broker
  CHECK(r.accepted_compression_types == std::vector<int8_t>{4, 3, 1, 2});
  CHECK(r.push_interval_ms == 300000);
  CHECK(r.telemetry_max_bytes == 1048576);
  CHECK(r.delta_temporality);
  CHECK(r.requested_metrics.empty());
  // Asking again before the push interval is throttled.
  auto again = get_subscriptions(client, r.client_instance_id);
  CHECK(again.error_code == 89);  // THROTTLING_QUOTA_EXCEEDED
  CHECK(again.client_instance_id.is_zero());
  // A push right after is accepted, the next one too early.
  CHECK(push(client, r.client_instance_id, r.subscription_id) == 0);
  CHECK(push(client, r.client_instance_id, r.subscription_id) == 89);
}

TEST_CASE("PushTelemetry refuses as Kafka 3.9.1 does", "[kafka][telemetry]") {
  const std::string client = unique_name("telemetry-push");
  auto fresh = [&] { return get_subscriptions(client); };
  auto a = fresh();
  CHECK(push(client, a.client_instance_id, a.subscription_id + 1) == 117);  // UNKNOWN_SUBSCRIPTION_ID
  a = fresh();
  CHECK(push(client, a.client_instance_id, a.subscription_id, true) == 0);
  CHECK(push(client, a.client_instance_id, a.subscription_id, true) == 42);  // after terminating: INVALID_REQUEST
  a = fresh();
  CHECK(push(client, a.client_instance_id, a.subscription_id, false, 7) == 76);  // UNSUPPORTED_COMPRESSION_TYPE
  a = fresh();
  CHECK(push(client, a.client_instance_id, a.subscription_id, false, 0, {'n', 'o', 't', ' ', 'o', 't', 'l', 'p'}) ==
        0);  // uncompressed bytes are not parsed
  a = fresh();
  CHECK(push(client, a.client_instance_id, a.subscription_id, false, 1, {'n', 'o', 't', ' ', 'g', 'z'}) ==
        87);  // INVALID_RECORD: does not decompress
  a = fresh();
  CHECK(push(client, a.client_instance_id, a.subscription_id, false, 0, std::vector<uint8_t>(1048577, 'x')) ==
        118);  // TELEMETRY_TOO_LARGE
  wire::Uuid unknown;
  unknown.bytes.fill(0x5a);
  CHECK(push(client, unknown, 1) == 117);
  CHECK(push(client, wire::Uuid{}, 1) == 42);
}

TEST_CASE("client-metrics subscriptions: set, described, listed, matched and removed", "[kafka][telemetry]") {
  const std::string name = unique_name("sub");
  const std::string client = unique_name("telemetry-matched");
  CHECK(alter(name, {{"metrics", 0, "org.apache.kafka.producer., org.apache.kafka.consumer."},
                     {"interval.ms", 0, "1000"},
                     {"match", 0, "client_id=" + client}}) == std::pair<int16_t, std::string>{0, ""});
  CHECK(listed(name, true));
  auto d = describe(name);
  CHECK(d.error_code == 0);
  REQUIRE(d.configs.size() == 3);
  std::map<std::string, std::string> values;
  for (const auto& c : d.configs) {
    values[c.name] = c.value.value_or("");
    CHECK(c.config_source == 7);  // CLIENT_METRICS_CONFIG
    CHECK(c.synonyms.empty());
    CHECK_FALSE(c.read_only);
  }
  CHECK(values.at("interval.ms") == "1000");
  CHECK(values.at("match") == "client_id=" + client);

  auto matched = get_subscriptions(client);
  CHECK(matched.error_code == 0);
  CHECK(matched.push_interval_ms == 1000);
  CHECK(std::set<std::string>(matched.requested_metrics.begin(), matched.requested_metrics.end()) ==
        std::set<std::string>{"org.apache.kafka.producer.", "org.apache.kafka.consumer."});
  auto other = get_subscriptions(unique_name("telemetry-other"));
  CHECK(std::find(other.requested_metrics.begin(), other.requested_metrics.end(), "org.apache.kafka.producer.") ==
        other.requested_metrics.end());

  // A change reaches a known instance at once, without throttling.
  CHECK(alter(name, {{"metrics", 0, "*"}}).first == 0);
  // Kafka hands the change to its client-metrics manager through its metadata log, a little
  // later than it answers; still well within the 1000 ms push interval.
  if (against_kafka()) std::this_thread::sleep_for(std::chrono::milliseconds(400));
  auto changed = get_subscriptions(client, matched.client_instance_id);
  CHECK(changed.error_code == 0);
  CHECK(changed.client_instance_id == matched.client_instance_id);
  CHECK(changed.requested_metrics == std::vector<std::string>{"*"});
  CHECK(changed.subscription_id != matched.subscription_id);

  remove(name);
  CHECK_FALSE(listed(name, false));
  CHECK(describe(name).configs.empty());
}

TEST_CASE("client-metrics configs are refused with Kafka 3.9.1's errors", "[kafka][telemetry]") {
  const std::string name = unique_name("bad-sub");
  using E = std::pair<int16_t, std::string>;
  CHECK(alter(name, {{"interval.ms", 0, "50"}}) ==
        E{42, "Invalid value 50 for interval.ms, interval must be between 100 and 3600000 (1 hour)"});
  CHECK(alter(name, {{"foo", 0, "x"}}) == E{42, "Unknown client metrics configuration: foo"});
  CHECK(alter(name, {{"match", 0, "foo=bar"}}) == E{40, "Illegal client matching pattern: foo=bar"});
  CHECK(alter(name, {{"match", 0, "client_id"}}) == E{40, "Illegal client matching pattern: client_id"});
  CHECK(alter(name, {{"match", 0, "client_id=["}}) == E{40, "Illegal client matching pattern: client_id=["});
  CHECK(alter("", {{"interval.ms", 0, "1000"}}) == E{42, "Subscription name can't be empty"});
  CHECK(alter(name, {{"metrics", 2, "x"}}) == E{40, "Can't APPEND to key metrics because its type is not LIST."});
  // Validation only creates nothing; removing what is not there is no error.
  CHECK(alter(name, {{"interval.ms", 0, "1000"}}, true).first == 0);
  CHECK(subscription_names().count(name) == 0);
  CHECK(alter(name, {{"metrics", 1, std::nullopt}}).first == 0);
  auto empty = describe("");
  CHECK(empty.error_code == 42);
  CHECK(empty.error_message == std::optional<std::string>("Client metrics subscription name must not be empty"));
}
