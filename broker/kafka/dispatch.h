// From a request frame to a response frame: header, dispatch to the handler, encoding.
//
// Knows the API table and the generated messages, never sockets: broker/net/ hands it the
// bytes of one frame (size prefix removed) and writes back what it returns.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "broker/core/broker.h"
#include "runtime/wire/shared_bytes.h"
#include "runtime/wire/writer.h"

namespace chronik::broker {

// A request that waits: a fetch for data (long poll), a JoinGroup or SyncGroup for the
// rest of its group. The network layer watches the (pseudo) partitions, calls attempt()
// when one of them is notified, and once more at the deadline.
class PendingFetch {
 public:
  virtual ~PendingFetch() = default;
  virtual const std::vector<std::pair<std::string, int32_t>>& watched() const = 0;
  virtual int32_t max_wait_ms() const = 0;
  // The response frame when the fetch is satisfied or `final`; nullptr to keep waiting.
  virtual std::shared_ptr<wire::Writer> attempt(bool final) = 0;
};

struct Outcome {
  enum class Kind {
    kRespond,     // send `frame`
    kNoResponse,  // nothing to send (acks=0 produce)
    kWait,        // long-poll `pending`, then send what it returns
    kClose,       // drop the connection (`reason` says why, for a debug log)
  };
  Kind kind = Kind::kClose;
  std::shared_ptr<wire::Writer> frame;  // with its 4-byte size prefix
  std::shared_ptr<PendingFetch> pending;
  std::string reason;
};

// Handles one request frame (without its size prefix). Never throws. `frame` must be a
// writable buffer that belongs to this request alone: Produce writes offsets (and
// LogAppendTime) into the record batches it carries before storing them.
Outcome process_request(Broker& broker, RequestContext& ctx, const wire::SharedBytes& frame);

// Whether Chronik answers `api_key` on its broker listener (what ApiVersions advertises).
bool serves_api(int16_t api_key);

}  // namespace chronik::broker
