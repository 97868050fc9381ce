#include "tests/integration/hardening/target_broker.h"

#include <chrono>
#include <cstdlib>

namespace chronik::testing {

bool against_kafka() {
  const char* b = std::getenv("CHRONIK_REFERENCE_BOOTSTRAP");
  return b != nullptr && *b != '\0';
}

const std::map<std::string, std::string>& shared_overrides() {
  static const std::map<std::string, std::string> overrides = {
      {"num.partitions", "1"},
      // 1 MiB instead of 55: fetch_limits_test.cc fills partitions past it quickly.
      {"fetch.max.bytes", "1048576"},
  };
  return overrides;
}

uint16_t target_port() {
  if (against_kafka()) {
    std::string b = std::getenv("CHRONIK_REFERENCE_BOOTSTRAP");
    return static_cast<uint16_t>(std::stoi(b.substr(b.rfind(':') + 1)));
  }
  static std::unique_ptr<BrokerProcess> broker = [] {
    auto p = std::make_unique<BrokerProcess>(shared_overrides());
    p->start();
    return p;
  }();
  return broker->port();
}

std::string target_bootstrap() { return "127.0.0.1:" + std::to_string(target_port()); }

std::string unique_name(const std::string& base) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  static int counter = 0;
  return base + "-" + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count() % 100000000) +
         "-" + std::to_string(++counter);
}

}  // namespace chronik::testing
