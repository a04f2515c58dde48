// SystemClock: wall-clock time from clock_gettime(CLOCK_REALTIME).
//
// REALTIME, not MONOTONIC, because TTLs are absolute Unix times (EXPIREAT,
// PEXPIRETIME) that clients compare with their own clocks, as in Redis.
// Stateless, so one static instance serves every thread.
#include "server/store/clock.h"

#include <time.h>

namespace shoal {
namespace {
thread_local int64_t tl_frozen_ms = 0;
}  // namespace

ScopedFrozenTime::ScopedFrozenTime(int64_t now_ms) : saved_(tl_frozen_ms) {
  tl_frozen_ms = now_ms;
}
ScopedFrozenTime::~ScopedFrozenTime() { tl_frozen_ms = saved_; }

int64_t SystemClock::NowMs() const {
  if (tl_frozen_ms != 0) return tl_frozen_ms;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

int64_t SystemClock::NowUs() const {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
}

int64_t SystemClock::CoarseNowMs() const {
  if (tl_frozen_ms != 0) return tl_frozen_ms;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

const SystemClock* SystemClock::Get() {
  static const SystemClock clock;
  return &clock;
}

}  // namespace shoal
