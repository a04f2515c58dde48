// Coordinator election and shard-table reconciliation; see coordinator.h.
#include "cluster/coordinator.h"

#include "cluster/hash_ring.h"

#include <algorithm>
#include <utility>
#include <map>
#include <set>

namespace shoal {
namespace {

bool Alive(MemberState s) {
  return s == MemberState::kJoining || s == MemberState::kActive || s == MemberState::kSuspect;
}

bool Serving(const ShardInfo& s) { return s.phase == ShardPhase::kServing; }

// The shards that import or drain, with their phases: a migration plan.
std::vector<std::pair<std::string, ShardPhase>> MovingShards(const ShardTable& t) {
  std::vector<std::pair<std::string, ShardPhase>> out;
  for (const ShardInfo& s : t.shards) {
    if (!Serving(s)) out.emplace_back(s.id, s.phase);
  }
  return out;
}

// Starts, advances or ends the migration in `next` (see coordinator.h).
void UpdateMigration(const ShardTable& table, const ReconcileOptions& options, uint64_t epoch,
                     const std::set<std::string>& dead, ShardTable* next) {
  if (MovingShards(*next).empty()) {
    next->migration = 0;
    for (ShardInfo& s : next->shards) s.handoff = -1;
    return;
  }
  // A dead source (past its fence wait: the table only changes then) has
  // nothing to hand over that anyone can reach: its slots flip at once,
  // served empty, rather than block the plan until it returns.
  auto flip_dead = [&] {
    for (ShardInfo& s : next->shards) {
      if (dead.count(s.primary)) s.handoff = kClusterSlots - 1;
    }
  };
  if (table.migration == 0 || MovingShards(*next) != MovingShards(table)) {
    // A new plan: progress on an earlier one means nothing under it.
    next->migration = epoch;
    for (ShardInfo& s : next->shards) s.handoff = -1;
    flip_dead();
    return;
  }
  flip_dead();
  // Progress: each source's primary reports how far it handed off.
  for (ShardInfo& s : next->shards) {
    if (dead.count(s.primary)) continue;
    auto it = options.reports.find(s.primary);
    if (it == options.reports.end() || it->second.migration_plan != next->migration) continue;
    s.handoff = std::max(s.handoff, std::min<int32_t>(it->second.handoff, kClusterSlots - 1));
  }
  // Done when no slot is still moving: importing shards serve, draining
  // shards leave the table.
  const SlotAssignment a = ComputeSlotAssignment(*next, options.vnodes);
  if (std::any_of(a.target.begin(), a.target.end(), [](int16_t t) { return t >= 0; })) return;
  std::vector<ShardInfo> kept;
  for (ShardInfo& s : next->shards) {
    if (s.phase == ShardPhase::kDraining) continue;
    s.phase = ShardPhase::kServing;
    s.handoff = -1;
    kept.push_back(std::move(s));
  }
  next->shards = std::move(kept);
  next->migration = 0;
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
    // A leaving member still answers until its shard handed off.
    if ((Alive(m.state) || m.state == MemberState::kLeaving) && named.count(m.id)) ++alive;
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
  next.migration = table.migration;
  const bool was_moving = std::any_of(table.shards.begin(), table.shards.end(),
                                      [](const ShardInfo& s) { return !Serving(s); });
  // One migration at a time: a leave or a join waits while slots move.
  auto serving_others = [&](const std::string& id) {
    return !was_moving && std::any_of(table.shards.begin(), table.shards.end(),
                                      [&](const ShardInfo& o) { return o.id != id && Serving(o); });
  };

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
      } else if (ps == MemberState::kLeaving && s.phase == ShardPhase::kServing &&
                 serving_others(s.id)) {
        // A graceful leave: the shard hands its slots, with their keys, to
        // the shards that take them over, then leaves the table.
        n.phase = ShardPhase::kDraining;
      } else if (ps == MemberState::kLeaving && s.phase == ShardPhase::kDraining) {
        // Still handing off.
      } else {
        // A shard that was importing or draining cannot finish without its
        // primary: it retires, and the ring falls back to the others.
        bool retire = ps == MemberState::kLeaving || s.phase != ShardPhase::kServing;
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
    } else if (ps == MemberState::kActive && report_of(s.primary).steps_down) {
      // The primary restarted empty: its best synced replica holds the
      // shard's data and takes over; the old primary resyncs from it.
      std::string r = best_replica();
      if (!r.empty()) promote(r, /*keep_old_primary=*/true);
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
    // A new shard imports its slots' keys before it serves them; while
    // another migration runs, the member waits without a shard.
    const bool moving_now = std::any_of(next.shards.begin(), next.shards.end(),
                                        [](const ShardInfo& o) { return !Serving(o); });
    if (moving_now) continue;
    ShardInfo s;
    do {
      s.id = NewNodeId(rng);
    } while (std::any_of(next.shards.begin(), next.shards.end(),
                         [&](const ShardInfo& o) { return o.id == s.id; }));
    s.primary = m.id;
    s.config_epoch = epoch;
    // The first shards of a new cluster have nothing to import.
    if (std::any_of(table.shards.begin(), table.shards.end(), Serving)) {
      s.phase = ShardPhase::kImporting;
    }
    next.shards.push_back(std::move(s));
  }
  std::sort(next.shards.begin(), next.shards.end(),
            [](const ShardInfo& a, const ShardInfo& b) { return a.id < b.id; });
  std::set<std::string> dead;
  for (const MemberUpdate& m : members) {
    if (m.state == MemberState::kDead) dead.insert(m.id);
  }
  UpdateMigration(table, options, epoch, dead, &next);
  if (next.shards == table.shards && next.migration == table.migration) return std::nullopt;
  return next;
}

}  // namespace shoal
