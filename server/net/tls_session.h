// TlsSession: the TLS state of one client connection, over a pair of
// OpenSSL memory BIOs, so that it never touches the socket and never blocks.
//
// The connection feeds the ciphertext it read from the socket (FeedInput),
// takes plaintext out (Read) for its RESP parser, hands its replies to
// Write, and sends whatever TakeOutput returns — handshake messages, alerts,
// encrypted replies — through its ordinary write path. The handshake
// (server side), TLS 1.3 key updates and session tickets all happen inside
// Read and Write; the caller only has to send TakeOutput after each.
// Renegotiation is refused (SSL_OP_NO_RENEGOTIATION): clients never need it
// and it is a cheap way to make a server work.
//
// Owned by one Connection and touched only by its worker thread — or, once
// the connection became a replica link, by that link's threads under its
// lock (server/replication/repl_stream.h).
#ifndef SHOAL_SERVER_NET_TLS_SESSION_H_
#define SHOAL_SERVER_NET_TLS_SESSION_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;
typedef struct bio_st BIO;

namespace shoal {

class TlsSession {
 public:
  // A server-side session on `ctx` (which gains a reference); null if
  // OpenSSL cannot allocate one.
  static std::unique_ptr<TlsSession> Create(SSL_CTX* ctx);
  // A client-side session (a replica's link to its primary): the handshake
  // starts with the first Handshake, Read or Write.
  static std::unique_ptr<TlsSession> CreateClient(SSL_CTX* ctx);
  // A server session that refuses a peer without a certificate the context's
  // CAs signed, whatever the context's tls-auth-clients (the cluster bus).
  void RequirePeerCertificate();
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Ciphertext from the peer.
  void FeedInput(const char* data, size_t n);

  enum class ReadResult {
    kData,     // *n plaintext bytes were written to buf
    kNeedMore, // nothing more until more ciphertext arrives
    kClosed,   // the peer sent close_notify
    kError,    // handshake or record failure: error() says why; close
  };
  // Advances the handshake and decrypts into buf (up to cap bytes).
  ReadResult Read(char* buf, size_t cap, size_t* n);

  // Advances the handshake only: kData once it is finished, kNeedMore while
  // it waits for the peer (send TakeOutput first), kError on failure.
  ReadResult Handshake();

  // Encrypts `plain` and appends the ciphertext (with any other pending
  // output) to *out, a record batch at a time, so the output BIO never holds
  // more than one batch: a big reply does not leave a big buffer behind in
  // OpenSSL. Returns the plaintext bytes taken: all of them, or 0 while the
  // handshake is not finished (offer the same bytes, or more, again after
  // the next input) or after a fatal error (failed()).
  size_t Write(std::string_view plain, std::string* out);

  // Moves the bytes waiting to be sent to the peer to the end of *out.
  void TakeOutput(std::string* out);
  bool HasOutput() const;

  // Queues close_notify (after a finished handshake); TakeOutput has it.
  void Shutdown();

  bool handshake_done() const;
  bool failed() const { return failed_; }
  const std::string& error() const { return error_; }
  // Negotiated protocol and cipher ("TLSv1.3", "TLS_AES_256_GCM_SHA384").
  std::string_view protocol() const;
  std::string_view cipher() const;

 private:
  TlsSession() = default;
  void NoteFatal(int ret);

  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;   // peer -> us; owned by ssl_
  BIO* out_ = nullptr;  // us -> peer; owned by ssl_
  bool failed_ = false;
  std::string error_;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_NET_TLS_SESSION_H_
