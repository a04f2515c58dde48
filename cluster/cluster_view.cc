// Out-of-line helpers for the ClusterView snapshot (cluster_view.h).
#include "cluster/cluster_view.h"

#include <algorithm>

namespace shoal {

const char* MemberStateName(MemberState s) {
  switch (s) {
    case MemberState::kJoining: return "joining";
    case MemberState::kActive: return "active";
    case MemberState::kLeaving: return "leaving";
    case MemberState::kSuspect: return "suspect";
    case MemberState::kDead: return "dead";
  }
  return "unknown";
}

const NodeInfo* ClusterView::FindNode(const std::string& id) const {
  for (const NodeInfo& n : nodes) {
    if (n.id == id) return &n;
  }
  return nullptr;
}

void ClusterState::Set(std::shared_ptr<const ClusterView> v) {
  absl::MutexLock l(&mu_);
  // A first view, or a generation bump, treats every owned slot as arriving.
  const bool reset = view_ == nullptr || v->ownership_generation != ownership_generation_;
  ownership_generation_ = v->ownership_generation;
  auto in_shard = [&](const ShardInfo* s) {
    // A replica owns its shard's slots too: it holds (and may serve to
    // READONLY clients) their keys.
    return s != nullptr && !v->my_id.empty() &&
           (s->primary == v->my_id ||
            std::find(s->replicas.begin(), s->replicas.end(), v->my_id) != s->replicas.end());
  };
  for (int slot = 0; slot < kClusterSlots; ++slot) {
    // A slot moving to this node's shard is held from the start of the move:
    // it arrives (and is cleaned of leftovers) before the first key is
    // copied in, and the flip to owner at the end of the copy is no arrival.
    const bool mine = in_shard(v->ShardOfSlot(slot)) || in_shard(v->TargetOfSlot(slot));
    const bool was = owned_[slot].load(std::memory_order_relaxed);
    if (mine && (!was || reset)) {
      // Before the view is visible: no command may run on it until cleaned.
      pending_[slot].store(true, std::memory_order_release);
      arrived_.push_back(slot);
    } else if (!mine && was) {
      departed_.push_back(slot);
    }
    owned_[slot].store(mine, std::memory_order_release);
  }
  view_ = std::move(v);
  version_.fetch_add(1, std::memory_order_release);
}

ClusterState::SlotWork ClusterState::TakeSlotWork(absl::Duration timeout) {
  absl::MutexLock l(&mu_);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !arrived_.empty() || !departed_.empty() || interrupted_;
  };
  mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  SlotWork w;
  w.arrived.swap(arrived_);
  w.departed.swap(departed_);
  return w;
}

void ClusterState::Interrupt() {
  absl::MutexLock l(&mu_);
  interrupted_ = true;
}

}  // namespace shoal
