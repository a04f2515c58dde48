// LFU arithmetic: see lfu.h.
#include "eviction/lfu.h"

namespace shoal {

uint32_t LfuDecay(uint32_t counter, uint32_t elapsed_minutes, int64_t decay_time) {
  if (decay_time <= 0) return counter;
  const int64_t periods = static_cast<int64_t>(elapsed_minutes) / decay_time;
  return periods >= counter ? 0 : counter - static_cast<uint32_t>(periods);
}

uint32_t LfuLogIncrement(uint32_t counter, int64_t log_factor, uint64_t rnd) {
  if (counter >= 255) return 255;
  const double base = counter > kLfuInitValue ? counter - kLfuInitValue : 0;
  const double p = 1.0 / (base * static_cast<double>(log_factor < 0 ? 0 : log_factor) + 1.0);
  // 53 random bits as a double in [0, 1).
  const double r = static_cast<double>(rnd >> 11) * (1.0 / 9007199254740992.0);
  return r < p ? counter + 1 : counter;
}

}  // namespace shoal
