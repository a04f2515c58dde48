// Store: whole-keyspace operations — SCAN, RANDOMKEY, FLUSHDB/FLUSHALL,
// SWAPDB and the per-slot listings used by CLUSTER commands.
//
// Scan and RandomKey take one stripe at a time (or none when the thread
// holds them all), and skip a stripe's slots without locking when the
// stripe's lock-free key count for the db is zero, which keeps them cheap on
// sparse databases. The flush and swap operations require every stripe held
// (StripeLocks::AddAll), as they rewrite all of a database at once.
#include <cassert>

#include "eviction/policy.h"  // NextRandom (splitmix64) for the seeded RandomKey
#include "server/store/slot_table.h"
#include "server/store/store.h"
#include "server/store/store_internal.h"

namespace shoal {
namespace {

// Random slots probed before falling back to a scan from a random slot.
constexpr int kRandomProbes = 32;

}  // namespace

uint64_t Store::Scan(int db, uint64_t cursor, size_t count,
                     const std::function<void(const Entry&)>& visit) {
  if (cursor >= static_cast<uint64_t>(kNumSlots)) return 0;
  const bool held = AllHeld();
  size_t visited = 0;
  for (int slot = static_cast<int>(cursor); slot < kNumSlots; ++slot) {
    Stripe& st = StripeFor(slot);
    if (st.db[db].keys.Get() != 0) {
      StripeGuard guard(&st.mu, held);
      SlotTable* t = Table(db, slot, false);
      if (t != nullptr && !t->empty()) {
        const int64_t now_ms = clock_->NowMs();
        for (Entry* e : *t) {
          if (e->has_expire() && e->expire_ms() <= now_ms) continue;  // hidden
          visit(*e);
          ++visited;
        }
      }
    }
    if (visited >= count) return slot + 1 < kNumSlots ? static_cast<uint64_t>(slot + 1) : 0;
  }
  return 0;
}

Store::Pick Store::RandomInSlot(int db, int slot, uint64_t rnd, bool held, std::string* key) {
  Stripe& st = StripeFor(slot);
  if (st.db[db].keys.Get() == 0) return Pick::kEmpty;
  StripeGuard guard(&st.mu, held);
  SlotTable* t = Table(db, slot, false);
  if (t == nullptr || t->empty()) return Pick::kEmpty;
  Entry* e = t->RandomEntry(rnd);
  if (IsExpired(e)) {
    t->Remove(e->key());
    st.expired.Add(1);
    Unlinked(st, db, t, e);
    ReportRemoval(db, e, KeyRemoval::kExpired);
    Entry::Free(e);
    ShrinkIfSparse(st, db, t);
    return Pick::kDeletedExpired;
  }
  key->assign(e->key().data(), e->key().size());
  return Pick::kFound;
}

bool Store::RandomKey(int db, std::string* key, uint64_t seed) {
  uint64_t rng = seed;
  const bool held = AllHeld();
  // Each round either finds a live key, deletes an expired one (so the loop
  // ends: the db shrinks), or finds the db empty.
  for (;;) {
    if (Counts(db).keys == 0) return false;
    Pick pick = Pick::kEmpty;
    // Dense db: a few random slots find a table almost surely.
    for (int i = 0; i < kRandomProbes && pick == Pick::kEmpty; ++i) {
      const int slot = static_cast<int>(NextRandom(&rng) & (kNumSlots - 1));
      pick = RandomInSlot(db, slot, NextRandom(&rng), held, key);
    }
    // Sparse db: walk from a random slot to the first non-empty table.
    const int start = static_cast<int>(NextRandom(&rng) & (kNumSlots - 1));
    for (int i = 0; i < kNumSlots && pick == Pick::kEmpty; ++i) {
      pick = RandomInSlot(db, (start + i) & (kNumSlots - 1), NextRandom(&rng), held, key);
    }
    if (pick == Pick::kFound) return true;
    if (pick == Pick::kEmpty) return false;  // emptied by other threads meanwhile
  }
}

void Store::FlushDb(int db) {
  assert(AllHeld());
  TouchExistingInDb(db, -1);  // before the keys are gone
  for (int slot = 0; slot < kNumSlots; ++slot) {
    SlotTable* t = Table(db, slot, false);
    if (t == nullptr) break;  // the db was never written
    if (t->capacity() == 0) continue;
    Stripe& st = StripeFor(slot);
    const PolicyRef pr = PolicyOf(st);
    int64_t bytes = static_cast<int64_t>(t->capacity() * SlotTable::kBytesPerSlot);
    for (Entry* e : *t) {
      bytes += static_cast<int64_t>(e->MemoryBytes());
      pr.policy->OnRemove(pr.shard, &e->meta());
    }
    t->FreeAll();
    AddMemory(st, -bytes);
  }
  for (auto& st : stripes_) {
    st->volatile_total.Add(-st->db[db].volatile_keys.Get());
    st->db[db].keys.Set(0);
    st->db[db].volatile_keys.Set(0);
    st->db[db].table_bytes.Set(0);
    AfterHook(*st);
  }
}

void Store::FlushAll() {
  for (int db = 0; db < databases_; ++db) FlushDb(db);
}

void Store::SwapDb(int a, int b) {
  assert(AllHeld());
  if (a == b) return;
  // Watchers of a key existing in either db see it change.
  TouchExistingInDb(a, b);
  TouchExistingInDb(b, a);
  SlotTable* ta = tables_[a].load(std::memory_order_relaxed);
  tables_[a].store(tables_[b].load(std::memory_order_relaxed), std::memory_order_release);
  tables_[b].store(ta, std::memory_order_release);
  for (auto& st : stripes_) {
    DbCounters& ca = st->db[a];
    DbCounters& cb = st->db[b];
    const int64_t keys = ca.keys.Get(), vol = ca.volatile_keys.Get();
    const int64_t tables = ca.table_bytes.Get();
    ca.keys.Set(cb.keys.Get());
    ca.volatile_keys.Set(cb.volatile_keys.Get());
    ca.table_bytes.Set(cb.table_bytes.Get());
    cb.keys.Set(keys);
    cb.volatile_keys.Set(vol);
    cb.table_bytes.Set(tables);
  }
}

std::vector<std::string> Store::KeysInSlot(int db, int slot, size_t max, size_t* bytes) {
  std::vector<std::string> keys;
  Stripe& st = StripeFor(slot);
  StripeGuard guard(&st.mu, AllHeld());
  SlotTable* t = Table(db, slot, false);
  if (t == nullptr) return keys;
  const int64_t now_ms = clock_->NowMs();
  for (Entry* e : *t) {
    if (keys.size() >= max) break;
    if (e->has_expire() && e->expire_ms() <= now_ms) continue;
    keys.emplace_back(e->key());
    if (bytes != nullptr) *bytes += e->MemoryBytes();
  }
  return keys;
}

int64_t Store::CountKeysInSlot(int db, int slot) {
  Stripe& st = StripeFor(slot);
  StripeGuard guard(&st.mu, AllHeld());
  SlotTable* t = Table(db, slot, false);
  return t == nullptr ? 0 : static_cast<int64_t>(t->size());
}

Store::Overheads Store::MemoryOverheads() const {
  Overheads o;
  o.table_bytes.assign(static_cast<size_t>(databases_), 0);
  for (int db = 0; db < databases_; ++db) {
    if (tables_[db].load(std::memory_order_acquire) == nullptr) continue;  // never written
    int64_t bytes = static_cast<int64_t>(kNumSlots * sizeof(SlotTable));  // the directory
    for (const auto& st : stripes_) bytes += st->db[db].table_bytes.Get();
    o.table_bytes[static_cast<size_t>(db)] = bytes;
  }
  for (const auto& st : stripes_) o.policy_bytes += st->policy_memory.Get();
  return o;
}

}  // namespace shoal
