// W-TinyLFU: see wtinylfu.h.
#include "eviction/wtinylfu.h"

#include <algorithm>

#include "eviction/meta.h"

namespace shoal {
namespace {

// The window's ring holds at most this many slots (positions are 23 bits).
constexpr size_t kMaxWindowSlots = size_t{1} << 22;
// Hand steps per eviction spent demoting while protected is over its share.
constexpr int kDemotionSteps = 8;

}  // namespace

// ---------------------------------------------------------------------------
// WindowQueue

size_t WindowQueue::Slot(uint32_t pos) const {
  return (head_ + ((pos - head_pos_) & meta::kWindowPosMask)) & (buf_.size() - 1);
}

bool WindowQueue::Holds(uint32_t pos, EntryRef e) const {
  // Identity, not just range: an entry popped, or left from an earlier
  // shard, never matches the slot its stale position points to.
  const size_t i = (pos - head_pos_) & meta::kWindowPosMask;
  return i < size_ && buf_[(head_ + i) & (buf_.size() - 1)] == e;
}

void WindowQueue::Relayout(size_t capacity) {
  std::vector<EntryRef> packed(capacity, nullptr);
  size_t n = 0;
  for (size_t i = 0; i < size_; ++i) {
    EntryRef e = buf_[(head_ + i) & (buf_.size() - 1)];
    if (e == nullptr) continue;
    packed[n] = e;
    *e = (*e & ~meta::kWindowPosMask) | static_cast<uint32_t>(n);
    ++n;
  }
  buf_.swap(packed);
  head_ = 0;
  size_ = n;
  head_pos_ = 0;
}

void WindowQueue::Push(EntryRef e, uint32_t epoch) {
  if (size_ == buf_.size()) {
    // Full: pack if a third or more of the slots are empty, else double.
    size_t cap = std::max<size_t>(buf_.size(), 8);
    while (cap < live_ + live_ / 2 + 1) cap *= 2;
    Relayout(cap);
  }
  const uint32_t pos = (head_pos_ + static_cast<uint32_t>(size_)) & meta::kWindowPosMask;
  buf_[(head_ + size_) & (buf_.size() - 1)] = e;
  ++size_;
  ++live_;
  *e = meta::TinyLfu(meta::kWindow, false, epoch, pos);
}

void WindowQueue::Remove(uint32_t pos) {
  buf_[Slot(pos)] = nullptr;
  --live_;
  // Every hit in the window empties a slot: pack when mostly empty
  // (amortized O(1)), and give memory back when the ring is much too large.
  if (size_ > 2 * live_ + 16) {
    size_t cap = buf_.size();
    while (cap > 16 && cap >= 4 * (live_ + 1)) cap /= 2;
    Relayout(cap);
  }
}

EntryRef WindowQueue::PopFront() {
  while (size_ > 0) {
    EntryRef e = buf_[head_];
    buf_[head_] = nullptr;
    head_ = (head_ + 1) & (buf_.size() - 1);
    head_pos_ = (head_pos_ + 1) & meta::kWindowPosMask;
    --size_;
    if (e != nullptr) {
      --live_;
      // The window holds every key until the first eviction, then ~1%.
      if (buf_.size() > 32 && size_ * 4 < buf_.size()) {
        size_t cap = buf_.size();
        while (cap > 16 && cap >= 4 * (size_ + 1)) cap /= 2;
        Relayout(cap);
      }
      return e;
    }
  }
  return nullptr;
}

// ---------------------------------------------------------------------------
// WTinyLfuShard / WTinyLfuPolicy

int64_t WTinyLfuShard::MemoryBytes() const {
  return static_cast<int64_t>(sizeof(*this)) + window.MemoryBytes() + sketch.MemoryBytes();
}

std::unique_ptr<PolicyShard> WTinyLfuPolicy::NewShard() const {
  const uint32_t epoch = next_epoch_.fetch_add(1, std::memory_order_relaxed) & meta::kEpochMask;
  return std::make_unique<WTinyLfuShard>(epoch, options_.sketch);
}

bool WTinyLfuPolicy::Ours(const WTinyLfuShard* shard, uint32_t m) const {
  return meta::IsTinyLfu(m) && meta::TinyLfuEpoch(m) == shard->epoch;
}

bool WTinyLfuPolicy::InWindow(const WTinyLfuShard* shard, EntryRef e) const {
  const uint32_t m = *e;
  return Ours(shard, m) && meta::TinyLfuSegment(m) == meta::kWindow &&
         shard->window.Holds(meta::TinyLfuPos(m), e);
}

bool WTinyLfuPolicy::Evictable(const HookContext& ctx, EntryRef e) const {
  return !volatile_only_ || ctx.info->HasExpire(e);
}

uint32_t WTinyLfuPolicy::CountOf(const WTinyLfuShard* shard, uint32_t m) {
  return meta::TinyLfuCount(m, static_cast<uint32_t>(shard->sketch.halvings()));
}

void WTinyLfuPolicy::SetMain(WTinyLfuShard* shard, EntryRef e, meta::Segment seg, bool referenced,
                             uint32_t count) {
  // No higher than the sketch's largest estimate, so that a candidate can
  // always match a victim's count.
  *e = meta::TinyLfuMain(seg, referenced, shard->epoch,
                         std::min(count, FrequencySketch::kMaxCount + 1),
                         static_cast<uint32_t>(shard->sketch.halvings()));
}

void WTinyLfuPolicy::ToProbation(WTinyLfuShard* shard, EntryRef e, uint32_t count) const {
  SetMain(shard, e, meta::kProbation, options_.probation_referenced, count);
}

void WTinyLfuPolicy::ToProbationFromWindow(WTinyLfuShard* shard, EntryRef e,
                                           const HookContext& ctx) const {
  ToProbation(shard, e, shard->sketch.Estimate(ctx.info->KeyHash(e)));
}

void WTinyLfuPolicy::OnInsert(PolicyShard* s, EntryRef e, const HookContext& ctx) {
  auto* shard = static_cast<WTinyLfuShard*>(s);
  ++shard->tracked;
  shard->sketch.EnsureCapacity(shard->tracked);
  shard->sketch.Record(ctx.KeyHashOf(e));
  // A window that has never been drained (no eviction yet) past what its
  // positions can name: its oldest keys go to probation.
  if (shard->window.live() >= kMaxWindowSlots) {
    if (EntryRef old = shard->window.PopFront()) ToProbationFromWindow(shard, old, ctx);
  }
  shard->window.Push(e, shard->epoch);
}

void WTinyLfuPolicy::OnAccess(PolicyShard* s, EntryRef e, const HookContext& ctx) {
  auto* shard = static_cast<WTinyLfuShard*>(s);
  const uint32_t m = *e;
  uint32_t count;
  if (Ours(shard, m) && meta::TinyLfuSegment(m) == meta::kWindow &&
      shard->window.Holds(meta::TinyLfuPos(m), e)) {
    // A window key's accesses go to the sketch: they decide its admission.
    shard->sketch.Record(ctx.KeyHashOf(e));
    shard->window.Remove(meta::TinyLfuPos(m));
    shard->window.Push(e, shard->epoch);  // most recent
    return;
  }
  if (Ours(shard, m) && meta::TinyLfuSegment(m) != meta::kWindow) {
    // A main key counts its hits itself (the sketch only ages).
    shard->sketch.Tick();
    count = CountOf(shard, m) + 1;
    if (meta::TinyLfuSegment(m) == meta::kProtected) {
      SetMain(shard, e, meta::kProtected, true, count);
      return;
    }
  } else {
    // Adopted from another policy (or an earlier shard): its history is
    // the sketch's.
    if (!Ours(shard, m)) ++shard->tracked;
    shard->sketch.Record(ctx.KeyHashOf(e));
    count = shard->sketch.Estimate(ctx.KeyHashOf(e));
  }
  // A hit in probation, or on a key adopted now: protected.
  if (shard->main_victim == e) shard->main_victim = nullptr;
  SetMain(shard, e, meta::kProtected, true, count);
  ++shard->protected_keys;
}

void WTinyLfuPolicy::OnReplace(PolicyShard* s, EntryRef old_e, EntryRef new_e,
                               const HookContext&) {
  auto* shard = static_cast<WTinyLfuShard*>(s);
  if (InWindow(shard, old_e)) shard->window.Replace(meta::TinyLfuPos(*old_e), new_e);
  if (shard->main_victim == old_e) shard->main_victim = new_e;
  *new_e = *old_e;
}

void WTinyLfuPolicy::OnRemove(PolicyShard* s, EntryRef e) {
  auto* shard = static_cast<WTinyLfuShard*>(s);
  if (shard->main_victim == e) shard->main_victim = nullptr;
  const uint32_t m = *e;
  if (!Ours(shard, m)) return;
  shard->tracked = std::max<int64_t>(0, shard->tracked - 1);
  switch (meta::TinyLfuSegment(m)) {
    case meta::kWindow:
      if (shard->window.Holds(meta::TinyLfuPos(m), e)) shard->window.Remove(meta::TinyLfuPos(m));
      break;
    case meta::kProtected:
      shard->protected_keys = std::max<int64_t>(0, shard->protected_keys - 1);
      break;
    default:
      break;
  }
}

EntryRef WTinyLfuPolicy::MainVictim(WTinyLfuShard* shard, ShardWalker* walker,
                                    const HookContext& ctx) const {
  EntryRef victim = shard->main_victim;
  if (victim != nullptr) {
    const uint32_t m = *victim;
    if (!Ours(shard, m) || meta::TinyLfuSegment(m) != meta::kProbation ||
        !Evictable(ctx, victim)) {
      victim = nullptr;
    }
  }
  const int64_t total = walker->Keys();
  const int64_t main = total - static_cast<int64_t>(shard->window.live());
  const int64_t protected_target = main * options_.protected_percent / 100;
  // The CLOCK hand: each pass clears referenced bits, so this ends within a
  // few sweeps unless nothing in main is evictable. It moves on past the
  // victim while protected is over its share (a few steps per call), so
  // that demotion keeps up with promotion.
  const int64_t limit = 4 * total + 64;
  int extra_steps = kDemotionSteps;
  EntryRef best = nullptr;
  uint32_t best_freq = 0;
  int seen = 0;
  EntryRef e;
  for (int64_t i = 0; i < limit; ++i) {
    if (victim != nullptr &&
        (shard->protected_keys <= protected_target || extra_steps-- <= 0)) {
      break;
    }
    if (!walker->Next(&e)) continue;  // the hand wrapped around
    const uint32_t m = *e;
    uint32_t count;
    if (!Ours(shard, m)) {
      // Written under another policy: an old key, adopted into probation.
      ++shard->tracked;
      count = shard->sketch.Estimate(ctx.info->KeyHash(e));
      SetMain(shard, e, meta::kProbation, false, count);
    } else {
      switch (meta::TinyLfuSegment(m)) {
        case meta::kWindow:
          // In the window, or the candidate being weighed against us now.
          continue;
        case meta::kProtected:
          // Each pass also brings the count up to the sketch's age.
          count = CountOf(shard, m);
          if (meta::TinyLfuReferenced(m) || shard->protected_keys <= protected_target) {
            SetMain(shard, e, meta::kProtected, false, count);
          } else {
            // Protected's least recent (as far as the hand knows): back to
            // probation, where it waits a sweep before it can be the victim.
            ToProbation(shard, e, count);
            --shard->protected_keys;
          }
          continue;
        default:  // probation
          count = CountOf(shard, m);
          if (meta::TinyLfuReferenced(m)) {
            SetMain(shard, e, meta::kProbation, false, count);
            continue;
          }
          break;
      }
    }
    if (victim != nullptr || !Evictable(ctx, e)) continue;
    // A probation key the hand would evict. Of the first victim_samples
    // met, the least frequent (by its own count) is the victim (one sample
    // is a CLOCK probation; more leans the main area towards LFU).
    if (best == nullptr || count < best_freq) {
      best = e;
      best_freq = count;
    }
    if (++seen >= options_.victim_samples) victim = best;
  }
  if (victim == nullptr) victim = best;
  shard->main_victim = victim;
  return victim;
}

EntryRef WTinyLfuPolicy::Pick(WTinyLfuShard* shard, ShardWalker* walker,
                              const HookContext& ctx) const {
  const int64_t total = walker->Keys();
  if (total <= 0) return nullptr;
  if (volatile_only_ && walker->VolatileKeys() == 0) return nullptr;
  shard->tracked = std::max(shard->tracked, total);
  shard->sketch.EnsureCapacity(total);
  WindowQueue& window = shard->window;
  const size_t target = static_cast<size_t>(
      std::max<int64_t>(1, total * options_.window_permille / 1000));
  // Far over its share (the cache filled up without evicting, or this
  // stripe got many inserts since its last eviction): the excess joins
  // probation without a contest, as while a cache fills up.
  while (window.live() > 2 * target + 8) ToProbationFromWindow(shard, window.PopFront(), ctx);
  // The contest: the window's least recent key against the main victim.
  for (size_t rounds = window.live(); window.live() > target && rounds > 0; --rounds) {
    EntryRef candidate = window.PopFront();
    if (!Evictable(ctx, candidate)) {
      ToProbationFromWindow(shard, candidate, ctx);
      continue;
    }
    EntryRef victim = MainVictim(shard, walker, ctx);
    if (victim == nullptr) return candidate;
    const uint32_t cf = shard->sketch.Estimate(ctx.info->KeyHash(candidate));
    if (Admit(cf, CountOf(shard, *victim))) {
      ToProbation(shard, candidate, cf);
      return Evicting(shard, victim, ctx);
    }
    return candidate;
  }
  // The window is within its share: the main area gives the victim.
  if (EntryRef victim = MainVictim(shard, walker, ctx)) return Evicting(shard, victim, ctx);
  // Nothing evictable in main: the window's least recent evictable key.
  for (size_t rounds = window.live(); rounds > 0; --rounds) {
    EntryRef candidate = window.PopFront();
    if (Evictable(ctx, candidate)) return candidate;
    ToProbationFromWindow(shard, candidate, ctx);
  }
  return nullptr;
}

EntryRef WTinyLfuPolicy::Evicting(WTinyLfuShard* shard, EntryRef victim,
                                  const HookContext& ctx) const {
  // The sketch saw none of the victim's hits since it left the window: its
  // own count goes back, so that it returns with its history.
  shard->sketch.Raise(ctx.info->KeyHash(victim), CountOf(shard, *victim));
  shard->main_victim = nullptr;
  return victim;
}

int64_t WTinyLfuPolicy::Evict(EvictionHost* host, int64_t bytes) {
  int64_t freed = 0;
  const EvictionHost::PickFn pick = [this](PolicyShard* s, ShardWalker* w,
                                           const HookContext& ctx) {
    return Pick(static_cast<WTinyLfuShard*>(s), w, ctx);
  };
  while (freed < bytes) {
    const int64_t got = host->EvictFromShard(pick);
    if (got <= 0) break;
    freed += got;
  }
  return freed;
}

// Neither idle time nor a per-key counter lives in the metadata (the
// frequency is the sketch's, per key hash): OBJECT IDLETIME and OBJECT FREQ
// answer Redis's "not selected" errors, as under S3-FIFO's IDLETIME.
bool WTinyLfuPolicy::IdleTimeMs(uint32_t, int64_t, int64_t*) const { return false; }
bool WTinyLfuPolicy::Frequency(uint32_t, int64_t, int64_t*) const { return false; }

bool WTinyLfuPolicy::KeyFrequency(const PolicyShard* s, uint32_t m, uint64_t key_hash, int64_t,
                                  int64_t* freq) const {
  const auto* shard = static_cast<const WTinyLfuShard*>(s);
  if (shard == nullptr) {  // the key's stripe has not met this policy yet: nothing counted
    *freq = 0;
    return true;
  }
  const uint32_t halvings = static_cast<uint32_t>(shard->sketch.halvings());
  if (Ours(shard, m) && meta::TinyLfuSegment(m) != meta::kWindow) {
    *freq = meta::TinyLfuCount(m, halvings);
  } else {
    *freq = shard->sketch.Estimate(key_hash);
  }
  return true;
}

}  // namespace shoal
