// LatencyHistogram snapshots and the latency-tracking settings (see
// latency_histogram.h).
#include "server/dispatch/latency_histogram.h"

#include <cstdio>
#include <cstdlib>

namespace shoal {

void HistogramSnapshot::Add(const LatencyHistogram& h) {
  for (int i = 0; i < LatencyBuckets::kCount; ++i) {
    const uint64_t n = h.count(i);
    counts_[i] += n;
    total_ += n;
  }
}

void HistogramSnapshot::Record(int64_t us) {
  ++counts_[LatencyBuckets::IndexOf(LatencyBuckets::NsOf(us))];
  ++total_;
}

int64_t HistogramSnapshot::ValueAtPercentile(double percentile) const {
  const double p = percentile < 100.0 ? percentile : 100.0;
  uint64_t rank = static_cast<uint64_t>(p / 100 * static_cast<double>(total_) + 0.5);
  if (rank == 0) rank = 1;
  uint64_t seen = 0;
  for (int i = 0; i < LatencyBuckets::kCount; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const int64_t v = LatencyBuckets::ValueAt(i);
      return percentile == 0.0 ? LatencyBuckets::LowestEquivalent(v)
                               : LatencyBuckets::HighestEquivalent(v);
    }
  }
  return 0;
}

// HdrHistogram's logarithmic iteration (first bucket 1024 ns, base 2) as
// Redis walks it: each level L reports the count of every bucket up to the
// one starting at L; the walk ends once every count was reported, or at the
// first level whose bucket lies past the histogram's range (2^30 ns: a
// command slower than ~537 ms is counted in "calls" but in no row, as in
// Redis).
std::vector<std::pair<int64_t, uint64_t>> HistogramSnapshot::PowerOfTwoCumulative() const {
  std::vector<std::pair<int64_t, uint64_t>> rows;
  uint64_t cumulative = 0, previous = 0;
  int index = -1;
  for (int64_t level = 1024; cumulative < total_; level *= 2) {
    const int target = LatencyBuckets::IndexOf(level);
    if (target >= LatencyBuckets::kCount) break;
    while (index < target) cumulative += counts_[++index];
    if (cumulative > previous) {
      rows.emplace_back(LatencyBuckets::HighestEquivalent(level) / 1000, cumulative);
    }
    previous = cumulative;
  }
  return rows;
}

LatencyTracking& ProcessLatencyTracking() {
  static LatencyTracking* t = new LatencyTracking();
  return *t;
}

std::vector<double> LatencyTracking::Percentiles() const {
  absl::MutexLock l(&mu_);
  return percentiles_;
}

bool LatencyTracking::SetPercentiles(std::string_view text, std::string* error) {
  std::vector<double> parsed;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    size_t end = text.find(' ', i);
    if (end == std::string_view::npos) end = text.size();
    std::string word(text.substr(i, end - i));
    char* stop = nullptr;
    double v = std::strtod(word.c_str(), &stop);
    if (stop == word.c_str() || *stop != '\0' || v != v) {
      *error = "Invalid latency-tracking-info-percentiles parameters";
      return false;
    }
    if (v < 0.0 || v > 100.0) {
      *error = "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]";
      return false;
    }
    parsed.push_back(v);
    i = end;
  }
  absl::MutexLock l(&mu_);
  percentiles_ = std::move(parsed);
  return true;
}

std::string LatencyTracking::PercentileLabel(double p) {
  char buf[128];
  int n = snprintf(buf, sizeof(buf), "%f", p);
  std::string s(buf, n > 0 ? static_cast<size_t>(n) : 0);
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  return s;
}

std::string LatencyTracking::PercentilesText() const {
  std::string out;
  for (double p : Percentiles()) {
    if (!out.empty()) out += ' ';
    out += PercentileLabel(p);
  }
  return out;
}

}  // namespace shoal
