// SlotTable: see slot_table.h.
#include "server/store/slot_table.h"

#include <cassert>
#include <cstdlib>
#include <cstring>

#include "absl/base/attributes.h"

namespace shoal {
namespace {

// Grow past 90% load, to 70%; shrink under 50%, to 70%. Under a cache's
// eviction churn (one key out, another in, ~9 keys per table at 150k keys)
// a table's size wanders; a table that shrank only when under a quarter full
// ratcheted up to the largest size it ever had (~14.7 bytes per key instead
// of ~12). The band costs ~0.1 rebuilds of a small table per insert or delete
// under such churn: +0.2% instructions per command (docs/memory.md).
size_t CapacityFor(size_t n) { return n == 0 ? 0 : (n * 10 + 6) / 7 + 1; }
bool OverLoaded(size_t n, size_t cap) { return n * 10 > cap * 9; }
bool UnderLoaded(size_t n, size_t cap) { return n * 2 < cap; }

}  // namespace

SlotTable::~SlotTable() { std::free(slots_); }

// Racy by design when another worker changes the table: slots_ and cap_ may
// come from two versions; a prefetch of any address is harmless.
ABSL_ATTRIBUTE_NO_SANITIZE_THREAD void SlotTable::PrefetchProbe(uint64_t hash) const {
  const uint64_t* slots = slots_;
  const uint64_t cap = cap_;
  if (slots == nullptr) return;
  __builtin_prefetch(slots + ((static_cast<uint64_t>(TagOfHash(hash)) * cap) >> kTagBits));
}

void SlotTable::PrefetchEntry(uint64_t hash) const {
  if (size_ == 0) return;
  const uint32_t tag = TagOfHash(hash);
  size_t i = Home(tag);
  for (int probes = 0; probes < 4; ++probes, i = Next(i)) {
    const uint64_t s = slots_[i];
    if (s == 0) return;
    if (TagOf(s) == tag) {
      __builtin_prefetch(PtrOf(s));
      return;
    }
  }
}

size_t SlotTable::IndexOf(std::string_view key, uint64_t hash) const {
  if (size_ == 0) return npos;
  const uint32_t tag = TagOfHash(hash);
  size_t i = Home(tag);
  for (size_t dist = 0;; ++dist) {
    const uint64_t s = slots_[i];
    if (s == 0) return npos;
    if (TagOf(s) == tag && PtrOf(s)->key() == key) return i;
    if (Dist(i, s) < dist) return npos;  // Robin Hood: ours would be here
    i = Next(i);
  }
}

void SlotTable::Place(uint64_t cur) {
  size_t i = Home(TagOf(cur));
  size_t dist = 0;
  for (;;) {
    const uint64_t s = slots_[i];
    if (s == 0) {
      slots_[i] = cur;
      return;
    }
    const size_t d = Dist(i, s);
    if (d < dist) {  // take the richer element's place; carry it on
      slots_[i] = cur;
      cur = s;
      dist = d;
    }
    i = Next(i);
    ++dist;
  }
}

void SlotTable::Rebuild(size_t new_cap) {
  uint64_t* old = slots_;
  const size_t old_cap = cap_;
  if (new_cap == 0) {
    slots_ = nullptr;
    cap_ = 0;
  } else {
    slots_ = static_cast<uint64_t*>(std::calloc(new_cap, sizeof(uint64_t)));
    if (slots_ == nullptr) std::abort();
    cap_ = static_cast<uint32_t>(new_cap);
    for (size_t i = 0; i < old_cap; ++i) {
      if (old[i] != 0) Place(old[i]);
    }
  }
  std::free(old);
}

Entry* SlotTable::InsertOrReplace(Entry* e, uint64_t hash) {
  const std::string_view key = e->key();
  const size_t i = IndexOf(key, hash);
  if (i != npos) {
    Entry* old = PtrOf(slots_[i]);
    slots_[i] = Pack(e, TagOfHash(hash));
    return old;
  }
  // User-space pointers leave the high 16 bits free (47-bit address space).
  if ((reinterpret_cast<uint64_t>(e) & ~kPtrMask) != 0) std::abort();
  if (cap_ == 0 || OverLoaded(size_ + 1, cap_)) Rebuild(CapacityFor(size_ + 1));
  Place(Pack(e, TagOfHash(hash)));
  ++size_;
  return nullptr;
}

void SlotTable::ReplaceSameKey(Entry* old_e, Entry* new_e, uint64_t hash) {
  const std::string_view key = old_e->key();
  const size_t i = IndexOf(key, hash);
  assert(i != npos && PtrOf(slots_[i]) == old_e);
  if ((reinterpret_cast<uint64_t>(new_e) & ~kPtrMask) != 0) std::abort();
  slots_[i] = Pack(new_e, TagOfHash(hash));
}

Entry* SlotTable::Remove(std::string_view key, uint64_t hash) {
  const size_t i = IndexOf(key, hash);
  return i == npos ? nullptr : RemoveAt(i);
}

Entry* SlotTable::RemoveAt(size_t i) {
  Entry* e = PtrOf(slots_[i]);
  assert(e != nullptr);
  // Backward shift: pull the rest of the cluster one step nearer home.
  size_t j = Next(i);
  while (slots_[j] != 0 && Dist(j, slots_[j]) > 0) {
    slots_[i] = slots_[j];
    i = j;
    j = Next(j);
  }
  slots_[i] = 0;
  --size_;
  return e;
}

Entry* SlotTable::RandomEntry(uint64_t rnd) const {
  if (size_ == 0) return nullptr;
  size_t i = static_cast<size_t>(rnd % cap_);
  while (slots_[i] == 0) i = Next(i);
  return PtrOf(slots_[i]);
}

bool SlotTable::MaybeShrink() {
  if (cap_ == 0) return false;
  if (size_ == 0) {  // an empty table holds no memory
    Rebuild(0);
    return true;
  }
  if (!UnderLoaded(size_, cap_) || CapacityFor(size_) >= cap_) return false;
  Rebuild(CapacityFor(size_));
  return true;
}

void SlotTable::FreeAll() {
  for (size_t i = 0; i < cap_; ++i) {
    if (slots_[i] != 0) Entry::Free(PtrOf(slots_[i]));
  }
  std::free(slots_);
  slots_ = nullptr;
  cap_ = 0;
  size_ = 0;
  volatile_ = 0;
}

}  // namespace shoal
