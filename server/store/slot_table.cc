// SlotTable: see slot_table.h.
#include "server/store/slot_table.h"

#include <cassert>
#include <iterator>

namespace shoal {

Entry* SlotTable::InsertOrReplace(Entry* e) {
  auto [it, inserted] = set_.insert(e);
  if (inserted) return nullptr;
  Entry* old = *it;
  // The set hands out const references to protect the hash invariant; the
  // new pointer has the same key bytes, so the invariant holds.
  const_cast<Entry*&>(*it) = e;
  return old;
}

void SlotTable::ReplaceSameKey(Entry* old_e, Entry* new_e) {
  auto it = set_.find(old_e->key());
  assert(it != set_.end() && *it == old_e);
  const_cast<Entry*&>(*it) = new_e;
}

Entry* SlotTable::Remove(std::string_view key) {
  auto it = set_.find(key);
  if (it == set_.end()) return nullptr;
  Entry* e = *it;
  set_.erase(it);
  return e;
}

Entry* SlotTable::Nth(size_t index) const {
  assert(index < set_.size());
  auto it = set_.begin();
  std::advance(it, index);
  return *it;
}

bool SlotTable::MaybeShrink() {
  const size_t cap = set_.capacity();
  if (cap < 128 || set_.size() * 8 > cap) return false;
  if (set_.empty()) {
    Set().swap(set_);
    return true;
  }
  Set smaller;
  smaller.reserve(set_.size() * 2);
  smaller.insert(set_.begin(), set_.end());
  smaller.swap(set_);
  return set_.capacity() != cap;
}

void SlotTable::FreeAll() {
  for (Entry* e : set_) Entry::Free(e);
  Set().swap(set_);
  volatile_ = 0;
}

}  // namespace shoal
