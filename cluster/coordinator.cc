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
                                          ClusterRng& rng) {
  std::map<std::string, const MemberUpdate*> by_id;
  for (const MemberUpdate& m : members) by_id[m.id] = &m;
  const uint64_t epoch = table.epoch + 1;
  ShardTable next;
  next.epoch = epoch;
  next.author = my_id;
  bool changed = false;

  for (const ShardInfo& s : table.shards) {
    auto it = by_id.find(s.primary);
    const MemberUpdate* p = it == by_id.end() ? nullptr : it->second;
    bool retire = false;
    if (p && p->state == MemberState::kLeaving) retire = true;
    if (p && p->state == MemberState::kDead) {
      for (const MemberUpdate& m : members) {
        if (m.id != p->id && Alive(m.state) && m.ip == p->ip && m.port == p->port &&
            !m.ip.empty()) {
          retire = true;  // rebuilt at the same address under a new id
        }
      }
    }
    if (retire) {
      changed = true;
      continue;
    }
    next.shards.push_back(s);
  }
  for (const MemberUpdate& m : members) {
    if (m.state != MemberState::kActive || ShardOfNode(next, m.id)) continue;
    ShardInfo s;
    do {
      s.id = NewNodeId(rng);
    } while (std::any_of(next.shards.begin(), next.shards.end(),
                         [&](const ShardInfo& o) { return o.id == s.id; }));
    s.primary = m.id;
    s.config_epoch = epoch;
    next.shards.push_back(std::move(s));
    changed = true;
  }
  if (!changed) return std::nullopt;
  std::sort(next.shards.begin(), next.shards.end(),
            [](const ShardInfo& a, const ShardInfo& b) { return a.id < b.id; });
  return next;
}

}  // namespace shoal
