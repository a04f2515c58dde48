// Store: the keyspace of one node — databases × 16384 slots of SlotTables,
// grouped into lock stripes, with lazy and active expiry, WATCH tracking and
// per-stripe memory accounting.
//
// Locking: slot s belongs to stripe s % stripes (stripes is a power of two).
// Every method that takes (db, key) requires the caller to hold that key's
// stripe, through a StripeLocks object (which locks in ascending order so
// multi-key commands never deadlock). Methods marked "self-locking" take the
// stripes they need themselves, one at a time, unless the calling thread
// already holds every stripe (StripeLocks::AddAll, used by EXEC and FLUSHALL);
// so they must not be called while holding only some stripes. A StripeLocks
// acquired while the thread holds every stripe locks nothing (nested in EXEC).
// Counts, DbSize, UsedMemory and Stats take no lock at all: they sum
// per-stripe counters that only the stripe's holder writes.
//
// Entries returned by Find are valid while the caller holds the stripe and
// does not modify that key through the store.
//
// Expiry: Find never returns an expired entry; it deletes it (counted in
// expired_keys) — lazy expiry. ActiveExpireCycle reclaims expired keys that
// nobody reads, a budgeted step at a time, split across callers by `part`.
//
// WATCH: a Watcher registered on (db, key) is marked dirty whenever that key
// is written, deleted, expired, evicted or flushed through the store (a
// flush or swap marks only watchers of keys that exist, as Redis does).
// Commands that change a value in place (INCR on an int) call MarkModified.
//
// Eviction (store_evict.cc, docs/memory.md): every entry carries 32 bits of
// metadata owned by the active EvictionPolicy (eviction/), chosen by the
// EvictionSettings' maxmemory-policy at each call, so CONFIG SET switches
// policy at once. The store calls the policy's hooks on insert, lookup
// (unless kReadNoTouch), replacement and removal, with the key's stripe held,
// and never branches on which policy it is. EnsureMemory(limit) evicts
// through the policy until used memory is back under the limit.
#ifndef SHOAL_SERVER_STORE_STORE_H_
#define SHOAL_SERVER_STORE_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/inlined_vector.h"
#include "absl/synchronization/mutex.h"
#include "eviction/policy.h"
#include "eviction/settings.h"
#include "server/store/clock.h"
#include "server/store/entry.h"
#include "server/store/slot_hash.h"
#include "server/store/store_mutex.h"

namespace shoal {

class SlotTable;
class Store;

struct StoreOptions {
  int databases = 16;
  int stripes = 256;  // power of two, <= kNumSlots
  const Clock* clock = nullptr;  // defaults to SystemClock::Get()
  // maxmemory-policy and its knobs; defaults to ProcessEvictionSettings().
  EvictionSettings* eviction = nullptr;
  uint64_t seed = 0x5EED;  // sampling and LFU coin flips
  // Runs a background thread that gives freed memory back to the OS
  // (malloc_trim) after used memory fell by a lot (store_memory.cc).
  bool reclaim_memory = true;
};

// A client's WATCH state; dirty is set from any thread.
struct Watcher {
  std::atomic<bool> dirty{false};
};

// Holds a set of stripes locked; releases them on destruction.
class StripeLocks {
 public:
  explicit StripeLocks(Store* store) : store_(store) {}
  ~StripeLocks() { Release(); }
  StripeLocks(const StripeLocks&) = delete;
  StripeLocks& operator=(const StripeLocks&) = delete;

  // Collect, then Acquire. Adding after Acquire is not allowed.
  void AddKey(std::string_view key);
  void AddSlot(int slot);
  void AddAll() { all_ = true; }
  void Acquire();
  // Acquire without waiting: false (holding nothing) if a stripe is taken.
  // For scripts that add a stripe while holding others (script_worker.h).
  bool TryAcquire();
  void Release();
  bool holds_all() const { return all_ && locked_; }

 private:
  Store* store_;
  absl::InlinedVector<uint32_t, 4> stripes_;
  bool all_ = false;
  bool locked_ = false;
  // False when Acquire found every stripe already held by this thread (a
  // command inside EXEC): nothing was locked, so nothing is unlocked.
  bool owns_ = false;
};

struct KeyspaceCounts {
  int64_t keys = 0;
  int64_t volatile_keys = 0;
};

struct StoreStats {
  int64_t expired_keys = 0;
  int64_t evicted_keys = 0;
  int64_t keyspace_hits = 0;
  int64_t keyspace_misses = 0;
  int64_t expired_stale_perc_x100 = 0;  // last active cycle, percent × 100
};

// Why the store itself removed a key (keyspace notifications).
enum class KeyRemoval { kExpired, kEvicted };
// Called under the key's stripe lock, from any thread (workers, the active
// expiry cycle, the reclaimer): it must not take stripe locks.
using KeyRemovalListener =
    std::function<void(int db, std::string_view key, KeyRemoval why)>;

class Store {
 public:
  explicit Store(const StoreOptions& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Set once at start-up, before any other thread uses the store.
  void SetRemovalListener(KeyRemovalListener l) { removal_listener_ = std::move(l); }
  // Called when a kRead lookup finds no live key (Redis's lookupKeyRead miss:
  // the "keymiss" keyspace notification), under the key's stripe, from the
  // worker running the command. It must not take stripe locks. Set once at
  // start-up.
  using KeyMissListener = std::function<void(int db, std::string_view key)>;
  void SetMissListener(KeyMissListener l) { miss_listener_ = std::move(l); }
  // Called for every key the store changes — written, replaced, modified in
  // place, deleted, expired, evicted, flushed while watched — under the key's
  // stripe, from any thread, after the change (replication records the key's
  // new state). It must not take stripe locks. Set once at start-up.
  using ChangeListener = void (*)(void* arg, int db, std::string_view key);
  void SetChangeListener(ChangeListener fn, void* arg) {
    change_fn_ = fn;
    change_arg_ = arg;
  }
  // The listener set now (to chain another one after it: main.cc).
  ChangeListener change_listener() const { return change_fn_; }
  void* change_listener_arg() const { return change_arg_; }

  int databases() const { return databases_; }
  int stripes() const { return static_cast<int>(stripes_.size()); }
  const Clock& clock() const { return *clock_; }
  int StripeOfSlot(int slot) const { return slot & (stripes() - 1); }

  // Prefetch hints for keys that commands about to run will look up (a
  // pipeline's, protocol/pipeline_scan.h): their slot tables, then the first
  // slot each probe reads, so the misses overlap. Needs no lock: it reads
  // table headers only, and a stale one costs a useless prefetch, never a
  // fault. Fills hashed[0..n) with each key hashed (HashedKey), so that the
  // commands can take their key's hash and slot from there instead of
  // hashing it again (Dispatcher::Dispatch's key hint). At most
  // kPrefetchBatch keys.
  void PrefetchLookups(int db, const std::string_view* keys, size_t n, HashedKey* hashed) const;
  // The same for a multi-key command (MGET) about to look its keys up one
  // by one: the caller holds every key's stripe, so each key's first
  // matching entry is prefetched as well. At most kPrefetchBatch keys.
  static constexpr size_t kPrefetchBatch = 32;
  void PrefetchHeld(int db, const HashedKey* keys, size_t n) const;

  // ---- Key operations: the caller holds the key's stripe. ----
  //
  // The hot ones take the key as a HashedKey (slot_hash.h), so that one
  // command hashes its key once however many calls it makes; the forms that
  // take a string_view hash it themselves.

  // Looks a key up; deletes and hides it if expired. kRead lookups count
  // keyspace_hits/keyspace_misses (as Redis's lookupKeyRead does). A found
  // key counts as accessed for eviction (LRU clock, LFU counter...) except
  // with kReadNoTouch (OBJECT, CLIENT NO-TOUCH), which still counts stats.
  enum class Lookup { kRead, kWrite, kReadNoTouch };
  Entry* Find(int db, const HashedKey& key, Lookup mode = Lookup::kWrite);
  Entry* Find(int db, std::string_view key, Lookup mode = Lookup::kWrite) {
    return Find(db, HashedKey(key), mode);
  }
  // Inserts e (taking ownership; `key` is e's key), replacing and freeing any
  // entry with the same key. Marks the key modified.
  void Put(int db, const HashedKey& key, Entry* e);
  void Put(int db, Entry* e) { Put(db, HashedKey(e->key()), e); }
  // Replaces the live entry `old_e` (from Find) by `new_e` with the same key,
  // freeing old_e (or only its shell when `old_shell_only`, after
  // Entry::Rebuild(steal=true)). Marks the key modified.
  void Replace(int db, const HashedKey& key, Entry* old_e, Entry* new_e,
               bool old_shell_only = false);
  void Replace(int db, Entry* old_e, Entry* new_e, bool old_shell_only = false) {
    Replace(db, HashedKey(new_e->key()), old_e, new_e, old_shell_only);
  }
  // Gives the live string entry `e` (from Find) the value `value` and expire
  // `expire_ms` (0: none) in its own allocation when the new contents need
  // the same size class of it (Entry::AssignString): no allocation, no free.
  // Then it is as if Replace had put a new entry there (the eviction policy
  // sees a replacement, the key is marked modified) and returns true; returns
  // false, changing nothing, when a new entry is needed.
  bool OverwriteString(int db, const HashedKey& key, Entry* e, std::string_view value,
                       int64_t expire_ms);
  // Removes and frees the key; returns whether it existed (and was live).
  bool Erase(int db, const HashedKey& key);
  bool Erase(int db, std::string_view key) { return Erase(db, HashedKey(key)); }
  // The key's entry as stored, expired or not, without expiring it, touching
  // the eviction policy or counting stats (replication reads the state it
  // ships). Null when absent.
  const Entry* Peek(int db, std::string_view key) const;
  // Removes the key and hands its entry to the caller instead of freeing it.
  Entry* Detach(int db, const HashedKey& key);
  Entry* Detach(int db, std::string_view key) { return Detach(db, HashedKey(key)); }
  // Sets or clears (when_ms == 0) a key's expire; may reallocate the entry,
  // so returns the entry now in the table. Marks the key modified.
  Entry* SetExpire(int db, Entry* e, int64_t when_ms);
  // For in-place value changes (ints, compound values): WATCH invalidation and
  // memory accounting (pass the change in the value's heap bytes).
  void MarkModified(int db, const HashedKey& key, int64_t bytes_delta = 0) {
    MarkModifiedInSlot(db, key.slot, key.key, bytes_delta);
  }
  void MarkModified(int db, std::string_view key, int64_t bytes_delta = 0) {
    MarkModifiedInSlot(db, KeySlot(key), key, bytes_delta);
  }

  // ---- WATCH ---- (self-locking: takes the key's stripe)
  void Watch(int db, std::string_view key, Watcher* w);
  void Unwatch(int db, std::string_view key, Watcher* w);

  // ---- Whole-keyspace operations (self-locking unless all stripes held) ----

  // Visits the live entries of the slots starting at cursor's slot; stops
  // after a slot once at least `count` entries were visited. Returns the next
  // cursor (0 when done). The cursor is the next slot index, so it survives
  // table growth: every key present for the whole scan is returned.
  uint64_t Scan(int db, uint64_t cursor, size_t count,
                const std::function<void(const Entry&)>& visit);
  int64_t DbSize(int db);
  // Copies a random live key into *key; false when the db is empty.
  bool RandomKey(int db, std::string* key, uint64_t seed);
  // These three require all stripes held (StripeLocks::AddAll).
  void FlushDb(int db);
  void FlushAll();
  void SwapDb(int a, int b);

  // Number of live keys (including not yet reclaimed expired ones) per db.
  KeyspaceCounts Counts(int db) const;

  // Reclaims expired keys in slots s with s % parts == part, for at most
  // budget_us microseconds, and never more than kMaxExpireSliceUs in one call
  // (the caller's thread serves clients: a longer slice is a latency spike).
  // Returns keys reclaimed.
  static constexpr int64_t kMaxExpireSliceUs = 5000;
  int64_t ActiveExpireCycle(int part, int parts, int64_t budget_us);

  // Keys of one slot in db (self-locking). For CLUSTER GETKEYSINSLOT & co.
  // Adds the memory of the returned entries to *bytes when given.
  std::vector<std::string> KeysInSlot(int db, int slot, size_t max, size_t* bytes = nullptr);
  int64_t CountKeysInSlot(int db, int slot);
  // Where the accounted bytes that are not entries go, from counters kept
  // beside the memory accounting (no locks; O(stripes x dbs), for INFO and
  // MEMORY STATS): the slot tables' arrays and directory of each db, and the
  // eviction policy's side structures (queues, sketch).
  struct Overheads {
    std::vector<int64_t> table_bytes;  // per db; 0 for a db never written
    int64_t policy_bytes = 0;
  };
  Overheads MemoryOverheads() const;
  // Deletes up to `max` keys of one slot in db (self-locking: takes the
  // slot's stripe once), as ordinary erasures: memory, counts and WATCH are
  // accounted. Returns the keys removed; fewer than `max` means the slot is
  // now empty. Cluster mode drops the keys of slots this node stopped owning
  // (store_slots.cc).
  size_t DropSlotKeys(int db, int slot, size_t max);

  // ---- Memory, eviction and stats ----

  // Exact: the sum of the stripe counters (entries, tables, policy side
  // structures).
  int64_t UsedMemory() const;
  // One atomic load: within kApproxSlackPerStripe * stripes() of UsedMemory
  // (stripes publish their changes in batches of that size).
  int64_t UsedMemoryApprox() const;
  static constexpr int64_t kApproxSlackPerStripe = 256;

  // Makes used memory at most `limit` bytes if it is over: evicts keys
  // through the active policy, a little below the limit so that the next
  // writes do not each evict. Returns whether used memory is now within the
  // limit (false: noeviction, or nothing evictable — the caller replies
  // -OOM). Takes stripes one at a time: the caller must hold none. Evictions
  // are serialized; concurrent callers wait and then see the freed memory.
  bool EnsureMemory(int64_t limit);
  // Called after each EnsureMemory run that had to evict, with how long it
  // took in microseconds (LATENCY's "eviction-cycle" event). Set once at
  // start-up, before workers run.
  void set_eviction_observer(std::function<void(int64_t us)> f) {
    eviction_observer_ = std::move(f);
  }

  // OBJECT IDLETIME / OBJECT FREQ for an entry from Find (stripe held):
  // false when the active policy does not track it (Redis's errors).
  bool IdleTimeMs(const Entry& e, int64_t* idle_ms) const;
  bool Frequency(const Entry& e, int64_t* freq) const;
  // RESTORE ... IDLETIME / FREQ (key's stripe held, after Put): sets the
  // entry's idle time (policies that keep an access clock: LRU, random,
  // TTL...) or its LFU counter (LFU), as Redis does for the policy in force;
  // a no-op for a policy that keeps neither (S3-FIFO). -1 = not given.
  void SetAccessHistory(Entry* e, int64_t idle_ms, int64_t lfu_counter);
  const EvictionSettings& eviction_settings() const { return *settings_; }

  StoreStats Stats() const;
  void ResetStats();

 private:
  friend class StripeLocks;
  struct Stripe;
  // PrefetchLookups / PrefetchHeld: `held` says the caller holds the
  // stripes (else an entry is prefetched only where TryLock succeeds).
  void PrefetchBatch(int db, const int* slots, const uint64_t* hashes, size_t n,
                     bool held) const;
  struct ExpireState;
  struct ExpireRun;
  class EvictionHostImpl;
  class StripeWalker;
  class KeyInfo : public EntryInfo {
   public:
    uint64_t KeyHash(EntryRef e) const override;
    bool HasExpire(EntryRef e) const override;
  };
  // The active policy and the stripe's shard of it (created or replaced
  // here when the policy changed since the stripe last saw it).
  struct PolicyRef {
    EvictionPolicy* policy;
    PolicyShard* shard;
  };

  SlotTable* Table(int db, int slot, bool create);
  void StartReclaimer();
  void StopReclaimer();
  SlotTable* CreateDbTables(int db);
  void Touched(int db, std::string_view key);  // WATCH invalidation
  void MarkModifiedInSlot(int db, int slot, std::string_view key, int64_t bytes_delta);
  // Marks the watchers of db's keys that exist in db or in `other` (-1: none).
  void TouchExistingInDb(int db, int other);

  // Internal helpers; `st` is the (held) stripe of the slot concerned.
  Stripe& StripeFor(int slot) const { return *stripes_[StripeOfSlot(slot)]; }
  bool AllHeld() const;  // this thread holds every stripe (StripeLocks::AddAll)
  void TouchedIn(Stripe& st, int db, std::string_view key);
  // Accounting for an entry just removed from table t (before it is freed).
  void Unlinked(Stripe& st, int db, SlotTable* t, const Entry* e);
  void ShrinkIfSparse(Stripe& st, int db, SlotTable* t);
  void AddPolicyMemory(Stripe& st, int64_t delta);  // AddMemory, counted as the policy's
  // Counts a change of t's capacity (from old_cap) in the db's table bytes;
  // returns the change in bytes, for AddMemory.
  int64_t TableResized(Stripe& st, int db, size_t old_cap, const SlotTable* t);
  bool IsExpired(const Entry* e) const {
    return e->has_expire() && e->expire_ms() <= clock_->NowMs();
  }
  // Memory accounting: exact per stripe, published in batches (approx).
  void AddMemory(Stripe& st, int64_t delta);
  // Eviction hooks' plumbing (store_evict.cc).
  EvictionPolicy* ActivePolicy() const {
    return policies_[settings_->policy.load(std::memory_order_relaxed)].get();
  }
  PolicyRef PolicyOf(Stripe& st);
  void SetShard(Stripe& st, EvictionPolicy* p);
  // `key_hash`: the KeyHash of the key an OnInsert/OnAccess is about, when
  // known (HookContext::key_hash).
  HookContext HookCtx(Stripe& st, uint64_t key_hash = 0);
  void AfterHook(Stripe& st);  // accounts the shard's memory change
  // Removes e (found in table t of db) as an eviction; returns bytes freed.
  int64_t EvictEntry(Stripe& st, int db, SlotTable* t, Entry* e);
  int64_t StripeKeys(const Stripe& st) const;
  int64_t TotalVolatile() const;
  enum class Pick { kFound, kEmpty, kDeletedExpired };
  Pick RandomInSlot(int db, int slot, uint64_t rnd, bool held, std::string* key);
  bool ExpireInTable(Stripe& st, int db, SlotTable* t, size_t* offset, ExpireRun* run);
  // ActiveExpireCycle without the slice cap (the reclaimer thread's, which
  // serves no client); *sampled = volatile keys looked at.
  int64_t ExpireCycle(int part, int parts, int64_t budget_us, int64_t* sampled);
  void CheckBudget(ExpireRun* run) const;

  int databases_;
  const Clock* clock_;
  std::vector<std::unique_ptr<Stripe>> stripes_;
  // tables_[db] points to that db's kNumSlots SlotTables, allocated on the
  // db's first write (an empty SlotTable holds no heap memory). Inline tables
  // save a dependent cache miss per lookup over one allocation per slot.
  // Swapped by SwapDb under all stripes; created under create_mu_.
  std::vector<std::atomic<SlotTable*>> tables_;
  absl::Mutex create_mu_;
  std::atomic<int64_t> tables_bytes_{0};  // the arrays above, for UsedMemory
  std::atomic<int64_t> approx_memory_{0};  // stripes' published memory
  EvictionSettings* settings_;
  // One instance per PolicyKind, for the store's life: a policy switch never
  // frees a policy another thread may be calling.
  std::vector<std::unique_ptr<EvictionPolicy>> policies_;
  KeyInfo key_info_;
  StoreMutex evict_mu_;  // one evictor at a time
  std::function<void(int64_t us)> eviction_observer_;
  uint64_t evict_rng_ ABSL_GUARDED_BY(evict_mu_);
  // Hit/miss/expired counters live in the stripes (no shared atomics on the
  // hot path); this one is written once per active expiry cycle.
  std::atomic<int64_t> stale_perc_x100_{0};
  std::unique_ptr<ExpireState> expire_;  // per-part cursors of the active cycle
  // The memory reclaimer (store_memory.cc).
  struct Reclaimer;
  struct ReclaimerDeleter {
    void operator()(Reclaimer* r) const;  // defined where Reclaimer is
  };
  std::unique_ptr<Reclaimer, ReclaimerDeleter> reclaimer_;
  // Reports a key the store removes by itself (expiry, eviction).
  void ReportRemoval(int db, const Entry* e, KeyRemoval why) const {
    if (removal_listener_) removal_listener_(db, e->key(), why);
  }
  KeyRemovalListener removal_listener_;
  KeyMissListener miss_listener_;
  ChangeListener change_fn_ = nullptr;
  void* change_arg_ = nullptr;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_STORE_STORE_H_
