// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
//         [AUTH password] [AUTH2 username password] [KEYS key [key ...]]
//
// As redis-server does it: the keys are serialized with the DUMP format
// (value_dump.h) and sent as RESTORE (RESTORE-ASKING in cluster mode)
// commands over a plain RESP connection to the target — Shoal or
// redis-server — preceded by AUTH and SELECT when needed; each key the
// target acknowledges is deleted here unless COPY is given.
//
// Threading: the command runs on the client's worker thread and talks to the
// target with a blocking socket (non-blocking fd + poll with the command's
// timeout for the connect, every write and every reply line). The dispatcher
// holds the stripe locks of the keys for the whole exchange, so the move is
// atomic for other clients, as in Redis (where the whole server waits);
// here only the worker and clients of those stripes wait, for at most
// `timeout` per step. A MIGRATE to this very server cannot deadlock: the
// RESTORE waits for the stripe, the MIGRATE times out (Redis times out too).
//
// Connections are cached per worker thread (thread_local) by "host:port",
// with the database last selected, like Redis's migrate socket cache: at most
// 64, closed after 10 seconds unused (swept on the next MIGRATE of that
// worker). A socket error on a cached connection is retried once on a fresh
// one unless it was a timeout.
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/ssl.h>

#include "base/strings.h"
#include "server/commands/dump_family.h"
#include "server/net/tls_session.h"
#include "server/dispatch/arg_parse.h"
#include "server/events/notify.h"

namespace shoal {
namespace dump_family {
namespace {

constexpr int kMaxCachedSockets = 64;
constexpr int64_t kCachedSocketTtlMs = 10000;
constexpr size_t kMaxReplyLine = 1024;  // Redis reads replies into 1 KB buffers

enum class IoResult { kOk, kTimeout, kError };

int64_t MonotonicMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Waits until fd is ready for `events` or the deadline passes.
IoResult WaitFor(int fd, short events, int64_t deadline_ms) {
  for (;;) {
    const int64_t left = deadline_ms - MonotonicMs();
    if (left <= 0) return IoResult::kTimeout;
    pollfd p{fd, events, 0};
    const int n = poll(&p, 1, static_cast<int>(std::min<int64_t>(left, INT32_MAX)));
    if (n > 0) return IoResult::kOk;
    if (n == 0) return IoResult::kTimeout;
    if (errno != EINTR) return IoResult::kError;
  }
}

// A connection to a MIGRATE target.
class TargetConnection {
 public:
  ~TargetConnection() {
    if (fd_ >= 0) close(fd_);
  }

  // Connects to host:port within timeout_ms (the first address of
  // getaddrinfo's that takes the connect). As Redis's blocking connect does,
  // a connection that fails after the connect started (refused by the peer)
  // counts as made: the first write then fails, and MIGRATE reports a write
  // error, exactly as redis-server does.
  // With `tls_ctx` (tls-cluster: the target's announced port is its TLS
  // port) the connection runs a TLS handshake within the same timeout.
  bool Connect(const std::string& host, const std::string& port, int64_t timeout_ms,
               SSL_CTX* tls_ctx) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0) return false;
    int fd = -1;
    for (addrinfo* ai = res; ai != nullptr && fd < 0; ai = ai->ai_next) {
      fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
      if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
        close(fd);
        fd = -1;
      }
    }
    freeaddrinfo(res);
    if (fd < 0) return false;
    if (WaitFor(fd, POLLOUT, MonotonicMs() + timeout_ms) != IoResult::kOk) {
      close(fd);
      return false;
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    fd_ = fd;
    if (tls_ctx == nullptr) return true;
    tls_ = TlsSession::CreateClient(tls_ctx);
    return tls_ != nullptr && Handshake(timeout_ms);
  }

  IoResult WriteAll(std::string_view data, int64_t timeout_ms) {
    if (tls_ == nullptr) return RawWriteAll(data, timeout_ms);
    std::string out;
    if (tls_->Write(data, &out) != data.size()) return IoResult::kError;
    return RawWriteAll(out, timeout_ms);
  }

  IoResult RawWriteAll(std::string_view data, int64_t timeout_ms) {
    while (!data.empty()) {
      // Redis writes in 64 KB chunks, each with the full timeout.
      const int64_t deadline = MonotonicMs() + timeout_ms;
      std::string_view chunk = data.substr(0, 64 * 1024);
      while (!chunk.empty()) {
        const ssize_t n = send(fd_, chunk.data(), chunk.size(), MSG_NOSIGNAL);
        if (n > 0) {
          chunk.remove_prefix(static_cast<size_t>(n));
          data.remove_prefix(static_cast<size_t>(n));
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
          const IoResult r = WaitFor(fd_, POLLOUT, deadline);
          if (r != IoResult::kOk) return r;
          continue;
        }
        return IoResult::kError;
      }
    }
    return IoResult::kOk;
  }

  // Reads one reply line (without CRLF; at most 1 KB kept).
  IoResult ReadLine(int64_t timeout_ms, std::string* line) {
    const int64_t deadline = MonotonicMs() + timeout_ms;
    for (;;) {
      const size_t nl = buf_.find('\n');
      if (nl != std::string::npos) {
        size_t end = nl;
        if (end > 0 && buf_[end - 1] == '\r') --end;
        line->assign(buf_, 0, std::min(end, kMaxReplyLine - 1));
        buf_.erase(0, nl + 1);
        return IoResult::kOk;
      }
      char tmp[4096];
      const ssize_t n = recv(fd_, tmp, sizeof(tmp), 0);
      if (n > 0 && tls_ != nullptr) {
        if (!Decrypt(tmp, static_cast<size_t>(n))) return IoResult::kError;
        continue;
      }
      if (n > 0) {
        buf_.append(tmp, static_cast<size_t>(n));
        continue;
      }
      if (n == 0) return IoResult::kError;  // closed by the target
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return IoResult::kError;
      const IoResult r = WaitFor(fd_, POLLIN, deadline);
      if (r != IoResult::kOk) return r;
    }
  }

  int64_t last_dbid = -1;
  int64_t last_use_ms = 0;

 private:
  bool Handshake(int64_t timeout_ms) {
    const int64_t deadline = MonotonicMs() + timeout_ms;
    for (;;) {
      TlsSession::ReadResult r = tls_->Handshake();
      std::string out;
      tls_->TakeOutput(&out);
      if (!out.empty() && RawWriteAll(out, timeout_ms) != IoResult::kOk) return false;
      if (r == TlsSession::ReadResult::kData) return true;
      if (r != TlsSession::ReadResult::kNeedMore) return false;
      if (WaitFor(fd_, POLLIN, deadline) != IoResult::kOk) return false;
      char tmp[16 * 1024];
      const ssize_t n = recv(fd_, tmp, sizeof(tmp), 0);
      if (n == 0) return false;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
      if (n > 0) tls_->FeedInput(tmp, static_cast<size_t>(n));
    }
  }

  // Ciphertext in, plaintext onto buf_ (and any TLS answer out); false when
  // the session failed or the target closed it.
  bool Decrypt(const char* data, size_t n) {
    tls_->FeedInput(data, n);
    char plain[4096];
    for (;;) {
      size_t got = 0;
      TlsSession::ReadResult r = tls_->Read(plain, sizeof(plain), &got);
      if (r == TlsSession::ReadResult::kData) {
        buf_.append(plain, got);
        continue;
      }
      std::string out;
      tls_->TakeOutput(&out);
      if (!out.empty() && RawWriteAll(out, 1000) != IoResult::kOk) return false;
      return r == TlsSession::ReadResult::kNeedMore;
    }
  }

  int fd_ = -1;
  std::string buf_;
  std::unique_ptr<TlsSession> tls_;  // tls-cluster
};

// This worker's cached connections, by "host:port".
std::map<std::string, std::unique_ptr<TargetConnection>>& SocketCache() {
  thread_local std::map<std::string, std::unique_ptr<TargetConnection>> cache;
  return cache;
}

void SweepIdleSockets(int64_t now_ms) {
  auto& cache = SocketCache();
  for (auto it = cache.begin(); it != cache.end();) {
    if (now_ms - it->second->last_use_ms > kCachedSocketTtlMs) {
      it = cache.erase(it);
    } else {
      ++it;
    }
  }
}

TargetConnection* GetSocket(const std::string& host, const std::string& port,
                            int64_t timeout_ms, const ServerState* server) {
  auto& cache = SocketCache();
  const int64_t now = MonotonicMs();
  SweepIdleSockets(now);
  const std::string name = host + ":" + port;
  auto it = cache.find(name);
  if (it != cache.end()) {
    it->second->last_use_ms = now;
    return it->second.get();
  }
  if (cache.size() >= kMaxCachedSockets) cache.erase(cache.begin());
  auto conn = std::make_unique<TargetConnection>();
  SSL_CTX* tls_ctx = server->cluster_tls_client ? server->cluster_tls_client() : nullptr;
  const bool connected = conn->Connect(host, port, timeout_ms, tls_ctx);
  if (tls_ctx != nullptr) SSL_CTX_free(tls_ctx);  // the session holds its own reference
  if (!connected) return nullptr;
  conn->last_use_ms = now;
  TargetConnection* raw = conn.get();
  cache[name] = std::move(conn);
  return raw;
}

void CloseSocket(const std::string& host, const std::string& port) {
  SocketCache().erase(host + ":" + port);
}

void AppendCommand(std::string* out, std::initializer_list<std::string_view> args) {
  StrAppend(out, "*", args.size(), "\r\n");
  for (std::string_view a : args) StrAppend(out, "$", a.size(), "\r\n", a, "\r\n");
}

struct MigrateArgs {
  bool copy = false;
  bool replace = false;
  std::string_view username, password;
  bool has_password = false;
  bool has_username = false;
  size_t first_key = 3;
  size_t num_keys = 1;
  int64_t timeout_ms = 0;
  int64_t dbid = 0;
};

bool ParseMigrate(CommandContext& ctx, CmdArgs args, MigrateArgs* m) {
  for (size_t j = 6; j < args.size(); ++j) {
    const size_t more = args.size() - 1 - j;
    if (ArgIs(args[j], "copy")) {
      m->copy = true;
    } else if (ArgIs(args[j], "replace")) {
      m->replace = true;
    } else if (ArgIs(args[j], "auth")) {
      if (more < 1) return ctx.Error(kErrSyntax), false;
      m->password = args[++j];
      m->has_password = true;
    } else if (ArgIs(args[j], "auth2")) {
      if (more < 2) return ctx.Error(kErrSyntax), false;
      m->username = args[++j];
      m->password = args[++j];
      m->has_password = m->has_username = true;
    } else if (ArgIs(args[j], "keys")) {
      if (!args[3].empty()) {
        ctx.Error("ERR When using MIGRATE KEYS option, the key argument must be set to the "
                  "empty string");
        return false;
      }
      m->first_key = j + 1;
      m->num_keys = args.size() - j - 1;
      break;
    } else {
      ctx.Error(kErrSyntax);
      return false;
    }
  }
  if (!ParseInt(args[5], &m->timeout_ms) || !ParseInt(args[4], &m->dbid)) {
    ctx.Error(kErrNotInteger);
    return false;
  }
  if (m->timeout_ms <= 0) m->timeout_ms = 1000;
  return true;
}

// One attempt of the exchange. Returns kOk when the reply was sent (success
// or an error from the target), otherwise the socket failure to retry on or
// report; *wrote tells which side failed.
IoResult MigrateOnce(CommandContext& ctx, CmdArgs args, const MigrateArgs& m,
                     const std::vector<std::string_view>& keys, bool* write_error) {
  const std::string host(args[1]), port(args[2]);
  TargetConnection* conn = GetSocket(host, port, m.timeout_ms, ctx.server);
  if (conn == nullptr) {
    ctx.Error("IOERR error or timeout connecting to the client");
    return IoResult::kOk;
  }
  std::string cmd;
  if (m.has_password) {
    if (m.has_username) {
      AppendCommand(&cmd, {"AUTH", m.username, m.password});
    } else {
      AppendCommand(&cmd, {"AUTH", m.password});
    }
  }
  const bool select = conn->last_dbid != m.dbid;
  if (select) AppendCommand(&cmd, {"SELECT", std::to_string(m.dbid)});
  const bool cluster = ctx.server != nullptr &&
                       ctx.server->runtime().cluster_enabled.load(std::memory_order_relaxed);
  const DumpOptions options = CurrentDumpOptions(ctx);
  std::vector<std::string_view> sent;
  for (std::string_view key : keys) {
    const Entry* e = ctx.store->Find(ctx.db(), key, Store::Lookup::kRead);
    if (e == nullptr) continue;  // expired since the first look
    int64_t ttl = 0;
    if (e->has_expire()) ttl = std::max<int64_t>(e->expire_ms() - ctx.NowMs(), 1);
    const std::string payload = DumpValue(*e, options);
    const std::string ttl_text = std::to_string(ttl);
    if (m.replace) {
      AppendCommand(&cmd, {cluster ? "RESTORE-ASKING" : "RESTORE", key, ttl_text, payload,
                           "REPLACE"});
    } else {
      AppendCommand(&cmd, {cluster ? "RESTORE-ASKING" : "RESTORE", key, ttl_text, payload});
    }
    sent.push_back(key);
  }
  *write_error = true;
  IoResult r = conn->WriteAll(cmd, m.timeout_ms);
  if (r != IoResult::kOk) return r;
  *write_error = false;
  std::string auth_reply, select_reply, reply;
  if (m.has_password && (r = conn->ReadLine(m.timeout_ms, &auth_reply)) != IoResult::kOk) return r;
  if (select && (r = conn->ReadLine(m.timeout_ms, &select_reply)) != IoResult::kOk) return r;
  bool error_from_target = false;
  size_t j = 0;
  for (; j < sent.size(); ++j) {
    if ((r = conn->ReadLine(m.timeout_ms, &reply)) != IoResult::kOk) break;
    const bool auth_err = m.has_password && !auth_reply.empty() && auth_reply[0] == '-';
    const bool select_err = select && !select_reply.empty() && select_reply[0] == '-';
    if (auth_err || select_err || (!reply.empty() && reply[0] == '-')) {
      if (!error_from_target) {
        conn->last_dbid = -1;
        const std::string& err = auth_err ? auth_reply : select_err ? select_reply : reply;
        ctx.Error(StrCat("ERR Target instance replied with error: ", err.substr(1)));
        error_from_target = true;
      }
    } else if (!m.copy) {
      ctx.store->Erase(ctx.db(), sent[j]);
      if (ctx.server != nullptr) Notify(ctx, kNotifyGeneric, "del", sent[j]);
    }
  }
  if (r != IoResult::kOk) {
    // Nothing acknowledged yet: the caller may retry on a fresh connection.
    if (!error_from_target && j == 0) return r;
    CloseSocket(host, port);
    if (!error_from_target) {
      *write_error = false;
      ctx.Error("IOERR error or timeout reading to target instance");
    }
    return IoResult::kOk;
  }
  if (!error_from_target) {
    conn->last_dbid = m.dbid;
    ctx.reply->Ok();
  }
  return IoResult::kOk;
}

void CmdMigrate(CommandContext& ctx, CmdArgs args) {
  MigrateArgs m;
  if (!ParseMigrate(ctx, args, &m)) return;
  std::vector<std::string_view> keys;
  for (size_t j = 0; j < m.num_keys; ++j) {
    std::string_view key = args[m.first_key + j];
    if (ctx.store->Find(ctx.db(), key, Store::Lookup::kRead) != nullptr) keys.push_back(key);
  }
  if (keys.empty()) {
    ctx.reply->SimpleString("NOKEY");
    return;
  }
  const std::string host(args[1]), port(args[2]);
  for (int attempt = 0;; ++attempt) {
    bool write_error = false;
    const IoResult r = MigrateOnce(ctx, args, m, keys, &write_error);
    if (r == IoResult::kOk) return;
    CloseSocket(host, port);  // also forces SELECT next time
    if (r != IoResult::kTimeout && attempt == 0) continue;
    ctx.Error(StrCat("IOERR error or timeout ", write_error ? "writing" : "reading",
                     " to target instance"));
    return;
  }
}

// Key positions: argument 3, or everything after KEYS (Redis's
// migrateGetKeys, skipping the arguments of AUTH and AUTH2).
bool MigrateKeys(CmdArgs args, std::vector<int>* out) {
  for (size_t i = 6; i < args.size(); ++i) {
    if (ArgIs(args[i], "keys")) {
      if (!args[3].empty()) return true;  // the handler replies the error
      for (size_t k = i + 1; k < args.size(); ++k) out->push_back(static_cast<int>(k));
      return true;
    }
    if (ArgIs(args[i], "auth")) {
      i += 1;
    } else if (ArgIs(args[i], "auth2")) {
      i += 2;
    }
  }
  out->push_back(3);
  return true;
}

}  // namespace

void RegisterMigrate(CommandTable* table) {
  CommandSpec migrate = MakeSpec(
      "migrate", -6, kCmdWrite | kCmdMovableKeys, {3, 3, 1}, CmdMigrate,
      {.group = "generic",
       .since = "2.6.0",
       .summary = "Atomically transfers a key from one Redis instance to another.",
       .complexity = "This command actually executes a DUMP+DEL in the source instance, and a "
                     "RESTORE in the target instance. See the pages of these commands for time "
                     "complexity. Also an O(N) data transfer between the two instances is "
                     "performed.",
       .syntax = "host port <key | \"\"> destination-db timeout [COPY] [REPLACE] [AUTH password "
                 "| AUTH2 username password] [KEYS key [key ...]]",
       .acl_categories = "@keyspace @write @slow @dangerous"});
  migrate.keys_finder = &MigrateKeys;
  table->Register(std::move(migrate));
}

}  // namespace dump_family
}  // namespace shoal
