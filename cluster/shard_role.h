// ShardRoleKeeper: makes this node's replication follow its role in the
// shard table. The coordinator decides roles (coordinator.h); this class
// carries them out on this node:
//   - named a replica of a shard whose primary is alive -> REPLICAOF that
//     primary (a full sync replaces whatever this node held), once every
//     slot of the shard that just arrived here has been cleaned by the
//     SlotKeeper (so the cleaning never races the sync);
//   - named a primary, or in no shard -> REPLICAOF NO ONE (a promoted
//     replica keeps its data and serves it as the shard's primary);
//   - reports, for every bus message, this node's replication offset (only
//     once it completed a sync from its current primary: a replica still
//     syncing must never be promoted) and whether it asks for promotion.
// CLUSTER FAILOVER on a replica (Failover) runs here, on a thread of its own:
// without FORCE it pauses writes on the primary (CLIENT PAUSE WRITE), waits
// until this replica has processed everything the primary wrote, asks the
// coordinator for the switch and unpauses the old primary once the table
// names this node primary, so no acknowledged write is lost; the paused
// clients then get -MOVED to the new primary. FORCE and TAKEOVER skip the
// handshake with the primary (it may be unreachable) and just ask.
//
// Threads: one thread polls the ClusterState (every 20 ms); Failover and
// Status are called from any thread.
#ifndef SHOAL_CLUSTER_SHARD_ROLE_H_
#define SHOAL_CLUSTER_SHARD_ROLE_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "cluster/cluster_node.h"
#include "cluster/cluster_router.h"
#include "cluster/cluster_view.h"
#include "server/replication/replication.h"

namespace shoal {

class ShardRoleKeeper {
 public:
  ShardRoleKeeper(const ClusterState* state, ReplicationManager* replication);
  ~ShardRoleKeeper();
  ShardRoleKeeper(const ShardRoleKeeper&) = delete;
  ShardRoleKeeper& operator=(const ShardRoleKeeper&) = delete;

  // For ClusterNode::SetReplicationStatusSource: cheap, never blocks.
  ReplicationStatus Status() const {
    return ReplicationStatus{offset_.load(std::memory_order_acquire),
                             wants_promotion_.load(std::memory_order_acquire)};
  }

  // CLUSTER FAILOVER [FORCE|TAKEOVER]: the Redis error text when refused;
  // otherwise the switch goes on in the background (as in Redis, the reply
  // is OK at once; ROLE / CLUSTER NODES show when it happened).
  absl::Status Failover(FailoverMode mode);

 private:
  struct Role {
    bool replica = false;       // named a replica in the table
    std::string primary_id;
    std::string primary_host;
    int primary_port = 0;
    bool primary_alive = false;
  };
  Role MyRole(const ClusterView& view) const;
  void Run();
  void Step();
  bool MySlotsPending(const ClusterView& view) const;
  void RunFailover(FailoverMode mode, std::string host, int port);
  bool WaitUntilPrimary(int64_t timeout_ms);

  const ClusterState* state_;
  ReplicationManager* replication_;
  std::atomic<int64_t> offset_{-1};
  std::atomic<bool> wants_promotion_{false};
  std::atomic<bool> stop_{false};

  absl::Mutex mu_;
  std::string following_ ABSL_GUARDED_BY(mu_);  // "host:port" this node replicates from
  bool synced_ ABSL_GUARDED_BY(mu_) = false;    // a sync from it completed
  bool failover_running_ ABSL_GUARDED_BY(mu_) = false;
  std::thread failover_thread_;
  std::thread thread_;
};

}  // namespace shoal

#endif  // SHOAL_CLUSTER_SHARD_ROLE_H_
