// CommandClock: the clock that times every command (INFO commandstats'
// usec, SLOWLOG, latency tracking, LATENCY). It is read twice per command.
//
// Where the kernel itself keeps time with the TSC (its clocksource is
// "tsc": invariant and synchronised across CPUs), a read is a bare RDTSC.
// clock_gettime reads the same counter but orders the read behind every
// earlier load, so it waits for the command's outstanding cache misses: at
// 16-deep pipelines those two reads took ~6% of a worker's cycles.
// Elsewhere (another clocksource, another architecture) a read is
// clock_gettime(CLOCK_MONOTONIC).
//
// Invariants: Now() never goes back on one thread; ElapsedUs(a, b) of two
// reads on one thread is b - a in microseconds, within ~0.1% (the tick rate
// is measured once against CLOCK_MONOTONIC), and 0 if b is before a.
#ifndef SHOAL_SERVER_DISPATCH_COMMAND_CLOCK_H_
#define SHOAL_SERVER_DISPATCH_COMMAND_CLOCK_H_

#include <time.h>

#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace shoal {

class CommandClock {
 public:
  // Ticks: TSC cycles, or nanoseconds on the fallback.
  static uint64_t Now() {
#if defined(__x86_64__)
    if (state().tsc) return __rdtsc();
#endif
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(ts.tv_nsec);
  }

  static int64_t ElapsedUs(uint64_t from, uint64_t to) {
    if (to <= from) return 0;
    const unsigned __int128 t = static_cast<unsigned __int128>(to - from) * state().us_per_tick_q32;
    return static_cast<int64_t>(t >> 32);
  }

  // Whether reads use the TSC (for tests and the log).
  static bool UsesTsc() { return state().tsc; }

 private:
  struct State {
    bool tsc = false;
    uint64_t us_per_tick_q32 = 0;  // microseconds per tick, 32.32 fixed point
  };
  static const State& state() {
    static const State s = Measure();
    return s;
  }
  static State Measure();
};

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_COMMAND_CLOCK_H_
