// Tests of WAIT's waiters in ReplicationManager: one is woken when its
// deadline passes, and a forgotten one (its client was unblocked by CLIENT
// UNBLOCK or went away) is never woken and does not linger.
#include <cstdint>
#include <vector>

#include "gtest/gtest.h"
#include "server/dispatch/client_session.h"
#include "server/dispatch/command_table.h"
#include "server/dispatch/config_registry.h"
#include "server/dispatch/server_state.h"
#include "server/replication/replication.h"
#include "server/store/store.h"

namespace shoal {
namespace {

class RecordingWaker : public ClientWaker {
 public:
  void Wake() override {}
  void Deliver(uint64_t, std::string) override {}
  void WakeBlocked(uint64_t client_id) override { woken.push_back(client_id); }
  std::vector<uint64_t> woken;
};

class WaitersTest : public ::testing::Test {
 protected:
  WaitersTest() : server_(&table_, &rc_, 1, nullptr, nullptr), store_(Options()) {}
  static StoreOptions Options() {
    StoreOptions so;
    so.databases = 1;
    return so;
  }
  CommandTable table_;
  RuntimeConfig rc_;
  ServerState server_;
  Store store_;
};

TEST_F(WaitersTest, PastDeadlineWakesAndForgottenWaiterNeverDoes) {
  ReplicationManager m(&store_, &server_);
  RecordingWaker waker;
  ClientSession a, b;
  a.id = 7;
  b.id = 8;
  a.waker = b.waker = &waker;
  // Deadline 1 ms after the epoch: long passed. No replica: only the
  // deadline can wake them.
  m.AddWaiter(&a, 100, 1, 1);
  m.AddWaiter(&b, 100, 1, 1);
  m.ForgetWaiter(8);
  m.WakeWaiters();
  EXPECT_EQ(waker.woken, std::vector<uint64_t>{7});
  // Woken waiters leave the list: nothing is woken twice.
  m.WakeWaiters();
  EXPECT_EQ(waker.woken, std::vector<uint64_t>{7});
}

TEST_F(WaitersTest, ForgettingAClientWithoutWaiterChangesNothing) {
  ReplicationManager m(&store_, &server_);
  RecordingWaker waker;
  ClientSession a;
  a.id = 3;
  a.waker = &waker;
  m.ForgetWaiter(99);
  m.AddWaiter(&a, 100, 1, 1);
  m.ForgetWaiter(99);
  m.WakeWaiters();
  EXPECT_EQ(waker.woken, std::vector<uint64_t>{3});
}

}  // namespace
}  // namespace shoal
