// How a byte-rate quota measures a client, on a clock of our own: the burst a new client may
// take, the throttle that brings it back to its quota, and which windows still count (Kafka
// 3.9's SampledStat: quota.window.num windows and the one being filled, a window obsolete once
// its last bytes, not its start, are older than all windows).
#include <catch2/catch.hpp>

#include "broker/core/client_quota_manager.h"

using namespace chronik::broker;

namespace {

// consumer_byte_rate `rate` for client id `client`, measured over `samples` windows of 1 s.
void set_fetch_quota(ClientQuotaManager& quotas, const std::string& client, double rate, int32_t samples) {
  quotas.set_windows(samples, 1000);
  quotas.set_quotas({{QuotaEntity{{std::string(kQuotaClientId), client}}, QuotaValues{{"consumer_byte_rate", rate}}}});
}

int32_t fetched(ClientQuotaManager& quotas, const std::string& client, double bytes, int64_t now_ms) {
  return quotas.record(ClientQuotaType::kFetch, "", client, bytes, now_ms);
}

}  // namespace

TEST_CASE("a new client may take all windows but the current one's worth at once, then backs off") {
  ClientQuotaManager quotas;
  set_fetch_quota(quotas, "c", 1000, 11);
  CHECK(fetched(quotas, "c", 10000, 0) == 0);  // 10 s worth, over the 10 full windows counted
  // 100 bytes more make 10,100 in 10 s: 1 % over, for 1 % of the 10 s.
  CHECK(fetched(quotas, "c", 100, 0) == 100);
  CHECK(fetched(quotas, "other", 10000, 0) == 0);  // another client id has no quota
  CHECK(quotas.max_bytes_in_window(ClientQuotaType::kFetch, "", "c") == 10000);
}

TEST_CASE("a window counts until its last bytes, not its start, are older than all windows") {
  ClientQuotaManager quotas;
  set_fetch_quota(quotas, "c", 1000, 2);
  CHECK(fetched(quotas, "c", 100, 0) == 0);
  CHECK(fetched(quotas, "c", 1800, 999) == 0);  // 1,900 bytes in 2 s (the minimum span): 950/s
  // At 2.05 s the first window began more than two windows ago, but its last bytes did not:
  // it still counts, 2,200 bytes over 2.05 s, 7 % over the quota for 7 % of that span.
  CHECK(fetched(quotas, "c", 300, 2050) == 150);
  quotas.unrecord(ClientQuotaType::kFetch, "", "c", 300, 2050);  // a throttled fetch is answered empty
  // Once its last bytes are two windows old, the first window no longer counts.
  CHECK(fetched(quotas, "c", 300, 3000) == 0);
}
