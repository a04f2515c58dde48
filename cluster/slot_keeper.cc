// The SlotKeeper thread; see slot_keeper.h.
#include "cluster/slot_keeper.h"

#include <vector>

namespace shoal {

SlotKeeper::SlotKeeper(ClusterState* state, Store* store, int db, size_t batch)
    : state_(state), store_(store), db_(db), batch_(batch), thread_([this] { Run(); }) {}

SlotKeeper::~SlotKeeper() {
  stop_.store(true);
  state_->Interrupt();
  thread_.join();
}

bool SlotKeeper::DropBatch(int slot) {
  size_t n = store_->DropSlotKeys(db_, slot, batch_);
  keys_dropped_.fetch_add(static_cast<int64_t>(n), std::memory_order_relaxed);
  return n < batch_;
}

void SlotKeeper::CleanArrived(int slot) {
  while (!DropBatch(slot)) {
  }
  state_->ClearPending(slot);
}

void SlotKeeper::Run() {
  std::deque<int> departed;
  while (!stop_.load()) {
    // Block for news only when there is no background work left.
    ClusterState::SlotWork w = state_->TakeSlotWork(
        departed.empty() ? absl::Milliseconds(200) : absl::ZeroDuration());
    for (int slot : w.arrived) CleanArrived(slot);
    departed.insert(departed.end(), w.departed.begin(), w.departed.end());
    // One batch of one departed slot per turn, then look for arrivals again.
    while (!departed.empty()) {
      int slot = departed.front();
      // Owned again: the arrival emptied it, and its keys are current now.
      if (state_->SlotOwned(slot) || DropBatch(slot)) {
        departed.pop_front();
        continue;
      }
      break;
    }
    slots_pending_.store(static_cast<int64_t>(departed.size()), std::memory_order_relaxed);
  }
}

}  // namespace shoal
