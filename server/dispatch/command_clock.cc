// CommandClock's one-time set-up: whether the TSC can be read directly
// (the kernel's clocksource is "tsc"), and its rate, measured against
// CLOCK_MONOTONIC over a few milliseconds.
#include "server/dispatch/command_clock.h"

#include <fstream>
#include <string>

namespace shoal {
namespace {

constexpr uint64_t kNsPerUsQ32 = (uint64_t{1} << 32) / 1000;  // ns -> us

uint64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(ts.tv_nsec);
}

bool KernelClockIsTsc() {
  std::ifstream f("/sys/devices/system/clocksource/clocksource0/current_clocksource");
  std::string name;
  return f >> name && name == "tsc";
}

}  // namespace

CommandClock::State CommandClock::Measure() {
  State s;
  s.us_per_tick_q32 = kNsPerUsQ32;
#if defined(__x86_64__)
  if (!KernelClockIsTsc()) return s;
  // Ticks over at least 5 ms of CLOCK_MONOTONIC: the error of the two
  // clock reads (tens of ns) is then under 0.01%.
  const uint64_t ns0 = MonotonicNs();
  const uint64_t t0 = __rdtsc();
  uint64_t ns1 = ns0;
  uint64_t t1 = t0;
  while (ns1 - ns0 < 5'000'000) {
    ns1 = MonotonicNs();
    t1 = __rdtsc();
  }
  if (t1 <= t0) return s;
  const double us_per_tick = static_cast<double>(ns1 - ns0) / 1000.0 / static_cast<double>(t1 - t0);
  s.us_per_tick_q32 = static_cast<uint64_t>(us_per_tick * 4294967296.0);
  s.tsc = s.us_per_tick_q32 > 0;
#endif
  return s;
}

}  // namespace shoal
