// Tests for W-TinyLFU: the window's LRU order, admission by estimated
// frequency, probation/protected movement, scan resistance, volatile-only
// eviction and keys adopted after a policy switch, on fake entries whose
// first word is their metadata (as the store's entries). The fake walker
// visits entries in insertion order, so the CLOCK hand's order is known.
#include "eviction/wtinylfu.h"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "eviction/meta.h"
#include "gtest/gtest.h"

namespace shoal {
namespace {

struct FakeEntry {
  uint32_t meta = 0;
  std::string key;
  bool volatile_key = false;
};

FakeEntry* Of(EntryRef e) { return reinterpret_cast<FakeEntry*>(e); }

class FakeInfo : public EntryInfo {
 public:
  uint64_t KeyHash(EntryRef e) const override {
    return std::hash<std::string>()(Of(e)->key) * 0x9E3779B97F4A7C15ull;
  }
  bool HasExpire(EntryRef e) const override { return Of(e)->volatile_key; }
};

class FakeWalker : public ShardWalker {
 public:
  std::vector<FakeEntry*> entries;
  size_t next = 0;
  int64_t Keys() const override { return static_cast<int64_t>(entries.size()); }
  int64_t VolatileKeys() const override {
    return std::count_if(entries.begin(), entries.end(),
                         [](const FakeEntry* e) { return e->volatile_key; });
  }
  bool Next(EntryRef* e) override {
    if (next >= entries.size()) {
      next = 0;
      return false;
    }
    *e = &entries[next++]->meta;
    return true;
  }
};

class WTinyLfuTest : public ::testing::Test {
 protected:
  explicit WTinyLfuTest(bool volatile_only = false, WTinyLfuOptions options = {})
      : policy_(volatile_only, options), shard_(policy_.NewShard()) {
    ctx_.info = &info_;
    ctx_.rng = &rng_;
  }
  WTinyLfuShard* shard() { return static_cast<WTinyLfuShard*>(shard_.get()); }

  FakeEntry* Insert(const std::string& key, bool volatile_key = false) {
    auto e = std::make_unique<FakeEntry>();
    e->key = key;
    e->volatile_key = volatile_key;
    FakeEntry* raw = e.get();
    entries_[key] = std::move(e);
    walker_.entries.push_back(raw);
    policy_.OnInsert(shard_.get(), &raw->meta, ctx_);
    return raw;
  }
  void Access(const std::string& key, int times = 1) {
    for (int i = 0; i < times; ++i) policy_.OnAccess(shard_.get(), &entries_.at(key)->meta, ctx_);
  }
  void Remove(const std::string& key) {
    FakeEntry* e = entries_.at(key).get();
    policy_.OnRemove(shard_.get(), &e->meta);
    auto it = std::find(walker_.entries.begin(), walker_.entries.end(), e);
    if (it != walker_.entries.end()) {
      if (static_cast<size_t>(it - walker_.entries.begin()) < walker_.next) --walker_.next;
      walker_.entries.erase(it);
    }
    entries_.erase(key);
  }
  // Evicts one key the way the store does: pick, then remove.
  std::string EvictOne() {
    EntryRef v = policy_.Pick(shard(), &walker_, ctx_);
    if (v == nullptr) return "";
    std::string key = Of(v)->key;
    Remove(key);
    return key;
  }
  // A read-through request: a hit is an access, a miss inserts the key and
  // evicts while more than `capacity` keys are held.
  bool Request(const std::string& key, size_t capacity) {
    if (entries_.count(key)) {
      Access(key);
      return true;
    }
    Insert(key);
    while (entries_.size() > capacity) EXPECT_NE(EvictOne(), "");
    return false;
  }
  meta::Segment SegmentOf(const std::string& key) {
    return meta::TinyLfuSegment(entries_.at(key)->meta);
  }
  bool Has(const std::string& key) const { return entries_.count(key) > 0; }

  WTinyLfuPolicy policy_;
  std::unique_ptr<PolicyShard> shard_;
  FakeInfo info_;
  FakeWalker walker_;
  uint64_t rng_ = 1;
  HookContext ctx_;
  std::map<std::string, std::unique_ptr<FakeEntry>> entries_;
};

// Probation entries without the referenced bit, and the first probation key
// the hand meets is the victim: victims follow insertion order exactly.
WTinyLfuOptions Plain() {
  WTinyLfuOptions o;
  o.probation_referenced = false;
  o.victim_samples = 1;
  return o;
}

WTinyLfuOptions Sampled() {
  WTinyLfuOptions o = Plain();
  o.victim_samples = 4;
  return o;
}

class WTinyLfuSampledTest : public WTinyLfuTest {
 protected:
  WTinyLfuSampledTest() : WTinyLfuTest(false, Sampled()) {}
};

TEST_F(WTinyLfuSampledTest, TheMainVictimIsTheLeastFrequentOfItsSamples) {
  shard()->sketch.EnsureCapacity(1000);
  for (int i = 0; i < 100; ++i) Insert("m" + std::to_string(i));
  // m0..m3 are the first four probation keys the hand meets; m2 is the
  // rarest of them (each takes the sketch's estimate as its count when it
  // leaves the window).
  for (int round = 0; round < 3; ++round) {
    for (int i : {0, 1, 3}) {
      shard()->sketch.Record(info_.KeyHash(&entries_.at("m" + std::to_string(i))->meta));
    }
  }
  // The first eviction: m90 (the window's least recent) loses to the victim.
  EXPECT_EQ(EvictOne(), "m90");
  EXPECT_EQ(shard()->main_victim, &entries_.at("m2")->meta);
}

class WTinyLfuPlainTest : public WTinyLfuTest {
 protected:
  WTinyLfuPlainTest() : WTinyLfuTest(false, Plain()) {}
  // 100 keys m0..m99, then the first eviction: the window keeps 10 (its
  // share, 1, is far exceeded: the excess m0..m89 joins probation), and its
  // least recent, m90, loses against probation's first key, m0 (one record
  // each: a tie keeps the cached key).
  void Fill100() {
    shard()->sketch.EnsureCapacity(1000);  // no resize (which clears it) while filling
    for (int i = 0; i < 100; ++i) Insert("m" + std::to_string(i));
    ASSERT_EQ(EvictOne(), "m90");
    ASSERT_EQ(shard()->window.live(), 9u);
    ASSERT_EQ(SegmentOf("m0"), meta::kProbation);
  }
  void Record(const std::string& key, int times) {
    for (int i = 0; i < times; ++i) shard()->sketch.Record(info_.KeyHash(&entries_.at(key)->meta));
  }
};

class WTinyLfuVolatileTest : public WTinyLfuTest {
 protected:
  WTinyLfuVolatileTest() : WTinyLfuTest(true, Plain()) {}
};

TEST(WTinyLfuAdmission, OnlyAMoreFrequentCandidateDisplacesTheVictim) {
  EXPECT_TRUE(WTinyLfuPolicy::Admit(3, 2));
  EXPECT_FALSE(WTinyLfuPolicy::Admit(2, 2));
  EXPECT_FALSE(WTinyLfuPolicy::Admit(0, 5));
}

TEST_F(WTinyLfuTest, NewKeysEnterTheWindowInLruOrder) {
  Insert("a");
  Insert("b");
  Insert("c");
  EXPECT_EQ(shard()->window.live(), 3u);
  EXPECT_TRUE(meta::IsTinyLfu(entries_["a"]->meta));
  EXPECT_EQ(SegmentOf("a"), meta::kWindow);
  Access("a");  // now the window's most recent
  EXPECT_EQ(EvictOne(), "b");
  EXPECT_EQ(EvictOne(), "c");
  EXPECT_EQ(EvictOne(), "a");
  EXPECT_EQ(EvictOne(), "");
  EXPECT_EQ(shard()->window.live(), 0u);
}

TEST_F(WTinyLfuPlainTest, AMoreFrequentCandidateIsAdmittedAndTheVictimLeaves) {
  Fill100();
  Record("m91", 3);  // the window's least recent, now estimated at 4
  EXPECT_EQ(EvictOne(), "m0");
  EXPECT_EQ(SegmentOf("m91"), meta::kProbation);
  // The next candidate is as rare as the next victim: it is the one to go,
  // and the victim (m1) stays the victim.
  EXPECT_EQ(EvictOne(), "m92");
  EXPECT_EQ(shard()->main_victim, &entries_.at("m1")->meta);
  Record("m93", 5);
  EXPECT_EQ(EvictOne(), "m1");
}

TEST_F(WTinyLfuPlainTest, ARareCandidateIsRejectedWhateverItsRecency) {
  shard()->sketch.EnsureCapacity(1000);
  for (int i = 0; i < 100; ++i) Insert("m" + std::to_string(i));
  for (int i = 0; i < 90; ++i) Record("m" + std::to_string(i), 2);
  // The first eviction moves m0..m89 to probation, each with a count of 3.
  ASSERT_EQ(EvictOne(), "m90");
  ASSERT_EQ(policy_.CountOf(shard(), entries_.at("m0")->meta), 3u);
  // A miss, then an eviction, 30 times (a full cache's steady state): every
  // candidate (1 record) loses against probation's keys (3), so the window
  // drains in LRU order and main is untouched.
  std::vector<std::string> evicted;
  for (int i = 0; i < 30; ++i) {
    Insert("new" + std::to_string(i));
    evicted.push_back(EvictOne());
  }
  for (int i = 0; i < 9; ++i) EXPECT_EQ(evicted[i], "m" + std::to_string(91 + i));
  for (int i = 9; i < 30; ++i) EXPECT_EQ(evicted[i], "new" + std::to_string(i - 9));
  for (int i = 0; i < 90; ++i) EXPECT_TRUE(Has("m" + std::to_string(i)));
}

TEST_F(WTinyLfuPlainTest, AHitInProbationProtectsTheKey) {
  Fill100();
  Access("m0");
  EXPECT_EQ(SegmentOf("m0"), meta::kProtected);
  EXPECT_EQ(shard()->protected_keys, 1);
  std::vector<std::string> evicted;
  for (int i = 0; i < 20; ++i) evicted.push_back(EvictOne());
  EXPECT_TRUE(Has("m0"));
  EXPECT_FALSE(Has("m1"));
  // A hit on a protected key only marks it referenced.
  Access("m0");
  EXPECT_EQ(SegmentOf("m0"), meta::kProtected);
  EXPECT_EQ(shard()->protected_keys, 1);
  Remove("m0");
  EXPECT_EQ(shard()->protected_keys, 0);
}

TEST_F(WTinyLfuPlainTest, ProtectedOverItsShareIsDemotedToProbation) {
  Fill100();
  for (int i = 0; i < 89; ++i) Access("m" + std::to_string(i));
  EXPECT_EQ(shard()->protected_keys, 89);
  for (int i = 0; i < 30; ++i) EXPECT_NE(EvictOne(), "");
  const int64_t main = walker_.Keys() - static_cast<int64_t>(shard()->window.live());
  EXPECT_LE(shard()->protected_keys, main * 80 / 100 + 1);
  int in_protected = 0;
  for (auto& [k, e] : entries_) in_protected += meta::TinyLfuSegment(e->meta) == meta::kProtected;
  EXPECT_EQ(in_protected, shard()->protected_keys);
}

TEST_F(WTinyLfuPlainTest, AMainKeyCountsItsHitsInItsMetadataNotInTheSketch) {
  Fill100();
  const uint64_t h = info_.KeyHash(&entries_.at("m0")->meta);
  ASSERT_EQ(policy_.CountOf(shard(), entries_.at("m0")->meta), 1u);  // its insert
  const int64_t samples = shard()->sketch.samples();
  Access("m0", 4);
  EXPECT_EQ(SegmentOf("m0"), meta::kProtected);
  EXPECT_EQ(policy_.CountOf(shard(), entries_.at("m0")->meta), 5u);
  EXPECT_EQ(shard()->sketch.Estimate(h), 1u);         // not recorded there
  EXPECT_EQ(shard()->sketch.samples(), samples + 4);  // but the period moved on
  // A window key's hits do go to the sketch: they decide its admission.
  const uint64_t w = info_.KeyHash(&entries_.at("m95")->meta);
  Access("m95", 2);
  EXPECT_EQ(SegmentOf("m95"), meta::kWindow);
  EXPECT_EQ(shard()->sketch.Estimate(w), 3u);
}

TEST_F(WTinyLfuPlainTest, MainKeysCountsAgeWithTheSketch) {
  Fill100();
  Access("m0", 11);  // 12 with its insert
  ASSERT_EQ(policy_.CountOf(shard(), entries_.at("m0")->meta), 12u);
  FrequencySketch& sketch = shard()->sketch;
  for (int halving = 1; halving <= 2; ++halving) {
    while (sketch.halvings() < halving) sketch.Tick();
    EXPECT_EQ(policy_.CountOf(shard(), entries_.at("m0")->meta), 12u >> halving);
  }
  Access("m0");  // counts on from the aged value
  EXPECT_EQ(policy_.CountOf(shard(), entries_.at("m0")->meta), 4u);
  while (sketch.halvings() < 3) sketch.Tick();
  EXPECT_EQ(policy_.CountOf(shard(), entries_.at("m0")->meta), 2u);
}

TEST(WTinyLfuMeta, AMainKeysCountSaturatesAndAgesByTheHalvingsSinceItWasWritten) {
  const uint32_t m = meta::TinyLfuMain(meta::kProbation, false, 5, 12, 6);
  EXPECT_TRUE(meta::IsTinyLfu(m));
  EXPECT_EQ(meta::TinyLfuSegment(m), meta::kProbation);
  EXPECT_EQ(meta::TinyLfuEpoch(m), 5u);
  EXPECT_EQ(meta::TinyLfuCount(m, 6), 12u);
  EXPECT_EQ(meta::TinyLfuCount(m, 7), 6u);
  EXPECT_EQ(meta::TinyLfuCount(m, 9), 1u);
  EXPECT_EQ(meta::TinyLfuCount(m, 6 + 8), 12u);  // 3 bits of halvings wrap
  EXPECT_EQ(meta::TinyLfuCount(meta::TinyLfuMain(meta::kProtected, true, 0, 500, 0), 0),
            meta::kTinyLfuCountMask);
}

TEST_F(WTinyLfuPlainTest, AnEvictedMainKeyHandsItsCountToTheSketch) {
  Fill100();
  // m0, probation's first key, as if it had been hit 9 times since it left
  // the window (a hit would promote it; the count is what matters here).
  FakeEntry* m0 = entries_.at("m0").get();
  const uint64_t h = info_.KeyHash(&m0->meta);
  m0->meta = meta::TinyLfuMain(meta::kProbation, false, shard()->epoch, 10,
                               static_cast<uint32_t>(shard()->sketch.halvings()));
  ASSERT_EQ(shard()->sketch.Estimate(h), 1u);
  Record("m91", 12);  // the candidate, more frequent still
  EXPECT_EQ(EvictOne(), "m0");
  EXPECT_EQ(shard()->sketch.Estimate(h), 10u);  // back with its history
}

TEST_F(WTinyLfuTest, AOneOffScanDoesNotFlushTheHotSet) {
  constexpr size_t kCapacity = 1000;
  for (int i = 0; i < 1000; ++i) Request("cold" + std::to_string(i), kCapacity);
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 100; ++i) Request("hot" + std::to_string(i), kCapacity);
  }
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(Has("hot" + std::to_string(i)));
  // A scan of 5x the cache's size, each key read once.
  for (int i = 0; i < 5000; ++i) Request("scan" + std::to_string(i), kCapacity);
  int hot = 0;
  for (int i = 0; i < 100; ++i) hot += Has("hot" + std::to_string(i));
  EXPECT_GE(hot, 98);
  // (Scan keys did replace cold ones: seen once, recently, against keys
  // seen once long ago.)
  // And the hot set is still served from the cache.
  int hits = 0;
  for (int i = 0; i < 100; ++i) hits += Request("hot" + std::to_string(i), kCapacity);
  EXPECT_GE(hits, 98);
}

TEST_F(WTinyLfuVolatileTest, EvictsOnlyKeysWithAnExpire) {
  for (int i = 0; i < 50; ++i) {
    Insert("p" + std::to_string(i), false);
    Insert("v" + std::to_string(i), true);
  }
  for (int i = 0; i < 50; ++i) {
    const std::string k = EvictOne();
    ASSERT_FALSE(k.empty());
    EXPECT_EQ(k[0], 'v') << k;
  }
  EXPECT_EQ(EvictOne(), "");  // nothing volatile left
  EXPECT_EQ(entries_.size(), 50u);
}

TEST_F(WTinyLfuPlainTest, KeysFromAnotherPolicyAreAdopted) {
  // Keys written under LRU: never seen by this shard.
  for (int i = 0; i < 5; ++i) {
    auto e = std::make_unique<FakeEntry>();
    e->key = "old" + std::to_string(i);
    e->meta = meta::Clock(1000);
    walker_.entries.push_back(e.get());
    entries_[e->key] = std::move(e);
  }
  Access("old3");  // hit: adopted into protected
  EXPECT_EQ(SegmentOf("old3"), meta::kProtected);
  EXPECT_EQ(EvictOne(), "old0");  // met by the hand: probation, the victim
  EXPECT_EQ(EvictOne(), "old1");
  EXPECT_EQ(EvictOne(), "old2");
  EXPECT_EQ(EvictOne(), "old4");
}

TEST_F(WTinyLfuPlainTest, AnotherShardTreatsThisShardsMetadataAsForeign) {
  Fill100();
  Access("m0");  // protected in this shard
  // A policy switch and back gives the stripe a new shard (a new epoch).
  std::unique_ptr<PolicyShard> next = policy_.NewShard();
  auto* s2 = static_cast<WTinyLfuShard*>(next.get());
  ASSERT_NE(s2->epoch, shard()->epoch);
  policy_.OnRemove(s2, &entries_.at("m0")->meta);  // not counted there
  EXPECT_EQ(s2->protected_keys, 0);
  walker_.next = 0;
  EntryRef v = policy_.Pick(s2, &walker_, ctx_);
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(Of(v)->key, "m0");  // adopted into probation as the hand met it
}

TEST_F(WTinyLfuPlainTest, ReplacingAnEntryKeepsItsPlace) {
  Fill100();
  FakeEntry* old = entries_.at("m95").get();
  auto fresh = std::make_unique<FakeEntry>();
  fresh->key = "m95";
  policy_.OnReplace(shard(), &old->meta, &fresh->meta, ctx_);
  std::replace(walker_.entries.begin(), walker_.entries.end(), old, fresh.get());
  entries_["m95"] = std::move(fresh);
  EXPECT_EQ(SegmentOf("m95"), meta::kWindow);
  EXPECT_EQ(shard()->window.live(), 9u);
  Access("m95");  // found in the window under its new address
  EXPECT_EQ(shard()->window.live(), 9u);
}

}  // namespace
}  // namespace shoal
