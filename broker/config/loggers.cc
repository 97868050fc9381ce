#include "broker/config/loggers.h"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>

namespace chronik::config {
namespace {

struct Named {
  std::shared_ptr<spdlog::logger> logger;
  bool own_level = false;  // false: follows root
};

std::mutex& mu() {
  static std::mutex m;
  return m;
}
std::map<std::string, Named, std::less<>>& loggers() {
  static std::map<std::string, Named, std::less<>> m;
  return m;
}

// The floors' loggers, listed from the start (as Kafka lists its loggers) whether or not
// they have logged yet.
constexpr std::string_view kFloors[] = {"chronik.admin", "chronik.core",  "chronik.group", "chronik.handlers",
                                        "chronik.kafka", "chronik.log",   "chronik.net",   "chronik.security",
                                        "chronik.txn"};

constexpr std::pair<std::string_view, spdlog::level::level_enum> kLevels[] = {
    {"TRACE", spdlog::level::trace}, {"DEBUG", spdlog::level::debug}, {"INFO", spdlog::level::info},
    {"WARN", spdlog::level::warn},   {"ERROR", spdlog::level::err},   {"FATAL", spdlog::level::critical},
};

std::string kafka_level(spdlog::level::level_enum l) {
  for (const auto& [name, level] : kLevels)
    if (level == l) return std::string(name);
  return "OFF";
}

spdlog::level::level_enum spdlog_level(std::string_view kafka) {
  for (const auto& [name, level] : kLevels)
    if (name == kafka) return level;
  return spdlog::level::off;
}

// REQUIRES: mu() held.
spdlog::logger& named_logger_locked(std::string_view name) {
  auto& all = loggers();
  if (auto it = all.find(name); it != all.end()) return *it->second.logger;
  auto root = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>(std::string(name), root->sinks().begin(), root->sinks().end());
  logger->set_level(root->level());
  logger->flush_on(root->flush_level());
  spdlog::register_logger(logger);
  Named& n = all[std::string(name)];
  n.logger = std::move(logger);
  return *n.logger;
}

// REQUIRES: mu() held.
void ensure_floors() {
  for (auto name : kFloors) named_logger_locked(name);
}

}  // namespace

spdlog::logger& named_logger(std::string_view name) {
  std::lock_guard lock(mu());
  return named_logger_locked(name);
}

std::vector<std::pair<std::string, std::string>> logger_levels() {
  std::lock_guard lock(mu());
  ensure_floors();
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back(std::string(kRootLogger), kafka_level(spdlog::default_logger()->level()));
  for (const auto& [name, n] : loggers()) out.emplace_back(name, kafka_level(n.logger->level()));
  return out;
}

bool logger_exists(std::string_view name) {
  if (name == kRootLogger) return true;
  std::lock_guard lock(mu());
  ensure_floors();
  return loggers().count(name) > 0;
}

std::optional<std::string> logger_level_refusal(std::string_view logger, std::string_view level) {
  for (const auto& [name, l] : kLevels)
    if (name == level) return std::nullopt;
  return "Cannot set the log level of " + std::string(logger) + " to " + std::string(level) +
         " as it is not a supported log level. Valid log levels are DEBUG, ERROR, FATAL, INFO, TRACE, WARN";
}

void set_logger_level(std::string_view name, std::string_view level) {
  const auto l = spdlog_level(level);
  std::lock_guard lock(mu());
  if (name == kRootLogger) {
    spdlog::default_logger()->set_level(l);
    for (auto& [_, n] : loggers())
      if (!n.own_level) n.logger->set_level(l);
    return;
  }
  if (auto it = loggers().find(name); it != loggers().end()) {
    it->second.own_level = true;
    it->second.logger->set_level(l);
  }
}

void unset_logger_level(std::string_view name) {
  std::lock_guard lock(mu());
  if (auto it = loggers().find(name); it != loggers().end()) {
    it->second.own_level = false;
    it->second.logger->set_level(spdlog::default_logger()->level());
  }
}

}  // namespace chronik::config
