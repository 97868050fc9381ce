// GroupView over broker/group/'s GroupCoordinator.
#include <algorithm>

#include "broker/admin/group_view.h"
#include "broker/core/broker.h"
#include "generated/kafka/consumer_protocol_assignment.h"
#include "runtime/protocol/error_codes.h"

namespace chronik::broker::admin {
namespace {

using protocol::ErrorCode;

// Kafka's consumer protocol: an int16 version, then the assignment at that version.
std::vector<std::pair<std::string, int32_t>> decode_assignment(const group::Bytes& bytes) {
  std::vector<std::pair<std::string, int32_t>> out;
  if (bytes.size() < 2) return out;
  try {
    wire::Reader r(bytes.data(), bytes.size());
    const int16_t version = std::min<int16_t>(r.read_int16(), message::ConsumerProtocolAssignment::kHighestVersion);
    message::ConsumerProtocolAssignment a;
    a.decode(r, version);
    for (const auto& tp : a.assigned_partitions)
      for (int32_t p : tp.partitions) out.emplace_back(tp.topic, p);
  } catch (const std::exception&) {
    // Not the consumer protocol (or a newer one): shown without an assignment.
  }
  return out;
}

class CoordinatorGroupView final : public GroupView {
 public:
  explicit CoordinatorGroupView(Broker& broker) : broker_(broker) {}

  std::vector<GroupListing> list() override {
    std::vector<GroupListing> out;
    for (const auto& g : broker_.groups->list())
      out.push_back({g.group_id, g.state, g.protocol_type, g.type});
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.group_id < b.group_id; });
    return out;
  }

  std::optional<GroupDescription> describe(const std::string& group_id) override {
    auto committed = broker_.groups->fetch(group_id, std::nullopt);
    GroupDescription d;
    if (auto cg = broker_.groups->describe_consumer_group(group_id)) {
      d.listing = {group_id, cg->state(), "consumer", "consumer"};
      d.protocol = cg->assignor();
      d.generation = cg->epoch();
      for (const auto& [id, m] : cg->members()) {
        GroupMember gm{id, m.instance_id, m.client_id, m.client_host, {}};
        for (const auto& [topic_id, partitions] : m.assigned) {
          auto topic = broker_.store->find_topic(topic_id);
          for (int32_t p : partitions) gm.assignment.emplace_back(topic ? topic->name : topic_id.to_base64(), p);
        }
        d.members.push_back(std::move(gm));
      }
    } else {
      auto s = broker_.groups->describe(group_id);
      if (!s.exists && committed.empty()) return std::nullopt;
      d.listing = {group_id, s.exists ? s.state : "Empty", s.protocol_type, "classic"};
      d.protocol = s.protocol_name;
      d.generation = s.generation;
      for (const auto& m : s.members) {
        GroupMember gm{m.member_id, m.instance_id, m.client_id, m.client_host, {}};
        if (s.protocol_type == "consumer") gm.assignment = decode_assignment(m.assignment);
        d.members.push_back(std::move(gm));
      }
    }
    for (const auto& [tp, c] : committed) {
      GroupPartition p{tp.topic, tp.partition, c.offset, -1, -1, c.metadata};
      if (auto o = broker_.store->offsets(tp.topic, tp.partition)) {
        p.log_end_offset = o->high_watermark;
        if (c.offset >= 0) p.lag = std::max<int64_t>(0, o->high_watermark - c.offset);
      }
      if (p.lag > 0) d.total_lag += p.lag;
      d.offsets.push_back(std::move(p));
    }
    return d;
  }

  Result delete_group(const std::string& group_id) override {
    const int16_t e = broker_.groups->delete_group(group_id);
    if (e == 0) return Result::kOk;
    if (e == protocol::to_int16(ErrorCode::NON_EMPTY_GROUP)) return Result::kNotEmpty;
    return Result::kNotFound;
  }

  Result reset_offsets(const std::string& group_id,
                       const std::vector<GroupPartition>& offsets) override {
    auto d = describe(group_id);
    if (!d) return Result::kNotFound;
    if (!d->members.empty()) return Result::kNotEmpty;
    group::GroupCoordinator::CommitRequest req;
    req.group_id = group_id;
    const int64_t now = now_ms();
    for (const auto& o : offsets) {
      group::CommittedOffset c;
      c.offset = o.committed_offset;
      c.commit_timestamp_ms = now;
      req.offsets.emplace_back(group::TopicPartition{o.topic, o.partition}, c);
    }
    const int16_t e = broker_.groups->commit(req, now);
    if (e == 0) return Result::kOk;
    if (e == protocol::to_int16(ErrorCode::UNKNOWN_MEMBER_ID) ||
        e == protocol::to_int16(ErrorCode::ILLEGAL_GENERATION) ||
        e == protocol::to_int16(ErrorCode::REBALANCE_IN_PROGRESS))
      return Result::kNotEmpty;
    return Result::kInvalid;
  }

 private:
  Broker& broker_;
};

}  // namespace

std::unique_ptr<GroupView> make_coordinator_group_view(Broker& broker) {
  if (!broker.groups) return nullptr;
  return std::make_unique<CoordinatorGroupView>(broker);
}

}  // namespace chronik::broker::admin
