// The HyperLogLog family's one setting: hll-sparse-max-bytes, the size a
// sparse HyperLogLog may reach before PFADD/PFMERGE turn it dense (Redis's
// name and default, 3000). server/config.cc binds it to CONFIG GET/SET; the
// family reads it on every write, so a change applies to the next command.
// One value per process (like the eviction settings), read with relaxed
// loads from any worker.
#ifndef SHOAL_SERVER_COMMANDS_HYPERLOGLOG_FAMILY_H_
#define SHOAL_SERVER_COMMANDS_HYPERLOGLOG_FAMILY_H_

#include <atomic>
#include <cstdint>

namespace shoal {

std::atomic<int64_t>& HllSparseMaxBytes();

}  // namespace shoal

#endif  // SHOAL_SERVER_COMMANDS_HYPERLOGLOG_FAMILY_H_
