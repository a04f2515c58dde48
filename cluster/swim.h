// Membership: the SWIM membership protocol and the shard table, as a pure,
// deterministic state machine.
//
// No sockets, no threads, no clock reads: the owner feeds it the time
// (Tick, Receive take now_ms), received bytes (Receive) and a seeded RNG,
// and drains the messages it wants sent (TakeOutbox) — ClusterNode does so on
// a libuv loop with real UDP/TCP, the unit tests on a simulated network with
// loss, delay and partitions. Same inputs, same run.
//
// The protocol (SWIM with Lifeguard-free suspicion, as in the SWIM paper and
// memberlist):
//   - every probe_interval the node pings the next member of a shuffled
//     round-robin; without an ack after probe_timeout it asks
//     indirect_probes others to ping the target for it (ping-req); with no
//     ack by the end of the period the target becomes suspect;
//   - a suspect is declared dead after suspicion_mult * max(1, log10(N))
//     probe intervals unless it refutes by gossiping a higher incarnation;
//     before declaring it, the node sends one last probe (direct and through
//     k others) that carries the accusation itself, and waits one more probe
//     interval: gossip is probabilistic and now and then a refutation
//     misses one node; the last probe asks the suspect itself, which
//     answers with its refutation (without it, 20 nodes at 10% loss saw
//     about one false death per hour in simulation; with it, none);
//   - a death notice about a member this node holds alive counts only as a
//     suspicion here (unless it already suspects the member, for half a
//     suspicion timeout, without hearing from it since): after a heal, the
//     side that was cut off still holds the other side dead at the
//     incarnations they had, and those stale notices must not fail members
//     that never lost touch; and a suspect that spoke to this node after the
//     suspicion began is probed again rather than declared dead;
//   - every update (join, suspect, dead, leave, refutation) rides on pings,
//     acks and ping-reqs, plus a small gossip message every gossip_interval
//     to gossip_fanout members, each update retransmit_mult * log(N) times;
//   - every push_pull_interval a TCP push-pull exchanges full state (all
//     members and the shard table) with a random member, which repairs what
//     gossip missed; a node also pulls at once from any peer whose header
//     shows a different table; and a node that takes a new table (or writes
//     one, as coordinator) pushes it to gossip_fanout members once, so a
//     table change reaches everyone in O(log N) hops;
//   - every reconnect_interval it push-pulls a random dead member, so that
//     the two sides of a healed partition find each other again.
// Forgetting: a member that left is forgotten leaving_reap_ms after, a dead
// one dead_reap_ms after, but never while the shard table names it (a dead
// primary keeps its shard); a forgotten id leaves a tombstone so that stale
// gossip cannot bring it back, while a restart (higher incarnation) can.
// Precedence of two records about one member: the higher incarnation wins;
// at equal incarnation joining < active < suspect < dead < leaving. Only the
// member itself raises its incarnation (to refute, to turn active, to leave).
//
// States of this node: joining until a first push-pull with any member (or
// at once when it knows nobody: the first node), then active; leaving after
// Leave(). The coordinator logic (coordinator.h) runs in Tick on the node
// that elects itself.
//
// Not thread-safe: one owner thread.
#ifndef SHOAL_CLUSTER_SWIM_H_
#define SHOAL_CLUSTER_SWIM_H_

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/cluster_view.h"
#include "cluster/gossip_message.h"
#include "cluster/hash_ring.h"
#include "cluster/node_id.h"
#include "cluster/nodes_file.h"
#include "cluster/transmit_queue.h"

namespace shoal {

struct SwimOptions {
  int64_t probe_interval_ms = 300;
  int64_t probe_timeout_ms = 150;     // direct ack deadline, then ping-req
  int indirect_probes = 3;            // k
  double suspicion_mult = 4;          // suspicion timeout in probe intervals, times max(1, log10 N)
  int retransmit_mult = 4;            // piggyback each update mult * ceil(log10(N + 1)) times
  int64_t gossip_interval_ms = 200;
  int gossip_fanout = 3;
  int64_t push_pull_interval_ms = 10000;
  int64_t join_retry_ms = 1000;       // while joining, and for Meet targets
  int meet_attempts = 10;             // push-pulls to a Meet target before giving up
  int64_t reconnect_interval_ms = 2000;
  int64_t gossip_to_dead_ms = 30000;  // keep gossiping to a member this long after its death
  int64_t leaving_reap_ms = 60000;    // forget a member this long after it left (once shardless)
  int64_t dead_reap_ms = 24 * 3600 * 1000;  // forget a dead member that owns no shard
  size_t max_datagram_bytes = 1400;   // UDP payload budget (below a 1500-byte MTU)
  int replicas = 0;                   // R: replicas per shard (coordinator.h)
  int vnodes = 64;                    // ring tokens per shard (hash_ring.h)
};

enum class BusChannel : uint8_t { kUdp, kTcp };

struct BusOutgoing {
  Endpoint to;
  BusChannel channel;
  std::string bytes;
};

// Counters for CLUSTER INFO and the tests. Monotonic.
struct SwimStats {
  uint64_t messages_sent = 0;
  uint64_t messages_received = 0;  // decoded and accepted
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;     // every byte handed to Receive
  uint64_t dropped_malformed = 0;
  uint64_t dropped_bad_version = 0;
  uint64_t dropped_bad_auth = 0;
  uint64_t dropped_misdirected = 0;  // a ping for another id, or a message claiming my id
  uint64_t pings_sent = 0;
  uint64_t ping_reqs_sent = 0;
  uint64_t acks_received = 0;
  uint64_t probes_failed = 0;
  uint64_t suspicions = 0;     // members this node started suspecting
  uint64_t deaths = 0;         // members this node saw declared dead
  uint64_t refutations = 0;    // times this node raised its incarnation against a suspicion
  uint64_t push_pulls_sent = 0;
  uint64_t broadcasts_sent = 0;
  uint64_t broadcasts_received = 0;
  uint64_t broadcasts_too_large = 0;  // PUBLISH payloads kept local (kBusMaxBroadcast)
  uint64_t table_changes = 0;  // tables this node authored as coordinator
  uint64_t fences = 0;         // times this node fenced itself (lost the majority)
  // Per message kind, indexed by BusKind (1..6; see BusKindName).
  uint64_t sent_by_kind[kBusKinds] = {};
  uint64_t received_by_kind[kBusKinds] = {};
};

struct SwimSelf {
  std::string id;
  std::string ip;        // announced ip; empty when unknown (learned from peers)
  int port = 0;          // client port
  int bus_port = 0;
  int64_t joined_ms = 0; // first start; kept across restarts by the nodes file
  uint64_t incarnation = 0;
};

class Membership {
 public:
  Membership(const SwimOptions& options, const SwimSelf& self, std::string secret,
             uint64_t rng_seed);

  // Before Start: the state a nodes file kept (members, table); they are
  // contacted like seeds until the first push-pull succeeds.
  void Restore(const NodesFileData& saved);
  // Starts the protocol. With no seeds and nobody restored the node is alone
  // and turns active at once (the first node of a cluster).
  void Start(const std::vector<Endpoint>& seeds, int64_t now_ms);
  // CLUSTER MEET: push-pull with `ep` until it answers (meet_attempts tries).
  void Meet(const Endpoint& ep, int64_t now_ms);
  // Announces this node is leaving; the owner keeps ticking for a moment
  // (a few gossip intervals) so the news spreads, then stops.
  void Leave(int64_t now_ms);
  // Sends `payload` to every live member over TCP.
  void Broadcast(std::string_view payload, int64_t now_ms);

  void Tick(int64_t now_ms);
  // Bytes from the bus. `observed_ip` is the sender's address as the socket
  // saw it (fills in records whose ip the sender did not know).
  void Receive(const std::string& observed_ip, std::string_view bytes, BusChannel channel,
               int64_t now_ms);

  std::vector<BusOutgoing> TakeOutbox();
  std::vector<std::string> TakeBroadcasts();
  // This node's replication status, sent in every message's header
  // (BusMessage::repl_offset / repl_flags); the owner refreshes it.
  void SetReplicationStatus(int64_t offset, bool wants_promotion) {
    my_repl_offset_ = offset;
    my_repl_flags_ = wants_promotion ? kReplWantsPromotion : 0;
  }
  // This node's slot handoff progress (BusMessage::migration_plan / handoff).
  // A change under the table's plan changes the view (the slots flip here
  // before the coordinator records it: EffectiveTable).
  void SetMigrationStatus(uint64_t plan, int32_t handoff) {
    if (plan == my_migration_plan_ && handoff == my_handoff_) return;
    my_migration_plan_ = plan;
    my_handoff_ = handoff;
    if (plan != 0 && plan == table_.migration) ++view_version_;
  }
  bool HasOutbox() const { return !outbox_.empty(); }

  // Bumped on every change a ClusterView shows (members, states, table).
  uint64_t view_version() const { return view_version_; }
  // Bumped on every change the nodes file keeps.
  uint64_t persist_version() const { return persist_version_; }
  // A snapshot; slot_shard and slot_target from ComputeSlotAssignment over
  // EffectiveTable() (view->table is the agreed table itself).
  std::shared_ptr<ClusterView> BuildView(int vnodes) const;
  // The table with each source's handoff raised to the freshest report of
  // the current plan this node has: its own, or one heard from the source's
  // primary. A source stops serving a slot it emptied, and its target
  // starts, as soon as they know — not a coordinator round later. Reports
  // only ever raise a watermark, and a source reports a slot only once it
  // holds none of its keys, so acting on one early is safe.
  ShardTable EffectiveTable() const;
  NodesFileData Persistent() const;

  const std::string& id() const { return self_id_; }
  MemberState state() const;
  uint64_t incarnation() const;
  const ShardTable& table() const { return table_; }
  std::string Coordinator() const;
  std::vector<MemberUpdate> Records() const;  // every known member, myself included
  const SwimStats& stats() const { return stats_; }
  size_t alive_count() const;  // joining, active or suspect, myself included
  int64_t SuspicionTimeoutMs() const;

  // Fencing. A node fences itself — it must refuse keyed commands, since the
  // majority may be about to give its slots to someone else — when either
  //   - its lease lapsed: fewer than a majority of the members named in the
  //     shard table (the last agreed membership), itself included, answered
  //     one of its pings within the last LeaseWindowMs(). Every node pings
  //     every named member five times per window (LeaseStep), so a node cut
  //     off from the majority, in either direction, fences one window after
  //     its last round trip with them, however many members there are; or
  //   - its SWIM view has not shown a majority alive for FenceDelayMs().
  // The fence lifts once both show a majority again and a push-pull with
  // one of them brought the table up to date, so the node never serves a
  // slot map older than the majority's. (A node that just started gets one
  // window of grace to collect its first answers.)
  bool fenced() const { return fenced_; }
  int64_t FenceDelayMs() const;
  int64_t LeaseWindowMs() const;
  // The coordinator moves no slot while a primary named in the table is
  // suspect, or was declared dead less than this long ago: a lease window
  // (the declared-dead primary's last round trip with a majority was at the
  // latest when it was declared dead — a majority still talking to it would
  // have carried its refutation), plus two probe intervals of margin. After
  // that it has provably stopped serving, and its slots may move.
  int64_t FenceWaitMs() const;
  // Stepping down. A node that restarts (from its nodes file) as the primary
  // of a shard with replicas holds nothing — Shoal keeps no data on disk —
  // while a synced replica holds the shard's data. Serving would answer
  // misses, take writes the handover then drops, and make the replicas
  // resync from the empty node, wiping the shard. So it refuses keyed
  // commands and replicas (ClusterView::stepping_down) and asks, in every
  // message's header (kReplStepsDown), to swap roles with its best synced
  // replica; the coordinator does so (coordinator.h), and the node resyncs
  // as a replica. Without a synced replica alive to take over within a few
  // probe intervals of turning active, it serves its shard empty.
  bool stepping_down() const { return stepping_down_; }
  // Bumped when a fence lifts onto a table that changed while fenced: slots
  // may have left this node and come back unseen, so everything it holds is
  // suspect (ClusterState then treats every slot as newly arrived).
  uint64_t ownership_generation() const { return ownership_generation_; }

 private:
  struct Member {
    MemberUpdate rec;
    int64_t state_since_ms = 0;
    int64_t suspect_deadline_ms = 0;
    bool final_check_sent = false;  // the last-chance probe before declaring death
    int64_t ping_sent_ms = 0;
    int64_t last_heard_ms = 0;
    int64_t last_ack_ms = -1;  // its last ack to a ping of this node (a round trip)
    // As the member last reported it in a message to this node.
    int64_t repl_offset = -1;
    uint8_t repl_flags = 0;
    uint64_t migration_plan = 0;
    int32_t handoff = -1;
  };
  struct Probe {
    bool active = false;
    bool acked = false;
    bool indirect_sent = false;
    std::string target;
    uint64_t seq = 0;
    int64_t started_ms = 0;
  };
  struct Relay {
    std::string target;
    Endpoint origin;
    uint64_t origin_seq = 0;
    int64_t deadline_ms = 0;
  };
  struct MeetTarget {
    Endpoint ep;
    int attempts_left = 0;  // < 0: unlimited (seeds while joining)
    int64_t next_ms = 0;
  };

  // swim.cc: timers, probing, sending.
  void ProbeStep(int64_t now);
  void StartProbe(int64_t now);
  void ProbeFailed(int64_t now);
  void GossipStep(int64_t now);
  void PushPullStep(int64_t now);
  // While a migration runs, a source tells the coordinator its handoff
  // progress directly (at once when it changes, then once per probe
  // interval, as UDP may drop it) instead of waiting to be probed.
  void ReportStep(int64_t now);
  void JoinStep(int64_t now);
  void SuspicionStep(int64_t now);
  void FinalCheck(Member& m, int64_t now);
  void ReapStep(int64_t now);
  void CoordinatorStep(int64_t now);
  void FenceStep(int64_t now);
  void StepDownStep(int64_t now);
  void LeaseStep(int64_t now);
  bool HoldsLease(int64_t now) const;
  uint8_t MyReplFlags() const {
    return static_cast<uint8_t>(my_repl_flags_ | (stepping_down_ ? kReplStepsDown : 0));
  }
  void LiftFence();
  // No primary named in the table is suspect or recently dead (FenceWaitMs).
  bool PrimariesSettled(int64_t now) const;
  void SendPushPull(const Endpoint& to, bool is_reply, int64_t now);
  void Send(const Endpoint& to, BusChannel ch, BusMessage m);
  BusMessage NewMessage(BusKind kind);
  void Piggyback(BusMessage* m);
  std::vector<std::string> PickMembers(size_t n, const std::string& exclude,
                                       const std::function<bool(const Member&)>& ok);
  int MaxTransmits() const;

  // swim_merge.cc: receiving and merging.
  void Dispatch(const std::string& observed_ip, BusMessage& m, int64_t now);
  void ApplyUpdate(const MemberUpdate& u, int64_t now);
  void ApplyAboutMyself(const MemberUpdate& u);
  // Takes `t` as the table; with `spread`, pushes it on to gossip_fanout
  // members (each node forwards a new table once: a rumor over TCP).
  void AdoptTable(const ShardTable& t, bool spread, int64_t now);
  void MaybeSyncTable(const BusMessage& m, const Endpoint& from, int64_t now);
  bool TakesDeathRumour(const Member& m, int64_t now) const;
  void Suspect(Member& m, int64_t now);
  void Died(Member& m, int64_t now);
  void BecomeActive();
  void Changed(bool persist);
  static Endpoint EndpointOf(const MemberUpdate& u) { return Endpoint{u.ip, u.bus_port}; }
  static bool Probeable(MemberState s) {
    return s == MemberState::kJoining || s == MemberState::kActive || s == MemberState::kSuspect;
  }

  SwimOptions options_;
  std::string secret_;
  std::string self_id_;
  ClusterRng rng_;
  bool started_ = false;

  std::map<std::string, Member> members_;    // ordered: deterministic iteration; myself included
  std::map<std::string, uint64_t> tombstones_;  // reaped id -> incarnation it had
  ShardTable table_;
  uint64_t table_fingerprint_ = 0;
  TransmitQueue queue_;

  Probe probe_;
  std::vector<std::string> probe_order_;
  size_t probe_pos_ = 0;
  uint64_t next_seq_ = 1;
  std::map<uint64_t, Relay> relays_;
  std::vector<MeetTarget> meets_;
  std::map<std::string, int64_t> sync_cooldown_;  // peer id -> earliest next table pull

  int64_t next_probe_ms_ = 0;
  int64_t next_gossip_ms_ = 0;
  int64_t next_push_pull_ms_ = 0;
  int64_t next_reconnect_ms_ = 0;

  // The slot map of the last view, recomputed only when the table changes.
  mutable uint64_t slot_cache_fingerprint_ = 0;
  mutable int slot_cache_vnodes_ = -1;
  mutable SlotAssignment slot_cache_;
  mutable std::vector<int32_t> slot_cache_handoffs_;  // EffectiveTable's watermarks

  int64_t no_majority_since_ms_ = -1;
  int64_t started_ms_ = 0;
  int64_t next_lease_ms_ = 0;
  bool fenced_ = false;
  bool stepping_down_ = false;
  int64_t step_down_active_ms_ = -1;  // when it turned active while stepping down
  bool fence_lifting_ = false;     // majority seen again; waiting for a push-pull reply
  int64_t fence_sync_ms_ = 0;      // when the last such push-pull went out
  uint64_t fence_table_fingerprint_ = 0;
  uint64_t ownership_generation_ = 0;

  int64_t my_repl_offset_ = -1;
  uint8_t my_repl_flags_ = 0;
  uint64_t my_migration_plan_ = 0;
  int32_t my_handoff_ = -1;
  // ReportStep: what the coordinator was last told directly, and when.
  uint64_t reported_plan_ = 0;
  int32_t reported_handoff_ = -1;
  int64_t next_report_ms_ = 0;

  std::vector<BusOutgoing> outbox_;
  std::vector<std::string> broadcasts_in_;
  uint64_t view_version_ = 1;
  uint64_t persist_version_ = 1;
  SwimStats stats_;
};

}  // namespace shoal

#endif  // SHOAL_CLUSTER_SWIM_H_
