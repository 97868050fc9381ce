// A broker without sockets, for tests of handlers and dispatch that run in seconds: the
// services set up as broker/main.cc sets them up, over a real LevelDB log in a temporary
// directory whose files go through a FailingEnv (tests/support/failing_env.h), and requests
// that travel as frames through process_request (broker/kafka/dispatch.h), exactly as the
// network layer hands them over.
//
//   KafkaHarness h;
//   auto resp = h.call<m::MetadataResponse>(m::MetadataRequest{}, 12);
//   h.env->fail_writes = true;  // the disk fails from here on
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "broker/core/broker.h"
#include "broker/kafka/dispatch.h"
#include "broker/log/leveldb_log_store.h"
#include "broker/log/log_config.h"
#include "generated/kafka/api_table.h"
#include "runtime/protocol/header.h"
#include "runtime/wire/reader.h"
#include "runtime/wire/writer.h"
#include "tests/support/failing_env.h"
#include "tests/support/temp_log_store.h"

namespace chronik::broker::testing {

class KafkaHarness {
  TempDir dir_;  // first: it outlives everything that uses it

 public:
  // `overrides` as chronik's --override key=value; `adjust` changes the log's options (a
  // small write buffer, say) before the store opens.
  explicit KafkaHarness(const std::map<std::string, std::string>& overrides = {},
                        const std::function<void(log::LogManagerOptions&)>& adjust = {})
      : env(std::make_shared<FailingEnv>()) {
    std::vector<std::string> kv = {"log.dirs=" + dir_.path()};
    for (const auto& [k, v] : overrides) kv.push_back(k + "=" + v);
    auto config = std::make_shared<config::BrokerConfig>(config::BrokerConfig::load(std::nullopt, kv));
    broker.init(config);
    auto options = log::log_manager_options([&b = broker] { return b.config(); });
    options.storage.env = env.get();
    if (adjust) adjust(options);
    broker.store = std::make_shared<LevelDbLogStore>(dir_.path(), options);
    broker.load_dynamic_configs();
    broker.ensure_internal_topics();
    broker.start_groups();
  }
  ~KafkaHarness() {
    broker.groups.reset();
    broker.store.reset();  // LevelDB closes before the Env and the directory go
  }
  KafkaHarness(const KafkaHarness&) = delete;
  KafkaHarness& operator=(const KafkaHarness&) = delete;

  const std::string& dir() const { return dir_.path(); }

  // The frame (without its size prefix) of `req` at `version`, with a request header.
  template <class Req>
  static std::vector<uint8_t> frame(const Req& req, int16_t version, int32_t correlation_id,
                                    const std::string& client_id = "harness") {
    const message::ApiInfo* api = message::find_api(Req::kApiKey);
    wire::Writer w;
    protocol::RequestHeader h;
    h.api_key = Req::kApiKey;
    h.api_version = version;
    h.correlation_id = correlation_id;
    h.client_id = client_id;
    protocol::encode_request_header(w, h, api->request_header_version(version));
    req.encode(w, version);
    return std::move(w).take_bytes();
  }

  // Runs one frame through dispatch, as the network layer does (a buffer of its own).
  Outcome run(std::vector<uint8_t> bytes) {
    RequestContext ctx;
    ctx.peer = "127.0.0.1:1";
    ctx.connection_id = 1;
    return process_request(broker, ctx, wire::SharedBytes::adopt(std::move(bytes)));
  }

  // The response frame (without its size prefix) an outcome sends: a waiting request is
  // answered as at its deadline. REQUIRES: the outcome is a response or a wait.
  // (The one place that knows how dispatch hands over a waiting request.)
  static std::vector<uint8_t> response_frame(Outcome& out) {
    if (out.kind == Outcome::Kind::kWait) {
      REQUIRE(out.pending);
      out.frame = out.pending->retry({}, true);
      out.kind = Outcome::Kind::kRespond;
    }
    INFO("outcome " << static_cast<int>(out.kind) << ": " << out.reason);
    REQUIRE(out.kind == Outcome::Kind::kRespond);
    REQUIRE(out.frame);
    auto bytes = std::move(*out.frame).take_bytes();
    REQUIRE(bytes.size() >= 4);
    wire::Reader size(bytes.data(), 4);
    REQUIRE(static_cast<size_t>(size.read_int32()) == bytes.size() - 4);
    return {bytes.begin() + 4, bytes.end()};
  }

  // The response in `frame` at `version`: its header carries `correlation_id`, and the body
  // decodes to its last byte.
  template <class Resp>
  static Resp decode(const std::vector<uint8_t>& frame, int16_t version, int32_t correlation_id,
                     int16_t header_version) {
    wire::Reader r(frame.data(), frame.size());
    auto h = protocol::decode_response_header(r, header_version);
    REQUIRE(h.correlation_id == correlation_id);
    Resp resp;
    resp.decode(r, version);
    REQUIRE(r.at_end());
    return resp;
  }

  // `req` at `version` through dispatch; its response decoded.
  template <class Resp, class Req>
  Resp call(const Req& req, int16_t version) {
    static_assert(Resp::kApiKey == Req::kApiKey);
    const int32_t correlation_id = ++correlation_;
    Outcome out = run(frame(req, version, correlation_id));
    const auto bytes = response_frame(out);
    return decode<Resp>(bytes, version, correlation_id,
                        message::find_api(Resp::kApiKey)->response_header_version(version));
  }

  std::shared_ptr<FailingEnv> env;  // before the broker: LevelDB uses it until it closes
  Broker broker;

 private:
  int32_t correlation_ = 0;
};

}  // namespace chronik::broker::testing
