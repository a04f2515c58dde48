// NetServer implementation: non-blocking listening sockets polled on the main
// loop; accept4 in a loop; the least-loaded worker adopts each socket.
#include "server/net/acceptor.h"
#include "base/strings.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "absl/status/statusor.h"

namespace shoal {
namespace {

absl::StatusOr<int> Listen(const std::string& host, int port, int backlog) {
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
  if (fd < 0) return absl::InternalError(strerror(errno));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd, backlog) != 0) {
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
  server_->request_shutdown = [this] { RequestShutdown(); };
}

NetServer::~NetServer() { uv_loop_close(&loop_); }

absl::Status NetServer::Start() {
  signal(SIGPIPE, SIG_IGN);
  for (const std::string& host : options_.bind) {
    absl::StatusOr<int> fd = Listen(host, options_.port, options_.tcp_backlog);
    if (!fd.ok()) return fd.status();
    auto l = std::make_unique<Listener>();
    l->server = this;
    l->fd = *fd;
    uv_poll_init(&loop_, &l->poll, l->fd);
    l->poll.data = l.get();
    uv_poll_start(&l->poll, UV_READABLE, OnReadable);
    listeners_.push_back(std::move(l));
  }
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
  if (status == 0) l->server->AcceptFrom(l->fd);
}

void NetServer::AcceptFrom(int lfd) {
  for (int i = 0; i < 256; ++i) {
    int fd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN or a transient error: wait for the next poll
    server_->total_connections_received.fetch_add(1, std::memory_order_relaxed);
    int64_t live = 0;
    Worker* best = nullptr;
    for (auto& w : workers_) {
      live += w->connections();
      if (best == nullptr || w->connections() < best->connections()) best = w.get();
    }
    if (live >= server_->runtime().maxclients.load()) {
      static constexpr char kMsg[] = "-ERR max number of clients reached\r\n";
      [[maybe_unused]] ssize_t n = ::write(fd, kMsg, sizeof(kMsg) - 1);
      ::close(fd);
      server_->rejected_connections.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    best->Adopt(fd);
  }
}

void NetServer::OnSignal(uv_signal_t* s, int) { static_cast<NetServer*>(s->data)->StopAll(); }

void NetServer::OnShutdown(uv_async_t* a) { static_cast<NetServer*>(a->data)->StopAll(); }

void NetServer::RequestShutdown() { uv_async_send(&shutdown_async_); }

void NetServer::StopAll() {
  for (auto& l : listeners_) {
    uv_poll_stop(&l->poll);
    uv_close(reinterpret_cast<uv_handle_t*>(&l->poll), nullptr);
    ::close(l->fd);
  }
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
