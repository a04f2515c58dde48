// Internals shared by the Store's implementation files (store.cc,
// store_keyspace.cc, store_expire.cc): the lock stripe and its counters.
//
// Counters are written only by the holder of the stripe lock, so an update is
// a relaxed load and store (a plain mov on x86, no locked instruction, no
// shared cache line between stripes); readers such as INFO, DBSIZE and the
// maxmemory check sum them without taking any lock.
#ifndef SHOAL_SERVER_STORE_STORE_INTERNAL_H_
#define SHOAL_SERVER_STORE_STORE_INTERNAL_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "server/store/slot_hash.h"
#include "server/store/store.h"
#include "server/store/store_mutex.h"

namespace shoal {

// A counter with a single writer at a time (the stripe's lock holder) and
// lock-free readers.
class StripeCounter {
 public:
  void Add(int64_t d) {
    v_.store(v_.load(std::memory_order_relaxed) + d, std::memory_order_relaxed);
  }
  void Set(int64_t v) { v_.store(v, std::memory_order_relaxed); }
  int64_t Get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> v_{0};
};

struct DbCounters {
  StripeCounter keys;
  StripeCounter volatile_keys;
  StripeCounter table_bytes;  // the arrays of the db's slot tables in this stripe
};

// WATCH registry key: (db, key), looked up without copying the key.
struct WatchKey {
  int db;
  std::string key;
};
struct WatchKeyRef {
  int db;
  std::string_view key;
};
struct WatchKeyHash {
  using is_transparent = void;
  static size_t Of(int db, std::string_view key) {
    return KeyHash(key) ^ (static_cast<uint64_t>(db) * 0x9E3779B97F4A7C15ull);
  }
  size_t operator()(const WatchKey& k) const { return Of(k.db, k.key); }
  size_t operator()(const WatchKeyRef& k) const { return Of(k.db, k.key); }
};
struct WatchKeyEq {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return a.db == b.db && std::string_view(a.key) == std::string_view(b.key);
  }
};
using WatchMap = absl::flat_hash_map<WatchKey, std::vector<Watcher*>, WatchKeyHash, WatchKeyEq>;

// One lock stripe: the slots s with s % stripes == index. Aligned so that two
// stripes' locks and counters never share a cache line.
struct alignas(64) Store::Stripe {
  Stripe(int databases, int index, uint64_t seed)
      : db(databases), index(index), rng(seed ^ (0x9E3779B97F4A7C15ull * (index + 1))) {}

  StoreMutex mu;
  // Entries' MemoryBytes + table arrays + the policy shard, bytes.
  StripeCounter memory;
  StripeCounter policy_memory;  // the policy shard's part of `memory`
  StripeCounter hits;
  StripeCounter misses;
  StripeCounter expired;
  StripeCounter evicted;
  StripeCounter volatile_total;  // over all dbs, lets the expiry cycle skip
  std::vector<DbCounters> db;    // per database
  WatchMap watchers ABSL_GUARDED_BY(mu);
  const int index;

  // Memory changes not yet added to Store::approx_memory_.
  int64_t unpublished_memory ABSL_GUARDED_BY(mu) = 0;
  // The policy this stripe's shard belongs to, and the shard (nullptr for
  // policies without side state). See Store::PolicyOf.
  EvictionPolicy* policy ABSL_GUARDED_BY(mu) = nullptr;
  std::unique_ptr<PolicyShard> shard ABSL_GUARDED_BY(mu);
  uint64_t rng ABSL_GUARDED_BY(mu);
  // ShardWalker cursor: slot number within the stripe, db, table index.
  int walk_slot ABSL_GUARDED_BY(mu) = 0;
  int walk_db ABSL_GUARDED_BY(mu) = 0;
  size_t walk_index ABSL_GUARDED_BY(mu) = 0;
};

// The active expiry cycle's resume points, one per part (worker).
struct Store::ExpireState {
  StoreMutex mu;
  struct Cursor {
    int pos = 0;        // index among the part's slots
    int db = 0;         // next database within that slot
    size_t offset = 0;  // index reached in that table (resume point)
  };
  // By (parts << 32 | part).
  absl::flat_hash_map<int64_t, Cursor> cursors ABSL_GUARDED_BY(mu);
};

// Locks a StoreMutex for a scope, unless the thread already holds every
// stripe (then `already_held` is true and it does nothing).
class StripeGuard {
 public:
  StripeGuard(StoreMutex* mu, bool already_held) : mu_(already_held ? nullptr : mu) {
    if (mu_ != nullptr) mu_->Lock();
  }
  ~StripeGuard() {
    if (mu_ != nullptr) mu_->Unlock();
  }
  StripeGuard(const StripeGuard&) = delete;
  StripeGuard& operator=(const StripeGuard&) = delete;

 private:
  StoreMutex* mu_;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_STORE_STORE_INTERNAL_H_
