// Limits on connections, as Kafka's ConnectionQuotas apply them: max.connections.per.ip (a
// dynamic broker config) closes a new connection from an address that has that many open, at
// once; an address over its connection_creation_rate (KIP-612, an IP client quota) has the
// new connection closed unserved after a throttle of at most one window. The expected answers
// are Kafka 3.9.1's (against-kafka). The checks' connections come from 127.0.0.2, the limits
// name that address alone: every other client of the shared broker (127.0.0.1) is left alone,
// and the settings are taken back however a check ends.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "generated/kafka/alter_client_quotas_request.h"
#include "generated/kafka/alter_client_quotas_response.h"
#include "generated/kafka/api_versions_request.h"
#include "generated/kafka/api_versions_response.h"
#include "generated/kafka/describe_client_quotas_request.h"
#include "generated/kafka/describe_client_quotas_response.h"
#include "generated/kafka/describe_configs_request.h"
#include "generated/kafka/describe_configs_response.h"
#include "generated/kafka/incremental_alter_configs_request.h"
#include "generated/kafka/incremental_alter_configs_response.h"
#include "tests/integration/hardening/requests.h"

using namespace chronik::testing;
namespace m = chronik::message;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int8_t kBrokerResource = 4;
const std::string kBrokerId = "1";  // node.id of both brokers
constexpr const char* kAddress = "127.0.0.2";  // where the checks' connections come from

// Sets (or, without a value, deletes) a broker config of this broker, then waits until
// DescribeConfigs shows it (Kafka applies it from its metadata log a moment later).
void set_broker_config(const std::string& name, const std::optional<std::string>& value) {
  m::IncrementalAlterConfigsRequest req;
  auto& r = req.resources.emplace_back();
  r.resource_type = kBrokerResource;
  r.resource_name = kBrokerId;
  r.configs.push_back({name, static_cast<int8_t>(value ? 0 : 1), value, {}});
  const auto resp = call<m::IncrementalAlterConfigsResponse>(target_port(), req, 1);
  REQUIRE(resp.responses.at(0).error_code == 0);
  m::DescribeConfigsRequest d;
  auto& dr = d.resources.emplace_back();
  dr.resource_type = kBrokerResource;
  dr.resource_name = kBrokerId;
  dr.configuration_keys = std::vector<std::string>{name};
  for (int i = 0;; ++i) {
    const auto described = call<m::DescribeConfigsResponse>(target_port(), d, 1);
    const auto& configs = described.results.at(0).configs;
    const bool dynamic = !configs.empty() && configs[0].config_source == 2;  // DYNAMIC_BROKER_CONFIG
    if (dynamic == value.has_value()) break;
    REQUIRE(i < 50);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (against_kafka()) std::this_thread::sleep_for(std::chrono::seconds(1));
}

// Sets (or, without a value, removes) the connection_creation_rate of an IP address.
void set_ip_rate(const std::string& ip, std::optional<double> rate) {
  m::AlterClientQuotasRequest req;
  auto& e = req.entries.emplace_back();
  e.entity.push_back({"ip", ip, {}});
  e.ops.push_back({"connection_creation_rate", rate.value_or(0), !rate.has_value(), {}});
  const auto resp = call<m::AlterClientQuotasResponse>(target_port(), req, 1);
  REQUIRE(resp.entries.at(0).error_code == 0);
  m::DescribeClientQuotasRequest d;
  d.components.push_back({"ip", 0, ip, {}});
  for (int i = 0;; ++i) {
    const auto r = call<m::DescribeClientQuotasResponse>(target_port(), d, 1);
    if ((r.entries && !r.entries->empty()) == rate.has_value()) break;
    REQUIRE(i < 50);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (against_kafka()) std::this_thread::sleep_for(std::chrono::seconds(1));
}

// Takes a setting back when the check ends, passed or not.
struct Restore {
  std::function<void()> undo;
  ~Restore() { undo(); }
};

// A new connection that asked ApiVersions: answered, or closed by the broker.
struct Attempt {
  std::unique_ptr<RawConnection> connection;
  bool answered = false;
  int64_t closed_after_ms = -1;
};

Attempt attempt(int timeout_ms = 5000) {
  Attempt a;
  const auto start = Clock::now();
  a.connection = std::make_unique<RawConnection>(target_port(), kAddress);
  m::ApiVersionsRequest req;
  a.connection->send_frame(request_bytes(req, 0, 1, "connection-limits"));
  a.answered = !a.connection->read_frame(timeout_ms).empty();
  if (!a.answered)
    a.closed_after_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  return a;
}

}  // namespace

TEST_CASE("max.connections.per.ip closes a connection beyond it at once, and a closed one frees a place",
          "[kafka][connections]") {
  // Through max.connections.per.ip.overrides, Kafka's way to name one address.
  set_broker_config("max.connections.per.ip.overrides", std::string(kAddress) + ":4");
  Restore restore{[] { set_broker_config("max.connections.per.ip.overrides", std::nullopt); }};
  std::vector<Attempt> open;
  int answered = 0, refused = 0;
  for (int i = 0; i < 8; ++i) {
    auto a = attempt();
    if (a.answered) {
      ++answered;
    } else {
      ++refused;
      CHECK(a.closed_after_ms < 1000);  // not held: closed as soon as accepted
    }
    open.push_back(std::move(a));
  }
  INFO(answered << " answered, " << refused << " refused");
  CHECK(answered == 4);
  CHECK(refused == 4);
  // Closing ours frees their places.
  open.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(attempt().answered);
}

TEST_CASE("An address over its connection_creation_rate has new connections closed after at most one window",
          "[kafka][connections]") {
  // 5 a second, measured like every quota over ten whole windows: about fifty connections
  // pass, then each new one is held unserved and closed within a window (a second).
  set_ip_rate(kAddress, 5);
  Restore restore{[] { set_ip_rate(kAddress, std::nullopt); }};
  int answered = 0;
  std::optional<Attempt> refused;
  for (int i = 0; i < 100 && !refused; ++i) {
    auto a = attempt(3000);
    if (a.answered) ++answered;
    else refused = std::move(a);
  }
  INFO(answered << " connections answered before the first refusal");
  REQUIRE(refused);
  CHECK(answered >= 40);
  CHECK(answered <= 60);
  INFO("the refused connection was closed after " << refused->closed_after_ms << " ms");
  CHECK(refused->closed_after_ms <= 1500);
}
