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
// What it decides in this issue (every node is the primary of its own shard,
// --replicas 0):
//   - an active member that owns no shard gets a new shard (random 40-hex id);
//   - a leaving member's shard is retired (its slots move to the others);
//   - a dead member keeps its shard: its slots stay unserved until it returns,
//     as in Redis Cluster without replicas — unless another live member now
//     answers at the same client address under a new id (the node was
//     rebuilt without its nodes file), in which case the old shard is retired.
// Replica placement and failover (replicas > 0) come with the next issue.
//
// Pure functions, any thread; the caller passes the RNG for shard ids.
#ifndef SHOAL_CLUSTER_COORDINATOR_H_
#define SHOAL_CLUSTER_COORDINATOR_H_

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

// The table the coordinator `my_id` should publish, or nullopt when `table`
// already matches `members`. `members` includes the coordinator itself.
std::optional<ShardTable> ReconcileShards(const std::vector<MemberUpdate>& members,
                                          const ShardTable& table, const std::string& my_id,
                                          ClusterRng& rng);

// The shard whose primary or replica is `node_id`, or nullptr.
const ShardInfo* ShardOfNode(const ShardTable& table, const std::string& node_id);

}  // namespace shoal

#endif  // SHOAL_CLUSTER_COORDINATOR_H_
