// The dashboard's static files and the OpenAPI document, built into the binary from
// broker/admin/web/ (see embed_assets.cmake).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace chronik::broker::admin {

struct Asset {
  std::string_view path;  // relative to broker/admin/web/, e.g. "app.js"
  std::string_view content_type;
  const unsigned char* data;
  size_t size;
};

const std::vector<Asset>& assets();

}  // namespace chronik::broker::admin
