// SlotKeeper: empties the slots this node's shard stopped owning, and the
// slots that arrive with keys left over from an earlier ownership, so that a
// node never serves keys of a slot it did not own continuously.
//
// Why: when a slot leaves this node (a shard joined or left and the ring
// moved it), its keys stay behind; if the slot later comes back (the new
// shard leaves again), those old values would be served as current while the
// cluster overwrote them elsewhere. There is no migration yet, so a slot
// that arrives starts empty.
//
// How: ClusterState::Set records arrivals (marked pending, so routing refuses
// them with TRYAGAIN until they are clean) and departures. This thread takes
// that work and calls Store::DropSlotKeys in batches of `batch` keys, each
// batch holding one stripe for a moment. Arrivals come first and are emptied
// completely before their pending mark is cleared (usually they are empty
// already: at most a batch or two of stragglers). Departures are emptied a
// batch at a time in the background, and never while the slot is owned again
// (an arrival cleans it instead). Dropped keys leave the memory and DBSIZE
// counts at once through the store's ordinary erase.
//
// Threads: one thread of its own, started by the constructor and joined by
// the destructor. Stats from any thread.
#ifndef SHOAL_CLUSTER_SLOT_KEEPER_H_
#define SHOAL_CLUSTER_SLOT_KEEPER_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <thread>

#include "cluster/cluster_view.h"
#include "server/store/store.h"

namespace shoal {

class SlotKeeper {
 public:
  SlotKeeper(ClusterState* state, Store* store, int db = 0, size_t batch = 2000);
  ~SlotKeeper();
  SlotKeeper(const SlotKeeper&) = delete;
  SlotKeeper& operator=(const SlotKeeper&) = delete;

  int64_t keys_dropped() const { return keys_dropped_.load(std::memory_order_relaxed); }
  // Departed slots not yet emptied.
  int64_t slots_pending() const { return slots_pending_.load(std::memory_order_relaxed); }

 private:
  void Run();
  void CleanArrived(int slot);
  bool DropBatch(int slot);  // true when the slot is now empty

  ClusterState* state_;
  Store* store_;
  const int db_;
  const size_t batch_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> keys_dropped_{0};
  std::atomic<int64_t> slots_pending_{0};
  std::thread thread_;
};

}  // namespace shoal

#endif  // SHOAL_CLUSTER_SLOT_KEEPER_H_
