// SlotMover: the source side of a warm slot migration. When the shard table
// moves slots away from the shard this node is primary of (a new shard
// imports them, or this shard drains on a graceful leave), this thread
// copies their keys to each slot's target before the slot map flips, so a
// join or a leave loses neither keys nor hit ratio (docs/cluster.md, "Warm
// migration").
//
// How, as Redis Cluster resharding does it, slot by slot in ascending order:
//   - it runs MIGRATE <target primary> "" 0 <timeout> REPLACE KEYS k1..kN
//     through a Dispatcher of its own, as an internal client: the keys'
//     stripes are held for the exchange, the target gets RESTORE-ASKING,
//     each acknowledged key is deleted here and the delete replicates to
//     this shard's replicas like any MIGRATE;
//   - slots it has not reached yet are served here as before; from the
//     moment it reaches a slot (ClusterState::MoverCursor) clients are
//     served here for keys still here, and a request for a key not here
//     gets -TRYAGAIN (the dispatcher's moving-slot rule) — no -ASK, which
//     some clients cannot follow to a node they do not know yet;
//   - once a slot has no key left, it reports the slot as handed off: every
//     bus message carries (plan, handoff), the source sends it straight to
//     the coordinator and the other primaries, and each node's view flips
//     the slot as soon as it knows (swim.h EffectiveTable); the coordinator
//     records it in the table;
//   - bandwidth is bounded (--cluster-migration-bandwidth, bytes of entries
//     per second, 0 = unbounded) so the copy does not crowd out clients.
// It waits `start_delay_ms` after it first sees a plan before copying, so
// every member of the target shard has the table (its replicas clean the
// arriving slots before the first key comes in).
//
// Threads: one thread of its own, started by the constructor and joined by
// the destructor. Progress() and stats() from any thread.
#ifndef SHOAL_CLUSTER_SLOT_MOVER_H_
#define SHOAL_CLUSTER_SLOT_MOVER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "cluster/cluster_view.h"
#include "server/dispatch/server_state.h"
#include "server/store/store.h"

namespace shoal {

struct SlotMoverOptions {
  int64_t bandwidth_bytes_per_sec = 0;  // 0: unbounded
  size_t batch_keys = 100;              // keys per MIGRATE
  int64_t timeout_ms = 5000;            // MIGRATE's timeout per step
  int64_t start_delay_ms = 1000;        // after a plan appears, before copying
  int64_t poll_ms = 20;
};

struct SlotMoverStats {
  int64_t keys_moved = 0;
  int64_t bytes_moved = 0;     // memory of the entries moved (their size here)
  int64_t slots_moved = 0;     // slots emptied and reported
  int64_t errors = 0;          // MIGRATE batches that failed (retried)
  int64_t keys_remaining = 0;  // keys still here in slots this node hands off (stats())
  std::string last_error;
};

class SlotMover {
 public:
  SlotMover(const ClusterState* state, Store* store, ServerState* server,
            SlotMoverOptions options);
  ~SlotMover();
  SlotMover(const SlotMover&) = delete;
  SlotMover& operator=(const SlotMover&) = delete;

  // What this node reports on the bus: the plan it works on (0: none) and
  // the slot up to which it handed off every outgoing slot.
  struct Progress {
    uint64_t plan = 0;
    int32_t handoff = -1;
  };
  Progress progress() const;
  // The totals, and the keys still to move: the key counts of the slots
  // the current view has moving away from this node (one stripe lock per
  // such slot: for INFO, not for a hot path).
  SlotMoverStats stats() const;

 private:
  class Client;  // the internal client MIGRATE runs as
  void Run();
  // One unit of work; false when there was none (the loop then sleeps).
  bool Step();
  void Report(uint64_t plan, int32_t handoff);
  void Throttle(size_t bytes);

  const ClusterState* state_;
  Store* store_;
  ServerState* server_;
  const SlotMoverOptions options_;
  std::unique_ptr<Client> client_;

  // Run thread only.
  uint64_t plan_ = 0;
  int64_t plan_seen_ms_ = 0;
  int32_t handoff_ = -1;
  double tokens_ = 0;
  int64_t tokens_ms_ = 0;

  std::atomic<uint64_t> reported_plan_{0};
  std::atomic<int32_t> reported_handoff_{-1};
  mutable absl::Mutex mu_;
  SlotMoverStats stats_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace shoal

#endif  // SHOAL_CLUSTER_SLOT_MOVER_H_
