#include "runtime/record/batch_iterator.h"

#include <string>

#include "runtime/record/errors.h"

namespace chronik::record {
namespace {

// The smallest v0 message: crc, magic, attributes, key length, value length.
constexpr int32_t kMinLegacyMessageSize = 4 + 1 + 1 + 4 + 4;

}  // namespace

std::optional<BatchView> BatchIterator::next() {
  size_t remaining = buffer_.size() - position_;
  if (remaining == 0) return std::nullopt;
  // Offset, length and magic are where every format keeps them.
  if (remaining <= kMagicOffset) {
    partial_tail_ = true;
    return std::nullopt;
  }
  const uint8_t* p = buffer_.data() + position_;
  int32_t length = load_be32(p + kBatchLengthOffset);
  auto magic = static_cast<int8_t>(p[kMagicOffset]);
  int32_t min_length = magic == kMagicV2 ? static_cast<int32_t>(kBatchHeaderSize - kLogOverhead)
                                         : kMinLegacyMessageSize;
  if (length < min_length) {
    throw RecordException(RecordError::kBadLength,
                          "entry length " + std::to_string(length) + " at position " + std::to_string(position_));
  }
  size_t size = kLogOverhead + static_cast<size_t>(length);
  if (size > remaining) {
    partial_tail_ = true;
    return std::nullopt;
  }
  BatchView view;
  view.bytes = buffer_.slice(position_, size);
  view.magic = magic;
  if (magic == kMagicV2) view.header = read_batch_header(view.bytes.span());
  position_ += size;
  return view;
}

}  // namespace chronik::record
