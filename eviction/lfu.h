// LFU arithmetic, as Redis users know it (OBJECT FREQ, lfu-log-factor,
// lfu-decay-time): an 8-bit logarithmic counter that a new key starts at
// kLfuInitValue, that grows on a hit with probability
// 1 / ((counter - kLfuInitValue) * log_factor + 1) and that loses one step per
// decay_time minutes without access. With the default factor 10 it takes
// about a million hits to reach 255.
#ifndef SHOAL_EVICTION_LFU_H_
#define SHOAL_EVICTION_LFU_H_

#include <cstdint>

namespace shoal {

constexpr uint32_t kLfuInitValue = 5;

// The counter after `elapsed_minutes` without access.
uint32_t LfuDecay(uint32_t counter, uint32_t elapsed_minutes, int64_t decay_time);
// One logarithmic increment; `rnd` is a uniform 64-bit random number.
uint32_t LfuLogIncrement(uint32_t counter, int64_t log_factor, uint64_t rnd);

}  // namespace shoal

#endif  // SHOAL_EVICTION_LFU_H_
