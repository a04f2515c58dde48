// The coordinator's decisions, as pure functions of what a node sees.
//
// Roles are decided by one member, the coordinator: the oldest active member
// (smallest joined_ms, ties broken by the smaller id). It acts only while it
// sees a majority of the last agreed membership — the nodes named in the
// current shard table — alive (joining, active or suspect), so the two sides
// of a partition cannot both change the table. Each change bumps the table
// epoch and names the coordinator as its author; the table spreads by gossip
// and (epoch, author) decides which of two tables wins.
//
// What it decides (R = --replicas):
//   - an active member that owns no shard becomes a replica of the shard
//     with the fewest replicas below R (whose primary is active), otherwise
//     the primary of a new shard (random 40-hex id);
//   - a replica that is dead or leaving leaves its shard's list (it rejoins
//     as a fresh replica when it returns: it resyncs, so it never serves old
//     data as current);
//   - a dead or leaving primary is replaced by its most up-to-date live
//     replica (the highest replication offset it reports; only replicas that
//     completed a sync qualify): the shard keeps its id and slots, so no slot
//     moves. The old primary leaves the shard;
//   - a replica that asks for promotion (CLUSTER FAILOVER) swaps roles with
//     its live primary;
//   - a primary that restarted (empty: Shoal keeps no data on disk) and
//     asks to step down swaps roles with its best synced replica, which
//     keeps the shard's data; the restarted node then resyncs from it;
//   - a leaving primary without a replica to take over drains its shard:
//     the shard hands its slots, with their keys, to the shards that take
//     them over, and leaves the table when done (the only shard retires);
//   - a joining member that no shard needs as a replica gets a new shard
//     that imports its slots' keys before serving them (the first shard
//     serves at once). One migration at a time: while a shard imports or
//     drains, a further new shard or drain waits. The migration plan is
//     named by the epoch that started it (ShardTable::migration); each
//     source's primary reports the slot up to which it handed off, the
//     coordinator records it in the source's `handoff` (the slot map flips
//     slot by slot, hash_ring.h ComputeSlotAssignment) and ends the
//     migration when no slot is left to move. An importing or draining
//     shard whose primary dies without a replica retires (the plan restarts
//     without it);
//   - a dead primary without a replica keeps its shard: its slots stay
//     unserved until it returns, as in Redis Cluster — unless another live
//     member now answers at the same client address under a new id (the node
//     was rebuilt without its nodes file), in which case the shard retires.
// The caller (Membership) publishes nothing while a primary may be cut off
// and still serving (swim.h, PrimariesSettled), so a promotion never makes
// two primaries that both accept writes.
//
// Pure functions, any thread; the caller passes the RNG for shard ids.
#ifndef SHOAL_CLUSTER_COORDINATOR_H_
#define SHOAL_CLUSTER_COORDINATOR_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cluster/cluster_view.h"
#include "cluster/gossip_message.h"
#include "cluster/node_id.h"

namespace shoal {

// Empty when no member is active.
std::string ElectCoordinator(const std::vector<MemberUpdate>& members);

// True when more than half of the nodes named in `table` are alive in
// `members` (trivially true for an empty table: the first node bootstraps).
bool SeesMajority(const ShardTable& table, const std::vector<MemberUpdate>& members);

// What the coordinator heard each member report of its replication
// (BusMessage::repl_offset / repl_flags), by node id.
struct ReplicationReport {
  int64_t offset = -1;           // -1: not a synced replica
  bool wants_promotion = false;  // CLUSTER FAILOVER on a replica
  // A primary handing slots off: the plan (ShardTable::migration) and the
  // slot up to which it emptied every slot it hands off.
  uint64_t migration_plan = 0;
  int32_t handoff = -1;
  bool steps_down = false;  // a primary that restarted empty (swim.h, stepping down)
};

struct ReconcileOptions {
  int replicas = 0;  // R: replicas per shard
  int vnodes = 64;   // the ring's tokens per shard (to tell when a migration is done)
  std::map<std::string, ReplicationReport> reports;
};

// The table the coordinator `my_id` should publish, or nullopt when `table`
// already matches `members`. `members` includes the coordinator itself.
std::optional<ShardTable> ReconcileShards(const std::vector<MemberUpdate>& members,
                                          const ShardTable& table, const std::string& my_id,
                                          ClusterRng& rng,
                                          const ReconcileOptions& options = ReconcileOptions());

// The shard whose primary or replica is `node_id`, or nullptr.
const ShardInfo* ShardOfNode(const ShardTable& table, const std::string& node_id);

}  // namespace shoal

#endif  // SHOAL_CLUSTER_COORDINATOR_H_
