// StoreMutex: mutual exclusion, TryLock, and that a waiter is not starved by
// a thread that keeps taking the lock again (store_mutex.h, hand-over mode).
#include "server/store/store_mutex.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace shoal {
namespace {

using Clock = std::chrono::steady_clock;

void BusyFor(std::chrono::microseconds d) {
  const auto until = Clock::now() + d;
  while (Clock::now() < until) {
  }
}

TEST(StoreMutex, TryLockFailsWhileHeld) {
  StoreMutex mu;
  ASSERT_TRUE(mu.TryLock());
  EXPECT_FALSE(mu.TryLock());
  mu.Unlock();
  EXPECT_TRUE(mu.TryLock());
  mu.Unlock();
}

// Threads that hold the lock for different times, so that waiters spin,
// sleep, and some wait long enough to switch the lock to hand-over mode.
TEST(StoreMutex, CountsStayExactUnderContention) {
  StoreMutex mu;
  int64_t count = 0;
  constexpr int kThreads = 4;
  constexpr int kIters = 20'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIters; ++i) {
        mu.Lock();
        ++count;
        if (i % 1000 == t) BusyFor(std::chrono::microseconds(1500));
        mu.Unlock();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(count, int64_t{kThreads} * kIters);
  EXPECT_TRUE(mu.TryLock());  // the word is back to free
  mu.Unlock();
}

// A thread that holds the lock ~1 ms at a time and takes it again at once
// (its lock is free only during its own Unlock) against one that wants it
// now and then. A barging lock wakes the waiter every time and the holder
// has it again before the waiter runs: the waiter can wait for seconds.
// Hand-over mode bounds the wait to about kStarveNs plus a hold.
TEST(StoreMutex, AWaiterIsNotStarvedByAThreadThatRetakesTheLock) {
  StoreMutex mu;
  std::atomic<bool> stop{false};
  std::atomic<bool> holding{false};
  std::thread hog([&] {
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (!stop.load() && Clock::now() < deadline) {
      mu.Lock();
      holding.store(true);
      BusyFor(std::chrono::microseconds(1000));
      mu.Unlock();
    }
  });
  while (!holding.load()) std::this_thread::yield();
  const auto start = Clock::now();
  for (int i = 0; i < 10; ++i) {
    mu.Lock();
    mu.Unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const auto took = Clock::now() - start;
  stop.store(true);
  hog.join();
  // ~10 x (1 ms sleep + up to ~3 ms wait); seconds when starved.
  EXPECT_LT(took, std::chrono::milliseconds(1500));
}

}  // namespace
}  // namespace shoal
