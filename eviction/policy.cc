// EvictionPolicy's default introspection: decode the clock (or LFU time).
#include "eviction/policy.h"

#include "eviction/meta.h"

namespace shoal {

bool EvictionPolicy::IdleTimeMs(uint32_t m, int64_t now_ms, int64_t* idle_ms) const {
  switch (meta::TagOf(m)) {
    case meta::kClock:
      *idle_ms = meta::ClockAgeMs(m, now_ms);
      break;
    case meta::kLfu:  // written under LFU: its last-access minute
      *idle_ms = static_cast<int64_t>(meta::LfuElapsedMinutes(m, now_ms)) * 60000;
      break;
    default:
      *idle_ms = 0;
      break;
  }
  return true;
}

bool EvictionPolicy::Frequency(uint32_t, int64_t, int64_t*) const { return false; }

}  // namespace shoal
