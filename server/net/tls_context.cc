// TLS context: option parsing, SSL_CTX construction, reload on CONFIG SET,
// and the tls-* parameters of the config registry.
#include "server/net/tls_context.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstring>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_split.h"
#include "base/strings.h"
#include "server/dispatch/config_registry.h"

namespace shoal {
namespace {

// Session ids are valid only in the context that made them: resumption
// with client certificates requires a session id context.
constexpr unsigned char kSessionIdContext[] = "shoal";

int PasswordCallback(char* buf, int size, int, void* userdata) {
  const auto* pass = static_cast<const std::string*>(userdata);
  if (pass == nullptr || size <= 0) return 0;
  int n = static_cast<int>(std::min<size_t>(pass->size(), static_cast<size_t>(size)));
  std::memcpy(buf, pass->data(), n);
  return n;
}

absl::Status Fail(std::string_view what) {
  std::string why = TakeOpenSslError();
  if (why.empty()) return absl::InvalidArgumentError(std::string(what));
  return absl::InvalidArgumentError(StrCat(what, ": ", why));
}

// Lowest and highest enabled version, and the versions between them that
// are switched off (OpenSSL takes a range plus exclusions).
void ApplyProtocols(SSL_CTX* ctx, int mask) {
  struct Version {
    int bit;
    int openssl;
    uint64_t no_option;
  };
  const Version versions[] = {{kTlsV1, TLS1_VERSION, SSL_OP_NO_TLSv1},
                              {kTlsV1_1, TLS1_1_VERSION, SSL_OP_NO_TLSv1_1},
                              {kTlsV1_2, TLS1_2_VERSION, SSL_OP_NO_TLSv1_2},
                              {kTlsV1_3, TLS1_3_VERSION, SSL_OP_NO_TLSv1_3}};
  int lo = 0, hi = 0;
  for (const Version& v : versions) {
    if (mask & v.bit) {
      if (lo == 0) lo = v.openssl;
      hi = v.openssl;
    }
  }
  SSL_CTX_set_min_proto_version(ctx, lo);
  SSL_CTX_set_max_proto_version(ctx, hi);
  for (const Version& v : versions) {
    if (!(mask & v.bit) && v.openssl > lo && v.openssl < hi) SSL_CTX_set_options(ctx, v.no_option);
  }
}

}  // namespace

bool ParseTlsProtocols(std::string_view text, int* mask) {
  int m = 0;
  for (absl::string_view word : absl::StrSplit(ToAbsl(text), ' ', absl::SkipWhitespace())) {
    std::string w = AsciiLower(ToStd(word));
    if (w == "tlsv1") {
      m |= kTlsV1;
    } else if (w == "tlsv1.1") {
      m |= kTlsV1_1;
    } else if (w == "tlsv1.2") {
      m |= kTlsV1_2;
    } else if (w == "tlsv1.3") {
      m |= kTlsV1_3;
    } else {
      return false;
    }
  }
  *mask = m == 0 ? kTlsDefaultProtocols : m;
  return true;
}

bool ParseTlsAuthClients(std::string_view text, TlsAuthClients* out) {
  std::string l = AsciiLower(text);
  if (l == "yes") {
    *out = TlsAuthClients::kYes;
  } else if (l == "no") {
    *out = TlsAuthClients::kNo;
  } else if (l == "optional") {
    *out = TlsAuthClients::kOptional;
  } else {
    return false;
  }
  return true;
}

std::string_view TlsAuthClientsName(TlsAuthClients v) {
  switch (v) {
    case TlsAuthClients::kYes:
      return "yes";
    case TlsAuthClients::kNo:
      return "no";
    case TlsAuthClients::kOptional:
      return "optional";
  }
  return "yes";
}

std::string TakeOpenSslError() {
  unsigned long last = 0, e;
  while ((e = ERR_get_error()) != 0) last = e;
  if (last == 0) return "";
  char buf[256];
  ERR_error_string_n(last, buf, sizeof(buf));
  return buf;
}

namespace {

const char kNoTlsReplicationInCluster[] =
    "tls-replication yes in cluster mode needs tls-cluster yes (replicas follow the port the "
    "cluster announces)";

const char kBadProtocols[] =
    "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and "
    "'TLSv1.3'.";

// What a server and a client context share: modes, options, protocols, a
// certificate with its key, the trusted CAs and the cipher lists. Frees ctx
// on failure.
absl::Status SetUpContext(SSL_CTX* ctx, const TlsOptions& o, int protocols,
                          const std::string& cert, const std::string& key,
                          const std::string& key_pass) {
  auto fail = [ctx](std::string_view what) {
    absl::Status st = Fail(what);
    SSL_CTX_free(ctx);
    return st;
  };
  // Memory BIOs never block and replies may be re-offered from a buffer
  // that moved; idle connections give their record buffers back.
  SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  uint64_t opts = SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION;
  if (o.prefer_server_ciphers) opts |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  if (!o.session_caching) opts |= SSL_OP_NO_TICKET;
  SSL_CTX_set_options(ctx, opts);
  ApplyProtocols(ctx, protocols);

  // The password callback is used only while the key is loaded below.
  SSL_CTX_set_default_passwd_cb(ctx, PasswordCallback);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, const_cast<std::string*>(&key_pass));
  if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) <= 0) {
    return fail(StrCat("Failed to load certificate: ", cert));
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) <= 0) {
    return fail(StrCat("Failed to load private key: ", key));
  }
  SSL_CTX_set_default_passwd_cb(ctx, nullptr);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return fail(StrCat("Private key ", key, " does not match certificate ", cert));
  }
  if (!o.ca_cert_file.empty() || !o.ca_cert_dir.empty()) {
    const char* file = o.ca_cert_file.empty() ? nullptr : o.ca_cert_file.c_str();
    const char* dir = o.ca_cert_dir.empty() ? nullptr : o.ca_cert_dir.c_str();
    if (SSL_CTX_load_verify_locations(ctx, file, dir) <= 0) {
      return fail(StrCat("Failed to configure CA certificate(s) file/directory: ",
                         file ? file : "", file && dir ? " " : "", dir ? dir : ""));
    }
  }
  if (!o.ciphers.empty() && SSL_CTX_set_cipher_list(ctx, o.ciphers.c_str()) != 1) {
    return fail(StrCat("Failed to configure ciphers: ", o.ciphers));
  }
  if (!o.ciphersuites.empty() && SSL_CTX_set_ciphersuites(ctx, o.ciphersuites.c_str()) != 1) {
    return fail(StrCat("Failed to configure ciphersuites: ", o.ciphersuites));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SSL_CTX*> BuildTlsContext(const TlsOptions& o) {
  ERR_clear_error();
  if (o.cert_file.empty()) return absl::InvalidArgumentError("No tls-cert-file configured");
  if (o.key_file.empty()) return absl::InvalidArgumentError("No tls-key-file configured");
  const bool need_ca = o.auth_clients != TlsAuthClients::kNo || o.replication || o.cluster;
  if (need_ca && o.ca_cert_file.empty() && o.ca_cert_dir.empty()) {
    return absl::InvalidArgumentError(
        "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, "
        "tls-replication or tls-auth-clients are enabled");
  }
  int mask;
  if (!ParseTlsProtocols(o.protocols, &mask)) return absl::InvalidArgumentError(kBadProtocols);
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return Fail("Failed to create an SSL context");
  absl::Status st = SetUpContext(ctx, o, mask, o.cert_file, o.key_file, o.key_file_pass);
  if (!st.ok()) return st;  // ctx freed
  auto fail = [ctx](std::string_view what) {
    absl::Status st = Fail(what);
    SSL_CTX_free(ctx);
    return st;
  };
  if (!o.ca_cert_file.empty()) {
    // Tells clients which CAs are trusted, so they pick the right cert.
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(o.ca_cert_file.c_str());
    if (names != nullptr) SSL_CTX_set_client_CA_list(ctx, names);
  }
  switch (o.auth_clients) {
    case TlsAuthClients::kYes:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
      break;
    case TlsAuthClients::kOptional:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
      break;
    case TlsAuthClients::kNo:
      SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
      break;
  }
  if (o.dh_params_file.empty()) {
    SSL_CTX_set_dh_auto(ctx, 1);  // DHE ciphers of TLSv1.2 get sized parameters
  } else {
    BIO* bio = BIO_new_file(o.dh_params_file.c_str(), "r");
    EVP_PKEY* dh = bio != nullptr ? PEM_read_bio_Parameters(bio, nullptr) : nullptr;
    BIO_free(bio);
    if (dh == nullptr || SSL_CTX_set0_tmp_dh_pkey(ctx, dh) != 1) {
      EVP_PKEY_free(dh);
      return fail(StrCat("Failed to load DH parameters file: ", o.dh_params_file));
    }
  }
  if (o.session_caching) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx, o.session_cache_size);
    SSL_CTX_set_timeout(ctx, o.session_cache_timeout_s);
    SSL_CTX_set_session_id_context(ctx, kSessionIdContext, sizeof(kSessionIdContext) - 1);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  }
  return ctx;
}

absl::StatusOr<SSL_CTX*> BuildTlsClientContext(const TlsOptions& o) {
  ERR_clear_error();
  const bool own = !o.client_cert_file.empty();
  const std::string& cert = own ? o.client_cert_file : o.cert_file;
  const std::string& key = own ? o.client_key_file : o.key_file;
  const std::string& pass = own ? o.client_key_file_pass : o.key_file_pass;
  if (cert.empty()) return absl::InvalidArgumentError("No tls-cert-file configured");
  if (key.empty()) {
    return absl::InvalidArgumentError(own ? "No tls-client-key-file configured"
                                          : "No tls-key-file configured");
  }
  if (o.ca_cert_file.empty() && o.ca_cert_dir.empty()) {
    return absl::InvalidArgumentError(
        "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster or "
        "tls-replication is enabled");
  }
  int mask;
  if (!ParseTlsProtocols(o.protocols, &mask)) return absl::InvalidArgumentError(kBadProtocols);
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return Fail("Failed to create an SSL context");
  absl::Status st = SetUpContext(ctx, o, mask, cert, key, pass);
  if (!st.ok()) return st;
  // The primary's certificate must chain to a trusted CA (as redis-server,
  // the name in it is not checked).
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  return ctx;
}

TlsContextHolder::~TlsContextHolder() {
  absl::MutexLock l(&mu_);
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  if (client_ctx_ != nullptr) SSL_CTX_free(client_ctx_);
}

absl::Status TlsContextHolder::Activate() {
  {
    absl::MutexLock l(&mu_);
    active_ = true;
  }
  absl::Status st = Reload();
  if (!st.ok()) {
    absl::MutexLock l(&mu_);
    active_ = false;
  }
  return st;
}

bool TlsContextHolder::active() const {
  absl::MutexLock l(&mu_);
  return active_;
}

SSL_CTX* TlsContextHolder::Acquire() const {
  absl::MutexLock l(&mu_);
  if (ctx_ == nullptr) return nullptr;
  SSL_CTX_up_ref(ctx_);
  return ctx_;
}

SSL_CTX* TlsContextHolder::AcquireClient() const {
  absl::MutexLock l(&mu_);
  if (client_ctx_ == nullptr) return nullptr;
  SSL_CTX_up_ref(client_ctx_);
  return client_ctx_;
}

TlsOptions TlsContextHolder::options() const {
  absl::MutexLock l(&mu_);
  return options_;
}

absl::Status TlsContextHolder::Reload() {
  TlsOptions o;
  {
    absl::MutexLock l(&mu_);
    // tls-replication yes set at run time on a node without a TLS port
    // turns TLS on (for the replica link).
    if (!active_ && !options_.replication && !options_.cluster) return absl::OkStatus();
    o = options_;
  }
  // Built outside the lock: reading files must not stall accepts.
  absl::StatusOr<SSL_CTX*> ctx = BuildTlsContext(o);
  if (!ctx.ok()) return ctx.status();
  SSL_CTX* client = nullptr;
  if (o.replication || o.cluster) {
    absl::StatusOr<SSL_CTX*> c = BuildTlsClientContext(o);
    if (!c.ok()) {
      SSL_CTX_free(*ctx);
      return c.status();
    }
    client = *c;
  }
  absl::MutexLock l(&mu_);
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);  // open connections keep their reference
  if (client_ctx_ != nullptr) SSL_CTX_free(client_ctx_);
  ctx_ = *ctx;
  client_ctx_ = client;
  active_ = true;
  return absl::OkStatus();
}

namespace {

using Field = std::function<std::string(const TlsOptions&)>;
using Apply = std::function<absl::Status(TlsOptions*, std::string_view)>;

// `hook` is shared by every tls-* parameter: the context is rebuilt once per
// CONFIG SET; the reason of a failure (which file, OpenSSL's error) goes back
// in the reply.
void AddTlsParam(ConfigRegistry* reg, TlsContextHolder* holder, const ConfigRegistry::Apply& hook,
                 std::string name, Field get, Apply set) {
  ConfigRegistry::Param p;
  p.name = std::move(name);
  p.get = [holder, get] { return get(holder->options()); };
  p.set = [holder, set](std::string_view v) {
    return holder->Update([&](TlsOptions* o) { return set(o, v); });
  };
  p.apply = hook;
  reg->Add(std::move(p));
}

Apply StringField(std::string TlsOptions::*member) {
  return [member](TlsOptions* o, std::string_view v) {
    o->*member = std::string(v);
    return absl::OkStatus();
  };
}

Apply BoolField(bool TlsOptions::*member) {
  return [member](TlsOptions* o, std::string_view v) {
    std::string l = AsciiLower(v);
    if (l != "yes" && l != "no") return absl::InvalidArgumentError("argument must be 'yes' or 'no'");
    o->*member = l == "yes";
    return absl::OkStatus();
  };
}

Apply IntField(int64_t TlsOptions::*member, int64_t min) {
  return [member, min](TlsOptions* o, std::string_view v) {
    int64_t x;
    if (!SimpleAtoi(v, &x)) {
      return absl::InvalidArgumentError("argument couldn't be parsed into an integer");
    }
    if (x < min || x > INT32_MAX) {
      return absl::InvalidArgumentError(
          StrCat("argument must be between ", min, " and ", INT32_MAX, " inclusive"));
    }
    o->*member = x;
    return absl::OkStatus();
  };
}

}  // namespace

void RegisterTlsConfig(ConfigRegistry* reg, TlsContextHolder* holder, int tls_port) {
  reg->AddString("tls-port", StrCat(tls_port), /*mutable_at_runtime=*/false);
  auto hook = std::make_shared<const std::function<absl::Status()>>(
      [holder] { return holder->Reload(); });
  struct StringParam {
    const char* name;
    std::string TlsOptions::*member;
  };
  const StringParam strings[] = {
      {"tls-cert-file", &TlsOptions::cert_file},
      {"tls-key-file", &TlsOptions::key_file},
      {"tls-key-file-pass", &TlsOptions::key_file_pass},
      {"tls-client-cert-file", &TlsOptions::client_cert_file},
      {"tls-client-key-file", &TlsOptions::client_key_file},
      {"tls-client-key-file-pass", &TlsOptions::client_key_file_pass},
      {"tls-ca-cert-file", &TlsOptions::ca_cert_file},
      {"tls-ca-cert-dir", &TlsOptions::ca_cert_dir},
      {"tls-dh-params-file", &TlsOptions::dh_params_file},
      {"tls-ciphers", &TlsOptions::ciphers},
      {"tls-ciphersuites", &TlsOptions::ciphersuites},
  };
  for (const StringParam& s : strings) {
    auto member = s.member;
    AddTlsParam(
        reg, holder, hook, s.name, [member](const TlsOptions& o) { return o.*member; },
        StringField(member));
  }
  AddTlsParam(
      reg, holder, hook, "tls-protocols", [](const TlsOptions& o) { return o.protocols; },
      [](TlsOptions* o, std::string_view v) {
        int mask;
        if (!ParseTlsProtocols(v, &mask)) return absl::InvalidArgumentError(kBadProtocols);
        o->protocols = std::string(v);
        return absl::OkStatus();
      });
  AddTlsParam(
      reg, holder, hook, "tls-auth-clients",
      [](const TlsOptions& o) { return std::string(TlsAuthClientsName(o.auth_clients)); },
      [](TlsOptions* o, std::string_view v) {
        if (!ParseTlsAuthClients(v, &o->auth_clients)) {
          return absl::InvalidArgumentError("argument(s) must be one of the following: no, yes, optional");
        }
        return absl::OkStatus();
      });
  AddTlsParam(
      reg, holder, hook, "tls-prefer-server-ciphers",
      [](const TlsOptions& o) { return std::string(o.prefer_server_ciphers ? "yes" : "no"); },
      BoolField(&TlsOptions::prefer_server_ciphers));
  AddTlsParam(
      reg, holder, hook, "tls-session-caching",
      [](const TlsOptions& o) { return std::string(o.session_caching ? "yes" : "no"); },
      BoolField(&TlsOptions::session_caching));
  AddTlsParam(
      reg, holder, hook, "tls-session-cache-size",
      [](const TlsOptions& o) { return StrCat(o.session_cache_size); },
      IntField(&TlsOptions::session_cache_size, 0));
  AddTlsParam(
      reg, holder, hook, "tls-session-cache-timeout",
      [](const TlsOptions& o) { return StrCat(o.session_cache_timeout_s); },
      IntField(&TlsOptions::session_cache_timeout_s, 0));
  // A replica's link to its primary speaks TLS (server/replication).
  AddTlsParam(
      reg, holder, hook, "tls-replication",
      [](const TlsOptions& o) { return std::string(o.replication ? "yes" : "no"); },
      [rc = &reg->runtime(), yes_no = BoolField(&TlsOptions::replication)](TlsOptions* o,
                                                                            std::string_view v) {
        absl::Status st = yes_no(o, v);
        if (st.ok() && o->replication && !o->cluster && rc->cluster_enabled.load()) {
          return absl::InvalidArgumentError(kNoTlsReplicationInCluster);
        }
        return st;
      });
  // The cluster bus speaks TLS (cluster/bus_transport.h). Set at start-up
  // only: the bus is opened once.
  {
    ConfigRegistry::Param p;
    p.name = "tls-cluster";
    p.get = [holder] { return std::string(holder->options().cluster ? "yes" : "no"); };
    p.set = [holder](std::string_view v) {
      return holder->Update([&](TlsOptions* o) { return BoolField(&TlsOptions::cluster)(o, v); });
    };
    p.startup_only = true;
    reg->Add(std::move(p));
  }
}

}  // namespace shoal
