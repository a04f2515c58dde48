// Membership: construction, timers, probing and sending. Receiving and
// merging live in swim_merge.cc. See swim.h for the protocol.
#include "cluster/swim.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include "cluster/coordinator.h"

namespace shoal {

Membership::Membership(const SwimOptions& options, const SwimSelf& self, std::string secret,
                       uint64_t rng_seed)
    : options_(options), secret_(std::move(secret)), self_id_(self.id), rng_(rng_seed) {
  Member me;
  me.rec.id = self.id;
  me.rec.ip = self.ip;
  me.rec.port = self.port;
  me.rec.bus_port = self.bus_port;
  me.rec.state = MemberState::kJoining;
  me.rec.incarnation = self.incarnation;
  me.rec.joined_ms = self.joined_ms;
  members_[self_id_] = me;
  table_fingerprint_ = TableFingerprint(table_);
}

void Membership::Restore(const NodesFileData& saved) {
  for (const MemberUpdate& u : saved.members) {
    if (u.id == self_id_ || u.ip.empty()) continue;
    Member m;
    m.rec = u;
    // Old news: a suspicion from before the restart is not evidence now.
    if (m.rec.state == MemberState::kSuspect) m.rec.state = MemberState::kActive;
    members_[u.id] = m;
  }
  AdoptTable(saved.table, /*spread=*/false, 0);
  // Restarted as the primary of a shard with replicas: this process holds
  // nothing, the replicas hold the shard's data. Step down (StepDownStep).
  const ShardInfo* mine = ShardOfNode(table_, self_id_);
  stepping_down_ = mine != nullptr && mine->primary == self_id_ && !mine->replicas.empty();
}

void Membership::Start(const std::vector<Endpoint>& seeds, int64_t now) {
  started_ = true;
  started_ms_ = now;
  for (const Endpoint& ep : seeds) meets_.push_back(MeetTarget{ep, -1, now});
  for (const auto& [id, m] : members_) {
    if (id != self_id_ && m.rec.state != MemberState::kLeaving) {
      meets_.push_back(MeetTarget{EndpointOf(m.rec), -1, now});
    }
  }
  for (auto& [id, m] : members_) m.state_since_ms = now;
  std::uniform_int_distribution<int64_t> jitter(0, options_.probe_interval_ms);
  next_probe_ms_ = now + jitter(rng_);
  next_gossip_ms_ = now + options_.gossip_interval_ms;
  next_push_pull_ms_ = now + options_.push_pull_interval_ms / 2 +
                       std::uniform_int_distribution<int64_t>(0, options_.push_pull_interval_ms)(rng_);
  next_reconnect_ms_ = now + options_.reconnect_interval_ms;
  if (meets_.empty()) {
    BecomeActive();
  } else {
    Changed(true);
  }
  JoinStep(now);
}

void Membership::Meet(const Endpoint& ep, int64_t now) {
  for (MeetTarget& t : meets_) {
    if (t.ep == ep) {
      t.next_ms = now;
      if (t.attempts_left >= 0) t.attempts_left = options_.meet_attempts;
      JoinStep(now);
      return;
    }
  }
  meets_.push_back(MeetTarget{ep, options_.meet_attempts, now});
  JoinStep(now);
}

void Membership::Leave(int64_t now) {
  Member& me = members_[self_id_];
  if (me.rec.state == MemberState::kLeaving) return;
  me.rec.state = MemberState::kLeaving;
  me.rec.incarnation++;
  me.state_since_ms = now;
  queue_.Enqueue(me.rec);
  Changed(true);
  // Tell everyone directly rather than wait for the gossip rounds.
  for (const auto& [id, m] : members_) {
    if (id == self_id_ || !Probeable(m.rec.state)) continue;
    BusMessage g = NewMessage(BusKind::kGossip);
    g.updates.push_back(me.rec);
    Send(EndpointOf(m.rec), BusChannel::kUdp, std::move(g));
  }
}

void Membership::Broadcast(std::string_view payload, int64_t now) {
  // Peers refuse frames above kBusMaxBroadcast: do not send what they drop.
  if (payload.size() + 4096 > kBusMaxBroadcast) {
    stats_.broadcasts_too_large++;
    return;
  }
  BusMessage m = NewMessage(BusKind::kBroadcast);
  m.payload = std::string(payload);
  std::string bytes = EncodeBusMessage(m, secret_);
  for (const auto& [id, mem] : members_) {
    if (id == self_id_ || !Probeable(mem.rec.state) || mem.rec.ip.empty()) continue;
    stats_.messages_sent++;
    stats_.bytes_sent += bytes.size();
    stats_.broadcasts_sent++;
    stats_.sent_by_kind[static_cast<int>(BusKind::kBroadcast)]++;
    outbox_.push_back(BusOutgoing{EndpointOf(mem.rec), BusChannel::kTcp, bytes});
  }
}

void Membership::Tick(int64_t now) {
  if (!started_) return;
  JoinStep(now);
  if (state() != MemberState::kLeaving) ProbeStep(now);
  SuspicionStep(now);
  GossipStep(now);
  PushPullStep(now);
  ReportStep(now);
  ReapStep(now);
  LeaseStep(now);
  if (state() != MemberState::kLeaving) FenceStep(now);
  StepDownStep(now);
  if (state() == MemberState::kActive) CoordinatorStep(now);
  for (auto it = relays_.begin(); it != relays_.end();) {
    it = it->second.deadline_ms <= now ? relays_.erase(it) : std::next(it);
  }
}

std::vector<BusOutgoing> Membership::TakeOutbox() { return std::exchange(outbox_, {}); }
std::vector<std::string> Membership::TakeBroadcasts() { return std::exchange(broadcasts_in_, {}); }

void Membership::JoinStep(int64_t now) {
  for (auto it = meets_.begin(); it != meets_.end();) {
    if (now < it->next_ms) {
      ++it;
      continue;
    }
    SendPushPull(it->ep, /*is_reply=*/false, now);
    it->next_ms = now + options_.join_retry_ms;
    if (it->attempts_left > 0 && --it->attempts_left == 0) {
      it = meets_.erase(it);
    } else {
      ++it;
    }
  }
}

void Membership::ProbeStep(int64_t now) {
  if (probe_.active && !probe_.acked && !probe_.indirect_sent &&
      now >= probe_.started_ms + options_.probe_timeout_ms) {
    probe_.indirect_sent = true;
    auto t = members_.find(probe_.target);
    if (t != members_.end()) {
      auto helpers = PickMembers(options_.indirect_probes, probe_.target, [](const Member& m) {
        return m.rec.state == MemberState::kActive || m.rec.state == MemberState::kJoining;
      });
      for (const std::string& h : helpers) {
        BusMessage req = NewMessage(BusKind::kPingReq);
        req.seq = probe_.seq;
        req.target_id = probe_.target;
        req.target_ip = t->second.rec.ip;
        req.target_bus_port = t->second.rec.bus_port;
        Piggyback(&req);
        Send(EndpointOf(members_[h].rec), BusChannel::kUdp, std::move(req));
        stats_.ping_reqs_sent++;
      }
    }
  }
  if (now < next_probe_ms_) return;
  next_probe_ms_ = now + options_.probe_interval_ms;
  if (probe_.active && !probe_.acked) ProbeFailed(now);
  probe_.active = false;
  StartProbe(now);
}

void Membership::StartProbe(int64_t now) {
  for (int pass = 0; pass < 2; ++pass) {
    while (probe_pos_ < probe_order_.size()) {
      const std::string& id = probe_order_[probe_pos_++];
      auto it = members_.find(id);
      if (it == members_.end() || !Probeable(it->second.rec.state)) continue;
      probe_ = Probe{true, false, false, id, next_seq_++, now};
      BusMessage ping = NewMessage(BusKind::kPing);
      ping.seq = probe_.seq;
      ping.target_id = id;
      Piggyback(&ping);
      it->second.ping_sent_ms = now;
      stats_.pings_sent++;
      Send(EndpointOf(it->second.rec), BusChannel::kUdp, std::move(ping));
      return;
    }
    // A new round: every probe-able member once, in a fresh random order.
    probe_order_.clear();
    probe_pos_ = 0;
    for (const auto& [id, m] : members_) {
      if (id != self_id_ && Probeable(m.rec.state)) probe_order_.push_back(id);
    }
    std::shuffle(probe_order_.begin(), probe_order_.end(), rng_);
  }
}

void Membership::ProbeFailed(int64_t now) {
  stats_.probes_failed++;
  auto it = members_.find(probe_.target);
  if (it == members_.end()) return;
  MemberState s = it->second.rec.state;
  if (s == MemberState::kActive || s == MemberState::kJoining) Suspect(it->second, now);
}

void Membership::SuspicionStep(int64_t now) {
  for (auto& [id, m] : members_) {
    if (id == self_id_ || m.rec.state != MemberState::kSuspect || m.suspect_deadline_ms > now) {
      continue;
    }
    if (m.final_check_sent && m.last_heard_ms > m.state_since_ms) {
      // It spoke to us after we began to suspect it: fresh evidence that it
      // lives, though it has not refuted yet. Ask again rather than fail it.
      m.state_since_ms = now;
      FinalCheck(m, now);
    } else if (m.final_check_sent) {
      Died(m, now);
    } else {
      FinalCheck(m, now);
    }
  }
}

// The suspect answers a probe that names the accusation with a refuted
// record (a higher incarnation), directly or through the helpers' relayed
// acks; either supersedes the suspicion before the extended deadline.
void Membership::FinalCheck(Member& m, int64_t now) {
  m.final_check_sent = true;
  m.suspect_deadline_ms = now + options_.probe_interval_ms;
  const uint64_t seq = next_seq_++;
  BusMessage ping = NewMessage(BusKind::kPing);
  ping.seq = seq;
  ping.target_id = m.rec.id;
  ping.updates.push_back(m.rec);
  Piggyback(&ping);
  Send(EndpointOf(m.rec), BusChannel::kUdp, std::move(ping));
  auto helpers = PickMembers(options_.indirect_probes, m.rec.id, [](const Member& h) {
    return h.rec.state == MemberState::kActive || h.rec.state == MemberState::kJoining;
  });
  for (const std::string& h : helpers) {
    BusMessage req = NewMessage(BusKind::kPingReq);
    req.seq = seq;
    req.target_id = m.rec.id;
    req.target_ip = m.rec.ip;
    req.target_bus_port = m.rec.bus_port;
    req.updates.push_back(m.rec);
    Piggyback(&req);
    Send(EndpointOf(members_[h].rec), BusChannel::kUdp, std::move(req));
    stats_.ping_reqs_sent++;
  }
}

void Membership::GossipStep(int64_t now) {
  if (now < next_gossip_ms_) return;
  next_gossip_ms_ = now + options_.gossip_interval_ms;
  if (queue_.empty()) return;
  auto targets = PickMembers(options_.gossip_fanout, "", [&](const Member& m) {
    if (Probeable(m.rec.state)) return true;
    return m.rec.state == MemberState::kDead &&
           now - m.state_since_ms < options_.gossip_to_dead_ms;
  });
  for (const std::string& id : targets) {
    BusMessage g = NewMessage(BusKind::kGossip);
    Piggyback(&g);
    if (g.updates.empty()) break;
    Send(EndpointOf(members_[id].rec), BusChannel::kUdp, std::move(g));
  }
}

void Membership::PushPullStep(int64_t now) {
  if (now >= next_push_pull_ms_) {
    next_push_pull_ms_ = now + options_.push_pull_interval_ms;
    auto peer = PickMembers(1, "", [](const Member& m) { return Probeable(m.rec.state); });
    if (!peer.empty()) SendPushPull(EndpointOf(members_[peer[0]].rec), false, now);
  }
  if (now >= next_reconnect_ms_) {
    next_reconnect_ms_ = now + options_.reconnect_interval_ms;
    auto dead = PickMembers(1, "", [](const Member& m) {
      return m.rec.state == MemberState::kDead;
    });
    if (!dead.empty()) SendPushPull(EndpointOf(members_[dead[0]].rec), false, now);
  }
}

void Membership::ReportStep(int64_t now) {
  if (table_.migration == 0 || my_migration_plan_ != table_.migration || my_handoff_ < 0) return;
  const bool changed = my_migration_plan_ != reported_plan_ || my_handoff_ != reported_handoff_;
  if (!changed && now < next_report_ms_) return;
  reported_plan_ = my_migration_plan_;
  reported_handoff_ = my_handoff_;
  next_report_ms_ = now + options_.probe_interval_ms;
  // To the coordinator, which records it in the table, and to every
  // primary, so the targets serve the slots they took without waiting for
  // that (EffectiveTable).
  std::set<std::string> to;
  if (std::string c = Coordinator(); !c.empty()) to.insert(c);
  for (const ShardInfo& s : table_.shards) to.insert(s.primary);
  to.erase(self_id_);
  for (const std::string& id : to) {
    auto it = members_.find(id);
    if (it == members_.end() || !Probeable(it->second.rec.state)) continue;
    BusMessage g = NewMessage(BusKind::kGossip);
    Send(EndpointOf(it->second.rec), BusChannel::kUdp, std::move(g));
  }
}

void Membership::ReapStep(int64_t now) {
  bool changed = false;
  for (auto it = members_.begin(); it != members_.end();) {
    const Member& m = it->second;
    bool reap = false;
    if (it->first != self_id_ && !ShardOfNode(table_, it->first)) {
      int64_t age = now - m.state_since_ms;
      reap = (m.rec.state == MemberState::kLeaving && age >= options_.leaving_reap_ms) ||
             (m.rec.state == MemberState::kDead && age >= options_.dead_reap_ms);
    }
    if (reap) {
      tombstones_[it->first] = m.rec.incarnation;
      it = members_.erase(it);
      changed = true;
    } else {
      ++it;
    }
  }
  if (changed) Changed(true);
}

void Membership::CoordinatorStep(int64_t now) {
  std::vector<MemberUpdate> records = Records();
  if (ElectCoordinator(records) != self_id_) return;
  if (!SeesMajority(table_, records)) return;
  ReconcileOptions opts;
  opts.replicas = options_.replicas;
  opts.vnodes = options_.vnodes;
  for (const auto& [id, m] : members_) {
    ReplicationReport& rep = opts.reports[id];
    rep.offset = id == self_id_ ? my_repl_offset_ : m.repl_offset;
    const uint8_t flags = id == self_id_ ? MyReplFlags() : m.repl_flags;
    rep.wants_promotion = (flags & kReplWantsPromotion) != 0;
    rep.steps_down = (flags & kReplStepsDown) != 0;
    rep.migration_plan = id == self_id_ ? my_migration_plan_ : m.migration_plan;
    rep.handoff = id == self_id_ ? my_handoff_ : m.handoff;
  }
  std::optional<ShardTable> next = ReconcileShards(records, table_, self_id_, rng_, opts);
  if (!next) return;
  // Any change may move slots of any shard (the ring): none while a primary
  // may be cut off and still serving.
  if (!PrimariesSettled(now)) return;
  stats_.table_changes++;
  AdoptTable(*next, /*spread=*/true, now);
}

void Membership::StepDownStep(int64_t now) {
  if (!stepping_down_) return;
  const ShardInfo* mine = ShardOfNode(table_, self_id_);
  bool done = mine == nullptr || mine->primary != self_id_;
  if (!done && state() == MemberState::kActive) {
    if (step_down_active_ms_ < 0) step_down_active_ms_ = now;
    // A replica that can take over: alive, and it told this node (since
    // the restart) an offset of a completed sync. Without one after a few
    // probe intervals, this node serves its shard empty (nothing better
    // exists), as a restarted Redis primary without persistence does.
    bool candidate = false;
    for (const std::string& r : mine->replicas) {
      auto it = members_.find(r);
      if (it != members_.end() && Probeable(it->second.rec.state) && it->second.repl_offset >= 0) {
        candidate = true;
      }
    }
    done = !candidate && now - step_down_active_ms_ >= 3 * options_.probe_interval_ms;
  }
  if (done) {
    stepping_down_ = false;
    Changed(false);
  }
}

bool Membership::PrimariesSettled(int64_t now) const {
  for (const ShardInfo& s : table_.shards) {
    auto it = members_.find(s.primary);
    if (it == members_.end()) continue;  // forgotten long ago
    const Member& m = it->second;
    if (m.rec.state == MemberState::kSuspect) return false;
    if (m.rec.state == MemberState::kDead && now - m.state_since_ms < FenceWaitMs()) return false;
  }
  return true;
}

void Membership::LeaseStep(int64_t now) {
  if (now < next_lease_ms_) return;
  next_lease_ms_ = now + std::max<int64_t>(1, LeaseWindowMs() / 5);
  std::set<std::string> named;
  for (const ShardInfo& s : table_.shards) {
    named.insert(s.primary);
    named.insert(s.replicas.begin(), s.replicas.end());
  }
  for (const std::string& id : named) {
    auto it = members_.find(id);
    if (id == self_id_ || it == members_.end() || it->second.rec.ip.empty() ||
        it->second.rec.state == MemberState::kLeaving) {
      continue;
    }
    // A bare ping: the answer is all that matters (Dispatch, kAck). Members
    // held dead are pinged too: after a partition heals, their answers give
    // the lease back at once, before gossip has revived them here.
    BusMessage ping = NewMessage(BusKind::kPing);
    ping.seq = next_seq_++;
    ping.target_id = id;
    Send(EndpointOf(it->second.rec), BusChannel::kUdp, std::move(ping));
  }
}

bool Membership::HoldsLease(int64_t now) const {
  if (now - started_ms_ < LeaseWindowMs()) return true;  // collecting first answers
  std::set<std::string> named;
  for (const ShardInfo& s : table_.shards) {
    named.insert(s.primary);
    named.insert(s.replicas.begin(), s.replicas.end());
  }
  if (named.empty() || !named.count(self_id_)) return true;  // serves nothing
  size_t answered = 1;  // itself
  for (const std::string& id : named) {
    auto it = members_.find(id);
    if (id == self_id_ || it == members_.end()) continue;
    if (it->second.last_ack_ms >= 0 && now - it->second.last_ack_ms <= LeaseWindowMs()) {
      ++answered;
    }
  }
  return answered * 2 > named.size();
}

void Membership::FenceStep(int64_t now) {
  const bool seen = SeesMajority(table_, Records());
  if (seen) {
    no_majority_since_ms_ = -1;
  } else if (no_majority_since_ms_ < 0) {
    no_majority_since_ms_ = now;
  }
  const bool lease = HoldsLease(now);
  const bool majority = seen && lease;
  if (!fenced_) {
    if (!lease || (!seen && now - no_majority_since_ms_ >= FenceDelayMs())) {
      fenced_ = true;
      fence_lifting_ = false;
      fence_table_fingerprint_ = table_fingerprint_;
      stats_.fences++;
      Changed(false);
    }
    return;
  }
  if (!majority) {
    fence_lifting_ = false;
    return;
  }
  // A majority again: take the newest table from one of them before serving.
  if (fence_lifting_ && now - fence_sync_ms_ < options_.probe_interval_ms) return;
  auto peer = PickMembers(1, "", [](const Member& m) {
    return m.rec.state == MemberState::kActive;
  });
  if (peer.empty()) return;
  fence_lifting_ = true;
  fence_sync_ms_ = now;
  SendPushPull(EndpointOf(members_[peer[0]].rec), /*is_reply=*/false, now);
}

void Membership::LiftFence() {
  if (!fenced_ || !fence_lifting_) return;
  fenced_ = false;
  fence_lifting_ = false;
  if (table_fingerprint_ != fence_table_fingerprint_) ownership_generation_++;
  Changed(false);
}

int64_t Membership::FenceDelayMs() const { return SuspicionTimeoutMs(); }

int64_t Membership::LeaseWindowMs() const {
  return SuspicionTimeoutMs() + 2 * options_.probe_interval_ms;
}

int64_t Membership::FenceWaitMs() const {
  return LeaseWindowMs() + 2 * options_.probe_interval_ms;
}

void Membership::SendPushPull(const Endpoint& to, bool is_reply, int64_t now) {
  BusMessage m = NewMessage(BusKind::kPushPull);
  m.is_reply = is_reply;
  m.updates = Records();
  m.table = table_;
  stats_.push_pulls_sent++;
  Send(to, BusChannel::kTcp, std::move(m));
}

BusMessage Membership::NewMessage(BusKind kind) {
  BusMessage m;
  m.kind = kind;
  m.sender = members_[self_id_].rec;
  m.table_epoch = table_.epoch;
  m.table_fingerprint = table_fingerprint_;
  m.repl_offset = my_repl_offset_;
  m.repl_flags = MyReplFlags();
  m.migration_plan = my_migration_plan_;
  m.handoff = my_handoff_;
  return m;
}

void Membership::Piggyback(BusMessage* m) {
  if (queue_.empty()) return;
  size_t fixed = EncodeBusMessage(*m, std::string_view()).size() + kBusMacSize;
  if (fixed >= options_.max_datagram_bytes) return;
  for (MemberUpdate& u : queue_.Take(options_.max_datagram_bytes - fixed, MaxTransmits())) {
    m->updates.push_back(std::move(u));
  }
}

void Membership::Send(const Endpoint& to, BusChannel ch, BusMessage m) {
  if (to.ip.empty() || to.port <= 0) return;
  std::string bytes = EncodeBusMessage(m, secret_);
  stats_.messages_sent++;
  stats_.sent_by_kind[static_cast<int>(m.kind)]++;
  stats_.bytes_sent += bytes.size();
  outbox_.push_back(BusOutgoing{to, ch, std::move(bytes)});
}

std::vector<std::string> Membership::PickMembers(size_t n, const std::string& exclude,
                                                 const std::function<bool(const Member&)>& ok) {
  std::vector<std::string> c;
  for (const auto& [id, m] : members_) {
    if (id != self_id_ && id != exclude && !m.rec.ip.empty() && ok(m)) c.push_back(id);
  }
  // Partial Fisher-Yates: the first n are a uniform sample.
  for (size_t i = 0; i < c.size() && i < n; ++i) {
    std::uniform_int_distribution<size_t> d(i, c.size() - 1);
    std::swap(c[i], c[d(rng_)]);
  }
  if (c.size() > n) c.resize(n);
  return c;
}

int Membership::MaxTransmits() const {
  double n = static_cast<double>(alive_count());
  return std::max(1, static_cast<int>(options_.retransmit_mult * std::ceil(std::log10(n + 1))));
}

int64_t Membership::SuspicionTimeoutMs() const {
  double n = static_cast<double>(alive_count());
  double scale = std::max(1.0, std::log10(n));
  return static_cast<int64_t>(options_.suspicion_mult * scale *
                              static_cast<double>(options_.probe_interval_ms));
}

size_t Membership::alive_count() const {
  size_t n = 0;
  for (const auto& [id, m] : members_) n += Probeable(m.rec.state) ? 1 : 0;
  return n;
}

MemberState Membership::state() const { return members_.at(self_id_).rec.state; }
uint64_t Membership::incarnation() const { return members_.at(self_id_).rec.incarnation; }

std::vector<MemberUpdate> Membership::Records() const {
  std::vector<MemberUpdate> out;
  out.reserve(members_.size());
  for (const auto& [id, m] : members_) out.push_back(m.rec);
  return out;
}

std::string Membership::Coordinator() const { return ElectCoordinator(Records()); }

}  // namespace shoal
