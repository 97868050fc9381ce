// One Kafka connection, on one network thread: a coroutine reads frames (size-checked
// before allocation) and runs their requests one after another, where dispatch says (inline
// or on the workers, see RequestClassifier); responses leave in request order through a
// writer coroutine using scatter-gather writes. Reading pauses while the client leaves too
// many responses unread (muting); an idle connection is closed.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>  // before Asio 1.74's awaitable.hpp, which forgets it
#include <vector>

#include <boost/asio.hpp>

#include "broker/kafka/dispatch.h"
#include "broker/kafka/sasl_authenticator.h"
#include "broker/net/tls_session.h"
#include "broker/net/worker_pool.h"

namespace chronik::broker::core {
struct ListenerTls;
}

namespace chronik::broker::net {

class Connection;

// The connections alive, so that stopping can reach them. Thread-safe.
class Connections {
 public:
  void add(std::shared_ptr<Connection> c);
  void remove(const std::shared_ptr<Connection>& c);
  std::vector<std::shared_ptr<Connection>> all();

 private:
  std::mutex mu_;
  std::set<std::shared_ptr<Connection>> set_;
};

// What the connections of the listener share; owned by the Server, which outlives them.
struct ConnectionEnv {
  Broker& broker;
  WorkerPool& workers;
  const RequestClassifier& classifier;
  const std::atomic<bool>& stopping;
  Connections& connections;
  int64_t next_connection_id = 1;  // on the acceptors' thread
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `tls`: the TLS of SSL and SASL_SSL listeners (else nullptr), held for the connection's life.
  // `address`: the client's, as admitted by the broker's ConnectionQuotas, released at close.
  Connection(ConnectionEnv& env, boost::asio::ip::tcp::socket socket, int64_t id, const ListenerInfo& listener,
             std::shared_ptr<core::ListenerTls> tls, std::string address);

  // Starts reading, writing and the idle check; registers with env.connections until closed.
  void start();
  // Thread-safe: finishes the request in progress (a waiting one answers at once), sends
  // what is queued, then closes.
  void stop();

 private:
  using Clock = std::chrono::steady_clock;
  struct Unsent {
    std::shared_ptr<wire::Writer> frame;
    bool holds_fetched_records = false;
  };

  void close();
  void on_stop();
  void enqueue(std::shared_ptr<wire::Writer> frame, bool holds_fetched_records);
  bool muted(size_t max_queued) const;
  void note_api_version(const RequestContext& ctx);
  boost::asio::awaitable<void> read_exactly(uint8_t* data, size_t size);
  // The TLS handshake; false (the reason logged) when it failed.
  boost::asio::awaitable<bool> tls_handshake();
  boost::asio::awaitable<void> read_loop();
  // Before SASL authentication completed: hands the frame to the authenticator. False when
  // the connection must close (it then waited connection.failed.authentication.delay.ms
  // after a failed authentication and queued the failure's response).
  boost::asio::awaitable<bool> authenticate(const wire::SharedBytes& frame);
  boost::asio::awaitable<void> write_loop();
  boost::asio::awaitable<void> idle_loop();

  ConnectionEnv& env_;
  const ListenerInfo& listener_;
  boost::asio::ip::tcp::socket socket_;
  std::shared_ptr<core::ListenerTls> listener_tls_;
  std::string address_;  // the client's IP address (ConnectionQuotas)
  // Over socket_ on TLS listeners: every read and write then goes through it.
  std::unique_ptr<TlsSession> tls_;
  boost::asio::steady_timer write_signal_;
  boost::asio::steady_timer space_signal_;  // cancelled when queued responses were written
  boost::asio::steady_timer idle_timer_;
  boost::asio::steady_timer throttle_timer_;  // a client over its quota waits here
  std::string peer_;
  const int64_t id_;
  std::deque<Unsent> queue_;
  // Responses not yet written (queued or being written). Reading stops while they exceed
  // queued.max.requests frames or kMaxQueuedResponseBytes, so that a client that does not
  // read its responses cannot make the broker buffer without bound; and while a response
  // holding fetched records is among them and such records fill queued.max.fetch.bytes, as
  // Kafka mutes a channel until its response is sent: then each connection holds at most
  // one response of first batches beyond the budget, however many clients do not read.
  size_t unsent_frames_ = 0;
  size_t unsent_bytes_ = 0;
  size_t unsent_fetches_ = 0;
  static constexpr size_t kMaxQueuedResponseBytes = 16 << 20;
  bool busy_ = false;  // a request is being processed
  bool drain_and_close_ = false;
  bool closed_ = false;
  Clock::time_point last_activity_ = Clock::now();
  std::string client_id_;
  // On SASL listeners, until authentication completed; then the principal it gave.
  std::unique_ptr<SaslAuthenticator> sasl_;
  std::string principal_ = "User:ANONYMOUS";
  std::set<std::pair<int16_t, int16_t>> api_versions_used_;
};

}  // namespace chronik::broker::net
