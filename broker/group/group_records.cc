#include "broker/group/group_records.h"

#include <algorithm>

#include "generated/kafka/consumer_protocol_subscription.h"
#include "generated/state/group_metadata_value.h"
#include "runtime/wire/reader.h"
#include "runtime/wire/writer.h"

namespace chronik::broker::group {
namespace {

std::optional<state::GroupMetadataValue> decode_value(std::string_view key, std::string_view value) {
  if (key.substr(0, kGroupRecordPrefix.size()) != kGroupRecordPrefix) return std::nullopt;
  state::GroupMetadataValue v;
  try {
    wire::Reader r(reinterpret_cast<const uint8_t*>(value.data()), value.size());
    v.decode(r, 0);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return v;
}

std::string encode_value(const state::GroupMetadataValue& v) {
  wire::Writer w;
  v.encode(w, 0);
  auto bytes = std::move(w).take_bytes();
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace

std::string encode_group_record(const ClassicGroup& g) {
  state::GroupMetadataValue v;
  v.protocol_type = g.protocol_type;
  v.generation = g.generation;
  v.protocol_name = g.protocol_name;
  v.leader = g.leader;
  v.state_timestamp_ms = g.state_timestamp_ms;
  for (const auto& [id, m] : g.members) {
    state::GroupMetadataValue::MemberMetadata mm;
    mm.member_id = id;
    mm.group_instance_id = m.instance_id;
    mm.client_id = m.client_id;
    mm.client_host = m.client_host;
    mm.rebalance_timeout_ms = m.rebalance_timeout_ms;
    mm.session_timeout_ms = m.session_timeout_ms;
    const Bytes* metadata = g.protocol_name ? m.metadata_for(*g.protocol_name) : nullptr;
    if (metadata) mm.subscription = *metadata;
    mm.assignment = m.assignment;
    v.members.push_back(std::move(mm));
  }
  return encode_value(v);
}

std::optional<ClassicGroup> decode_group_record(std::string_view key, std::string_view value,
                                                int64_t now_ms) {
  auto decoded = decode_value(key, value);
  if (!decoded) return std::nullopt;
  state::GroupMetadataValue& v = *decoded;
  if (v.group_type != "classic") return std::nullopt;
  ClassicGroup g;
  g.id = std::string(key.substr(kGroupRecordPrefix.size()));
  g.protocol_type = v.protocol_type;
  g.generation = v.generation;
  g.protocol_name = v.protocol_name;
  g.leader = v.leader;
  g.state_timestamp_ms = v.state_timestamp_ms;
  for (auto& mm : v.members) {
    Member m;
    m.id = mm.member_id;
    m.instance_id = mm.group_instance_id;
    m.client_id = mm.client_id;
    m.client_host = mm.client_host;
    m.rebalance_timeout_ms = mm.rebalance_timeout_ms;
    m.session_timeout_ms = mm.session_timeout_ms;
    if (g.protocol_name) m.protocols.emplace_back(*g.protocol_name, std::move(mm.subscription));
    m.assignment = std::move(mm.assignment);
    m.heartbeat_deadline_ms = now_ms + m.session_timeout_ms;
    if (m.instance_id) g.static_members[*m.instance_id] = m.id;
    g.members.emplace(m.id, std::move(m));
  }
  g.state = g.members.empty() || !g.protocol_name ? GroupState::kEmpty : GroupState::kStable;
  if (g.state == GroupState::kEmpty) {
    g.members.clear();
    g.static_members.clear();
    g.leader.reset();
  }
  return g;
}

std::string encode_consumer_group_record(const ConsumerGroup& g) {
  state::GroupMetadataValue v;
  v.protocol_type = "consumer";
  v.group_type = "consumer";
  v.generation = g.epoch();
  v.protocol_name = g.assignor();
  return encode_value(v);
}

std::optional<ConsumerGroup> decode_consumer_group_record(std::string_view key, std::string_view value) {
  auto decoded = decode_value(key, value);
  if (!decoded) return std::nullopt;
  state::GroupMetadataValue& v = *decoded;
  if (v.group_type != "consumer") return std::nullopt;
  return ConsumerGroup(std::string(key.substr(kGroupRecordPrefix.size())), v.generation);
}

std::vector<std::string> subscribed_topics(const Bytes& metadata) {
  try {
    wire::Reader r(metadata.data(), metadata.size());
    // Newer versions only add fields: read them as the newest version we know.
    const int16_t version = std::min<int16_t>(
        r.read_int16(), message::ConsumerProtocolSubscription::kHighestVersion);
    if (version < 0) return {};
    message::ConsumerProtocolSubscription s;
    s.decode_from(r, version);
    return s.topics;
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace chronik::broker::group
