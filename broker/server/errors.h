// Kafka error codes the broker answers with.
//
// Thin stand-in until runtime/protocol/error_codes.h lands; the numbers are Kafka's
// (org.apache.kafka.common.protocol.Errors) and never change.
#pragma once

#include <cstdint>

namespace chronik::broker::err {

inline constexpr int16_t kNone = 0;
inline constexpr int16_t kUnknownServerError = -1;
inline constexpr int16_t kOffsetOutOfRange = 1;
inline constexpr int16_t kCorruptMessage = 2;
inline constexpr int16_t kUnknownTopicOrPartition = 3;
inline constexpr int16_t kInvalidFetchSize = 4;
inline constexpr int16_t kNotLeaderOrFollower = 6;
inline constexpr int16_t kMessageTooLarge = 10;
inline constexpr int16_t kInvalidTopicException = 17;
inline constexpr int16_t kRecordListTooLarge = 18;
inline constexpr int16_t kInvalidRequiredAcks = 21;
inline constexpr int16_t kInvalidTimestamp = 32;
inline constexpr int16_t kUnsupportedVersion = 35;
inline constexpr int16_t kTopicAlreadyExists = 36;
inline constexpr int16_t kInvalidPartitions = 37;
inline constexpr int16_t kInvalidReplicationFactor = 38;
inline constexpr int16_t kInvalidReplicaAssignment = 39;
inline constexpr int16_t kInvalidConfig = 40;
inline constexpr int16_t kInvalidRequest = 42;
inline constexpr int16_t kUnsupportedForMessageFormat = 43;
inline constexpr int16_t kOutOfOrderSequenceNumber = 45;
inline constexpr int16_t kDuplicateSequenceNumber = 46;
inline constexpr int16_t kInvalidProducerEpoch = 47;
inline constexpr int16_t kInvalidProducerIdMapping = 49;
inline constexpr int16_t kClusterAuthorizationFailed = 31;
inline constexpr int16_t kPolicyViolation = 44;
inline constexpr int16_t kSecurityDisabled = 54;
inline constexpr int16_t kKafkaStorageError = 56;
inline constexpr int16_t kLogDirNotFound = 57;
inline constexpr int16_t kUnknownProducerId = 59;
inline constexpr int16_t kFencedLeaderEpoch = 74;
inline constexpr int16_t kUnknownLeaderEpoch = 75;
inline constexpr int16_t kFetchSessionIdNotFound = 70;
inline constexpr int16_t kInvalidFetchSessionEpoch = 71;
inline constexpr int16_t kCoordinatorNotAvailable = 15;
inline constexpr int16_t kInvalidRecord = 87;
inline constexpr int16_t kUnknownTopicId = 100;
inline constexpr int16_t kFetchSessionTopicIdError = 106;
inline constexpr int16_t kInconsistentTopicId = 103;
inline constexpr int16_t kProducerFenced = 90;
inline constexpr int16_t kResourceNotFound = 91;
inline constexpr int16_t kThrottlingQuotaExceeded = 89;
inline constexpr int16_t kInvalidTxnState = 48;
inline constexpr int16_t kTransactionalIdAuthorizationFailed = 53;
inline constexpr int16_t kNotCoordinator = 16;
inline constexpr int16_t kUnsupportedEndpointType = 115;

}  // namespace chronik::broker::err
