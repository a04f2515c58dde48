// Tests for ClusterRouter (routing answers, per-thread view refresh) and the
// CLUSTER text builders, over hand-built views.
#include "cluster/cluster_router.h"

#include <algorithm>
#include <thread>

#include "cluster/cluster_family.h"
#include "cluster/hash_ring.h"
#include "gtest/gtest.h"

namespace shoal {
namespace {

std::string Id(char c) { return std::string(40, c); }

// Three nodes a, b, c, each the primary of its own shard; this node is a.
std::shared_ptr<ClusterView> ThreeNodes() {
  auto v = std::make_shared<ClusterView>();
  v->my_id = Id('a');
  int port = 7001;
  for (char c : {'a', 'b', 'c'}) {
    NodeInfo n;
    n.id = Id(c);
    n.ip = "10.0.0." + std::to_string(port - 7000);
    n.port = port;
    n.bus_port = port + 10000;
    n.state = MemberState::kActive;
    n.myself = c == 'a';
    v->nodes.push_back(n);
    v->table.shards.push_back({Id(static_cast<char>(c + 3)), Id(c), {}, uint64_t(port - 7000)});
    ++port;
  }
  v->table.epoch = 3;
  v->current_epoch = 3;
  v->slot_shard = ComputeSlotMap(v->table, kDefaultVnodes);
  return v;
}

int SlotOwnedBy(const ClusterView& v, int shard) {
  for (int s = 0; s < kClusterSlots; ++s) {
    if (v.slot_shard[s] == shard) return s;
  }
  return -1;
}

CommandSpec GetSpec() {
  CommandSpec s;
  s.name = "get";
  return s;
}

// Publishes v and does the SlotKeeper's part at once: its arrived slots are
// clean (nothing to drop in these tests).
void SetClean(ClusterState* state, std::shared_ptr<ClusterView> v) {
  state->Set(std::move(v));
  for (int slot : state->TakeSlotWork(absl::ZeroDuration()).arrived) state->ClearPending(slot);
}

TEST(ClusterRouter, ArrivedSlotIsRefusedUntilCleanedAndLeftSlotIsQueued) {
  ClusterState state;
  auto v = ThreeNodes();
  state.Set(v);
  ClusterRouter router(&state, nullptr);
  ClientSession client;
  const int mine = SlotOwnedBy(*v, 0);
  EXPECT_TRUE(state.SlotPending(mine));
  EXPECT_EQ(router.Route(mine, GetSpec(), client), std::string(kSlotCleaningError));
  ClusterState::SlotWork w = state.TakeSlotWork(absl::ZeroDuration());
  EXPECT_TRUE(w.departed.empty());
  for (int slot : w.arrived) {
    EXPECT_EQ(v->slot_shard[slot], 0);
    state.ClearPending(slot);
  }
  EXPECT_EQ(router.Route(mine, GetSpec(), client), std::nullopt);
  // This node's shard goes away: its slots leave and are queued, none arrives.
  auto after = std::make_shared<ClusterView>(*v);
  after->table.shards.erase(after->table.shards.begin());
  after->slot_shard = ComputeSlotMap(after->table, kDefaultVnodes);
  state.Set(after);
  w = state.TakeSlotWork(absl::ZeroDuration());
  EXPECT_TRUE(w.arrived.empty());
  EXPECT_EQ(w.departed.size(),
            static_cast<size_t>(std::count(v->slot_shard.begin(), v->slot_shard.end(), 0)));
  EXPECT_FALSE(state.SlotOwned(mine));
}

TEST(ClusterRouter, FencedNodeRefusesEveryKeyedCommand) {
  ClusterState state;
  auto v = ThreeNodes();
  v->fenced = true;
  SetClean(&state, v);
  ClusterRouter router(&state, nullptr);
  ClientSession client;
  EXPECT_EQ(router.Route(SlotOwnedBy(*v, 0), GetSpec(), client),
            std::string("CLUSTERDOWN The cluster is down"));
  EXPECT_EQ(router.Route(SlotOwnedBy(*v, 1), GetSpec(), client),
            std::string("CLUSTERDOWN The cluster is down"));
}

TEST(ClusterRouter, ServesOwnSlotsAndRedirectsOthers) {
  ClusterState state;
  auto v = ThreeNodes();
  SetClean(&state, v);
  ClusterRouter router(&state, nullptr);
  ClientSession client;
  CommandSpec spec = GetSpec();
  EXPECT_EQ(router.Route(SlotOwnedBy(*v, 0), spec, client), std::nullopt);
  int b = SlotOwnedBy(*v, 1);
  EXPECT_EQ(router.Route(b, spec, client), "MOVED " + std::to_string(b) + " 10.0.0.2:7002");
}

TEST(ClusterRouter, NoViewMeansClusterDown) {
  ClusterState state;
  ClusterRouter router(&state, nullptr);
  ClientSession client;
  EXPECT_EQ(router.Route(5, GetSpec(), client), "CLUSTERDOWN Hash slot not served");
}

TEST(ClusterRouter, DeadPrimaryMeansClusterDownSuspectStillRedirects) {
  ClusterState state;
  auto v = ThreeNodes();
  v->nodes[1].state = MemberState::kDead;
  v->nodes[2].state = MemberState::kSuspect;
  SetClean(&state, v);
  ClusterRouter router(&state, nullptr);
  ClientSession client;
  EXPECT_EQ(router.Route(SlotOwnedBy(*v, 1), GetSpec(), client),
            "CLUSTERDOWN Hash slot not served");
  EXPECT_TRUE(router.Route(SlotOwnedBy(*v, 2), GetSpec(), client)->starts_with("MOVED "));
}

TEST(ClusterRouter, RefreshesWhenTheVersionChanges) {
  ClusterState state;
  auto v = ThreeNodes();
  SetClean(&state, v);
  ClusterRouter router(&state, nullptr);
  ClientSession client;
  int b = SlotOwnedBy(*v, 1);
  EXPECT_TRUE(router.Route(b, GetSpec(), client).has_value());
  auto mine = std::make_shared<ClusterView>(*v);
  mine->table.shards[1].primary = Id('a');  // as if a took over b's shard
  SetClean(&state, mine);
  EXPECT_EQ(router.Route(b, GetSpec(), client), std::nullopt);
  // Another thread sees the same current view.
  std::optional<std::string> other;
  std::thread t([&] { other = router.Route(b, GetSpec(), client); });
  t.join();
  EXPECT_EQ(other, std::nullopt);
}

TEST(ClusterRouter, TwoRoutersOnOneThreadDoNotShareTheirCache) {
  ClusterState s1, s2;
  auto v = ThreeNodes();
  SetClean(&s1, v);
  auto w = std::make_shared<ClusterView>(*v);
  w->my_id = Id('b');
  SetClean(&s2, w);
  ClusterRouter r1(&s1, nullptr), r2(&s2, nullptr);
  ClientSession client;
  int b = SlotOwnedBy(*v, 1);
  EXPECT_TRUE(r1.Route(b, GetSpec(), client).has_value());
  EXPECT_EQ(r2.Route(b, GetSpec(), client), std::nullopt);
  EXPECT_TRUE(r1.Route(b, GetSpec(), client).has_value());
}

TEST(ClusterRouter, SlotMapChangedOnlyWhenOwnersChange) {
  auto v = ThreeNodes();
  auto same = std::make_shared<ClusterView>(*v);
  same->nodes[2].state = MemberState::kSuspect;
  EXPECT_FALSE(SlotMapChanged(v.get(), *same));
  EXPECT_TRUE(SlotMapChanged(nullptr, *v));
  auto moved = std::make_shared<ClusterView>(*v);
  moved->table.shards.pop_back();
  moved->slot_shard = ComputeSlotMap(moved->table, kDefaultVnodes);
  EXPECT_TRUE(SlotMapChanged(v.get(), *moved));
}

TEST(ClusterFamily, NodesLinesFollowRedisFormat) {
  auto v = ThreeNodes();
  v->nodes[2].state = MemberState::kDead;
  v->nodes[1].state = MemberState::kSuspect;
  v->nodes[1].ping_sent_ms = 1234;
  v->nodes[1].pong_received_ms = 1200;
  std::string text = ClusterNodesText(*v, "127.0.0.1");
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(text.substr(start, nl - start));
  }
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_TRUE(lines[0].starts_with(Id('a') + " 10.0.0.1:7001@17001 myself,master - 0 0 1 connected "))
      << lines[0];
  EXPECT_TRUE(lines[1].starts_with(Id('b') + " 10.0.0.2:7002@17002 master,fail? - 1234 1200 2 "
                                              "connected "))
      << lines[1];
  EXPECT_TRUE(lines[2].starts_with(Id('c') + " 10.0.0.3:7003@17003 master,fail - 0 0 3 disconnected "))
      << lines[2];
  // Every slot appears exactly once across the lines.
  std::vector<int> seen(kClusterSlots, 0);
  for (const std::string& l : lines) {
    size_t pos = l.find("connected ");
    std::string rest = l.substr(pos + 10);
    size_t p = 0;
    while (p < rest.size()) {
      size_t sp = rest.find(' ', p);
      std::string range = rest.substr(p, sp == std::string::npos ? std::string::npos : sp - p);
      size_t dash = range.find('-');
      int a = std::stoi(range.substr(0, dash));
      int b = dash == std::string::npos ? a : std::stoi(range.substr(dash + 1));
      for (int s = a; s <= b; ++s) ++seen[s];
      if (sp == std::string::npos) break;
      p = sp + 1;
    }
  }
  EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; }));
}

TEST(ClusterFamily, NodesUsesTheLocalAddressWhenNoneWasAnnounced) {
  auto v = ThreeNodes();
  v->nodes[0].ip = "";
  EXPECT_TRUE(ClusterNodesText(*v, "192.168.1.9").starts_with(Id('a') + " 192.168.1.9:7001@17001"));
}

TEST(ClusterFamily, InfoCountsSlotsByPrimaryHealth) {
  auto v = ThreeNodes();
  ClusterBusStats stats;
  stats.sent = {{"ping", 5}, {"pong", 4}};
  stats.total_sent = 9;
  stats.received = {{"ping", 4}};
  stats.total_received = 4;
  std::string ok = ClusterInfoText(*v, stats);
  EXPECT_NE(ok.find("cluster_state:ok\r\n"), std::string::npos);
  EXPECT_NE(ok.find("cluster_slots_assigned:16384\r\ncluster_slots_ok:16384\r\n"),
            std::string::npos);
  EXPECT_NE(ok.find("cluster_known_nodes:3\r\ncluster_size:3\r\n"), std::string::npos);
  EXPECT_NE(ok.find("cluster_my_epoch:1\r\n"), std::string::npos);
  EXPECT_NE(ok.find("cluster_stats_messages_ping_sent:5\r\n"), std::string::npos);
  EXPECT_NE(ok.find("cluster_stats_messages_sent:9\r\n"), std::string::npos);
  EXPECT_NE(ok.find("cluster_stats_messages_received:4\r\n"), std::string::npos);

  v->nodes[1].state = MemberState::kDead;
  v->nodes[2].state = MemberState::kSuspect;
  int b = 0, c = 0;
  for (int16_t s : v->slot_shard) {
    b += s == 1;
    c += s == 2;
  }
  std::string fail = ClusterInfoText(*v, stats);
  EXPECT_NE(fail.find("cluster_state:fail\r\n"), std::string::npos);
  EXPECT_NE(fail.find("cluster_slots_pfail:" + std::to_string(c) + "\r\n"), std::string::npos);
  EXPECT_NE(fail.find("cluster_slots_fail:" + std::to_string(b) + "\r\n"), std::string::npos);
}

}  // namespace
}  // namespace shoal
