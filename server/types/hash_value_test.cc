// Unit tests of HashValue: both encodings, the conversion thresholds, cloning,
// memory accounting, the HSCAN cursor and HRANDFIELD sampling.
#include "server/types/hash_value.h"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"

namespace shoal {
namespace {

using Map = std::map<std::string, std::string>;

Map Contents(const HashValue& h) {
  Map m;
  h.ForEach([&](std::string_view f, std::string_view v) {
    EXPECT_TRUE(m.emplace(std::string(f), std::string(v)).second) << "duplicate field " << f;
  });
  return m;
}

std::string Field(int i) { return "field:" + std::to_string(i); }
std::string Val(int i) { return "value-" + std::to_string(i * 7); }

HashLimits Limits(size_t entries, size_t value) {
  HashLimits l;
  l.max_entries = entries;
  l.max_value = value;
  return l;
}

const HashLimits kDefault = Limits(128, 64);
const HashLimits kAlwaysTable = Limits(0, 0);

std::unique_ptr<HashValue> Build(int n, const HashLimits& limits) {
  auto h = std::make_unique<HashValue>();
  for (int i = 0; i < n; ++i) EXPECT_TRUE(h->Set(Field(i), Val(i), limits));
  return h;
}

std::mt19937_64 rng_engine(42);
uint64_t Rng() { return rng_engine(); }

TEST(HashValue, StartsEmptyAndCompact) {
  HashValue h;
  EXPECT_EQ(h.Size(), 0u);
  EXPECT_TRUE(h.is_compact());
  EXPECT_STREQ(h.EncodingName(), "listpack");
  EXPECT_FALSE(h.Contains("a"));
  EXPECT_FALSE(h.Delete("a"));
}

TEST(HashValue, SetGetDeleteInBothEncodings) {
  for (const HashLimits& limits : {kDefault, kAlwaysTable}) {
    HashValue h;
    EXPECT_TRUE(h.Set("a", "1", limits));
    EXPECT_TRUE(h.Set("b", "2", limits));
    EXPECT_FALSE(h.Set("a", "one", limits));  // update: not new
    std::string_view v;
    ASSERT_TRUE(h.Get("a", &v));
    EXPECT_EQ(v, "one");
    ASSERT_TRUE(h.Get("b", &v));
    EXPECT_EQ(v, "2");
    EXPECT_FALSE(h.Get("c", &v));
    EXPECT_EQ(h.Size(), 2u);
    EXPECT_TRUE(h.Delete("a"));
    EXPECT_FALSE(h.Delete("a"));
    EXPECT_FALSE(h.Contains("a"));
    EXPECT_EQ(h.Size(), 1u);
    EXPECT_EQ(Contents(h), (Map{{"b", "2"}}));
  }
}

TEST(HashValue, ValuesGrowAndShrinkInPlaceOrNot) {
  for (const HashLimits& limits : {Limits(128, 1 << 20), kAlwaysTable}) {
    HashValue h;
    h.Set("x", "before", limits);
    h.Set("k", "v", limits);
    h.Set("z", "after", limits);
    for (size_t len : {0, 1, 127, 128, 300, 100000, 5, 6, 0}) {
      const std::string value(len, 'q');
      EXPECT_FALSE(h.Set("k", value, limits));
      std::string_view got;
      ASSERT_TRUE(h.Get("k", &got));
      EXPECT_EQ(got, value);
      EXPECT_EQ(Contents(h), (Map{{"x", "before"}, {"k", value}, {"z", "after"}}));
    }
  }
}

TEST(HashValue, BinarySafeFieldsAndValues) {
  for (const HashLimits& limits : {kDefault, kAlwaysTable}) {
    HashValue h;
    const std::string nul_field("a\0b", 3), nul_value("\0\0", 2);
    EXPECT_TRUE(h.Set(nul_field, nul_value, limits));
    EXPECT_TRUE(h.Set("a", "", limits));
    EXPECT_TRUE(h.Set("", "empty field", limits));
    std::string_view v;
    ASSERT_TRUE(h.Get(nul_field, &v));
    EXPECT_EQ(v, nul_value);
    ASSERT_TRUE(h.Get("", &v));
    EXPECT_EQ(v, "empty field");
    ASSERT_TRUE(h.Get("a", &v));
    EXPECT_EQ(v, "");
    EXPECT_FALSE(h.Contains(std::string_view("a\0", 2)));
    EXPECT_EQ(h.Size(), 3u);
  }
}

TEST(HashValue, ConvertsPastMaxEntries) {
  const HashLimits limits = Limits(4, 64);
  HashValue h;
  for (int i = 0; i < 4; ++i) h.Set(Field(i), Val(i), limits);
  EXPECT_TRUE(h.is_compact()) << "exactly max_entries stays compact";
  EXPECT_FALSE(h.Set(Field(0), "updated", limits));
  EXPECT_TRUE(h.is_compact());
  EXPECT_TRUE(h.Set(Field(4), Val(4), limits));
  EXPECT_FALSE(h.is_compact());
  EXPECT_STREQ(h.EncodingName(), "hashtable");
  Map want;
  for (int i = 0; i < 5; ++i) want[Field(i)] = Val(i);
  want[Field(0)] = "updated";
  EXPECT_EQ(Contents(h), want);
}

TEST(HashValue, ConvertsOnAFieldOrValuePastMaxValue) {
  const HashLimits limits = Limits(128, 8);
  {
    HashValue h;
    h.Set(std::string(8, 'f'), std::string(8, 'v'), limits);
    EXPECT_TRUE(h.is_compact()) << "exactly max_value stays compact";
    h.Set("short", std::string(9, 'v'), limits);
    EXPECT_FALSE(h.is_compact());
    EXPECT_EQ(Contents(h),
              (Map{{std::string(8, 'f'), std::string(8, 'v')}, {"short", std::string(9, 'v')}}));
  }
  {
    HashValue h;
    h.Set("a", "1", limits);
    h.Set(std::string(9, 'f'), "1", limits);
    EXPECT_FALSE(h.is_compact());
    EXPECT_EQ(h.Size(), 2u);
  }
  {
    HashValue h;  // updating an existing field with a long value converts too
    h.Set("a", "1", limits);
    EXPECT_FALSE(h.Set("a", std::string(100, 'x'), limits));
    EXPECT_FALSE(h.is_compact());
    EXPECT_EQ(Contents(h), (Map{{"a", std::string(100, 'x')}}));
  }
}

TEST(HashValue, ZeroLimitsMeanAlwaysATable) {
  HashValue h;
  h.Set("", "", kAlwaysTable);
  EXPECT_FALSE(h.is_compact()) << "more than 0 entries";
  HashValue g;
  g.Set("", "", Limits(1, 0));
  EXPECT_TRUE(g.is_compact()) << "empty strings are not longer than 0";
  g.Set("a", "", Limits(1, 0));
  EXPECT_FALSE(g.is_compact());
}

TEST(HashValue, NeverConvertsBackToCompact) {
  auto h = Build(200, kDefault);
  ASSERT_FALSE(h->is_compact());
  for (int i = 1; i < 200; ++i) ASSERT_TRUE(h->Delete(Field(i)));
  EXPECT_EQ(h->Size(), 1u);
  EXPECT_FALSE(h->is_compact());
  EXPECT_EQ(Contents(*h), (Map{{Field(0), Val(0)}}));
}

TEST(HashValue, LargeTableKeepsEveryPairThroughGrowthAndShrink) {
  auto h = Build(20000, kDefault);
  EXPECT_EQ(h->Size(), 20000u);
  EXPECT_GE(h->bucket_count(), 20000u);
  for (int i = 0; i < 20000; i += 3) {
    std::string_view v;
    ASSERT_TRUE(h->Get(Field(i), &v));
    ASSERT_EQ(v, Val(i));
  }
  const size_t big_buckets = h->bucket_count();
  for (int i = 0; i < 20000; ++i) {
    if (i % 100 != 0) {
      ASSERT_TRUE(h->Delete(Field(i)));
    }
  }
  EXPECT_EQ(h->Size(), 200u);
  EXPECT_LT(h->bucket_count(), big_buckets / 8) << "a sparse table shrinks";
  Map want;
  for (int i = 0; i < 20000; i += 100) want[Field(i)] = Val(i);
  EXPECT_EQ(Contents(*h), want);
}

TEST(HashValue, CloneIsADeepCopyInBothEncodings) {
  for (int n : {5, 500}) {
    auto h = Build(n, kDefault);
    std::unique_ptr<HashValue> c(static_cast<HashValue*>(h->Clone()));
    EXPECT_EQ(c->is_compact(), h->is_compact());
    EXPECT_STREQ(c->EncodingName(), h->EncodingName());
    EXPECT_EQ(c->Size(), h->Size());
    EXPECT_EQ(Contents(*c), Contents(*h));
    EXPECT_EQ(c->MemoryBytes(), h->MemoryBytes());
    // Independent: changing one leaves the other alone.
    c->Set(Field(0), "changed", kDefault);
    c->Delete(Field(1));
    c->Set("new", "x", kDefault);
    std::string_view v;
    ASSERT_TRUE(h->Get(Field(0), &v));
    EXPECT_EQ(v, Val(0));
    EXPECT_TRUE(h->Contains(Field(1)));
    EXPECT_FALSE(h->Contains("new"));
    h.reset();  // the clone outlives the original
    ASSERT_TRUE(c->Get(Field(0), &v));
    EXPECT_EQ(v, "changed");
    EXPECT_EQ(c->Size(), static_cast<size_t>(n));
  }
  HashValue empty;
  std::unique_ptr<CompoundValue> c(empty.Clone());
  EXPECT_EQ(c->Size(), 0u);
}

TEST(HashValue, MemoryBytesFollowsTheContents) {
  HashValue h;
  const size_t empty = h.MemoryBytes();
  EXPECT_EQ(empty, sizeof(HashValue));
  size_t last = empty;
  for (int i = 0; i < 100; ++i) {
    h.Set(Field(i), Val(i), kDefault);
    EXPECT_GE(h.MemoryBytes(), last);
    last = h.MemoryBytes();
  }
  // Compact: about the bytes of the pairs (2 length bytes + data each).
  size_t payload = 0;
  for (int i = 0; i < 100; ++i) payload += Field(i).size() + Val(i).size() + 2;
  EXPECT_GE(h.MemoryBytes(), payload);
  EXPECT_LE(h.MemoryBytes(), sizeof(HashValue) + payload + 64);

  // Deleting gives memory back.
  for (int i = 0; i < 90; ++i) h.Delete(Field(i));
  EXPECT_LT(h.MemoryBytes(), last / 4);

  // A table: the per-field overhead (node header, allocator rounding, bucket
  // pointer) stays well under what a dict entry plus two strings would cost.
  auto t = Build(10000, kDefault);
  size_t table_payload = 0;
  for (int i = 0; i < 10000; ++i) table_payload += Field(i).size() + Val(i).size();
  const size_t overhead = (t->MemoryBytes() - table_payload) / 10000;
  EXPECT_LE(overhead, 48u);
  EXPECT_GE(t->MemoryBytes(), table_payload + 10000 * sizeof(void*) * 2);

  // Growing one value grows the account by about its size; shrinking it back
  // returns to the same figure.
  const size_t before = t->MemoryBytes();
  t->Set(Field(7), std::string(10000, 'x'), kDefault);
  EXPECT_GE(t->MemoryBytes(), before + 10000 - 64);
  t->Set(Field(7), Val(7), kDefault);
  // The allocator may hand out a slightly larger chunk for the same request.
  EXPECT_NEAR(static_cast<double>(t->MemoryBytes()), static_cast<double>(before), 32);
  // Deleting everything but one field frees nodes and shrinks the buckets.
  for (int i = 1; i < 10000; ++i) t->Delete(Field(i));
  EXPECT_LT(t->MemoryBytes(), sizeof(HashValue) + 256);
}

TEST(HashValue, ConversionLeavesNoCompactBufferInTheAccount) {
  // After conversion the account matches that of a table built directly (up
  // to allocator rounding): the compact buffer is freed, not left counted.
  HashValue a;
  for (int i = 0; i < 129; ++i) a.Set(Field(i), Val(i), kDefault);
  ASSERT_FALSE(a.is_compact());
  HashValue b;
  for (int i = 0; i < 129; ++i) b.Set(Field(i), Val(i), kAlwaysTable);
  EXPECT_EQ(a.bucket_count(), b.bucket_count());
  EXPECT_NEAR(static_cast<double>(a.MemoryBytes()), static_cast<double>(b.MemoryBytes()),
              b.MemoryBytes() * 0.01);
}

TEST(HashValue, ScanOfACompactHashIsOneStep) {
  auto h = Build(50, kDefault);
  ASSERT_TRUE(h->is_compact());
  Map seen;
  const uint64_t next = h->Scan(0, 1, [&](std::string_view f, std::string_view v) {
    seen.emplace(std::string(f), std::string(v));
  });
  EXPECT_EQ(next, 0u);
  EXPECT_EQ(seen, Contents(*h));
  // Any cursor: the whole hash again.
  EXPECT_EQ(h->Scan(12345, 1, [](std::string_view, std::string_view) {}), 0u);
}

std::set<std::string> ScanAll(HashValue* h, size_t count,
                              const std::function<void(int step)>& between = nullptr) {
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int step = 0;
  do {
    cursor = h->Scan(cursor, count, [&](std::string_view f, std::string_view) { seen.emplace(f); });
    if (between) between(step++);
  } while (cursor != 0);
  return seen;
}

TEST(HashValue, ScanOfATableVisitsEveryField) {
  auto h = Build(1000, kDefault);
  ASSERT_FALSE(h->is_compact());
  for (size_t count : {1, 10, 100, 5000}) {
    EXPECT_EQ(ScanAll(h.get(), count).size(), 1000u) << "count " << count;
  }
}

TEST(HashValue, ScanSurvivesGrowthBetweenCalls) {
  auto h = Build(200, kDefault);
  int next = 200;
  const std::set<std::string> seen = ScanAll(h.get(), 5, [&](int step) {
    if (step >= 10) return;  // grow early in the scan, then let it finish
    for (int k = 0; k < 100; ++k, ++next) h->Set(Field(next), Val(next), kDefault);
  });
  ASSERT_GT(h->bucket_count(), 256u) << "the table grew during the scan";
  for (int i = 0; i < 200; ++i) EXPECT_TRUE(seen.count(Field(i))) << Field(i);
}

TEST(HashValue, ScanSurvivesShrinkBetweenCalls) {
  auto h = Build(4000, kDefault);
  const size_t big = h->bucket_count();
  int victim = 100;  // fields 0..99 stay for the whole scan
  const std::set<std::string> seen = ScanAll(h.get(), 20, [&](int) {
    for (int k = 0; k < 400 && victim < 4000; ++k, ++victim) h->Delete(Field(victim));
  });
  ASSERT_LT(h->bucket_count(), big) << "the table shrank during the scan";
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(seen.count(Field(i))) << Field(i);
}

TEST(HashValue, RandomPairsDistinct) {
  for (int n : {10, 1000}) {  // compact and table
    auto h = Build(n, kDefault);
    const Map all = Contents(*h);
    for (uint64_t count : {uint64_t{1}, uint64_t{3}, uint64_t(n / 2), uint64_t(n - 1), uint64_t(n),
                           uint64_t(n + 5)}) {
      std::set<std::string> got;
      size_t visits = 0;
      h->RandomPairs(count, true, Rng, [&](std::string_view f, std::string_view v) {
        ++visits;
        got.emplace(f);
        auto it = all.find(std::string(f));
        ASSERT_NE(it, all.end());
        EXPECT_EQ(it->second, v);
      });
      const size_t want = std::min<size_t>(count, n);
      EXPECT_EQ(visits, want) << "count " << count;
      EXPECT_EQ(got.size(), want) << "count " << count;
    }
  }
}

TEST(HashValue, RandomPairsWithRepetitionCoverTheHash) {
  for (int n : {5, 300}) {
    auto h = Build(n, kDefault);
    std::map<std::string, int> hits;
    size_t visits = 0;
    h->RandomPairs(200 * n, false, Rng, [&](std::string_view f, std::string_view v) {
      ++visits;
      std::string_view stored;
      ASSERT_TRUE(h->Get(f, &stored));
      EXPECT_EQ(stored, v);
      ++hits[std::string(f)];
    });
    EXPECT_EQ(visits, 200u * n);
    EXPECT_EQ(hits.size(), static_cast<size_t>(n)) << "every field comes up";
    for (const auto& [f, c] : hits) EXPECT_GT(c, 50) << f;  // roughly uniform
  }
}

TEST(HashValue, RandomPicksAreFairInATable) {
  // Every field equally likely, whatever the length of its chain: 1000
  // fields, 400 expected hits each (standard deviation 20).
  auto h = Build(1000, kDefault);
  ASSERT_FALSE(h->is_compact());
  std::map<std::string, int> hits;
  h->RandomPairs(400000, false, Rng,
                 [&](std::string_view f, std::string_view) { ++hits[std::string(f)]; });
  ASSERT_EQ(hits.size(), 1000u);
  for (const auto& [f, c] : hits) {
    EXPECT_GT(c, 280) << f;
    EXPECT_LT(c, 520) << f;
  }
}

TEST(HashValue, RandomPicksStayFairAfterDeletes) {
  auto h = Build(2000, kDefault);
  for (int i = 0; i < 2000; ++i) {
    if (i % 10 != 0) h->Delete(Field(i));
  }
  std::map<std::string, int> hits;
  h->RandomPairs(80000, false, Rng,
                 [&](std::string_view f, std::string_view) { ++hits[std::string(f)]; });
  ASSERT_EQ(hits.size(), 200u);
  for (const auto& [f, c] : hits) {
    EXPECT_GT(c, 280) << f;
    EXPECT_LT(c, 520) << f;
  }
}

}  // namespace
}  // namespace shoal
