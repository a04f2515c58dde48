// Store: construction, stripe locking, single-key operations, WATCH and stats.
//
// The hot path (Find/Put/Replace/OverwriteString) takes the key's slot
// (CRC16) and table hash (XXH3) from a HashedKey the command computed once,
// reaches the slot's table with two indexed loads and probes it; it allocates
// nothing and touches only the key's stripe, whose lock the caller holds.
// Counters are per stripe (store_internal.h). Whole-keyspace operations are
// in store_keyspace.cc, the active expiry cycle in store_expire.cc, eviction
// in store_evict.cc.
#include <algorithm>
#include <cassert>

#include "absl/base/optimization.h"
#include "eviction/policies.h"
#include "server/store/slot_table.h"
#include "server/store/store.h"
#include "server/store/store_internal.h"

namespace shoal {
namespace {

// The store whose stripes this thread all holds (StripeLocks::AddAll), so
// that self-locking methods called under EXEC or FLUSHALL do not relock.
thread_local const Store* tl_all_held = nullptr;

int NormalizeStripes(int n) {
  n = std::clamp(n, 1, kNumSlots);
  int p = 1;
  while (p * 2 <= n) p *= 2;  // round down to a power of two
  return p;
}

}  // namespace

// ---------------------------------------------------------------------------
// StripeLocks

void StripeLocks::AddKey(std::string_view key) { AddSlot(KeySlot(key)); }

void StripeLocks::AddSlot(int slot) {
  assert(!locked_);
  stripes_.push_back(static_cast<uint32_t>(store_->StripeOfSlot(slot)));
}

void StripeLocks::Acquire() {
  assert(!locked_);
  locked_ = true;
  if (tl_all_held == store_) {
    owns_ = false;  // nested inside an all-stripes holder: already covered
    return;
  }
  owns_ = true;
  if (all_) {
    for (auto& st : store_->stripes_) st->mu.Lock();
    tl_all_held = store_;
    return;
  }
  // Ascending order, each stripe once: no deadlock between multi-key commands.
  if (stripes_.size() > 1) {
    std::sort(stripes_.begin(), stripes_.end());
    stripes_.erase(std::unique(stripes_.begin(), stripes_.end()), stripes_.end());
  }
  for (uint32_t s : stripes_) store_->stripes_[s]->mu.Lock();
}

bool StripeLocks::TryAcquire() {
  assert(!locked_ && !all_);
  if (tl_all_held == store_) {
    locked_ = true;
    owns_ = false;
    return true;
  }
  std::sort(stripes_.begin(), stripes_.end());
  stripes_.erase(std::unique(stripes_.begin(), stripes_.end()), stripes_.end());
  for (size_t i = 0; i < stripes_.size(); ++i) {
    if (!store_->stripes_[stripes_[i]]->mu.TryLock()) {
      while (i > 0) store_->stripes_[stripes_[--i]]->mu.Unlock();
      return false;
    }
  }
  locked_ = true;
  owns_ = true;
  return true;
}

void StripeLocks::Release() {
  if (!locked_) return;
  if (owns_) {
    if (all_) {
      tl_all_held = nullptr;
      for (auto it = store_->stripes_.rbegin(); it != store_->stripes_.rend(); ++it) {
        (*it)->mu.Unlock();
      }
    } else {
      for (auto it = stripes_.rbegin(); it != stripes_.rend(); ++it) {
        store_->stripes_[*it]->mu.Unlock();
      }
    }
  }
  locked_ = false;
  owns_ = false;
}

// ---------------------------------------------------------------------------
// Construction

Store::Store(const StoreOptions& options)
    : databases_(std::max(1, options.databases)),
      clock_(options.clock != nullptr ? options.clock : SystemClock::Get()),
      tables_(databases_),
      settings_(options.eviction != nullptr ? options.eviction : ProcessEvictionSettings()),
      evict_rng_(options.seed),
      expire_(std::make_unique<ExpireState>()) {
  // Lock order is guaranteed by construction (ascending stripes), and absl's
  // debug-mode deadlock detector, which Debian's libabsl leaves on, takes a
  // process-wide lock in every Mutex::Lock: it would serialize all workers.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  const int n = NormalizeStripes(options.stripes);
  stripes_.reserve(n);
  for (int i = 0; i < n; ++i) {
    stripes_.push_back(std::make_unique<Stripe>(databases_, i, options.seed));
  }
  for (int k = 0; k < static_cast<int>(PolicyKind::kCount); ++k) {
    policies_.push_back(MakePolicy(static_cast<PolicyKind>(k), settings_));
  }
  if (options.reclaim_memory) StartReclaimer();
}

Store::~Store() {
  StopReclaimer();
  for (auto& db : tables_) {
    SlotTable* tables = db.load(std::memory_order_relaxed);
    if (tables == nullptr) continue;
    for (int slot = 0; slot < kNumSlots; ++slot) tables[slot].FreeAll();
    delete[] tables;
  }
}

bool Store::AllHeld() const { return tl_all_held == this; }

SlotTable* Store::CreateDbTables(int db) {
  absl::MutexLock lock(&create_mu_);
  SlotTable* tables = tables_[db].load(std::memory_order_acquire);
  if (tables == nullptr) {
    tables = new SlotTable[kNumSlots];
    tables_bytes_.fetch_add(kNumSlots * sizeof(SlotTable), std::memory_order_relaxed);
    tables_[db].store(tables, std::memory_order_release);
  }
  return tables;
}

SlotTable* Store::Table(int db, int slot, bool create) {
  SlotTable* tables = tables_[db].load(std::memory_order_acquire);
  if (ABSL_PREDICT_FALSE(tables == nullptr)) {
    if (!create) return nullptr;
    tables = CreateDbTables(db);
  }
  return &tables[slot];
}

void Store::PrefetchLookups(int db, const std::string_view* keys, size_t n,
                            HashedKey* hashed) const {
  n = std::min(n, kPrefetchBatch);
  const SlotTable* tables =
      db >= 0 && db < databases_ ? tables_[db].load(std::memory_order_acquire) : nullptr;
  if (tables == nullptr) {
    for (size_t i = 0; i < n; ++i) hashed[i] = HashedKey(keys[i]);
    return;
  }
  uint64_t hashes[kPrefetchBatch];
  int slots[kPrefetchBatch];
  for (size_t i = 0; i < n; ++i) {
    hashed[i] = HashedKey(keys[i]);
    slots[i] = hashed[i].slot;
    hashes[i] = hashed[i].hash;
    // The header's miss starts while the next keys are hashed
    // (PrefetchBatch asks again: a line already on its way costs nothing).
    __builtin_prefetch(&tables[slots[i]]);
  }
  PrefetchBatch(db, slots, hashes, n, /*held=*/false);
}

void Store::PrefetchHeld(int db, const HashedKey* keys, size_t n) const {
  uint64_t hashes[kPrefetchBatch];
  int slots[kPrefetchBatch];
  n = std::min(n, kPrefetchBatch);
  for (size_t i = 0; i < n; ++i) {
    slots[i] = keys[i].slot;
    hashes[i] = keys[i].hash;
  }
  PrefetchBatch(db, slots, hashes, n, /*held=*/true);
}

void Store::PrefetchBatch(int db, const int* slots, const uint64_t* hashes, size_t n,
                          bool held) const {
  if (db < 0 || db >= databases_) return;
  const SlotTable* tables = tables_[db].load(std::memory_order_acquire);
  if (tables == nullptr) return;
  for (size_t i = 0; i < n; ++i) __builtin_prefetch(&tables[slots[i]]);
  for (size_t i = 0; i < n; ++i) tables[slots[i]].PrefetchProbe(hashes[i]);
  // The entries: reading a slot needs its stripe (another worker may be
  // rebuilding the table), so only where the caller holds it or it is
  // free right now.
  for (size_t i = 0; i < n; ++i) {
    if (held) {
      tables[slots[i]].PrefetchEntry(hashes[i]);
      continue;
    }
    Stripe& st = *stripes_[StripeOfSlot(slots[i])];
    if (!st.mu.TryLock()) continue;
    tables[slots[i]].PrefetchEntry(hashes[i]);
    st.mu.Unlock();
  }
}

// ---------------------------------------------------------------------------
// Accounting helpers

void Store::AddMemory(Stripe& st, int64_t delta) {
  st.memory.Add(delta);
  st.unpublished_memory += delta;
  if (st.unpublished_memory >= kApproxSlackPerStripe ||
      st.unpublished_memory <= -kApproxSlackPerStripe) {
    approx_memory_.fetch_add(st.unpublished_memory, std::memory_order_relaxed);
    st.unpublished_memory = 0;
  }
}

void Store::Unlinked(Stripe& st, int db, SlotTable* t, const Entry* e) {
  st.db[db].keys.Add(-1);
  if (e->has_expire()) {
    st.db[db].volatile_keys.Add(-1);
    st.volatile_total.Add(-1);
    t->add_volatile(-1);
  }
  const PolicyRef pr = PolicyOf(st);
  pr.policy->OnRemove(pr.shard, &const_cast<Entry*>(e)->meta());
  AfterHook(st);
  AddMemory(st, -static_cast<int64_t>(e->MemoryBytes()));
  TouchedIn(st, db, e->key());
}

int64_t Store::TableResized(Stripe& st, int db, size_t old_cap, const SlotTable* t) {
  const int64_t delta = (static_cast<int64_t>(t->capacity()) - static_cast<int64_t>(old_cap)) *
                        static_cast<int64_t>(SlotTable::kBytesPerSlot);
  if (delta != 0) st.db[db].table_bytes.Add(delta);
  return delta;
}

void Store::ShrinkIfSparse(Stripe& st, int db, SlotTable* t) {
  const size_t cap = t->capacity();
  if (t->MaybeShrink()) AddMemory(st, TableResized(st, db, cap, t));
}

// ---------------------------------------------------------------------------
// Key operations (caller holds the key's stripe)

Entry* Store::Find(int db, const HashedKey& key, Lookup mode) {
  Stripe& st = StripeFor(key.slot);
  st.mu.AssertHeld();
  SlotTable* t = Table(db, key.slot, false);
  Entry* e = t != nullptr ? t->Find(key.key, key.hash) : nullptr;
  if (e != nullptr && ABSL_PREDICT_FALSE(IsExpired(e))) {
    t->Remove(key.key, key.hash);
    st.expired.Add(1);
    Unlinked(st, db, t, e);
    ReportRemoval(db, e, KeyRemoval::kExpired);
    Entry::Free(e);
    ShrinkIfSparse(st, db, t);
    e = nullptr;
  }
  if (mode != Lookup::kWrite) (e != nullptr ? st.hits : st.misses).Add(1);
  // kReadNoTouch is OBJECT's lookup, which Redis keeps out of "keymiss".
  if (e == nullptr && mode == Lookup::kRead && miss_listener_) miss_listener_(db, key.key);
  if (e != nullptr && mode != Lookup::kReadNoTouch) {
    const PolicyRef pr = PolicyOf(st);
    pr.policy->OnAccess(pr.shard, &e->meta(), HookCtx(st, key.hash));
    if (pr.shard != nullptr) AfterHook(st);
  }
  return e;
}

void Store::Put(int db, const HashedKey& key, Entry* e) {
  assert(key.key == e->key());
  Stripe& st = StripeFor(key.slot);
  st.mu.AssertHeld();
  SlotTable* t = Table(db, key.slot, /*create=*/true);
  const size_t cap = t->capacity();
  Entry* old = t->InsertOrReplace(e, key.hash);
  int64_t bytes = static_cast<int64_t>(e->MemoryBytes()) + TableResized(st, db, cap, t);
  int vol = e->has_expire() ? 1 : 0;
  if (old != nullptr) {
    bytes -= static_cast<int64_t>(old->MemoryBytes());
    vol -= old->has_expire() ? 1 : 0;
  } else {
    st.db[db].keys.Add(1);
  }
  if (vol != 0) {
    st.db[db].volatile_keys.Add(vol);
    st.volatile_total.Add(vol);
    t->add_volatile(vol);
  }
  const PolicyRef pr = PolicyOf(st);
  if (old != nullptr) {
    pr.policy->OnReplace(pr.shard, &old->meta(), &e->meta(), HookCtx(st));
  } else {
    pr.policy->OnInsert(pr.shard, &e->meta(), HookCtx(st, key.hash));
  }
  if (pr.shard != nullptr) AfterHook(st);
  AddMemory(st, bytes);
  TouchedIn(st, db, e->key());
  if (old != nullptr) Entry::Free(old);
}

void Store::Replace(int db, const HashedKey& key, Entry* old_e, Entry* new_e,
                    bool old_shell_only) {
  assert(old_e->key() == new_e->key() && key.key == new_e->key());
  Stripe& st = StripeFor(key.slot);
  st.mu.AssertHeld();
  SlotTable* t = Table(db, key.slot, false);
  assert(t != nullptr);
  t->ReplaceSameKey(old_e, new_e, key.hash);
  const PolicyRef pr = PolicyOf(st);
  pr.policy->OnReplace(pr.shard, &old_e->meta(), &new_e->meta(), HookCtx(st));
  if (pr.shard != nullptr) AfterHook(st);
  // With old_shell_only the object now belongs to new_e, but it is still
  // alive, so old_e->MemoryBytes() counts it as it did when old_e was added.
  AddMemory(st, static_cast<int64_t>(new_e->MemoryBytes()) -
                    static_cast<int64_t>(old_e->MemoryBytes()));
  const int vol = (new_e->has_expire() ? 1 : 0) - (old_e->has_expire() ? 1 : 0);
  if (vol != 0) {
    st.db[db].volatile_keys.Add(vol);
    st.volatile_total.Add(vol);
    t->add_volatile(vol);
  }
  TouchedIn(st, db, new_e->key());
  if (old_shell_only) {
    Entry::FreeShell(old_e);
  } else {
    Entry::Free(old_e);
  }
}

Entry* Store::Detach(int db, const HashedKey& key) {
  Stripe& st = StripeFor(key.slot);
  st.mu.AssertHeld();
  SlotTable* t = Table(db, key.slot, false);
  if (t == nullptr) return nullptr;
  Entry* e = t->Remove(key.key, key.hash);
  if (e == nullptr) return nullptr;
  Unlinked(st, db, t, e);
  ShrinkIfSparse(st, db, t);
  if (ABSL_PREDICT_FALSE(IsExpired(e))) {
    st.expired.Add(1);
    ReportRemoval(db, e, KeyRemoval::kExpired);
    Entry::Free(e);
    return nullptr;
  }
  return e;
}

const Entry* Store::Peek(int db, std::string_view key) const {
  const int slot = KeySlot(key);
  StripeFor(slot).mu.AssertHeld();
  SlotTable* t = const_cast<Store*>(this)->Table(db, slot, false);
  return t != nullptr ? t->Find(key) : nullptr;
}

bool Store::Erase(int db, const HashedKey& key) {
  Entry* e = Detach(db, key);
  if (e == nullptr) return false;
  Entry::Free(e);
  return true;
}

Entry* Store::SetExpire(int db, Entry* e, int64_t when_ms) {
  if (when_ms > 0 && e->CanSetExpireInPlace(when_ms)) {
    e->set_expire_ms(when_ms);  // same layout: in place
    Touched(db, e->key());
    return e;
  }
  if (when_ms <= 0 && !e->has_expire()) return e;  // nothing to clear
  // The expire's presence (or width) changes the layout: rebuild, moving
  // any object.
  Entry* n = Entry::Rebuild(e, e->key(), when_ms > 0 ? when_ms : 0, /*steal=*/true);
  Replace(db, e, n, /*old_shell_only=*/true);
  return n;
}

bool Store::OverwriteString(int db, const HashedKey& key, Entry* e, std::string_view value,
                            int64_t expire_ms) {
  Stripe& st = StripeFor(key.slot);
  st.mu.AssertHeld();
  // Same block, same expire layout: the memory and volatile-key counts stand.
  if (!e->AssignString(value, expire_ms)) return false;
  // The policy sees the entry replaced by itself, so it keeps or resets the
  // metadata exactly as it would for a new entry (Replace).
  const PolicyRef pr = PolicyOf(st);
  pr.policy->OnReplace(pr.shard, &e->meta(), &e->meta(), HookCtx(st));
  if (pr.shard != nullptr) AfterHook(st);
  TouchedIn(st, db, key.key);
  return true;
}

void Store::MarkModifiedInSlot(int db, int slot, std::string_view key, int64_t bytes_delta) {
  Stripe& st = StripeFor(slot);
  st.mu.AssertHeld();
  if (bytes_delta != 0) AddMemory(st, bytes_delta);
  TouchedIn(st, db, key);
}

// ---------------------------------------------------------------------------
// WATCH

void Store::Touched(int db, std::string_view key) { TouchedIn(StripeFor(KeySlot(key)), db, key); }

void Store::TouchedIn(Stripe& st, int db, std::string_view key) {
  if (change_fn_ != nullptr) change_fn_(change_arg_, db, key);
  if (ABSL_PREDICT_TRUE(st.watchers.empty())) return;
  auto it = st.watchers.find(WatchKeyRef{db, key});
  if (it == st.watchers.end()) return;
  for (Watcher* w : it->second) w->dirty.store(true, std::memory_order_release);
}

void Store::TouchExistingInDb(int db, int other) {
  // Redis marks only watchers of keys that exist (in the emptied db, or in
  // the db swapped in): WATCHing a missing key survives a FLUSHDB.
  auto live = [this](int d, std::string_view key) {
    if (d < 0) return false;
    SlotTable* t = Table(d, KeySlot(key), false);
    const Entry* e = t != nullptr ? t->Find(key) : nullptr;
    return e != nullptr && !IsExpired(e);
  };
  for (auto& st : stripes_) {
    for (auto& [k, watchers] : st->watchers) {
      if (k.db != db || !(live(db, k.key) || live(other, k.key))) continue;
      for (Watcher* w : watchers) w->dirty.store(true, std::memory_order_release);
    }
  }
}

void Store::Watch(int db, std::string_view key, Watcher* w) {
  Stripe& st = StripeFor(KeySlot(key));
  StripeGuard guard(&st.mu, AllHeld());
  auto it = st.watchers.find(WatchKeyRef{db, key});
  if (it == st.watchers.end()) {
    it = st.watchers.emplace(WatchKey{db, std::string(key)}, std::vector<Watcher*>()).first;
  }
  std::vector<Watcher*>& v = it->second;
  if (std::find(v.begin(), v.end(), w) == v.end()) v.push_back(w);
}

void Store::Unwatch(int db, std::string_view key, Watcher* w) {
  Stripe& st = StripeFor(KeySlot(key));
  StripeGuard guard(&st.mu, AllHeld());
  auto it = st.watchers.find(WatchKeyRef{db, key});
  if (it == st.watchers.end()) return;
  std::vector<Watcher*>& v = it->second;
  v.erase(std::remove(v.begin(), v.end(), w), v.end());
  if (v.empty()) st.watchers.erase(it);
}

// ---------------------------------------------------------------------------
// Counts, memory and stats: lock-free sums of the stripe counters.

KeyspaceCounts Store::Counts(int db) const {
  KeyspaceCounts c;
  for (const auto& st : stripes_) {
    c.keys += st->db[db].keys.Get();
    c.volatile_keys += st->db[db].volatile_keys.Get();
  }
  return c;
}

int64_t Store::DbSize(int db) { return Counts(db).keys; }

int64_t Store::TotalVolatile() const {
  int64_t n = 0;
  for (const auto& st : stripes_) n += st->volatile_total.Get();
  return n;
}

int64_t Store::UsedMemory() const {
  int64_t bytes = tables_bytes_.load(std::memory_order_relaxed);
  for (const auto& st : stripes_) bytes += st->memory.Get();
  return bytes;
}

int64_t Store::UsedMemoryApprox() const {
  return tables_bytes_.load(std::memory_order_relaxed) +
         approx_memory_.load(std::memory_order_relaxed);
}

StoreStats Store::Stats() const {
  StoreStats s;
  for (const auto& st : stripes_) {
    s.expired_keys += st->expired.Get();
    s.evicted_keys += st->evicted.Get();
    s.keyspace_hits += st->hits.Get();
    s.keyspace_misses += st->misses.Get();
  }
  s.expired_stale_perc_x100 = stale_perc_x100_.load(std::memory_order_relaxed);
  return s;
}

void Store::ResetStats() {
  const bool held = AllHeld();
  for (auto& st : stripes_) {
    StripeGuard guard(&st->mu, held);  // the counters' writers hold this lock
    st->expired.Set(0);
    st->evicted.Set(0);
    st->hits.Set(0);
    st->misses.Set(0);
  }
  stale_perc_x100_.store(0, std::memory_order_relaxed);
}

}  // namespace shoal
