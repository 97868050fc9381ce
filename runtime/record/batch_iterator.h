// Walking the batches of a stored buffer (or a fetch response) without copying: each batch
// is a SharedBytes slice of the buffer, kept alive by the buffer's owner.
#pragma once

#include <cstdint>
#include <optional>

#include "runtime/record/batch_header.h"
#include "runtime/wire/shared_bytes.h"

namespace chronik::record {

// One entry of a records buffer: a v2 batch or a top-level v0/v1 message.
struct BatchView {
  wire::SharedBytes bytes;  // the whole entry
  int8_t magic = kMagicV2;
  // v2: the parsed header; v0/v1 entries have none.
  std::optional<BatchHeader> header;

  // baseOffset (v2) or the message's offset (v0/v1: for a compressed wrapper, its last).
  int64_t offset_field() const { return load_be64(bytes.data()); }
};

class BatchIterator {
 public:
  explicit BatchIterator(wire::SharedBytes buffer) : buffer_(std::move(buffer)) {}

  // The next entry, or nullopt at the end. An entry cut short at the end of the buffer (as
  // fetch responses may end) ends the walk and sets partial_tail(). A length too small to be
  // an entry throws RecordException(kBadLength). CRCs are not checked here.
  std::optional<BatchView> next();

  bool partial_tail() const { return partial_tail_; }
  size_t position() const { return position_; }

 private:
  wire::SharedBytes buffer_;
  size_t position_ = 0;
  bool partial_tail_ = false;
};

}  // namespace chronik::record
