// The admin endpoint's pieces without HTTP: counters, routing, query parsing, and the
// Prometheus rendering over an in-memory store (the HTTP side is tests/integration/admin).
#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

#include "broker/admin/api.h"
#include "broker/admin/body_schema.h"
#include "broker/admin/group_view.h"
#include "broker/core/metrics.h"
#include "broker/admin/request_guard.h"
#include "broker/core/broker.h"
#include "tests/support/temp_log_store.h"
#include "runtime/record/batch.h"

namespace chronik::broker::admin {
namespace {

std::vector<uint8_t> batch_of(int records) {
  std::vector<record::Record> rs(static_cast<size_t>(records));
  for (int i = 0; i < records; ++i) {
    rs[static_cast<size_t>(i)].offset_delta = i;
    rs[static_cast<size_t>(i)].value = std::vector<uint8_t>{'v', static_cast<uint8_t>('0' + i % 10)};
  }
  record::BatchOptions o;
  o.base_timestamp = 1000;
  return record::build_batch(o, rs);
}

// The value of the first line of `text` starting with `prefix` (a series with its labels).
std::optional<std::string> series(const std::string& text, const std::string& prefix) {
  size_t pos = 0;
  while ((pos = text.find(prefix, pos)) != std::string::npos) {
    if (pos == 0 || text[pos - 1] == '\n') {
      size_t end = text.find('\n', pos);
      return text.substr(pos + prefix.size() + 1, end - pos - prefix.size() - 1);
    }
    ++pos;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("per-topic counters from many threads, forgotten with their topic") {
  Metrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&m]() {
      for (int i = 0; i < 1000; ++i) m.record_produce("a", 10, 2);
    });
  for (auto& t : threads) t.join();
  CHECK(m.topic_snapshot("a").bytes_in == 40000);
  CHECK(m.topic_snapshot("a").messages_in == 8000);
  m.forget_topic("a");
  CHECK(m.topic_snapshot("a").bytes_in == 0);
  // This thread cached the old counters: the generation change makes it look again.
  m.record_produce("a", 5, 1);
  CHECK(m.topic_snapshot("a").bytes_in == 5);
  // A second registry does not see the first one's cache entries.
  Metrics other;
  other.record_fetch("a", 7);
  CHECK(other.topic_snapshot("a").bytes_out == 7);
  CHECK(m.topic_snapshot("a").bytes_out == 0);
}

TEST_CASE("request counters and latency buckets") {
  Metrics m;
  m.record_request(3, 12, false, 100);      // first bucket (<= 250 us)
  m.record_request(3, 12, true, 3000);      // <= 5 ms
  m.record_request(3, 12, false, 99999999);  // +Inf
  m.record_request(500, 99, false, 1);      // out of range: last slots
  CHECK(m.requests(3, 12) == 3);
  CHECK(m.errors(3, 12) == 1);
  const auto& h = m.latency(3);
  CHECK(h.count == 3);
  CHECK(h.buckets[0] == 1);
  CHECK(h.buckets[4] == 1);
  CHECK(h.buckets.back() == 1);
  CHECK(m.requests(Metrics::kMaxApiKey - 1, Metrics::kMaxVersion - 1) == 1);
}

TEST_CASE("query strings and percent-decoding") {
  auto q = parse_query("a=1&b=x%20y+z&c&d=%2F");
  CHECK(q["a"] == "1");
  CHECK(q["b"] == "x y z");
  CHECK(q["c"].empty());
  CHECK(q["d"] == "/");
  CHECK_THROWS_AS(parse_query("a=%G1"), HttpError);
  CHECK_THROWS_AS(parse_query("a=%2"), HttpError);
  CHECK(percent_decode("/v1/topics/a%2Eb") == "/v1/topics/a.b");
  CHECK(!percent_decode("%"));
}

TEST_CASE("router: parameters, 404, 405 with Allow, HEAD as GET, errors as JSON") {
  Router r;
  r.add("GET", "/v1/topics/{topic}", [](HttpRequest& req) { return json_response({{"t", req.params.at("topic")}}); });
  r.add("DELETE", "/v1/topics/{topic}", [](HttpRequest&) -> HttpResponse {
    throw HttpError(409, "busy", "topic");
  });
  HttpRequest get{"GET", "/v1/topics/abc/"};
  CHECK(r.route(get).body == R"({"t":"abc"})");
  HttpRequest head{"HEAD", "/v1/topics/abc"};
  CHECK(r.route(head).status == 200);
  HttpRequest put{"PUT", "/v1/topics/abc"};
  auto not_allowed = r.route(put);
  CHECK(not_allowed.status == 405);
  CHECK(not_allowed.allow == "GET, DELETE");
  HttpRequest del{"DELETE", "/v1/topics/abc"};
  auto conflict = r.route(del);
  CHECK(conflict.status == 409);
  CHECK(Json::parse(conflict.body)["field"] == "topic");
  HttpRequest missing{"GET", "/v1/topics"};
  CHECK(r.route(missing).status == 404);
}

// The field an HttpError names, or "" when `f` does not throw one.
template <class F>
std::string field_refused(F f) {
  try {
    f();
  } catch (const HttpError& e) {
    CHECK(e.status == 400);
    return e.field;
  }
  return "";
}

TEST_CASE("request bodies are checked against openapi.json's schemas") {
  const Json doc = Json::parse(R"({
    "paths": {"/v1/things/{id}": {"post": {"requestBody": {"content": {"application/json": {"schema":
      {"$ref": "#/components/schemas/Thing"}}}}}, "get": {}}},
    "components": {"schemas": {"Thing": {"type": "object", "required": ["name"], "additionalProperties": false,
      "properties": {"name": {"type": "string"}, "count": {"type": "integer", "minimum": 1, "maximum": 9},
                     "mode": {"type": "string", "enum": ["a", "b"]},
                     "tags": {"type": "array", "items": {"type": "string"}},
                     "configs": {"type": "object", "additionalProperties":
                       {"oneOf": [{"type": "string"}, {"type": "integer"}]}}}}}}})");
  auto check = [&](const char* body) {
    return field_refused([&] { check_body(doc, "POST", "/v1/things/{id}", Json::parse(body)); });
  };
  CHECK(check(R"({"name": "x", "count": 3, "mode": "a", "tags": ["t"], "configs": {"k": "v", "n": 1}})") == "");
  CHECK(check(R"({"count": 3})") == "name");
  CHECK(check(R"({"name": 5})") == "name");
  CHECK(check(R"({"name": "x", "count": 0})") == "count");
  CHECK(check(R"({"name": "x", "count": 10})") == "count");
  CHECK(check(R"({"name": "x", "count": 1.5})") == "count");
  CHECK(check(R"({"name": "x", "mode": "c"})") == "mode");
  CHECK(check(R"({"name": "x", "tags": ["t", 2]})") == "tags[1]");
  CHECK(check(R"({"name": "x", "configs": {"retention.ms": true}})") == "configs.retention.ms");
  CHECK(check(R"({"name": "x", "cuont": 3})") == "cuont");  // a typo is refused, not ignored
  // Routes and methods without a request body schema take any object.
  CHECK(field_refused([&] { check_body(doc, "GET", "/v1/things/{id}", Json::parse(R"({"a": 1})")); }) == "");
  CHECK(field_refused([&] { check_body(doc, "POST", "/v1/other", Json::parse(R"({"a": 1})")); }) == "");

  // The served document: the topic a POST /v1/topics creates.
  auto served = [](const char* body) {
    return field_refused([&] { check_body("POST", "/v1/topics", Json::parse(body)); });
  };
  CHECK(served(R"({"name": "t", "partitions": 3, "configs": {"retention.ms": 1000}})") == "");
  CHECK(served(R"({"name": "t", "partition": 3})") == "partition");
  CHECK(served(R"({"name": "t", "partitions": 10000})") == "partitions");
  // A produced record: null is a key, value or header value of its own ("type": "null").
  auto record = [](const char* body) {
    return field_refused([&] { check_body("POST", "/v1/topics/{topic}/records", Json::parse(body)); });
  };
  CHECK(record(R"({"key": null, "value": "v", "headers": [{"key": "h", "value": null}], "partition": 0})") == "");
  CHECK(record(R"({"value": 1})") == "value");
  CHECK(record(R"({"headers": [{"value": "v"}]})") == "headers[0].key");
  CHECK(record(R"({"partition": -1})") == "partition");
  CHECK(record(R"({"encoding": "hex"})") == "encoding");
}

TEST_CASE("request guard: Host names, JSON bodies for changes, HTTP/1.0 without Host") {
  CHECK(host_name("Example.COM:9644") == "example.com");
  CHECK(host_name("localhost.") == "localhost");
  CHECK(host_name("[::1]:9644") == "::1");
  CHECK(host_name(" 10.0.0.7 ") == "10.0.0.7");
  CHECK(!host_name(""));
  CHECK(!host_name(":9644"));
  CHECK(!host_name("a:b"));
  CHECK(!host_name("::1"));  // IPv6 needs brackets
  CHECK(!host_name("[::1"));
  CHECK(!host_name("[::1]x"));

  HostPolicy hosts;
  hosts.allow("localhost");
  hosts.allow("Broker-1.internal.");
  for (const char* ok : {"localhost:9644", "LOCALHOST", "broker-1.internal:1", "broker-1.internal.", "127.0.0.1:9644",
                         "[::1]:9644", "192.168.7.9", "[fe80::1]"})
    CHECK(hosts.allows(ok));
  for (const char* no : {"attacker.example:9644", "localhost.attacker.example", "127.0.0.1.nip.io", "broker-1",
                         "", "[::1", "evil:1:2"})
    CHECK(!hosts.allows(no));
  HostPolicy any;
  any.allow("*");
  CHECK(any.allows("attacker.example"));

  CHECK(is_json("application/json"));
  CHECK(is_json("Application/JSON; charset=utf-8"));
  CHECK(is_json(" application/json ;charset=UTF-8"));
  CHECK(!is_json(""));
  CHECK(!is_json("text/plain"));
  CHECK(!is_json("application/x-www-form-urlencoded"));
  CHECK(!is_json("multipart/form-data; boundary=x"));
  CHECK(!is_json("application/jsonp"));
  CHECK(!is_json("text/plain; a=application/json"));

  auto status = [&](HttpRequest r) {
    auto refused = refuse(r, hosts);
    return refused ? refused->status : 0;
  };
  auto req = [](std::string method, std::string path, std::optional<std::string> host, std::string ctype,
                unsigned version = 11) {
    HttpRequest r{std::move(method), std::move(path)};
    r.host = std::move(host);
    r.content_type = std::move(ctype);
    r.version = version;
    return r;
  };
  CHECK(status(req("GET", "/v1/topics", "localhost:9644", "")) == 0);
  CHECK(status(req("POST", "/v1/topics", "localhost:9644", "application/json; charset=utf-8")) == 0);
  CHECK(status(req("POST", "/v1/topics", "localhost:9644", "text/plain")) == 415);
  CHECK(status(req("DELETE", "/v1/topics/a", "localhost:9644", "")) == 415);
  CHECK(status(req("PATCH", "/v1/topics/a/configs", "localhost:9644", "application/x-www-form-urlencoded")) == 415);
  CHECK(status(req("PUT", "/v1/topics", "localhost:9644", "multipart/form-data; boundary=b")) == 415);
  CHECK(status(req("OPTIONS", "/v1/topics", "localhost:9644", "")) == 0);  // the router's 405
  CHECK(status(req("GET", "/v1/topics", "attacker.example:9644", "")) == 421);
  CHECK(status(req("POST", "/v1/topics", "attacker.example:9644", "application/json")) == 421);
  CHECK(status(req("GET", "/v1/health/ready", "chronik.monitoring.svc:9644", "")) == 0);
  CHECK(status(req("GET", "/v1/topics", std::nullopt, "")) == 400);
  CHECK(status(req("GET", "/v1/topics", std::nullopt, "", 10)) == 0);
  CHECK(status(req("POST", "/v1/topics", std::nullopt, "text/plain", 10)) == 415);
  auto refused = refuse(req("POST", "/v1/topics", "localhost", "text/plain"), hosts);
  REQUIRE(refused);
  CHECK(Json::parse(refused->body)["field"] == "Content-Type");
  CHECK(Json::parse(refuse(req("GET", "/", "evil.test", ""), hosts)->body)["field"] == "Host");
}

TEST_CASE("Prometheus rendering over a store") {
  Broker broker;
  broker.store = chronik::broker::testing::temp_log_store();
  broker.store->create_topic("t", 3, {}, false);
  auto batch = batch_of(5);
  std::span<uint8_t> batches[] = {batch};
  broker.store->append("t", 1, batches, false);
  broker.metrics.record_produce("t", 123, 5);
  broker.metrics.record_request(0, 9, false, 1200);
  // One client instance that pushed 3 bytes, then pushed again too early.
  auto sub = broker.telemetry.get_subscription({}, 1, {}, 1000);
  REQUIRE(sub.error_code == 0);
  REQUIRE(broker.telemetry.push(sub.client_instance_id, sub.subscription_id, false, 0, 3, true, 1, {}, 1001) == 0);
  REQUIRE(broker.telemetry.push(sub.client_instance_id, sub.subscription_id, false, 0, 3, true, 1, {}, 1002) == 89);
  AdminContext ctx{broker, "9.9.9", [] { return true; }, nullptr};
  const std::string text = render_metrics(ctx);
  CHECK(series(text, "chronik_client_telemetry_pushes_total") == "1");
  CHECK(series(text, "chronik_client_telemetry_pushed_bytes_total") == "3");
  CHECK(series(text, "chronik_client_telemetry_throttled_total") == "1");
  CHECK(series(text, "chronik_client_telemetry_instances") == "1");
  CHECK(series(text, "chronik_partition_log_end_offset{topic=\"t\",partition=\"1\"}") == "5");
  CHECK(series(text, "chronik_partition_log_end_offset{topic=\"t\",partition=\"0\"}") == "0");
  CHECK(series(text, "chronik_topic_messages_in_total{topic=\"t\"}") == "5");
  CHECK(series(text, "chronik_requests_total{api=\"Produce\",version=\"9\"}") == "1");
  CHECK(series(text, "chronik_request_duration_seconds_bucket{api=\"Produce\",le=\"0.001\"}") == "0");
  CHECK(series(text, "chronik_request_duration_seconds_bucket{api=\"Produce\",le=\"0.0025\"}") == "1");
  CHECK(series(text, "chronik_build_info{version=\"9.9.9\",node_id=\"1\"}") == "1");
  // Every family has HELP and TYPE before its samples, exactly once.
  CHECK(text.find("# TYPE chronik_partition_log_end_offset gauge\n") != std::string::npos);
  CHECK(text.find("# TYPE chronik_partition_log_end_offset gauge\n") ==
        text.rfind("# TYPE chronik_partition_log_end_offset gauge\n"));
  // The store's LevelDB families, once each.
  CHECK(text.find("# TYPE chronik_leveldb_files gauge\n") != std::string::npos);
  CHECK(text.find("# TYPE chronik_leveldb_files gauge\n") ==
        text.rfind("# TYPE chronik_leveldb_files gauge\n"));
}

TEST_CASE("group view over the coordinator: a KIP-848 group, its assignment, lag and reset") {
  // (librdkafka 2.16's KIP-848 consumer needs ConsumerGroupHeartbeat v1, which Kafka 3.9's
  // specs do not have, so this path is driven here rather than by a client.)
  Broker broker;
  broker.store = chronik::broker::testing::temp_log_store();
  REQUIRE(broker.store->create_topic("t", 2, {}, false).error == 0);
  auto batch = batch_of(6);
  std::span<uint8_t> batches[] = {batch};
  broker.store->append("t", 0, batches, false);
  broker.start_groups();
  auto view = make_coordinator_group_view(broker);
  REQUIRE(view);
  const int64_t now = now_ms();

  group::ConsumerHeartbeat h;
  h.rebalance_timeout_ms = 30'000;
  h.subscribed_topics = std::vector<std::string>{"t"};
  h.owned = group::Assignment{};
  h.client_id = "c1";
  auto joined = broker.groups->consumer_heartbeat("cg", h, now);
  REQUIRE(joined.error == 0);
  group::GroupCoordinator::CommitRequest c;
  c.group_id = "cg";
  c.member_id = joined.member_id;
  c.generation = joined.member_epoch;
  c.offsets = {{{"t", 0}, group::CommittedOffset{2}}};
  REQUIRE(broker.groups->commit(c, now) == 0);

  auto d = view->describe("cg");
  REQUIRE(d);
  CHECK(d->listing.type == "consumer");
  CHECK(d->listing.state == "Stable");
  REQUIRE(d->members.size() == 1);
  CHECK(d->members[0].client_id == "c1");
  CHECK(d->members[0].assignment ==
        std::vector<std::pair<std::string, int32_t>>{{"t", 0}, {"t", 1}});
  REQUIRE(d->offsets.size() == 1);
  CHECK(d->offsets[0].lag == 4);
  CHECK(d->total_lag == 4);
  CHECK(view->reset_offsets("cg", {{"t", 0, 0}}) == GroupView::Result::kNotEmpty);
  CHECK(view->delete_group("cg") == GroupView::Result::kNotEmpty);

  group::ConsumerHeartbeat leave;
  leave.member_id = joined.member_id;
  leave.member_epoch = -1;
  REQUIRE(broker.groups->consumer_heartbeat("cg", leave, now).error == 0);
  CHECK(view->describe("cg")->listing.state == "Empty");
  CHECK(view->reset_offsets("cg", {{"t", 0, 0}}) == GroupView::Result::kOk);
  CHECK(view->describe("cg")->total_lag == 6);
  CHECK(view->list().size() == 1);
  CHECK(view->delete_group("cg") == GroupView::Result::kOk);
  CHECK(!view->describe("cg"));
  CHECK(view->delete_group("cg") == GroupView::Result::kNotFound);
}

}  // namespace chronik::broker::admin
