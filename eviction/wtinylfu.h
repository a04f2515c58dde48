// W-TinyLFU (Einziger, Friedman, Manes, "TinyLFU: A Highly Efficient Cache
// Admission Policy", ACM ToS 2017): allkeys-wtinylfu and volatile-wtinylfu.
//
// Three areas over a stripe's keys:
//  - the window, an LRU of ~1% of the keys where every new key lands, so a
//    burst of new keys gets a short chance to prove itself;
//  - the main area, a segmented LRU: probation (keys admitted from the
//    window, ~20%) and protected (keys hit while in probation, ~80%);
//  - the admission filter, a FrequencySketch (count-min sketch with a
//    doorkeeper and periodic halving, frequency_sketch.h) of recent accesses
//    of every key, cached or not.
// When a key must go, the window's least recent key (the candidate) and the
// main area's victim (from probation) are compared by estimated frequency:
// the candidate enters probation and the victim leaves only if the candidate
// is more frequent; otherwise the candidate leaves. A scan's keys are each
// seen once, lose against any key used twice and leave through the window:
// the hot set survives, as it does not under LRU. Unlike LFU, a key's history
// outlives its eviction (the sketch remembers keys, not entries), and it
// ages by halving rather than by the clock.
//
// Counts: the sketch records the accesses of keys outside the main area
// (misses, window hits); a main-area key counts its own hits in its
// metadata (5 bits, aged lazily by the sketch's halvings), starting from the
// sketch's estimate when it leaves the window, and hands its count back to
// the sketch (Raise) when it is evicted. So the main victim's frequency is
// its own (its hits since admission counted exactly, not blurred by
// collisions) and costs no hashing, and the sketch is not crowded by the hot
// keys, which take most of the accesses (docs/memory.md has the gain).
//
// Leanness, as S3-FIFO here (s3fifo.h): only the window is a queue (a ring
// of 8-byte EntryRefs, ~1% of the keys; every key before the first eviction).
// The main area has no lists: a key's segment and a referenced bit live in
// its metadata, and a CLOCK hand over the stripe's own tables (ShardWalker)
// stands in for the two LRU orders: passing a protected key clears its
// referenced bit, or demotes it to probation when protected is over its
// share and the bit was clear; of the first victim_samples probation keys
// met with a clear bit, the one with the lowest count is the main area's
// victim, and stays so (the shard remembers it) until it is evicted, hit or
// removed. Each pass also brings a key's count up to the sketch's age. A hit
// in probation promotes at once. The sketch costs counters_per_key / 2 bytes
// plus doorkeeper_bits_per_key / 8 per key.
// docs/memory.md has the figures and when this policy wins.
//
// Metadata (meta.h, tag 0 with the W-TinyLFU mark): segment, referenced bit,
// the shard's epoch and the key's window position (window keys) or its count
// (main keys). A window position is trusted only if the window holds this
// very entry there; a segment only if the epoch is the shard's (a policy
// switch makes new shards, with a new epoch). Keys written under another
// policy are adopted lazily: into protected when hit, into probation when the
// hand meets them, each with the sketch's estimate as its count.
//
// volatile-wtinylfu tracks every key the same way (the sketch needs them
// all) but only evicts keys with an expire; a candidate without one passes to
// probation.
//
// Sharding and threads: one WTinyLfuShard per lock stripe, guarded by the
// stripe lock (hooks take no other lock); the store evicts from the fuller of
// two random stripes, as for S3-FIFO.
#ifndef SHOAL_EVICTION_WTINYLFU_H_
#define SHOAL_EVICTION_WTINYLFU_H_

#include <atomic>
#include <cstdint>
#include <vector>

#include "eviction/frequency_sketch.h"
#include "eviction/meta.h"
#include "eviction/policy.h"

namespace shoal {

// Defaults measured on the hit-ratio streams (docs/memory.md): the window,
// protected's share and the referenced bit hardly matter there (±0.05
// points); 16 victim samples gain ~0.1 over 4 and 0.4-0.7 over 1, and cost
// no hashing (a key's count is in its metadata); a 16-bit doorkeeper gains
// 0.2 (zipf) to 0.6 (scan-mixed) over an 8-bit one.
struct WTinyLfuOptions {
  WTinyLfuOptions() { sketch.doorkeeper_bits_per_key = 16; }
  int window_permille = 10;     // the window's share of the keys, in 1/1000
  int protected_percent = 80;   // protected's share of the main area
  // A key entering probation has its referenced bit set: the hand passes it
  // once before it can be the victim (the MRU end of an LRU probation).
  bool probation_referenced = true;
  // Probation keys the hand looks at for the main victim; the least
  // frequent of them (by their own counts) is taken.
  int victim_samples = 16;
  FrequencySketchOptions sketch;
};

// The window: an LRU of EntryRefs in a ring, with O(1) removal from the
// middle (the slot empties) and each entry's position in its metadata.
class WindowQueue {
 public:
  // Appends e (most recent) and writes its metadata (window, epoch, pos).
  void Push(EntryRef e, uint32_t epoch);
  bool Holds(uint32_t pos, EntryRef e) const;
  void Replace(uint32_t pos, EntryRef e) { buf_[Slot(pos)] = e; }
  void Remove(uint32_t pos);
  // The least recent entry, removed; nullptr when empty.
  EntryRef PopFront();
  size_t live() const { return live_; }
  int64_t MemoryBytes() const {
    return static_cast<int64_t>(buf_.capacity() * sizeof(EntryRef));
  }

 private:
  size_t Slot(uint32_t pos) const;
  void Relayout(size_t capacity);

  std::vector<EntryRef> buf_;  // power-of-two size (or 0)
  size_t head_ = 0;
  size_t size_ = 0;
  uint32_t head_pos_ = 0;  // modulo 2^23 (meta::kWindowPosMask + 1)
  size_t live_ = 0;
};

class WTinyLfuShard : public PolicyShard {
 public:
  WTinyLfuShard(uint32_t epoch, const FrequencySketchOptions& sketch_options)
      : epoch(epoch), sketch(sketch_options) {}
  int64_t MemoryBytes() const override;

  const uint32_t epoch;
  WindowQueue window;
  FrequencySketch sketch;
  int64_t tracked = 0;              // keys this shard placed (inserted or adopted), about
  int64_t protected_keys = 0;       // keys in protected, of this epoch
  EntryRef main_victim = nullptr;   // the hand's current probation victim
};

class WTinyLfuPolicy : public EvictionPolicy {
 public:
  explicit WTinyLfuPolicy(bool volatile_only, WTinyLfuOptions options = {})
      : volatile_only_(volatile_only), options_(options) {}

  const char* name() const override {
    return volatile_only_ ? "volatile-wtinylfu" : "allkeys-wtinylfu";
  }
  std::unique_ptr<PolicyShard> NewShard() const override;
  void OnInsert(PolicyShard* shard, EntryRef e, const HookContext& ctx) override;
  void OnAccess(PolicyShard* shard, EntryRef e, const HookContext& ctx) override;
  void OnReplace(PolicyShard* shard, EntryRef old_e, EntryRef new_e,
                 const HookContext& ctx) override;
  void OnRemove(PolicyShard* shard, EntryRef e) override;
  int64_t Evict(EvictionHost* host, int64_t bytes) override;
  bool IdleTimeMs(uint32_t meta, int64_t now_ms, int64_t* idle_ms) const override;
  bool Frequency(uint32_t meta, int64_t now_ms, int64_t* freq) const override;
  // A main-area key's own count (aged with the sketch's halvings); for a
  // window key, or one placed under an earlier policy, the sketch's
  // estimate: 0..31, what admission compares.
  bool KeyFrequency(const PolicyShard* shard, uint32_t meta, uint64_t key_hash, int64_t now_ms,
                    int64_t* freq) const override;

  // One victim from the shard (exposed for tests); nullptr when it has none.
  EntryRef Pick(WTinyLfuShard* shard, ShardWalker* walker, const HookContext& ctx) const;
  // A main-area key's own count, aged to the shard's sketch (meaningless for
  // a window key, whose metadata holds its position instead).
  static uint32_t CountOf(const WTinyLfuShard* shard, uint32_t m);
  // Whether a candidate with estimated frequency `candidate` displaces a
  // victim with `victim` (ties keep the victim: it is already cached).
  static bool Admit(uint32_t candidate, uint32_t victim) { return candidate > victim; }

 private:
  bool Ours(const WTinyLfuShard* shard, uint32_t m) const;
  bool InWindow(const WTinyLfuShard* shard, EntryRef e) const;
  bool Evictable(const HookContext& ctx, EntryRef e) const;
  static void SetMain(WTinyLfuShard* shard, EntryRef e, meta::Segment seg, bool referenced,
                      uint32_t count);
  void ToProbation(WTinyLfuShard* shard, EntryRef e, uint32_t count) const;
  void ToProbationFromWindow(WTinyLfuShard* shard, EntryRef e, const HookContext& ctx) const;
  EntryRef Evicting(WTinyLfuShard* shard, EntryRef victim, const HookContext& ctx) const;
  EntryRef MainVictim(WTinyLfuShard* shard, ShardWalker* walker, const HookContext& ctx) const;

  const bool volatile_only_;
  const WTinyLfuOptions options_;
  mutable std::atomic<uint32_t> next_epoch_{0};
};

}  // namespace shoal

#endif  // SHOAL_EVICTION_WTINYLFU_H_
