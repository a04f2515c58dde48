// Membership: receiving bus messages and merging what they say — member
// records (with refutation of suspicions about this node), the shard table,
// and the views built from the result. See swim.h for the protocol.
#include "cluster/swim.h"

#include "cluster/coordinator.h"
#include "cluster/hash_ring.h"

namespace shoal {
namespace {

int Rank(MemberState s) {
  switch (s) {
    case MemberState::kJoining: return 0;
    case MemberState::kActive: return 1;
    case MemberState::kSuspect: return 2;
    case MemberState::kDead: return 3;
    case MemberState::kLeaving: return 4;
  }
  return 0;
}

// True when record `a` supersedes record `b` about the same member.
bool Supersedes(const MemberUpdate& a, const MemberUpdate& b) {
  if (a.incarnation != b.incarnation) return a.incarnation > b.incarnation;
  return Rank(a.state) > Rank(b.state);
}

}  // namespace

void Membership::Receive(const std::string& observed_ip, std::string_view bytes,
                         BusChannel channel, int64_t now) {
  stats_.bytes_received += bytes.size();
  BusMessage m;
  switch (DecodeBusMessage(bytes, secret_, &m)) {
    case DecodeResult::kOk: break;
    case DecodeResult::kMalformed: stats_.dropped_malformed++; return;
    case DecodeResult::kBadVersion: stats_.dropped_bad_version++; return;
    case DecodeResult::kBadAuth: stats_.dropped_bad_auth++; return;
  }
  if (!started_ || m.sender.id == self_id_) {
    // Our own message back (a seed list that names this node), or another
    // process using our id: neither may change what we believe.
    stats_.dropped_misdirected++;
    return;
  }
  stats_.messages_received++;
  stats_.received_by_kind[static_cast<int>(m.kind)]++;
  if (m.sender.ip.empty()) m.sender.ip = observed_ip;
  Dispatch(observed_ip, m, now);
}

void Membership::Dispatch(const std::string& observed_ip, BusMessage& m, int64_t now) {
  const Endpoint from = EndpointOf(m.sender);
  ApplyUpdate(m.sender, now);
  if (auto it = members_.find(m.sender.id); it != members_.end()) {
    Member& s = it->second;
    s.last_heard_ms = now;
    s.repl_offset = m.repl_offset;
    s.repl_flags = m.repl_flags;
    if (m.migration_plan != s.migration_plan || m.handoff != s.handoff) {
      // A source's progress under the current plan flips slots in our view.
      if (m.migration_plan != 0 && m.migration_plan == table_.migration) ++view_version_;
      s.migration_plan = m.migration_plan;
      s.handoff = m.handoff;
    }
    // It talks, but we hold a suspicion or death notice it has not seen:
    // tell it directly so it can refute now.
    if (Supersedes(s.rec, m.sender) &&
        (s.rec.state == MemberState::kSuspect || s.rec.state == MemberState::kDead)) {
      BusMessage g = NewMessage(BusKind::kGossip);
      g.updates.push_back(s.rec);
      Send(from, BusChannel::kUdp, std::move(g));
    }
  }
  for (MemberUpdate& u : m.updates) {
    if (u.ip.empty() && u.id == m.sender.id) u.ip = m.sender.ip;
    ApplyUpdate(u, now);
  }
  switch (m.kind) {
    case BusKind::kPing: {
      if (!m.target_id.empty() && m.target_id != self_id_) {
        stats_.dropped_misdirected++;  // meant for a previous owner of this address
        break;
      }
      BusMessage ack = NewMessage(BusKind::kAck);
      ack.seq = m.seq;
      Piggyback(&ack);
      Send(from, BusChannel::kUdp, std::move(ack));
      break;
    }
    case BusKind::kPingReq: {
      uint64_t seq = next_seq_++;
      relays_[seq] = Relay{m.target_id, from, m.seq, now + options_.probe_timeout_ms};
      BusMessage ping = NewMessage(BusKind::kPing);
      ping.seq = seq;
      ping.target_id = m.target_id;
      // Pass on what the requester said about the target (a last-chance
      // probe carries the accusation, so the target can refute it).
      for (const MemberUpdate& u : m.updates) {
        if (u.id == m.target_id) ping.updates.push_back(u);
      }
      Piggyback(&ping);
      Send(Endpoint{m.target_ip, m.target_bus_port}, BusChannel::kUdp, std::move(ping));
      break;
    }
    case BusKind::kAck: {
      stats_.acks_received++;
      // A round trip with the sender: it renews this node's lease (swim.h).
      if (auto it = members_.find(m.sender.id); it != members_.end()) it->second.last_ack_ms = now;
      if (probe_.active && m.seq == probe_.seq) {
        probe_.acked = true;
      } else if (auto r = relays_.find(m.seq); r != relays_.end()) {
        BusMessage ack = NewMessage(BusKind::kAck);
        ack.seq = r->second.origin_seq;
        // The target's own record travels back: it may carry a refutation.
        if (m.sender.id == r->second.target) ack.updates.push_back(m.sender);
        Send(r->second.origin, BusChannel::kUdp, std::move(ack));
        relays_.erase(r);
      }
      break;
    }
    case BusKind::kGossip:
      break;
    case BusKind::kPushPull: {
      if (m.table && TableNewer(*m.table, table_) &&
          (table_.epoch == 0 || m.table->epoch <= table_.epoch + kBusMaxCounterJump)) {
        AdoptTable(*m.table, /*spread=*/true, now);
      }
      if (!m.is_reply) SendPushPull(from, /*is_reply=*/true, now);
      if (m.is_reply) LiftFence();  // our table is now at least the peer's
      std::erase_if(meets_, [&](const MeetTarget& t) {
        return t.ep == from || (t.ep.ip == observed_ip && t.ep.port == from.port);
      });
      if (state() == MemberState::kJoining) BecomeActive();
      return;  // the table is merged already
    }
    case BusKind::kBroadcast:
      stats_.broadcasts_received++;
      broadcasts_in_.push_back(std::move(m.payload));
      break;
  }
  MaybeSyncTable(m, from, now);
}

void Membership::ApplyUpdate(const MemberUpdate& u, int64_t now) {
  if (u.id == self_id_) {
    ApplyAboutMyself(u);
    return;
  }
  auto it = members_.find(u.id);
  if (it == members_.end()) {
    auto t = tombstones_.find(u.id);
    if (t != tombstones_.end() && u.incarnation <= t->second) return;  // reaped; old news
    if (u.ip.empty()) return;  // unreachable until someone who knows its address tells us
    Member m;
    m.rec = u;
    m.state_since_ms = now;
    if (u.state == MemberState::kSuspect) m.suspect_deadline_ms = now + SuspicionTimeoutMs();
    members_[u.id] = m;
    tombstones_.erase(u.id);
    queue_.Enqueue(u);
    Changed(true);
    return;
  }
  Member& m = it->second;
  if (!Supersedes(u, m.rec)) return;
  if (u.incarnation > m.rec.incarnation + kBusMaxCounterJump) {
    stats_.dropped_malformed++;  // only the member raises it, one step at a time
    return;
  }
  MemberUpdate in = u;
  if (in.state == MemberState::kDead && !TakesDeathRumour(m, now)) {
    // A death notice about a member we hold alive is only a suspicion here:
    // it may be stale (a healed partition's side still holds the other side
    // dead at the incarnations they had), and fresh liveness evidence must
    // get a chance to refute it. Our own timer and last-chance probe decide.
    if (m.rec.state == MemberState::kSuspect && in.incarnation == m.rec.incarnation) return;
    in.state = MemberState::kSuspect;
    if (!Supersedes(in, m.rec)) return;
  }
  MemberState old = m.rec.state;
  std::string ip = in.ip.empty() ? m.rec.ip : in.ip;
  m.rec = in;
  m.rec.ip = ip;
  if (old != in.state || in.state == MemberState::kSuspect) m.final_check_sent = false;
  if (old != in.state) {
    m.state_since_ms = now;
    if (in.state == MemberState::kSuspect) m.suspect_deadline_ms = now + SuspicionTimeoutMs();
    if (in.state == MemberState::kDead) stats_.deaths++;
  }
  queue_.Enqueue(m.rec);
  Changed(true);
}

// A death notice is taken as it is only when it can be true news: we already
// suspect the member on our own (or someone's) evidence for half a suspicion
// timeout and have not heard from it since — as is the case for a member
// that really crashed, whose suspicion spread before its death. Anything
// else (we hold it active, or heard from it after suspecting it) is a
// rumour that its liveness may still refute.
bool Membership::TakesDeathRumour(const Member& m, int64_t now) const {
  if (!Probeable(m.rec.state)) return true;  // dead or leaving already: nothing to protect
  if (m.rec.state != MemberState::kSuspect) return false;
  if (m.last_heard_ms > m.state_since_ms) return false;
  return now - m.state_since_ms >= SuspicionTimeoutMs() / 2;
}

void Membership::ApplyAboutMyself(const MemberUpdate& u) {
  Member& me = members_[self_id_];
  if (me.rec.ip.empty() && !u.ip.empty()) {
    me.rec.ip = u.ip;  // a peer saw where our messages come from
    Changed(true);
  }
  if (!Supersedes(u, me.rec)) return;
  if (u.incarnation > me.rec.incarnation + kBusMaxCounterJump) {
    // Nobody but this node raises its incarnation: a record far above ours
    // is forged. Outbidding it would wrap or pin the counter.
    stats_.dropped_malformed++;
    return;
  }
  // Someone holds a record of us that beats ours: a suspicion, a death
  // notice, or news from a previous run. Outbid it.
  if (u.state == MemberState::kSuspect || u.state == MemberState::kDead) stats_.refutations++;
  me.rec.incarnation = u.incarnation + 1;
  queue_.Enqueue(me.rec);
  Changed(true);
}

void Membership::Suspect(Member& m, int64_t now) {
  m.rec.state = MemberState::kSuspect;
  m.state_since_ms = now;
  m.final_check_sent = false;
  m.suspect_deadline_ms = now + SuspicionTimeoutMs();
  stats_.suspicions++;
  queue_.Enqueue(m.rec);
  Changed(true);
}

void Membership::Died(Member& m, int64_t now) {
  m.rec.state = MemberState::kDead;
  m.state_since_ms = now;
  stats_.deaths++;
  queue_.Enqueue(m.rec);
  Changed(true);
}

void Membership::BecomeActive() {
  Member& me = members_[self_id_];
  me.rec.state = MemberState::kActive;
  me.rec.incarnation++;
  queue_.Enqueue(me.rec);
  // Seeds served their purpose; explicit Meet targets keep their tries.
  std::erase_if(meets_, [](const MeetTarget& t) { return t.attempts_left < 0; });
  Changed(true);
}

void Membership::AdoptTable(const ShardTable& t, bool spread, int64_t now) {
  table_ = t;
  table_fingerprint_ = TableFingerprint(table_);
  Changed(true);
  if (!spread) return;
  for (const std::string& id : PickMembers(options_.gossip_fanout, "", [](const Member& m) {
         return m.rec.state == MemberState::kActive || m.rec.state == MemberState::kJoining;
       })) {
    SendPushPull(EndpointOf(members_[id].rec), /*is_reply=*/true, now);
  }
}

void Membership::MaybeSyncTable(const BusMessage& m, const Endpoint& from, int64_t now) {
  if (m.table_epoch < table_.epoch) return;
  if (m.table_epoch == table_.epoch && m.table_fingerprint == table_fingerprint_) return;
  int64_t& next = sync_cooldown_[m.sender.id];
  if (now < next) return;
  next = now + options_.probe_interval_ms;
  SendPushPull(from, /*is_reply=*/false, now);
}

void Membership::Changed(bool persist) {
  ++view_version_;
  if (persist) ++persist_version_;
}

std::shared_ptr<ClusterView> Membership::BuildView(int vnodes) const {
  auto v = std::make_shared<ClusterView>();
  v->my_id = self_id_;
  v->nodes.reserve(members_.size());
  for (const auto& [id, m] : members_) {
    NodeInfo n;
    n.id = id;
    n.ip = m.rec.ip;
    n.port = m.rec.port;
    n.bus_port = m.rec.bus_port;
    n.state = m.rec.state;
    n.incarnation = m.rec.incarnation;
    n.joined_ms = m.rec.joined_ms;
    n.ping_sent_ms = m.ping_sent_ms;
    n.pong_received_ms = m.last_heard_ms;
    n.myself = id == self_id_;
    v->nodes.push_back(std::move(n));
  }
  v->table = table_;
  const ShardTable effective = EffectiveTable();
  std::vector<int32_t> handoffs;
  handoffs.reserve(effective.shards.size());
  for (const ShardInfo& s : effective.shards) handoffs.push_back(s.handoff);
  if (slot_cache_vnodes_ != vnodes || slot_cache_fingerprint_ != table_fingerprint_ ||
      slot_cache_handoffs_ != handoffs) {
    slot_cache_ = ComputeSlotAssignment(effective, vnodes);
    slot_cache_vnodes_ = vnodes;
    slot_cache_fingerprint_ = table_fingerprint_;
    slot_cache_handoffs_ = std::move(handoffs);
  }
  v->slot_shard = slot_cache_.owner;
  v->slot_target = slot_cache_.target;
  v->current_epoch = table_.epoch;
  v->fenced = fenced_;
  v->stepping_down = stepping_down_;
  v->ownership_generation = ownership_generation_;
  v->coordinator_id = Coordinator();
  return v;
}

ShardTable Membership::EffectiveTable() const {
  ShardTable t = table_;
  if (t.migration == 0) return t;
  for (ShardInfo& s : t.shards) {
    uint64_t plan = 0;
    int32_t handoff = -1;
    if (s.primary == self_id_) {
      plan = my_migration_plan_;
      handoff = my_handoff_;
    } else if (auto it = members_.find(s.primary); it != members_.end()) {
      plan = it->second.migration_plan;
      handoff = it->second.handoff;
    }
    if (plan == t.migration) {
      s.handoff = std::max(s.handoff, std::min<int32_t>(handoff, kClusterSlots - 1));
    }
  }
  return t;
}

NodesFileData Membership::Persistent() const {
  NodesFileData d;
  const Member& me = members_.at(self_id_);
  d.my_id = self_id_;
  d.incarnation = me.rec.incarnation;
  d.joined_ms = me.rec.joined_ms;
  for (const auto& [id, m] : members_) {
    if (id != self_id_) d.members.push_back(m.rec);
  }
  d.table = table_;
  return d;
}

}  // namespace shoal
