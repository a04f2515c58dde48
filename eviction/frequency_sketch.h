// FrequencySketch: TinyLFU's approximate access history (Einziger, Friedman,
// Manes, "TinyLFU: A Highly Efficient Cache Admission Policy", 2017), the
// admission filter of W-TinyLFU (wtinylfu.h).
//
// Three parts:
//  - a count-min sketch of 4-bit saturating counters, kDepth rows; a key's
//    estimate is the minimum of its counter in each row. Updates are
//    conservative (only the counters equal to the minimum grow), which keeps
//    the over-estimate of rare keys low;
//  - a doorkeeper: a Bloom filter in front of the sketch. A key's first
//    record in a period only sets its doorkeeper bits; later records reach
//    the counters. The long tail of keys seen once (most of a zipf stream's
//    distinct keys, every key of a scan) thus never touches the counters,
//    which lets the sketch be small. The estimate adds one for a key the
//    doorkeeper holds;
//  - aging: after sample_size() records (W = sample_factor x capacity) every
//    counter is halved and the doorkeeper cleared, so the history follows a
//    shifting popularity and 4 bits suffice (a counter near 15 is a key that
//    is hot in every period).
//
// Size: capacity is the number of keys the sketch serves (the cache's keys,
// from EnsureCapacity, rounded up to a power of two); counters_per_key 4-bit
// counters and doorkeeper_bits_per_key bits per key of capacity. Growing
// doubles the columns and copies each counter into the two columns its keys
// now map to, so a cache that grows keeps its history (a sketch cleared on
// each growth let a scan that filled a cache look as frequent as its hot
// keys). It never shrinks (a cache that emptied will likely refill).
//
// Not thread-safe: W-TinyLFU keeps one sketch per lock stripe, guarded by the
// stripe's lock. Pure computation: no clock, no randomness.
#ifndef SHOAL_EVICTION_FREQUENCY_SKETCH_H_
#define SHOAL_EVICTION_FREQUENCY_SKETCH_H_

#include <cstdint>
#include <vector>

namespace shoal {

struct FrequencySketchOptions {
  int counters_per_key = 4;          // 4-bit counters per key of capacity (all rows)
  int doorkeeper_bits_per_key = 8;   // 0 disables the doorkeeper
  int sample_factor = 10;            // W = sample_factor x capacity records per period
};

class FrequencySketch {
 public:
  static constexpr int kDepth = 4;
  static constexpr uint32_t kMaxCount = 15;
  static constexpr int64_t kMinCapacity = 64;

  explicit FrequencySketch(FrequencySketchOptions options = {}) : options_(options) {}

  // Makes the sketch serve at least `keys` keys (estimates are kept).
  void EnsureCapacity(int64_t keys);
  // One access of the key with this hash.
  void Record(uint64_t hash);
  // One access counted elsewhere (W-TinyLFU counts its main-area keys' hits
  // in their metadata): it only advances the aging period.
  void Tick();
  // Raises the key's estimate to at least `count` (capped), as if it had
  // been recorded that often in this period: a key leaving the cache hands
  // its own count back to the sketch.
  void Raise(uint64_t hash, uint32_t count);
  // Estimated accesses in the current period (about; 0 to kMaxCount + 1).
  uint32_t Estimate(uint64_t hash) const;

  int64_t capacity() const { return capacity_; }
  int64_t sample_size() const { return sample_size_; }
  int64_t samples() const { return samples_; }  // records since the last halving
  int64_t halvings() const { return halvings_; }
  int64_t MemoryBytes() const;

 private:
  uint32_t Counter(uint64_t index) const;
  void Halve();
  void Double();
  uint64_t Column(uint64_t hash, int row) const;
  bool DoorkeeperHas(uint64_t hash) const;
  void DoorkeeperAdd(uint64_t hash);

  FrequencySketchOptions options_;
  std::vector<uint64_t> counters_;  // 16 counters per word; row r holds [r*width_, (r+1)*width_)
  uint64_t width_ = 0;              // counters per row
  std::vector<uint64_t> door_;      // doorkeeper bits
  int64_t capacity_ = 0;
  int64_t sample_size_ = 0;
  int64_t samples_ = 0;
  int64_t halvings_ = 0;
};

}  // namespace shoal

#endif  // SHOAL_EVICTION_FREQUENCY_SKETCH_H_
