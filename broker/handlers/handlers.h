// One handler per API: each reads its request, calls the broker's services and builds the
// response. The dispatcher (broker/kafka/dispatch.cc) finds them by overload: an API is
// served, and advertised in ApiVersions, exactly when a `handle` overload takes its request.
#pragma once

#include <atomic>
#include <functional>
#include <type_traits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "broker/log/topic_names.h"
#include "broker/core/broker.h"
#include "broker/handlers/authorize.h"
#include "generated/kafka/add_offsets_to_txn_request.h"
#include "generated/kafka/add_offsets_to_txn_response.h"
#include "generated/kafka/add_partitions_to_txn_request.h"
#include "generated/kafka/add_partitions_to_txn_response.h"
#include "generated/kafka/alter_client_quotas_request.h"
#include "generated/kafka/alter_client_quotas_response.h"
#include "generated/kafka/alter_configs_request.h"
#include "generated/kafka/alter_configs_response.h"
#include "generated/kafka/alter_partition_reassignments_request.h"
#include "generated/kafka/alter_partition_reassignments_response.h"
#include "generated/kafka/api_table.h"
#include "generated/kafka/api_versions_request.h"
#include "generated/kafka/api_versions_response.h"
#include "generated/kafka/consumer_group_describe_request.h"
#include "generated/kafka/consumer_group_describe_response.h"
#include "generated/kafka/consumer_group_heartbeat_request.h"
#include "generated/kafka/consumer_group_heartbeat_response.h"
#include "generated/kafka/create_acls_request.h"
#include "generated/kafka/create_acls_response.h"
#include "generated/kafka/create_partitions_request.h"
#include "generated/kafka/create_partitions_response.h"
#include "generated/kafka/create_topics_request.h"
#include "generated/kafka/create_topics_response.h"
#include "generated/kafka/delete_acls_request.h"
#include "generated/kafka/delete_acls_response.h"
#include "generated/kafka/delete_groups_request.h"
#include "generated/kafka/delete_groups_response.h"
#include "generated/kafka/delete_records_request.h"
#include "generated/kafka/delete_records_response.h"
#include "generated/kafka/delete_topics_request.h"
#include "generated/kafka/delete_topics_response.h"
#include "generated/kafka/describe_acls_request.h"
#include "generated/kafka/describe_acls_response.h"
#include "generated/kafka/describe_client_quotas_request.h"
#include "generated/kafka/describe_client_quotas_response.h"
#include "generated/kafka/describe_cluster_request.h"
#include "generated/kafka/describe_cluster_response.h"
#include "generated/kafka/describe_configs_request.h"
#include "generated/kafka/describe_configs_response.h"
#include "generated/kafka/describe_groups_request.h"
#include "generated/kafka/describe_groups_response.h"
#include "generated/kafka/describe_log_dirs_request.h"
#include "generated/kafka/describe_log_dirs_response.h"
#include "generated/kafka/describe_producers_request.h"
#include "generated/kafka/describe_producers_response.h"
#include "generated/kafka/describe_quorum_request.h"
#include "generated/kafka/describe_quorum_response.h"
#include "generated/kafka/describe_topic_partitions_request.h"
#include "generated/kafka/describe_topic_partitions_response.h"
#include "generated/kafka/describe_transactions_request.h"
#include "generated/kafka/describe_transactions_response.h"
#include "generated/kafka/elect_leaders_request.h"
#include "generated/kafka/elect_leaders_response.h"
#include "generated/kafka/end_txn_request.h"
#include "generated/kafka/end_txn_response.h"
#include "generated/kafka/fetch_request.h"
#include "generated/kafka/fetch_response.h"
#include "generated/kafka/find_coordinator_request.h"
#include "generated/kafka/find_coordinator_response.h"
#include "generated/kafka/get_telemetry_subscriptions_request.h"
#include "generated/kafka/get_telemetry_subscriptions_response.h"
#include "generated/kafka/heartbeat_request.h"
#include "generated/kafka/heartbeat_response.h"
#include "generated/kafka/incremental_alter_configs_request.h"
#include "generated/kafka/incremental_alter_configs_response.h"
#include "generated/kafka/init_producer_id_request.h"
#include "generated/kafka/init_producer_id_response.h"
#include "generated/kafka/join_group_request.h"
#include "generated/kafka/join_group_response.h"
#include "generated/kafka/leave_group_request.h"
#include "generated/kafka/leave_group_response.h"
#include "generated/kafka/list_config_resources_request.h"
#include "generated/kafka/list_config_resources_response.h"
#include "generated/kafka/list_groups_request.h"
#include "generated/kafka/list_groups_response.h"
#include "generated/kafka/list_offsets_request.h"
#include "generated/kafka/list_offsets_response.h"
#include "generated/kafka/list_partition_reassignments_request.h"
#include "generated/kafka/list_partition_reassignments_response.h"
#include "generated/kafka/list_transactions_request.h"
#include "generated/kafka/list_transactions_response.h"
#include "generated/kafka/metadata_request.h"
#include "generated/kafka/metadata_response.h"
#include "generated/kafka/offset_commit_request.h"
#include "generated/kafka/offset_commit_response.h"
#include "generated/kafka/offset_delete_request.h"
#include "generated/kafka/offset_delete_response.h"
#include "generated/kafka/offset_fetch_request.h"
#include "generated/kafka/offset_fetch_response.h"
#include "generated/kafka/offset_for_leader_epoch_request.h"
#include "generated/kafka/offset_for_leader_epoch_response.h"
#include "generated/kafka/produce_request.h"
#include "generated/kafka/produce_response.h"
#include "generated/kafka/push_telemetry_request.h"
#include "generated/kafka/push_telemetry_response.h"
#include "generated/kafka/alter_user_scram_credentials_request.h"
#include "generated/kafka/alter_user_scram_credentials_response.h"
#include "generated/kafka/describe_user_scram_credentials_request.h"
#include "generated/kafka/describe_user_scram_credentials_response.h"
#include "generated/kafka/sasl_authenticate_request.h"
#include "generated/kafka/sasl_authenticate_response.h"
#include "generated/kafka/sasl_handshake_request.h"
#include "generated/kafka/sasl_handshake_response.h"
#include "generated/kafka/sync_group_request.h"
#include "generated/kafka/sync_group_response.h"
#include "generated/kafka/txn_offset_commit_request.h"
#include "generated/kafka/txn_offset_commit_response.h"
#include "generated/kafka/unregister_broker_request.h"
#include "generated/kafka/unregister_broker_response.h"
#include "generated/kafka/update_features_request.h"
#include "generated/kafka/update_features_response.h"
#include "generated/kafka/write_txn_markers_request.h"
#include "generated/kafka/write_txn_markers_response.h"

namespace chronik::broker::handlers {

namespace m = chronik::message;
using Ctx = RequestContext;
using log::colliding_topic;
using log::is_internal_topic;
using log::valid_topic_name;

// A response that may have to wait: a Fetch for data (long poll), a JoinGroup until the
// rebalance ends, a SyncGroup until the leader's assignment. Either `ready` now, or the
// caller subscribes to `wait_keys` (Broker::waits), then calls `retry` (first with nothing
// fired) and again each time some of them fired, saying which; retry(..., final = true),
// once max_wait_ms passed or the broker stops, must answer. Until it answers, `retry` is
// called from one thread at a time.
template <class Resp>
struct Deferred {
  std::optional<Resp> ready;
  std::function<std::optional<Resp>(const std::vector<WaitKey>& fired, bool final)> retry;
  std::vector<WaitKey> wait_keys;
  int32_t max_wait_ms = 0;
  // The answer when retry throws: the API's response carrying `error` (Kafka's
  // getErrorResponse). Unset: the response with its top-level ErrorCode set.
  std::function<Resp(int16_t error)> failed;
  // Counts the requests waiting (a gauge of broker.metrics), or nullptr.
  std::atomic<int64_t>* waiting = nullptr;
};

m::ApiVersionsResponse handle(Broker&, const Ctx&, m::ApiVersionsRequest&);
// Fetch waits for min_bytes (long poll); a woken fetch reads again only the partitions
// that were appended to.
Deferred<m::FetchResponse> handle(Broker&, const Ctx&, m::FetchRequest&);
m::MetadataResponse handle(Broker&, const Ctx&, m::MetadataRequest&);
// nullopt for acks=0: no response is sent.
std::optional<m::ProduceResponse> handle(Broker&, const Ctx&, m::ProduceRequest&);
m::ListOffsetsResponse handle(Broker&, const Ctx&, m::ListOffsetsRequest&);
// Transactions on the partitions (the partition side of KIP-98): markers, producers' state.
m::WriteTxnMarkersResponse handle(Broker&, const Ctx&, m::WriteTxnMarkersRequest&);
m::DescribeProducersResponse handle(Broker&, const Ctx&, m::DescribeProducersRequest&);
m::OffsetForLeaderEpochResponse handle(Broker&, const Ctx&, m::OffsetForLeaderEpochRequest&);
m::CreateTopicsResponse handle(Broker&, const Ctx&, m::CreateTopicsRequest&);
m::DeleteTopicsResponse handle(Broker&, const Ctx&, m::DeleteTopicsRequest&);
m::CreatePartitionsResponse handle(Broker&, const Ctx&, m::CreatePartitionsRequest&);
m::DeleteRecordsResponse handle(Broker&, const Ctx&, m::DeleteRecordsRequest&);
m::InitProducerIdResponse handle(Broker&, const Ctx&, m::InitProducerIdRequest&);
m::FindCoordinatorResponse handle(Broker&, const Ctx&, m::FindCoordinatorRequest&);
Deferred<m::JoinGroupResponse> handle(Broker&, const Ctx&, m::JoinGroupRequest&);
Deferred<m::SyncGroupResponse> handle(Broker&, const Ctx&, m::SyncGroupRequest&);
m::HeartbeatResponse handle(Broker&, const Ctx&, m::HeartbeatRequest&);
m::LeaveGroupResponse handle(Broker&, const Ctx&, m::LeaveGroupRequest&);
m::OffsetCommitResponse handle(Broker&, const Ctx&, m::OffsetCommitRequest&);
m::OffsetFetchResponse handle(Broker&, const Ctx&, m::OffsetFetchRequest&);
m::DescribeGroupsResponse handle(Broker&, const Ctx&, m::DescribeGroupsRequest&);
m::ListGroupsResponse handle(Broker&, const Ctx&, m::ListGroupsRequest&);
m::DeleteGroupsResponse handle(Broker&, const Ctx&, m::DeleteGroupsRequest&);
m::OffsetDeleteResponse handle(Broker&, const Ctx&, m::OffsetDeleteRequest&);
m::ConsumerGroupHeartbeatResponse handle(Broker&, const Ctx&, m::ConsumerGroupHeartbeatRequest&);
m::ConsumerGroupDescribeResponse handle(Broker&, const Ctx&, m::ConsumerGroupDescribeRequest&);
m::DescribeConfigsResponse handle(Broker&, const Ctx&, m::DescribeConfigsRequest&);
m::AlterConfigsResponse handle(Broker&, const Ctx&, m::AlterConfigsRequest&);
m::IncrementalAlterConfigsResponse handle(Broker&, const Ctx&, m::IncrementalAlterConfigsRequest&);
m::DescribeClusterResponse handle(Broker&, const Ctx&, m::DescribeClusterRequest&);
m::DescribeQuorumResponse handle(Broker&, const Ctx&, m::DescribeQuorumRequest&);
m::UnregisterBrokerResponse handle(Broker&, const Ctx&, m::UnregisterBrokerRequest&);
m::ElectLeadersResponse handle(Broker&, const Ctx&, m::ElectLeadersRequest&);
m::AlterPartitionReassignmentsResponse handle(Broker&, const Ctx&, m::AlterPartitionReassignmentsRequest&);
m::ListPartitionReassignmentsResponse handle(Broker&, const Ctx&, m::ListPartitionReassignmentsRequest&);
m::DescribeLogDirsResponse handle(Broker&, const Ctx&, m::DescribeLogDirsRequest&);
m::DescribeTopicPartitionsResponse handle(Broker&, const Ctx&, m::DescribeTopicPartitionsRequest&);
m::SaslHandshakeResponse handle(Broker&, const Ctx&, m::SaslHandshakeRequest&);
m::DescribeAclsResponse handle(Broker&, const Ctx&, m::DescribeAclsRequest&);
m::CreateAclsResponse handle(Broker&, const Ctx&, m::CreateAclsRequest&);
m::DeleteAclsResponse handle(Broker&, const Ctx&, m::DeleteAclsRequest&);
m::SaslAuthenticateResponse handle(Broker&, const Ctx&, m::SaslAuthenticateRequest&);
m::AlterUserScramCredentialsResponse handle(Broker&, const Ctx&, m::AlterUserScramCredentialsRequest&);
m::DescribeUserScramCredentialsResponse handle(Broker&, const Ctx&, m::DescribeUserScramCredentialsRequest&);
m::DescribeClientQuotasResponse handle(Broker&, const Ctx&, m::DescribeClientQuotasRequest&);
m::AlterClientQuotasResponse handle(Broker&, const Ctx&, m::AlterClientQuotasRequest&);
m::UpdateFeaturesResponse handle(Broker&, const Ctx&, m::UpdateFeaturesRequest&);
m::GetTelemetrySubscriptionsResponse handle(Broker&, const Ctx&, m::GetTelemetrySubscriptionsRequest&);
m::PushTelemetryResponse handle(Broker&, const Ctx&, m::PushTelemetryRequest&);
m::ListConfigResourcesResponse handle(Broker&, const Ctx&, m::ListConfigResourcesRequest&);
// Transactions (txn/txn_coordinator.h).
m::AddPartitionsToTxnResponse handle(Broker&, const Ctx&, m::AddPartitionsToTxnRequest&);
m::AddOffsetsToTxnResponse handle(Broker&, const Ctx&, m::AddOffsetsToTxnRequest&);
m::EndTxnResponse handle(Broker&, const Ctx&, m::EndTxnRequest&);
m::TxnOffsetCommitResponse handle(Broker&, const Ctx&, m::TxnOffsetCommitRequest&);
m::ListTransactionsResponse handle(Broker&, const Ctx&, m::ListTransactionsRequest&);
m::DescribeTransactionsResponse handle(Broker&, const Ctx&, m::DescribeTransactionsRequest&);

// Whether a handler takes requests of type Req.
template <class Req>
constexpr bool kHasHandler = requires(Broker& b, const Ctx& c, Req& r) { handle(b, c, r); };
// Whether Chronik answers `api_key` on its broker listener (what ApiVersions advertises).
bool has_handler(int16_t api_key);

// The versions of `api` Chronik serves (served_versions.cc): from the oldest any release
// defines to Kafka 3.9's newest, or past it where the handler implements Kafka 4.4's.
m::VersionRange served_versions(const m::ApiInfo& api);

// The APIs and versions Chronik advertises (broker-listener APIs with a handler), without
// GetTelemetrySubscriptions and PushTelemetry unless `client_telemetry` (as Kafka without a
// telemetry reporter: the handlers still answer a client that calls them).
std::vector<m::ApiVersionsResponse::ApiVersion> advertised_api_versions(bool client_telemetry);
// Whether the API's handler only ever refuses (none since SASL listeners exist; kept for
// `chronik --print-api-versions`, which the compatibility report reads).
bool refuses_only(int16_t api_key);

// Helpers shared by handlers.
// DescribeConfigs' (and CreateTopics') wire number of a config source.
int8_t wire_config_source(config::ConfigSource source);
int16_t auto_create_topic(Broker&, const std::string& name, std::optional<TopicInfo>* created);
// The error of a partition of an existing topic whose offsets the store did not give:
// KAFKA_STORAGE_ERROR while the log dir is closed (LogStore::offsets), else the topic was
// deleted meanwhile.
int16_t offsets_unavailable(Broker&);
// PRODUCER_FENCED as clients older than it (KIP-588) know it: INVALID_PRODUCER_EPOCH.
inline int16_t fenced_error(int16_t error, bool old_client) {
  return old_client && error == err(ErrorCode::PRODUCER_FENCED) ? err(ErrorCode::INVALID_PRODUCER_EPOCH) : error;
}

}  // namespace chronik::broker::handlers
