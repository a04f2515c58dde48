// Worker: one thread running one libuv loop that owns a set of connections
// and executes their commands inline (no hop to another thread).
//
// Other threads talk to a worker only through its mutex-protected inbox and
// a uv_async wake-up: new connections from the acceptor, kill requests
// (CLIENT KILL), and stop. Each worker also runs the timers that belong to
// the keyspace: its share of the active expiry cycle (hz) and idle timeouts.
#ifndef SHOAL_SERVER_NET_WORKER_H_
#define SHOAL_SERVER_NET_WORKER_H_

#include <uv.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "server/dispatch/client_session.h"
#include "server/dispatch/dispatcher.h"
#include "server/dispatch/server_state.h"
#include "server/net/net_options.h"
#include "server/net/uring_loop.h"
#include "server/store/store.h"

namespace shoal {

class Connection;

class Worker : public ClientWaker {
 public:
  Worker(int index, int count, Store* store, ServerState* server, const NetOptions& options);
  ~Worker() override;

  void Start();
  // Asks the loop to close every connection and stop; Join waits for it.
  void Stop();
  void Join();

  // Any thread: hands an accepted socket, with its client id, to this
  // worker; `tls` when it came in on the TLS port.
  void Adopt(int fd, uint64_t client_id, bool tls = false);
  // Any thread: wakes the loop to look at kill requests (ClientWaker).
  void Wake() override;
  // Any thread: queue pub/sub bytes for a client / wake a blocked client.
  void Deliver(uint64_t client_id, std::string bytes) override;
  void WakeBlocked(uint64_t client_id) override;
  // Loop thread: a connection entered or left the blocked state.
  void SetBlocked(Connection* c, bool blocked);

  // Loop thread only.
  int index() const { return index_; }
  Store* store() { return store_; }
  ServerState* server() { return server_; }
  Dispatcher* dispatcher() { return &dispatcher_; }
  const NetOptions& options() const { return options_; }
  uv_loop_t* loop() { return &loop_; }
  // The ring connections do their I/O through; null on the epoll engine.
  UringLoop* uring() { return uring_.get(); }
  // Wall-clock ms as of this loop turn, without a clock read: libuv's
  // cached loop time plus an offset Cron keeps in step with the wall clock.
  // For bookkeeping that needs no better (a client's last interaction).
  int64_t LoopNowMs() const { return wall_offset_ms_ + static_cast<int64_t>(uv_now(&loop_)); }
  void Forget(Connection* c);
  int64_t connections() const { return live_.load(std::memory_order_relaxed); }
  // Where TLS connections read ciphertext: libuv calls a stream's alloc and
  // read callbacks back to back, so one buffer per loop serves them all.
  uv_buf_t TlsScratch();
  // One log line for a failed TLS connection; at most a few per second per
  // worker, so a flood of bad handshakes cannot flood the log.
  void LogTlsFailure(bool handshake_done, const std::string& error, const std::string& addr);

 private:
  static void OnAsync(uv_async_t* a);
  static void OnCron(uv_timer_t* t);
  // End of a loop turn (before polling): replication sends what the turn's
  // commands wrote, one wake-up per turn instead of one per write (on the
  // uring engine RunUring calls it).
  static void OnTurnEnd(uv_prepare_t* p);
  void DrainInbox();
  void RunUring();
  void Cron();

  int index_;
  int count_;
  Store* store_;
  ServerState* server_;
  NetOptions options_;
  Dispatcher dispatcher_;
  uv_loop_t loop_;
  uv_async_t async_;
  uv_timer_t cron_;
  uv_prepare_t turn_end_;
  std::thread thread_;
  std::unique_ptr<UringLoop> uring_;  // made and destroyed on thread_
  absl::flat_hash_set<Connection*> conns_;
  absl::flat_hash_map<uint64_t, Connection*> by_id_;
  absl::flat_hash_set<Connection*> blocked_;
  std::atomic<int64_t> live_{0};
  std::atomic<int64_t> kill_requests_{0};
  int64_t kills_seen_ = 0;
  int64_t last_expire_budget_us_ = 0;
  int64_t wall_offset_ms_ = 0;  // wall clock minus uv_now, set by Start and Cron
  std::unique_ptr<char[]> tls_scratch_;
  int64_t tls_log_second_ = 0;
  int tls_logged_ = 0;      // lines in tls_log_second_
  int64_t tls_unlogged_ = 0;  // failures not logged since the last line

  absl::Mutex mu_;
  struct Message {
    enum Kind { kAdopt, kDeliver, kWakeBlocked } kind;
    int fd = -1;
    uint64_t client_id = 0;
    bool tls = false;
    std::string bytes;
  };
  void Post(Message m);
  std::vector<Message> inbox_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_NET_WORKER_H_
