// Simulated network for membership tests; see sim_network.h.
#include "cluster/sim_network.h"

#include "base/strings.h"
#include "cluster/coordinator.h"
#include "cluster/hash_ring.h"
#include "cluster/nodes_file.h"

namespace shoal {

SimCluster::SimCluster(const SimOptions& sim, const SwimOptions& swim)
    : sim_(sim), swim_(swim), rng_(sim.seed) {}

Endpoint SimCluster::endpoint(int i) const {
  return Endpoint{StrCat("10.0.", i / 250, ".", i % 250 + 1), 17000};
}

int SimCluster::IndexOf(const Endpoint& ep) const {
  for (int i = 0; i < size(); ++i) {
    if (endpoint(i) == ep) return i;
  }
  return -1;
}

int SimCluster::AddNode(const std::vector<int>& seeds) {
  int i = size();
  nodes_.emplace_back();
  ClusterRng id_rng(rng_());
  nodes_[i].id = NewNodeId(id_rng);
  SwimSelf self{nodes_[i].id, endpoint(i).ip, 7000, 17000, now_ + i, 0};
  nodes_[i].m = std::make_unique<Membership>(swim_, self, sim_.secret, rng_());
  std::vector<Endpoint> eps;
  for (int s : seeds) eps.push_back(endpoint(s));
  StartNode(i, eps);
  return i;
}

void SimCluster::StartNode(int i, const std::vector<Endpoint>& seeds) {
  nodes_[i].running = true;
  nodes_[i].stop_at = -1;
  nodes_[i].leaving = false;
  nodes_[i].m->Start(seeds, now_);
  Collect(i);
}

void SimCluster::Crash(int i) { nodes_[i].running = false; }

void SimCluster::Restart(int i) {
  Node& n = nodes_[i];
  absl::StatusOr<NodesFileData> saved = ParseNodesFile(n.saved);
  if (!saved.ok()) return;
  SwimSelf self{saved->my_id, endpoint(i).ip, 7000, 17000, saved->joined_ms,
                saved->incarnation + 1};
  n.id = saved->my_id;
  n.m = std::make_unique<Membership>(swim_, self, sim_.secret, rng_());
  n.m->Restore(*saved);
  StartNode(i, {});
}

void SimCluster::Leave(int i) {
  nodes_[i].m->Leave(now_);
  nodes_[i].leaving = true;
  Collect(i);
}

void SimCluster::Meet(int i, int j) {
  nodes_[i].m->Meet(endpoint(j), now_);
  Collect(i);
}

void SimCluster::Partition(const std::vector<std::vector<int>>& groups) {
  for (Node& n : nodes_) n.group = -1;  // nodes in no group are isolated from all
  for (size_t g = 0; g < groups.size(); ++g) {
    for (int i : groups[g]) nodes_[i].group = static_cast<int>(g);
  }
  for (int i = 0; i < size(); ++i) {
    if (nodes_[i].group == -1) nodes_[i].group = 1000 + i;
  }
}

void SimCluster::Heal() {
  for (Node& n : nodes_) n.group = 0;
}

void SimCluster::Inject(int i, const std::string& from_ip, std::string bytes) {
  wire_.push(InFlight{now_, order_++, i, from_ip, BusChannel::kUdp, std::move(bytes)});
}

void SimCluster::Collect(int i) {
  Node& n = nodes_[i];
  std::uniform_int_distribution<int64_t> delay(sim_.min_delay_ms, sim_.max_delay_ms);
  std::uniform_real_distribution<double> coin(0, 1);
  for (BusOutgoing& out : n.m->TakeOutbox()) {
    int to = IndexOf(out.to);
    if (to < 0) continue;
    bool lost = out.channel == BusChannel::kUdp && coin(rng_) < sim_.udp_loss;
    int64_t at = now_ + delay(rng_);
    if (lost) continue;
    wire_.push(InFlight{at, order_++, to, endpoint(i).ip, out.channel, std::move(out.bytes)});
  }
  if (n.m->persist_version() != n.saved_version) {
    n.saved_version = n.m->persist_version();
    n.saved = FormatNodesFile(n.m->Persistent());
  }
}

void SimCluster::Step() {
  now_ += sim_.step_ms;
  while (!wire_.empty() && wire_.top().at <= now_) {
    InFlight f = wire_.top();
    wire_.pop();
    Node& to = nodes_[f.to];
    if (!to.running) continue;
    // A partition cuts messages in flight too.
    int from = -1;
    for (int j = 0; j < size(); ++j) {
      if (endpoint(j).ip == f.from_ip) from = j;
    }
    if (from >= 0 && nodes_[from].group != to.group) continue;
    to.m->Receive(f.from_ip, f.bytes, f.channel, now_);
    Collect(f.to);
  }
  for (int i = 0; i < size(); ++i) {
    Node& n = nodes_[i];
    if (!n.running) continue;
    if (n.leaving && n.stop_at < 0 && ShardOfNode(n.m->table(), n.id) == nullptr) {
      n.stop_at = now_ + 1000;  // handed off (or replaced): linger, then stop
    }
    if (n.stop_at >= 0 && now_ >= n.stop_at) {
      n.running = false;
      continue;
    }
    // The simulated nodes hold no keys: a slot handoff completes at once.
    n.m->SetMigrationStatus(n.m->table().migration,
                            n.m->table().migration != 0 ? kClusterSlots - 1 : -1);
    n.m->Tick(now_);
    Collect(i);
  }
}

void SimCluster::RunFor(int64_t ms) {
  int64_t end = now_ + ms;
  while (now_ < end) Step();
}

int64_t SimCluster::RunUntil(const std::function<bool()>& pred, int64_t max_ms) {
  int64_t start = now_;
  while (now_ - start <= max_ms) {
    if (pred()) return now_ - start;
    Step();
  }
  return pred() ? now_ - start : -1;
}

std::set<int> SimCluster::Running() const {
  std::set<int> r;
  for (int i = 0; i < size(); ++i) {
    if (nodes_[i].running) r.insert(i);
  }
  return r;
}

bool SimCluster::Converged(const std::set<int>& alive) const {
  const Membership* ref = nullptr;
  std::shared_ptr<ClusterView> ref_view;
  for (int i : alive) {
    if (!nodes_[i].running) return false;
    const Membership& m = *nodes_[i].m;
    if (m.state() != MemberState::kActive) return false;
    std::vector<MemberUpdate> recs = m.Records();
    for (int j = 0; j < size(); ++j) {
      const MemberUpdate* r = nullptr;
      for (const MemberUpdate& u : recs) {
        if (u.id == nodes_[j].id) r = &u;
      }
      if (alive.count(j)) {
        if (!r || r->state != MemberState::kActive) return false;
      } else if (r && r->state != MemberState::kDead && r->state != MemberState::kLeaving) {
        return false;
      }
    }
    if (m.table().migration != 0) return false;  // slots still moving
    if (!ref) {
      ref = &m;
      ref_view = m.BuildView(sim_.vnodes);
      for (int j : alive) {
        bool has = false;
        for (const ShardInfo& s : m.table().shards) has |= s.primary == nodes_[j].id;
        if (!has) return false;
      }
      continue;
    }
    if (m.table().epoch != ref->table().epoch ||
        TableFingerprint(m.table()) != TableFingerprint(ref->table())) {
      return false;
    }
    if (m.Coordinator() != ref->Coordinator()) return false;
    if (m.BuildView(sim_.vnodes)->slot_shard != ref_view->slot_shard) return false;
  }
  return true;
}

std::string SimCluster::Describe() const {
  std::string out;
  for (int i = 0; i < size(); ++i) {
    const Node& n = nodes_[i];
    StrAppend(&out, "node ", i, " ", n.id.substr(0, 8), n.running ? " up" : " down",
              " state=", MemberStateName(n.m->state()), " inc=", n.m->incarnation(),
              " epoch=", n.m->table().epoch, " shards=", n.m->table().shards.size(), " sees:");
    for (const MemberUpdate& u : n.m->Records()) {
      StrAppend(&out, " ", u.id.substr(0, 4), "=", MemberStateName(u.state), "/", u.incarnation);
    }
    // The table's shards: primary, phase (s/i/d) and handoff watermark.
    StrAppend(&out, " migration=", n.m->table().migration, " table:");
    for (const ShardInfo& s : n.m->table().shards) {
      StrAppend(&out, " ", s.primary.substr(0, 4), "/", std::string(1, "sid"[static_cast<int>(s.phase)]), "/",
                s.handoff);
    }
    StrAppend(&out, "\n");
  }
  return out;
}

}  // namespace shoal
