// LatencyMonitor implementation (see latency_monitor.h).
#include "server/dispatch/latency_monitor.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "base/strings.h"

namespace shoal {

LatencyMonitor& ProcessLatencyMonitor() {
  static LatencyMonitor* m = new LatencyMonitor();
  return *m;
}

void LatencyMonitor::AddSample(std::string_view event, int64_t ms, int64_t unix_s) {
  absl::MutexLock l(&mu_);
  auto it = events_.find(event);
  if (it == events_.end()) it = events_.emplace(std::string(event), Series()).first;
  Series& s = it->second;
  if (ms > s.max_ms) s.max_ms = ms;
  // One sample per second: the largest of that second.
  LatencySample& prev = s.samples[(s.next + kHistoryLen - 1) % kHistoryLen];
  if (prev.unix_s == unix_s) {
    if (ms > prev.ms) prev.ms = ms;
    return;
  }
  s.samples[s.next] = {unix_s, ms};
  s.next = (s.next + 1) % kHistoryLen;
}

std::vector<LatencyLatest> LatencyMonitor::Latest() const {
  absl::MutexLock l(&mu_);
  std::vector<LatencyLatest> out;
  for (const auto& [name, s] : events_) {
    const LatencySample& last = s.samples[(s.next + kHistoryLen - 1) % kHistoryLen];
    out.push_back({name, last.unix_s, last.ms, s.max_ms});
  }
  return out;
}

std::vector<LatencySample> LatencyMonitor::History(std::string_view event) const {
  absl::MutexLock l(&mu_);
  std::vector<LatencySample> out;
  auto it = events_.find(event);
  if (it == events_.end()) return out;
  const Series& s = it->second;
  for (int j = 0; j < kHistoryLen; ++j) {
    const LatencySample& x = s.samples[(s.next + j) % kHistoryLen];
    if (x.unix_s != 0) out.push_back(x);
  }
  return out;
}

int64_t LatencyMonitor::Reset(const std::vector<std::string>& events) {
  absl::MutexLock l(&mu_);
  if (events.empty()) {
    int64_t n = static_cast<int64_t>(events_.size());
    events_.clear();
    return n;
  }
  int64_t n = 0;
  for (const std::string& e : events) n += static_cast<int64_t>(events_.erase(e));
  return n;
}

namespace {

// What the doctor says about one class of event.
const char* AdviceFor(std::string_view event) {
  if (event == "command" || event == "fast-command") {
    return "- Commands ran slower than the threshold: SLOWLOG GET lists them with their "
           "arguments. Commands over large values (KEYS, SMEMBERS, LRANGE 0 -1, HGETALL of "
           "big hashes) are the usual cause; prefer SCAN and its variants.\n";
  }
  if (event == "expire-cycle") {
    return "- The active expiry cycle took long: many keys expire at the same time. "
           "Spreading their TTLs (adding a little jitter) spreads the work.\n";
  }
  if (event == "eviction-cycle" || event == "eviction-del") {
    return "- Eviction took long: a write had to free much memory at once. Raising "
           "maxmemory a little, or storing fewer large values, shortens each cycle.\n";
  }
  return nullptr;
}

}  // namespace

std::string LatencyMonitor::Doctor(int64_t now_unix_s, int64_t slowlog_slower_than_us) const {
  const int64_t threshold = threshold_ms.load(std::memory_order_relaxed);
  absl::MutexLock l(&mu_);
  if (events_.empty()) {
    if (threshold == 0) {
      return "Latency monitoring is disabled on this instance. Use \"CONFIG SET "
             "latency-monitor-threshold <milliseconds>\" to enable it; LATENCY HISTOGRAM and "
             "INFO latencystats report per-command latencies meanwhile.\n";
    }
    return StrCat("No latency spike was observed on this instance (threshold ", threshold,
                  " ms). Nothing to worry about.\n");
  }
  std::string out = "Latency spikes were observed on this instance.\n\n";
  std::string advice;
  int n = 0;
  for (const auto& [name, s] : events_) {
    int64_t count = 0, sum = 0, oldest = 0;
    for (const LatencySample& x : s.samples) {
      if (x.unix_s == 0) continue;
      ++count;
      sum += x.ms;
      if (oldest == 0 || x.unix_s < oldest) oldest = x.unix_s;
    }
    if (count == 0) continue;
    const double avg = static_cast<double>(sum) / count;
    double dev = 0;
    for (const LatencySample& x : s.samples) {
      if (x.unix_s != 0) dev += std::abs(static_cast<double>(x.ms) - avg);
    }
    dev /= count;
    const int64_t span = now_unix_s - oldest > 0 ? now_unix_s - oldest : 1;
    char line[256];
    snprintf(line, sizeof(line),
             "%d. %s: %lld latency spikes (average %lldms, mean deviation %lldms, period "
             "%.2f sec). Worst all time event %lldms.\n",
             ++n, name.c_str(), static_cast<long long>(count), static_cast<long long>(avg),
             static_cast<long long>(dev), static_cast<double>(span) / count,
             static_cast<long long>(s.max_ms));
    out += line;
    const char* a = AdviceFor(name);
    if (a != nullptr && advice.find(a) == std::string::npos) advice += a;
  }
  if ((events_.count("command") || events_.count("fast-command")) &&
      (slowlog_slower_than_us < 0 || slowlog_slower_than_us > threshold * 1000)) {
    advice += StrCat("- The slow log misses some of these commands: it keeps those slower than ",
                     slowlog_slower_than_us,
                     " us. \"CONFIG SET slowlog-log-slower-than ", threshold * 1000,
                     "\" makes it keep every command this monitor counts.\n");
  }
  if (!advice.empty()) StrAppend(&out, "\nAdvice:\n\n", advice);
  return out;
}

std::string RenderLatencyGraph(std::string_view event, const std::vector<LatencySample>& samples,
                               int64_t all_time_max_ms, int64_t now_unix_s) {
  constexpr int kRows = 4;
  int64_t high = samples.front().ms, low = samples.front().ms;
  for (const LatencySample& s : samples) {
    high = std::max(high, s.ms);
    low = std::min(low, s.ms);
  }
  std::string out = StrCat(event, " - high ", high, " ms, low ", low,
                                 " ms (all time high ", all_time_max_ms, " ms)\n");
  out.append(80, '-');
  out += '\n';
  // Each sample's level, 0 .. 2*kRows-1: two per row (the lower half '_',
  // the upper '#'); the high lands on the top, the low on the bottom.
  const double range = high > low ? static_cast<double>(high - low) : 1.0;
  std::vector<int> level;
  std::vector<std::string> ago;
  size_t label_len = 0;
  for (const LatencySample& s : samples) {
    const int l = static_cast<int>((s.ms - low) / range * (2 * kRows));
    level.push_back(std::clamp(l, 0, 2 * kRows - 1));
    const int64_t secs = std::max<int64_t>(0, now_unix_s - s.unix_s);
    std::string a = secs < 60        ? StrCat(secs, "s")
                    : secs < 3600    ? StrCat(secs / 60, "m")
                    : secs < 86400   ? StrCat(secs / 3600, "h")
                                     : StrCat(secs / 86400, "d");
    label_len = std::max(label_len, a.size());
    ago.push_back(std::move(a));
  }
  // Every line is as wide as the graph, blanks included (as redis-server
  // writes it), and a blank line parts the graph from the labels.
  for (int row = kRows - 1; row >= 0; --row) {
    for (int l : level) {
      out += l / 2 == row ? (l % 2 == 0 ? '_' : '#') : l / 2 > row ? '|' : ' ';
    }
    out += '\n';
  }
  out.append(samples.size(), ' ');
  out += '\n';
  for (size_t i = 0; i < label_len; ++i) {
    for (const std::string& a : ago) out += i < a.size() ? a[i] : ' ';
    out += '\n';
  }
  return out;
}

}  // namespace shoal
