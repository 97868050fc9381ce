// From a request frame to a response frame: header, dispatch to the handler, encoding.
//
// Knows the API table and the generated messages, never sockets: broker/net/ asks it where
// a frame runs, hands it the bytes of the frame (size prefix removed) and writes back what
// it returns, waiting first when the request waits. net/ never reads an API key.
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

// Where a request runs. Produce and Fetch, the data path, run on the connection's network
// thread: handing each to a worker and its response back cost two thread wake-ups per
// request, more than the append itself (1 KiB records: 48,000 context switches per GB
// instead of 5,500, and 1.5 times the broker CPU). A Produce that may fsync
// (log.flush.interval.messages set) still goes to the workers, so that the fsync holds up
// neither the other connections of its network thread nor concurrent appends that could
// share it. What stays inline can still block on a LevelDB write stall, a cold read (as
// Kafka's network threads block on a cold sendfile) or a commit it joins behind an interval
// flush (log.flush.interval.ms). Everything else runs on the workers (num.io.threads).
enum class RunOn { kNetworkThread, kWorkers };

class RequestClassifier {
 public:
  // Reads log.flush.interval.messages once, as the log manager does.
  explicit RequestClassifier(const Broker& broker);
  // Where the request in `frame` (without its size prefix) runs; a malformed one on the
  // workers, whose dispatch answers it.
  RunOn classify(const wire::SharedBytes& frame) const;

 private:
  bool produce_may_fsync_;
};

// A request that waits: a Fetch for data (long poll), a JoinGroup or SyncGroup for the
// rest of its group. The caller subscribes to wait_keys() (Broker::waits), then calls
// retry() with nothing fired, again whenever keys fired (saying which), and once more with
// `final` at max_wait_ms or when the broker stops. Destroying it ends the wait (metrics).
class PendingRequest {
 public:
  virtual ~PendingRequest() = default;
  virtual const std::vector<WaitKey>& wait_keys() const = 0;
  virtual int32_t max_wait_ms() const = 0;
  // Where retries run: where the request ran.
  virtual RunOn run_on() const = 0;
  // The response frame once the request is satisfied, and always when `final`; nullptr to
  // keep waiting. Never throws: a retry that fails answers with the API's error response
  // (UNKNOWN_SERVER_ERROR). One call at a time.
  virtual std::shared_ptr<wire::Writer> retry(const std::vector<WaitKey>& fired, bool final) = 0;
  // Once answered: whether the response carries a top-level error (metrics).
  virtual bool failed() const = 0;
  // Once answered: the response's throttle_time_ms (Outcome::throttle_ms).
  virtual int32_t throttle_ms() const { return 0; }
};

struct Outcome {
  enum class Kind {
    kRespond,     // send `frame`
    kNoResponse,  // nothing to send (acks=0 produce)
    kWait,        // wait for `pending`, then send what it answers
    kClose,       // drop the connection (`reason` says why, for a debug log)
  };
  Kind kind = Kind::kClose;
  std::shared_ptr<wire::Writer> frame;  // with its 4-byte size prefix
  std::shared_ptr<PendingRequest> pending;
  std::string reason;
  // The response holds fetched records, counted in queued.max.fetch.bytes until written:
  // the connection stops reading while it is unsent and that budget is used up.
  bool holds_fetched_records = false;
  // The response's throttle_time_ms: the connection reads nothing more from the client for
  // that long (Kafka mutes a channel over its quota).
  int32_t throttle_ms = 0;
};

// Handles one request frame (without its size prefix), on the thread classify() chose.
// Never throws. `frame` must be a
// writable buffer that belongs to this request alone: Produce writes offsets (and
// LogAppendTime) into the record batches it carries before storing them.
Outcome process_request(Broker& broker, RequestContext& ctx, const wire::SharedBytes& frame);

// Whether Chronik answers `api_key` on its broker listener (what ApiVersions advertises).
bool serves_api(int16_t api_key);

}  // namespace chronik::broker
