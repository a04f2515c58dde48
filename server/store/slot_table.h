// SlotTable: the entries of one (database, slot) pair — internal to the store.
//
// An open-addressing table of Entry* with Robin Hood linear probing, built for
// memory: a slot is one 8-byte word holding the entry pointer and a 19-bit
// hash tag in the pointer's unused bits (the 16 high bits of a user-space
// x86-64/arm64 address and the 3 low bits of an 8-byte aligned block). So:
//  - 8 bytes per slot and no control bytes; the table grows past 90% load
//    and shrinks under 50%, each time to 70% (capacity is any integer, not a
//    power of two), so it costs about 10.5-12 bytes per key, also under a
//    cache's eviction churn, instead of the ~19 an absl::flat_hash_set<Entry*>
//    costs at 1M keys over 16384 slots (docs/memory.md);
//  - a probe compares tags before it dereferences an entry: a lookup touches
//    the one entry it finds (a false tag match costs 2^-19 per slot probed);
//  - an element's home slot is computed from its tag alone, home =
//    tag * capacity >> 19, so growing, Robin Hood displacement and
//    backward-shift deletion never rehash a key.
// Robin Hood ordering keeps probe sequences short at high load and lets an
// unsuccessful lookup stop as soon as it meets an element nearer its home.
//
// Deletion shifts the following elements of the cluster back by one (no
// tombstones). A walk by index that removes the element at index i must look
// at i again; an element may wrap from the start of the array to its end and
// be seen twice, never skipped (store_expire.cc relies on this).
//
// The table owns no entries; the Store allocates and frees them and keeps the
// accounting. It also counts its entries that carry an expire, so that the
// active expiry cycle can skip tables without volatile keys.
//
// Thread safety: none; the Store calls it under the slot's stripe lock.
#ifndef SHOAL_SERVER_STORE_SLOT_TABLE_H_
#define SHOAL_SERVER_STORE_SLOT_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/store/entry.h"
#include "server/store/slot_hash.h"

namespace shoal {

class SlotTable {
 public:
  SlotTable() = default;
  ~SlotTable();
  SlotTable(const SlotTable&) = delete;
  SlotTable& operator=(const SlotTable&) = delete;

  // Bytes the table's array takes per slot of capacity.
  static constexpr size_t kBytesPerSlot = sizeof(uint64_t);
  static constexpr size_t npos = ~size_t{0};

  // Each key operation comes in two forms: with the key's KeyHash when the
  // caller has it (the store's hot path: HashedKey), and without.
  Entry* Find(std::string_view key, uint64_t hash) const {
    const size_t i = IndexOf(key, hash);
    return i == npos ? nullptr : PtrOf(slots_[i]);
  }
  Entry* Find(std::string_view key) const { return Find(key, KeyHash(key)); }

  // Prefetches the slot a lookup of `hash` reads first. Safe without the
  // stripe lock (store.h, PrefetchLookups): reads the header only.
  void PrefetchProbe(uint64_t hash) const;
  // Prefetches the entry a lookup of `hash` would compare first (the first
  // of a few slots from its home whose tag matches). Under the stripe lock.
  void PrefetchEntry(uint64_t hash) const;

  // Inserts e, or puts it in place of the entry with the same key and returns
  // that entry (which the caller frees).
  Entry* InsertOrReplace(Entry* e, uint64_t hash);
  Entry* InsertOrReplace(Entry* e) { return InsertOrReplace(e, KeyHash(e->key())); }

  // Overwrites the slot of `old_e` (which must be in the table) with `new_e`,
  // which has the same key.
  void ReplaceSameKey(Entry* old_e, Entry* new_e, uint64_t hash);
  void ReplaceSameKey(Entry* old_e, Entry* new_e) {
    ReplaceSameKey(old_e, new_e, KeyHash(old_e->key()));
  }

  // Removes the key's entry and returns it (nullptr if absent).
  Entry* Remove(std::string_view key, uint64_t hash);
  Entry* Remove(std::string_view key) { return Remove(key, KeyHash(key)); }

  // Index-based access for walks: capacity() slots, each empty (nullptr) or
  // holding an entry. RemoveAt(i) removes the entry at i (see the header note
  // on walking while removing).
  size_t capacity() const { return cap_; }
  Entry* At(size_t i) const { return PtrOf(slots_[i]); }
  Entry* RemoveAt(size_t i);

  // A pseudo-random entry (the first one at or after slot rnd % capacity);
  // nullptr when empty. Not exactly uniform: good enough for sampling.
  Entry* RandomEntry(uint64_t rnd) const;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Iteration over the entries (the table must not change meanwhile).
  class const_iterator {
   public:
    const_iterator(const SlotTable* t, size_t i) : t_(t), i_(i) { Skip(); }
    Entry* operator*() const { return t_->At(i_); }
    const_iterator& operator++() {
      ++i_;
      Skip();
      return *this;
    }
    bool operator!=(const const_iterator& o) const { return i_ != o.i_; }
    bool operator==(const const_iterator& o) const { return i_ == o.i_; }

   private:
    void Skip() {
      while (i_ < t_->cap_ && t_->slots_[i_] == 0) ++i_;
    }
    const SlotTable* t_;
    size_t i_;
  };
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, cap_); }

  // Gives back memory after deletion: frees the array when empty; when under
  // half full, rebuilds at 70% load. Must not be called while walking.
  // Returns whether the capacity changed.
  bool MaybeShrink();

  // Frees every entry and empties the table.
  void FreeAll();

  // Entries with an expire; maintained by the Store.
  int64_t volatile_count() const { return volatile_; }
  void add_volatile(int64_t d) { volatile_ += d; }

 private:
  static constexpr int kTagBits = 19;
  static constexpr uint64_t kPtrMask = 0x0000FFFFFFFFFFF8ull;

  static uint32_t TagOfHash(uint64_t h) { return static_cast<uint32_t>(h >> (64 - kTagBits)); }
  static uint64_t Pack(const Entry* e, uint32_t tag) {
    return reinterpret_cast<uint64_t>(e) | (static_cast<uint64_t>(tag >> 3) << 48) | (tag & 7);
  }
  static Entry* PtrOf(uint64_t s) { return reinterpret_cast<Entry*>(s & kPtrMask); }
  static uint32_t TagOf(uint64_t s) {
    return static_cast<uint32_t>(((s >> 48) << 3) | (s & 7));
  }
  size_t Home(uint32_t tag) const {
    return static_cast<size_t>((static_cast<uint64_t>(tag) * cap_) >> kTagBits);
  }
  size_t Next(size_t i) const { return i + 1 == cap_ ? 0 : i + 1; }
  size_t Dist(size_t i, uint64_t s) const {
    const size_t h = Home(TagOf(s));
    return i >= h ? i - h : i + cap_ - h;
  }
  size_t IndexOf(std::string_view key, uint64_t hash) const;
  void Place(uint64_t s);  // Robin Hood insertion of a new element
  void Rebuild(size_t new_cap);

  uint64_t* slots_ = nullptr;
  uint32_t cap_ = 0;
  uint32_t size_ = 0;
  int64_t volatile_ = 0;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_STORE_SLOT_TABLE_H_
