// Metrics exposition: the server's counters and gauges in Prometheus's text
// format (version 0.0.4), the body of the /metrics endpoint
// (server/net/metrics_http.h; the metric names are listed in docs/metrics.md).
//
// One set of values. /metrics gathers nothing of its own: it reads INFO's
// text, as BuildInfo builds it for the INFO command, and a table here maps
// INFO fields to metric names, types and help texts. Composite fields become
// labelled series (cmdstat_get -> {cmd="get"}, errorstat_ERR -> {code="ERR"},
// db0 -> {db="0"}). So INFO and /metrics cannot disagree, and a counter added
// to INFO is one table row away from /metrics. The one thing INFO shows only
// in part, the per-command latency distribution (percentiles), is read from
// the same per-worker histograms INFO latencystats merges (CommandLatency)
// and folded into a fixed set of `le` buckets.
//
// Invariants of the text: each family has one # HELP and one # TYPE line,
// then all of its samples; counter names end in _total; label values are
// printable ASCII, escaped; a field that is missing or not a number is left
// out, never printed wrong; histogram buckets are cumulative and end with
// le="+Inf" equal to _count.
//
// Thread-safety: as INFO. BuildMetrics may run on any thread (the metrics
// thread) while workers run; it reads counters with relaxed loads and takes
// no stripe lock. The other functions are pure.
#ifndef SHOAL_SERVER_DISPATCH_METRICS_EXPOSITION_H_
#define SHOAL_SERVER_DISPATCH_METRICS_EXPOSITION_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/dispatch/info_section.h"
#include "server/dispatch/latency_histogram.h"
#include "server/dispatch/server_state.h"
#include "server/store/store.h"

namespace shoal {

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// Upper bounds (microseconds) of the command latency histogram buckets; a
// last bucket, le="+Inf", holds everything.
inline constexpr std::array<int64_t, 19> kLatencyBoundsUs = {
    1,    2,    5,      10,     25,     50,      100,     250,     500,      1000,
    2500, 5000, 10'000, 25'000, 50'000, 100'000, 250'000, 500'000, 1'000'000};

// One command's latency distribution in Prometheus's buckets.
struct LatencySeries {
  std::string cmd;
  // Samples at or below each of kLatencyBoundsUs (cumulative).
  std::array<uint64_t, kLatencyBoundsUs.size()> cumulative{};
  uint64_t count = 0;  // every sample: the le="+Inf" bucket
  int64_t sum_us = 0;
};

// Folds a command's merged histogram into kLatencyBoundsUs. Durations are
// recorded in whole microseconds, so up to ~128 us each HDR bucket holds one
// value and the fold is exact. Above, an HDR bucket spans a few (under 1% of
// its value) and counts under the first bound at or above the smallest: a
// command of exactly 1 ms is under le="0.001", one of 1.003 ms may be too.
// The histogram records everything from 1 s up as 1 s, so its top bucket
// (from ~998 ms) counts under +Inf only. The sum takes the middle whole
// microsecond of each HDR bucket: exact up to ~128 us, within 1% above,
// and 1 s for each command of 1 s or more.
LatencySeries FoldLatency(std::string cmd, const HistogramSnapshot& h);

struct MetricsInput {
  // INFO text: "# Section" headers and "field:value" lines (CRLF or LF).
  // Later lines do not override earlier ones for the same field.
  std::string_view info;
  // One per command that has a histogram.
  std::vector<LatencySeries> latency;
  // Databases 0..databases-1 get key gauges even while empty (INFO lists
  // only databases with keys; a series that vanished would go stale, not 0).
  int databases = 0;
};

// The exposition text. Pure.
std::string FormatMetrics(const MetricsInput& input);

// The whole /metrics page: INFO's server, clients, memory, stats,
// replication, cpu, commandstats, errorstats, cluster and keyspace sections,
// then `extra_info` (more field:value lines: CLUSTER INFO's text in cluster
// mode, which lives above dispatch), and every command's latency histogram.
std::string BuildMetrics(ServerState& server, Store& store, const EventCounts& events,
                         std::string_view extra_info);

// The plain (not composite) INFO fields the table expects in every
// standalone primary's INFO, for the test that checks INFO still has them
// (replica-only and CLUSTER INFO fields are left out).
std::vector<std::string_view> MappedInfoFields();

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_METRICS_EXPOSITION_H_
