// Errors raised by the wire codec. Decoding never trusts its input: every malformed byte
// sequence ends in a DecodeError, never in undefined behaviour.
#pragma once

#include <stdexcept>
#include <string>

namespace chronik::wire {

// The bytes do not form a valid message (truncated, bad length, bad varint, null where the
// version does not allow it, ...).
class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The value cannot be represented at the requested version (a non-default field the version
// lacks, a null where the version does not allow it, a string longer than 32767 bytes, ...).
class EncodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The version is outside the message's valid versions.
class UnsupportedVersionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace chronik::wire
