// TlsSession implementation: SSL object in accept state over two memory
// BIOs. Memory BIOs grow as needed, so SSL_write always takes a whole reply
// once the handshake is done, and SSL_read reports WANT_READ instead of
// blocking when a record is incomplete.
#include "server/net/tls_session.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>

#include "server/net/tls_context.h"

namespace shoal {

std::unique_ptr<TlsSession> TlsSession::CreateClient(SSL_CTX* ctx) {
  std::unique_ptr<TlsSession> s = Create(ctx);
  if (s != nullptr) SSL_set_connect_state(s->ssl_);
  return s;
}

std::unique_ptr<TlsSession> TlsSession::Create(SSL_CTX* ctx) {
  std::unique_ptr<TlsSession> s(new TlsSession);
  s->ssl_ = SSL_new(ctx);
  if (s->ssl_ == nullptr) return nullptr;
  s->in_ = BIO_new(BIO_s_mem());
  s->out_ = BIO_new(BIO_s_mem());
  if (s->in_ == nullptr || s->out_ == nullptr) {
    BIO_free(s->in_);
    BIO_free(s->out_);
    s->in_ = s->out_ = nullptr;
    return nullptr;
  }
  // An empty memory BIO reads as "retry", not as end of file.
  BIO_set_mem_eof_return(s->in_, -1);
  BIO_set_mem_eof_return(s->out_, -1);
  SSL_set_bio(s->ssl_, s->in_, s->out_);
  SSL_set_accept_state(s->ssl_);
  return s;
}

void TlsSession::RequirePeerCertificate() {
  SSL_set_verify(ssl_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
}

TlsSession::~TlsSession() {
  if (ssl_ != nullptr) SSL_free(ssl_);  // frees both BIOs
}

void TlsSession::FeedInput(const char* data, size_t n) {
  if (n > 0) BIO_write(in_, data, static_cast<int>(n));
}

void TlsSession::NoteFatal(int ret) {
  failed_ = true;
  error_ = TakeOpenSslError();
  if (error_.empty()) error_ = ret == 0 ? "unexpected end of stream" : "TLS failure";
  long verify = SSL_get_verify_result(ssl_);
  if (verify != X509_V_OK) {
    error_ += " (";
    error_ += X509_verify_cert_error_string(verify);
    error_ += ")";
  }
}

TlsSession::ReadResult TlsSession::Read(char* buf, size_t cap, size_t* n) {
  *n = 0;
  if (failed_) return ReadResult::kError;
  ERR_clear_error();
  size_t got = 0;
  int ret = SSL_read_ex(ssl_, buf, cap, &got);
  if (ret == 1) {
    *n = got;
    return ReadResult::kData;
  }
  switch (SSL_get_error(ssl_, ret)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:  // the output BIO never fills: only handshake output
      return ReadResult::kNeedMore;
    case SSL_ERROR_ZERO_RETURN:
      return ReadResult::kClosed;
    default:
      NoteFatal(ret);
      return ReadResult::kError;
  }
}

TlsSession::ReadResult TlsSession::Handshake() {
  if (failed_) return ReadResult::kError;
  ERR_clear_error();
  int ret = SSL_do_handshake(ssl_);
  if (ret == 1) return ReadResult::kData;
  switch (SSL_get_error(ssl_, ret)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      return ReadResult::kNeedMore;
    default:
      NoteFatal(ret);
      return ReadResult::kError;
  }
}

size_t TlsSession::Write(std::string_view plain, std::string* out) {
  constexpr size_t kBatch = 64 * 1024;  // four full records
  size_t taken = 0;
  while (taken < plain.size() && !failed_) {
    size_t n = std::min(kBatch, plain.size() - taken);
    ERR_clear_error();
    size_t written = 0;
    int ret = SSL_write_ex(ssl_, plain.data() + taken, n, &written);
    if (ret != 1) {
      int err = SSL_get_error(ssl_, ret);
      if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) NoteFatal(ret);
      break;
    }
    taken += written;
    TakeOutput(out);
  }
  return failed_ ? 0 : taken;
}

void TlsSession::TakeOutput(std::string* out) {
  size_t pending = BIO_ctrl_pending(out_);
  if (pending == 0) return;
  size_t at = out->size();
  out->resize(at + pending);
  size_t got = 0;
  if (BIO_read_ex(out_, out->data() + at, pending, &got) != 1) got = 0;
  out->resize(at + got);
}

bool TlsSession::HasOutput() const { return BIO_ctrl_pending(out_) > 0; }

void TlsSession::Shutdown() {
  if (failed_ || !SSL_is_init_finished(ssl_)) return;
  ERR_clear_error();
  SSL_shutdown(ssl_);
  ERR_clear_error();
}

bool TlsSession::handshake_done() const { return SSL_is_init_finished(ssl_); }

std::string_view TlsSession::protocol() const { return SSL_get_version(ssl_); }

std::string_view TlsSession::cipher() const {
  const char* c = SSL_get_cipher_name(ssl_);
  return c == nullptr ? "" : c;
}

}  // namespace shoal
