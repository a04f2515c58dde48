#include "cluster/node_id.h"

#include <gtest/gtest.h>

#include "cluster/transmit_queue.h"

namespace shoal {
namespace {

TEST(NodeId, FortyHexCharactersAndRandom) {
  ClusterRng rng(1);
  std::string a = NewNodeId(rng), b = NewNodeId(rng);
  EXPECT_TRUE(IsValidNodeId(a));
  EXPECT_NE(a, b);
  EXPECT_FALSE(IsValidNodeId(a.substr(1)));
  EXPECT_FALSE(IsValidNodeId(std::string(40, 'A')));  // lower case only
  EXPECT_FALSE(IsValidNodeId(std::string(40, 'g')));
}

TEST(SeedAddress, ParsesHostPortAndOptionalBusPort) {
  auto a = ParseSeedAddress("10.0.0.1:7000");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "10.0.0.1");
  EXPECT_EQ(a->port, 7000);
  EXPECT_EQ(a->bus_port, 17000);
  a = ParseSeedAddress("cache-1.example:6379@16400");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "cache-1.example");
  EXPECT_EQ(a->bus_port, 16400);
  a = ParseSeedAddress("[::1]:7000@17001");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "::1");
  EXPECT_EQ(a->port, 7000);
  EXPECT_EQ(a->bus_port, 17001);
  a = ParseSeedAddress("::1:7000");  // bare IPv6: the last colon splits
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "::1");
}

TEST(SeedAddress, RejectsBadInput) {
  for (const char* bad : {"", "host", "host:", ":7000", "host:0", "host:65536", "host:7x",
                          "host:7000@", "host:7000@70000", "host:60000", "[::1:7000"}) {
    EXPECT_FALSE(ParseSeedAddress(bad).ok()) << bad;
  }
}

TEST(Endpoint, PrintsIpv6InBrackets) {
  EXPECT_EQ((Endpoint{"10.0.0.1", 17000}).ToString(), "10.0.0.1:17000");
  EXPECT_EQ((Endpoint{"::1", 17000}).ToString(), "[::1]:17000");
}

MemberUpdate U(char c, uint64_t inc) {
  return MemberUpdate{std::string(40, c), "10.0.0.1", 7000, 17000, MemberState::kActive, inc, 0};
}

TEST(TransmitQueue, SendsEachUpdateABoundedNumberOfTimesFreshestFirst) {
  TransmitQueue q;
  q.Enqueue(U('a', 1));
  q.Enqueue(U('b', 1));
  auto first = q.Take(10'000, 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].id[0], 'b');  // newest first among equals
  q.Enqueue(U('c', 1));
  auto second = q.Take(EncodedUpdateSize(U('c', 1)), 2);  // room for one: the least sent
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].id[0], 'c');
  EXPECT_EQ(q.Take(10'000, 2).size(), 3u);  // each now sent twice: all leave
  EXPECT_TRUE(q.empty());
  // A newer record about a member replaces the queued one and starts over.
  q.Enqueue(U('d', 1));
  q.Take(10'000, 2);
  q.Enqueue(U('d', 2));
  EXPECT_EQ(q.size(), 1u);
  auto third = q.Take(10'000, 2);
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].incarnation, 2u);
  EXPECT_EQ(q.size(), 1u);  // sent once since the replacement
  q.Take(10'000, 2);
  EXPECT_TRUE(q.empty());
}

}  // namespace
}  // namespace shoal
