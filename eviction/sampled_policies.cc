// The sampling policies: see sampled_policies.h.
#include "eviction/sampled_policies.h"

#include <algorithm>
#include <limits>

#include "eviction/lfu.h"
#include "eviction/meta.h"

namespace shoal {
namespace {

// Rounds in a row that may find only touched (stale) candidates before an
// Evict call gives up; the caller then reports out of memory or retries on
// its next command.
constexpr int kMaxFruitlessRounds = 64;

// Rank of metadata written by another policy: older than any clock age.
constexpr uint64_t kForeignAge = uint64_t{1} << 31;

}  // namespace

// ---------------------------------------------------------------------------
// SampledPolicy

int64_t SampledPolicy::Evict(EvictionHost* host, int64_t bytes) {
  // Redis accepts any positive count; past a few thousand it buys nothing.
  const int n = static_cast<int>(
      std::clamp<int64_t>(settings_->samples.load(std::memory_order_relaxed), 1, 4096));
  int64_t freed = 0;
  int fruitless = 0;
  EvictionPool::Candidate c;
  while (freed < bytes) {
    const int64_t now = host->NowMs();
    const bool any = host->Sample(n, volatile_only_, [&](const KeySample& s) {
      pool_.Offer(Score(s, now), s.db, s.key, s.meta);
    });
    if (!any) {
      pool_.Clear();  // nothing evictable at all
      break;
    }
    int64_t got = 0;
    while (got == 0 && pool_.PopBest(&c)) got = host->EvictKey(c.db, c.key, c.meta);
    if (got > 0) {
      freed += got;
      fruitless = 0;
    } else if (++fruitless > kMaxFruitlessRounds) {
      break;
    }
  }
  return freed;
}

// ---------------------------------------------------------------------------
// ClockPolicy

void ClockPolicy::OnInsert(PolicyShard*, EntryRef e, const HookContext& ctx) {
  // A key moved in (RENAME, MOVE) keeps its clock.
  if (meta::TagOf(*e) != meta::kClock) *e = meta::Clock(ctx.now_ms);
}

void ClockPolicy::OnAccess(PolicyShard*, EntryRef e, const HookContext& ctx) {
  if (order_ == Order::kFirstWritten && meta::TagOf(*e) == meta::kClock) return;
  *e = meta::Clock(ctx.now_ms);
}

void ClockPolicy::OnReplace(PolicyShard*, EntryRef old_e, EntryRef new_e,
                            const HookContext& ctx) {
  // The same key: LRU's clock was just set by the lookup that preceded the
  // write; FIFO's is the key's creation time, which an overwrite keeps.
  *new_e = meta::TagOf(*old_e) == meta::kClock ? *old_e : meta::Clock(ctx.now_ms);
}

uint64_t ClockPolicy::Score(const KeySample& s, int64_t now_ms) const {
  switch (order_) {
    case Order::kLeastRecentlyUsed:
    case Order::kFirstWritten:
      return meta::TagOf(s.meta) == meta::kClock ? meta::ClockAgeTicks(s.meta, now_ms)
                                                 : kForeignAge;
    case Order::kNearestExpire:
      return std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(s.expire_ms);
    case Order::kRandom:
    case Order::kNone:
      break;
  }
  return 0;
}

int64_t ClockPolicy::Evict(EvictionHost* host, int64_t bytes) {
  if (order_ == Order::kNone) return 0;  // noeviction
  if (order_ != Order::kRandom) return SampledPolicy::Evict(host, bytes);
  // Random: one sample is the victim; no pool.
  int64_t freed = 0;
  int fruitless = 0;
  while (freed < bytes) {
    int db = -1;
    std::string key;
    uint32_t m = 0;
    if (!host->Sample(1, volatile_only_, [&](const KeySample& s) {
          if (db >= 0) return;
          db = s.db;
          key.assign(s.key.data(), s.key.size());
          m = s.meta;
        })) {
      break;
    }
    const int64_t got = db >= 0 ? host->EvictKey(db, key, m) : 0;
    if (got > 0) {
      freed += got;
      fruitless = 0;
    } else if (++fruitless > kMaxFruitlessRounds) {
      break;
    }
  }
  return freed;
}

// ---------------------------------------------------------------------------
// LfuPolicy

uint32_t LfuPolicy::DecayedCounter(uint32_t m, int64_t now_ms) const {
  if (meta::TagOf(m) != meta::kLfu) return kLfuInitValue;
  return LfuDecay(meta::LfuCounter(m), meta::LfuElapsedMinutes(m, now_ms),
                  settings_->lfu_decay_time.load(std::memory_order_relaxed));
}

void LfuPolicy::OnInsert(PolicyShard*, EntryRef e, const HookContext& ctx) {
  // A key moved in (RENAME, MOVE) keeps its counter, as in Redis.
  if (meta::TagOf(*e) != meta::kLfu) *e = meta::Lfu(meta::LfuMinutes(ctx.now_ms), kLfuInitValue);
}

void LfuPolicy::OnAccess(PolicyShard*, EntryRef e, const HookContext& ctx) {
  uint32_t counter = DecayedCounter(*e, ctx.now_ms);
  counter = LfuLogIncrement(counter, settings_->lfu_log_factor.load(std::memory_order_relaxed),
                            NextRandom(ctx.rng));
  *e = meta::Lfu(meta::LfuMinutes(ctx.now_ms), counter);
}

void LfuPolicy::OnReplace(PolicyShard*, EntryRef old_e, EntryRef new_e, const HookContext& ctx) {
  // Redis keeps the counter of an overwritten key.
  *new_e = meta::TagOf(*old_e) == meta::kLfu ? *old_e
                                             : meta::Lfu(meta::LfuMinutes(ctx.now_ms), kLfuInitValue);
}

uint64_t LfuPolicy::Score(const KeySample& s, int64_t now_ms) const {
  // Lowest counter first; among equal counters the longest idle (minutes).
  const uint64_t counter = DecayedCounter(s.meta, now_ms);
  const uint64_t idle = meta::TagOf(s.meta) == meta::kLfu ? meta::LfuElapsedMinutes(s.meta, now_ms)
                                                          : 0;
  return ((255 - counter) << 32) | idle;
}

bool LfuPolicy::IdleTimeMs(uint32_t, int64_t, int64_t*) const { return false; }

bool LfuPolicy::Frequency(uint32_t m, int64_t now_ms, int64_t* freq) const {
  *freq = DecayedCounter(m, now_ms);
  return true;
}

}  // namespace shoal
