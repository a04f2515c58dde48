// Tests for the per-command latency histograms: bucket edges, percentiles
// and the power-of-two rows, checked against what redis-server 7 replies for
// the same durations.
#include "server/dispatch/latency_histogram.h"

#include <string>
#include <thread>

#include "gtest/gtest.h"

namespace shoal {
namespace {

TEST(LatencyBuckets, MapsMicrosecondsToRedisNanosecondValues) {
  EXPECT_EQ(LatencyBuckets::NsOf(0), 1);  // Redis records at least 1 ns
  EXPECT_EQ(LatencyBuckets::NsOf(1), 1000);
  EXPECT_EQ(LatencyBuckets::NsOf(5'000'000), 1'000'000'000);  // capped at 1 s
}

TEST(LatencyBuckets, EdgesAreHdrHistogramsWithTwoSignificantDigits) {
  // Values below 256 ns have buckets of one; then 128 per power of two.
  EXPECT_EQ(LatencyBuckets::IndexOf(1), 1);
  EXPECT_EQ(LatencyBuckets::IndexOf(255), 255);
  EXPECT_EQ(LatencyBuckets::HighestEquivalent(1000), 1003);
  EXPECT_EQ(LatencyBuckets::HighestEquivalent(2000), 2007);
  EXPECT_EQ(LatencyBuckets::LowestEquivalent(9000), 8960);
  EXPECT_EQ(LatencyBuckets::HighestEquivalent(475000), 475135);
  EXPECT_EQ(LatencyBuckets::HighestEquivalent(1458000), 1458175);
  for (int i = 1; i < LatencyBuckets::kCount; ++i) {
    EXPECT_LT(LatencyBuckets::ValueAt(i - 1), LatencyBuckets::ValueAt(i)) << i;
    EXPECT_EQ(LatencyBuckets::IndexOf(LatencyBuckets::ValueAt(i)), i) << i;
  }
  EXPECT_LT(LatencyBuckets::IndexOf(LatencyBuckets::kMaxNs), LatencyBuckets::kCount);
}

TEST(HistogramSnapshot, PercentilesAreBucketEdgesAsInRedis) {
  HistogramSnapshot h;
  for (int i = 0; i < 3; ++i) h.Record(1);
  h.Record(2);
  // Redis: latency_percentiles_usec_get:p50=1.003,p99=2.007,p99.9=2.007
  EXPECT_EQ(h.ValueAtPercentile(50), 1003);
  EXPECT_EQ(h.ValueAtPercentile(99), 2007);
  EXPECT_EQ(h.ValueAtPercentile(99.9), 2007);
  EXPECT_EQ(h.ValueAtPercentile(100), 2007);
  EXPECT_EQ(h.ValueAtPercentile(0), 1000);  // the lowest equivalent value
  HistogramSnapshot zero;
  zero.Record(0);
  EXPECT_EQ(zero.ValueAtPercentile(50), 1);  // "p50=0.001"
  HistogramSnapshot nine;
  nine.Record(9);
  EXPECT_EQ(nine.ValueAtPercentile(0), 8960);  // "p0=8.960"
}

TEST(HistogramSnapshot, PowerOfTwoRowsMatchLatencyHistogram) {
  // Redis replied for SET with these six calls: 1 1 2 3 16 4 33 5 66 6.
  HistogramSnapshot h;
  for (int64_t us : {0, 2, 2, 10, 20, 40}) h.Record(us);
  std::vector<std::pair<int64_t, uint64_t>> want = {{1, 1}, {2, 3}, {16, 4}, {33, 5}, {66, 6}};
  EXPECT_EQ(h.PowerOfTwoCumulative(), want);
  // Rows go on up the powers of two: 132, 264, 528, 1056 ... us.
  HistogramSnapshot slow;
  slow.Record(1000);
  slow.Record(300'000);
  std::vector<std::pair<int64_t, uint64_t>> want_slow = {{1056, 1}, {541065, 2}};
  EXPECT_EQ(slow.PowerOfTwoCumulative(), want_slow);
  EXPECT_TRUE(HistogramSnapshot().PowerOfTwoCumulative().empty());
}

TEST(HistogramSnapshot, CommandsSlowerThanTheLastRowCountOnlyInCalls) {
  HistogramSnapshot h;
  h.Record(1);
  h.Record(900'000);  // past 2^29 ns: Redis's iteration stops before it
  EXPECT_EQ(h.total(), 2u);
  std::vector<std::pair<int64_t, uint64_t>> want = {{1, 1}};
  EXPECT_EQ(h.PowerOfTwoCumulative(), want);
}

TEST(CommandHistograms, AllocatesOnFirstCallAndMergesWorkers) {
  CommandHistograms a(4), b(4);
  EXPECT_EQ(a.Get(2), nullptr);
  a.Record(2, 1);
  b.Record(2, 1);
  b.Record(2, 2);
  HistogramSnapshot merged;
  merged.Add(*a.Get(2));
  merged.Add(*b.Get(2));
  EXPECT_EQ(merged.total(), 3u);
  EXPECT_EQ(merged.ValueAtPercentile(50), 1003);
  a.ClearAll();
  HistogramSnapshot cleared;
  cleared.Add(*a.Get(2));
  EXPECT_EQ(cleared.total(), 0u);
}

TEST(CommandHistograms, ReadersOnOtherThreadsSeeWholeCounts) {
  CommandHistograms h(1);
  h.Record(0, 1);
  std::thread writer([&] {
    for (int i = 0; i < 100000; ++i) h.Record(0, i % 50);
  });
  for (int i = 0; i < 100; ++i) {
    HistogramSnapshot s;
    s.Add(*h.Get(0));
    EXPECT_GE(s.total(), 1u);
  }
  writer.join();
  HistogramSnapshot s;
  s.Add(*h.Get(0));
  EXPECT_EQ(s.total(), 100001u);
}

TEST(LatencyTracking, ParsesPercentilesAsRedis) {
  LatencyTracking t;
  EXPECT_EQ(t.PercentilesText(), "50 99 99.9");
  std::string error;
  EXPECT_TRUE(t.SetPercentiles("0 50.5 100 99.99 1e1", &error));
  EXPECT_EQ(t.PercentilesText(), "0 50.5 100 99.99 10");
  EXPECT_FALSE(t.SetPercentiles("50 abc", &error));
  EXPECT_EQ(error, "Invalid latency-tracking-info-percentiles parameters");
  EXPECT_FALSE(t.SetPercentiles("101", &error));
  EXPECT_EQ(error, "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]");
  EXPECT_EQ(t.PercentilesText(), "0 50.5 100 99.99 10");  // unchanged by a refusal
  EXPECT_TRUE(t.SetPercentiles("", &error));
  EXPECT_EQ(t.PercentilesText(), "");
  EXPECT_EQ(LatencyTracking::PercentileLabel(99.9), "99.9");
  EXPECT_EQ(LatencyTracking::PercentileLabel(50), "50");
}

}  // namespace
}  // namespace shoal
