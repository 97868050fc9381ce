// The server side of TLS on one connection: OpenSSL through buffers of our own instead of
// Boost.Asio's ssl::stream. That stream moves one TLS record (at most 16 KB) per socket read
// and per socket write, each with its own wake-up, which more than doubled the broker's CPU
// per GB produced over TLS. Here one socket read fills a large buffer with many records,
// decrypted in one go into the request being read, and the records of a whole response are
// encrypted into one buffer that leaves with one write.
//
// The connection's reader and writer coroutines share a session as they share a socket: on
// one thread, each OpenSSL call finishing before the other coroutine runs. Only write() and
// handshake() send; what reading makes OpenSSL say (an alert, a key update) waits for the
// next write, whom `on_output` wakes.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>  // before Asio 1.74's awaitable.hpp, which forgets it
#include <vector>

#include <boost/asio.hpp>

namespace chronik::broker::net {

class TlsSession {
 public:
  TlsSession(SSL_CTX* context, boost::asio::ip::tcp::socket& socket,
             std::function<void()> on_output);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // The handshake, its messages sent (the alert too when it fails); the failure's reason,
  // OpenSSL's, or the socket's when the client went away.
  boost::asio::awaitable<boost::system::error_code> handshake();
  // At least one byte of what the client sent, at most `size`, reading the socket only when
  // nothing is decrypted yet. Throws boost::system::system_error: asio::error::eof when the
  // client closed (close_notify or the socket's end).
  boost::asio::awaitable<size_t> read_some(uint8_t* data, size_t size);
  // Encrypts and sends `buffers` (and what reading left to send). Throws system_error.
  boost::asio::awaitable<void> write(const std::vector<boost::asio::const_buffer>& buffers);
  // Whether reading left records to send (a write() with no buffers sends them).
  bool has_output() const { return handshake_done_ && !out_.empty(); }

  SSL* native_handle() const { return ssl_; }

 private:
  friend struct TlsSessionBio;
  // What OpenSSL reads from in_ and writes to out_ (its BIO's callbacks).
  size_t take_input(uint8_t* data, size_t size);
  void append_output(const uint8_t* data, size_t size);
  // One socket read into in_ / every byte of out_ to the socket.
  boost::asio::awaitable<boost::system::error_code> fill();
  boost::asio::awaitable<boost::system::error_code> flush();
  // Encrypts plaintext into out_ (whole records: callers pass at most kRecord bytes or a
  // multiple of it). Throws system_error.
  void encrypt(const uint8_t* data, size_t size);
  // The reason of OpenSSL's last failure (`code`, from SSL_get_error).
  boost::system::error_code failure(int code) const;

  // OpenSSL's largest record; responses are cut into records of this size, never smaller
  // where the response is not, however small the pieces they are written from.
  static constexpr size_t kRecord = 16384;
  // The most ciphertext one socket read takes in.
  static constexpr size_t kInputCapacity = 64 << 10;
  // The ciphertext encrypted before it is sent (a multiple of kRecord).
  static constexpr size_t kFlushBytes = 256 << 10;
  // What a record adds to its plaintext, at most (header, tag or MAC, padding, IV), and the
  // most out_ holds: a flush's worth and the records that pass it.
  static constexpr size_t kRecordOverhead = 128;
  static constexpr size_t kOutputCapacity = kFlushBytes + 2 * kRecord + 16 * kRecordOverhead;
  // The output buffers' capacity kept between responses; larger ones are freed.
  static constexpr size_t kKeptOutput = 64 << 10;

  boost::asio::ip::tcp::socket& socket_;
  std::function<void()> on_output_;
  SSL* ssl_ = nullptr;
  bool handshake_done_ = false;
  // Ciphertext received, in_[in_begin_, in_end_) not yet read by OpenSSL. Allocated at the
  // first read and never zeroed: pages are only touched as far as reads have filled it.
  std::unique_ptr<uint8_t[]> in_;
  size_t in_begin_ = 0;
  size_t in_end_ = 0;
  // Ciphertext to send, and what is being sent (reading may add to out_ meanwhile).
  std::vector<uint8_t> out_;
  std::vector<uint8_t> sending_;
  // Plaintext pieces gathered into one record (a response's small fields and batches).
  std::unique_ptr<uint8_t[]> record_;
  size_t record_size_ = 0;
};

}  // namespace chronik::broker::net
