// Tests for S3-FIFO: queue mechanics (RefQueue), the ghost filter, and the
// policy's admission, promotion, M's CLOCK and policy-switch handling, on
// fake entries whose first word is their metadata (as the store's entries).
// The fake walker visits entries in insertion order, so the CLOCK hand's
// order is known.
#include "eviction/s3fifo.h"

#include <algorithm>
#include <deque>
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
};

class FakeInfo : public EntryInfo {
 public:
  uint64_t KeyHash(EntryRef e) const override {
    const std::string& k = reinterpret_cast<FakeEntry*>(e)->key;
    return std::hash<std::string>()(k) * 0x9E3779B97F4A7C15ull;
  }
  bool HasExpire(EntryRef) const override { return false; }
};

// The stripe's entries, for adoption walks.
class FakeWalker : public ShardWalker {
 public:
  std::vector<FakeEntry*> entries;
  size_t next = 0;
  int64_t Keys() const override { return static_cast<int64_t>(entries.size()); }
  int64_t VolatileKeys() const override { return 0; }
  bool Next(EntryRef* e) override {
    if (next >= entries.size()) {
      next = 0;
      return false;
    }
    *e = &entries[next++]->meta;
    return true;
  }
};

class S3FifoTest : public ::testing::Test {
 protected:
  S3FifoTest() : shard_(policy_.NewShard()) { ctx_.info = &info_; ctx_.rng = &rng_; }
  S3FifoShard* shard() { return static_cast<S3FifoShard*>(shard_.get()); }

  FakeEntry* Insert(const std::string& key) {
    auto e = std::make_unique<FakeEntry>();
    e->key = key;
    FakeEntry* raw = e.get();
    entries_[key] = std::move(e);
    walker_.entries.push_back(raw);
    policy_.OnInsert(shard_.get(), &raw->meta, ctx_);
    return raw;
  }
  void Access(const std::string& key) {
    policy_.OnAccess(shard_.get(), &entries_.at(key)->meta, ctx_);
  }
  void Remove(const std::string& key) {
    FakeEntry* e = entries_.at(key).get();
    policy_.OnRemove(shard_.get(), &e->meta);
    // Keep the hand on the entry after the removed one.
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
    std::string key = reinterpret_cast<FakeEntry*>(v)->key;
    Remove(key);
    return key;
  }

  S3FifoPolicy policy_;
  std::unique_ptr<PolicyShard> shard_;
  FakeInfo info_;
  FakeWalker walker_;
  uint64_t rng_ = 1;
  HookContext ctx_;
  std::map<std::string, std::unique_ptr<FakeEntry>> entries_;
};

TEST_F(S3FifoTest, NewKeysEnterTheSmallQueueAndLeaveInOrder) {
  for (int i = 0; i < 10; ++i) Insert("k" + std::to_string(i));
  EXPECT_EQ(shard()->small.live(), 10u);
  EXPECT_FALSE(meta::QueueIsMain(entries_["k0"]->meta));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(EvictOne(), "k" + std::to_string(i));
  EXPECT_EQ(EvictOne(), "");
}

TEST_F(S3FifoTest, AKeyAccessedInSmallMovesToMainInsteadOfLeaving) {
  Insert("a");
  Insert("b");
  Insert("c");
  Access("a");
  EXPECT_EQ(EvictOne(), "b");  // a was promoted to M on the way
  EXPECT_TRUE(meta::QueueIsMain(entries_["a"]->meta));
  EXPECT_EQ(meta::QueueFreq(entries_["a"]->meta), 0u);
  EXPECT_EQ(EvictOne(), "c");
  EXPECT_EQ(EvictOne(), "a");
}

TEST_F(S3FifoTest, GhostHitsGoStraightToMain) {
  Insert("once");
  Insert("x");
  EXPECT_EQ(EvictOne(), "once");  // dropped from S, remembered in G
  FakeEntry* back = Insert("once");
  EXPECT_TRUE(meta::QueueIsMain(back->meta));
  FakeEntry* fresh = Insert("never-seen");
  EXPECT_FALSE(meta::QueueIsMain(fresh->meta));
}

TEST_F(S3FifoTest, MainIsAClockThatSparesKeysWithFrequency) {
  // Fill M through the ghost: evict from S, then re-insert.
  for (const char* k : {"m1", "m2", "m3"}) Insert(k);
  for (int i = 0; i < 3; ++i) EvictOne();
  for (const char* k : {"m1", "m2", "m3"}) EXPECT_TRUE(meta::QueueIsMain(Insert(k)->meta));
  EXPECT_EQ(shard()->small.live(), 0u);
  Access("m1");
  Access("m1");  // frequency 2: survives two passes of the hand
  Access("m2");  // frequency 1
  EXPECT_EQ(EvictOne(), "m3");  // the hand lowered m1 and m2 on its way
  EXPECT_EQ(meta::QueueFreq(entries_["m1"]->meta), 1u);
  EXPECT_EQ(EvictOne(), "m2");
  EXPECT_EQ(EvictOne(), "m1");
  EXPECT_EQ(EvictOne(), "");
}

TEST_F(S3FifoTest, SmallQueueIsDrainedFirstOnlyWhileItHoldsItsShare) {
  // 20 keys in M (via the ghost), then 1 new key in S: S holds 1/21 < 10%,
  // so the victim comes from M.
  for (int i = 0; i < 20; ++i) Insert("m" + std::to_string(i));
  for (int i = 0; i < 20; ++i) EvictOne();
  for (int i = 0; i < 20; ++i) Insert("m" + std::to_string(i));
  ASSERT_EQ(shard()->small.live(), 0u);
  Insert("new");
  EXPECT_EQ(EvictOne(), "m0");
  // With 3 new keys S holds 3/22 > 10%: S's oldest goes.
  Insert("new2");
  Insert("new3");
  EXPECT_EQ(EvictOne(), "new");
}

TEST_F(S3FifoTest, ScansPassThroughWithoutFlushingMain) {
  // A working set in M, accessed; then a one-pass scan of 100 new keys.
  for (int i = 0; i < 10; ++i) Insert("hot" + std::to_string(i));
  for (int i = 0; i < 10; ++i) EvictOne();
  for (int i = 0; i < 10; ++i) Insert("hot" + std::to_string(i));
  for (int i = 0; i < 100; ++i) {
    for (int h = 0; h < 10; ++h) {
      if (i % 5 == 0) Access("hot" + std::to_string(h));
    }
    Insert("scan" + std::to_string(i));
    if (entries_.size() > 12) EvictOne();  // a cache of 12 keys
  }
  for (int h = 0; h < 10; ++h) EXPECT_EQ(entries_.count("hot" + std::to_string(h)), 1u) << h;
}

TEST_F(S3FifoTest, RemovalsAndReplacementsKeepQueuesConsistent) {
  for (int i = 0; i < 200; ++i) Insert("k" + std::to_string(i));
  for (int i = 0; i < 200; i += 2) Remove("k" + std::to_string(i));
  EXPECT_EQ(shard()->small.live(), 100u);
  EXPECT_LE(shard()->small.slots(), 2 * 100u + 64);  // compacted
  // Replacing an entry (a rebuild) moves its queue slot to the new one.
  auto repl = std::make_unique<FakeEntry>();
  repl->key = "k1";
  policy_.OnReplace(shard_.get(), &entries_["k1"]->meta, &repl->meta, ctx_);
  std::erase(walker_.entries, entries_["k1"].get());
  walker_.entries.push_back(repl.get());
  entries_["k1"] = std::move(repl);
  std::vector<std::string> order;
  for (std::string k = EvictOne(); !k.empty(); k = EvictOne()) order.push_back(k);
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], "k" + std::to_string(2 * i + 1));
}

TEST_F(S3FifoTest, KeysWrittenUnderAnotherPolicyBelongToMain) {
  // Entries with foreign metadata (e.g. an LRU clock), unknown to the shard.
  for (int i = 0; i < 1000; ++i) {
    auto e = std::make_unique<FakeEntry>();
    e->key = "old" + std::to_string(i);
    e->meta = meta::Clock(1000 * i);
    walker_.entries.push_back(e.get());
    entries_[e->key] = std::move(e);
  }
  Access("old0");  // a used key gets M's metadata with frequency 1
  EXPECT_TRUE(meta::QueueIsMain(entries_["old0"]->meta));
  EXPECT_EQ(meta::QueueFreq(entries_["old0"]->meta), 1u);
  std::vector<std::string> order;
  for (std::string k = EvictOne(); !k.empty(); k = EvictOne()) order.push_back(k);
  ASSERT_EQ(order.size(), 1000u);
  EXPECT_EQ(order[0], "old1");  // the hand spared old0 once
  EXPECT_EQ(order.back(), "old0");
}

TEST_F(S3FifoTest, StaleMetadataFromAnEarlierShardIsNotTrusted) {
  FakeEntry* a = Insert("a");
  // A new shard (the policy was switched away and back): a's position means
  // nothing there.
  shard_ = policy_.NewShard();
  Insert("b");
  EXPECT_EQ(shard()->small.live(), 1u);
  policy_.OnRemove(shard_.get(), &a->meta);  // not in this S: no effect
  EXPECT_EQ(shard()->small.live(), 1u);
  policy_.OnAccess(shard_.get(), &a->meta, ctx_);  // counts as M's
  EXPECT_TRUE(meta::QueueIsMain(a->meta));
  EXPECT_EQ(shard()->small.live(), 1u);
}

TEST(RefQueue, StaysAFifoThroughRemovalsGrowthAndShrinking) {
  std::vector<std::unique_ptr<uint32_t>> metas;
  std::deque<uint32_t*> model;
  RefQueue q;
  uint64_t rng = 5;
  for (int step = 0; step < 100000; ++step) {
    const uint64_t r = NextRandom(&rng) % 10;
    if (r < 5 || model.empty()) {
      metas.push_back(std::make_unique<uint32_t>(0));
      q.Push(metas.back().get(), false, 1);
      model.push_back(metas.back().get());
    } else if (r < 7) {
      const size_t i = NextRandom(&rng) % model.size();
      uint32_t* e = model[i];
      ASSERT_TRUE(q.Holds(meta::QueuePos(*e), e));
      q.Remove(meta::QueuePos(*e));
      EXPECT_FALSE(q.Holds(meta::QueuePos(*e), e));
      model.erase(model.begin() + i);
    } else {
      EXPECT_EQ(q.PopFront(), model.front());
      model.pop_front();
    }
    ASSERT_EQ(q.live(), model.size());
    if (step % 1000 == 0) {
      for (uint32_t* e : model) ASSERT_TRUE(q.Holds(meta::QueuePos(*e), e));
    }
  }
  while (!model.empty()) {
    EXPECT_EQ(q.PopFront(), model.front());
    model.pop_front();
  }
  EXPECT_EQ(q.PopFront(), nullptr);
  EXPECT_LE(q.MemoryBytes(), 64 * 8);
}

TEST(GhostFilter, RemembersRecentKeysAndForgetsOldOnes) {
  GhostFilter g;
  for (uint64_t i = 1; i <= 1000; ++i) g.Add(i * 0x9E3779B97F4A7C15ull, 1000);
  int remembered = 0;
  for (uint64_t i = 1; i <= 1000; ++i) remembered += g.Contains(i * 0x9E3779B97F4A7C15ull);
  EXPECT_EQ(remembered, 1000);
  int false_positives = 0;
  for (uint64_t i = 5000; i < 15000; ++i) false_positives += g.Contains(i * 0x9E3779B97F4A7C15ull);
  EXPECT_LT(false_positives, 600);  // ~3% at 8 bits per key, 3 probes
  // Two more generations of other keys push the first ones out.
  for (uint64_t i = 100000; i < 102001; ++i) g.Add(i * 0x9E3779B97F4A7C15ull, 1000);
  remembered = 0;
  for (uint64_t i = 1; i <= 1000; ++i) remembered += g.Contains(i * 0x9E3779B97F4A7C15ull);
  EXPECT_LT(remembered, 100);
  EXPECT_LE(g.MemoryBytes(), 2 * 1000 + 64);
}

}  // namespace
}  // namespace shoal
