// The group APIs as Kafka 4.x serves them (issue 21): ConsumerGroupHeartbeat v1's
// regular-expression subscriptions and member ids made up by the consumer,
// ConsumerGroupDescribe v1's MemberType, OffsetCommit/OffsetFetch v10 by topic id,
// DescribeGroups v6 and DeleteGroups v3 with error messages. Tagged [kafka4]: against a Kafka that does not serve
// v1 (3.9.1) the checks pass with a note, so that the 3.9.1 reference run stays meaningful.
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "generated/kafka/api_versions_request.h"
#include "generated/kafka/api_versions_response.h"
#include "generated/kafka/consumer_group_describe_request.h"
#include "generated/kafka/consumer_group_describe_response.h"
#include "generated/kafka/consumer_group_heartbeat_request.h"
#include "generated/kafka/consumer_group_heartbeat_response.h"
#include "generated/kafka/delete_groups_request.h"
#include "generated/kafka/delete_groups_response.h"
#include "generated/kafka/describe_groups_request.h"
#include "generated/kafka/describe_groups_response.h"
#include "generated/kafka/find_coordinator_request.h"
#include "generated/kafka/find_coordinator_response.h"
#include "generated/kafka/metadata_request.h"
#include "generated/kafka/metadata_response.h"
#include "generated/kafka/offset_commit_request.h"
#include "generated/kafka/offset_commit_response.h"
#include "generated/kafka/offset_fetch_request.h"
#include "generated/kafka/offset_fetch_response.h"
#include "runtime/wire/uuid.h"
#include "tests/integration/hardening/requests.h"

using namespace chronik::testing;
namespace m = chronik::message;
using chronik::wire::Uuid;

namespace {

constexpr int16_t kConsumerGroupHeartbeat = 68;
constexpr int16_t kInvalidRequest = 42;
constexpr int16_t kInvalidRegularExpression = 128;

// Whether the target serves ConsumerGroupHeartbeat v1 (Kafka 4.x, Chronik).
bool serves_heartbeat_v1() {
  m::ApiVersionsRequest req;
  req.client_software_name = "hardening";
  req.client_software_version = "1";
  for (const auto& k : call<m::ApiVersionsResponse>(target_port(), req, 3).api_keys)
    if (k.api_key == kConsumerGroupHeartbeat) return k.max_version >= 1;
  return false;
}

Uuid topic_id(const std::string& name) {
  m::MetadataRequest md;
  m::MetadataRequest::MetadataRequestTopic t;
  t.name = name;
  md.topics = std::vector{t};
  md.allow_auto_topic_creation = false;
  auto resp = call<m::MetadataResponse>(target_port(), md, 12);
  REQUIRE(resp.topics.size() == 1);
  return resp.topics[0].topic_id;
}

// One heartbeat, retried as clients do while the coordinator loads (14-16).
m::ConsumerGroupHeartbeatResponse heartbeat(const m::ConsumerGroupHeartbeatRequest& req) {
  m::FindCoordinatorRequest find;
  find.key_type = 0;
  find.coordinator_keys = {req.group_id};
  m::ConsumerGroupHeartbeatResponse resp;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  do {
    call<m::FindCoordinatorResponse>(target_port(), find, 4);
    resp = call<m::ConsumerGroupHeartbeatResponse>(target_port(), req, 1);
    if (resp.error_code < 14 || resp.error_code > 16) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  } while (std::chrono::steady_clock::now() < deadline);
  return resp;
}

m::ConsumerGroupHeartbeatRequest join(const std::string& group, const std::string& member,
                                       const std::string& regex) {
  m::ConsumerGroupHeartbeatRequest req;
  req.group_id = group;
  req.member_id = member;
  req.member_epoch = 0;
  req.rebalance_timeout_ms = 30000;
  req.subscribed_topic_regex = regex;
  req.topic_partitions = std::vector<m::ConsumerGroupHeartbeatRequest::TopicPartitions>{};
  return req;
}

std::set<Uuid> assigned_topics(const m::ConsumerGroupHeartbeatResponse& r) {
  std::set<Uuid> out;
  if (r.assignment)
    for (const auto& t : r.assignment->topic_partitions) out.insert(t.topic_id);
  return out;
}

}  // namespace

TEST_CASE("ConsumerGroupHeartbeat v1: a regex subscription gets the topics it matches, new ones too",
          "[kafka][kafka4][groups]") {
  if (!serves_heartbeat_v1()) {
    SUCCEED("the target does not serve ConsumerGroupHeartbeat v1 (Kafka before 4.0)");
    return;
  }
  const std::string prefix = unique_name("regex-sub");
  const std::string first = prefix + "-a";
  create_topic(first, 2);
  create_topic(unique_name("regex-other"), 1);  // matches nothing of the regex
  // Contains a match but is not one: Kafka matches whole names.
  create_topic("x" + prefix + "-a", 1);
  const std::string group = unique_name("regex-group");
  const std::string member = Uuid::random().to_base64();

  // Kafka resolves a regex in the background: the assignment comes with a later heartbeat.
  auto req = join(group, member, prefix + "-.*");
  auto resp = heartbeat(req);
  INFO(resp.error_message.value_or(""));
  REQUIRE(resp.error_code == 0);
  CHECK(resp.member_id == member);
  std::set<Uuid> owned = assigned_topics(resp);
  auto beat_until = [&](const std::set<Uuid>& want) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (owned != want && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      m::ConsumerGroupHeartbeatRequest beat;
      beat.group_id = group;
      beat.member_id = member;
      beat.member_epoch = resp.member_epoch;
      std::vector<m::ConsumerGroupHeartbeatRequest::TopicPartitions> tps;
      if (resp.assignment) {
        for (const auto& t : resp.assignment->topic_partitions) {
          m::ConsumerGroupHeartbeatRequest::TopicPartitions tp;
          tp.topic_id = t.topic_id;
          tp.partitions = t.partitions;
          tps.push_back(tp);
        }
      }
      if (resp.assignment) beat.topic_partitions = tps;
      auto next = heartbeat(beat);
      REQUIRE(next.error_code == 0);
      if (next.assignment) {
        owned = assigned_topics(next);
        resp = next;
      } else {
        resp.member_epoch = next.member_epoch;
      }
    }
    CHECK(owned == want);
  };
  beat_until({topic_id(first)});

  // A topic created later that matches is assigned too.
  const std::string second = prefix + "-b";
  create_topic(second, 1);
  beat_until({topic_id(first), topic_id(second)});

  // ConsumerGroupDescribe v1 shows the regex and that the member speaks KIP-848.
  m::ConsumerGroupDescribeRequest describe;
  describe.group_ids = {group};
  auto d = call<m::ConsumerGroupDescribeResponse>(target_port(), describe, 1);
  REQUIRE(d.groups.size() == 1);
  REQUIRE(d.groups[0].error_code == 0);
  REQUIRE(d.groups[0].members.size() == 1);
  CHECK(d.groups[0].members[0].member_id == member);
  CHECK(d.groups[0].members[0].subscribed_topic_regex == prefix + "-.*");
  CHECK(d.groups[0].members[0].member_type == 1);

  m::ConsumerGroupHeartbeatRequest leave;
  leave.group_id = group;
  leave.member_id = member;
  leave.member_epoch = -1;
  CHECK(heartbeat(leave).error_code == 0);
}

TEST_CASE("ConsumerGroupHeartbeat v1: an invalid regex is INVALID_REGULAR_EXPRESSION, an empty member id INVALID_REQUEST",
          "[kafka][kafka4][groups]") {
  if (!serves_heartbeat_v1()) {
    SUCCEED("the target does not serve ConsumerGroupHeartbeat v1 (Kafka before 4.0)");
    return;
  }
  const std::string group = unique_name("regex-bad");
  auto bad = heartbeat(join(group, Uuid::random().to_base64(), "(unclosed"));
  INFO(bad.error_message.value_or(""));
  CHECK(bad.error_code == kInvalidRegularExpression);

  auto anonymous = heartbeat(join(group, "", "x.*"));
  INFO(anonymous.error_message.value_or(""));
  CHECK(anonymous.error_code == kInvalidRequest);
}

namespace {

// The highest version of `api_key` the target serves (-1: none).
int16_t served_max(int16_t api_key) {
  m::ApiVersionsRequest req;
  req.client_software_name = "hardening";
  req.client_software_version = "1";
  for (const auto& k : call<m::ApiVersionsResponse>(target_port(), req, 3).api_keys)
    if (k.api_key == api_key) return k.max_version;
  return -1;
}

void find_coordinator(const std::string& group) {
  m::FindCoordinatorRequest find;
  find.key_type = 0;
  find.coordinator_keys = {group};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = call<m::FindCoordinatorResponse>(target_port(), find, 4);
    if (!r.coordinators.empty() && r.coordinators[0].error_code == 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace

TEST_CASE("OffsetCommit and OffsetFetch v10 name topics by id; an unknown id is UNKNOWN_TOPIC_ID",
          "[kafka][kafka4][groups]") {
  if (served_max(8) < 10 || served_max(9) < 10) {
    SUCCEED("the target does not serve OffsetCommit/OffsetFetch v10 (Kafka before 4.x)");
    return;
  }
  const std::string topic = unique_name("v10-offsets");
  create_topic(topic, 2);
  const Uuid id = topic_id(topic);
  const Uuid unknown = Uuid::random();
  const std::string group = unique_name("v10-group");
  find_coordinator(group);

  m::OffsetCommitRequest commit;
  commit.group_id = group;
  commit.generation_id_or_member_epoch = -1;
  for (const Uuid& t : {id, unknown}) {
    m::OffsetCommitRequest::OffsetCommitRequestTopic ct;
    ct.topic_id = t;
    m::OffsetCommitRequest::OffsetCommitRequestPartition cp;
    cp.partition_index = 1;
    cp.committed_offset = 7;
    ct.partitions.push_back(cp);
    commit.topics.push_back(ct);
  }
  m::OffsetCommitResponse committed;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  do {
    committed = call<m::OffsetCommitResponse>(target_port(), commit, 10);
    const int16_t e = committed.topics.at(0).partitions.at(0).error_code;
    if (e < 14 || e > 16) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  } while (std::chrono::steady_clock::now() < deadline);
  REQUIRE(committed.topics.size() == 2);
  std::map<Uuid, int16_t> commit_errors;
  for (const auto& t : committed.topics) commit_errors[t.topic_id] = t.partitions.at(0).error_code;
  CHECK(commit_errors[id] == 0);
  CHECK(commit_errors[unknown] == 100);  // UNKNOWN_TOPIC_ID

  m::OffsetFetchRequest fetch;
  m::OffsetFetchRequest::OffsetFetchRequestGroup g;
  g.group_id = group;
  std::vector<m::OffsetFetchRequest::OffsetFetchRequestTopics> topics;
  for (const Uuid& t : {id, unknown}) {
    m::OffsetFetchRequest::OffsetFetchRequestTopics ft;
    ft.topic_id = t;
    ft.partition_indexes = {1};
    topics.push_back(ft);
  }
  g.topics = topics;
  fetch.groups.push_back(g);
  auto fetched = call<m::OffsetFetchResponse>(target_port(), fetch, 10);
  REQUIRE(fetched.groups.size() == 1);
  CHECK(fetched.groups[0].error_code == 0);
  std::map<Uuid, std::pair<int16_t, int64_t>> got;
  for (const auto& t : fetched.groups[0].topics)
    got[t.topic_id] = {t.partitions.at(0).error_code, t.partitions.at(0).committed_offset};
  CHECK(got[id] == std::pair<int16_t, int64_t>{0, 7});
  CHECK(got[unknown].first == 100);
  CHECK(got[unknown].second == -1);

  // All of the group's offsets: answered by id too.
  fetch.groups[0].topics.reset();
  auto all = call<m::OffsetFetchResponse>(target_port(), fetch, 10);
  REQUIRE(all.groups.size() == 1);
  REQUIRE(all.groups[0].topics.size() == 1);
  CHECK(all.groups[0].topics[0].topic_id == id);
}

TEST_CASE("DescribeGroups v6 says GROUP_ID_NOT_FOUND with a message, DeleteGroups v3 without",
          "[kafka][kafka4][groups]") {
  if (served_max(15) < 6 || served_max(42) < 3) {
    SUCCEED("the target does not serve DescribeGroups v6 / DeleteGroups v3 (Kafka before 4.x)");
    return;
  }
  const std::string absent = unique_name("absent-group");
  find_coordinator(absent);
  m::DescribeGroupsRequest describe;
  describe.groups = {absent};
  auto d = call<m::DescribeGroupsResponse>(target_port(), describe, 6);
  REQUIRE(d.groups.size() == 1);
  CHECK(d.groups[0].error_code == 69);
  CHECK(d.groups[0].error_message == "Group " + absent + " not found.");
  CHECK(d.groups[0].group_state == "Dead");
  // Before v6: Dead without an error.
  auto d5 = call<m::DescribeGroupsResponse>(target_port(), describe, 5);
  CHECK(d5.groups.at(0).error_code == 0);
  CHECK(d5.groups.at(0).group_state == "Dead");

  // A KIP-848 group is not described as a classic one.
  const std::string topic = unique_name("describe-v6");
  create_topic(topic, 1);
  const std::string group = unique_name("describe-v6-group");
  m::ConsumerGroupHeartbeatRequest join_req;
  join_req.group_id = group;
  join_req.member_id = Uuid::random().to_base64();
  join_req.rebalance_timeout_ms = 30000;
  join_req.subscribed_topic_names = std::vector<std::string>{topic};
  join_req.topic_partitions = std::vector<m::ConsumerGroupHeartbeatRequest::TopicPartitions>{};
  REQUIRE(heartbeat(join_req).error_code == 0);
  describe.groups = {group};
  auto dc = call<m::DescribeGroupsResponse>(target_port(), describe, 6);
  CHECK(dc.groups.at(0).error_code == 69);
  CHECK(dc.groups.at(0).error_message == "Group " + group + " is not a classic group.");

  m::DeleteGroupsRequest del;
  del.groups_names = {absent};
  auto r = call<m::DeleteGroupsResponse>(target_port(), del, 3);
  REQUIRE(r.results.size() == 1);
  CHECK(r.results[0].error_code == 69);
  // Kafka 4.4 leaves the message null.
  CHECK_FALSE(r.results[0].error_message.has_value());
}
