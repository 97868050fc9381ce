// Error messages Kafka's command-line tools print verbatim (tests/kafka_tools/run found them
// worded differently): kafka-topics --create with a bad name, kafka-topics --alter to fewer
// partitions, kafka-acls --list without an authorizer. The expected texts are Kafka 3.9.1's.
#include <string>

#include "generated/kafka/create_acls_request.h"
#include "generated/kafka/create_acls_response.h"
#include "generated/kafka/create_partitions_request.h"
#include "generated/kafka/create_partitions_response.h"
#include "generated/kafka/describe_acls_request.h"
#include "generated/kafka/describe_acls_response.h"
#include "tests/integration/hardening/requests.h"

using namespace chronik::testing;
namespace m = chronik::message;

namespace {

m::CreateTopicsResponse::CreatableTopicResult create_named(const std::string& name) {
  m::CreateTopicsRequest req;
  req.timeout_ms = 10000;
  m::CreateTopicsRequest::CreatableTopic t;
  t.name = name;
  t.num_partitions = 1;
  t.replication_factor = 1;
  req.topics.push_back(t);
  auto resp = call<m::CreateTopicsResponse>(target_port(), req, 7);
  REQUIRE(resp.topics.size() == 1);
  return resp.topics[0];
}

m::CreatePartitionsResponse::CreatePartitionsTopicResult grow(const std::string& topic, int32_t count) {
  m::CreatePartitionsRequest req;
  req.timeout_ms = 10000;
  m::CreatePartitionsRequest::CreatePartitionsTopic t;
  t.name = topic;
  t.count = count;
  req.topics.push_back(t);
  auto resp = call<m::CreatePartitionsResponse>(target_port(), req, 3);
  REQUIRE(resp.results.size() == 1);
  return resp.results[0];
}

}  // namespace

TEST_CASE("an invalid topic name is refused in Kafka's words", "[kafka][differences][tools]") {
  auto slash = create_named("bad/name");
  CHECK(slash.error_code == 17);  // INVALID_TOPIC_EXCEPTION
  CHECK(slash.error_message.value_or("") ==
        "Topic name is invalid: 'bad/name' contains one or more characters other than ASCII alphanumerics, "
        "'.', '_' and '-'");
  auto dot = create_named("..");
  CHECK(dot.error_code == 17);
  CHECK(dot.error_message.value_or("") == "Topic name is invalid: '..' is not allowed");
  const std::string long_name(250, 'x');
  auto too_long = create_named(long_name);
  CHECK(too_long.error_code == 17);
  CHECK(too_long.error_message.value_or("") ==
        "Topic name is invalid: the length of '" + long_name + "' is longer than the max allowed length 249");
}

TEST_CASE("growing a topic to fewer or as many partitions is refused in Kafka's words", "[kafka][differences][tools]") {
  const std::string topic = unique_name("tools-grow");
  create_topic(topic, 3);
  auto fewer = grow(topic, 2);
  CHECK(fewer.error_code == 37);  // INVALID_PARTITIONS
  CHECK(fewer.error_message.value_or("") ==
        "The topic " + topic + " currently has 3 partition(s); 2 would not be an increase.");
  auto same = grow(topic, 3);
  CHECK(same.error_code == 37);
  CHECK(same.error_message.value_or("") == "Topic already has 3 partition(s).");
}

TEST_CASE("without an authorizer, DescribeAcls says so in Kafka's words", "[kafka][differences][tools]") {
  m::DescribeAclsRequest describe;
  describe.resource_type_filter = 1;  // ANY
  describe.pattern_type_filter = 1;   // ANY
  describe.operation = 1;             // ANY
  describe.permission_type = 1;       // ANY
  auto described = call<m::DescribeAclsResponse>(target_port(), describe, 3);
  CHECK(described.error_code == 54);  // SECURITY_DISABLED
  CHECK(described.error_message.value_or("") == "No Authorizer is configured on the broker");

  m::CreateAclsRequest create;
  m::CreateAclsRequest::AclCreation c;
  c.resource_type = 2;  // TOPIC
  c.resource_name = "t";
  c.resource_pattern_type = 3;  // LITERAL
  c.principal = "User:alice";
  c.host = "*";
  c.operation = 3;        // READ
  c.permission_type = 3;  // ALLOW
  create.creations.push_back(c);
  auto created = call<m::CreateAclsResponse>(target_port(), create, 3);
  REQUIRE(created.results.size() == 1);
  CHECK(created.results[0].error_message.value_or("") == "No Authorizer is configured.");
}
