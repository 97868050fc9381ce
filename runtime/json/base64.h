// Standard base64 (RFC 4648, padded) for showing bytes fields as JSON text, and base64url
// without padding (RFC 7515), as JWTs carry their parts.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace chronik::json {

std::string base64_encode(std::span<const uint8_t> bytes);
// nullopt when `text` is not valid padded base64.
std::optional<std::vector<uint8_t>> base64_decode(std::string_view text);

std::string base64url_encode(std::string_view bytes);
// nullopt when `text` is not valid unpadded base64url.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace chronik::json
