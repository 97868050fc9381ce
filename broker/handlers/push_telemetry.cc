// PushTelemetry (KIP-714): a client instance's metrics, checked as Kafka checks them
// (instance, interval, subscription id, compression, size) and counted. Chronik exports them
// nowhere, so they are dropped once they decompress.
#include <span>

#include "broker/handlers/telemetry_common.h"
#include "runtime/compression/codec.h"

namespace chronik::broker::handlers {
namespace {

// Whether the payload is plain or decompresses to at most a bounded size.
bool decompresses(int8_t type, std::span<const uint8_t> metrics) {
  if (type == 0 || metrics.empty()) return true;
  auto codec = compression::codec_from_id(type);
  if (!codec) return true;  // an unknown type is answered by the checks before this matters
  try {
    // Decompressed metrics of a few MiB are plenty; more is treated as a bad payload.
    compression::decompress(*codec, metrics, 16 * ClientTelemetry::kTelemetryMaxBytes);
    return true;
  } catch (const compression::CompressionError&) {
    return false;
  }
}

}  // namespace

m::PushTelemetryResponse handle(Broker& broker, const Ctx& ctx, m::PushTelemetryRequest& req) {
  m::PushTelemetryResponse resp;
  const bool plain_or_valid =
      req.metrics.size() > ClientTelemetry::kTelemetryMaxBytes || decompresses(req.compression_type, req.metrics.span());
  resp.error_code = broker.telemetry.push(req.client_instance_id, req.subscription_id, req.terminating,
                                          req.compression_type, req.metrics.size(), plain_or_valid, ctx.connection_id,
                                          client_identity(ctx), now_ms());
  return resp;
}

}  // namespace chronik::broker::handlers
