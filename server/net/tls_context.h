// TLS configuration and the server's OpenSSL context (docs/security.md, TLS).
//
// TlsOptions holds the tls-* parameters as Redis names them; BuildTlsContext
// turns them into an SSL_CTX (certificate and key, CA for client
// certificates, protocols, ciphers, session cache). TlsContextHolder is the
// process-wide owner: the config registry writes the options through it, and
// once TLS is live (Activate) every CONFIG SET of tls-* parameters rebuilds
// the context, as redis-server does. A rebuild that fails leaves the context
// as it was; CONFIG SET then fails and restores the old values.
//
// Invariants: a published SSL_CTX is never modified (OpenSSL lets many
// threads create sessions from an unchanging context); connections hold
// their own reference (SSL_new takes one), so a reload never disturbs a
// connection already open: it keeps the certificate it was accepted with.
//
// Thread-safety: every TlsContextHolder method may be called from any thread.
#ifndef SHOAL_SERVER_NET_TLS_CONTEXT_H_
#define SHOAL_SERVER_NET_TLS_CONTEXT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace shoal {

class ConfigRegistry;

// tls-auth-clients: yes (a client certificate signed by the CA is
// required), optional (checked when presented), no (not asked for).
enum class TlsAuthClients { kYes, kNo, kOptional };

// Protocol versions as bits (tls-protocols).
inline constexpr int kTlsV1 = 1;
inline constexpr int kTlsV1_1 = 2;
inline constexpr int kTlsV1_2 = 4;
inline constexpr int kTlsV1_3 = 8;
inline constexpr int kTlsDefaultProtocols = kTlsV1_2 | kTlsV1_3;

struct TlsOptions {
  std::string cert_file;
  std::string key_file;
  std::string key_file_pass;
  // The certificate a replica shows its primary; "" = cert_file/key_file.
  std::string client_cert_file;
  std::string client_key_file;
  std::string client_key_file_pass;
  std::string ca_cert_file;
  std::string ca_cert_dir;
  std::string dh_params_file;  // "" = OpenSSL picks DH parameters itself
  TlsAuthClients auth_clients = TlsAuthClients::kYes;
  std::string protocols;     // as configured; "" = TLSv1.2 and TLSv1.3
  std::string ciphers;       // TLSv1.2 and below; "" = OpenSSL's default
  std::string ciphersuites;  // TLSv1.3; "" = OpenSSL's default
  bool prefer_server_ciphers = false;
  bool session_caching = true;
  int64_t session_cache_size = 20480;
  int64_t session_cache_timeout_s = 300;
  bool replication = false;  // tls-replication: the link to a primary speaks TLS
  bool cluster = false;      // tls-cluster: the cluster bus speaks TLS (start-up only)
};

// "TLSv1.2 TLSv1.3" (case-insensitive, space separated) -> bits; "" gives
// kTlsDefaultProtocols. False on an unknown word.
bool ParseTlsProtocols(std::string_view text, int* mask);
bool ParseTlsAuthClients(std::string_view text, TlsAuthClients* out);
std::string_view TlsAuthClientsName(TlsAuthClients v);

// A server context for `o`; the error says which file or setting failed,
// with OpenSSL's reason.
absl::StatusOr<SSL_CTX*> BuildTlsContext(const TlsOptions& o);
// A client context for a replica's link to its primary: the client
// certificate (tls-client-cert-file, else tls-cert-file), and the CAs the
// primary's certificate must chain to.
absl::StatusOr<SSL_CTX*> BuildTlsClientContext(const TlsOptions& o);

// The last OpenSSL error of this thread as text ("" if none); clears the
// thread's error queue.
std::string TakeOpenSslError();

class TlsContextHolder {
 public:
  TlsContextHolder() = default;
  ~TlsContextHolder();
  TlsContextHolder(const TlsContextHolder&) = delete;
  TlsContextHolder& operator=(const TlsContextHolder&) = delete;

  // Builds the context from the options set so far; from then on each option
  // change rebuilds it. Called once at start-up when a TLS port is set.
  absl::Status Activate();
  bool active() const;

  // A new reference to the current context (the caller SSL_CTX_free()s
  // it), or null before Activate.
  SSL_CTX* Acquire() const;
  // The same for the client context; null unless tls-replication or
  // tls-cluster is yes.
  SSL_CTX* AcquireClient() const;

  TlsOptions options() const;
  // Applies `change` to the options (validating values only); the context
  // is rebuilt by Reload, which CONFIG SET runs once after all its values
  // (the registry's apply hook), so a certificate and its key can change
  // together.
  template <typename F>
  absl::Status Update(F change) {
    absl::MutexLock l(&mu_);
    TlsOptions next = options_;
    absl::Status st = change(&next);
    if (st.ok()) options_ = std::move(next);
    return st;
  }
  // When active (or once tls-replication is yes): builds the contexts from
  // the current options (re-reading the files) and publishes them; on
  // failure the previous ones stay.
  absl::Status Reload();

 private:
  mutable absl::Mutex mu_;
  TlsOptions options_ ABSL_GUARDED_BY(mu_);
  SSL_CTX* ctx_ ABSL_GUARDED_BY(mu_) = nullptr;
  SSL_CTX* client_ctx_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool active_ ABSL_GUARDED_BY(mu_) = false;
};

// Registers tls-port (read-only: `tls_port`) and every tls-* parameter in
// the registry, backed by `holder`.
void RegisterTlsConfig(ConfigRegistry* registry, TlsContextHolder* holder, int tls_port);

}  // namespace shoal

#endif  // SHOAL_SERVER_NET_TLS_CONTEXT_H_
