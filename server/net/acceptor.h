// Acceptor + NetServer: listens on the client port(s) on the main thread's
// loop and hands each accepted socket to the worker with the fewest
// connections; enforces maxclients and protected mode; stops everything on
// SIGINT/SIGTERM or when a command asks for shutdown. As in Redis 7, a
// shutdown that is not SHUTDOWN NOW first gives replicas that are behind up
// to shutdown-timeout to catch up, writes paused; SHUTDOWN ABORT or a
// second signal ends that wait.
//
// With unixsocket, a listener on that path too: its clients count as local
// for protected mode, and CLIENT LIST shows them as Redis does (addr and
// laddr "<path>:0", flag U).
//
// With --tls-port, each bind address also gets a TLS listener; its sockets
// go to the workers marked as TLS (the handshake runs there, never here). A
// client refused on the TLS port (maxclients, protected mode) is closed
// without the plain-text error, which a TLS client could not read.
//
// Running out of file descriptors (docs/security.md): one spare descriptor
// is kept open; when accept() fails with EMFILE/ENFILE it is closed, the
// pending client accepted, told `-ERR max number of clients reached` and
// closed, and the spare reopened. If even that fails the listeners stop
// polling for NetOptions::accept_backoff_ms, so a full backlog cannot make
// the loop spin.
//
// Accepting stays poll + accept4 on --io-engine uring too: a multishot
// accept takes RLIMIT_NOFILE as it was when the accept was armed, so a
// limit lowered at run time (prlimit) would not be honoured and the
// EMFILE path above would not run. Accepting is once per connection; the
// ring serves what happens once per request (server/net/uring_loop.h).
#ifndef SHOAL_SERVER_NET_ACCEPTOR_H_
#define SHOAL_SERVER_NET_ACCEPTOR_H_

#include <uv.h>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "server/dispatch/server_state.h"
#include "server/net/net_options.h"
#include "server/net/worker.h"
#include "server/store/store.h"

namespace shoal {

// One `bind` entry as a listening host: "-::1" -> "::1" with *optional set,
// "*" -> "0.0.0.0", "::*" -> "::".
std::string BindHost(std::string_view entry, bool* optional);

class NetServer {
 public:
  NetServer(Store* store, ServerState* server, const NetOptions& options);
  ~NetServer();

  // Binds the listening sockets and starts the workers.
  absl::Status Start();
  // Runs the main loop until a shutdown is requested; then stops workers.
  void Run();
  // Any thread: asks Run() to return.
  void RequestShutdown();
  // Any thread: SHUTDOWN without NOW (and SIGTERM/SIGINT). With replicas
  // behind, writes pause (CLIENT PAUSE WRITE) and Run() returns once they
  // caught up or shutdown-timeout passed; at once otherwise.
  void RequestGracefulShutdown();
  // Any thread: SHUTDOWN ABORT. Cancels a graceful wait and resumes writes;
  // false when none was pending.
  bool AbortShutdown();
  int port() const { return options_.port; }

 private:
  struct Listener {
    NetServer* server;
    int fd;
    bool tls;
    uv_poll_t poll;
  };
  static void OnReadable(uv_poll_t* p, int status, int events);
  static void OnSignal(uv_signal_t* s, int signum);
  static void OnShutdown(uv_async_t* a);
  static void OnGracefulShutdown(uv_async_t* a);
  static void OnShutdownCheck(uv_timer_t* t);
  void BeginGracefulShutdown();
  static void OnExpireTimer(uv_timer_t* t);
  static void OnBackoffDone(uv_timer_t* t);
  void AcceptFrom(int fd, bool tls);
  // Binds `port` on every bind address.
  absl::Status ListenAll(int port, bool tls);
  // Binds options_.unixsocket (an old socket file there is replaced, as
  // Redis does); StopAll removes it.
  absl::Status ListenUnix();
  // accept() failed for want of descriptors: answer and close the pending
  // client with the spare descriptor (kRejected), find the backlog empty
  // (kNothingPending), or fail (kFailed: the caller pauses accepting).
  enum class SpareFdResult { kRejected, kNothingPending, kFailed };
  SpareFdResult RejectWithSpareFd(int lfd, bool tls);
  void PauseAccepting();
  // Protected mode: true when this peer must be refused.
  bool RefusedByProtectedMode(const sockaddr_storage& peer) const;
  void StopAll();

  Store* store_;
  ServerState* server_;
  NetOptions options_;
  uv_loop_t loop_;
  uv_async_t shutdown_async_;
  uv_async_t graceful_async_;
  uv_timer_t shutdown_wait_;    // polls the lagging replicas while waiting
  int64_t shutdown_deadline_ms_ = 0;
  // 1 while a graceful shutdown waits; the wait's end and SHUTDOWN ABORT
  // race for it (compare-exchange to 0), so exactly one of them acts.
  std::atomic<int> shutdown_waiting_{0};
  uv_signal_t sigint_, sigterm_;
  uv_timer_t backoff_;
  bool paused_ = false;
  bool stopped_ = false;
  int spare_fd_ = -1;
  int64_t last_accept_log_ms_ = 0;
  std::vector<std::unique_ptr<Listener>> listeners_;
  bool unix_bound_ = false;  // options_.unixsocket is ours to unlink
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_NET_ACCEPTOR_H_
