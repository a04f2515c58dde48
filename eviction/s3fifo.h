// S3-FIFO (Yang et al., "FIFO queues are all you need for cache eviction",
// SOSP 2023): allkeys-s3fifo.
//
// A small FIFO (S, ~10% of the keys) where new keys land, a main part (M)
// and a ghost (G) that remembers keys recently dropped from S.
//  - insert: into M if the key is in G (it came back soon after being
//    dropped: not a one-hit wonder), else at S's tail; frequency 0.
//  - access: frequency += 1, capped at 3. Nothing moves: a hit costs one
//    store to the entry's own metadata, no lock and no list surgery.
//  - evict: while S holds at least 10% of the keys, take S's oldest: if it was
//    accessed since it came in, it moves to M; else it is evicted and its key
//    remembered in G. Otherwise M evicts: a CLOCK hand passes over M's keys,
//    lowering each non-zero frequency (a second chance) and evicting the
//    first key it finds at zero.
// One-hit wonders leave through S quickly, which is what a scan or a long
// zipf tail brings; keys seen twice earn a place in M, where they survive a
// scan, unlike under LRU.
//
// M needs no queue. The paper's M is a FIFO with reinsertion, i.e. a CLOCK;
// here the hand walks the stripe's own tables (the store's ShardWalker), so
// M costs nothing beyond the entries' metadata. The hand meets a key entering
// M after a random part of a sweep rather than a full one; measured, that
// loses less hit ratio than an exact M queue (8 bytes per key) costs in keys
// held: zipf 0.99 at the same maxmemory, 80.0% with a queue (62k keys held)
// against 80.7% without (68k keys). docs/memory.md has the figures.
//
// Sharding: each lock stripe holds its own S3FifoShard (S and G over that
// stripe's keys), guarded by the stripe lock, so hooks take no lock. Keys
// hash uniformly onto stripes, so the stripes behave as one cache split at
// random; the store evicts from the stripe with the most memory of two
// random ones, which keeps the stripes' shares even.
//
// Memory: an 8-byte EntryRef per key in S (10% of the keys once eviction
// runs; every key before the first eviction), plus dead slots of keys removed
// from S until they reach its head or a compaction; the ghost as two rotating
// Bloom filters of 8 bits per remembered key, one generation sized to half of
// M (measured as good as the paper's full-size ghost, for half the bytes):
// about 3 bytes per key in steady state (docs/memory.md).
//
// Metadata (meta.h, tag kQueue): M/S bit, 2-bit frequency, position in S. An
// S position is trusted only if S's slot at that position holds this very
// entry, so metadata from an earlier S3-FIFO period reads as M's; keys
// written under another policy are M's with frequency 0. So a policy switch
// needs no adoption pass.
#ifndef SHOAL_EVICTION_S3FIFO_H_
#define SHOAL_EVICTION_S3FIFO_H_

#include <cstdint>
#include <vector>

#include "eviction/policy.h"

namespace shoal {

struct S3FifoOptions {
  // The paper's defaults where it has them; measured alternatives (zipf
  // 0.99 and scan-mixed streams, docs/benchmarks.md) in parentheses.
  int small_percent = 10;         // target share of S in the keys (5: +0.1, 20: -0.4)
  uint32_t move_threshold = 1;    // accesses in S that earn a move to M (2: -0.6)
  int ghost_percent = 50;         // keys G remembers, in percent of M (100: same)
  uint32_t main_insert_freq = 0;  // frequency a key enters M with (1: -0.3)
};

// A FIFO of EntryRefs with O(1) removal from the middle (the slot becomes
// empty) and positions written into the entries' metadata. A ring buffer of
// power-of-two capacity: 8 bytes per slot, no per-block overhead (a stripe's
// S may hold only a few dozen keys).
class RefQueue {
 public:
  // Appends e and writes its metadata: queue `main`, frequency `freq`.
  void Push(EntryRef e, bool main, uint32_t freq);
  // Whether position `pos` holds e.
  bool Holds(uint32_t pos, EntryRef e) const;
  void Replace(uint32_t pos, EntryRef e) { buf_[Slot(pos)] = e; }
  // Empties the slot at pos (which holds a live entry).
  void Remove(uint32_t pos);
  // The oldest entry, removed from the queue; nullptr when empty.
  EntryRef PopFront();
  size_t live() const { return live_; }
  size_t slots() const { return size_; }
  int64_t MemoryBytes() const {
    return static_cast<int64_t>(buf_.capacity() * sizeof(EntryRef));
  }

 private:
  size_t Slot(uint32_t pos) const;  // physical index of a held position
  void Relayout(size_t capacity);   // packs live entries from position 0

  std::vector<EntryRef> buf_;  // ring; size() is a power of two (or 0)
  size_t head_ = 0;            // physical index of the oldest slot
  size_t size_ = 0;            // slots in use, empty ones included
  uint32_t head_pos_ = 0;      // position of the oldest slot, modulo 2^27
  size_t live_ = 0;
};

// Two rotating Bloom filters: a key added is remembered for at least
// `capacity` further additions.
class GhostFilter {
 public:
  void Add(uint64_t hash, size_t capacity);
  bool Contains(uint64_t hash) const;
  int64_t MemoryBytes() const;

 private:
  static bool Test(const std::vector<uint64_t>& bits, uint64_t hash);
  static void Set(std::vector<uint64_t>* bits, uint64_t hash);

  std::vector<uint64_t> gen_[2];
  int cur_ = 0;
  size_t count_ = 0;
  size_t capacity_ = 0;
};

class S3FifoShard : public PolicyShard {
 public:
  int64_t MemoryBytes() const override;

  RefQueue small;
  GhostFilter ghost;
};

class S3FifoPolicy : public EvictionPolicy {
 public:
  explicit S3FifoPolicy(S3FifoOptions options = {}) : options_(options) {}

  const char* name() const override { return "allkeys-s3fifo"; }
  std::unique_ptr<PolicyShard> NewShard() const override;
  void OnInsert(PolicyShard* shard, EntryRef e, const HookContext& ctx) override;
  void OnAccess(PolicyShard* shard, EntryRef e, const HookContext& ctx) override;
  void OnReplace(PolicyShard* shard, EntryRef old_e, EntryRef new_e,
                 const HookContext& ctx) override;
  void OnRemove(PolicyShard* shard, EntryRef e) override;
  int64_t Evict(EvictionHost* host, int64_t bytes) override;
  bool IdleTimeMs(uint32_t meta, int64_t now_ms, int64_t* idle_ms) const override;
  bool Frequency(uint32_t meta, int64_t now_ms, int64_t* freq) const override;

  // One victim from the shard (exposed for tests); nullptr when it has none.
  // The walker is the CLOCK hand over the stripe's keys.
  EntryRef Pick(S3FifoShard* shard, ShardWalker* walker, const HookContext& ctx) const;

 private:
  static bool InSmall(const S3FifoShard* shard, EntryRef e);

  S3FifoOptions options_;
};

}  // namespace shoal

#endif  // SHOAL_EVICTION_S3FIFO_H_
