#include "tests/integration/hardening/target_broker.h"

#include <chrono>
#include <cstdlib>
#include <fstream>

namespace chronik::testing {

bool against_kafka() {
  const char* b = std::getenv("CHRONIK_REFERENCE_BOOTSTRAP");
  return b != nullptr && *b != '\0';
}

const std::map<std::string, std::string>& shared_overrides() {
  static const std::map<std::string, std::string> overrides = [] {
    std::map<std::string, std::string> out;
    std::ifstream in(CHRONIK_SOURCE_DIR "/tests/integration/hardening/broker.properties");
    REQUIRE(in);
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line[0] == '#') continue;
      const auto eq = line.find('=');
      if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return out;
  }();
  return overrides;
}

namespace {

uint16_t port_of(const char* bootstrap) {
  std::string b = bootstrap;
  return static_cast<uint16_t>(std::stoi(b.substr(b.rfind(':') + 1)));
}

BrokerProcess& shared_chronik() {
  // A SASL_PLAINTEXT listener beside PLAINTEXT, configured by broker.properties.
  static std::unique_ptr<BrokerProcess> broker = [] {
    auto p = std::make_unique<BrokerProcess>(shared_overrides(), std::vector<std::string>{"SASL_PLAINTEXT"});
    p->start();
    return p;
  }();
  return *broker;
}

}  // namespace

uint16_t target_port() {
  if (against_kafka()) return port_of(std::getenv("CHRONIK_REFERENCE_BOOTSTRAP"));
  return shared_chronik().port();
}

uint16_t sasl_target_port() {
  if (against_kafka()) {
    const char* b = std::getenv("CHRONIK_REFERENCE_SASL_BOOTSTRAP");
    REQUIRE(b != nullptr);
    return port_of(b);
  }
  return shared_chronik().listener_port("SASL_PLAINTEXT");
}

std::string target_bootstrap() { return "127.0.0.1:" + std::to_string(target_port()); }

std::string unique_name(const std::string& base) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  static int counter = 0;
  return base + "-" + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count() % 100000000) +
         "-" + std::to_string(++counter);
}

}  // namespace chronik::testing
