// CommandClock: elapsed times in microseconds agree with CLOCK_MONOTONIC,
// whichever source the machine gives (TSC or clock_gettime).
#include "server/dispatch/command_clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace shoal {
namespace {

int64_t SteadyUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

TEST(CommandClockTest, ElapsedMicrosecondsMatchTheMonotonicClock) {
  CommandClock::Now();  // the one-time set-up, outside the intervals
  for (int ms : {2, 20, 60}) {
    // Each CommandClock read is bracketed by two steady_clock reads, so
    // the interval it measured lies between the inner and the outer one
    // (a preemption between the reads only widens the bracket).
    const int64_t outer0 = SteadyUs();
    const uint64_t t0 = CommandClock::Now();
    const int64_t inner0 = SteadyUs();
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    const int64_t inner1 = SteadyUs();
    const uint64_t t1 = CommandClock::Now();
    const int64_t outer1 = SteadyUs();
    const int64_t got = CommandClock::ElapsedUs(t0, t1);
    // 0.2% for the measured tick rate, 2 us for the microsecond roundings.
    EXPECT_GE(got, (inner1 - inner0) * 0.998 - 2) << ms << " ms, tsc=" << CommandClock::UsesTsc();
    EXPECT_LE(got, (outer1 - outer0) * 1.002 + 2) << ms << " ms, tsc=" << CommandClock::UsesTsc();
  }
}

TEST(CommandClockTest, NeverNegativeAndZeroForTheSameReading) {
  const uint64_t a = CommandClock::Now();
  EXPECT_EQ(CommandClock::ElapsedUs(a, a), 0);
  EXPECT_EQ(CommandClock::ElapsedUs(a + 1000000, a), 0);
  uint64_t last = CommandClock::Now();
  for (int i = 0; i < 100000; ++i) {
    const uint64_t now = CommandClock::Now();
    ASSERT_GE(now, last);
    last = now;
  }
}

TEST(CommandClockTest, UsesTheTscWhereTheKernelDoes) {
#if defined(__x86_64__)
  FILE* f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
  char name[64] = {};
  if (f != nullptr) {
    if (fscanf(f, "%63s", name) != 1) name[0] = '\0';
    fclose(f);
  }
  EXPECT_EQ(CommandClock::UsesTsc(), std::string(name) == "tsc");
#else
  EXPECT_FALSE(CommandClock::UsesTsc());
#endif
}

}  // namespace
}  // namespace shoal
