#include "cluster/nodes_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "cluster/node_id.h"

namespace shoal {
namespace {

NodesFileData Sample() {
  ClusterRng rng(11);
  NodesFileData d;
  d.my_id = NewNodeId(rng);
  d.incarnation = 7;
  d.joined_ms = 1'700'000'000'000;
  MemberUpdate a{NewNodeId(rng), "10.0.0.2", 7001, 17001, MemberState::kActive, 3, 5};
  MemberUpdate b{NewNodeId(rng), "", 7002, 17002, MemberState::kDead, 4, 6};
  d.members = {a, b};
  d.table.epoch = 12;
  d.table.author = d.my_id;
  ShardInfo s1{NewNodeId(rng), d.my_id, {}, 3};
  ShardInfo s2{NewNodeId(rng), a.id, {b.id}, 4};
  d.table.shards = {s1, s2};
  std::sort(d.table.shards.begin(), d.table.shards.end(),
            [](const ShardInfo& x, const ShardInfo& y) { return x.id < y.id; });
  return d;
}

std::string TempPath(const char* name) {
  return std::string(::testing::TempDir()) + "/" + name + std::to_string(::getpid());
}

TEST(NodesFile, FormatThenParseGivesTheSameData) {
  NodesFileData d = Sample();
  absl::StatusOr<NodesFileData> back = ParseNodesFile(FormatNodesFile(d));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, d);
}

TEST(NodesFile, SaveThenLoadAcrossARestart) {
  std::string path = TempPath("nodes.conf");
  NodesFileData d = Sample();
  ASSERT_TRUE(SaveNodesFile(path, d).ok());
  absl::StatusOr<NodesFileData> back = LoadNodesFile(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->my_id, d.my_id);
  EXPECT_EQ(*back, d);
  std::remove(path.c_str());
}

TEST(NodesFile, MissingFileIsNotFound) {
  EXPECT_TRUE(absl::IsNotFound(LoadNodesFile(TempPath("absent")).status()));
}

TEST(NodesFile, RejectsCorruptFiles) {
  EXPECT_FALSE(ParseNodesFile("").ok());
  EXPECT_FALSE(ParseNodesFile("hello\n").ok());
  EXPECT_FALSE(ParseNodesFile("shoal-nodes 1\n").ok());  // no myself
  EXPECT_FALSE(ParseNodesFile("shoal-nodes 1\nmyself xyz 1 2\n").ok());
  std::string good = FormatNodesFile(Sample());
  EXPECT_FALSE(ParseNodesFile(good + "node abc\n").ok());
  EXPECT_FALSE(ParseNodesFile(good + "shard 1 2 3 4\n").ok());
  // Unknown line kinds from newer versions are skipped.
  EXPECT_TRUE(ParseNodesFile(good + "futurething 1 2 3\n").ok());
}

// Found by fuzz/nodes_file_fuzz: a line of spaces read f[0] of an empty
// split (out of bounds), and a shard listed twice was accepted into the
// table, which the bus decoder and the ring assume has unique shard ids.
TEST(NodesFile, LineOfSpacesIsBlank) {
  std::string good = FormatNodesFile(Sample());
  absl::StatusOr<NodesFileData> d = ParseNodesFile("shoal-nodes 1\n   \n" + good.substr(14) + " \n");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(*d, Sample());
}

TEST(NodesFile, RejectsAShardListedTwice) {
  NodesFileData d = Sample();
  std::string text = FormatNodesFile(d);
  size_t shard = text.find("shard ");
  std::string line = text.substr(shard, text.find('\n', shard) + 1 - shard);
  absl::StatusOr<NodesFileData> back = ParseNodesFile(text + line);
  EXPECT_FALSE(back.ok());
  EXPECT_NE(back.status().message().find("twice"), std::string::npos) << back.status();
}

TEST(NodesFileLock, SecondHolderIsRefused) {
  std::string path = TempPath("locked.conf");
  NodesFileLock a, b;
  ASSERT_TRUE(a.Acquire(path).ok());
  EXPECT_FALSE(b.Acquire(path).ok());
  a.Release();
  EXPECT_TRUE(b.Acquire(path).ok());
  b.Release();
  std::remove((path + ".lock").c_str());
}

}  // namespace
}  // namespace shoal
