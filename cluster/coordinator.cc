// Coordinator election and shard-table reconciliation; see coordinator.h.
#include "cluster/coordinator.h"

#include <algorithm>
#include <map>
#include <set>

namespace shoal {
namespace {

bool Alive(MemberState s) {
  return s == MemberState::kJoining || s == MemberState::kActive || s == MemberState::kSuspect;
}

}  // namespace

std::string ElectCoordinator(const std::vector<MemberUpdate>& members) {
  const MemberUpdate* best = nullptr;
  for (const MemberUpdate& m : members) {
    if (m.state != MemberState::kActive) continue;
    if (!best || m.joined_ms < best->joined_ms ||
        (m.joined_ms == best->joined_ms && m.id < best->id)) {
      best = &m;
    }
  }
  return best ? best->id : std::string();
}

bool SeesMajority(const ShardTable& table, const std::vector<MemberUpdate>& members) {
  std::set<std::string> named;
  for (const ShardInfo& s : table.shards) {
    named.insert(s.primary);
    named.insert(s.replicas.begin(), s.replicas.end());
  }
  if (named.empty()) return true;
  size_t alive = 0;
  for (const MemberUpdate& m : members) {
    if (Alive(m.state) && named.count(m.id)) ++alive;
  }
  return alive * 2 > named.size();
}

const ShardInfo* ShardOfNode(const ShardTable& table, const std::string& node_id) {
  for (const ShardInfo& s : table.shards) {
    if (s.primary == node_id) return &s;
    if (std::find(s.replicas.begin(), s.replicas.end(), node_id) != s.replicas.end()) return &s;
  }
  return nullptr;
}

std::optional<ShardTable> ReconcileShards(const std::vector<MemberUpdate>& members,
                                          const ShardTable& table, const std::string& my_id,
                                          ClusterRng& rng, const ReconcileOptions& options) {
  std::map<std::string, const MemberUpdate*> by_id;
  for (const MemberUpdate& m : members) by_id[m.id] = &m;
  auto state_of = [&](const std::string& id) -> std::optional<MemberState> {
    auto it = by_id.find(id);
    if (it == by_id.end()) return std::nullopt;
    return it->second->state;
  };
  auto report_of = [&](const std::string& id) {
    auto it = options.reports.find(id);
    return it == options.reports.end() ? ReplicationReport{} : it->second;
  };
  const uint64_t epoch = table.epoch + 1;
  ShardTable next;
  next.epoch = epoch;
  next.author = my_id;

  for (const ShardInfo& s : table.shards) {
    ShardInfo n = s;
    // Replicas that died or left drop out; suspects stay (probably alive).
    n.replicas.clear();
    for (const std::string& r : s.replicas) {
      std::optional<MemberState> st = state_of(r);
      if (st && Alive(*st)) n.replicas.push_back(r);
    }
    // The replica to promote: an active one that completed a sync, the
    // highest offset first; one that asked (CLUSTER FAILOVER) wins ties.
    auto best_replica = [&]() -> std::string {
      std::string best;
      ReplicationReport best_report;
      for (const std::string& r : n.replicas) {
        if (state_of(r) != MemberState::kActive) continue;
        ReplicationReport rep = report_of(r);
        if (rep.offset < 0) continue;
        bool better = best.empty() || rep.offset > best_report.offset ||
                      (rep.offset == best_report.offset &&
                       rep.wants_promotion > best_report.wants_promotion);
        if (better) {
          best = r;
          best_report = rep;
        }
      }
      return best;
    };
    auto promote = [&](const std::string& r, bool keep_old_primary) {
      std::string old = n.primary;
      n.primary = r;
      n.replicas.erase(std::find(n.replicas.begin(), n.replicas.end(), r));
      if (keep_old_primary) n.replicas.push_back(old);
      n.config_epoch = epoch;
    };
    std::optional<MemberState> ps = state_of(s.primary);
    if (ps == MemberState::kLeaving || ps == MemberState::kDead) {
      std::string r = best_replica();
      if (!r.empty()) {
        promote(r, /*keep_old_primary=*/false);
      } else {
        bool retire = ps == MemberState::kLeaving;
        if (ps == MemberState::kDead) {
          const MemberUpdate* p = by_id[s.primary];
          for (const MemberUpdate& m : members) {
            if (m.id != p->id && Alive(m.state) && m.ip == p->ip && m.port == p->port &&
                !m.ip.empty()) {
              retire = true;  // rebuilt at the same address under a new id
            }
          }
        }
        if (retire) continue;
      }
    } else if (ps == MemberState::kActive) {
      // A planned switch: a synced, active replica asked to take over.
      for (const std::string& r : n.replicas) {
        ReplicationReport rep = report_of(r);
        if (rep.wants_promotion && rep.offset >= 0 && state_of(r) == MemberState::kActive) {
          promote(r, /*keep_old_primary=*/true);
          break;
        }
      }
    }
    next.shards.push_back(std::move(n));
  }
  for (const MemberUpdate& m : members) {
    if (m.state != MemberState::kActive || ShardOfNode(next, m.id)) continue;
    // A replica for the shard furthest below R whose primary is active.
    ShardInfo* target = nullptr;
    for (ShardInfo& s : next.shards) {
      if (static_cast<int>(s.replicas.size()) >= options.replicas) continue;
      if (state_of(s.primary) != MemberState::kActive) continue;
      if (target == nullptr || s.replicas.size() < target->replicas.size()) target = &s;
    }
    if (target != nullptr) {
      target->replicas.push_back(m.id);
      continue;
    }
    ShardInfo s;
    do {
      s.id = NewNodeId(rng);
    } while (std::any_of(next.shards.begin(), next.shards.end(),
                         [&](const ShardInfo& o) { return o.id == s.id; }));
    s.primary = m.id;
    s.config_epoch = epoch;
    next.shards.push_back(std::move(s));
  }
  std::sort(next.shards.begin(), next.shards.end(),
            [](const ShardInfo& a, const ShardInfo& b) { return a.id < b.id; });
  if (next.shards == table.shards) return std::nullopt;
  return next;
}

}  // namespace shoal
