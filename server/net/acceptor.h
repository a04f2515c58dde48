// Acceptor + NetServer: listens on the client port(s) on the main thread's
// loop and hands each accepted socket to the worker with the fewest
// connections; enforces maxclients; stops everything on SIGINT/SIGTERM or
// when a command asks for shutdown.
#ifndef SHOAL_SERVER_NET_ACCEPTOR_H_
#define SHOAL_SERVER_NET_ACCEPTOR_H_

#include <uv.h>

#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "server/dispatch/server_state.h"
#include "server/net/net_options.h"
#include "server/net/worker.h"
#include "server/store/store.h"

namespace shoal {

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
  int port() const { return options_.port; }

 private:
  struct Listener {
    NetServer* server;
    int fd;
    uv_poll_t poll;
  };
  static void OnReadable(uv_poll_t* p, int status, int events);
  static void OnSignal(uv_signal_t* s, int signum);
  static void OnShutdown(uv_async_t* a);
  static void OnExpireTimer(uv_timer_t* t);
  void AcceptFrom(int fd);
  void StopAll();

  Store* store_;
  ServerState* server_;
  NetOptions options_;
  uv_loop_t loop_;
  uv_async_t shutdown_async_;
  uv_signal_t sigint_, sigterm_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_NET_ACCEPTOR_H_
