// Starts the real chronik binary on a free loopback port with a temporary data dir, for
// integration tests, and stops it (SIGTERM, or SIGKILL to simulate a crash).
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace chronik::testing {

class BrokerProcess {
 public:
  // `overrides` become --override key=value. The data dir is kept across restart().
  // `extra_listeners` (names such as SASL_PLAINTEXT) listen beside PLAINTEXT, each on a free
  // port of its own (listener_port).
  explicit BrokerProcess(std::map<std::string, std::string> overrides = {},
                         std::vector<std::string> extra_listeners = {});
  ~BrokerProcess();  // stops the broker, removes the data dir

  void start();            // waits until the port accepts connections
  int stop();              // SIGTERM, waits; returns the exit status (0 expected)
  void kill9();            // SIGKILL, waits
  void restart() { start(); }

  uint16_t port() const { return port_; }
  uint16_t listener_port(const std::string& name) const { return extra_ports_.at(name); }
  std::string bootstrap() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::string& data_dir() const { return data_dir_; }
  const std::string& log_path() const { return log_path_; }
  // The broker's process id while it runs (-1 otherwise).
  pid_t pid() const { return pid_; }

  // A free loopback port (bound then released).
  static uint16_t free_port();

 private:
  std::map<std::string, std::string> overrides_;
  std::string data_dir_;
  std::string log_path_;
  uint16_t port_ = 0;
  std::map<std::string, uint16_t> extra_ports_;
  pid_t pid_ = -1;
};

// A blocking TCP connection to 127.0.0.1:`port` (TCP_NODELAY), or -1.
// `from`: the local address to connect from (another loopback address, 127.0.0.2, lets a
// check stand apart from every other client of the broker); nullptr: any. -1 when it fails.
int connect_loopback(uint16_t port, const char* from = nullptr);

// Blocking client speaking raw frames, for tests below the client libraries.
class RawConnection {
 public:
  // From `from` (a local IPv4 address such as 127.0.0.2) when given.
  explicit RawConnection(uint16_t port, const char* from = nullptr);
  ~RawConnection();
  void send_frame(const std::string& bytes);  // adds the size prefix
  void send_raw(const std::string& bytes);    // as they are
  // `bytes` with its 4-byte size prefix.
  static std::string framed(const std::string& bytes);
  // The next response frame without its size prefix; empty when the broker closed or
  // nothing arrived within `timeout_ms`.
  std::string read_frame(int timeout_ms = 10000);
  bool closed_by_peer(int timeout_ms = 2000);

 private:
  int fd_ = -1;
};

}  // namespace chronik::testing
