// Membership protocol tests on the simulated network (sim_network.h):
// joins, leaves, crashes, partitions and heals, with message loss; the shard
// table and slot map agree everywhere once converged; restarts keep ids;
// garbage and forged messages are dropped and counted.
#include <gtest/gtest.h>

#include <cstdio>

#include "cluster/coordinator.h"
#include "cluster/sim_network.h"

namespace shoal {
namespace {

constexpr int64_t kMinute = 60'000;

std::set<int> All(int n) {
  std::set<int> s;
  for (int i = 0; i < n; ++i) s.insert(i);
  return s;
}

// Node 0 starts the cluster, then n-1 nodes join through it at once.
void Grow(SimCluster& c, int n) {
  c.AddNode({});
  for (int i = 1; i < n; ++i) c.AddNode({0});
}

// Every running node is active and holds the same table of `shards` shards,
// each with `replicas` replicas.
bool ShardsSettled(SimCluster& c, size_t shards, size_t replicas) {
  const std::set<int> running = c.Running();
  if (running.empty()) return false;
  const uint64_t first = TableFingerprint(c.node(*running.begin()).table());
  for (int i : running) {
    if (c.node(i).state() != MemberState::kActive) return false;
    const ShardTable& t = c.node(i).table();
    if (t.shards.size() != shards || TableFingerprint(t) != first) return false;
    for (const ShardInfo& s : t.shards) {
      if (s.replicas.size() != replicas) return false;
    }
  }
  return true;
}

uint64_t Sum(SimCluster& c, uint64_t SwimStats::*field) {
  uint64_t s = 0;
  for (int i = 0; i < c.size(); ++i) s += c.node(i).stats().*field;
  return s;
}

TEST(SwimSim, TenNodesConvergeAfterJoining) {
  SimCluster c(SimOptions{}, SwimOptions{});
  Grow(c, 10);
  int64_t t = c.RunUntil([&] { return c.Converged(All(10)); }, kMinute);
  ASSERT_GE(t, 0) << c.Describe();
  std::printf("[ report ] 10 nodes joining at once converge in %lld ms (simulated, no loss)\n",
              static_cast<long long>(t));
  EXPECT_EQ(c.node(3).table().shards.size(), 10u);
  EXPECT_EQ(c.node(3).Coordinator(), c.id(0));  // the oldest
  // Every node has the same slot map, and every slot is served.
  auto v = c.node(5).BuildView(64);
  for (int s = 0; s < kClusterSlots; ++s) ASSERT_GE(v->slot_shard[s], 0);
}

TEST(SwimSim, ConvergesWithTenPercentLossAndLongDelays) {
  SimOptions so;
  so.udp_loss = 0.10;
  so.max_delay_ms = 40;
  so.seed = 5;
  SimCluster c(so, SwimOptions{});
  Grow(c, 10);
  int64_t t = c.RunUntil([&] { return c.Converged(All(10)); }, kMinute);
  ASSERT_GE(t, 0) << c.Describe();
  std::printf("[ report ] 10 nodes, 10%% loss, 1-40 ms delay: converge in %lld ms (simulated)\n",
              static_cast<long long>(t));
}

TEST(SwimSim, NoFalseDeathUnderTenPercentLoss) {
  for (uint64_t seed : {1, 2, 3}) {
    SimOptions so;
    so.seed = seed;
    SimCluster c(so, SwimOptions{});
    Grow(c, 10);
    ASSERT_GE(c.RunUntil([&] { return c.Converged(All(10)); }, kMinute), 0);
    c.SetUdpLoss(0.10);
    c.RunFor(10 * kMinute);
    EXPECT_EQ(Sum(c, &SwimStats::deaths), 0u) << "seed " << seed << "\n" << c.Describe();
    // Nor a false fence: the lease pings get through often enough.
    EXPECT_EQ(Sum(c, &SwimStats::fences), 0u) << "seed " << seed;
    EXPECT_GT(Sum(c, &SwimStats::probes_failed), 0u);  // the loss did bite
    c.SetUdpLoss(0);
    EXPECT_GE(c.RunUntil([&] { return c.Converged(All(10)); }, kMinute), 0) << c.Describe();
    std::printf("[ report ] seed %llu: 10 min at 10%% loss: %llu suspicions, %llu refutations, "
                "0 deaths\n",
                static_cast<unsigned long long>(seed),
                static_cast<unsigned long long>(Sum(c, &SwimStats::suspicions)),
                static_cast<unsigned long long>(Sum(c, &SwimStats::refutations)));
  }
}

TEST(SwimSim, CrashIsDetectedAndTheShardKept) {
  SimCluster c(SimOptions{}, SwimOptions{});
  Grow(c, 6);
  ASSERT_GE(c.RunUntil([&] { return c.Converged(All(6)); }, kMinute), 0);
  uint64_t epoch = c.node(0).table().epoch;
  c.Crash(4);
  std::set<int> alive = {0, 1, 2, 3, 5};
  int64_t t = c.RunUntil([&] { return c.Converged(alive); }, kMinute);
  ASSERT_GE(t, 0) << c.Describe();
  std::printf("[ report ] 6 nodes: a crash is known everywhere after %lld ms\n",
              static_cast<long long>(t));
  // The dead node keeps its shard (its slots go unserved); nothing changed.
  EXPECT_EQ(c.node(0).table().epoch, epoch);
  EXPECT_NE(ShardOfNode(c.node(0).table(), c.id(4)), nullptr);
}

TEST(SwimSim, GracefulLeaveRetiresTheShard) {
  SimCluster c(SimOptions{}, SwimOptions{});
  Grow(c, 5);
  ASSERT_GE(c.RunUntil([&] { return c.Converged(All(5)); }, kMinute), 0);
  c.Leave(2);
  std::set<int> alive = {0, 1, 3, 4};
  ASSERT_GE(c.RunUntil([&] {
    return c.Converged(alive) && !ShardOfNode(c.node(0).table(), c.id(2));
  }, kMinute), 0) << c.Describe();
  EXPECT_EQ(c.node(1).table().shards.size(), 4u);
  EXPECT_EQ(Sum(c, &SwimStats::deaths), 0u);  // left, not died
  // After the reap delay it is forgotten altogether.
  c.RunFor(2 * kMinute);
  EXPECT_EQ(c.node(0).Records().size(), 4u);
}

TEST(SwimSim, PartitionThenHeal) {
  SimOptions so;
  so.udp_loss = 0.05;
  SimCluster c(so, SwimOptions{});
  Grow(c, 7);
  ASSERT_GE(c.RunUntil([&] { return c.Converged(All(7)); }, kMinute), 0);
  c.Partition({{0, 1, 2, 3}, {4, 5, 6}});
  // Each side sees the other side dead.
  ASSERT_GE(c.RunUntil([&] { return c.Converged({0, 1, 2, 3}) && c.Converged({4, 5, 6}); },
                       kMinute), 0) << c.Describe();
  c.Heal();
  int64_t t = c.RunUntil([&] { return c.Converged(All(7)); }, 2 * kMinute);
  ASSERT_GE(t, 0) << c.Describe();
  std::printf("[ report ] 7 nodes: partition 4|3 healed, converged again in %lld ms\n",
              static_cast<long long>(t));
  EXPECT_EQ(c.node(6).table().shards.size(), 7u);
}

// After a heal the minority side still holds the majority members dead (at
// the incarnation they had, since nobody on their side suspected them). That
// stale rumour must not make a majority node mark a peer it never lost touch
// with dead, not even for a moment: only its own unanswered probes may.
TEST(SwimSim, HealDoesNotFailNeverCutPeers) {
  for (uint64_t seed : {1, 2, 3, 4}) {
    SimOptions so;
    so.seed = seed;
    SimCluster c(so, SwimOptions{});
    Grow(c, 5);
    ASSERT_GE(c.RunUntil([&] { return c.Converged(All(5)); }, kMinute), 0);
    const std::vector<int> majority = {0, 1, 2};
    c.Partition({{0, 1, 2}, {3, 4}});
    ASSERT_GE(c.RunUntil([&] { return c.Converged({0, 1, 2}) && c.Converged({3, 4}); },
                         kMinute), 0) << c.Describe();
    c.Heal();
    std::string wrong;
    auto false_death = [&] {
      for (int i : majority) {
        for (const MemberUpdate& r : c.node(i).Records()) {
          for (int j : majority) {
            if (r.id == c.id(j) && r.state == MemberState::kDead) {
              wrong = "node " + std::to_string(i) + " holds node " + std::to_string(j) + " dead";
              return true;
            }
          }
        }
      }
      return c.Converged(All(5));
    };
    ASSERT_GE(c.RunUntil(false_death, 2 * kMinute), 0) << c.Describe();
    EXPECT_EQ(wrong, "") << "seed " << seed << "\n" << c.Describe();
    ASSERT_GE(c.RunUntil([&] { return c.Converged(All(5)); }, kMinute), 0) << c.Describe();
  }
}

// A primary cut off from the majority fences itself before the coordinator
// gives any of its slots to a node that joins the majority side; after the
// heal the fence lifts onto the new table and its old holdings count as stale.
TEST(SwimSim, CutOffPrimaryFencesBeforeItsSlotsMove) {
  SimCluster c(SimOptions{}, SwimOptions{});
  Grow(c, 5);
  ASSERT_GE(c.RunUntil([&] { return c.Converged(All(5)); }, kMinute), 0);
  const uint64_t epoch = c.node(0).table().epoch;
  c.Partition({{0, 1, 2, 3}, {4}});
  ASSERT_GE(c.RunUntil([&] {
    for (const MemberUpdate& r : c.node(0).Records()) {
      if (r.id == c.id(4)) return r.state == MemberState::kDead;
    }
    return false;
  }, kMinute), 0);
  EXPECT_FALSE(c.node(0).fenced());
  int n = c.AddNode({0});
  c.Partition({{0, 1, 2, 3, n}, {4}});
  int64_t fenced_at = -1, moved_at = -1;
  ASSERT_GE(c.RunUntil([&] {
    if (fenced_at < 0 && c.node(4).fenced()) fenced_at = c.now();
    if (c.node(0).table().epoch != epoch) moved_at = c.now();
    return moved_at >= 0;
  }, kMinute), 0) << c.Describe();
  ASSERT_GE(fenced_at, 0) << "the cut-off node never fenced itself";
  EXPECT_LT(fenced_at, moved_at);
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(c.node(i).fenced()) << i;
  c.Heal();
  ASSERT_GE(c.RunUntil([&] { return c.Converged(All(6)) && !c.node(4).fenced(); }, kMinute), 0)
      << c.Describe();
  EXPECT_EQ(c.node(4).ownership_generation(), 1u);
}

// A primary cut off from the other nine nodes (five shards, R=1) fences
// itself by its lease, one window after its last round trip, long before the
// majority declares it dead and promotes its replica; the promotion comes
// a FenceWaitMs() after the death, with the default timings.
TEST(SwimSim, CutOffPrimaryFencesByLeaseBeforeItsReplicaIsPromoted) {
  SwimOptions so;
  so.replicas = 1;
  SimCluster c(SimOptions{}, so);
  Grow(c, 10);
  ASSERT_GE(c.RunUntil([&] { return ShardsSettled(c, 5, 1); }, kMinute), 0) << c.Describe();
  for (int i = 0; i < 10; ++i) c.node(i).SetReplicationStatus(100, false);
  c.RunFor(3000);
  int victim = -1;
  for (int i = 1; i < 10 && victim < 0; ++i) {
    if (ShardOfNode(c.node(0).table(), c.id(i))->primary == c.id(i)) victim = i;
  }
  ASSERT_GE(victim, 0);
  std::vector<int> rest;
  for (int i = 0; i < 10; ++i) {
    if (i != victim) rest.push_back(i);
  }
  const int64_t cut = c.now();
  c.Partition({rest, {victim}});
  int64_t fenced_at = -1, promoted_at = -1;
  ASSERT_GE(c.RunUntil([&] {
    if (fenced_at < 0 && c.node(victim).fenced()) fenced_at = c.now();
    const ShardInfo* s = ShardOfNode(c.node(0).table(), c.id(victim));
    if (s == nullptr || s->primary != c.id(victim)) promoted_at = c.now();
    return promoted_at >= 0;
  }, 2 * kMinute), 0) << c.Describe();
  ASSERT_GE(fenced_at, 0) << "the cut-off primary never fenced itself";
  EXPECT_LT(fenced_at, promoted_at);
  EXPECT_LE(fenced_at - cut, c.node(victim).LeaseWindowMs() + 200);
  std::printf("[ report ] 10 nodes, default timings: cut-off primary fenced after %lld ms, "
              "its replica promoted after %lld ms\n",
              static_cast<long long>(fenced_at - cut), static_cast<long long>(promoted_at - cut));
}

TEST(SwimSim, CoordinatorDeathHandsOverToTheNextOldest) {
  SimCluster c(SimOptions{}, SwimOptions{});
  Grow(c, 5);
  ASSERT_GE(c.RunUntil([&] { return c.Converged(All(5)); }, kMinute), 0);
  ASSERT_EQ(c.node(2).Coordinator(), c.id(0));
  c.Crash(0);
  ASSERT_GE(c.RunUntil([&] { return c.Converged({1, 2, 3, 4}); }, kMinute), 0);
  EXPECT_EQ(c.node(2).Coordinator(), c.id(1));
  // The new coordinator acts: a newcomer gets a shard.
  int n = c.AddNode({3});
  ASSERT_GE(c.RunUntil([&] { return c.Converged({1, 2, 3, 4, n}); }, kMinute), 0)
      << c.Describe();
  EXPECT_EQ(c.node(n).table().author, c.id(1));
  EXPECT_EQ(c.node(n).table().shards.size(), 6u);  // the dead node's shard stays
}

TEST(SwimSim, MinoritySideDoesNotChangeTheTable) {
  SimCluster c(SimOptions{}, SwimOptions{});
  Grow(c, 5);
  ASSERT_GE(c.RunUntil([&] { return c.Converged(All(5)); }, kMinute), 0);
  // The coordinator (node 0) ends up in the minority.
  c.Partition({{0, 1}, {2, 3, 4}});
  ASSERT_GE(c.RunUntil([&] { return c.Converged({0, 1}) && c.Converged({2, 3, 4}); }, kMinute),
            0);
  uint64_t epoch = c.node(0).table().epoch;
  int n = c.AddNode({0});  // joins the minority side
  c.Partition({{0, 1, n}, {2, 3, 4}});
  c.RunFor(20'000);
  EXPECT_EQ(c.node(0).table().epoch, epoch);
  EXPECT_EQ(ShardOfNode(c.node(n).table(), c.id(n)), nullptr);
  // The majority side has its own coordinator, which could act.
  EXPECT_EQ(c.node(3).Coordinator(), c.id(2));
  c.Heal();
  ASSERT_GE(c.RunUntil([&] { return c.Converged(All(6)); }, 2 * kMinute), 0) << c.Describe();
  EXPECT_NE(ShardOfNode(c.node(4).table(), c.id(n)), nullptr);
}

TEST(SwimSim, RestartedNodeKeepsItsIdAndShard) {
  SimCluster c(SimOptions{}, SwimOptions{});
  Grow(c, 4);
  ASSERT_GE(c.RunUntil([&] { return c.Converged(All(4)); }, kMinute), 0);
  std::string id = c.id(3);
  std::string shard = ShardOfNode(c.node(0).table(), id)->id;
  c.Crash(3);
  ASSERT_GE(c.RunUntil([&] { return c.Converged({0, 1, 2}); }, kMinute), 0);
  c.Restart(3);  // no seeds: it finds the cluster from its nodes file
  EXPECT_EQ(c.id(3), id);
  EXPECT_EQ(c.node(3).id(), id);
  ASSERT_GE(c.RunUntil([&] { return c.Converged(All(4)); }, kMinute), 0) << c.Describe();
  EXPECT_EQ(ShardOfNode(c.node(1).table(), id)->id, shard);
  EXPECT_EQ(c.node(1).table().shards.size(), 4u);
}

// With replicas: a primary that restarts before anyone declared it dead
// comes back empty. It must not serve (nor feed its replicas) but hand its
// shard to its synced replica and become that replica's replica.
TEST(SwimSim, RestartedPrimaryStepsDownToItsSyncedReplica) {
  SwimOptions so;
  so.replicas = 1;
  SimCluster c(SimOptions{}, so);
  Grow(c, 4);
  auto settled = [&] { return ShardsSettled(c, 2, 1); };
  ASSERT_GE(c.RunUntil(settled, kMinute), 0) << c.Describe();
  // Every replica completed a sync (as ShardRoleKeeper would report).
  const ShardTable& t = c.node(0).table();
  int primary = -1, replica = -1;
  for (int i = 0; i < 4; ++i) {
    const ShardInfo* s = ShardOfNode(t, c.id(i));
    ASSERT_NE(s, nullptr);
    if (s->primary != c.id(i)) c.node(i).SetReplicationStatus(500, false);
  }
  for (int i = 1; i < 4 && primary < 0; ++i) {
    const ShardInfo* s = ShardOfNode(t, c.id(i));
    if (s->primary == c.id(i)) primary = i;
  }
  ASSERT_GE(primary, 0);
  const ShardInfo* shard = ShardOfNode(t, c.id(primary));
  const std::string shard_id = shard->id;
  for (int i = 0; i < 4; ++i) {
    if (c.id(i) == shard->replicas[0]) replica = i;
  }
  c.RunFor(2000);  // the offsets reach everyone
  c.Crash(primary);
  c.RunFor(300);   // back long before a suspicion could end in a death
  c.Restart(primary);
  EXPECT_TRUE(c.node(primary).stepping_down());
  auto handed_over = [&] {
    if (!settled()) return false;
    const ShardInfo* s = ShardOfNode(c.node(0).table(), c.id(primary));
    return s != nullptr && s->id == shard_id && s->primary == c.id(replica) &&
           s->replicas == std::vector<std::string>{c.id(primary)} &&
           !c.node(primary).stepping_down();
  };
  ASSERT_GE(c.RunUntil(handed_over, kMinute), 0) << c.Describe();
  EXPECT_EQ(Sum(c, &SwimStats::deaths), 0u);
}

// Without a synced replica there is nobody to hand over to: the restarted
// primary serves its shard (empty) after a few probe intervals.
TEST(SwimSim, RestartedPrimaryWithoutSyncedReplicaServesAgain) {
  SwimOptions so;
  so.replicas = 1;
  SimCluster c(SimOptions{}, so);
  Grow(c, 2);
  ASSERT_GE(c.RunUntil([&] { return ShardsSettled(c, 1, 1); }, kMinute), 0) << c.Describe();
  const int primary = c.node(0).table().shards[0].primary == c.id(0) ? 0 : 1;
  c.Crash(primary);
  c.RunFor(300);
  c.Restart(primary);
  EXPECT_TRUE(c.node(primary).stepping_down());
  ASSERT_GE(c.RunUntil([&] { return !c.node(primary).stepping_down(); }, kMinute), 0);
  EXPECT_EQ(c.node(primary).table().shards[0].primary, c.id(primary));
}

TEST(SwimSim, WholeClusterRestart) {
  SimCluster c(SimOptions{}, SwimOptions{});
  Grow(c, 4);
  ASSERT_GE(c.RunUntil([&] { return c.Converged(All(4)); }, kMinute), 0);
  ShardTable before = c.node(0).table();
  for (int i = 0; i < 4; ++i) c.Crash(i);
  c.RunFor(1000);
  for (int i = 0; i < 4; ++i) c.Restart(i);
  ASSERT_GE(c.RunUntil([&] { return c.Converged(All(4)); }, kMinute), 0) << c.Describe();
  EXPECT_EQ(TableFingerprint(c.node(2).table()), TableFingerprint(before));
}

TEST(SwimSim, MeetMergesTwoClusters) {
  SimCluster c(SimOptions{}, SwimOptions{});
  c.AddNode({});
  c.AddNode({0});
  c.AddNode({});  // a second, separate cluster
  c.AddNode({2});
  ASSERT_GE(c.RunUntil([&] { return c.Converged({0, 1}) && c.Converged({2, 3}); }, kMinute), 0);
  c.Meet(1, 3);
  ASSERT_GE(c.RunUntil([&] { return c.Converged(All(4)); }, kMinute), 0) << c.Describe();
  EXPECT_EQ(c.node(2).table().shards.size(), 4u);
  EXPECT_EQ(c.node(2).Coordinator(), c.id(0));
}

TEST(SwimSim, ChurnWithLossConverges) {
  SimOptions so;
  so.udp_loss = 0.05;
  so.seed = 9;
  SimCluster c(so, SwimOptions{});
  Grow(c, 6);
  c.RunFor(3000);
  c.Crash(2);
  c.AddNode({1});
  c.Leave(4);
  c.RunFor(2000);
  c.AddNode({5, 3});  // its first seed dies at once; the second one lets it in
  c.Crash(5);
  c.RunFor(5000);
  c.Restart(2);
  std::set<int> alive = {0, 1, 2, 3, 6, 7};
  ASSERT_GE(c.RunUntil([&] { return c.Converged(alive); }, 2 * kMinute), 0) << c.Describe();
  EXPECT_EQ(c.node(7).table().shards.size(), 7u);  // 4 retired, 5 kept while dead
}

TEST(SwimSim, GarbageAndForgedMessagesAreDroppedAndCounted) {
  SimOptions so;
  so.secret = "cluster-secret";
  SimCluster c(so, SwimOptions{});
  Grow(c, 3);
  ASSERT_GE(c.RunUntil([&] { return c.Converged(All(3)); }, kMinute), 0);
  // Garbage.
  c.Inject(0, "10.9.9.9", "hello");
  c.Inject(0, "10.9.9.9", std::string(5000, '\xff'));
  c.Inject(0, "10.9.9.9", "");
  // A well-formed push-pull announcing an intruder, unsigned and badly signed.
  ClusterRng rng(99);
  BusMessage m;
  m.kind = BusKind::kPushPull;
  m.sender = MemberUpdate{NewNodeId(rng), "10.9.9.9", 7000, 17000, MemberState::kActive, 1, 0};
  m.updates = {m.sender};
  c.Inject(0, "10.9.9.9", EncodeBusMessage(m, ""));
  c.Inject(0, "10.9.9.9", EncodeBusMessage(m, "guessed-secret"));
  // And one claiming a member is dead.
  MemberUpdate lie{c.id(1), c.endpoint(1).ip, 7000, 17000, MemberState::kDead, 1000, 0};
  m.kind = BusKind::kGossip;
  m.updates = {lie};
  c.Inject(0, "10.9.9.9", EncodeBusMessage(m, "guessed-secret"));
  c.RunFor(5000);
  const SwimStats& s = c.node(0).stats();
  EXPECT_EQ(s.dropped_malformed, 3u);
  EXPECT_EQ(s.dropped_bad_auth, 3u);
  EXPECT_EQ(c.node(0).Records().size(), 3u);
  EXPECT_TRUE(c.Converged(All(3))) << c.Describe();
}

TEST(SwimSim, SameSeedSameRun) {
  auto run = [] {
    SimOptions so;
    so.udp_loss = 0.1;
    SimCluster c(so, SwimOptions{});
    Grow(c, 6);
    c.RunFor(20'000);
    c.Crash(1);
    c.RunFor(20'000);
    return c.Describe() + std::to_string(c.node(0).stats().messages_sent);
  };
  EXPECT_EQ(run(), run());
}

// A forged record about this node far above its own incarnation (any value
// up to kBusMaxCounter decodes) is ignored: outbidding it would pin the
// counter near its bound, where the next forgery wraps it.
TEST(SwimBounds, ForgedIncarnationJumpsAreIgnored) {
  ClusterRng rng(11);
  SwimSelf self{NewNodeId(rng), "10.0.0.1", 7000, 17000, 1, 0};
  Membership m(SwimOptions{}, self, "", 1);
  m.Start({}, 0);
  const uint64_t before = m.incarnation();
  BusMessage g;
  g.kind = BusKind::kGossip;
  g.sender = MemberUpdate{NewNodeId(rng), "10.0.0.2", 7001, 17001, MemberState::kActive, 1, 2};
  MemberUpdate forged{self.id, "10.0.0.1", 7000, 17000, MemberState::kDead,
                      before + kBusMaxCounterJump + 1, 1};
  g.updates = {forged};
  m.Receive("10.0.0.2", EncodeBusMessage(g, ""), BusChannel::kUdp, 10);
  EXPECT_EQ(m.incarnation(), before);
  EXPECT_EQ(m.state(), MemberState::kActive);
  // A plausible one (a suspicion at our incarnation) is refuted by one step.
  g.updates = {MemberUpdate{self.id, "10.0.0.1", 7000, 17000, MemberState::kSuspect, before, 1}};
  m.Receive("10.0.0.2", EncodeBusMessage(g, ""), BusChannel::kUdp, 20);
  EXPECT_EQ(m.incarnation(), before + 1);
}

}  // namespace
}  // namespace shoal
