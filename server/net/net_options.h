// Options of the network layer, filled from flags by server/main.cc.
#ifndef SHOAL_SERVER_NET_NET_OPTIONS_H_
#define SHOAL_SERVER_NET_NET_OPTIONS_H_

#include <atomic>
#include <string>
#include <vector>

namespace shoal {

class TlsContextHolder;

// How connections do their socket I/O (--io-engine): io_uring beside the
// libuv loop (server/net/uring_loop.h), or libuv's own epoll reads/writes.
enum class IoEngine { kEpoll, kUring };

struct NetOptions {
  // Listening addresses, as redis.conf's `bind`: IPv4 or IPv6 literals,
  // "*" (every IPv4 address), "::*" (every IPv6 address); a leading '-'
  // makes one optional: start-up goes on without it when the address is not
  // available (no IPv6, no such interface). Redis 7's default.
  std::vector<std::string> bind = {"127.0.0.1", "-::1"};
  int port = 6379;
  int threads = 1;
  int tcp_backlog = 511;
  // A connection stops reading while this many reply bytes wait to be sent:
  // a client that does not read cannot grow the server's memory.
  size_t pause_reading_over = 1 << 20;
  // protected-mode (CONFIG SET may change it): while on and no password is
  // set, clients that do not connect from loopback get -DENIED and are
  // closed. Not owned; null = off.
  const std::atomic<bool>* protected_mode = nullptr;
  // After accept() fails for want of file descriptors (EMFILE / ENFILE) and
  // the spare descriptor cannot be used, the listeners pause this long.
  int accept_backoff_ms = 100;
  // --tls-port: a TLS listener on each bind address beside `port` (0 = none;
  // port 0 = TLS only). `tls` holds the context; not owned.
  int tls_port = 0;
  TlsContextHolder* tls = nullptr;
  // unixsocket: a listener on this path too (empty = none); unixsocketperm
  // the mode it gets (0 = as the umask leaves it). Plain text, local, so
  // protected mode lets its clients in.
  std::string unixsocket;
  int unixsocket_perm = 0;
  // NetServer::Start falls back to kEpoll when the kernel lacks what the
  // uring engine needs (UringLoop::Probe).
  IoEngine io_engine = IoEngine::kUring;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_NET_NET_OPTIONS_H_
