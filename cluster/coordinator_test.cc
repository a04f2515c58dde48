#include "cluster/coordinator.h"

#include <gtest/gtest.h>

#include <map>

namespace shoal {
namespace {

MemberUpdate M(char c, MemberState s, int64_t joined, std::string ip = "10.0.0.1",
               int port = 7000) {
  return MemberUpdate{std::string(40, c), ip, port, port + 10000, s, 1, joined};
}

TEST(Coordinator, OldestActiveMemberTieBrokenById) {
  std::vector<MemberUpdate> ms = {M('b', MemberState::kActive, 10),
                                  M('a', MemberState::kActive, 10),
                                  M('c', MemberState::kActive, 5)};
  EXPECT_EQ(ElectCoordinator(ms), std::string(40, 'c'));
  ms[2].state = MemberState::kDead;  // the next oldest takes over
  EXPECT_EQ(ElectCoordinator(ms), std::string(40, 'a'));
  ms[0].state = ms[1].state = MemberState::kJoining;
  EXPECT_EQ(ElectCoordinator(ms), "");
}

TEST(Coordinator, FirstNodeCreatesItsShard) {
  ClusterRng rng(1);
  std::vector<MemberUpdate> ms = {M('a', MemberState::kActive, 1)};
  auto t = ReconcileShards(ms, ShardTable{}, ms[0].id, rng);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->epoch, 1u);
  EXPECT_EQ(t->author, ms[0].id);
  ASSERT_EQ(t->shards.size(), 1u);
  EXPECT_EQ(t->shards[0].primary, ms[0].id);
  EXPECT_TRUE(IsValidNodeId(t->shards[0].id));
  EXPECT_EQ(t->shards[0].config_epoch, 1u);
  // Nothing more to do: reconciling again changes nothing.
  EXPECT_FALSE(ReconcileShards(ms, *t, ms[0].id, rng));
}

TEST(Coordinator, JoiningMembersWaitActiveOnesGetShards) {
  ClusterRng rng(2);
  std::vector<MemberUpdate> ms = {M('a', MemberState::kActive, 1),
                                  M('b', MemberState::kJoining, 2),
                                  M('c', MemberState::kActive, 3)};
  auto t = ReconcileShards(ms, ShardTable{}, ms[0].id, rng);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->shards.size(), 2u);
  EXPECT_EQ(ShardOfNode(*t, ms[1].id), nullptr);
  EXPECT_TRUE(std::is_sorted(t->shards.begin(), t->shards.end(),
                             [](const ShardInfo& a, const ShardInfo& b) { return a.id < b.id; }));
}

TEST(Coordinator, DeadKeepsItsShardLeavingRetiresIt) {
  ClusterRng rng(3);
  std::vector<MemberUpdate> ms = {M('a', MemberState::kActive, 1, "10.0.0.1"),
                                  M('b', MemberState::kActive, 2, "10.0.0.2"),
                                  M('c', MemberState::kActive, 3, "10.0.0.3")};
  ShardTable t = *ReconcileShards(ms, ShardTable{}, ms[0].id, rng);
  ms[1].state = MemberState::kDead;
  EXPECT_FALSE(ReconcileShards(ms, t, ms[0].id, rng));
  ms[2].state = MemberState::kLeaving;
  auto t2 = ReconcileShards(ms, t, ms[0].id, rng);
  ASSERT_TRUE(t2);
  EXPECT_EQ(t2->epoch, t.epoch + 1);
  // The leaving primary's shard drains first: a migration plan starts.
  ASSERT_EQ(t2->shards.size(), 3u);
  ASSERT_NE(ShardOfNode(*t2, ms[2].id), nullptr);
  EXPECT_EQ(ShardOfNode(*t2, ms[2].id)->phase, ShardPhase::kDraining);
  EXPECT_EQ(t2->migration, t2->epoch);
  // Without a report of its handoff nothing changes.
  EXPECT_FALSE(ReconcileShards(ms, *t2, ms[0].id, rng));
  // Half handed off: the watermark is recorded, the shard still drains.
  ReconcileOptions o;
  o.reports[ms[2].id] = ReplicationReport{-1, false, t2->migration, 8000};
  auto t3 = ReconcileShards(ms, *t2, ms[0].id, rng, o);
  ASSERT_TRUE(t3);
  EXPECT_EQ(ShardOfNode(*t3, ms[2].id)->handoff, 8000);
  EXPECT_EQ(t3->migration, t2->migration);
  // A report under another plan is ignored.
  o.reports[ms[2].id] = ReplicationReport{-1, false, t2->migration + 7, kClusterSlots - 1};
  EXPECT_FALSE(ReconcileShards(ms, *t3, ms[0].id, rng, o));
  // Everything handed off: the shard leaves the table, the plan ends.
  o.reports[ms[2].id] = ReplicationReport{-1, false, t2->migration, kClusterSlots - 1};
  auto t4 = ReconcileShards(ms, *t3, ms[0].id, rng, o);
  ASSERT_TRUE(t4);
  EXPECT_EQ(t4->shards.size(), 2u);
  EXPECT_EQ(t4->migration, 0u);
  EXPECT_EQ(ShardOfNode(*t4, ms[2].id), nullptr);
  EXPECT_NE(ShardOfNode(*t4, ms[1].id), nullptr);
}

TEST(Coordinator, NewShardImportsAndOneMigrationAtATime) {
  ClusterRng rng(13);
  std::vector<MemberUpdate> ms = {M('a', MemberState::kActive, 1, "10.0.0.1"),
                                  M('b', MemberState::kActive, 2, "10.0.0.2")};
  ShardTable t = *ReconcileShards(ms, ShardTable{}, ms[0].id, rng);
  // The first shards of a cluster serve at once.
  ASSERT_EQ(t.shards.size(), 2u);
  for (const ShardInfo& s : t.shards) EXPECT_EQ(s.phase, ShardPhase::kServing);
  EXPECT_EQ(t.migration, 0u);
  // Two joiners: the first gets an importing shard, the second waits.
  ms.push_back(M('c', MemberState::kActive, 3, "10.0.0.3"));
  ms.push_back(M('d', MemberState::kActive, 4, "10.0.0.4"));
  ShardTable t2 = *ReconcileShards(ms, t, ms[0].id, rng);
  ASSERT_EQ(t2.shards.size(), 3u);
  ASSERT_NE(ShardOfNode(t2, ms[2].id), nullptr);
  EXPECT_EQ(ShardOfNode(t2, ms[2].id)->phase, ShardPhase::kImporting);
  EXPECT_EQ(ShardOfNode(t2, ms[3].id), nullptr);
  EXPECT_NE(t2.migration, 0u);
  // The sources report their handoffs complete: c serves, then d imports.
  ReconcileOptions o;
  for (const MemberUpdate& m : ms) {
    o.reports[m.id] = ReplicationReport{-1, false, t2.migration, kClusterSlots - 1};
  }
  ShardTable t3 = *ReconcileShards(ms, t2, ms[0].id, rng, o);
  EXPECT_EQ(ShardOfNode(t3, ms[2].id)->phase, ShardPhase::kServing);
  ShardTable t4 = *ReconcileShards(ms, t3, ms[0].id, rng, o);
  ASSERT_NE(ShardOfNode(t4, ms[3].id), nullptr);
  EXPECT_EQ(ShardOfNode(t4, ms[3].id)->phase, ShardPhase::kImporting);
  // Its primary dies before it imported: the shard retires, the plan ends.
  ms[3].state = MemberState::kDead;
  ShardTable t5 = *ReconcileShards(ms, t4, ms[0].id, rng, o);
  EXPECT_EQ(ShardOfNode(t5, ms[3].id), nullptr);
  EXPECT_EQ(t5.migration, 0u);
}

TEST(Coordinator, RebuiltNodeAtSameAddressReplacesItsDeadSelf) {
  ClusterRng rng(4);
  std::vector<MemberUpdate> ms = {M('a', MemberState::kActive, 1, "10.0.0.1"),
                                  M('b', MemberState::kActive, 2, "10.0.0.2")};
  ShardTable t = *ReconcileShards(ms, ShardTable{}, ms[0].id, rng);
  ms[1].state = MemberState::kDead;
  ms.push_back(M('d', MemberState::kActive, 9, "10.0.0.2"));
  auto t2 = ReconcileShards(ms, t, ms[0].id, rng);
  ASSERT_TRUE(t2);
  EXPECT_EQ(t2->shards.size(), 2u);
  EXPECT_EQ(ShardOfNode(*t2, ms[1].id), nullptr);
  EXPECT_NE(ShardOfNode(*t2, ms[2].id), nullptr);
}

TEST(Coordinator, MajorityOfTheTableNodes) {
  ClusterRng rng(5);
  std::vector<MemberUpdate> ms = {M('a', MemberState::kActive, 1),
                                  M('b', MemberState::kActive, 2),
                                  M('c', MemberState::kActive, 3)};
  ShardTable t = *ReconcileShards(ms, ShardTable{}, ms[0].id, rng);
  EXPECT_TRUE(SeesMajority(t, ms));
  ms[2].state = MemberState::kDead;
  EXPECT_TRUE(SeesMajority(t, ms));  // 2 of 3
  ms[1].state = MemberState::kDead;
  EXPECT_FALSE(SeesMajority(t, ms));  // 1 of 3
  ms[1].state = MemberState::kSuspect;  // suspect still counts as seen
  EXPECT_TRUE(SeesMajority(t, ms));
  EXPECT_TRUE(SeesMajority(ShardTable{}, ms));
}

ReconcileOptions R(int replicas, std::map<std::string, ReplicationReport> reports = {}) {
  ReconcileOptions o;
  o.replicas = replicas;
  o.reports = std::move(reports);
  return o;
}

// Reconciles until nothing changes (as the coordinator does, tick by tick).
ShardTable Settle(const std::vector<MemberUpdate>& ms, ShardTable t, ClusterRng& rng,
                  const ReconcileOptions& o) {
  while (auto n = ReconcileShards(ms, t, ms[0].id, rng, o)) t = *n;
  return t;
}

TEST(Coordinator, JoinersFillReplicasBeforeNewShards) {
  ClusterRng rng(6);
  std::vector<MemberUpdate> ms = {M('a', MemberState::kActive, 1, "10.0.0.1"),
                                  M('b', MemberState::kActive, 2, "10.0.0.2"),
                                  M('c', MemberState::kActive, 3, "10.0.0.3"),
                                  M('d', MemberState::kActive, 4, "10.0.0.4")};
  ShardTable t = Settle(ms, ShardTable{}, rng, R(1));
  ASSERT_EQ(t.shards.size(), 2u);
  for (const ShardInfo& s : t.shards) EXPECT_EQ(s.replicas.size(), 1u);
  // A fifth node: both shards have R replicas, so it gets a shard of its own.
  ms.push_back(M('e', MemberState::kActive, 5, "10.0.0.5"));
  t = Settle(ms, t, rng, R(1));
  EXPECT_EQ(t.shards.size(), 3u);
  // With R = 0 every node is a primary.
  ShardTable t0 = Settle(ms, ShardTable{}, rng, R(0));
  EXPECT_EQ(t0.shards.size(), 5u);
}

TEST(Coordinator, DeadPrimaryReplacedByMostUpToDateSyncedReplica) {
  ClusterRng rng(7);
  std::vector<MemberUpdate> ms = {M('a', MemberState::kActive, 1, "10.0.0.1"),
                                  M('b', MemberState::kActive, 2, "10.0.0.2"),
                                  M('c', MemberState::kActive, 3, "10.0.0.3")};
  ShardTable t = Settle(ms, ShardTable{}, rng, R(2));
  ASSERT_EQ(t.shards.size(), 1u);
  const std::string shard_id = t.shards[0].id;
  EXPECT_EQ(t.shards[0].primary, ms[0].id);
  ms[0].state = MemberState::kDead;
  // Nobody completed a sync: no promotion, the shard waits for its primary.
  EXPECT_FALSE(ReconcileShards(ms, t, ms[1].id, rng, R(2)));
  // c is further ahead than b: c takes over; the shard keeps its id.
  auto next = ReconcileShards(ms, t, ms[1].id, rng,
                              R(2, {{ms[1].id, {100, false}}, {ms[2].id, {250, false}}}));
  ASSERT_TRUE(next);
  ASSERT_EQ(next->shards.size(), 1u);
  EXPECT_EQ(next->shards[0].id, shard_id);
  EXPECT_EQ(next->shards[0].primary, ms[2].id);
  EXPECT_EQ(next->shards[0].replicas, std::vector<std::string>{ms[1].id});
  EXPECT_EQ(next->shards[0].config_epoch, next->epoch);
  // The old primary comes back: it rejoins its shard as a replica.
  ms[0].state = MemberState::kActive;
  ShardTable back = Settle(ms, *next, rng, R(2));
  EXPECT_EQ(back.shards.size(), 1u);
  EXPECT_EQ(back.shards[0].primary, ms[2].id);
  EXPECT_EQ(back.shards[0].replicas.size(), 2u);
}

TEST(Coordinator, LeavingPrimaryHandsOverToItsReplica) {
  ClusterRng rng(8);
  std::vector<MemberUpdate> ms = {M('a', MemberState::kActive, 1, "10.0.0.1"),
                                  M('b', MemberState::kActive, 2, "10.0.0.2")};
  ShardTable t = Settle(ms, ShardTable{}, rng, R(1));
  ASSERT_EQ(t.shards.size(), 1u);
  ms[0].state = MemberState::kLeaving;
  auto next = ReconcileShards(ms, t, ms[1].id, rng, R(1, {{ms[1].id, {7, false}}}));
  ASSERT_TRUE(next);
  ASSERT_EQ(next->shards.size(), 1u);
  EXPECT_EQ(next->shards[0].primary, ms[1].id);
  EXPECT_TRUE(next->shards[0].replicas.empty());
}

TEST(Coordinator, ReplicaAskingForPromotionSwapsWithLivePrimary) {
  ClusterRng rng(9);
  std::vector<MemberUpdate> ms = {M('a', MemberState::kActive, 1, "10.0.0.1"),
                                  M('b', MemberState::kActive, 2, "10.0.0.2")};
  ShardTable t = Settle(ms, ShardTable{}, rng, R(1));
  // Asking without a completed sync does nothing.
  EXPECT_FALSE(ReconcileShards(ms, t, ms[0].id, rng, R(1, {{ms[1].id, {-1, true}}})));
  auto next = ReconcileShards(ms, t, ms[0].id, rng, R(1, {{ms[1].id, {42, true}}}));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->shards[0].primary, ms[1].id);
  EXPECT_EQ(next->shards[0].replicas, std::vector<std::string>{ms[0].id});
}

TEST(Coordinator, RestartedPrimarySwapsWithItsBestSyncedReplica) {
  ClusterRng rng(11);
  std::vector<MemberUpdate> ms = {M('a', MemberState::kActive, 1, "10.0.0.1"),
                                  M('b', MemberState::kActive, 2, "10.0.0.2"),
                                  M('c', MemberState::kActive, 3, "10.0.0.3")};
  ShardTable t = Settle(ms, ShardTable{}, rng, R(2));
  ASSERT_EQ(t.shards.size(), 1u);
  ReplicationReport restarted;
  restarted.steps_down = true;
  // No replica completed a sync: nothing to hand over to.
  EXPECT_FALSE(ReconcileShards(ms, t, ms[0].id, rng, R(2, {{ms[0].id, restarted}})));
  // The replica furthest ahead takes over; the restarted primary becomes a
  // replica (it resyncs from the new primary). The shard keeps its id.
  auto next = ReconcileShards(
      ms, t, ms[0].id, rng,
      R(2, {{ms[0].id, restarted}, {ms[1].id, {100, false}}, {ms[2].id, {90, false}}}));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->shards[0].id, t.shards[0].id);
  EXPECT_EQ(next->shards[0].primary, ms[1].id);
  EXPECT_EQ(next->shards[0].replicas, (std::vector<std::string>{ms[2].id, ms[0].id}));
  EXPECT_EQ(next->shards[0].config_epoch, next->epoch);
}

TEST(Coordinator, DeadReplicaLeavesItsShard) {
  ClusterRng rng(10);
  std::vector<MemberUpdate> ms = {M('a', MemberState::kActive, 1, "10.0.0.1"),
                                  M('b', MemberState::kActive, 2, "10.0.0.2")};
  ShardTable t = Settle(ms, ShardTable{}, rng, R(1));
  ms[1].state = MemberState::kSuspect;  // a suspect stays
  EXPECT_FALSE(ReconcileShards(ms, t, ms[0].id, rng, R(1)));
  ms[1].state = MemberState::kDead;
  auto next = ReconcileShards(ms, t, ms[0].id, rng, R(1));
  ASSERT_TRUE(next);
  EXPECT_TRUE(next->shards[0].replicas.empty());
}

}  // namespace
}  // namespace shoal
