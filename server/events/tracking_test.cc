// Unit tests for the tracking table: what each client is sent, without a
// network (a fake ClientWaker records deliveries).
#include "server/events/tracking.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/dispatch/command.h"

namespace shoal {
namespace {

class RecordingWaker : public ClientWaker {
 public:
  void Wake() override {}
  void Deliver(uint64_t client_id, std::string bytes) override {
    sent[client_id].push_back(std::move(bytes));
  }
  void WakeBlocked(uint64_t) override {}
  std::map<uint64_t, std::vector<std::string>> sent;
};

void NoopHandler(CommandContext&, CmdArgs) {}

class TrackingTest : public ::testing::Test {
 protected:
  ClientSession* NewClient(uint64_t id, int resp = 3) {
    auto s = std::make_unique<ClientSession>();
    s->id = id;
    s->resp.store(resp);
    s->waker = &waker_;
    clients_.Add(s.get());
    sessions_.push_back(std::move(s));
    return sessions_.back().get();
  }
  // A GET of `key` by c.
  void Read(ClientSession* c, std::string_view key) {
    std::vector<std::string_view> args = {"get", key};
    tracking_.RememberKeys(*c, get_, CmdArgs(args));
  }
  std::vector<std::string>& Sent(uint64_t id) { return waker_.sent[id]; }

  RecordingWaker waker_;
  ClientRegistry clients_;
  ClientTracking tracking_{&clients_};
  std::vector<std::unique_ptr<ClientSession>> sessions_;
  CommandSpec get_ = MakeSpec("get", 2, kCmdReadOnly, kOneKey, &NoopHandler, {});
};

TEST_F(TrackingTest, WriteInvalidatesEachReaderOnceAndForgetsTheKey) {
  ClientSession* a = NewClient(1);
  ClientSession* b = NewClient(2);
  tracking_.Enable(a, 0, 0, {});
  tracking_.Enable(b, 0, 0, {});
  Read(a, "k");
  Read(b, "k");
  Read(a, "k");
  EXPECT_EQ(tracking_.stats().keys, 1);
  EXPECT_EQ(tracking_.stats().items, 2);
  tracking_.InvalidateKey("k", 0);
  const std::string msg = InvalidationMessage(3, false, "k", false);
  EXPECT_EQ(msg, ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n");
  EXPECT_EQ(Sent(1), std::vector<std::string>{msg});
  EXPECT_EQ(Sent(2), std::vector<std::string>{msg});
  EXPECT_EQ(tracking_.stats().keys, 0);
  EXPECT_EQ(tracking_.stats().items, 0);
  tracking_.InvalidateKey("k", 0);  // forgotten: nothing more
  EXPECT_EQ(Sent(1).size(), 1u);
}

TEST_F(TrackingTest, NoloopSkipsTheWritersOwnChanges) {
  ClientSession* a = NewClient(1);
  tracking_.Enable(a, 0, kTrackingNoloop, {});
  Read(a, "k");
  tracking_.InvalidateKey("k", 1);
  EXPECT_TRUE(Sent(1).empty());
  Read(a, "k");
  tracking_.InvalidateKey("k", 7);
  EXPECT_EQ(Sent(1).size(), 1u);
}

TEST_F(TrackingTest, EntriesOfClosedClientsAreSkipped) {
  ClientSession* a = NewClient(1);
  tracking_.Enable(a, 0, 0, {});
  Read(a, "k");
  tracking_.Disable(a);
  clients_.Remove(a);
  tracking_.InvalidateKey("k", 0);
  EXPECT_TRUE(waker_.sent.empty());
  EXPECT_EQ(tracking_.stats().keys, 0);
  EXPECT_EQ(tracking_.stats().clients, 0);
}

TEST_F(TrackingTest, WriteDropsKeysLeftByClientsThatStoppedTracking) {
  ClientSession* a = NewClient(1);
  tracking_.Enable(a, 0, 0, {});
  Read(a, "k");
  tracking_.Disable(a);
  EXPECT_FALSE(tracking_.active());
  EXPECT_EQ(tracking_.stats().keys, 1);
  InvalidateChangedKey(&tracking_, 0, "k");
  EXPECT_EQ(tracking_.stats().keys, 0);
  EXPECT_TRUE(waker_.sent.empty());  // a no longer tracks
}

TEST_F(TrackingTest, RedirectToRespTwoSubscriberSendsAPubSubMessage) {
  ClientSession* a = NewClient(1, 2);
  ClientSession* sub = NewClient(2, 2);
  sub->subscriptions.store(1);
  tracking_.Enable(a, 2, 0, {});
  Read(a, "k");
  tracking_.InvalidateKey("k", 0);
  EXPECT_TRUE(Sent(1).empty());
  ASSERT_EQ(Sent(2).size(), 1u);
  EXPECT_EQ(Sent(2)[0], "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$1\r\nk\r\n");
}

TEST_F(TrackingTest, MissingRedirectTargetMarksTheClientBroken) {
  ClientSession* a = NewClient(1, 3);
  ClientSession* gone = NewClient(2, 3);
  tracking_.Enable(a, 2, 0, {});
  clients_.Remove(gone);
  Read(a, "k");
  tracking_.InvalidateKey("k", 0);
  EXPECT_TRUE(a->tracking.load() & kTrackingBrokenRedir);
  ASSERT_EQ(Sent(1).size(), 1u);
  EXPECT_EQ(Sent(1)[0], ">2\r\n$21\r\ntracking-redir-broken\r\n:2\r\n");
}

TEST_F(TrackingTest, OptinTracksOnlyAfterCachingYes) {
  ClientSession* a = NewClient(1);
  tracking_.Enable(a, 0, kTrackingOptin, {});
  Read(a, "x");
  EXPECT_EQ(tracking_.stats().keys, 0);
  a->tracking_caching = true;
  Read(a, "y");
  EXPECT_EQ(tracking_.stats().keys, 1);
}

TEST_F(TrackingTest, BcastMatchesPrefixesWithoutATable) {
  ClientSession* a = NewClient(1);
  ClientSession* b = NewClient(2);
  tracking_.Enable(a, 0, kTrackingBcast, {"user:", "obj"});
  tracking_.Enable(b, 0, kTrackingBcast, {});
  EXPECT_EQ(tracking_.stats().prefixes, 3);  // "user:", "obj", ""
  Read(a, "user:1");
  EXPECT_EQ(tracking_.stats().keys, 0);
  tracking_.InvalidateKey("user:1", 0);
  tracking_.InvalidateKey("other", 0);
  EXPECT_EQ(Sent(1).size(), 1u);
  EXPECT_EQ(Sent(2).size(), 2u);
  tracking_.Disable(a);
  tracking_.Disable(b);
  EXPECT_EQ(tracking_.stats().prefixes, 0);
  tracking_.InvalidateKey("user:1", 0);
  EXPECT_EQ(Sent(1).size(), 1u);
}

TEST_F(TrackingTest, BcastChangesOfACommandGoOutTogetherPerPrefix) {
  ClientSession* a = NewClient(1);
  ClientSession* b = NewClient(2);
  tracking_.Enable(a, 0, kTrackingBcast, {"u:", "o:"});
  tracking_.Enable(b, 0, kTrackingBcast | kTrackingNoloop, {"u:"});
  // What one command by client 2 changes: held until FlushBroadcast.
  tracking_.InvalidateKey("u:2", 2, /*defer=*/true);
  tracking_.InvalidateKey("o:1", 2, /*defer=*/true);
  tracking_.InvalidateKey("u:1", 7, /*defer=*/true);
  tracking_.InvalidateKey("u:2", 2, /*defer=*/true);
  tracking_.InvalidateKey("x", 2, /*defer=*/true);
  EXPECT_TRUE(waker_.sent.empty());
  EXPECT_TRUE(TrackingHooks::BroadcastPending());
  tracking_.FlushBroadcast();
  EXPECT_FALSE(TrackingHooks::BroadcastPending());
  // Prefixes in byte order, each key once, in byte order.
  std::vector<std::string_view> o = {"o:1"};
  std::vector<std::string_view> u = {"u:1", "u:2"};
  std::vector<std::string_view> u_not_mine = {"u:1"};
  EXPECT_EQ(Sent(1), (std::vector<std::string>{InvalidationMessage(3, false, o, false),
                                               InvalidationMessage(3, false, u, false)}));
  EXPECT_EQ(Sent(1)[1], ">2\r\n$10\r\ninvalidate\r\n*2\r\n$3\r\nu:1\r\n$3\r\nu:2\r\n");
  // NOLOOP: client 2's own change of u:2 is left out.
  EXPECT_EQ(Sent(2), std::vector<std::string>{InvalidationMessage(3, false, u_not_mine, false)});
  tracking_.FlushBroadcast();  // nothing left
  EXPECT_EQ(Sent(1).size(), 2u);
}

TEST_F(TrackingTest, DeferredBcastSkipsAClientWhoseKeysWereAllItsOwn) {
  ClientSession* a = NewClient(1);
  tracking_.Enable(a, 0, kTrackingBcast | kTrackingNoloop, {});
  tracking_.InvalidateKey("k", 1, /*defer=*/true);
  tracking_.FlushBroadcast();
  EXPECT_TRUE(Sent(1).empty());
}

TEST_F(TrackingTest, DeferredBcastForAClientThatLeftIsDropped) {
  ClientSession* a = NewClient(1);
  tracking_.Enable(a, 0, kTrackingBcast, {"p"});
  tracking_.InvalidateKey("p1", 0, /*defer=*/true);
  tracking_.Disable(a);
  tracking_.FlushBroadcast();
  EXPECT_TRUE(Sent(1).empty());
  EXPECT_FALSE(TrackingHooks::BroadcastPending());
}

TEST_F(TrackingTest, TableOverTheLimitEvictsAndInvalidates) {
  ClientSession* a = NewClient(1);
  tracking_.Enable(a, 0, 0, {});
  tracking_.set_max_keys(10);
  for (int i = 0; i < 30; ++i) Read(a, "key:" + std::to_string(i));
  // Enforced before each read adds its key: at most one over.
  EXPECT_LE(tracking_.stats().keys, 11);
  EXPECT_EQ(static_cast<int64_t>(Sent(1).size()), 30 - tracking_.stats().keys);
}

TEST_F(TrackingTest, FlushSendsNullToEveryTrackingClientAndEmptiesTheTable) {
  ClientSession* a = NewClient(1);
  ClientSession* b = NewClient(2);
  NewClient(3);  // not tracking
  tracking_.Enable(a, 0, 0, {});
  tracking_.Enable(b, 0, kTrackingBcast, {});
  Read(a, "k");
  tracking_.InvalidateAll();
  const std::string null_msg = ">2\r\n$10\r\ninvalidate\r\n_\r\n";
  EXPECT_EQ(Sent(1), std::vector<std::string>{null_msg});
  EXPECT_EQ(Sent(2), std::vector<std::string>{null_msg});
  EXPECT_TRUE(Sent(3).empty());
  EXPECT_EQ(tracking_.stats().keys, 0);
}

}  // namespace
}  // namespace shoal
