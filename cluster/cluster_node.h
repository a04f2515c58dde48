// ClusterNode: the membership runtime of one server — the SWIM state machine
// (swim.h) driven by a libuv loop on its own thread, talking over the real
// cluster bus (bus_transport.h), keeping the nodes file (nodes_file.h), and
// publishing a fresh ClusterView into a ClusterState on every change.
//
// Life cycle: construct with ClusterOptions and the ClusterState to publish
// into; Start() loads or creates the node's identity, binds the bus port,
// publishes a first view (before it returns) and starts the loop thread,
// which joins the seeds (or, after a restart, the members the nodes file
// remembers). Stop() halts quietly — peers will see the node die and keep
// its shard for when it returns; Leave() first announces a graceful leave
// so the coordinator retires its shard. The destructor stops.
//
// Threads: Start/Stop/Leave from the owner; Meet, Broadcast and stats from
// any thread (they post to the loop); the broadcast handler runs on the
// cluster loop thread and must not block.
//
// Time: the protocol runs on a monotonic clock (timers survive wall-clock
// steps); wall time from the injected Clock stamps joined_ms and the
// ping/pong times shown in views.
#ifndef SHOAL_CLUSTER_CLUSTER_NODE_H_
#define SHOAL_CLUSTER_CLUSTER_NODE_H_

#include <uv.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "cluster/bus_transport.h"
#include "cluster/cluster_view.h"
#include "cluster/nodes_file.h"
#include "cluster/swim.h"
#include "server/store/clock.h"

namespace shoal {

struct ClusterOptions {
  std::string ip;                // address to bind; "" or "0.0.0.0": every interface
  int port = 6379;               // client port
  int bus_port = 0;              // 0: port + 10000
  std::string announce_ip;       // what peers and clients should use; "": ip unless a wildcard,
                                 // else learned from peers
  int announce_port = 0;         // client port to announce; 0: port
  int announce_bus_port = 0;     // 0: bus_port
  std::vector<std::string> seeds;  // "host:port[@busport]", client ports of any members
  std::string config_file = "nodes.conf";
  std::string secret;            // HMAC key for every bus message; "": none
  // tls-cluster: the bus speaks TLS with these contexts (BusTransport::SetTls);
  // null: plain.
  BusTransport::TlsContextSource tls_contexts;
  int vnodes = 64;               // passed to ComputeSlotMap
  int replicas = 0;              // R: replicas per shard (coordinator.h); main.cc: 1
  SwimOptions swim;
  int64_t tick_ms = 20;          // protocol timer resolution
  int64_t leave_linger_ms = 1000;  // Leave(): time to spread the news before stopping
  // Leave(): the longest wait for this node's shard to hand its slots off
  // (or for a replica to take over) before stopping anyway.
  int64_t leave_handoff_timeout_ms = 600'000;
  int64_t idle_connection_ms = 300'000;
  uint64_t rng_seed = 0;         // 0: from std::random_device
  const Clock* clock = nullptr;  // wall time; nullptr: SystemClock
};

struct ClusterStats {
  SwimStats swim;               // messages sent/received, drops, probes, suspicions...
  BusTransportStats transport;  // socket-level errors
  size_t known_nodes = 0;       // every member this node knows, itself included
  size_t alive_nodes = 0;       // joining, active or suspect, itself included
  uint64_t current_epoch = 0;   // shard table epoch
  MemberState my_state = MemberState::kJoining;
  bool coordinator = false;     // this node is the coordinator
};

// What this node reports of its replication and of its slot handoff in
// every bus message.
struct ReplicationStatus {
  int64_t offset = -1;           // a synced replica's processed offset; -1: none
  bool wants_promotion = false;  // CLUSTER FAILOVER asked for
  uint64_t migration_plan = 0;   // the plan the handoff refers to (slot_mover.h)
  int32_t handoff = -1;          // slots handed off up to here; -1: none
};

class ClusterNode {
 public:
  using BroadcastHandler = std::function<void(std::string_view payload)>;
  using ReplicationStatusSource = std::function<ReplicationStatus()>;

  ClusterNode(ClusterOptions options, ClusterState* state);
  ~ClusterNode();
  ClusterNode(const ClusterNode&) = delete;
  ClusterNode& operator=(const ClusterNode&) = delete;

  // Set before Start. Runs on the cluster loop thread for every broadcast
  // another node sent (not for this node's own).
  void SetBroadcastHandler(BroadcastHandler h) { on_broadcast_ = std::move(h); }
  // Set before Start. Polled on the cluster loop thread every tick; must be
  // cheap and must not block.
  void SetReplicationStatusSource(ReplicationStatusSource s) { repl_status_ = std::move(s); }

  absl::Status Start();
  void Stop();
  // A graceful leave from the shutdown path: announces it, waits until no
  // shard names this node (its shard drained, or a replica took over; see
  // coordinator.h), lingers, stops.
  void Leave();
  // CLUSTER LEAVE: announces the leave at once while the node keeps serving
  // (its slot mover hands the slots off); once no shard names this node it
  // lingers and calls `done` from a thread of its own. Once only.
  void BeginLeave(std::function<void()> done);
  bool leaving() const { return leave_started_.load(); }

  // CLUSTER MEET: introduce the node at host:port (client port; bus port
  // port + 10000 unless given). Resolves `host` on the calling thread;
  // returns once the handshake is under way (it completes asynchronously).
  absl::Status Meet(const std::string& host, int port, int bus_port = 0);
  // CLUSTER SAVECONFIG: writes the nodes file on the cluster loop and waits
  // for it (at most `timeout_ms`); the write's error, if any.
  absl::Status SaveNow(int64_t timeout_ms = 5000);
  // Sends `payload` to every live member (cluster-wide PUBLISH).
  void Broadcast(std::string payload);

  ClusterStats stats() const;
  const std::string& my_id() const { return my_id_; }  // after Start
  int bus_port() const { return bus_port_; }           // after Start
  bool running() const { return running_; }

 private:
  absl::Status LoadIdentity(SwimSelf* self, std::optional<NodesFileData>* saved);
  absl::StatusOr<std::vector<Endpoint>> ResolveSeeds() const;
  bool IsMyself(const Endpoint& ep) const;
  void Post(std::function<void()> task);
  static void OnAsync(uv_async_t* a);
  static void OnTick(uv_timer_t* t);
  void Drain();
  void AfterEvent(bool tick);
  void Publish();
  void Save();
  absl::Status SaveFile();
  int64_t MonoMs() const;

  ClusterOptions options_;
  ClusterState* state_;
  const Clock* clock_;
  BroadcastHandler on_broadcast_;
  ReplicationStatusSource repl_status_;
  std::string my_id_;
  std::string bind_ip_;
  int bus_port_ = 0;
  std::vector<std::string> local_ips_;

  std::unique_ptr<Membership> core_;  // loop thread only once running
  NodesFileLock lock_;
  uv_loop_t loop_;
  uv_async_t async_;
  uv_timer_t tick_;
  std::unique_ptr<BusTransport> transport_;
  std::thread thread_;
  std::atomic<bool> running_{false};
  // Graceful leave (BeginLeave / Leave).
  bool WaitShardless();
  std::atomic<bool> leave_started_{false};
  std::atomic<bool> leave_cancel_{false};
  std::thread leave_thread_;
  bool loop_inited_ = false;

  uint64_t published_version_ = 0;
  int64_t published_ms_ = 0;
  uint64_t saved_version_ = 0;
  int64_t saved_ms_ = 0;
  int64_t sweep_ms_ = 0;

  mutable absl::Mutex mu_;
  std::vector<std::function<void()>> inbox_ ABSL_GUARDED_BY(mu_);
  bool stop_requested_ ABSL_GUARDED_BY(mu_) = false;
  ClusterStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shoal

#endif  // SHOAL_CLUSTER_CLUSTER_NODE_H_
