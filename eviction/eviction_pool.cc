// EvictionPool: see eviction_pool.h.
#include "eviction/eviction_pool.h"

#include <utility>

namespace shoal {

void EvictionPool::Offer(uint64_t score, int db, std::string_view key, uint32_t meta) {
  // Already a candidate: refresh it in place and restore the order.
  for (int i = 0; i < size_; ++i) {
    if (slots_[i].db == db && slots_[i].key == key) {
      slots_[i].score = score;
      slots_[i].meta = meta;
      while (i > 0 && slots_[i - 1].score > slots_[i].score) {
        std::swap(slots_[i - 1], slots_[i]);
        --i;
      }
      while (i + 1 < size_ && slots_[i + 1].score < slots_[i].score) {
        std::swap(slots_[i + 1], slots_[i]);
        ++i;
      }
      return;
    }
  }
  int pos;
  if (size_ < kSize) {
    pos = size_++;
  } else {
    if (score <= slots_[0].score) return;  // worse than everything kept
    // Drop the worst (slot 0) by shifting left; its buffer is reused.
    for (int i = 0; i + 1 < kSize; ++i) std::swap(slots_[i], slots_[i + 1]);
    pos = kSize - 1;
  }
  // Insertion sort from the end: ties go before existing equal scores, so
  // among equals the earliest offered is evicted first.
  while (pos > 0 && slots_[pos - 1].score >= score) {
    std::swap(slots_[pos - 1], slots_[pos]);
    --pos;
  }
  Candidate& c = slots_[pos];
  c.score = score;
  c.db = db;
  c.meta = meta;
  c.key.assign(key.data(), key.size());
}

bool EvictionPool::PopBest(Candidate* out) {
  if (size_ == 0) return false;
  std::swap(*out, slots_[--size_]);
  return true;
}

}  // namespace shoal
