// LatencyMonitor: Redis's latency monitor (LATENCY LATEST / HISTORY / RESET
// / DOCTOR). Code paths that can stall a worker report how long they took
// under an event name; a duration of at least latency-monitor-threshold
// milliseconds (0 = monitor off) is kept as a sample.
//
// Events reported: "command" and "fast-command" (a command, split by the
// command table's fast flag as Redis splits them), "expire-cycle" (a
// worker's share of the active expiry cycle) and "eviction-cycle" (one
// EnsureMemory run that had to evict).
//
// Each event keeps the last 160 samples, at most one per second (the
// largest), and its all-time maximum, as Redis does. Process-wide like the
// slow log. Reporting costs one relaxed load when nothing crosses the
// threshold; a sample takes a mutex. Thread-safe.
#ifndef SHOAL_SERVER_DISPATCH_LATENCY_MONITOR_H_
#define SHOAL_SERVER_DISPATCH_LATENCY_MONITOR_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace shoal {

struct LatencySample {
  int64_t unix_s = 0;
  int64_t ms = 0;
};

// LATENCY LATEST's row for one event.
struct LatencyLatest {
  std::string event;
  int64_t unix_s = 0;
  int64_t latest_ms = 0;
  int64_t max_ms = 0;
};

class LatencyMonitor {
 public:
  static constexpr int kHistoryLen = 160;

  // latency-monitor-threshold, in milliseconds; 0 disables the monitor.
  std::atomic<int64_t> threshold_ms{0};

  bool ShouldSample(int64_t ms) const {
    const int64_t t = threshold_ms.load(std::memory_order_relaxed);
    return t > 0 && ms >= t;
  }
  // Keeps a sample if `ms` reaches the threshold.
  void AddSampleIfNeeded(std::string_view event, int64_t ms, int64_t unix_s) {
    if (ShouldSample(ms)) AddSample(event, ms, unix_s);
  }
  void AddSample(std::string_view event, int64_t ms, int64_t unix_s);

  std::vector<LatencyLatest> Latest() const;
  // Oldest first; empty for an unknown event.
  std::vector<LatencySample> History(std::string_view event) const;
  // Forgets the named events (all when `events` is empty); returns how many
  // existed.
  int64_t Reset(const std::vector<std::string>& events);
  // LATENCY DOCTOR's report.
  std::string Doctor(int64_t now_unix_s, int64_t slowlog_slower_than_us) const;

 private:
  struct Series {
    LatencySample samples[kHistoryLen];
    int next = 0;
    int64_t max_ms = 0;
  };
  mutable absl::Mutex mu_;
  std::map<std::string, Series, std::less<>> events_ ABSL_GUARDED_BY(mu_);
};

LatencyMonitor& ProcessLatencyMonitor();

// LATENCY GRAPH's text for `event`'s samples (oldest first, at least one):
// a header with the samples' high and low and the event's all-time high, a
// rule, then one column per sample, four rows high, scaled between the low
// and the high ('_' and '#' mark the lower and upper half of a row, '|'
// fills below), and under each column how long ago it was ("15s", "4m",
// "2h", "3d") written downwards; byte for byte what redis-server 7 writes.
std::string RenderLatencyGraph(std::string_view event, const std::vector<LatencySample>& samples,
                               int64_t all_time_max_ms, int64_t now_unix_s);

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_LATENCY_MONITOR_H_
