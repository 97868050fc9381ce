// The group APIs at the frame level, at every version the broker advertises: a member's
// life (FindCoordinator, JoinGroup, SyncGroup, Heartbeat, OffsetCommit/Fetch,
// DescribeGroups, ListGroups, LeaveGroup, DeleteGroups, OffsetDelete) and a JoinGroup that
// waits for the rest of its group. Requests are built with the generated messages.
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "generated/kafka/api_table.h"
#include "generated/kafka/consumer_group_heartbeat_request.h"
#include "generated/kafka/consumer_group_heartbeat_response.h"
#include "generated/kafka/create_topics_request.h"
#include "generated/kafka/create_topics_response.h"
#include "generated/kafka/delete_groups_request.h"
#include "generated/kafka/delete_groups_response.h"
#include "generated/kafka/describe_groups_request.h"
#include "generated/kafka/describe_groups_response.h"
#include "generated/kafka/find_coordinator_request.h"
#include "generated/kafka/find_coordinator_response.h"
#include "generated/kafka/heartbeat_request.h"
#include "generated/kafka/heartbeat_response.h"
#include "generated/kafka/join_group_request.h"
#include "generated/kafka/join_group_response.h"
#include "generated/kafka/leave_group_request.h"
#include "generated/kafka/leave_group_response.h"
#include "generated/kafka/list_groups_request.h"
#include "generated/kafka/list_groups_response.h"
#include "generated/kafka/offset_commit_request.h"
#include "generated/kafka/offset_commit_response.h"
#include "generated/kafka/offset_delete_request.h"
#include "generated/kafka/offset_delete_response.h"
#include "generated/kafka/offset_fetch_request.h"
#include "generated/kafka/offset_fetch_response.h"
#include "generated/kafka/sync_group_request.h"
#include "generated/kafka/sync_group_response.h"
#include "runtime/protocol/header.h"
#include "tests/integration/broker_process.h"
#include "tests/integration/kafka_frames.h"

using chronik::testing::BrokerProcess;
using chronik::testing::RawConnection;
namespace m = chronik::message;
namespace wire = chronik::wire;
namespace protocol = chronik::protocol;

namespace {

constexpr int16_t kNone = 0;
constexpr int16_t kUnknownMemberId = 25;
constexpr int16_t kRebalanceInProgress = 27;
constexpr int16_t kMemberIdRequired = 79;
constexpr int16_t kInvalidRequest = 42;

BrokerProcess& shared_broker() {
  static std::unique_ptr<BrokerProcess> broker = [] {
    auto b = std::make_unique<BrokerProcess>(std::map<std::string, std::string>{
        {"group.initial.rebalance.delay.ms", "0"}, {"group.min.session.timeout.ms", "1000"}});
    b->start();
    return b;
  }();
  return *broker;
}

const m::ApiInfo& api(int16_t key) { return *m::find_api(key); }

template <class Req>
void send(RawConnection& c, const Req& req, int16_t version, int32_t correlation_id = 1) {
  c.send_frame(chronik::testing::request_bytes(req, version, correlation_id, "group-test"));
}

template <class Resp>
Resp receive(RawConnection& c, int16_t version, int timeout_ms = 10000) {
  const std::string frame = c.read_frame(timeout_ms);
  REQUIRE_FALSE(frame.empty());
  return chronik::testing::parse_response<Resp>(frame, version);
}

template <class Resp, class Req>
Resp call(RawConnection& c, const Req& req, int16_t version) {
  send(c, req, version);
  return receive<Resp>(c, version);
}

// The highest version of another API that a client of `version` would pair with it.
int16_t paired(int16_t api_key, int16_t version) {
  return std::min(version, api(api_key).highest_stable_version);
}

void create_topic(RawConnection& c, const std::string& name, int partitions) {
  m::CreateTopicsRequest req;
  m::CreateTopicsRequest::CreatableTopic t;
  t.name = name;
  t.num_partitions = partitions;
  t.replication_factor = 1;
  req.topics.push_back(t);
  auto resp = call<m::CreateTopicsResponse>(c, req, 7);
  // Catch runs a test case once per section: the topic may exist already.
  REQUIRE((resp.topics.at(0).error_code == kNone || resp.topics.at(0).error_code == 36));
}

m::JoinGroupRequest join_request(const std::string& group, const std::string& member_id) {
  m::JoinGroupRequest j;
  j.group_id = group;
  j.session_timeout_ms = 10'000;
  j.rebalance_timeout_ms = 10'000;
  j.member_id = member_id;
  j.protocol_type = "consumer";
  m::JoinGroupRequest::JoinGroupRequestProtocol p;
  p.name = "range";
  p.metadata = {0, 1, 2};
  j.protocols.push_back(p);
  return j;
}

// Joins `group` alone at JoinGroup `version` (with the member id round trip of v4+).
m::JoinGroupResponse join_alone(RawConnection& c, const std::string& group, int16_t version) {
  auto resp = call<m::JoinGroupResponse>(c, join_request(group, ""), version);
  if (version >= 4) {
    REQUIRE(resp.error_code == kMemberIdRequired);
    REQUIRE_FALSE(resp.member_id.empty());
    resp = call<m::JoinGroupResponse>(c, join_request(group, resp.member_id), version);
  }
  return resp;
}

}  // namespace

TEST_CASE("a member's whole life at every JoinGroup version", "[groups]") {
  auto& broker = shared_broker();
  RawConnection c(broker.port());
  create_topic(c, "group-life", 2);
  const auto& join_api = api(static_cast<int16_t>(m::ApiKey::kJoinGroup));
  for (int16_t v = join_api.lowest_version; v <= join_api.highest_stable_version; ++v) {
    DYNAMIC_SECTION("JoinGroup v" << v) {
      const std::string group = "life-v" + std::to_string(v);

      m::FindCoordinatorRequest fc;
      const int16_t fcv = paired(10, v);
      if (fcv >= 4) fc.coordinator_keys = {group};
      else fc.key = group;
      auto coordinator = call<m::FindCoordinatorResponse>(c, fc, fcv);
      if (fcv >= 4) {
        REQUIRE(coordinator.coordinators.size() == 1);
        CHECK(coordinator.coordinators[0].port == broker.port());
      } else {
        CHECK(coordinator.error_code == kNone);
        CHECK(coordinator.port == broker.port());
      }

      auto joined = join_alone(c, group, v);
      REQUIRE(joined.error_code == kNone);
      CHECK(joined.generation_id == 1);
      CHECK(joined.leader == joined.member_id);
      REQUIRE(joined.members.size() == 1);
      CHECK(joined.members[0].metadata == std::vector<uint8_t>{0, 1, 2});
      CHECK(joined.protocol_name == "range");

      const int16_t sv = paired(14, v);
      m::SyncGroupRequest sync;
      sync.group_id = group;
      sync.generation_id = 1;
      sync.member_id = joined.member_id;
      if (sv >= 5) {
        sync.protocol_type = "consumer";
        sync.protocol_name = "range";
      }
      m::SyncGroupRequest::SyncGroupRequestAssignment a;
      a.member_id = joined.member_id;
      a.assignment = {9, 8, 7};
      sync.assignments.push_back(a);
      auto synced = call<m::SyncGroupResponse>(c, sync, sv);
      REQUIRE(synced.error_code == kNone);
      CHECK(synced.assignment == std::vector<uint8_t>{9, 8, 7});

      m::HeartbeatRequest hb;
      hb.group_id = group;
      hb.generation_id = 1;
      hb.member_id = joined.member_id;
      CHECK(call<m::HeartbeatResponse>(c, hb, paired(12, v)).error_code == kNone);

      const int16_t cv = paired(8, v);
      m::OffsetCommitRequest commit;
      commit.group_id = group;
      commit.generation_id_or_member_epoch = 1;
      commit.member_id = joined.member_id;
      m::OffsetCommitRequest::OffsetCommitRequestTopic ct;
      ct.name = "group-life";
      m::OffsetCommitRequest::OffsetCommitRequestPartition cp;
      cp.partition_index = 1;
      cp.committed_offset = 100 + v;
      cp.committed_metadata = "meta-" + std::to_string(v);
      ct.partitions.push_back(cp);
      cp.partition_index = 5;  // no such partition
      ct.partitions.push_back(cp);
      commit.topics.push_back(ct);
      auto committed = call<m::OffsetCommitResponse>(c, commit, cv);
      REQUIRE(committed.topics.at(0).partitions.size() == 2);
      // v0 carries no generation or member id: a group with members refuses it, as Kafka's
      // coordinator does.
      const bool stored = cv > 0;
      CHECK(committed.topics[0].partitions[0].error_code == (stored ? kNone : kUnknownMemberId));
      CHECK(committed.topics[0].partitions[1].error_code == 3);  // UNKNOWN_TOPIC_OR_PARTITION

      const int16_t fv = paired(9, v);
      m::OffsetFetchRequest fetch;
      if (fv < 8) {
        fetch.group_id = group;
        m::OffsetFetchRequest::OffsetFetchRequestTopic ft;
        ft.name = "group-life";
        ft.partition_indexes = {0, 1};
        fetch.topics = std::vector<m::OffsetFetchRequest::OffsetFetchRequestTopic>{ft};
      } else {
        m::OffsetFetchRequest::OffsetFetchRequestGroup g;
        g.group_id = group;
        g.topics = std::nullopt;  // all
        fetch.groups.push_back(g);
      }
      auto fetched = call<m::OffsetFetchResponse>(c, fetch, fv);
      if (fv < 8) {
        REQUIRE(fetched.topics.at(0).partitions.size() == 2);
        CHECK(fetched.topics[0].partitions[0].committed_offset == -1);
        CHECK(fetched.topics[0].partitions[1].committed_offset == (stored ? 100 + v : -1));
        CHECK(fetched.topics[0].partitions[1].metadata == (stored ? "meta-" + std::to_string(v) : ""));
      } else {
        REQUIRE(fetched.groups.at(0).topics.at(0).partitions.size() == 1);
        CHECK(fetched.groups[0].topics[0].partitions[0].committed_offset == 100 + v);
      }

      const int16_t dv = paired(15, v);
      m::DescribeGroupsRequest describe;
      describe.groups = {group};
      auto described = call<m::DescribeGroupsResponse>(c, describe, dv);
      REQUIRE(described.groups.size() == 1);
      CHECK(described.groups[0].group_state == "Stable");
      CHECK(described.groups[0].protocol_data == "range");
      REQUIRE(described.groups[0].members.size() == 1);
      CHECK(described.groups[0].members[0].client_id == "group-test");
      CHECK(described.groups[0].members[0].member_assignment == std::vector<uint8_t>{9, 8, 7});

      const int16_t lv = paired(16, v);
      m::ListGroupsRequest list;
      if (lv >= 4) list.states_filter = {"stable"};
      auto listed = call<m::ListGroupsResponse>(c, list, lv);
      bool found = false;
      for (const auto& g : listed.groups) found = found || g.group_id == group;
      CHECK(found);

      const int16_t leave_v = paired(13, v);
      m::LeaveGroupRequest leave;
      leave.group_id = group;
      if (leave_v < 3) {
        leave.member_id = joined.member_id;
      } else {
        m::LeaveGroupRequest::MemberIdentity mi;
        mi.member_id = joined.member_id;
        leave.members.push_back(mi);
      }
      auto left = call<m::LeaveGroupResponse>(c, leave, leave_v);
      CHECK(left.error_code == kNone);
      if (leave_v >= 3) CHECK(left.members.at(0).error_code == kNone);
      CHECK(call<m::HeartbeatResponse>(c, hb, paired(12, v)).error_code == kUnknownMemberId);

      m::OffsetDeleteRequest od;
      od.group_id = group;
      m::OffsetDeleteRequest::OffsetDeleteRequestTopic odt;
      odt.name = "group-life";
      odt.partitions.push_back({1});
      od.topics.push_back(odt);
      auto deleted_offsets = call<m::OffsetDeleteResponse>(c, od, 0);
      CHECK(deleted_offsets.error_code == kNone);
      CHECK(deleted_offsets.topics.at(0).partitions.at(0).error_code == kNone);

      m::DeleteGroupsRequest del;
      del.groups_names = {group, "never-existed"};
      auto deleted = call<m::DeleteGroupsResponse>(c, del, paired(42, v));
      REQUIRE(deleted.results.size() == 2);
      // As on Kafka, an empty group is gone once OffsetDelete removed its last offsets.
      CHECK(deleted.results[0].error_code == (stored ? 69 : kNone));
      CHECK(deleted.results[1].error_code == 69);  // GROUP_ID_NOT_FOUND
    }
  }
}

TEST_CASE("a JoinGroup waits until every member has rejoined", "[groups]") {
  auto& broker = shared_broker();
  RawConnection a(broker.port()), b(broker.port());
  const int16_t v = 9;
  auto first = join_alone(a, "waiting", v);
  REQUIRE(first.error_code == kNone);
  m::SyncGroupRequest sync;
  sync.group_id = "waiting";
  sync.generation_id = 1;
  sync.member_id = first.member_id;
  sync.protocol_type = "consumer";
  sync.protocol_name = "range";
  REQUIRE(call<m::SyncGroupResponse>(a, sync, 5).error_code == kNone);

  // b joins: its answer only comes once a has rejoined.
  auto pending = call<m::JoinGroupResponse>(b, join_request("waiting", ""), v);
  REQUIRE(pending.error_code == kMemberIdRequired);
  send(b, join_request("waiting", pending.member_id), v);
  CHECK(b.read_frame(500).empty());

  m::HeartbeatRequest hb;
  hb.group_id = "waiting";
  hb.generation_id = 1;
  hb.member_id = first.member_id;
  CHECK(call<m::HeartbeatResponse>(a, hb, 4).error_code == kRebalanceInProgress);
  auto a2 = call<m::JoinGroupResponse>(a, join_request("waiting", first.member_id), v);
  CHECK(a2.error_code == kNone);
  CHECK(a2.generation_id == 2);
  CHECK(a2.members.size() == 2);
  auto b2 = receive<m::JoinGroupResponse>(b, v);
  CHECK(b2.error_code == kNone);
  CHECK(b2.generation_id == 2);
  CHECK(b2.leader == first.member_id);
  CHECK(b2.members.empty());

  // b's SyncGroup waits for the leader's assignment.
  m::SyncGroupRequest sync_b = sync;
  sync_b.generation_id = 2;
  sync_b.member_id = b2.member_id;
  send(b, sync_b, 5);
  CHECK(b.read_frame(500).empty());
  m::SyncGroupRequest sync_a = sync;
  sync_a.generation_id = 2;
  m::SyncGroupRequest::SyncGroupRequestAssignment for_b;
  for_b.member_id = b2.member_id;
  for_b.assignment = {42};
  sync_a.assignments.push_back(for_b);
  CHECK(call<m::SyncGroupResponse>(a, sync_a, 5).error_code == kNone);
  auto synced_b = receive<m::SyncGroupResponse>(b, 5);
  CHECK(synced_b.error_code == kNone);
  CHECK(synced_b.assignment == std::vector<uint8_t>{42});
}

TEST_CASE("ConsumerGroupHeartbeat assigns partitions at the wire level", "[groups]") {
  auto& broker = shared_broker();
  RawConnection c(broker.port());
  create_topic(c, "kip848", 3);
  m::ConsumerGroupHeartbeatRequest h;
  h.group_id = "kip848-group";
  h.member_epoch = 0;
  h.rebalance_timeout_ms = 5000;
  h.subscribed_topic_names = std::vector<std::string>{"kip848"};
  h.topic_partitions = std::vector<m::ConsumerGroupHeartbeatRequest::TopicPartitions>{};
  auto r = call<m::ConsumerGroupHeartbeatResponse>(c, h, 0);
  REQUIRE(r.error_code == kNone);
  REQUIRE(r.member_id);
  CHECK(r.member_epoch == 1);
  REQUIRE(r.assignment);
  REQUIRE(r.assignment->topic_partitions.size() == 1);
  CHECK(r.assignment->topic_partitions[0].partitions.size() == 3);

  m::ConsumerGroupHeartbeatRequest bad;
  bad.group_id = "kip848-other";
  bad.member_epoch = 0;  // joining without a subscription
  bad.rebalance_timeout_ms = 5000;
  auto e = call<m::ConsumerGroupHeartbeatResponse>(c, bad, 0);
  CHECK(e.error_code == kInvalidRequest);
  CHECK(e.error_message);
}
