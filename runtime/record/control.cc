#include "runtime/record/control.h"

#include "runtime/record/errors.h"

namespace chronik::record {
namespace {

constexpr int16_t kControlKeyVersion = 0;
constexpr int16_t kMarkerValueVersion = 0;

}  // namespace

std::vector<uint8_t> build_control_batch(const ControlBatchOptions& options, EndTransactionMarker marker) {
  Record record;
  record.key = Bytes(4);
  store_be16(record.key->data(), kControlKeyVersion);
  store_be16(record.key->data() + 2, static_cast<int16_t>(marker.type));
  record.value = Bytes(6);
  store_be16(record.value->data(), kMarkerValueVersion);
  store_be32(record.value->data() + 2, marker.coordinator_epoch);

  BatchOptions batch;
  batch.base_offset = options.base_offset;
  batch.partition_leader_epoch = options.partition_leader_epoch;
  batch.transactional = true;
  batch.control = true;
  batch.producer_id = options.producer_id;
  batch.producer_epoch = options.producer_epoch;
  batch.base_timestamp = options.timestamp;
  batch.max_timestamp = options.timestamp;
  return build_batch(batch, std::span<const Record>(&record, 1));
}

std::optional<int16_t> read_control_type(std::span<const uint8_t> key) {
  if (key.size() < 4) return std::nullopt;
  if (load_be16(key.data()) < 0) return std::nullopt;
  return load_be16(key.data() + 2);
}

EndTransactionMarker read_end_transaction_marker(const Record& record) {
  if (!record.key) throw RecordException(RecordError::kBadControlRecord, "control record without a key");
  auto type = read_control_type(*record.key);
  if (!type || (*type != 0 && *type != 1)) {
    throw RecordException(RecordError::kBadControlRecord, "control record is not a transaction marker");
  }
  if (!record.value || record.value->size() < 6) {
    throw RecordException(RecordError::kBadControlRecord, "transaction marker value too short");
  }
  EndTransactionMarker marker;
  marker.type = static_cast<ControlType>(*type);
  marker.coordinator_epoch = load_be32(record.value->data() + 2);
  return marker;
}

}  // namespace chronik::record
