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
