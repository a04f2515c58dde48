// Tests for the sampling policies, the eviction pool and LFU arithmetic,
// against a fake keyspace (FakeHost) that samples exhaustively, so victim
// orders are exact. The store's own tests (server/store/store_eviction_test.cc)
// run the same policies through the real store with a fake clock.
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "eviction/eviction_pool.h"
#include "eviction/lfu.h"
#include "eviction/meta.h"
#include "eviction/policies.h"
#include "eviction/sampled_policies.h"
#include "gtest/gtest.h"

namespace shoal {
namespace {

// A key of the fake keyspace; meta is its first word, as in the store.
struct FakeEntry {
  uint32_t meta = 0;
  int64_t expire_ms = 0;
};

class FakeHost : public EvictionHost {
 public:
  int64_t now_ms = 1'700'000'000'000;
  uint64_t rng = 1;
  std::map<std::string, std::unique_ptr<FakeEntry>> keys;
  std::vector<std::string> evicted;

  int64_t NowMs() const override { return now_ms; }
  uint64_t Random() override { return NextRandom(&rng); }
  // Visits every matching key (n is ignored): exhaustive sampling.
  bool Sample(int, bool volatile_only,
              const std::function<void(const KeySample&)>& visit) override {
    bool any = false;
    for (auto& [k, e] : keys) {
      if (volatile_only && e->expire_ms == 0) continue;
      any = true;
      visit(KeySample{0, k, e->meta, e->expire_ms});
    }
    return any;
  }
  int64_t EvictKey(int, std::string_view key, uint32_t m) override {
    auto it = keys.find(std::string(key));
    if (it == keys.end() || it->second->meta != m) return 0;
    evicted.push_back(it->first);
    keys.erase(it);
    return 100;
  }
  int64_t EvictFromShard(const PickFn&) override { return 0; }
};

class SampledPolicyTest : public ::testing::Test {
 protected:
  std::unique_ptr<EvictionPolicy> Make(PolicyKind kind) { return MakePolicy(kind, &settings_); }
  HookContext Ctx() {
    HookContext c;
    c.now_ms = host_.now_ms;
    c.rng = &rng_;
    return c;
  }
  void Insert(EvictionPolicy* p, const std::string& key, int64_t expire = 0) {
    auto e = std::make_unique<FakeEntry>();
    e->expire_ms = expire;
    p->OnInsert(nullptr, &e->meta, Ctx());
    host_.keys[key] = std::move(e);
  }
  void Access(EvictionPolicy* p, const std::string& key) {
    p->OnAccess(nullptr, &host_.keys.at(key)->meta, Ctx());
  }
  std::vector<std::string> EvictAll(EvictionPolicy* p) {
    while (p->Evict(&host_, 1) > 0) {
    }
    return host_.evicted;
  }

  EvictionSettings settings_;
  FakeHost host_;
  uint64_t rng_ = 42;
};

TEST_F(SampledPolicyTest, LruEvictsLeastRecentlyUsedFirst) {
  auto p = Make(PolicyKind::kAllKeysLru);
  EXPECT_STREQ(p->name(), "allkeys-lru");
  for (const char* k : {"a", "b", "c", "d"}) {
    Insert(p.get(), k);
    host_.now_ms += 100;
  }
  Access(p.get(), "a");  // a becomes the most recent
  host_.now_ms += 100;
  Access(p.get(), "c");
  EXPECT_EQ(EvictAll(p.get()), (std::vector<std::string>{"b", "d", "a", "c"}));
}

TEST_F(SampledPolicyTest, FifoIgnoresReadsAndEvictsInCreationOrder) {
  auto p = Make(PolicyKind::kAllKeysFifo);
  for (const char* k : {"a", "b", "c"}) {
    Insert(p.get(), k);
    host_.now_ms += 100;
  }
  Access(p.get(), "a");
  Access(p.get(), "b");
  // An overwrite keeps the key's place.
  FakeEntry fresh;
  p->OnReplace(nullptr, &host_.keys["a"]->meta, &fresh.meta, Ctx());
  host_.keys["a"]->meta = fresh.meta;
  EXPECT_EQ(EvictAll(p.get()), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(SampledPolicyTest, VolatilePoliciesTouchOnlyKeysWithAnExpire) {
  for (PolicyKind kind : {PolicyKind::kVolatileLru, PolicyKind::kVolatileLfu,
                          PolicyKind::kVolatileFifo, PolicyKind::kVolatileRandom,
                          PolicyKind::kVolatileTtl}) {
    host_.keys.clear();
    host_.evicted.clear();
    auto p = Make(kind);
    Insert(p.get(), "persistent1");
    Insert(p.get(), "v1", host_.now_ms + 5000);
    Insert(p.get(), "persistent2");
    Insert(p.get(), "v2", host_.now_ms + 9000);
    std::vector<std::string> order = EvictAll(p.get());
    ASSERT_EQ(order.size(), 2u) << p->name();
    EXPECT_EQ(host_.keys.count("persistent1"), 1u) << p->name();
    EXPECT_EQ(host_.keys.count("persistent2"), 1u) << p->name();
    EXPECT_EQ(p->Evict(&host_, 1), 0) << p->name();  // nothing evictable: OOM
  }
}

TEST_F(SampledPolicyTest, VolatileTtlEvictsNearestExpireFirst) {
  auto p = Make(PolicyKind::kVolatileTtl);
  Insert(p.get(), "late", host_.now_ms + 90000);
  Insert(p.get(), "soon", host_.now_ms + 1000);
  Insert(p.get(), "none");
  Insert(p.get(), "middle", host_.now_ms + 5000);
  EXPECT_EQ(EvictAll(p.get()), (std::vector<std::string>{"soon", "middle", "late"}));
}

TEST_F(SampledPolicyTest, RandomEvictsEverythingEventually) {
  auto p = Make(PolicyKind::kAllKeysRandom);
  for (int i = 0; i < 20; ++i) Insert(p.get(), "k" + std::to_string(i));
  EXPECT_EQ(EvictAll(p.get()).size(), 20u);
  EXPECT_TRUE(host_.keys.empty());
}

TEST_F(SampledPolicyTest, NoEvictionNeverEvictsButTracksIdleTime) {
  auto p = Make(PolicyKind::kNoEviction);
  Insert(p.get(), "a");
  EXPECT_EQ(p->Evict(&host_, 1000), 0);
  host_.now_ms += 12'000;
  int64_t idle = -1;
  EXPECT_TRUE(p->IdleTimeMs(host_.keys["a"]->meta, host_.now_ms, &idle));
  EXPECT_NEAR(idle, 12'000, meta::kTickMs);
  int64_t freq;
  EXPECT_FALSE(p->Frequency(host_.keys["a"]->meta, host_.now_ms, &freq));
}

TEST_F(SampledPolicyTest, LfuEvictsLeastFrequentlyUsedFirst) {
  settings_.lfu_log_factor = 0;  // every hit counts: deterministic
  auto p = Make(PolicyKind::kAllKeysLfu);
  for (const char* k : {"hot", "warm", "cold"}) Insert(p.get(), k);
  for (int i = 0; i < 10; ++i) Access(p.get(), "hot");
  for (int i = 0; i < 3; ++i) Access(p.get(), "warm");
  int64_t freq = 0;
  EXPECT_TRUE(p->Frequency(host_.keys["hot"]->meta, host_.now_ms, &freq));
  EXPECT_EQ(freq, kLfuInitValue + 10);
  int64_t idle;
  EXPECT_FALSE(p->IdleTimeMs(host_.keys["hot"]->meta, host_.now_ms, &idle));
  EXPECT_EQ(EvictAll(p.get()), (std::vector<std::string>{"cold", "warm", "hot"}));
}

TEST_F(SampledPolicyTest, LfuCountersDecayWithIdleMinutes) {
  settings_.lfu_log_factor = 0;
  settings_.lfu_decay_time = 2;  // one step per two idle minutes
  auto p = Make(PolicyKind::kAllKeysLfu);
  Insert(p.get(), "old-hot");
  for (int i = 0; i < 10; ++i) Access(p.get(), "old-hot");  // counter 15
  host_.now_ms += 20 * 60'000;  // 20 idle minutes: -10
  int64_t freq = 0;
  p->Frequency(host_.keys["old-hot"]->meta, host_.now_ms, &freq);
  EXPECT_EQ(freq, 5);
  Insert(p.get(), "new-warm");
  for (int i = 0; i < 3; ++i) Access(p.get(), "new-warm");  // counter 8
  // The decayed key is now the less frequent one.
  EXPECT_EQ(EvictAll(p.get()), (std::vector<std::string>{"old-hot", "new-warm"}));
  settings_.lfu_decay_time = 0;  // never decays
  Insert(p.get(), "x");
  host_.now_ms += 600 * 60'000;
  p->Frequency(host_.keys["x"]->meta, host_.now_ms, &freq);
  EXPECT_EQ(freq, kLfuInitValue);
}

TEST_F(SampledPolicyTest, SwitchingPoliciesReinterpretsForeignMetadata) {
  auto lfu = Make(PolicyKind::kAllKeysLfu);
  auto lru = Make(PolicyKind::kAllKeysLru);
  Insert(lfu.get(), "a");
  Insert(lfu.get(), "b");
  host_.now_ms += 1000;
  // Under LRU, untouched keys (LFU metadata) rank oldest; a touched key
  // gets a clock and survives.
  Access(lru.get(), "a");
  EXPECT_EQ(meta::TagOf(host_.keys["a"]->meta), meta::kClock);
  EXPECT_EQ(EvictAll(lru.get()), (std::vector<std::string>{"b", "a"}));
  // Under LFU, a clock-format key reads as a new key's counter.
  Insert(lru.get(), "c");
  int64_t freq;
  EXPECT_TRUE(lfu->Frequency(host_.keys["c"]->meta, host_.now_ms, &freq));
  EXPECT_EQ(freq, kLfuInitValue);
}

TEST(Lfu, LogIncrementGetsHarderAsTheCounterGrows) {
  uint64_t rng = 9;
  uint32_t c = kLfuInitValue;
  int hits = 0;
  while (c < 10) {
    c = LfuLogIncrement(c, 10, NextRandom(&rng));
    ++hits;
  }
  // Expected: sum over k=0..4 of (10k + 1) = 105 hits; generous bounds.
  EXPECT_GT(hits, 30);
  EXPECT_LT(hits, 400);
  EXPECT_EQ(LfuLogIncrement(255, 10, 0), 255u);
  EXPECT_EQ(LfuLogIncrement(3, 10, ~uint64_t{0} >> 1), 4u);  // below init: p = 1
}

TEST(Lfu, DecayStopsAtZero) {
  EXPECT_EQ(LfuDecay(10, 3, 1), 7u);
  EXPECT_EQ(LfuDecay(10, 30, 1), 0u);
  EXPECT_EQ(LfuDecay(10, 5, 2), 8u);
  EXPECT_EQ(LfuDecay(10, 500, 0), 10u);
}

TEST(EvictionPool, KeepsTheBestCandidatesSorted) {
  EvictionPool pool;
  for (int i = 0; i < 40; ++i) pool.Offer(i * 7 % 40, 0, "k" + std::to_string(i), 0);
  EXPECT_EQ(pool.size(), EvictionPool::kSize);
  EvictionPool::Candidate c;
  uint64_t last = ~uint64_t{0};
  int n = 0;
  while (pool.PopBest(&c)) {
    EXPECT_LE(c.score, last);
    last = c.score;
    ++n;
  }
  EXPECT_EQ(n, EvictionPool::kSize);
  EXPECT_EQ(last, 40u - EvictionPool::kSize);
}

TEST(EvictionPool, UpdatesAKeyInsteadOfDuplicatingIt) {
  EvictionPool pool;
  pool.Offer(5, 0, "a", 1);
  pool.Offer(9, 0, "b", 1);
  pool.Offer(1, 0, "a", 2);  // a was touched: now a poor victim
  pool.Offer(3, 1, "a", 1);  // same name, other db: another key
  EXPECT_EQ(pool.size(), 3);
  EvictionPool::Candidate c;
  ASSERT_TRUE(pool.PopBest(&c));
  EXPECT_EQ(c.key, "b");
  ASSERT_TRUE(pool.PopBest(&c));
  EXPECT_EQ(c.db, 1);
  ASSERT_TRUE(pool.PopBest(&c));
  EXPECT_EQ(c.key, "a");
  EXPECT_EQ(c.meta, 2u);
}

TEST(PolicyNames, RoundTripAndListRedisNamesFirst) {
  for (int i = 0; i < static_cast<int>(PolicyKind::kCount); ++i) {
    PolicyKind k;
    ASSERT_TRUE(ParsePolicyName(PolicyName(static_cast<PolicyKind>(i)), &k));
    EXPECT_EQ(static_cast<int>(k), i);
    EvictionSettings s;
    EXPECT_STREQ(MakePolicy(k, &s)->name(), PolicyName(k));
  }
  PolicyKind k;
  EXPECT_TRUE(ParsePolicyName("ALLKEYS-LRU", &k));
  EXPECT_FALSE(ParsePolicyName("allkeys-mru", &k));
  EXPECT_EQ(PolicyNameList().rfind("volatile-lru, volatile-lfu, volatile-random, volatile-ttl, "
                                   "allkeys-lru, allkeys-lfu, allkeys-random, noeviction",
                                   0),
            0u);
}

}  // namespace
}  // namespace shoal
