// GetTelemetrySubscriptions (KIP-714): the metrics a client instance is asked to push, and how
// often (core/client_telemetry.h). The Java client asks on every start.
#include <iterator>

#include "broker/handlers/telemetry_common.h"

namespace chronik::broker::handlers {

m::GetTelemetrySubscriptionsResponse handle(Broker& broker, const Ctx& ctx, m::GetTelemetrySubscriptionsRequest& req) {
  const auto s = broker.telemetry.get_subscription(req.client_instance_id, ctx.connection_id, client_identity(ctx), now_ms());
  m::GetTelemetrySubscriptionsResponse resp;
  resp.error_code = s.error_code;
  if (s.error_code) return resp;  // the rest stays zero, as in Kafka's error answers
  resp.client_instance_id = s.client_instance_id;
  resp.subscription_id = s.subscription_id;
  resp.accepted_compression_types.assign(std::begin(ClientTelemetry::kAcceptedCompression),
                                         std::end(ClientTelemetry::kAcceptedCompression));
  resp.push_interval_ms = s.push_interval_ms;
  resp.telemetry_max_bytes = ClientTelemetry::kTelemetryMaxBytes;
  resp.delta_temporality = true;
  resp.requested_metrics = s.requested_metrics;
  return resp;
}

}  // namespace chronik::broker::handlers
