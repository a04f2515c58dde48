// ClusterView: an immutable snapshot of what this node knows of the cluster —
// members, the shard table and the slot map derived from it. The membership
// runtime builds a new view whenever something changes and publishes it
// through ClusterState; routing (KeyRouter), CLUSTER commands and INFO read
// the current view without locks held across their work.
//
// The slot map is a pure function of the shard table (hash_ring.h), so every
// node that holds the same table epoch serves the same map.
#ifndef SHOAL_CLUSTER_CLUSTER_VIEW_H_
#define SHOAL_CLUSTER_CLUSTER_VIEW_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace shoal {

inline constexpr int kClusterSlots = 16384;

enum class MemberState : uint8_t { kJoining, kActive, kLeaving, kSuspect, kDead };
const char* MemberStateName(MemberState s);

struct NodeInfo {
  std::string id;          // 40 hex characters, stable across restarts
  std::string ip;          // announced address clients should use
  int port = 0;            // client port
  int bus_port = 0;        // cluster bus port
  MemberState state = MemberState::kJoining;
  uint64_t incarnation = 0;
  int64_t joined_ms = 0;   // for "oldest active member" (the coordinator)
  int64_t ping_sent_ms = 0;
  int64_t pong_received_ms = 0;
  bool myself = false;
};

// Where a shard stands in a slot migration (docs/cluster.md, "Warm
// migration"). The ring before the migration leaves importing shards out,
// the ring after it leaves draining shards out; a slot the two rings give to
// different shards moves from the first (source) to the second (target).
enum class ShardPhase : uint8_t {
  kServing = 0,    // in both rings
  kImporting = 1,  // a new shard: receives its slots' keys before serving them
  kDraining = 2,   // a leaving shard: hands its slots off, then leaves the table
};

struct ShardInfo {
  std::string id;                  // 40 hex characters
  std::string primary;             // node id
  std::vector<std::string> replicas;
  uint64_t config_epoch = 0;
  ShardPhase phase = ShardPhase::kServing;
  // While a migration runs: every slot this shard hands off whose number is
  // at most `handoff` has been emptied here and now belongs to its target.
  // -1: none yet. The source's primary moves its outgoing slots in
  // ascending order and reports its progress; the coordinator records it.
  int32_t handoff = -1;

  bool operator==(const ShardInfo&) const = default;
};

struct ShardTable {
  uint64_t epoch = 0;              // bumped by the coordinator on every change
  std::vector<ShardInfo> shards;   // sorted by shard id
  // Node id of the coordinator that wrote this epoch. Two coordinators can
  // write the same epoch (a partition, a hand-over); (epoch, author) orders
  // tables totally so every node keeps the same winner.
  std::string author;
  // The epoch at which the running migration was planned (a shard turned
  // importing or draining), or 0. Progress reports name it, so a report
  // about an older plan is never applied to a newer one.
  uint64_t migration = 0;

  bool operator==(const ShardTable&) const = default;
};

struct ClusterView {
  ClusterView() {
    slot_shard.fill(-1);
    slot_target.fill(-1);
  }
  std::string my_id;
  std::vector<NodeInfo> nodes;     // includes myself
  ShardTable table;
  // slot -> index into table.shards, or -1 when unassigned.
  std::array<int16_t, kClusterSlots> slot_shard;
  // slot -> index of the shard the slot is moving to (its keys are being
  // copied from slot_shard's primary), or -1 when it is not moving.
  std::array<int16_t, kClusterSlots> slot_target;
  uint64_t current_epoch = 0;
  std::string coordinator_id;
  // This node lost the majority and refuses keyed commands (swim.h, fencing).
  bool fenced = false;
  // This node restarted as a primary whose replicas hold the shard's data:
  // it refuses keyed commands and replicas until a replica took over
  // (swim.h, stepping down).
  bool stepping_down = false;
  // Bumped when everything this node holds must be treated as stale (a fence
  // lifted onto a changed table); see ClusterState.
  uint64_t ownership_generation = 0;

  const NodeInfo* FindNode(const std::string& id) const;
  const ShardInfo* ShardOfSlot(int slot) const {
    int i = slot_shard[slot];
    return i < 0 ? nullptr : &table.shards[i];
  }
  const ShardInfo* TargetOfSlot(int slot) const {
    int i = slot_target[slot];
    return i < 0 ? nullptr : &table.shards[i];
  }
};

// Holds the current view; Get/Set from any thread. Hot paths (routing on
// every keyed command) should keep a thread-local copy and refresh it only
// when version() changes, so workers do not contend on the mutex.
//
// Slot ownership changes. Set compares which slots this node's shard owns in
// the old and the new view. A slot that arrives is marked pending before the
// new view becomes visible, so no command runs on it until the SlotKeeper
// (slot_keeper.h) has dropped whatever keys an earlier ownership left behind
// and cleared the mark; a slot that leaves is queued for the SlotKeeper to
// empty in the background. Together these keep a node from ever serving keys
// of a slot it did not own continuously (docs/cluster.md).
class ClusterState {
 public:
  std::shared_ptr<const ClusterView> Get() const {
    absl::MutexLock l(&mu_);
    return view_;
  }
  void Set(std::shared_ptr<const ClusterView> v);
  uint64_t version() const { return version_.load(std::memory_order_acquire); }

  // True while `slot` arrived at this node and may still hold stale keys.
  bool SlotPending(int slot) const { return pending_[slot].load(std::memory_order_acquire); }
  // True when this node's shard owns `slot` in the current view.
  bool SlotOwned(int slot) const { return owned_[slot].load(std::memory_order_acquire); }

  // For the SlotKeeper: the slots that arrived (pending) and left since the
  // last call. Waits up to `timeout` for some when there are none.
  struct SlotWork {
    std::vector<int> arrived;
    std::vector<int> departed;
  };
  SlotWork TakeSlotWork(absl::Duration timeout);
  // The keys of an arrived slot are gone: it may be served.
  void ClearPending(int slot) { pending_[slot].store(false, std::memory_order_release); }
  // Wakes a TakeSlotWork waiting (shutdown).
  void Interrupt();

  // Where this node's slot mover is (slot_mover.h): under plan `plan`,
  // every outgoing slot up to `started_through` is being copied or is done;
  // the slots beyond it are served here as before. Written by the mover
  // only, read by the router with the key's stripe held.
  struct MoverCursor {
    std::atomic<uint64_t> plan{0};
    std::atomic<int32_t> started_through{-1};
  };
  MoverCursor& mover_cursor() const { return cursor_; }

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const ClusterView> view_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> version_{0};
  std::array<std::atomic<bool>, kClusterSlots> pending_{};
  std::array<std::atomic<bool>, kClusterSlots> owned_{};
  uint64_t ownership_generation_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<int> arrived_ ABSL_GUARDED_BY(mu_);
  std::vector<int> departed_ ABSL_GUARDED_BY(mu_);
  bool interrupted_ ABSL_GUARDED_BY(mu_) = false;
  mutable MoverCursor cursor_;
};

}  // namespace shoal

#endif  // SHOAL_CLUSTER_CLUSTER_VIEW_H_
