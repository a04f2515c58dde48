// LatencyHistogram: the per-command latency distribution behind INFO
// latencystats and LATENCY HISTOGRAM, laid out so that both reply exactly
// what redis-server 7.2 replies.
//
// Redis records each command's duration in nanoseconds (its microseconds
// times 1000, at least 1 ns, at most 1 s) in an HdrHistogram with two
// significant digits: 256 sub-buckets in the first power-of-two bucket, then
// 128 per power of two, each twice as wide as the one before (log-linear,
// under 1% relative error). The bucket layout here is the same arithmetic, so
// a percentile is reported as the same bucket edge ("p50=1.003" for 1 us) and
// the power-of-two cumulative view of LATENCY HISTOGRAM has the same rows
// (1, 2, 4, 8, 16, 33, 66, 132 ... us).
//
// Cost and threads: a histogram belongs to one worker and one command. Its
// worker is the only writer: Record is an index computation and one relaxed
// load + store (no lock, no read-modify-write, no allocation). Readers on
// other workers (INFO, LATENCY HISTOGRAM) load the counters relaxed and merge
// them into a HistogramSnapshot; a count may be one command behind, never
// torn. CommandHistograms allocates a command's histogram (24 KB) on that
// command's first call on the worker, so commands never used cost one null
// pointer per worker.
#ifndef SHOAL_SERVER_DISPATCH_LATENCY_HISTOGRAM_H_
#define SHOAL_SERVER_DISPATCH_LATENCY_HISTOGRAM_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace shoal {

// The bucket arithmetic (HdrHistogram, lowest value 1, highest 1e9 ns, two
// significant digits).
struct LatencyBuckets {
  static constexpr int64_t kMinNs = 1;
  static constexpr int64_t kMaxNs = 1'000'000'000;
  static constexpr int kHalfMagnitude = 7;  // 128 sub-buckets per half
  static constexpr int kHalfCount = 1 << kHalfMagnitude;
  static constexpr int kCount = 24 * kHalfCount;  // covers kMaxNs

  // The nanoseconds Redis records for a duration in microseconds.
  static int64_t NsOf(int64_t us) {
    if (us <= 0) return kMinNs;
    return us >= kMaxNs / 1000 ? kMaxNs : us * 1000;
  }
  static int BucketOf(int64_t ns) {
    return 64 - __builtin_clzll(static_cast<uint64_t>(ns) | (2 * kHalfCount - 1)) -
           (kHalfMagnitude + 1);
  }
  static int IndexOf(int64_t ns) {
    const int bucket = BucketOf(ns);
    const int sub = static_cast<int>(ns >> bucket);
    return ((bucket + 1) << kHalfMagnitude) + (sub - kHalfCount);
  }
  static int64_t ValueAt(int index) {
    int bucket = (index >> kHalfMagnitude) - 1;
    int64_t sub = (index & (kHalfCount - 1)) + kHalfCount;
    if (bucket < 0) {
      sub -= kHalfCount;
      bucket = 0;
    }
    return sub << bucket;
  }
  static int64_t LowestEquivalent(int64_t ns) {
    const int bucket = BucketOf(ns);
    return (ns >> bucket) << bucket;
  }
  static int64_t HighestEquivalent(int64_t ns) {
    return LowestEquivalent(ns) + (int64_t{1} << BucketOf(ns)) - 1;
  }
};

// One worker's distribution for one command.
class LatencyHistogram {
 public:
  // Owning worker only.
  void Record(int64_t us) {
    std::atomic<uint64_t>& c = counts_[LatencyBuckets::IndexOf(LatencyBuckets::NsOf(us))];
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  // Any thread (CONFIG RESETSTAT): a Record racing with it may survive.
  void Clear() {
    for (auto& c : counts_) c.store(0, std::memory_order_relaxed);
  }
  uint64_t count(int index) const { return counts_[index].load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> counts_[LatencyBuckets::kCount] = {};
};

// Counts merged from every worker's histogram of one command.
class HistogramSnapshot {
 public:
  HistogramSnapshot() : counts_(LatencyBuckets::kCount, 0) {}
  void Add(const LatencyHistogram& h);
  // Records directly (tests).
  void Record(int64_t us);
  uint64_t total() const { return total_; }
  // The merged count of one bucket (LatencyBuckets::IndexOf).
  uint64_t count(int index) const { return counts_[index]; }
  // hdr_value_at_percentile: the highest value (ns) equivalent to the
  // bucket holding the requested rank (the lowest one for percentile 0).
  int64_t ValueAtPercentile(double percentile) const;
  // LATENCY HISTOGRAM's rows: for each power of two from 1024 ns, (the
  // bucket edge in us, the cumulative count) where the count grew.
  std::vector<std::pair<int64_t, uint64_t>> PowerOfTwoCumulative() const;

 private:
  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
};

// One worker's histograms, by CommandSpec::id. Record on the worker's
// thread; Get, ClearAll from any thread.
class CommandHistograms {
 public:
  explicit CommandHistograms(int command_specs) : by_spec_(command_specs) {}
  ~CommandHistograms() {
    for (auto& p : by_spec_) delete p.load(std::memory_order_relaxed);
  }
  CommandHistograms(const CommandHistograms&) = delete;
  CommandHistograms& operator=(const CommandHistograms&) = delete;

  void Record(int spec_id, int64_t us) {
    LatencyHistogram* h = by_spec_[spec_id].load(std::memory_order_acquire);
    if (__builtin_expect(h == nullptr, 0)) {
      h = new LatencyHistogram();  // once per command per worker
      by_spec_[spec_id].store(h, std::memory_order_release);
    }
    h->Record(us);
  }
  // Null until the command's first call on this worker.
  const LatencyHistogram* Get(int spec_id) const {
    return by_spec_[spec_id].load(std::memory_order_acquire);
  }
  void ClearAll() {
    for (auto& p : by_spec_) {
      if (LatencyHistogram* h = p.load(std::memory_order_acquire)) h->Clear();
    }
  }

 private:
  std::vector<std::atomic<LatencyHistogram*>> by_spec_;
};

// latency-tracking and latency-tracking-info-percentiles: process-wide like
// the slow log. Thread-safe.
class LatencyTracking {
 public:
  std::atomic<bool> enabled{true};

  std::vector<double> Percentiles() const;
  // Parses a space-separated list of numbers in [0, 100]; Redis's error
  // texts on failure (the caller prefixes CONFIG SET's).
  bool SetPercentiles(std::string_view text, std::string* error);
  // As CONFIG GET shows them ("50 99 99.9").
  std::string PercentilesText() const;
  // "p50", "p99.9": Redis prints each with %f and trims trailing zeros.
  static std::string PercentileLabel(double p);

 private:
  mutable absl::Mutex mu_;
  std::vector<double> percentiles_ ABSL_GUARDED_BY(mu_) = {50.0, 99.0, 99.9};
};

LatencyTracking& ProcessLatencyTracking();

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_LATENCY_HISTOGRAM_H_
