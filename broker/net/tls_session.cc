#include "broker/net/tls_session.h"

#include <openssl/bio.h>
#include <openssl/err.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>

namespace chronik::broker::net {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using boost::system::error_code;

// The BIO through which OpenSSL reads and writes a session's buffers.
struct TlsSessionBio {
  static int read(BIO* bio, char* data, size_t size, size_t* done) {
    BIO_clear_retry_flags(bio);
    auto* session = static_cast<TlsSession*>(BIO_get_data(bio));
    *done = session->take_input(reinterpret_cast<uint8_t*>(data), size);
    if (*done > 0) return 1;
    BIO_set_retry_read(bio);  // nothing buffered: the session reads the socket, then OpenSSL again
    return 0;
  }
  static int write(BIO* bio, const char* data, size_t size, size_t* done) {
    BIO_clear_retry_flags(bio);
    static_cast<TlsSession*>(BIO_get_data(bio))
        ->append_output(reinterpret_cast<const uint8_t*>(data), size);
    *done = size;
    return 1;
  }
  static long control(BIO*, int command, long, void*) {
    return command == BIO_CTRL_FLUSH ? 1 : 0;  // the session sends when it is ready to
  }
  static const BIO_METHOD* method() {
    static const BIO_METHOD* const made = [] {
      BIO_METHOD* m =
          BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "chronik TLS session buffers");
      if (!m || !BIO_meth_set_read_ex(m, read) || !BIO_meth_set_write_ex(m, write) ||
          !BIO_meth_set_ctrl(m, control))
        throw std::runtime_error("cannot make OpenSSL's BIO for TLS sessions");
      return m;
    }();
    return made;
  }
};

TlsSession::TlsSession(SSL_CTX* context, asio::ip::tcp::socket& socket,
                       std::function<void()> on_output)
    : socket_(socket), on_output_(std::move(on_output)), ssl_(SSL_new(context)) {
  if (!ssl_) throw std::runtime_error("cannot start a TLS session (SSL_new failed)");
  BIO* bio = BIO_new(TlsSessionBio::method());
  if (!bio) {
    SSL_free(ssl_);
    throw std::runtime_error("cannot start a TLS session (BIO_new failed)");
  }
  BIO_set_data(bio, this);
  BIO_set_init(bio, 1);
  SSL_set_bio(ssl_, bio, bio);  // the session's, freed with it
  // As Kafka: a client cannot renegotiate (TLS 1.2), which would make reading write.
  SSL_set_options(ssl_, SSL_OP_NO_RENEGOTIATION);
  SSL_set_accept_state(ssl_);
}

TlsSession::~TlsSession() { SSL_free(ssl_); }

size_t TlsSession::take_input(uint8_t* data, size_t size) {
  const size_t n = std::min(size, in_end_ - in_begin_);
  if (n == 0) return 0;
  std::memcpy(data, in_.get() + in_begin_, n);
  in_begin_ += n;
  return n;
}

void TlsSession::append_output(const uint8_t* data, size_t size) {
  out_.insert(out_.end(), data, data + size);
}

error_code TlsSession::failure(int code) const {
  if (const unsigned long e = ERR_get_error())
    return {static_cast<int>(e), asio::error::get_ssl_category()};
  if (code == SSL_ERROR_ZERO_RETURN) return asio::error::eof;
  return asio::ssl::error::stream_truncated;
}

awaitable<error_code> TlsSession::fill() {
  if (!in_) in_.reset(new uint8_t[kInputCapacity]);
  if (in_begin_ == in_end_) {
    in_begin_ = in_end_ = 0;
  } else if (in_begin_ > 0) {  // a record's start, kept while the rest arrives
    std::memmove(in_.get(), in_.get() + in_begin_, in_end_ - in_begin_);
    in_end_ -= in_begin_;
    in_begin_ = 0;
  }
  error_code ec;
  const size_t n =
      co_await socket_.async_read_some(asio::buffer(in_.get() + in_end_, kInputCapacity - in_end_),
                                       asio::redirect_error(use_awaitable, ec));
  in_end_ += n;
  co_return ec;
}

awaitable<error_code> TlsSession::flush() {
  error_code ec;
  while (!out_.empty() && !ec) {
    sending_.swap(out_);
    co_await asio::async_write(socket_, asio::buffer(sending_),
                               asio::redirect_error(use_awaitable, ec));
    sending_.clear();
  }
  co_return ec;
}

awaitable<error_code> TlsSession::handshake() {
  for (;;) {
    ERR_clear_error();
    const int r = SSL_do_handshake(ssl_);
    if (r == 1) {
      handshake_done_ = true;
      co_return co_await flush();
    }
    const int code = SSL_get_error(ssl_, r);
    if (code != SSL_ERROR_WANT_READ) {
      const error_code ec = failure(code);
      co_await flush();  // the alert, so that the client learns why
      co_return ec;
    }
    if (auto ec = co_await flush()) co_return ec;
    if (auto ec = co_await fill()) co_return ec;
  }
}

awaitable<size_t> TlsSession::read_some(uint8_t* data, size_t size) {
  if (size == 0) co_return 0;
  for (;;) {
    ERR_clear_error();
    size_t total = 0;
    size_t n = 0;
    int r = 0;
    // Every record already received, as far as `data` has room.
    while (total < size && (r = SSL_read_ex(ssl_, data + total, size - total, &n)) == 1) total += n;
    if (!out_.empty() && on_output_) on_output_();
    if (total > 0) co_return total;
    const int code = SSL_get_error(ssl_, r);
    if (code != SSL_ERROR_WANT_READ) throw boost::system::system_error(failure(code));
    if (auto ec = co_await fill()) throw boost::system::system_error(ec);
  }
}

void TlsSession::encrypt(const uint8_t* data, size_t size) {
  ERR_clear_error();
  size_t written = 0;
  const int r = SSL_write_ex(ssl_, data, size, &written);
  if (r != 1) throw boost::system::system_error(failure(SSL_get_error(ssl_, r)));
}

awaitable<void> TlsSession::write(const std::vector<asio::const_buffer>& buffers) {
  if (!record_) record_.reset(new uint8_t[kRecord]);
  // Room for what one flush holds: growing a vector record by record would copy the
  // ciphertext again at each doubling.
  size_t bytes = 0;
  for (const auto& buffer : buffers) bytes += buffer.size();
  const size_t needed = std::min(bytes + bytes / kRecord * kRecordOverhead + kRecord, kOutputCapacity);
  out_.reserve(needed);
  sending_.reserve(needed);
  for (const auto& buffer : buffers) {
    auto* data = static_cast<const uint8_t*>(buffer.data());
    size_t size = buffer.size();
    // Pieces top up the record being gathered; whole records of a large piece are encrypted
    // where they are, without a copy.
    if (record_size_ > 0) {
      const size_t n = std::min(size, kRecord - record_size_);
      std::memcpy(record_.get() + record_size_, data, n);
      record_size_ += n;
      data += n;
      size -= n;
      if (record_size_ == kRecord) {
        encrypt(record_.get(), kRecord);
        record_size_ = 0;
      }
    }
    while (size >= kRecord) {
      // No more than fills out_ to kFlushBytes: out_ never outgrows what it reserved.
      const size_t room = kFlushBytes > out_.size() ? kFlushBytes - out_.size() : 0;
      const size_t n = std::min(size - size % kRecord, std::max(room - room % kRecord, kRecord));
      encrypt(data, n);
      data += n;
      size -= n;
      if (out_.size() >= kFlushBytes)
        if (auto ec = co_await flush()) throw boost::system::system_error(ec);
    }
    if (size > 0) {
      std::memcpy(record_.get() + record_size_, data, size);
      record_size_ += size;
    }
    if (out_.size() >= kFlushBytes)
      if (auto ec = co_await flush()) throw boost::system::system_error(ec);
  }
  if (record_size_ > 0) {
    encrypt(record_.get(), record_size_);
    record_size_ = 0;
  }
  if (auto ec = co_await flush()) throw boost::system::system_error(ec);
  // A large response's buffers are not kept for the connection's life: the allocator hands
  // the memory to the next response, of this connection or another.
  if (sending_.capacity() > kKeptOutput) sending_ = {};
  if (out_.empty() && out_.capacity() > kKeptOutput) out_ = {};
}

}  // namespace chronik::broker::net
