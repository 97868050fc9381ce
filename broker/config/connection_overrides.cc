#include "broker/config/connection_overrides.h"

namespace chronik::config {

std::vector<ConnectionOverride> split_connection_overrides(std::string_view text) {
  std::vector<ConnectionOverride> out;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    std::string_view entry = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
    while (!entry.empty() && entry.back() == ' ') entry.remove_suffix(1);
    if (entry.empty()) continue;
    const size_t colon = entry.rfind(':');
    if (colon == std::string_view::npos)
      out.push_back({entry, {}, {}});
    else
      out.push_back({entry, entry.substr(0, colon), entry.substr(colon + 1)});
  }
  return out;
}

}  // namespace chronik::config
