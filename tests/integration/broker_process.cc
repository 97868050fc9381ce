#include "tests/integration/broker_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <vector>

#ifndef CHRONIK_BINARY
#error "CHRONIK_BINARY must name the chronik executable"
#endif

namespace chronik::testing {

int connect_loopback(uint16_t port, const char* from) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (from != nullptr) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    if (::inet_pton(AF_INET, from, &local.sin_addr) != 1 ||
        ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      ::close(fd);
      return -1;
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

uint16_t BrokerProcess::free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

BrokerProcess::BrokerProcess(std::map<std::string, std::string> overrides, std::vector<std::string> extra_listeners)
    : overrides_(std::move(overrides)) {
  char tmpl[] = "/tmp/chronik-it-XXXXXX";
  data_dir_ = ::mkdtemp(tmpl);
  log_path_ = data_dir_ + ".log";
  port_ = free_port();
  for (const auto& name : extra_listeners) extra_ports_[name] = free_port();
}

BrokerProcess::~BrokerProcess() {
  if (pid_ > 0) stop();
  std::error_code ec;
  std::filesystem::remove_all(data_dir_, ec);
  if (!std::getenv("CHRONIK_KEEP_LOGS")) std::filesystem::remove(log_path_, ec);
}

void BrokerProcess::start() {
  std::string listeners = "PLAINTEXT://127.0.0.1:" + std::to_string(port_);
  for (const auto& [name, port] : extra_ports_) listeners += "," + name + "://127.0.0.1:" + std::to_string(port);
  std::vector<std::string> args = {CHRONIK_BINARY,
                                   "--override", "listeners=" + listeners,
                                   "--override", "log.dirs=" + data_dir_,
                                   // An admin port of its own: brokers of parallel tests would share 9644.
                                   "--override", "admin.listeners=http://127.0.0.1:0"};
  for (const auto& [k, v] : overrides_) {
    args.push_back("--override");
    args.push_back(k + "=" + v);
  }
  pid_ = ::fork();
  if (pid_ == 0) {
    // A test process that dies (failed REQUIRE in a thread, abort) takes its broker along.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = connect_loopback(port_);
    if (fd >= 0) {
      ::close(fd);
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("chronik exited at start-up; see " + log_path_);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("chronik did not listen within 20 s; see " + log_path_);
}

int BrokerProcess::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void BrokerProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

RawConnection::RawConnection(uint16_t port, const char* from) : fd_(connect_loopback(port, from)) {
  if (fd_ < 0) throw std::runtime_error("cannot connect to the broker");
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

void RawConnection::send_frame(const std::string& bytes) { send_raw(framed(bytes)); }

std::string RawConnection::framed(const std::string& bytes) {
  std::string out(4, '\0');
  uint32_t n = htonl(static_cast<uint32_t>(bytes.size()));
  std::memcpy(out.data(), &n, 4);
  return out + bytes;
}

void RawConnection::send_raw(const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t w = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (w <= 0) throw std::runtime_error("send failed");
    off += static_cast<size_t>(w);
  }
}

std::string RawConnection::read_frame(int timeout_ms) {
  auto read_exact = [&](char* out, size_t n) {
    size_t got = 0;
    while (got < n) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) <= 0) return false;
      ssize_t r = ::recv(fd_, out + got, n - got, 0);
      if (r <= 0) return false;
      got += static_cast<size_t>(r);
    }
    return true;
  };
  uint32_t n = 0;
  if (!read_exact(reinterpret_cast<char*>(&n), 4)) return {};
  std::string out(ntohl(n), '\0');
  if (!read_exact(out.data(), out.size())) return {};
  return out;
}

bool RawConnection::closed_by_peer(int timeout_ms) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return false;
  char c;
  return ::recv(fd_, &c, 1, 0) == 0;
}

}  // namespace chronik::testing
