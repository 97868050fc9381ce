// The broker a hardening check talks to, so that every check can read Kafka's answer too.
//
// By default: the real chronik binary, started on a free loopback port with a temporary data
// dir (one per test binary, shared by its checks). With CHRONIK_REFERENCE_BOOTSTRAP=host:port
// set: an Apache Kafka broker already running there. Checks tagged [kafka] run against both;
// `against-kafka` beside this file starts Kafka from Maven and runs them, so that each
// expected value in a check is what Kafka answers, not our reading of it. Checks that need
// to restart, kill or reconfigure the broker run on chronik only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "tests/integration/broker_process.h"
#include "tests/integration/kafka_frames.h"

namespace chronik::testing {

// True when the checks run against Apache Kafka (CHRONIK_REFERENCE_BOOTSTRAP is set).
bool against_kafka();

// The port of the broker under test: Kafka's when against_kafka(), else that of a chronik
// started once for the whole binary with `shared_overrides()`.
uint16_t target_port();
std::string target_bootstrap();
// The SASL_PLAINTEXT listener of the broker under test (Kafka's:
// CHRONIK_REFERENCE_SASL_BOOTSTRAP), configured by broker.properties: PLAIN with the user
// "hardening" (password "hardening-secret") and SCRAM-SHA-256.
uint16_t sasl_target_port();

// The configuration of the shared chronik, from broker.properties beside this file (which
// against-kafka gives Kafka too).
const std::map<std::string, std::string>& shared_overrides();

// A name no earlier run used, so that checks can run again against a long-lived Kafka.
std::string unique_name(const std::string& base);

// One request, one response, on a fresh connection. Fails the check when the broker closes
// the connection or answers nothing within `timeout_ms`.
template <class Resp, class Req>
Resp call(uint16_t port, const Req& req, int16_t version, int timeout_ms = 30000) {
  RawConnection c(port);
  c.send_frame(request_bytes(req, version, 1, "hardening"));
  const std::string frame = c.read_frame(timeout_ms);
  REQUIRE(!frame.empty());
  return parse_response<Resp>(frame, version);
}

}  // namespace chronik::testing
