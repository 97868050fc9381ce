// The broker's start-up settings, read from Kafka's own key names.
//
// Thin layer until broker/config/ (the Kafka-style config table) lands: it knows the keys
// the network layer and the handlers need, keeps every given key in `all`, and rejects
// invalid values with a message naming the key.
#pragma once

#include <cstdint>
#include <map>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace chronik::broker {

struct Endpoint {
  std::string host = "127.0.0.1";
  uint16_t port = 9092;
};

struct Settings {
  int32_t node_id = 1;
  Endpoint listener;            // listeners (the first PLAINTEXT one)
  Endpoint advertised;          // advertised.listeners, else listener
  std::string log_dir = "./chronik-data";
  std::string admin_listeners = "http://127.0.0.1:9644";
  int32_t num_partitions = 1;
  int16_t default_replication_factor = 1;
  bool auto_create_topics_enable = true;
  int32_t message_max_bytes = 1048588;
  int32_t socket_request_max_bytes = 104857600;
  int64_t connections_max_idle_ms = 600000;
  int64_t log_flush_interval_messages = INT64_MAX;
  int64_t log_flush_interval_ms = 1000;
  int64_t log_retention_ms = 604800000;
  int64_t log_retention_bytes = -1;
  int64_t log_retention_check_interval_ms = 300000;
  int32_t num_io_threads = 2;
  int32_t num_worker_threads = 4;
  std::string config_source = "defaults";
  // Every key given (file, then overrides), as written.
  std::map<std::string, std::string> all;
};

// Thrown with a message naming the key and the value.
struct SettingsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Parses Java-properties text (key=value or key: value, # and ! comments).
std::map<std::string, std::string> parse_properties(const std::string& text);

// Builds settings from `file_values` then `overrides` (which win). Unknown keys are
// returned in `unknown` (to be warned about). Throws SettingsError on invalid values.
Settings make_settings(const std::map<std::string, std::string>& file_values,
                       const std::map<std::string, std::string>& overrides,
                       std::vector<std::string>* unknown);

// "PLAINTEXT://host:port" (or "host:port") -> endpoint. Throws SettingsError.
Endpoint parse_listener(const std::string& key, const std::string& value);

}  // namespace chronik::broker
