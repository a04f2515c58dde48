// ReplStream: the byte stream of one replication link over a blocking
// socket, plain or TLS (tls-replication). A replica's PrimaryLink makes a
// client-side TLS stream and runs the handshake itself; a primary's feeder
// takes over the server-side TlsSession of the client connection that sent
// PSYNC (TlsHandoff), so the session the replica negotiated carries on.
//
// Send and Recv may run on two threads at once (the feeder's sender and
// reader). The TLS state lives behind one lock that also covers writing the
// ciphertext it produced, so records reach the socket in the order they
// were made; Recv waits for the socket without the lock.
#ifndef SHOAL_SERVER_REPLICATION_REPL_STREAM_H_
#define SHOAL_SERVER_REPLICATION_REPL_STREAM_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>

#include "absl/synchronization/mutex.h"
#include "server/net/tls_session.h"

namespace shoal {

// Where a worker leaves a TLS connection's session when the connection ends
// because it became a replica link (ClientSession::tls_handoff).
struct TlsHandoff {
  absl::Mutex mu;
  std::unique_ptr<TlsSession> session ABSL_GUARDED_BY(mu);
};

class ReplStream {
 public:
  // Plain TCP on fd (not owned).
  explicit ReplStream(int fd) : fd_(fd) {}
  // TLS on fd through `tls`.
  ReplStream(int fd, std::unique_ptr<TlsSession> tls) : fd_(fd), tls_(std::move(tls)) {}

  // A client stream: runs the TLS handshake to its end, waiting at most the
  // socket's receive timeout for each message; false with *error otherwise.
  bool Handshake(std::string* error);
  // Writes all of `data`; false when the peer is gone or TLS failed.
  bool Send(std::string_view data);
  // Up to cap plaintext bytes: > 0 read; 0 the peer closed or TLS failed;
  // -1 with errno set (EAGAIN after the receive timeout, EINTR).
  ssize_t Recv(char* buf, size_t cap);
  bool tls() const { return tls_ != nullptr; }
  // Why the stream ended, for the log: the TLS error (e.g. the peer's alert
  // refusing our certificate, which TLS 1.3 delivers after the handshake),
  // else "connection lost".
  std::string FailureText();
  // The negotiated protocol and cipher ("TLSv1.3 TLS_AES_256_GCM_SHA384").
  std::string TlsDescription();

 private:
  // Sends what the session has queued for the peer. Requires mu_.
  bool FlushTlsLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const int fd_;
  absl::Mutex mu_;
  std::unique_ptr<TlsSession> tls_;  // null on a plain stream; its state guarded by mu_
};

// A client stream on fd: plain when `client_ctx` is null, else TLS with a
// finished handshake (the caller keeps its reference to the context). Null
// with *error when the handshake failed.
std::unique_ptr<ReplStream> OpenClientStream(int fd, SSL_CTX* client_ctx, std::string* error);

}  // namespace shoal

#endif  // SHOAL_SERVER_REPLICATION_REPL_STREAM_H_
