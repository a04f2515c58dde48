// Tests for Store: key operations, lazy expiry, counts and memory, SCAN,
// RANDOMKEY, flush/swap, WATCH and StripeLocks — single-threaded, with a
// FakeClock.
#include "server/store/store.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/store/compound_value.h"
#include "server/store/slot_table.h"

namespace shoal {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;

class StoreTest : public ::testing::Test {
 protected:
  StoreTest() : clock_(kT0), store_(StoreOptions{
            .databases = 16, .stripes = 64, .clock = &clock_, .reclaim_memory = false}) {}

  // Runs f with the stripe of `key` held.
  template <typename F>
  auto WithKey(std::string_view key, F f) {
    StripeLocks locks(&store_);
    locks.AddKey(key);
    locks.Acquire();
    return f();
  }
  void Set(int db, std::string_view key, std::string_view value, int64_t expire_ms = 0) {
    WithKey(key, [&] {
      store_.Put(db, Entry::NewString(key, value, expire_ms));
      return 0;
    });
  }
  bool Exists(int db, std::string_view key) {
    return WithKey(key, [&] { return store_.Find(db, key) != nullptr; });
  }
  std::string Get(int db, std::string_view key) {
    return WithKey(key, [&] {
      char buf[24];
      Entry* e = store_.Find(db, key, Store::Lookup::kRead);
      return e ? std::string(e->StringValue(buf)) : std::string("(nil)");
    });
  }
  bool Del(int db, std::string_view key) {
    return WithKey(key, [&] { return store_.Erase(db, key); });
  }
  std::vector<std::string> ScanAll(int db, size_t count = 10) {
    std::vector<std::string> keys;
    uint64_t cursor = 0;
    do {
      cursor = store_.Scan(db, cursor, count, [&](const Entry& e) { keys.emplace_back(e.key()); });
    } while (cursor != 0);
    return keys;
  }

  FakeClock clock_;
  Store store_;
};

TEST_F(StoreTest, PutFindReplaceErase) {
  EXPECT_EQ(Get(0, "k"), "(nil)");
  Set(0, "k", "v1");
  EXPECT_EQ(Get(0, "k"), "v1");
  Set(0, "k", "123");
  EXPECT_EQ(Get(0, "k"), "123");
  EXPECT_EQ(store_.DbSize(0), 1);
  EXPECT_EQ(Get(1, "k"), "(nil)");  // databases are separate
  EXPECT_TRUE(Del(0, "k"));
  EXPECT_FALSE(Del(0, "k"));
  EXPECT_EQ(store_.DbSize(0), 0);
  StoreStats s = store_.Stats();
  EXPECT_EQ(s.keyspace_hits, 2);
  EXPECT_EQ(s.keyspace_misses, 2);
  store_.ResetStats();
  EXPECT_EQ(store_.Stats().keyspace_hits, 0);
}

TEST_F(StoreTest, DetachHandsTheEntryOver) {
  Set(0, "k", "v");
  Entry* e = WithKey("k", [&] { return store_.Detach(0, "k"); });
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->raw_value(), "v");
  EXPECT_EQ(store_.DbSize(0), 0);
  Entry::Free(e);
}

TEST_F(StoreTest, LazyExpiryHidesAndCounts) {
  Set(0, "a", "1", kT0 + 100);
  Set(0, "b", "2");
  EXPECT_EQ(store_.Counts(0).keys, 2);
  EXPECT_EQ(store_.Counts(0).volatile_keys, 1);
  clock_.AdvanceMs(99);
  EXPECT_EQ(Get(0, "a"), "1");
  clock_.AdvanceMs(1);  // expire_ms <= now: gone
  EXPECT_EQ(Get(0, "a"), "(nil)");
  EXPECT_EQ(store_.Stats().expired_keys, 1);
  EXPECT_EQ(store_.Counts(0).keys, 1);
  EXPECT_EQ(store_.Counts(0).volatile_keys, 0);
  // An expired key is not live for Erase either, but is reclaimed.
  Set(0, "c", "3", kT0 + 50);
  EXPECT_FALSE(Del(0, "c"));
  EXPECT_EQ(store_.Stats().expired_keys, 2);
  EXPECT_EQ(store_.DbSize(0), 1);
  // Scan and KeysInSlot hide expired keys.
  Set(0, "d", "4", kT0 + 50);
  EXPECT_EQ(ScanAll(0), std::vector<std::string>{"b"});
  EXPECT_TRUE(store_.KeysInSlot(0, KeySlot("d"), 10).empty());
}

TEST_F(StoreTest, SetExpireAddsChangesAndClears) {
  Set(0, "k", "value");
  WithKey("k", [&] {
    Entry* e = store_.Find(0, "k");
    e = store_.SetExpire(0, e, kT0 + 1000);
    EXPECT_EQ(e->expire_ms(), kT0 + 1000);
    EXPECT_EQ(store_.Find(0, "k"), e);
    EXPECT_EQ(store_.Counts(0).volatile_keys, 1);
    e = store_.SetExpire(0, e, kT0 + 2000);  // in place
    EXPECT_EQ(store_.Find(0, "k")->expire_ms(), kT0 + 2000);
    e = store_.SetExpire(0, e, 0);
    EXPECT_FALSE(e->has_expire());
    EXPECT_EQ(e->raw_value(), "value");
    EXPECT_EQ(store_.Counts(0).volatile_keys, 0);
    return 0;
  });
  clock_.AdvanceMs(5000);
  EXPECT_EQ(Get(0, "k"), "value");
}

class CountingValue : public CompoundValue {
 public:
  explicit CountingValue(int* live) : live_(live) { ++*live_; }
  ~CountingValue() override { --*live_; }
  size_t MemoryBytes() const override { return 500; }
  CompoundValue* Clone() const override { return new CountingValue(live_); }
  size_t Size() const override { return 1; }
  const char* EncodingName() const override { return "listpack"; }

 private:
  int* live_;
};

TEST_F(StoreTest, SetExpireOnObjectMovesTheObject) {
  int live = 0;
  const int64_t before = store_.UsedMemory();
  WithKey("h", [&] {
    store_.Put(0, Entry::NewObject("h", ValueType::kHash, new CountingValue(&live)));
    Entry* e = store_.Find(0, "h");
    CompoundValue* obj = e->object();
    e = store_.SetExpire(0, e, kT0 + 10);
    EXPECT_EQ(e->object(), obj);
    EXPECT_EQ(live, 1);
    store_.MarkModified(0, "h", 100);
    return 0;
  });
  EXPECT_GE(store_.UsedMemory() - before, 600);
  EXPECT_TRUE(Del(0, "h"));
  EXPECT_EQ(live, 0);
}

TEST_F(StoreTest, MemoryGoesUpAndBackDown) {
  EXPECT_EQ(store_.UsedMemory(), 0);
  Set(0, "first", "v");  // allocates db 0's slot tables (no entries yet)
  Del(0, "first");
  const int64_t empty = store_.UsedMemory();
  const int64_t tables = kNumSlots * sizeof(SlotTable);  // db 0's table array
  EXPECT_GE(empty, tables);
  for (int i = 0; i < 5000; ++i) Set(0, "key:" + std::to_string(i), std::string(100, 'x'));
  EXPECT_GT(store_.UsedMemory(), empty + 5000 * 100);
  for (int i = 0; i < 5000; ++i) Del(0, "key:" + std::to_string(i));
  // Entries are gone; the tables shrank back (sparse tables are rebuilt).
  EXPECT_LT(store_.UsedMemory() - empty, 5000 * 20);
  StripeLocks all(&store_);
  all.AddAll();
  all.Acquire();
  store_.FlushAll();
  EXPECT_EQ(store_.UsedMemory(), tables);
}

TEST_F(StoreTest, OverwriteStringKeepsTheBlockAndCountsAsAWrite) {
  Set(0, "k", std::string(40, 'a'));
  const int64_t memory = store_.UsedMemory();
  Watcher w;
  store_.Watch(0, "k", &w);
  WithKey("k", [&] {
    const HashedKey key("k");
    Entry* e = store_.Find(0, key);
    EXPECT_TRUE(store_.OverwriteString(0, key, e, std::string(40, 'b'), 0));
    EXPECT_EQ(store_.Find(0, key), e);  // the same block, still in the table
    EXPECT_FALSE(store_.OverwriteString(0, key, e, std::string(400, 'c'), 0));
    return 0;
  });
  EXPECT_TRUE(w.dirty);
  EXPECT_EQ(Get(0, "k"), std::string(40, 'b'));
  EXPECT_EQ(store_.UsedMemory(), memory);
  EXPECT_EQ(store_.DbSize(0), 1);
  store_.Unwatch(0, "k", &w);
}

TEST_F(StoreTest, HashedKeyCarriesTheSlotAndHash) {
  const HashedKey a("user:{42}:name");
  EXPECT_EQ(a.slot, KeySlot("{42}"));
  EXPECT_EQ(a.hash, KeyHash("user:{42}:name"));
  const HashedKey b("user:{42}:name", a.slot);
  EXPECT_EQ(b.hash, a.hash);
  Set(0, "user:{42}:name", "v");
  EXPECT_TRUE(WithKey("user:{42}:name", [&] { return store_.Find(0, b) != nullptr; }));
}

TEST_F(StoreTest, ScanReturnsEveryKeyOnceWhileTheDbGrows) {
  std::set<std::string> initial;
  for (int i = 0; i < 2000; ++i) {
    initial.insert("k" + std::to_string(i));
    Set(3, "k" + std::to_string(i), "v");
  }
  std::map<std::string, int> seen;
  uint64_t cursor = 0;
  int extra = 0;
  do {
    cursor = store_.Scan(3, cursor, 7, [&](const Entry& e) { ++seen[std::string(e.key())]; });
    // Insert more keys between calls, enough to make tables grow.
    for (int j = 0; j < 20; ++j) Set(3, "new" + std::to_string(extra++), "v");
  } while (cursor != 0);
  for (const auto& k : initial) EXPECT_EQ(seen[k], 1) << k;
  for (const auto& [k, n] : seen) EXPECT_EQ(n, 1) << k;
  EXPECT_EQ(store_.DbSize(3), 2000 + extra);
}

TEST_F(StoreTest, ScanStopsAfterCountAndEndsWithZero) {
  EXPECT_EQ(store_.Scan(0, 0, 10, [](const Entry&) {}), 0u);  // empty db: one call
  for (int i = 0; i < 100; ++i) Set(0, "k" + std::to_string(i), "v");
  size_t n = 0;
  uint64_t next = store_.Scan(0, 0, 10, [&](const Entry&) { ++n; });
  EXPECT_GE(n, 10u);
  EXPECT_NE(next, 0u);
  EXPECT_EQ(store_.Scan(0, kNumSlots, 10, [](const Entry&) {}), 0u);
}

TEST_F(StoreTest, KeysAndCountsInSlot) {
  Set(0, "{t}a", "1");
  Set(0, "{t}b", "2");
  Set(0, "{t}c", "3", kT0 + 1000);
  const int slot = KeySlot("t");
  EXPECT_EQ(store_.CountKeysInSlot(0, slot), 3);
  EXPECT_EQ(store_.KeysInSlot(0, slot, 10).size(), 3u);
  EXPECT_EQ(store_.KeysInSlot(0, slot, 2).size(), 2u);
  EXPECT_EQ(store_.CountKeysInSlot(1, slot), 0);
}

TEST_F(StoreTest, RandomKeyWithFewAndManyKeys) {
  std::string key;
  EXPECT_FALSE(store_.RandomKey(0, &key, 1));
  Set(0, "only", "v");
  for (uint64_t seed = 0; seed < 20; ++seed) {
    ASSERT_TRUE(store_.RandomKey(0, &key, seed));
    EXPECT_EQ(key, "only");
  }
  for (int i = 0; i < 1000; ++i) Set(0, "k" + std::to_string(i), "v");
  std::set<std::string> picked;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    ASSERT_TRUE(store_.RandomKey(0, &key, seed));
    picked.insert(key);
  }
  EXPECT_GT(picked.size(), 100u);
}

TEST_F(StoreTest, RandomKeySkipsAndReclaimsExpiredKeys) {
  for (int i = 0; i < 50; ++i) Set(0, "gone" + std::to_string(i), "v", kT0 + 10);
  Set(0, "live", "v");
  clock_.AdvanceMs(10);
  std::string key;
  ASSERT_TRUE(store_.RandomKey(0, &key, 42));
  EXPECT_EQ(key, "live");
  for (int i = 0; i < 50; ++i) Set(1, "gone" + std::to_string(i), "v", kT0 + 20);
  clock_.AdvanceMs(10);
  EXPECT_FALSE(store_.RandomKey(1, &key, 7));
  EXPECT_EQ(store_.DbSize(1), 0);
}

// MemoryOverheads' per-db table bytes and policy bytes, kept as counters,
// add up with the entries to UsedMemory through growth, shrinking, SWAPDB
// and FLUSHDB.
TEST_F(StoreTest, MemoryOverheadsAddUpToUsedMemory) {
  auto check = [&](const char* when) {
    StripeLocks all(&store_);
    all.AddAll();
    all.Acquire();
    const Store::Overheads o = store_.MemoryOverheads();
    int64_t total = o.policy_bytes;
    for (int db = 0; db < store_.databases(); ++db) {
      total += o.table_bytes[static_cast<size_t>(db)];
      size_t entries = 0;
      for (int slot = 0; slot < kNumSlots; ++slot) store_.KeysInSlot(db, slot, ~size_t{0}, &entries);
      total += static_cast<int64_t>(entries);
      if (o.table_bytes[static_cast<size_t>(db)] != 0) {
        EXPECT_GE(o.table_bytes[static_cast<size_t>(db)],
                  static_cast<int64_t>(kNumSlots * sizeof(SlotTable))) << when;
      }
    }
    EXPECT_EQ(total, store_.UsedMemory()) << when;
  };
  for (int i = 0; i < 3000; ++i) Set(0, "k" + std::to_string(i), "value");
  for (int i = 0; i < 50; ++i) Set(2, "x" + std::to_string(i), "value");
  check("after growth");
  EXPECT_EQ(store_.MemoryOverheads().table_bytes[1], 0);  // never written
  for (int i = 0; i < 2900; ++i) Del(0, "k" + std::to_string(i));
  check("after shrinking");
  const std::vector<int64_t> before = store_.MemoryOverheads().table_bytes;
  EXPECT_NE(before[0], before[2]);
  {
    StripeLocks all(&store_);
    all.AddAll();
    all.Acquire();
    store_.SwapDb(0, 2);
  }
  check("after SWAPDB");
  EXPECT_EQ(store_.MemoryOverheads().table_bytes[0], before[2]);
  EXPECT_EQ(store_.MemoryOverheads().table_bytes[2], before[0]);
  {
    StripeLocks all(&store_);
    all.AddAll();
    all.Acquire();
    store_.FlushDb(2);
  }
  check("after FLUSHDB");
  EXPECT_EQ(store_.MemoryOverheads().table_bytes[2],
            static_cast<int64_t>(kNumSlots * sizeof(SlotTable)));  // the directory stays
}

TEST_F(StoreTest, FlushDbAndSwapDb) {
  Set(0, "a", "1");
  Set(0, "b", "2", kT0 + 1000);
  Set(1, "c", "3");
  StripeLocks all(&store_);
  all.AddAll();
  all.Acquire();
  EXPECT_TRUE(all.holds_all());
  store_.SwapDb(0, 1);
  EXPECT_EQ(store_.Counts(0).keys, 1);
  EXPECT_EQ(store_.Counts(1).keys, 2);
  EXPECT_EQ(store_.Counts(1).volatile_keys, 1);
  EXPECT_NE(store_.Find(0, "c"), nullptr);
  EXPECT_NE(store_.Find(1, "a"), nullptr);
  EXPECT_EQ(store_.Find(0, "a"), nullptr);
  // Self-locking methods work while all stripes are held (no relock).
  EXPECT_EQ(store_.DbSize(1), 2);
  EXPECT_EQ(store_.CountKeysInSlot(1, KeySlot("a")), 1);
  uint64_t c = store_.Scan(1, 0, 100, [](const Entry&) {});
  EXPECT_EQ(c, 0u);
  store_.FlushDb(1);
  EXPECT_EQ(store_.Counts(1).keys, 0);
  EXPECT_EQ(store_.Counts(1).volatile_keys, 0);
  EXPECT_EQ(store_.Find(1, "a"), nullptr);
  EXPECT_EQ(store_.Counts(0).keys, 1);
  // A nested StripeLocks inside an all-stripes holder is a no-op.
  {
    StripeLocks inner(&store_);
    inner.AddKey("c");
    inner.Acquire();
    EXPECT_NE(store_.Find(0, "c"), nullptr);
  }
  store_.FlushAll();
  EXPECT_EQ(store_.Counts(0).keys, 0);
  all.Release();
  EXPECT_FALSE(all.holds_all());
  Set(0, "after", "1");  // locks work again after release
  EXPECT_EQ(store_.DbSize(0), 1);
}

TEST_F(StoreTest, WatchersDirtiedByWritesToTheirKeyOnly) {
  Watcher w;
  store_.Watch(0, "k", &w);
  Set(0, "other", "v");
  Set(1, "k", "v");  // same key, other db
  EXPECT_FALSE(w.dirty);
  Set(0, "k", "v");
  EXPECT_TRUE(w.dirty);
  w.dirty = false;
  WithKey("k", [&] {
    store_.MarkModified(0, "k");
    return 0;
  });
  EXPECT_TRUE(w.dirty);
  w.dirty = false;
  EXPECT_TRUE(Del(0, "k"));
  EXPECT_TRUE(w.dirty);
  w.dirty = false;
  Set(0, "k", "v", kT0 + 5);
  w.dirty = false;
  clock_.AdvanceMs(5);
  EXPECT_FALSE(Exists(0, "k"));  // lazy expiry
  EXPECT_TRUE(w.dirty);
  store_.Unwatch(0, "k", &w);
  w.dirty = false;
  Set(0, "k", "v");
  EXPECT_FALSE(w.dirty);
}

TEST_F(StoreTest, WatchersDirtiedByActiveExpiryAndFlushOfExistingKeys) {
  Watcher a, b, c, d, e;
  store_.Watch(0, "x", &a);
  store_.Watch(1, "y", &b);
  store_.Watch(2, "never-set", &c);
  store_.Watch(1, "missing", &d);
  store_.Watch(2, "in-3", &e);
  Set(0, "x", "v", kT0 + 5);
  Set(1, "y", "v");
  Set(3, "in-3", "v");
  a.dirty = false;
  b.dirty = false;
  e.dirty = false;
  clock_.AdvanceMs(10);
  EXPECT_EQ(store_.ActiveExpireCycle(0, 1, 1'000'000), 1);
  EXPECT_TRUE(a.dirty);
  EXPECT_FALSE(b.dirty);
  StripeLocks all(&store_);
  all.AddAll();
  all.Acquire();
  // As Redis: a flush or swap dirties only watchers of keys that exist.
  store_.FlushDb(1);
  EXPECT_TRUE(b.dirty);
  EXPECT_FALSE(d.dirty);
  EXPECT_FALSE(c.dirty);
  store_.SwapDb(2, 3);
  EXPECT_FALSE(c.dirty);
  EXPECT_TRUE(e.dirty);  // in-3 exists in the db swapped in
  store_.FlushAll();
  EXPECT_FALSE(c.dirty);
  EXPECT_FALSE(d.dirty);
  store_.Unwatch(0, "x", &a);  // self-locking, no relock under AddAll
  store_.Unwatch(1, "y", &b);
  store_.Unwatch(2, "never-set", &c);
  store_.Unwatch(1, "missing", &d);
  store_.Unwatch(2, "in-3", &e);
}

TEST_F(StoreTest, StripeLocksTakeManyKeysInAnyOrder) {
  std::vector<std::string> keys;
  for (int i = 0; i < 40; ++i) keys.push_back("m" + std::to_string(i * 7919 % 1000));
  keys.push_back(keys[0]);  // duplicates are fine
  StripeLocks locks(&store_);
  for (const auto& k : keys) locks.AddKey(k);
  locks.AddSlot(KeySlot(keys[3]));
  locks.Acquire();
  for (const auto& k : keys) store_.Put(0, Entry::NewString(k, "v"));
  for (const auto& k : keys) EXPECT_NE(store_.Find(0, k), nullptr);
  locks.Release();
  locks.Release();  // idempotent
  EXPECT_EQ(store_.DbSize(0), 40);
}

#ifndef NDEBUG
TEST(StoreDeathTest, DebugBuildsCatchAMissingStripeLock) {
  FakeClock clock;
  Store store(
      StoreOptions{.databases = 1, .stripes = 4, .clock = &clock, .reclaim_memory = false});
  EXPECT_DEATH(store.Find(0, "k"), "hold");
}
#endif

}  // namespace
}  // namespace shoal
