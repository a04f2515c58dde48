// The sampling policies — Redis's approach to LRU, LFU, random and TTL, plus
// FIFO: no side structures, only the entry's 32 bits (meta.h), and victims
// chosen from random samples of maxmemory-samples keys through an
// EvictionPool that keeps the best candidates across rounds.
//
//   noeviction       never evicts (writes past maxmemory get -OOM); keeps a
//                    clock so that OBJECT IDLETIME works, as in Redis.
//   *-lru            clock = last access; evicts the longest idle.
//   *-fifo           clock = creation of the key (reads and overwrites leave
//                    it); evicts the oldest created. OBJECT IDLETIME then
//                    means "since the key was created".
//   *-random         evicts a random key (one sample, no pool).
//   volatile-ttl     evicts the key whose expire is nearest.
//   *-lfu            Redis's logarithmic counter with decay (lfu.h); evicts
//                    the lowest counter, the longest idle among equals.
// volatile-* variants consider only keys with an expire.
//
// Metadata of another format (after a policy switch) is replaced on the
// key's next access; until then LRU/FIFO rank it as the oldest, LFU as a new
// key's counter.
#ifndef SHOAL_EVICTION_SAMPLED_POLICIES_H_
#define SHOAL_EVICTION_SAMPLED_POLICIES_H_

#include "eviction/eviction_pool.h"
#include "eviction/policy.h"
#include "eviction/settings.h"

namespace shoal {

// Eviction by sampling into a pool; subclasses define the score.
class SampledPolicy : public EvictionPolicy {
 public:
  SampledPolicy(const char* name, const EvictionSettings* settings, bool volatile_only)
      : name_(name), settings_(settings), volatile_only_(volatile_only) {}
  const char* name() const override { return name_; }
  void OnRemove(PolicyShard*, EntryRef) override {}
  int64_t Evict(EvictionHost* host, int64_t bytes) override;

  // How good a victim the sampled key is: higher evicts first.
  virtual uint64_t Score(const KeySample& s, int64_t now_ms) const = 0;

 protected:
  const char* name_;
  const EvictionSettings* settings_;
  bool volatile_only_;
  EvictionPool pool_;  // touched only by Evict, which the store serializes
};

// The clock-keeping policies: LRU (touch on access), FIFO (clock set at
// creation), random, volatile-ttl and noeviction (clock kept for IDLETIME).
class ClockPolicy : public SampledPolicy {
 public:
  enum class Order { kLeastRecentlyUsed, kFirstWritten, kRandom, kNearestExpire, kNone };
  ClockPolicy(const char* name, const EvictionSettings* settings, bool volatile_only, Order order)
      : SampledPolicy(name, settings, volatile_only), order_(order) {}

  void OnInsert(PolicyShard*, EntryRef e, const HookContext& ctx) override;
  void OnAccess(PolicyShard*, EntryRef e, const HookContext& ctx) override;
  void OnReplace(PolicyShard*, EntryRef old_e, EntryRef new_e, const HookContext& ctx) override;
  int64_t Evict(EvictionHost* host, int64_t bytes) override;
  uint64_t Score(const KeySample& s, int64_t now_ms) const override;

 private:
  Order order_;
};

class LfuPolicy : public SampledPolicy {
 public:
  LfuPolicy(const char* name, const EvictionSettings* settings, bool volatile_only)
      : SampledPolicy(name, settings, volatile_only) {}

  void OnInsert(PolicyShard*, EntryRef e, const HookContext& ctx) override;
  void OnAccess(PolicyShard*, EntryRef e, const HookContext& ctx) override;
  void OnReplace(PolicyShard*, EntryRef old_e, EntryRef new_e, const HookContext& ctx) override;
  uint64_t Score(const KeySample& s, int64_t now_ms) const override;
  bool IdleTimeMs(uint32_t meta, int64_t now_ms, int64_t* idle_ms) const override;
  bool Frequency(uint32_t meta, int64_t now_ms, int64_t* freq) const override;

  // The counter as OBJECT FREQ reports it: decayed to now, not stored.
  uint32_t DecayedCounter(uint32_t meta, int64_t now_ms) const;
};

}  // namespace shoal

#endif  // SHOAL_EVICTION_SAMPLED_POLICIES_H_
