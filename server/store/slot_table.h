// SlotTable: the entries of one (database, slot) pair — internal to the store.
//
// An open-addressing set of Entry* (absl::flat_hash_set) looked up by key
// bytes: hash and equality are transparent over std::string_view, with
// KeyHash (XXH3) as the hash, so Find never builds a temporary key. The table
// owns no entries itself; the Store allocates and frees them and keeps the
// accounting. It also counts its entries that carry an expire, so that the
// active expiry cycle can skip tables without volatile keys.
//
// Thread safety: none; the Store calls it under the slot's stripe lock.
#ifndef SHOAL_SERVER_STORE_SLOT_TABLE_H_
#define SHOAL_SERVER_STORE_SLOT_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "server/store/entry.h"
#include "server/store/slot_hash.h"

namespace shoal {

class SlotTable {
 public:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view key) const { return KeyHash(key); }
    size_t operator()(const Entry* e) const { return KeyHash(e->key()); }
  };
  struct Eq {
    using is_transparent = void;
    bool operator()(const Entry* a, const Entry* b) const { return a->key() == b->key(); }
    bool operator()(const Entry* a, std::string_view b) const { return a->key() == b; }
    bool operator()(std::string_view a, const Entry* b) const { return a == b->key(); }
  };
  using Set = absl::flat_hash_set<Entry*, Hash, Eq>;
  using iterator = Set::iterator;

  // Bytes the table's own arrays take per slot of capacity (pointer + control).
  static constexpr size_t kBytesPerSlot = sizeof(void*) + 1;

  Entry* Find(std::string_view key) const {
    auto it = set_.find(key);
    return it == set_.end() ? nullptr : *it;
  }

  // Inserts e, or puts it in place of the entry with the same key and returns
  // that entry (which the caller frees). Hash and equality depend only on
  // the key bytes, so overwriting the stored pointer keeps the table valid.
  Entry* InsertOrReplace(Entry* e);

  // Overwrites the stored pointer of `old_e` (which must be in the table)
  // with `new_e`, which has the same key.
  void ReplaceSameKey(Entry* old_e, Entry* new_e);

  // Removes the key's entry and returns it (nullptr if absent).
  Entry* Remove(std::string_view key);
  void Erase(iterator it) { set_.erase(it); }

  iterator begin() { return set_.begin(); }
  iterator end() { return set_.end(); }
  size_t size() const { return set_.size(); }
  bool empty() const { return set_.empty(); }
  size_t capacity() const { return set_.capacity(); }

  // Entry number `index` (< size()) in iteration order: O(index).
  Entry* Nth(size_t index) const;

  // Gives back memory after mass deletion: when the table is sparse (under
  // 1/8 full), rebuilds it with room for twice its size. Must not be called
  // while iterating. Returns whether the capacity changed.
  bool MaybeShrink();

  // Frees every entry and empties the table.
  void FreeAll();

  // Entries with an expire; maintained by the Store.
  int64_t volatile_count() const { return volatile_; }
  void add_volatile(int64_t d) { volatile_ += d; }

 private:
  Set set_;
  int64_t volatile_ = 0;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_STORE_SLOT_TABLE_H_
