// The answer to a request whose handler failed on a fault of the broker's own (a bug: not
// the client's input, which handlers answer with its error, nor the disk, which the store
// answers as KAFKA_STORAGE_ERROR): the API's response with the error on everything the
// request named, as Kafka answers an unexpected exception. The connection, and the other
// requests in flight on it, live on; the client retries or reports the error.
#pragma once

#include <concepts>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "generated/kafka/create_topics_request.h"
#include "generated/kafka/create_topics_response.h"
#include "generated/kafka/delete_topics_request.h"
#include "generated/kafka/delete_topics_response.h"
#include "generated/kafka/describe_configs_request.h"
#include "generated/kafka/describe_configs_response.h"
#include "generated/kafka/fetch_request.h"
#include "generated/kafka/fetch_response.h"
#include "generated/kafka/list_offsets_request.h"
#include "generated/kafka/list_offsets_response.h"
#include "generated/kafka/metadata_request.h"
#include "generated/kafka/metadata_response.h"
#include "generated/kafka/offset_commit_request.h"
#include "generated/kafka/offset_commit_response.h"
#include "generated/kafka/offset_fetch_request.h"
#include "generated/kafka/offset_fetch_response.h"
#include "generated/kafka/produce_request.h"
#include "generated/kafka/produce_response.h"
#include "runtime/protocol/error_codes.h"
#include "runtime/wire/field_meta.h"

namespace chronik::broker {

// Sets the response's top-level ErrorCode field, when it has one.
template <class Resp>
void set_top_error(Resp& resp, int16_t code) {
  Resp::visit_fields(resp, [&](const wire::FieldMeta& meta, auto& member) {
    if constexpr (std::is_same_v<std::decay_t<decltype(member)>, int16_t>) {
      if (std::strcmp(meta.name, "ErrorCode") == 0) member = code;
    }
  });
}

// Codes that are steps of a group protocol, not failures: a first JoinGroup (v4+) is answered
// MEMBER_ID_REQUIRED and joins again with its id, and members learn of a rebalance through
// REBALANCE_IN_PROGRESS. Counted as errors, every healthy rebalance would look like one.
inline bool is_protocol_step(int16_t code) {
  return code == protocol::to_int16(protocol::ErrorCode::MEMBER_ID_REQUIRED) ||
         code == protocol::to_int16(protocol::ErrorCode::REBALANCE_IN_PROGRESS);
}

// Whether the response's top-level ErrorCode field (when it has one) says the request failed
// (non-zero, and not a protocol step).
template <class Resp>
bool top_error(const Resp& resp) {
  bool failed = false;
  Resp::visit_fields(resp, [&](const wire::FieldMeta& meta, const auto& member) {
    if constexpr (std::is_same_v<std::decay_t<decltype(member)>, int16_t>) {
      if (std::strcmp(meta.name, "ErrorCode") == 0) failed = member != 0 && !is_protocol_step(member);
    }
  });
  return failed;
}

// The APIs whose responses carry their errors per partition, topic or resource.
message::ProduceResponse error_response(const message::ProduceRequest& req, int16_t error);
message::FetchResponse error_response(const message::FetchRequest& req, int16_t error);
message::ListOffsetsResponse error_response(const message::ListOffsetsRequest& req, int16_t error);
message::MetadataResponse error_response(const message::MetadataRequest& req, int16_t error);
message::OffsetCommitResponse error_response(const message::OffsetCommitRequest& req, int16_t error);
message::OffsetFetchResponse error_response(const message::OffsetFetchRequest& req, int16_t error);
message::CreateTopicsResponse error_response(const message::CreateTopicsRequest& req, int16_t error);
message::DeleteTopicsResponse error_response(const message::DeleteTopicsRequest& req, int16_t error);
message::DescribeConfigsResponse error_response(const message::DescribeConfigsRequest& req, int16_t error);

// `req`'s answer with `error`: on what it named where the API answers per item, and in the
// top-level ErrorCode where the response has one (at every version that carries it).
template <class Resp, class Req>
Resp error_response_for(const Req& req, int16_t error) {
  Resp resp;
  if constexpr (requires { { error_response(req, error) } -> std::same_as<Resp>; }) resp = error_response(req, error);
  set_top_error(resp, error);
  return resp;
}

}  // namespace chronik::broker
