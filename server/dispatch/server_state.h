// ServerState: what commands may see of the server beyond the keyspace — the
// command table, configuration, connected clients, statistics, and hooks for
// shutdown. Shared by all workers; every member is thread-safe as noted.
//
// The cross-worker registries (blocking, pub/sub) live one layer up, in
// server/events, which builds on dispatch (it parks ClientSessions and reads
// CommandContexts). ServerState only points at them: they are declared here,
// owned by whoever builds the server (main.cc), and a caller that uses them
// includes server/events/blocking.h or pubsub.h.
#ifndef SHOAL_SERVER_DISPATCH_SERVER_STATE_H_
#define SHOAL_SERVER_DISPATCH_SERVER_STATE_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "server/dispatch/client_session.h"
#include "server/dispatch/command_table.h"
#include "server/dispatch/config_registry.h"
#include "server/dispatch/key_router.h"
#include "server/dispatch/latency_histogram.h"
#include "server/dispatch/monitor.h"
#include "server/dispatch/replication_hooks.h"
#include "server/dispatch/scripting_hooks.h"
#include "server/dispatch/tracking_hooks.h"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace shoal {

class BlockingRegistry;  // server/events/blocking.h
class PubSubRegistry;    // server/events/pubsub.h

// Per-command counters of one worker. Written by that worker only (relaxed
// atomics so that INFO on another worker may read them without a race).
struct CommandCounters {
  std::atomic<int64_t> calls{0};
  std::atomic<int64_t> usec{0};
  std::atomic<int64_t> rejected{0};  // arity, auth, OOM... before running
  std::atomic<int64_t> failed{0};    // ran and replied with an error
};

// INFO errorstats keys errors by their first word, as Redis does, and keeps
// at most this many distinct codes (further new codes are not tracked).
inline constexpr size_t kMaxErrorCodeLen = 32;
inline constexpr size_t kMaxErrorCodes = 128;
// The first word of an error reply's text ("ERR", "WRONGTYPE", "NOPERM"),
// cut at kMaxErrorCodeLen.
inline std::string_view ErrorCode(std::string_view text) {
  if (!text.empty() && text[0] == '-') text.remove_prefix(1);
  size_t end = text.find(' ');
  if (end == std::string_view::npos) end = text.size();
  return text.substr(0, std::min(end, kMaxErrorCodeLen));
}

struct WorkerStats {
  explicit WorkerStats(int command_specs) : commands(command_specs), latency(command_specs) {}
  // Counts one error reply (total_error_replies and its errorstat).
  void CountError(std::string_view code) {
    error_replies.fetch_add(1, std::memory_order_relaxed);
    std::string key(code);  // (Debian's abseil cannot look up by std::string_view)
    absl::MutexLock l(&error_mu);
    auto it = error_codes.find(key);
    if (it != error_codes.end()) {
      ++it->second;
    } else if (error_codes.size() < kMaxErrorCodes) {
      error_codes.emplace(std::move(key), 1);
    }
  }
  std::vector<CommandCounters> commands;  // by CommandSpec::id
  // Per-command latency distributions (INFO latencystats, LATENCY HISTOGRAM).
  CommandHistograms latency;
  std::atomic<int64_t> commands_processed{0};
  std::atomic<int64_t> net_input_bytes{0};
  std::atomic<int64_t> net_output_bytes{0};
  std::atomic<int64_t> error_replies{0};
  // Error code -> replies; written by the worker, read by INFO (errors are
  // not the hot path: a mutex is fine).
  absl::Mutex error_mu;
  absl::flat_hash_map<std::string, int64_t> error_codes ABSL_GUARDED_BY(error_mu);
};

// Connected clients, for CLIENT LIST/KILL/INFO and INFO clients.
class ClientRegistry {
 public:
  void Add(ClientSession* s);
  void Remove(ClientSession* s);
  int64_t Count() const;
  // Calls fn for every client under the registry lock (fn must not block).
  void ForEach(const std::function<void(ClientSession&)>& fn) const;
  // Calls fn for the client with this id, if connected, under the registry
  // lock (fn must not block nor use the registry); returns whether it was.
  bool With(uint64_t id, const std::function<void(ClientSession&)>& fn) const;
  uint64_t NextId() { return next_id_.fetch_add(1) + 1; }

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, ClientSession*> clients_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> next_id_{0};
};

struct ServerInfo {
  std::string run_id;       // 40 hex chars
  std::string executable;
  std::string config_file;
  int port = 6379;
  int64_t start_ms = 0;
  int threads = 1;
  int64_t start_us_monotonic = 0;
  // INFO's multiplexing_api: "io_uring" or "epoll" (--io-engine, after the
  // fallback when the kernel lacks io_uring). Set before workers start.
  std::string multiplexing_api = "epoll";
};

class ServerState {
 public:
  // `blocking` and `pubsub` must outlive the ServerState.
  ServerState(const CommandTable* table, RuntimeConfig* rc, int workers,
              BlockingRegistry* blocking, PubSubRegistry* pubsub);

  const CommandTable& table() const { return *table_; }
  ConfigRegistry& config() { return config_; }
  RuntimeConfig& runtime() { return *rc_; }
  ClientRegistry& clients() { return clients_; }
  ServerInfo& info() { return info_; }
  BlockingRegistry& blocking() { return *blocking_; }
  PubSubRegistry& pubsub() { return *pubsub_; }
  // Clients in MONITOR mode (server/dispatch/monitor.h).
  MonitorFeed& monitors() { return monitors_; }
  WorkerStats& worker_stats(int w) { return *worker_stats_[w]; }
  int workers() const { return static_cast<int>(worker_stats_.size()); }

  // Totals across workers.
  std::atomic<int64_t> total_connections_received{0};
  std::atomic<int64_t> rejected_connections{0};
  // INFO stats acl_access_denied_*: failed AUTH/HELLO AUTH, and commands
  // refused for the command itself, a key or a channel (CONFIG RESETSTAT).
  std::atomic<int64_t> acl_denied_auth{0};
  std::atomic<int64_t> acl_denied_cmd{0};
  std::atomic<int64_t> acl_denied_key{0};
  std::atomic<int64_t> acl_denied_channel{0};

  // Cluster mode: routes keyed commands (null in standalone mode). Set once
  // at start-up, before workers start.
  KeyRouter* router = nullptr;
  // Scripting (server/scripting), null without it. Set once at start-up.
  ScriptingHooks* scripting = nullptr;
  // Replication (server/replication), null without it. Set once at start-up.
  ReplicationHooks* replication = nullptr;
  // Client-side caching (server/events/tracking.h), null without it. Set
  // once at start-up.
  TrackingHooks* tracking = nullptr;

  // CLIENT PAUSE: until pause_until_ms (wall clock), commands of normal
  // clients wait (kPauseAll) or only writes do (kPauseWrite). The waiting
  // connection keeps its command and runs it when the pause ends (worker
  // cron) or at CLIENT UNPAUSE (which wakes it).
  enum PauseMode : int { kPauseNone = 0, kPauseWrite = 1, kPauseAll = 2 };
  std::atomic<int> pause_mode{kPauseNone};
  std::atomic<int64_t> pause_until_ms{0};
  // Ends any pause and wakes every held-back client, which then runs the
  // command it kept (CLIENT UNPAUSE, SHUTDOWN ABORT).
  void Unpause();
  // The pause that applies to `spec` now (false once it expired).
  bool PausedFor(const CommandSpec& spec, bool queued_writes, int64_t now_ms) const {
    int mode = pause_mode.load(std::memory_order_relaxed);
    if (mode == kPauseNone || now_ms >= pause_until_ms.load(std::memory_order_relaxed)) {
      return false;
    }
    // CLIENT PAUSE / UNPAUSE themselves always run, so a pause can be ended.
    if (spec.name == "client|pause" || spec.name == "client|unpause") return false;
    return mode == kPauseAll || queued_writes ||
           (spec.flags & (kCmdWrite | kCmdMayReplicate)) != 0;
  }

  // Set by the net layer: asks the server to stop now (SHUTDOWN NOW).
  std::function<void()> request_shutdown;
  // Set by the net layer: SHUTDOWN without NOW, as Redis 7: with replicas
  // behind, writes pause and the server waits up to shutdown-timeout for
  // them to catch up, then stops. abort_shutdown (SHUTDOWN ABORT) cancels
  // such a wait and resumes writes; false when none was pending.
  std::function<void()> request_graceful_shutdown;
  std::function<bool()> abort_shutdown;
  // Set in cluster mode: on SIGTERM/SIGINT, returns true when it took the
  // signal over (a graceful cluster leave that shuts down when done); the
  // net layer then keeps serving. Null, or false: stop now.
  std::function<bool()> intercept_stop_signal;
  // Set in cluster mode: appends lines to INFO's Cluster section.
  std::function<void(std::string*)> cluster_info;
  // tls-cluster in cluster mode: a new reference to the client TLS context
  // for connections to other members' client ports (MIGRATE, the failover
  // handshake); unset: those connections are plain.
  std::function<ssl_ctx_st*()> cluster_tls_client;

  // Zeroes command stats and counters (CONFIG RESETSTAT).
  void ResetStats();

 private:
  const CommandTable* table_;
  RuntimeConfig* rc_;
  ConfigRegistry config_;
  ClientRegistry clients_;
  ServerInfo info_;
  BlockingRegistry* blocking_;
  PubSubRegistry* pubsub_;
  MonitorFeed monitors_;
  std::vector<std::unique_ptr<WorkerStats>> worker_stats_;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_SERVER_STATE_H_
