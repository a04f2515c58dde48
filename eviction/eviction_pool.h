// EvictionPool: the best eviction candidates seen so far, across sampling
// rounds — Redis's idea of an eviction pool: sampling a few keys per round is
// cheap, and keeping the best few of all rounds makes the result close to
// what exact LRU/LFU would choose.
//
// A candidate is (db, key copy, metadata at sampling time, score); a higher
// score is a better victim. The pool holds at most kSize candidates sorted by
// score; a key already in the pool is updated, not duplicated. Key buffers
// are kept between uses, so a steady eviction loop does not allocate.
//
// Not thread-safe: used by one evictor at a time (Evict is serialized).
#ifndef SHOAL_EVICTION_EVICTION_POOL_H_
#define SHOAL_EVICTION_EVICTION_POOL_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace shoal {

class EvictionPool {
 public:
  static constexpr int kSize = 16;

  struct Candidate {
    uint64_t score = 0;
    int db = 0;
    uint32_t meta = 0;
    std::string key;
  };

  // Offers a candidate; ignored when the pool is full of better ones.
  void Offer(uint64_t score, int db, std::string_view key, uint32_t meta);
  // Moves the best candidate into *out and removes it; false when empty.
  bool PopBest(Candidate* out);
  bool empty() const { return size_ == 0; }
  int size() const { return size_; }
  void Clear() { size_ = 0; }

 private:
  // slots_[0..size_) sorted by ascending score; the best is last.
  std::array<Candidate, kSize> slots_;
  int size_ = 0;
};

}  // namespace shoal

#endif  // SHOAL_EVICTION_EVICTION_POOL_H_
