// S3-FIFO: see s3fifo.h.
#include "eviction/s3fifo.h"

#include <algorithm>

#include "eviction/meta.h"

namespace shoal {
namespace {

uint32_t WithPos(uint32_t m, uint32_t pos) { return (m & ~meta::kPosMask) | (pos & meta::kPosMask); }
uint32_t WithFreq(uint32_t m, uint32_t f) { return (m & ~(3u << 27)) | ((f & 3) << 27); }

}  // namespace

// ---------------------------------------------------------------------------
// RefQueue

size_t RefQueue::Slot(uint32_t pos) const {
  return (head_ + ((pos - head_pos_) & meta::kPosMask)) & (buf_.size() - 1);
}

bool RefQueue::Holds(uint32_t pos, EntryRef e) const {
  // Identity, not just range: an entry popped or left over from an earlier
  // shard never matches the slot its stale position points to.
  const size_t i = (pos - head_pos_) & meta::kPosMask;
  return i < size_ && buf_[(head_ + i) & (buf_.size() - 1)] == e;
}

void RefQueue::Relayout(size_t capacity) {
  std::vector<EntryRef> packed(capacity, nullptr);
  size_t n = 0;
  for (size_t i = 0; i < size_; ++i) {
    EntryRef e = buf_[(head_ + i) & (buf_.size() - 1)];
    if (e == nullptr) continue;
    packed[n] = e;
    *e = WithPos(*e, static_cast<uint32_t>(n));
    ++n;
  }
  buf_.swap(packed);
  head_ = 0;
  size_ = n;
  head_pos_ = 0;
}

void RefQueue::Push(EntryRef e, bool main, uint32_t freq) {
  if (size_ == buf_.size() || size_ + 1 >= meta::kPosMask) {
    // Full: drop the empty slots if they are many (a third or more), else
    // double.
    size_t cap = std::max<size_t>(buf_.size(), 8);
    while (cap < live_ + live_ / 2 + 1) cap *= 2;
    Relayout(cap);
  }
  const uint32_t pos = (head_pos_ + static_cast<uint32_t>(size_)) & meta::kPosMask;
  buf_[(head_ + size_) & (buf_.size() - 1)] = e;
  ++size_;
  ++live_;
  *e = meta::Queue(main, freq, pos);
}

void RefQueue::Remove(uint32_t pos) {
  buf_[Slot(pos)] = nullptr;
  --live_;
  // Mostly empty: pack (amortized O(1): at least live_ removals since the
  // last relayout), and give memory back when the ring is much too large.
  if (size_ > 2 * live_ + 16) {
    size_t cap = buf_.size();
    while (cap > 16 && cap >= 4 * (live_ + 1)) cap /= 2;
    Relayout(cap);
  }
}

EntryRef RefQueue::PopFront() {
  while (size_ > 0) {
    EntryRef e = buf_[head_];
    buf_[head_] = nullptr;
    head_ = (head_ + 1) & (buf_.size() - 1);
    head_pos_ = (head_pos_ + 1) & meta::kPosMask;
    --size_;
    if (e != nullptr) {
      --live_;
      // S drains from every key to 10% of them once eviction starts: give
      // the ring's memory back as it empties.
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
// GhostFilter

namespace {
constexpr int kGhostBitsPerKey = 8;
constexpr int kGhostProbes = 3;

uint64_t Probe(uint64_t hash, int i, uint64_t nbits) {
  const uint64_t h2 = (hash >> 32) | (hash << 32) | 1;
  const uint64_t x = hash + static_cast<uint64_t>(i) * h2;
  return static_cast<uint64_t>((static_cast<unsigned __int128>(x) * nbits) >> 64);
}
}  // namespace

bool GhostFilter::Test(const std::vector<uint64_t>& bits, uint64_t hash) {
  if (bits.empty()) return false;
  const uint64_t nbits = bits.size() * 64;
  for (int i = 0; i < kGhostProbes; ++i) {
    const uint64_t b = Probe(hash, i, nbits);
    if (!(bits[b / 64] & (uint64_t{1} << (b % 64)))) return false;
  }
  return true;
}

void GhostFilter::Set(std::vector<uint64_t>* bits, uint64_t hash) {
  const uint64_t nbits = bits->size() * 64;
  for (int i = 0; i < kGhostProbes; ++i) {
    const uint64_t b = Probe(hash, i, nbits);
    (*bits)[b / 64] |= uint64_t{1} << (b % 64);
  }
}

void GhostFilter::Add(uint64_t hash, size_t capacity) {
  if (count_ >= capacity_) {
    // Rotate: the current generation becomes the old one; the older is
    // forgotten and reused, sized for the ghost's capacity now.
    cur_ ^= 1;
    capacity_ = std::max<size_t>(capacity, 64);
    gen_[cur_].assign((capacity_ * kGhostBitsPerKey + 63) / 64, 0);
    count_ = 0;
  }
  Set(&gen_[cur_], hash);
  ++count_;
}

bool GhostFilter::Contains(uint64_t hash) const {
  return Test(gen_[0], hash) || Test(gen_[1], hash);
}

int64_t GhostFilter::MemoryBytes() const {
  return static_cast<int64_t>((gen_[0].capacity() + gen_[1].capacity()) * sizeof(uint64_t));
}

// ---------------------------------------------------------------------------
// S3FifoShard / S3FifoPolicy

int64_t S3FifoShard::MemoryBytes() const {
  return static_cast<int64_t>(sizeof(*this)) + small.MemoryBytes() + ghost.MemoryBytes();
}

std::unique_ptr<PolicyShard> S3FifoPolicy::NewShard() const {
  return std::make_unique<S3FifoShard>();
}

bool S3FifoPolicy::InSmall(const S3FifoShard* shard, EntryRef e) {
  const uint32_t m = *e;
  return meta::TagOf(m) == meta::kQueue && !meta::QueueIsMain(m) &&
         shard->small.Holds(meta::QueuePos(m), e);
}

void S3FifoPolicy::OnInsert(PolicyShard* s, EntryRef e, const HookContext& ctx) {
  auto* shard = static_cast<S3FifoShard*>(s);
  if (shard->ghost.Contains(ctx.KeyHashOf(e))) {
    *e = meta::Queue(/*main=*/true, options_.main_insert_freq, 0);
  } else {
    shard->small.Push(e, /*main=*/false, 0);
  }
}

void S3FifoPolicy::OnAccess(PolicyShard* s, EntryRef e, const HookContext&) {
  auto* shard = static_cast<S3FifoShard*>(s);
  const uint32_t m = *e;
  if (meta::TagOf(m) == meta::kQueue && (meta::QueueIsMain(m) || InSmall(shard, e))) {
    const uint32_t f = meta::QueueFreq(m);
    if (f < 3) *e = WithFreq(m, f + 1);
    return;
  }
  // Written under another policy (or left from an earlier S3-FIFO period):
  // it has been in the cache a while and is being used; it counts as M's.
  *e = meta::Queue(/*main=*/true, 1, 0);
}

void S3FifoPolicy::OnReplace(PolicyShard* s, EntryRef old_e, EntryRef new_e,
                             const HookContext&) {
  auto* shard = static_cast<S3FifoShard*>(s);
  const uint32_t m = *old_e;
  if (InSmall(shard, old_e)) shard->small.Replace(meta::QueuePos(m), new_e);
  *new_e = m;
}

void S3FifoPolicy::OnRemove(PolicyShard* s, EntryRef e) {
  auto* shard = static_cast<S3FifoShard*>(s);
  if (InSmall(shard, e)) shard->small.Remove(meta::QueuePos(*e));
}

EntryRef S3FifoPolicy::Pick(S3FifoShard* shard, ShardWalker* walker,
                            const HookContext& ctx) const {
  const int64_t total = walker->Keys();
  if (total <= 0) return nullptr;
  // S's oldest, while S holds its share (or M is empty). A key used while
  // in S moves to M instead, and the next of S is considered.
  for (;;) {
    const int64_t small = static_cast<int64_t>(shard->small.live());
    const int64_t main = total - small;
    if (small <= 0 || (small * 100 < total * options_.small_percent && main > 0)) break;
    EntryRef e = shard->small.PopFront();
    const uint32_t f = meta::QueueFreq(*e);
    if (f >= options_.move_threshold) {
      *e = meta::Queue(/*main=*/true, options_.main_insert_freq, 0);
      continue;
    }
    shard->ghost.Add(ctx.info->KeyHash(e),
                     std::max<size_t>(static_cast<size_t>(main) * options_.ghost_percent / 100, 1));
    *e = meta::Queue(false, f, meta::kNoPos);
    return e;
  }
  // M: a CLOCK hand over the stripe's table order. Each visit of a key with
  // frequency > 0 lowers it (a second chance), so this ends within four
  // sweeps; keys of S are passed over.
  const int64_t limit = 4 * total + 64;
  EntryRef e;
  for (int64_t i = 0; i < limit; ++i) {
    if (!walker->Next(&e)) continue;  // the hand wrapped around
    const uint32_t m = *e;
    if (InSmall(shard, e)) continue;
    const bool ours = meta::TagOf(m) == meta::kQueue;
    const uint32_t f = ours ? meta::QueueFreq(m) : 0;
    if (f > 0) {
      *e = WithFreq(m, f - 1);
      continue;
    }
    *e = meta::Queue(true, 0, meta::kNoPos);
    return e;
  }
  return nullptr;
}

int64_t S3FifoPolicy::Evict(EvictionHost* host, int64_t bytes) {
  int64_t freed = 0;
  const EvictionHost::PickFn pick = [this](PolicyShard* s, ShardWalker* w,
                                           const HookContext& ctx) {
    return Pick(static_cast<S3FifoShard*>(s), w, ctx);
  };
  while (freed < bytes) {
    const int64_t got = host->EvictFromShard(pick);
    if (got <= 0) break;
    freed += got;
  }
  return freed;
}

bool S3FifoPolicy::IdleTimeMs(uint32_t, int64_t, int64_t*) const { return false; }

bool S3FifoPolicy::Frequency(uint32_t m, int64_t, int64_t* freq) const {
  *freq = meta::TagOf(m) == meta::kQueue ? meta::QueueFreq(m) : 0;
  return true;
}

}  // namespace shoal
