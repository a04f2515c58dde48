// ClusterRouter: per-thread cached routing answers over the published view.
#include "cluster/cluster_router.h"

#include <algorithm>
#include <atomic>

#include "base/strings.h"

namespace shoal {
namespace {

std::atomic<uint64_t> next_serial{1};

const std::shared_ptr<const ClusterView>& EmptyView() {
  static const std::shared_ptr<const ClusterView> empty = [] {
    auto v = std::make_shared<ClusterView>();
    v->slot_shard.fill(-1);
    return v;
  }();
  return empty;
}

}  // namespace

ClusterRouter::ClusterRouter(const ClusterState* state, ClusterControl* control)
    : state_(state), control_(control), serial_(next_serial.fetch_add(1)) {}

ClusterRouter::Cache& ClusterRouter::Refresh() const {
  thread_local Cache cache;
  uint64_t version = state_->version();
  if (cache.router_serial == serial_ && cache.version == version && cache.view != nullptr) {
    return cache;
  }
  // Read the version before the view: a Set racing in between leaves us with
  // a newer view under an older version, and the next call refreshes again.
  std::shared_ptr<const ClusterView> view = state_->Get();
  if (view == nullptr) view = EmptyView();
  cache.router_serial = serial_;
  cache.version = version;
  cache.routes.assign(view->table.shards.size(), ShardRoute{});
  for (size_t i = 0; i < view->table.shards.size(); ++i) {
    const ShardInfo& shard = view->table.shards[i];
    ShardRoute& r = cache.routes[i];
    if (shard.primary == view->my_id && !view->my_id.empty()) {
      r.kind = ShardRoute::kHere;
      continue;
    }
    const bool replica_here =
        !view->my_id.empty() &&
        std::find(shard.replicas.begin(), shard.replicas.end(), view->my_id) != shard.replicas.end();
    const NodeInfo* primary = view->FindNode(shard.primary);
    if (primary == nullptr || primary->state == MemberState::kDead) {
      r.kind = replica_here ? ShardRoute::kReplicaHere : ShardRoute::kDown;
      continue;
    }
    r.kind = replica_here ? ShardRoute::kReplicaHere : ShardRoute::kMoved;
    r.addr = StrCat(primary->ip, ":", primary->port);
  }
  cache.view = std::move(view);
  return cache;
}

const std::shared_ptr<const ClusterView>& ClusterRouter::View() const { return Refresh().view; }

std::optional<std::string> ClusterRouter::Route(int slot, const CommandSpec& spec,
                                                const ClientSession& client) {
  Cache& cache = Refresh();
  if (cache.view->fenced) return std::string(kFencedError);
  if (ABSL_PREDICT_FALSE(cache.view->stepping_down)) return std::string(kSteppingDownError);
  // A slot being imported here serves the command after ASKING (and
  // RESTORE-ASKING, which the source's slot mover sends). Any other client
  // was sent here by a node that already saw the slot flip (its source
  // reported it emptied, swim.h EffectiveTable) before this node heard of
  // it: -TRYAGAIN for the moment that takes, not a -MOVED back.
  const int target = cache.view->slot_target[slot];
  if (ABSL_PREDICT_FALSE(target >= 0) && target < static_cast<int>(cache.routes.size()) &&
      cache.routes[target].kind == ShardRoute::kHere) {
    if (client.asking == 0 && (spec.flags & kCmdAsking) == 0) {
      return std::string(kSlotArrivingError);
    }
    if (state_->SlotPending(slot)) return std::string(kSlotCleaningError);
    return std::nullopt;
  }
  int shard = cache.view->slot_shard[slot];
  if (shard < 0 || shard >= static_cast<int>(cache.routes.size())) {
    return std::string("CLUSTERDOWN Hash slot not served");
  }
  const ShardRoute& r = cache.routes[shard];
  switch (r.kind) {
    case ShardRoute::kHere:
      // Arrived a moment ago: the SlotKeeper is dropping keys an earlier
      // ownership left behind (ClusterState). Clients retry TRYAGAIN.
      if (state_->SlotPending(slot)) return std::string(kSlotCleaningError);
      return std::nullopt;
    case ShardRoute::kReplicaHere:
      if (client.cluster_readonly && (spec.flags & kCmdReadOnly) != 0) {
        if (state_->SlotPending(slot)) return std::string(kSlotCleaningError);
        return std::nullopt;
      }
      if (r.addr.empty()) return std::string("CLUSTERDOWN Hash slot not served");
      break;
    case ShardRoute::kDown:
      return std::string("CLUSTERDOWN Hash slot not served");
    case ShardRoute::kMoved:
      break;
  }
  return StrCat("MOVED ", slot, " ", r.addr);
}

bool ClusterRouter::SlotInMotion(int slot) {
  Cache& cache = Refresh();
  const int target = cache.view->slot_target[slot];
  const int owner = cache.view->slot_shard[slot];
  const int shards = static_cast<int>(cache.routes.size());
  if (target < 0 || target >= shards || owner < 0 || owner >= shards ||
      cache.routes[owner].kind != ShardRoute::kHere) {
    return false;
  }
  // Moving, but the mover may not have reached it: until it has, the slot
  // is served here as before (the mover takes this stripe after it moves
  // the cursor, so a request that saw the old cursor finished first).
  const ClusterState::MoverCursor& c = state_->mover_cursor();
  return c.plan.load(std::memory_order_acquire) == cache.view->table.migration &&
         slot <= c.started_through.load(std::memory_order_acquire);
}

void ClusterRouter::Published(std::string_view channel, std::string_view message) {
  if (control_ != nullptr) control_->BroadcastPublish(channel, message);
}

bool SlotMapChanged(const ClusterView* before, const ClusterView& after) {
  if (before == nullptr) return true;
  for (int slot = 0; slot < kClusterSlots; ++slot) {
    int a = before->slot_shard[slot];
    int b = after.slot_shard[slot];
    if ((a < 0) != (b < 0)) return true;
    if (a < 0) continue;
    const ShardInfo& sa = before->table.shards[a];
    const ShardInfo& sb = after.table.shards[b];
    // A slot that starts moving keeps its blocked clients until it flips
    // (then they get -MOVED), as Redis keeps them during a resharding.
    if (sa.id != sb.id || sa.primary != sb.primary) return true;
  }
  return false;
}

void RerouteBlockedClients(ServerState& server) {
  server.clients().ForEach([](ClientSession& c) {
    if (c.blocked_flag.load(std::memory_order_relaxed) && c.waker != nullptr) {
      c.waker->WakeBlocked(c.id);
    }
  });
}

}  // namespace shoal
