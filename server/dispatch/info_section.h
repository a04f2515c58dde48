// INFO: builds the "# Section\r\nfield:value\r\n" text that INFO replies,
// section by section, from the server state, the store and the process.
//
// Sections and their order follow redis-server 7.2: server, clients, memory,
// persistence, stats, replication, cpu, modules, commandstats, errorstats,
// latencystats, cluster, keyspace. "default" (and no argument) is every
// section but commandstats and latencystats; "all" and "everything" add
// them. Unknown section names are ignored, so INFO nosuch replies an empty
// string, as Redis does.
//
// Shoal is a cache: persistence reports nothing saved and nothing pending
// (loading:0, rdb_changes_since_last_save:0, aof_enabled:0).
//
// Two figures need history that no single INFO call has: the memory peak and
// the instantaneous_* rates. Both live in process-wide, thread-safe state in
// info_section.cc. Rates are sampled lazily by INFO itself; a server that
// calls SampleInstantaneousMetrics() every ~100 ms (its cron) gets Redis's
// "last second or two" rates instead of "since the previous INFO".
//
// Thread-safety: every function here may be called from any worker at any
// time; none takes a stripe lock.
#ifndef SHOAL_SERVER_DISPATCH_INFO_SECTION_H_
#define SHOAL_SERVER_DISPATCH_INFO_SECTION_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "server/dispatch/command.h"
#include "server/dispatch/server_state.h"
#include "server/store/store.h"

namespace shoal {

// Fixed bytes reported on top of the store's own accounting (command table,
// slot directories, buffers of an idle server), so that an empty server does
// not claim to use nothing. Shown as used_memory_startup.
inline constexpr int64_t kUsedMemoryBaseline = 512 * 1024;

// What INFO shows of the cross-worker registries (server/events). The caller
// (INFO's handler, above both layers) counts them, so that dispatch does not
// depend on events.
struct EventCounts {
  int64_t blocked_clients = 0;
  int64_t pubsub_channels = 0;
  int64_t pubsub_patterns = 0;
  int64_t pubsubshard_channels = 0;
  // Client-side caching (server/events/tracking.h).
  int64_t tracking_clients = 0;
  int64_t tracking_total_keys = 0;
  int64_t tracking_total_items = 0;
  int64_t tracking_total_prefixes = 0;
};

// The INFO text for `sections` (the arguments after INFO; empty = default).
std::string BuildInfo(ServerState& server, Store& store, const EventCounts& events,
                      CmdArgs sections);

// used_memory as INFO reports it: store accounting + kUsedMemoryBaseline.
// Also raises the recorded peak.
int64_t ReportedUsedMemory(Store& store);
int64_t PeakUsedMemory();

// Where used_memory goes, as INFO memory and MEMORY STATS report it (Redis's
// definitions): overhead = startup + the slot tables + the eviction policy's
// side structures; dataset = used - overhead; net = used - startup (the
// base of dataset.percentage and bytes-per-key). Sums per-stripe counters
// (Store::MemoryOverheads): no locks.
struct MemoryOverview {
  int64_t used = 0;
  int64_t overhead = 0;
  int64_t dataset = 0;
  int64_t net = 1;
  Store::Overheads detail;
};
MemoryOverview ComputeMemoryOverview(Store& store);
// Resident set size of the process in bytes (/proc/self/statm), 0 if unknown.
int64_t ProcessRssBytes();
// Name of the allocator linked into the process ("libc", "jemalloc", ...).
std::string AllocatorName();

// Records one sample of the cumulative counters (ops, network bytes). Cheap;
// samples closer than 100 ms to the previous one are dropped.
void SampleInstantaneousMetrics(ServerState& server, int64_t now_us);

// The merged latency histogram of one command (CommandSpec::id) across
// workers; false if it has not run since start-up or CONFIG RESETSTAT (Redis
// then lists it nowhere).
bool CommandLatency(ServerState& server, int spec_id, HistogramSnapshot* out);

// CONFIG RESETSTAT: forgets the memory peak and the rate samples.
void ResetInfoHistory();

// Redis's bytesToHuman: 1023 -> "1023B", 1536 -> "1.50K", ... "P".
std::string BytesToHuman(int64_t n);

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_INFO_SECTION_H_
