// NetServer implementation: non-blocking listening sockets polled on the main
// loop; accept4 in a loop; the least-loaded worker adopts each socket.
#include "server/net/acceptor.h"
#include "base/strings.h"

#include <time.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

#include "absl/status/statusor.h"
#include "server/dispatch/replication_hooks.h"

namespace shoal {
namespace {

constexpr char kMaxClientsError[] = "-ERR max number of clients reached\r\n";
// Redis 7's text, word for word: clients and scripts match on it.
constexpr char kProtectedModeError[] =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from the "
    "loopback interface. If you want to connect from external computers to Redis you may adopt "
    "one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG "
    "SET protected-mode no' from the loopback interface by connecting to Redis from the same "
    "host the server is running, however MAKE SURE Redis is not publicly accessible from "
    "internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    "you can just disable the protected mode by editing the Redis configuration file, and "
    "setting the protected mode option to 'no', and then restarting the server. 3) If you "
    "started the server manually just for testing, restart it with the '--protected-mode no' "
    "option. 4) Setup a an authentication password for the default user. NOTE: You only need "
    "to do one of the above things in order for the server to start accepting connections from "
    "the outside.\r\n";

int64_t MonotonicMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// 127.0.0.0/8, ::1, or an IPv4-mapped loopback address.
bool IsLoopback(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
  }
  if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    if (IN6_IS_ADDR_LOOPBACK(&a->sin6_addr)) return true;
    return IN6_IS_ADDR_V4MAPPED(&a->sin6_addr) && a->sin6_addr.s6_addr[12] == 127;
  }
  return ss.ss_family == AF_UNIX;
}

// A short reply on a socket that was just accepted: it fits the empty send
// buffer, so one non-blocking write sends it whole. What the client already
// sent is read first: closing a socket with unread input sends a reset,
// which could reach the client before it has read the reply.
void WriteAndClose(int fd, const char* msg, size_t len) {
  if (len > 0 && ::write(fd, msg, len) < 0) {
    // Nothing to do: the socket is closed below either way.
  }
  char sink[4096];
  for (int i = 0; i < 16 && ::recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0; ++i) {
  }
  ::close(fd);
}

// Errors that say this address cannot exist here (no IPv6, no such
// interface): an optional ("-") bind address is then skipped, as Redis does.
bool AddressUnavailable(int err) {
  return err == EADDRNOTAVAIL || err == EAFNOSUPPORT || err == EPROTONOSUPPORT ||
         err == ENOPROTOOPT || err == ESOCKTNOSUPPORT || err == EPFNOSUPPORT;
}

absl::StatusOr<int> Listen(const std::string& host, int port, int backlog, int* err_out) {
  *err_out = 0;
  sockaddr_storage ss{};
  socklen_t len;
  int family;
  if (host.find(':') != std::string::npos) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    if (inet_pton(AF_INET6, host.c_str(), &a->sin6_addr) != 1) {
      return absl::InvalidArgumentError(StrCat("invalid bind address ", host));
    }
    len = sizeof(sockaddr_in6);
    family = AF_INET6;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    std::string h = host == "localhost" ? "127.0.0.1" : host;
    if (inet_pton(AF_INET, h.c_str(), &a->sin_addr) != 1) {
      return absl::InvalidArgumentError(StrCat("invalid bind address ", host));
    }
    len = sizeof(sockaddr_in);
    family = AF_INET;
  }
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *err_out = errno;
    return absl::UnavailableError(StrCat("Could not create server TCP listening socket ", host,
                                         ":", port, ": ", strerror(errno)));
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd, backlog) != 0) {
    *err_out = errno;
    std::string err = strerror(errno);
    ::close(fd);
    return absl::UnavailableError(StrCat("Could not create server TCP listening socket ",
                                               host, ":", port, ": ", err));
  }
  return fd;
}

}  // namespace

NetServer::NetServer(Store* store, ServerState* server, const NetOptions& options)
    : store_(store), server_(server), options_(options) {
  uv_loop_init(&loop_);
  uv_async_init(&loop_, &shutdown_async_, OnShutdown);
  shutdown_async_.data = this;
  uv_async_init(&loop_, &graceful_async_, OnGracefulShutdown);
  graceful_async_.data = this;
  uv_timer_init(&loop_, &shutdown_wait_);
  shutdown_wait_.data = this;
  uv_timer_init(&loop_, &backoff_);
  backoff_.data = this;
  server_->request_shutdown = [this] { RequestShutdown(); };
  server_->request_graceful_shutdown = [this] { RequestGracefulShutdown(); };
  server_->abort_shutdown = [this] { return AbortShutdown(); };
}

NetServer::~NetServer() {
  if (spare_fd_ >= 0) ::close(spare_fd_);
  uv_loop_close(&loop_);
}

std::string BindHost(std::string_view entry, bool* optional) {
  *optional = !entry.empty() && entry[0] == '-';
  if (*optional) entry.remove_prefix(1);
  if (entry == "*") return "0.0.0.0";
  if (entry == "::*") return "::";
  return std::string(entry);
}

absl::Status NetServer::ListenAll(int port, bool tls) {
  size_t before = listeners_.size();
  for (const std::string& entry : options_.bind) {
    bool optional = false;
    std::string host = BindHost(entry, &optional);
    int err = 0;
    absl::StatusOr<int> fd = Listen(host, port, options_.tcp_backlog, &err);
    if (!fd.ok() && optional && AddressUnavailable(err)) {
      fprintf(stderr, "Warning: %s (optional bind address skipped)\n",
              std::string(fd.status().message()).c_str());
      continue;
    }
    if (!fd.ok()) return fd.status();
    auto l = std::make_unique<Listener>();
    l->server = this;
    l->fd = *fd;
    l->tls = tls;
    uv_poll_init(&loop_, &l->poll, l->fd);
    l->poll.data = l.get();
    uv_poll_start(&l->poll, UV_READABLE, OnReadable);
    listeners_.push_back(std::move(l));
  }
  if (listeners_.size() == before) {
    return absl::UnavailableError(
        StrCat("Failed listening on port ", port, tls ? " (tls)" : " (tcp)", ", aborting."));
  }
  return absl::OkStatus();
}

absl::Status NetServer::ListenUnix() {
  const std::string& path = options_.unixsocket;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(
        StrCat("Failed opening Unix socket: path too long (at most ", sizeof(addr.sun_path) - 1,
               " bytes): ", path));
  }
  memcpy(addr.sun_path, path.data(), path.size());
  // A socket file left by an earlier run goes; anything else at the path
  // stays (bind then fails with "Address already in use").
  struct stat st;
  if (lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path.c_str());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::UnavailableError(StrCat("Failed opening Unix socket: ", strerror(errno)));
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      (options_.unixsocket_perm != 0 && chmod(path.c_str(), options_.unixsocket_perm) != 0) ||
      listen(fd, options_.tcp_backlog) != 0) {
    std::string err = strerror(errno);
    ::close(fd);
    return absl::UnavailableError(StrCat("Failed opening Unix socket: ", err));
  }
  unix_bound_ = true;
  auto l = std::make_unique<Listener>();
  l->server = this;
  l->fd = fd;
  l->tls = false;
  uv_poll_init(&loop_, &l->poll, l->fd);
  l->poll.data = l.get();
  uv_poll_start(&l->poll, UV_READABLE, OnReadable);
  listeners_.push_back(std::move(l));
  return absl::OkStatus();
}

absl::Status NetServer::Start() {
  signal(SIGPIPE, SIG_IGN);
  if (options_.port == 0 && options_.tls_port == 0 && options_.unixsocket.empty()) {
    return absl::InvalidArgumentError("Configured to not listen anywhere, exiting.");
  }
  if (options_.port != 0) {
    absl::Status st = ListenAll(options_.port, /*tls=*/false);
    if (!st.ok()) return st;
  }
  if (options_.tls_port != 0) {
    if (options_.tls == nullptr) return absl::InvalidArgumentError("TLS is not configured");
    absl::Status st = ListenAll(options_.tls_port, /*tls=*/true);
    if (!st.ok()) return st;
  }
  if (!options_.unixsocket.empty()) {
    absl::Status st = ListenUnix();
    if (!st.ok()) return st;
  }
  spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (options_.io_engine == IoEngine::kUring) {
    std::string why;
    if (!UringLoop::Probe(&why)) {
      fprintf(stderr, "io_uring unavailable (%s): using epoll\n", why.c_str());
      options_.io_engine = IoEngine::kEpoll;
    }
  }
  server_->info().multiplexing_api = options_.io_engine == IoEngine::kUring ? "io_uring" : "epoll";
  for (int i = 0; i < options_.threads; ++i) {
    workers_.push_back(
        std::make_unique<Worker>(i, options_.threads, store_, server_, options_));
  }
  for (auto& w : workers_) w->Start();
  uv_signal_init(&loop_, &sigint_);
  uv_signal_init(&loop_, &sigterm_);
  sigint_.data = sigterm_.data = this;
  uv_signal_start(&sigint_, OnSignal, SIGINT);
  uv_signal_start(&sigterm_, OnSignal, SIGTERM);
  return absl::OkStatus();
}

void NetServer::OnReadable(uv_poll_t* p, int status, int) {
  auto* l = static_cast<Listener*>(p->data);
  if (status == 0) l->server->AcceptFrom(l->fd, l->tls);
}

bool NetServer::RefusedByProtectedMode(const sockaddr_storage& peer) const {
  if (options_.protected_mode == nullptr || !options_.protected_mode->load()) return false;
  if (IsLoopback(peer)) return false;
  return !server_->runtime().AuthRequired();  // the default user needs no AUTH
}

void NetServer::AcceptFrom(int lfd, bool tls) {
  for (int i = 0; i < 256; ++i) {
    sockaddr_storage peer{};
    socklen_t plen = sizeof(peer);
    int fd = accept4(lfd, reinterpret_cast<sockaddr*>(&peer), &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK) return;
      if (err == EINTR || err == ECONNABORTED || err == EPROTO) continue;
      int64_t now = MonotonicMs();
      if (now - last_accept_log_ms_ >= 1000) {
        last_accept_log_ms_ = now;
        fprintf(stderr, "Error accepting a client connection: %s\n", strerror(err));
      }
      if (err == EMFILE || err == ENFILE) {
        // accept() takes a descriptor before it looks at the backlog: EMFILE
        // also comes with nothing pending, which the spare fd tells apart.
        SpareFdResult r = RejectWithSpareFd(lfd, tls);
        if (r == SpareFdResult::kRejected) continue;
        if (r == SpareFdResult::kNothingPending) return;
      }
      // Out of descriptors or kernel memory with no way to drain the
      // backlog: stop polling for a moment rather than spin on it.
      PauseAccepting();
      return;
    }
    server_->total_connections_received.fetch_add(1, std::memory_order_relaxed);
    if (RefusedByProtectedMode(peer)) {
      WriteAndClose(fd, tls ? "" : kProtectedModeError, tls ? 0 : sizeof(kProtectedModeError) - 1);
      continue;
    }
    int64_t live = 0;
    Worker* best = nullptr;
    for (auto& w : workers_) {
      live += w->connections();
      if (best == nullptr || w->connections() < best->connections()) best = w.get();
    }
    if (live >= server_->runtime().maxclients.load()) {
      WriteAndClose(fd, kMaxClientsError, tls ? 0 : sizeof(kMaxClientsError) - 1);
      server_->rejected_connections.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    // Ids are given here, in accept order (CLIENT ID grows with each new
    // connection, as in Redis), not by the workers, which run independently.
    best->Adopt(fd, server_->clients().NextId(), tls);
  }
}

NetServer::SpareFdResult NetServer::RejectWithSpareFd(int lfd, bool tls) {
  if (spare_fd_ < 0) spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (spare_fd_ < 0) return SpareFdResult::kFailed;
  ::close(spare_fd_);
  spare_fd_ = -1;
  int fd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  int accept_errno = errno;
  if (fd >= 0) {
    server_->total_connections_received.fetch_add(1, std::memory_order_relaxed);
    server_->rejected_connections.fetch_add(1, std::memory_order_relaxed);
    WriteAndClose(fd, kMaxClientsError, tls ? 0 : sizeof(kMaxClientsError) - 1);
  }
  // Another thread (a worker, the cluster bus) may take the descriptor
  // first: then the next failure pauses instead.
  spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (spare_fd_ < 0) return SpareFdResult::kFailed;
  if (fd >= 0) return SpareFdResult::kRejected;
  if (accept_errno == EAGAIN || accept_errno == EWOULDBLOCK) return SpareFdResult::kNothingPending;
  return SpareFdResult::kFailed;
}

void NetServer::PauseAccepting() {
  if (paused_ || stopped_) return;
  paused_ = true;
  for (auto& l : listeners_) uv_poll_stop(&l->poll);
  uv_timer_start(&backoff_, OnBackoffDone, options_.accept_backoff_ms, 0);
}

void NetServer::OnBackoffDone(uv_timer_t* t) {
  auto* self = static_cast<NetServer*>(t->data);
  self->paused_ = false;
  if (self->stopped_) return;
  // Take the spare descriptor back as soon as one is free again, so the
  // next exhaustion answers "max number of clients" instead of pausing.
  if (self->spare_fd_ < 0) self->spare_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  for (auto& l : self->listeners_) uv_poll_start(&l->poll, UV_READABLE, OnReadable);
}

void NetServer::OnSignal(uv_signal_t* s, int) {
  auto* self = static_cast<NetServer*>(s->data);
  if (self->server_->intercept_stop_signal && self->server_->intercept_stop_signal()) return;
  // A second signal while waiting for replicas: stop now.
  if (self->shutdown_waiting_.load() != 0) {
    fprintf(stderr, "Shutting down without waiting for replicas any longer.\n");
    self->shutdown_waiting_.store(0);
    self->StopAll();
    return;
  }
  self->BeginGracefulShutdown();
}

void NetServer::OnShutdown(uv_async_t* a) { static_cast<NetServer*>(a->data)->StopAll(); }

void NetServer::OnGracefulShutdown(uv_async_t* a) {
  static_cast<NetServer*>(a->data)->BeginGracefulShutdown();
}

void NetServer::RequestShutdown() { uv_async_send(&shutdown_async_); }

void NetServer::RequestGracefulShutdown() { uv_async_send(&graceful_async_); }

void NetServer::BeginGracefulShutdown() {
  if (stopped_ || shutdown_waiting_.load() != 0) return;
  const int64_t timeout_s = server_->runtime().shutdown_timeout_s.load();
  const int lagging =
      server_->replication != nullptr ? server_->replication->LaggingReplicas() : 0;
  if (timeout_s <= 0 || lagging == 0) return StopAll();
  // As Redis: writes pause so that the replicas can catch up with a fixed
  // offset; reads go on.
  const int64_t now = store_->clock().NowMs();
  shutdown_deadline_ms_ = now + timeout_s * 1000;
  server_->pause_until_ms.store(std::max(server_->pause_until_ms.load(), shutdown_deadline_ms_));
  server_->pause_mode.store(std::max(server_->pause_mode.load(), int{ServerState::kPauseWrite}));
  shutdown_waiting_.store(1);
  fprintf(stderr, "Waiting up to %lld s for %d lagging replica(s) before shutting down.\n",
          static_cast<long long>(timeout_s), lagging);
  uv_timer_start(&shutdown_wait_, OnShutdownCheck, 10, 10);
}

void NetServer::OnShutdownCheck(uv_timer_t* t) {
  auto* self = static_cast<NetServer*>(t->data);
  if (self->shutdown_waiting_.load() == 0) {  // aborted
    uv_timer_stop(t);
    return;
  }
  const bool caught_up = self->server_->replication->LaggingReplicas() == 0;
  const bool late = self->store_->clock().NowMs() >= self->shutdown_deadline_ms_;
  if (!caught_up && !late) return;
  int waiting = 1;
  if (!self->shutdown_waiting_.compare_exchange_strong(waiting, 0)) return;  // aborted meanwhile
  uv_timer_stop(t);
  fprintf(stderr, caught_up ? "Replicas are in sync: shutting down.\n"
                            : "Lagging replicas after shutdown-timeout: shutting down anyway.\n");
  self->StopAll();
}

bool NetServer::AbortShutdown() {
  int waiting = 1;
  if (!shutdown_waiting_.compare_exchange_strong(waiting, 0)) return false;
  // The pause was the shutdown's: writes resume, and the held-back clients
  // run their commands (as CLIENT UNPAUSE wakes them).
  server_->Unpause();
  fprintf(stderr, "Shutdown aborted.\n");
  return true;
}

void NetServer::StopAll() {
  if (stopped_) return;
  stopped_ = true;
  uv_timer_stop(&backoff_);
  uv_close(reinterpret_cast<uv_handle_t*>(&backoff_), nullptr);
  uv_timer_stop(&shutdown_wait_);
  uv_close(reinterpret_cast<uv_handle_t*>(&shutdown_wait_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&graceful_async_), nullptr);
  for (auto& l : listeners_) {
    uv_poll_stop(&l->poll);
    uv_close(reinterpret_cast<uv_handle_t*>(&l->poll), nullptr);
    ::close(l->fd);
  }
  if (unix_bound_) unlink(options_.unixsocket.c_str());
  uv_close(reinterpret_cast<uv_handle_t*>(&sigint_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sigterm_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&shutdown_async_), nullptr);
}

void NetServer::Run() {
  uv_run(&loop_, UV_RUN_DEFAULT);
  // A script looping on a worker would keep it from stopping.
  if (server_->scripting != nullptr) server_->scripting->KillAll();
  for (auto& w : workers_) w->Stop();
  for (auto& w : workers_) w->Join();
}

}  // namespace shoal
