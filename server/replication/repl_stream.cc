// ReplStream implementation (see repl_stream.h).
#include "server/replication/repl_stream.h"

#include <errno.h>
#include <sys/socket.h>

#include "server/replication/repl_socket.h"

namespace shoal {
namespace {

constexpr size_t kCipherChunk = 16 * 1024 + 512;  // one TLS record and its overhead

}  // namespace

bool ReplStream::FlushTlsLocked() {
  std::string out;
  tls_->TakeOutput(&out);
  return out.empty() || SendAll(fd_, out);
}

bool ReplStream::Handshake(std::string* error) {
  absl::MutexLock l(&mu_);
  char buf[kCipherChunk];
  for (;;) {
    TlsSession::ReadResult r = tls_->Handshake();
    if (!FlushTlsLocked()) {
      *error = "connection lost during the TLS handshake";
      return false;
    }
    if (r == TlsSession::ReadResult::kData) return true;
    if (r != TlsSession::ReadResult::kNeedMore) {
      *error = tls_->error();
      return false;
    }
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = n == 0 ? "connection closed during the TLS handshake" : "TLS handshake timed out";
      return false;
    }
    tls_->FeedInput(buf, static_cast<size_t>(n));
  }
}

bool ReplStream::Send(std::string_view data) {
  if (tls_ == nullptr) return SendAll(fd_, data);
  absl::MutexLock l(&mu_);
  std::string out;
  if (tls_->Write(data, &out) != data.size()) return false;
  tls_->TakeOutput(&out);
  return SendAll(fd_, out);
}

ssize_t ReplStream::Recv(char* buf, size_t cap) {
  if (tls_ == nullptr) return recv(fd_, buf, cap, 0);
  char cipher[kCipherChunk];
  for (;;) {
    {
      absl::MutexLock l(&mu_);
      size_t n = 0;
      TlsSession::ReadResult r = tls_->Read(buf, cap, &n);
      // Reading may answer the peer (a key update, a close_notify).
      if (!FlushTlsLocked()) return 0;
      if (r == TlsSession::ReadResult::kData) return static_cast<ssize_t>(n);
      if (r != TlsSession::ReadResult::kNeedMore) return 0;
    }
    ssize_t n = recv(fd_, cipher, sizeof(cipher), 0);
    if (n <= 0) return n;  // errno is recv's
    absl::MutexLock l(&mu_);
    tls_->FeedInput(cipher, static_cast<size_t>(n));
  }
}

std::unique_ptr<ReplStream> OpenClientStream(int fd, SSL_CTX* client_ctx, std::string* error) {
  if (client_ctx == nullptr) return std::make_unique<ReplStream>(fd);
  std::unique_ptr<TlsSession> session = TlsSession::CreateClient(client_ctx);
  if (session == nullptr) {
    *error = "cannot create a TLS session";
    return nullptr;
  }
  auto stream = std::make_unique<ReplStream>(fd, std::move(session));
  if (!stream->Handshake(error)) return nullptr;
  return stream;
}

std::string ReplStream::FailureText() {
  if (tls_ != nullptr) {
    absl::MutexLock l(&mu_);
    if (tls_->failed()) return "TLS: " + tls_->error();
  }
  return "connection lost";
}

std::string ReplStream::TlsDescription() {
  if (tls_ == nullptr) return "";
  absl::MutexLock l(&mu_);
  std::string d(tls_->protocol());
  d += ' ';
  d += tls_->cipher();
  return d;
}

}  // namespace shoal
