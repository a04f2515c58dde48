// Tests for FrequencySketch: counting (conservative, saturating), the
// doorkeeper, halving after the sample period (also by ticks alone), raising
// an estimate, and resizing. Hashes are fixed
// values run through the sketch's own mixing, so every figure is exact and
// deterministic.
#include "eviction/frequency_sketch.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace shoal {
namespace {

uint64_t H(uint64_t i) { return i * 0x9E3779B97F4A7C15ull + 12345; }

FrequencySketchOptions NoDoorkeeper() {
  FrequencySketchOptions o;
  o.doorkeeper_bits_per_key = 0;
  return o;
}

TEST(FrequencySketch, CountsEachKeysRecords) {
  FrequencySketch s(NoDoorkeeper());
  s.EnsureCapacity(1000);
  for (int i = 0; i < 5; ++i) s.Record(H(1));
  for (int i = 0; i < 2; ++i) s.Record(H(2));
  EXPECT_EQ(s.Estimate(H(1)), 5u);
  EXPECT_EQ(s.Estimate(H(2)), 2u);
  EXPECT_EQ(s.Estimate(H(3)), 0u);
}

TEST(FrequencySketch, NeverUnderCountsAmongManyKeys) {
  FrequencySketch s(NoDoorkeeper());
  s.EnsureCapacity(256);
  // 256 keys, key i recorded i % 8 times: a count-min sketch may over-count
  // (collisions), never under-count.
  for (int round = 0; round < 8; ++round) {
    for (uint64_t i = 0; i < 256; ++i) {
      if (static_cast<int>(i % 8) > round) s.Record(H(i));
    }
  }
  int exact = 0;
  for (uint64_t i = 0; i < 256; ++i) {
    EXPECT_GE(s.Estimate(H(i)), i % 8);
    exact += s.Estimate(H(i)) == i % 8;
  }
  EXPECT_GT(exact, 200);  // and mostly exact at 4 counters per key
}

TEST(FrequencySketch, CountersSaturateAtFifteen) {
  FrequencySketch s(NoDoorkeeper());
  s.EnsureCapacity(100);
  for (int i = 0; i < 40; ++i) s.Record(H(7));
  EXPECT_EQ(s.Estimate(H(7)), FrequencySketch::kMaxCount);
}

TEST(FrequencySketch, DoorkeeperTakesTheFirstRecordOfAPeriod) {
  FrequencySketch s;  // doorkeeper on
  s.EnsureCapacity(1000);
  EXPECT_EQ(s.Estimate(H(1)), 0u);
  s.Record(H(1));
  EXPECT_EQ(s.Estimate(H(1)), 1u);  // from the doorkeeper alone
  s.Record(H(1));
  s.Record(H(1));
  EXPECT_EQ(s.Estimate(H(1)), 3u);  // doorkeeper + two counted records
  // Keys seen once never reach the counters: many of them leave a key
  // counted twice still counted twice.
  for (uint64_t i = 100; i < 600; ++i) s.Record(H(i));
  EXPECT_EQ(s.Estimate(H(1)), 3u);
}

TEST(FrequencySketch, HalvesCountersAndClearsDoorkeeperAfterTheSamplePeriod) {
  FrequencySketchOptions o;
  o.sample_factor = 10;
  FrequencySketch s(o);
  s.EnsureCapacity(100);
  ASSERT_EQ(s.capacity(), 128);
  ASSERT_EQ(s.sample_size(), 1280);
  for (int i = 0; i < 13; ++i) s.Record(H(1));  // doorkeeper + 12
  for (int i = 0; i < 7; ++i) s.Record(H(2));   // doorkeeper + 6
  EXPECT_EQ(s.Estimate(H(1)), 13u);
  EXPECT_EQ(s.Estimate(H(2)), 7u);
  EXPECT_EQ(s.halvings(), 0);
  // Fill the period with a key that would not disturb the others' counters.
  for (int64_t n = s.samples(); n < s.sample_size() - 1; ++n) s.Record(H(3));
  EXPECT_EQ(s.halvings(), 0);
  s.Record(H(3));  // the W-th record
  EXPECT_EQ(s.halvings(), 1);
  EXPECT_EQ(s.samples(), 0);
  EXPECT_EQ(s.Estimate(H(1)), 6u);  // 12 / 2, and the doorkeeper forgot it
  EXPECT_EQ(s.Estimate(H(2)), 3u);
  s.Record(H(1));  // back through the doorkeeper first
  EXPECT_EQ(s.Estimate(H(1)), 7u);
}

TEST(FrequencySketch, TickAdvancesThePeriodWithoutCountingAnyKey) {
  FrequencySketchOptions o;
  o.sample_factor = 10;
  FrequencySketch s(o);
  s.EnsureCapacity(100);
  for (int i = 0; i < 5; ++i) s.Record(H(1));  // doorkeeper + 4
  for (int64_t n = s.samples(); n < s.sample_size() - 1; ++n) s.Tick();
  EXPECT_EQ(s.halvings(), 0);
  EXPECT_EQ(s.Estimate(H(1)), 5u);  // ticks counted nothing
  EXPECT_EQ(s.Estimate(H(2)), 0u);
  s.Tick();  // the W-th sample
  EXPECT_EQ(s.halvings(), 1);
  EXPECT_EQ(s.Estimate(H(1)), 2u);  // 4 / 2, and the doorkeeper forgot it
}

TEST(FrequencySketch, RaiseLiftsAnEstimateToTheCountAndNeverLowersIt) {
  FrequencySketch s;  // doorkeeper on
  s.EnsureCapacity(1000);
  s.Raise(H(1), 6);
  EXPECT_EQ(s.Estimate(H(1)), 6u);  // doorkeeper + 5 in the counters
  s.Record(H(1));
  EXPECT_EQ(s.Estimate(H(1)), 7u);  // and it counts on from there
  s.Raise(H(1), 3);
  EXPECT_EQ(s.Estimate(H(1)), 7u);
  s.Raise(H(2), 0);
  EXPECT_EQ(s.Estimate(H(2)), 0u);
  s.Raise(H(3), 40);
  EXPECT_EQ(s.Estimate(H(3)), FrequencySketch::kMaxCount + 1);  // saturated
  FrequencySketch plain(NoDoorkeeper());
  plain.EnsureCapacity(1000);
  plain.Raise(H(1), 6);
  EXPECT_EQ(plain.Estimate(H(1)), 6u);
}

TEST(FrequencySketch, GrowsWithTheKeysAndKeepsItsHistory) {
  FrequencySketch s;
  s.EnsureCapacity(100);
  EXPECT_EQ(s.capacity(), 128);
  const int64_t small_bytes = s.MemoryBytes();
  uint32_t before[200];
  for (uint64_t i = 0; i < 200; ++i) {
    for (uint64_t n = 0; n < i % 6; ++n) s.Record(H(i));
  }
  for (uint64_t i = 0; i < 200; ++i) before[i] = s.Estimate(H(i));
  s.EnsureCapacity(50);  // smaller: no change
  EXPECT_EQ(s.capacity(), 128);
  s.EnsureCapacity(10000);
  EXPECT_EQ(s.capacity(), 16384);
  EXPECT_EQ(s.sample_size(), 10 * s.capacity());
  for (uint64_t i = 0; i < 200; ++i) EXPECT_EQ(s.Estimate(H(i)), before[i]) << i;
  EXPECT_EQ(s.MemoryBytes(), 128 * small_bytes);
  // 4 counters (2 bytes) + 8 doorkeeper bits (1 byte) per key of capacity
  // (the options' defaults; W-TinyLFU chooses its own).
  EXPECT_EQ(s.MemoryBytes(), 3 * s.capacity());
}

}  // namespace
}  // namespace shoal
