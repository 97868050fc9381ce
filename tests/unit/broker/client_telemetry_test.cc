// Client telemetry (KIP-714) over a real LevelDB store: subscriptions matched against client
// instances, Kafka's throttling and push checks, and subscriptions kept across a reload.
// (The same answers are checked against Kafka itself in hardening/client_telemetry_test.cc.)
#include <catch2/catch.hpp>

#include "broker/core/client_telemetry.h"
#include "tests/support/temp_log_store.h"

using namespace chronik::broker;
using chronik::wire::Uuid;

namespace {

ClientIdentity client(const std::string& id) {
  ClientIdentity who;
  who.client_id = id;
  who.source_address = "127.0.0.1";
  who.source_port = "5555";
  return who;
}

void set(ClientTelemetry& t, LogStore& store, const std::string& name, std::map<std::string, std::string> configs) {
  int16_t storage = 0;
  auto bad = t.set_subscription(store, name, configs, false, &storage);
  REQUIRE_FALSE(bad);
  REQUIRE(storage == 0);
}

}  // namespace

TEST_CASE("client instances get the union of matching subscriptions and the shortest interval") {
  auto store = testing::temp_log_store();
  ClientTelemetry t;
  t.load(*store);
  set(t, *store, "producers", {{"metrics", "org.apache.kafka.producer."}, {"interval.ms", "2000"}, {"match", "client_id=app-.*"}});
  set(t, *store, "java", {{"metrics", "org.apache.kafka.consumer."},
                          {"interval.ms", "1000"},
                          {"match", "client_software_name=apache-kafka-java, client_software_version=3\\..*"}});
  t.note_client_software(7, "apache-kafka-java", "3.9.1");

  auto app_java = t.get_subscription({}, 7, client("app-1"), 1000);
  CHECK(app_java.requested_metrics == std::vector<std::string>{"org.apache.kafka.consumer.", "org.apache.kafka.producer."});
  CHECK(app_java.push_interval_ms == 1000);
  auto app_other = t.get_subscription({}, 8, client("app-2"), 1000);
  CHECK(app_other.requested_metrics == std::vector<std::string>{"org.apache.kafka.producer."});
  CHECK(app_other.push_interval_ms == 2000);
  auto nobody = t.get_subscription({}, 9, client("tool"), 1000);
  CHECK(nobody.requested_metrics.empty());
  CHECK(nobody.push_interval_ms == 300000);
  CHECK(nobody.client_instance_id != app_java.client_instance_id);

  // "*" stands for every metric; a change reaches a known instance at its next request.
  set(t, *store, "all", {{"metrics", "*"}});
  auto again = t.get_subscription(nobody.client_instance_id, 9, client("tool"), 1001);
  CHECK(again.error_code == 0);
  CHECK(again.requested_metrics == std::vector<std::string>{"*"});
  CHECK(again.subscription_id != nobody.subscription_id);

  // Kept in the store: a fresh load knows them.
  ClientTelemetry reloaded;
  reloaded.load(*store);
  CHECK(reloaded.subscription_names() == std::vector<std::string>{"all", "java", "producers"});
  CHECK(reloaded.subscription_configs("producers").at("interval.ms") == "2000");
  int16_t storage = 0;
  REQUIRE_FALSE(reloaded.set_subscription(*store, "all", {}, false, &storage));
  ClientTelemetry after_removal;
  after_removal.load(*store);
  CHECK(after_removal.subscription_names() == std::vector<std::string>{"java", "producers"});
}

TEST_CASE("telemetry requests are throttled and checked as Kafka 3.9.1 does") {
  auto store = testing::temp_log_store();
  ClientTelemetry t;
  t.load(*store);
  set(t, *store, "fast", {{"metrics", "x."}, {"interval.ms", "100"}});
  auto s = t.get_subscription({}, 1, client("c"), 10'000);
  const Uuid id = s.client_instance_id;
  CHECK(t.get_subscription(id, 1, client("c"), 10'050).error_code == 89);  // before the interval
  CHECK(t.push(id, s.subscription_id, false, 4, 10, true, 1, client("c"), 10'060) == 0);  // right after a get
  CHECK(t.push(id, s.subscription_id, false, 4, 10, true, 1, client("c"), 10'100) == 89);
  CHECK(t.push(id, s.subscription_id, false, 4, 10, true, 1, client("c"), 10'200) == 0);  // an interval later
  CHECK(t.push(id, s.subscription_id + 1, false, 4, 10, true, 1, client("c"), 10'300) == 117);
  // After UNKNOWN_SUBSCRIPTION_ID the client may ask again at once; as in Kafka, that early
  // answer does not count as a get, so the next push still waits for the interval.
  CHECK(t.get_subscription(id, 1, client("c"), 10'301).error_code == 0);
  CHECK(t.push(id, s.subscription_id, false, 9, 10, true, 1, client("c"), 10'400) == 76);
  CHECK(t.push(id, s.subscription_id, false, 4, 2 << 20, true, 1, client("c"), 10'500) == 118);
  CHECK(t.push(id, s.subscription_id, false, 1, 10, false, 1, client("c"), 10'700) == 87);
  CHECK(t.push(id, s.subscription_id, true, 4, 10, true, 1, client("c"), 10'701) == 0);  // terminating: any time
  CHECK(t.push(id, s.subscription_id, true, 4, 10, true, 1, client("c"), 10'900) == 42);
  CHECK(t.push(Uuid{}, 1, false, 0, 0, true, 1, client("c"), 11'000) == 42);
  const auto c = t.counters();
  CHECK(c.pushes == 3);
  CHECK(c.throttled == 2);
  CHECK(c.unknown_subscription == 1);
}

TEST_CASE("client-metrics configs are refused in Kafka's words") {
  auto store = testing::temp_log_store();
  ClientTelemetry t;
  int16_t storage = 0;
  auto refusal = [&](std::map<std::string, std::string> configs, const std::string& name = "s") {
    auto bad = t.set_subscription(*store, name, configs, false, &storage);
    return bad ? bad->message : std::string("accepted");
  };
  CHECK(refusal({{"interval.ms", "99"}}) ==
        "Invalid value 99 for interval.ms, interval must be between 100 and 3600000 (1 hour)");
  CHECK(refusal({{"interval.ms", "soon"}}) ==
        "Invalid value soon for configuration interval.ms: Not a number of type INT");
  CHECK(refusal({{"match", "client_id=a=b"}}) == "Illegal client matching pattern: client_id=a=b");
  CHECK(refusal({{"match", "client_rack=a"}}) == "Illegal client matching pattern: client_rack=a");
  CHECK(refusal({{"match", "client_id=(unclosed"}}) == "Illegal client matching pattern: client_id=(unclosed");
  CHECK(refusal({{"nope", "1"}}) == "Unknown client metrics configuration: nope");
  CHECK(refusal({{"metrics", "a"}}, "") == "Subscription name can't be empty");
  CHECK(refusal({{"metrics", ""}, {"match", " client_id = a.* "}}) == "accepted");
}
