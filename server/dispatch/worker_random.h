// WorkerRandom<kSalt>: the randomness of HRANDFIELD, SRANDMEMBER/SPOP and
// RANDOMKEY — one SplitMix64 stream per worker thread and per salt, seeded
// from the clock and the worker's index on first use. Not cryptographic; it
// only has to spread. Each family passes its own salt, so the families keep
// separate streams.
#ifndef SHOAL_SERVER_DISPATCH_WORKER_RANDOM_H_
#define SHOAL_SERVER_DISPATCH_WORKER_RANDOM_H_

#include <cstdint>

#include "server/dispatch/command_context.h"

namespace shoal {

template <uint64_t kSalt>
uint64_t WorkerRandom(const CommandContext& ctx) {
  thread_local uint64_t state = 0;
  if (state == 0) {
    state = static_cast<uint64_t>(ctx.store->clock().NowUs()) ^
            (static_cast<uint64_t>(ctx.worker) << 48) ^ kSalt;
  }
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_WORKER_RANDOM_H_
