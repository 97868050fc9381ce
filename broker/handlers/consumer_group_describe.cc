// ConsumerGroupDescribe (KIP-848): epochs, assignor, members with their current and
// target assignments.
#include "broker/handlers/handlers.h"

namespace chronik::broker::handlers {
namespace {

// READ, DELETE and DESCRIBE (Kafka's AclOperation bit numbers): what Kafka 3.9 answers
// without an authorizer.
constexpr int32_t kGroupOperations = (1 << 3) | (1 << 6) | (1 << 8);
// MemberType (v1): 0 classic, 1 consumer. Chronik has no classic members in consumer groups.
constexpr int8_t kConsumerMember = 1;

m::ConsumerGroupDescribeResponse::Assignment to_assignment(Broker& broker, const group::Assignment& a) {
  m::ConsumerGroupDescribeResponse::Assignment out;
  for (const auto& [id, parts] : a) {
    m::ConsumerGroupDescribeResponse::TopicPartitions tp;
    tp.topic_id = id;
    if (auto t = broker.store->find_topic(id)) tp.topic_name = t->name;
    tp.partitions.assign(parts.begin(), parts.end());
    out.topic_partitions.push_back(std::move(tp));
  }
  return out;
}

}  // namespace

m::ConsumerGroupDescribeResponse handle(Broker& broker, const Ctx& ctx, m::ConsumerGroupDescribeRequest& req) {
  m::ConsumerGroupDescribeResponse resp;
  for (const auto& id : req.group_ids) {
    m::ConsumerGroupDescribeResponse::DescribedGroup g;
    g.group_id = id;
    if (!authorized_group(broker, ctx, AclOperation::kDescribe, id)) {  // DESCRIBE on the group
      g.error_code = err(ErrorCode::GROUP_AUTHORIZATION_FAILED);
      g.error_message = std::nullopt;
      resp.groups.push_back(std::move(g));
      continue;
    }
    const auto cg = broker.groups->describe_consumer_group(id);
    if (!cg) {
      g.error_code = err(ErrorCode::GROUP_ID_NOT_FOUND);
      g.error_message = "group " + id + " is not a consumer group";
      resp.groups.push_back(std::move(g));
      continue;
    }
    g.group_state = cg->state();
    g.group_epoch = cg->epoch();
    g.assignment_epoch = cg->assignment_epoch();
    g.assignor_name = cg->assignor();
    for (const auto& [mid, mem] : cg->members()) {
      m::ConsumerGroupDescribeResponse::Member out;
      out.member_id = mid;
      out.instance_id = mem.instance_id;
      out.rack_id = mem.rack_id;
      out.member_epoch = mem.epoch;
      out.client_id = mem.client_id;
      out.client_host = mem.client_host;
      out.subscribed_topic_names = mem.subscribed_topics;
      if (!mem.subscribed_regex.empty()) out.subscribed_topic_regex = mem.subscribed_regex;
      out.member_type = kConsumerMember;  // v1+: every member of a consumer group speaks KIP-848 here
      out.assignment = to_assignment(broker, mem.assigned);
      out.target_assignment = to_assignment(broker, cg->target(mid));
      g.members.push_back(std::move(out));
    }
    if (req.include_authorized_operations)
      g.authorized_operations = broker.authorizer ? authorized_operations(broker, ctx, ResourceType::kGroup, id)
                                                  : kGroupOperations;
    resp.groups.push_back(std::move(g));
  }
  return resp;
}

}  // namespace chronik::broker::handlers
