#include "cluster/coordinator.h"

#include <gtest/gtest.h>

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
  EXPECT_EQ(t2->shards.size(), 2u);
  EXPECT_EQ(ShardOfNode(*t2, ms[2].id), nullptr);
  EXPECT_NE(ShardOfNode(*t2, ms[1].id), nullptr);
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

}  // namespace
}  // namespace shoal
