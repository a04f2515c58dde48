// ClusterNode on real sockets: nodes on loopback in one process join,
// converge, broadcast, restart with their identity, and shrug off garbage.
#include "cluster/cluster_node.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include "base/strings.h"
#include "cluster/coordinator.h"

namespace shoal {
namespace {

using Clock_ = std::chrono::steady_clock;

// A port free for both TCP and UDP right now.
int FreePort() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    int t = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(t, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    socklen_t len = sizeof(a);
    ::getsockname(t, reinterpret_cast<sockaddr*>(&a), &len);
    int u = ::socket(AF_INET, SOCK_DGRAM, 0);
    bool ok = ::bind(u, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    ::close(t);
    ::close(u);
    if (ok) return ntohs(a.sin_port);
  }
  return 0;
}

struct TestNode {
  ClusterState state;
  std::unique_ptr<ClusterNode> node;
  ClusterOptions opts;
  std::vector<std::string> received;
  std::mutex mu;  // std::mutex: visible to TSan (Debian's abseil is not instrumented)
};

class ClusterNodeTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (auto& n : nodes_) n->node.reset();
    for (const std::string& f : files_) {
      std::remove(f.c_str());
      std::remove((f + ".lock").c_str());
    }
  }

  SwimOptions Fast() {
    SwimOptions s;
    s.probe_interval_ms = 200;
    s.probe_timeout_ms = 100;
    s.gossip_interval_ms = 50;
    s.push_pull_interval_ms = 2000;
    s.join_retry_ms = 200;
    s.reconnect_interval_ms = 500;
    return s;
  }

  // Starts node i (a new one when i == size()) joining through `seeds`.
  TestNode* Add(const std::vector<int>& seeds, const SwimOptions& swim, std::string secret = "") {
    auto n = std::make_unique<TestNode>();
    int port = FreePort();
    n->opts.ip = "127.0.0.1";
    n->opts.port = port;  // client port: only announced here
    n->opts.bus_port = port;
    n->opts.config_file =
        StrCat(::testing::TempDir(), "/shoal-nodes-", ::getpid(), "-", nodes_.size(), ".conf");
    files_.push_back(n->opts.config_file);
    n->opts.swim = swim;
    n->opts.secret = secret;
    n->opts.tick_ms = 10;
    for (int s : seeds) {
      n->opts.seeds.push_back(StrCat("127.0.0.1:", nodes_[s]->opts.port, "@",
                                     nodes_[s]->opts.bus_port));
    }
    Restart(n.get());
    nodes_.push_back(std::move(n));
    return nodes_.back().get();
  }

  void Restart(TestNode* n) {
    n->node = std::make_unique<ClusterNode>(n->opts, &n->state);
    n->node->SetBroadcastHandler([n](std::string_view p) {
      std::lock_guard<std::mutex> l(n->mu);
      n->received.emplace_back(p);
    });
    absl::Status s = n->node->Start();
    ASSERT_TRUE(s.ok()) << s;
  }

  // Every node in `alive` sees exactly them active and every other node it
  // knows dead or leaving, with one table that gives each a shard and no
  // slot migration in progress.
  bool Converged(const std::set<int>& alive) {
    std::shared_ptr<const ClusterView> ref;
    for (int i : alive) {
      auto v = nodes_[i]->state.Get();
      if (!v) return false;
      size_t active = 0;
      for (const NodeInfo& ni : v->nodes) {
        active += ni.state == MemberState::kActive;
        // Everyone else must be known dead or gone, not merely suspected.
        if (ni.state == MemberState::kSuspect || ni.state == MemberState::kJoining) return false;
      }
      if (active != alive.size()) return false;
      for (int j : alive) {
        const NodeInfo* ni = v->FindNode(nodes_[j]->node->my_id());
        if (!ni || ni->state != MemberState::kActive) return false;
        if (!ShardOfNode(v->table, ni->id)) return false;
      }
      if (v->table.migration != 0) return false;  // slots still moving
      if (ref && (ref->table != v->table || ref->slot_shard != v->slot_shard)) return false;
      ref = v;
    }
    return true;
  }

  // Milliseconds until Converged, or -1 after `limit_ms`.
  int64_t WaitConverged(const std::set<int>& alive, int64_t limit_ms) {
    auto start = Clock_::now();
    while (true) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock_::now() - start)
                    .count();
      if (Converged(alive)) return ms;
      if (ms > limit_ms) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  std::vector<std::unique_ptr<TestNode>> nodes_;
  std::vector<std::string> files_;
};

TEST_F(ClusterNodeTest, ThreeNodesOnLoopbackConverge) {
  Add({}, Fast());
  Add({0}, Fast());
  Add({0}, Fast());
  ASSERT_GE(WaitConverged({0, 1, 2}, 10'000), 0);
  auto v = nodes_[1]->state.Get();
  EXPECT_EQ(v->table.shards.size(), 3u);
  EXPECT_EQ(v->coordinator_id, nodes_[0]->node->my_id());
  EXPECT_EQ(v->my_id, nodes_[1]->node->my_id());
  const NodeInfo* me = v->FindNode(v->my_id);
  ASSERT_NE(me, nullptr);
  EXPECT_TRUE(me->myself);
  EXPECT_EQ(me->ip, "127.0.0.1");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ClusterStats s = nodes_[2]->node->stats();
  EXPECT_GT(s.swim.messages_sent, 0u);
  EXPECT_GT(s.swim.messages_received, 0u);
  EXPECT_EQ(s.known_nodes, 3u);
  EXPECT_EQ(s.current_epoch, v->table.epoch);
  EXPECT_EQ(s.my_state, MemberState::kActive);
  EXPECT_TRUE(nodes_[0]->node->stats().coordinator);
}

TEST_F(ClusterNodeTest, TenNodesConvergenceTime) {
  SwimOptions defaults;  // the real defaults: 1 s probes, 200 ms gossip
  Add({}, defaults);
  auto start = Clock_::now();
  for (int i = 1; i < 10; ++i) Add({0}, defaults);
  std::set<int> all;
  for (int i = 0; i < 10; ++i) all.insert(i);
  ASSERT_GE(WaitConverged(all, 30'000), 0);
  auto t = std::chrono::duration_cast<std::chrono::milliseconds>(Clock_::now() - start).count();
  std::printf("[ report ] 10 ClusterNodes on loopback (default timings): from the first join to "
              "every node agreeing, %lld ms\n",
              static_cast<long long>(t));
}

TEST_F(ClusterNodeTest, BroadcastReachesEveryOtherNode) {
  Add({}, Fast());
  Add({0}, Fast());
  Add({1}, Fast());
  ASSERT_GE(WaitConverged({0, 1, 2}, 10'000), 0);
  nodes_[1]->node->Broadcast("hello cluster");
  auto got = [&](int i) {
    std::lock_guard<std::mutex> l(nodes_[i]->mu);
    return nodes_[i]->received;
  };
  for (int tries = 0; tries < 200 && (got(0).empty() || got(2).empty()); ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(got(0), std::vector<std::string>{"hello cluster"});
  EXPECT_EQ(got(2), std::vector<std::string>{"hello cluster"});
  EXPECT_TRUE(got(1).empty());
}

TEST_F(ClusterNodeTest, MeetJoinsTwoSingleNodes) {
  Add({}, Fast());
  Add({}, Fast());
  ASSERT_GE(WaitConverged({0}, 5000), 0);
  ASSERT_GE(WaitConverged({1}, 5000), 0);
  ASSERT_TRUE(nodes_[0]->node->Meet("localhost", nodes_[1]->opts.port,
                                    nodes_[1]->opts.bus_port).ok());
  EXPECT_GE(WaitConverged({0, 1}, 10'000), 0);
  EXPECT_FALSE(nodes_[0]->node->Meet("no.such.host.invalid", 7000).ok());
  EXPECT_FALSE(nodes_[0]->node->Meet("127.0.0.1", 70000).ok());
}

TEST_F(ClusterNodeTest, RestartedNodeKeepsItsIdAndRejoins) {
  Add({}, Fast());
  Add({0}, Fast());
  Add({0}, Fast());
  ASSERT_GE(WaitConverged({0, 1, 2}, 10'000), 0);
  std::string id = nodes_[2]->node->my_id();
  nodes_[2]->node->Stop();
  ASSERT_GE(WaitConverged({0, 1}, 10'000), 0);
  auto v = nodes_[0]->state.Get();
  EXPECT_EQ(v->FindNode(id)->state, MemberState::kDead);
  EXPECT_NE(ShardOfNode(v->table, id), nullptr);  // kept, unserved
  nodes_[2]->opts.seeds.clear();  // it must find the cluster from its nodes file
  Restart(nodes_[2].get());
  EXPECT_EQ(nodes_[2]->node->my_id(), id);
  EXPECT_GE(WaitConverged({0, 1, 2}, 10'000), 0);
}

TEST_F(ClusterNodeTest, GracefulLeaveRetiresTheShard) {
  Add({}, Fast());
  Add({0}, Fast());
  Add({0}, Fast());
  ASSERT_GE(WaitConverged({0, 1, 2}, 10'000), 0);
  std::string id = nodes_[1]->node->my_id();
  nodes_[1]->node->Leave();
  ASSERT_GE(WaitConverged({0, 2}, 10'000), 0);
  auto v = nodes_[2]->state.Get();
  EXPECT_EQ(ShardOfNode(v->table, id), nullptr);
  EXPECT_EQ(v->FindNode(id)->state, MemberState::kLeaving);
}

TEST_F(ClusterNodeTest, GarbageAndWrongSecretsAreDroppedAndCounted) {
  Add({}, Fast(), "secret-1");
  Add({0}, Fast(), "secret-1");
  ASSERT_GE(WaitConverged({0, 1}, 10'000), 0);
  Add({0}, Fast(), "other-secret");  // an outsider: cannot join or poison membership
  // Raw garbage at the bus port, over UDP and TCP.
  int u = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(nodes_[0]->opts.bus_port));
  for (int i = 0; i < 50; ++i) {
    std::string junk = StrCat("SW\x01\x01junk", i);
    ::sendto(u, junk.data(), junk.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  }
  ::close(u);
  int t = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(::connect(t, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  // A frame shorter than a message header: the connection is dropped.
  std::string frame("\x05\x00\x00\x00hello\xff\xff\xff\xff", 13);
  ASSERT_EQ(::write(t, frame.data(), frame.size()), 13);
  // A well-formed header announcing a 5 MB push-pull (above kBusMaxState):
  // refused from the header, before any of the body is buffered.
  int t2 = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(::connect(t2, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  uint32_t big = 5u << 20;
  std::string head(reinterpret_cast<const char*>(&big), 4);
  head += std::string("SW\x02\x05\x00\x00\x00\x00", 8);  // magic, version, push-pull, flags
  head += std::string(reinterpret_cast<const char*>(&big), 4);  // body length
  ASSERT_EQ(::write(t2, head.data(), head.size()), static_cast<ssize_t>(head.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ::close(t);
  ::close(t2);
  ClusterStats s = nodes_[0]->node->stats();
  EXPECT_GE(s.swim.dropped_malformed, 50u);
  EXPECT_GT(s.swim.dropped_bad_auth, 0u);
  EXPECT_EQ(s.transport.tcp_bad_frames, 2u);
  EXPECT_EQ(s.known_nodes, 2u);
  EXPECT_TRUE(Converged({0, 1}));
  EXPECT_EQ(nodes_[2]->node->stats().my_state, MemberState::kJoining);
}

TEST_F(ClusterNodeTest, TwoNodesCannotShareANodesFile) {
  TestNode* a = Add({}, Fast());
  ClusterOptions o = a->opts;
  o.bus_port = FreePort();
  ClusterState st;
  ClusterNode b(o, &st);
  EXPECT_FALSE(b.Start().ok());
}

}  // namespace
}  // namespace shoal
