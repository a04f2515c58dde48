// Multi-threaded Store test: workers doing random single- and multi-key
// operations under StripeLocks while others scan, sample and expire. Meant to
// run under TSan too (SHOAL_SANITIZE=thread).
#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "server/store/slot_table.h"
#include "server/store/store.h"

namespace shoal {
namespace {

#if defined(__SANITIZE_THREAD__)
constexpr int kOpsPerThread = 30'000;
#else
constexpr int kOpsPerThread = 100'000;
#endif
constexpr int kKeySpace = 20'000;

std::string KeyName(uint32_t i) { return "key:" + std::to_string(i % kKeySpace); }

void Worker(Store* store, int seed, std::atomic<int64_t>* hits) {
  std::mt19937 rng(seed);
  const int64_t now = store->clock().NowMs();
  for (int i = 0; i < kOpsPerThread; ++i) {
    const uint32_t r = rng();
    const std::string key = KeyName(rng());
    const int op = r % 10;
    if (op == 9) {
      // Multi-key: move key → other (RENAME-like) with both stripes held.
      const std::string other = KeyName(rng());
      StripeLocks locks(store);
      locks.AddKey(other);  // arbitrary order; Acquire sorts
      locks.AddKey(key);
      locks.Acquire();
      if (Entry* e = store->Detach(0, key)) {
        store->Put(0, Entry::Rebuild(e, other, e->expire_ms(), /*steal=*/true));
        Entry::FreeShell(e);
      }
      continue;
    }
    StripeLocks locks(store);
    locks.AddKey(key);
    locks.Acquire();
    if (op < 3) {
      // A few keys get short TTLs so that lazy and active expiry both run.
      const int64_t expire = (r >> 8) % 8 == 0 ? now + 1 + (r >> 16) % 50 : 0;
      store->Put(0, Entry::NewString(key, std::to_string(r), expire));
    } else if (op < 7) {
      if (store->Find(0, key, Store::Lookup::kRead) != nullptr) ++*hits;
    } else if (op < 8) {
      store->Erase(0, key);
    } else if (Entry* e = store->Find(0, key)) {
      store->SetExpire(0, e, e->has_expire() ? 0 : now + 1000);
    }
  }
}

TEST(StoreThreads, ConcurrentOperationsKeepCountsConsistent) {
  // Few stripes: real contention. No reclaimer thread: it would go on
  // expiring keys while the checks below count them.
  Store store(StoreOptions{
      .databases = 2, .stripes = 16, .clock = SystemClock::Get(), .reclaim_memory = false});
  std::atomic<int64_t> hits{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(Worker, &store, t + 1, &hits);
  std::thread observer([&] {
    std::string key;
    uint64_t seed = 0;
    Watcher w;
    while (!done.load()) {
      store.ActiveExpireCycle(0, 1, 500);
      store.RandomKey(0, &key, seed++);
      store.Scan(0, (seed * 997) % kNumSlots, 50, [](const Entry&) {});
      store.Watch(0, "key:1", &w);
      store.Unwatch(0, "key:1", &w);
      store.DbSize(0);
      store.UsedMemory();
      store.Stats();
    }
  });
  for (auto& t : threads) t.join();
  done = true;
  observer.join();

  // Per-slot table sizes agree with the stripe counters.
  int64_t in_slots = 0;
  for (int slot = 0; slot < kNumSlots; ++slot) in_slots += store.CountKeysInSlot(0, slot);
  const KeyspaceCounts counts = store.Counts(0);
  EXPECT_EQ(in_slots, counts.keys);
  EXPECT_LE(counts.keys, kKeySpace);
  EXPECT_GE(counts.volatile_keys, 0);
  const StoreStats stats = store.Stats();
  EXPECT_EQ(stats.keyspace_hits, hits.load());
  EXPECT_GT(stats.keyspace_hits + stats.keyspace_misses, 0);

  // Every byte accounted on the way in is given back on the way out.
  StripeLocks all(&store);
  all.AddAll();
  all.Acquire();
  store.FlushAll();
  EXPECT_EQ(store.UsedMemory(), kNumSlots * sizeof(SlotTable));  // db 0's table array
  EXPECT_EQ(store.Counts(0).keys, 0);
  EXPECT_EQ(store.Counts(0).volatile_keys, 0);
}

}  // namespace
}  // namespace shoal
