// What the broker under test serves, for the checks of Kafka 4.x versions ([kafka4]): against
// Kafka 3.9.1, which serves none of them, such a check sees so from ApiVersions and passes
// with a note, so that the [kafka] set still runs against either release.
#pragma once

#include <cstdint>
#include <map>

#include "generated/kafka/api_versions_request.h"
#include "generated/kafka/api_versions_response.h"
#include "tests/integration/hardening/target_broker.h"

namespace chronik::testing {

// The highest version of `key` the broker under test serves, -1 when it serves none.
inline int16_t served(int16_t key) {
  static const std::map<int16_t, int16_t> versions = [] {
    message::ApiVersionsRequest req;
    req.client_software_name = "chronik-hardening";
    req.client_software_version = "1";
    std::map<int16_t, int16_t> out;
    for (const auto& k : call<message::ApiVersionsResponse>(target_port(), req, 3).api_keys)
      out[k.api_key] = k.max_version;
    return out;
  }();
  const auto it = versions.find(key);
  return it == versions.end() ? int16_t{-1} : it->second;
}

}  // namespace chronik::testing

// A check needing `version` of `key` passes with a note where the broker serves less
// (Kafka 3.9.1): these versions are Kafka 4.x's.
#define REQUIRE_SERVED_OR_SKIP(key, version)                                                             \
  if (::chronik::testing::served(key) < (version)) {                                                    \
    SUCCEED("the broker serves up to v" << ::chronik::testing::served(key) << " of API " << (key) << ", not v" \
                                        << (version) << ": a Kafka 4.x check");                         \
    return;                                                                                              \
  }
