// Kafka's 128-bit UUID (topic ids, member ids of KIP-848). Shown the way Kafka shows it:
// URL-safe base64 without padding, 22 characters.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chronik::wire {

struct Uuid {
  std::array<uint8_t, 16> bytes{};

  bool is_zero() const;
  std::string to_base64() const;
  // nullopt when `text` is not 22 characters of URL-safe base64 encoding 16 bytes.
  static std::optional<Uuid> from_base64(std::string_view text);
  // A random version-4 UUID that is neither zero nor Kafka's reserved METADATA_TOPIC_ID.
  static Uuid random();

  friend bool operator==(const Uuid&, const Uuid&) = default;
  friend auto operator<=>(const Uuid&, const Uuid&) = default;
};

}  // namespace chronik::wire
