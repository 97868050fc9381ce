#include "broker/config/topic_validators.h"

#include <algorithm>
#include <iterator>
#include <cctype>
#include <string_view>
#include <vector>

namespace chronik::config {
namespace {

// Kafka 3.9's MetadataVersion names: each release, and each of its internal versions.
// "3.0" alone means the latest internal version of 3.0; "3.0.5" is read as "3.0".
constexpr std::string_view kVersions[] = {
    "0.8.0", "0.8.1", "0.8.2", "0.9.0", "0.10.0", "0.10.0-IV0", "0.10.0-IV1", "0.10.1", "0.10.1-IV0",
    "0.10.1-IV1", "0.10.1-IV2", "0.10.2", "0.10.2-IV0", "0.11.0", "0.11.0-IV0", "0.11.0-IV1",
    "0.11.0-IV2", "1.0", "1.0-IV0", "1.1", "1.1-IV0", "2.0", "2.0-IV0", "2.0-IV1", "2.1", "2.1-IV0",
    "2.1-IV1", "2.1-IV2", "2.2", "2.2-IV0", "2.2-IV1", "2.3", "2.3-IV0", "2.3-IV1", "2.4", "2.4-IV0",
    "2.4-IV1", "2.5", "2.5-IV0", "2.6", "2.6-IV0", "2.7", "2.7-IV0", "2.7-IV1", "2.7-IV2", "2.8",
    "2.8-IV0", "2.8-IV1", "3.0", "3.0-IV0", "3.0-IV1", "3.1", "3.1-IV0", "3.2", "3.2-IV0", "3.3",
    "3.3-IV0", "3.3-IV1", "3.3-IV2", "3.3-IV3", "3.4",
    "3.4-IV0", "3.5", "3.5-IV0", "3.5-IV1", "3.5-IV2", "3.6", "3.6-IV0", "3.6-IV1", "3.6-IV2", "3.7",
    "3.7-IV0", "3.7-IV1", "3.7-IV2", "3.7-IV3", "3.7-IV4", "3.8", "3.8-IV0", "3.9", "3.9-IV0"};

bool known_version(std::string_view text) {
  // Releases before 1.0 have three numbers ("0.10.2"), later ones two ("2.8"); more are ignored.
  const size_t wanted = text.starts_with("0.") ? 3 : 2;
  size_t end = 0, segments = 0;
  while (end <= text.size() && segments < wanted) {
    size_t dot = text.find('.', end);
    ++segments;
    if (dot == std::string_view::npos) {
      end = text.size();
      break;
    }
    end = segments < wanted ? dot + 1 : dot;
  }
  std::string_view key = text.substr(0, end);
  return std::find(std::begin(kVersions), std::end(kVersions), key) != std::end(kVersions);
}

bool replica_pair(std::string_view s) {
  size_t colon = s.find(':');
  if (colon == std::string_view::npos) return s.empty();  // an empty entry is accepted, as Kafka does
  auto digits = [](std::string_view d) {
    return !d.empty() && std::all_of(d.begin(), d.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  };
  return digits(s.substr(0, colon)) && digits(s.substr(colon + 1));
}

std::optional<std::string> throttled(const ConfigValue& value, const char* name) {
  const auto* l = std::get_if<std::vector<std::string>>(&value);
  if (l == nullptr) return std::nullopt;
  const bool wildcard = l->size() == 1 && (*l)[0] == "*";
  if (wildcard || std::all_of(l->begin(), l->end(), [](const std::string& e) { return replica_pair(e); }))
    return std::nullopt;
  return std::string(name) +
         " must be the literal '*' or a list of replicas in the following format: "
         "[partitionId]:[brokerId],[partitionId]:[brokerId],...";
}

}  // namespace

std::optional<std::string> valid_gzip_level(const ConfigValue& value) {
  const auto* i = std::get_if<int64_t>(&value);
  if (i == nullptr || *i == -1 || (*i >= 1 && *i <= 9)) return std::nullopt;
  return "Value must be between 1 and 9 or equal to -1";
}

std::optional<std::string> valid_message_format_version(const ConfigValue& value) {
  const auto* s = std::get_if<std::string>(&value);
  if (s == nullptr || known_version(*s)) return std::nullopt;
  return "Version " + *s + " is not a valid version";
}

std::optional<std::string> valid_throttled_replicas_leader(const ConfigValue& value) {
  return throttled(value, "leader.replication.throttled.replicas");
}

std::optional<std::string> valid_throttled_replicas_follower(const ConfigValue& value) {
  return throttled(value, "follower.replication.throttled.replicas");
}

}  // namespace chronik::config
