// Store: eviction — the policy hooks' plumbing and the EvictionHost through
// which the active policy chooses victims when used memory is over maxmemory.
//
// Hooks: every stripe remembers which policy its shard (side state) belongs
// to. A hook first compares that with the active policy (one atomic load of
// maxmemory-policy); after a CONFIG SET the first hook on each stripe swaps
// the shard, so a switch costs each stripe one allocation, and the new policy
// adopts old keys lazily (eviction/policy.h). The shard's memory is part of
// the stripe's memory.
//
// Memory: each stripe counts its bytes exactly and publishes the changes to
// one shared atomic in batches of kApproxSlackPerStripe bytes, so the check
// before each write is a single load (UsedMemoryApprox, off by at most
// stripes x 256 bytes = 64 KiB by default), and the exact sum runs only when
// that says the limit is near.
//
// EnsureMemory: one evictor at a time (evict_mu_), holding no stripe while it
// waits; it evicts until used memory is a little under the limit
// (kHysteresis), so the writes that follow pass the quick check instead of
// each evicting one key. Other threads' writes that passed the check while it
// works can overshoot the limit by one write each: the documented slack is
// (threads x largest write) + 64 KiB (docs/memory.md).
//
// Sampling (for LRU/LFU/FIFO/random/TTL) walks slots from a random one,
// skipping stripes and tables with no (volatile) keys without locking, and
// takes consecutive entries from a random index of each table it meets: keys
// land in slots and table positions by hash, so consecutive entries are as
// random as any. Queue policies (S3-FIFO) evict from the stripe with more
// memory of two random ones, which keeps the stripes' shares even.
#include <algorithm>
#include <chrono>
#include <string>

#include "eviction/meta.h"
#include "server/store/slot_table.h"
#include "server/store/store.h"
#include "server/store/store_internal.h"

namespace shoal {
namespace {

// Free this much below the limit (at most limit / 512) per eviction episode.
constexpr int64_t kHysteresis = 64 * 1024;
// Policy Evict calls per EnsureMemory before giving up (writers elsewhere
// may keep adding while we evict).
constexpr int kMaxEvictRounds = 16;

}  // namespace

uint64_t Store::KeyInfo::KeyHash(EntryRef e) const {
  return shoal::KeyHash(Entry::FromMeta(e)->key());
}

bool Store::KeyInfo::HasExpire(EntryRef e) const { return Entry::FromMeta(e)->has_expire(); }

// ---------------------------------------------------------------------------
// Hook plumbing

void Store::SetShard(Stripe& st, EvictionPolicy* p) {
  if (st.shard != nullptr) {
    AddPolicyMemory(st, st.shard->TakeMemoryDelta());
    AddPolicyMemory(st, -st.shard->MemoryBytes());
  }
  st.shard = p->NewShard();
  st.policy = p;
  st.walk_slot = 0;
  st.walk_db = 0;
  st.walk_index = 0;
  if (st.shard != nullptr) AddPolicyMemory(st, st.shard->TakeMemoryDelta());
}

Store::PolicyRef Store::PolicyOf(Stripe& st) {
  EvictionPolicy* p = ActivePolicy();
  if (ABSL_PREDICT_FALSE(st.policy != p)) SetShard(st, p);
  return {p, st.shard.get()};
}

HookContext Store::HookCtx(Stripe& st, uint64_t key_hash) {
  HookContext ctx;
  ctx.now_ms = clock_->CoarseNowMs();
  ctx.rng = &st.rng;
  ctx.info = &key_info_;
  ctx.key_hash = key_hash;
  return ctx;
}

void Store::AddPolicyMemory(Stripe& st, int64_t delta) {
  st.policy_memory.Add(delta);
  AddMemory(st, delta);
}

void Store::AfterHook(Stripe& st) {
  if (st.shard != nullptr) {
    const int64_t d = st.shard->TakeMemoryDelta();
    if (d != 0) AddPolicyMemory(st, d);
  }
}

int64_t Store::StripeKeys(const Stripe& st) const {
  int64_t n = 0;
  for (const DbCounters& c : st.db) n += c.keys.Get();
  return n;
}

int64_t Store::EvictEntry(Stripe& st, int db, SlotTable* t, Entry* e) {
  const int64_t bytes = static_cast<int64_t>(e->MemoryBytes());
  t->Remove(e->key());
  st.evicted.Add(1);
  Unlinked(st, db, t, e);  // policy OnRemove, WATCH, accounting
  ReportRemoval(db, e, KeyRemoval::kEvicted);
  Entry::Free(e);
  ShrinkIfSparse(st, db, t);
  return std::max<int64_t>(bytes, 1);
}

bool Store::IdleTimeMs(const Entry& e, int64_t* idle_ms) const {
  return ActivePolicy()->IdleTimeMs(e.meta(), clock_->NowMs(), idle_ms);
}

void Store::SetAccessHistory(Entry* e, int64_t idle_ms, int64_t lfu_counter) {
  const int64_t now = clock_->NowMs();
  switch (meta::TagOf(e->meta())) {
    case meta::kClock:
      if (idle_ms >= 0) e->meta() = meta::Clock(std::max<int64_t>(0, now - idle_ms));
      break;
    case meta::kLfu:
      if (lfu_counter >= 0) {
        e->meta() = meta::Lfu(meta::LfuMinutes(now), static_cast<uint32_t>(lfu_counter));
      }
      break;
    default:
      break;
  }
}

bool Store::Frequency(const Entry& e, int64_t* freq) const {
  // The caller holds the key's stripe (a command on the key).
  Stripe& st = StripeFor(KeySlot(e.key()));
  EvictionPolicy* p = ActivePolicy();
  const PolicyShard* shard = st.policy == p ? st.shard.get() : nullptr;
  return p->KeyFrequency(shard, e.meta(), KeyHash(e.key()), clock_->NowMs(), freq);
}

// ---------------------------------------------------------------------------
// StripeWalker: a stripe's entries, from the cursor kept in the stripe.

class Store::StripeWalker : public ShardWalker {
 public:
  StripeWalker(Store* store, Stripe* st) : store_(store), st_(st) {}

  int64_t Keys() const override { return store_->StripeKeys(*st_); }
  int64_t VolatileKeys() const override { return st_->volatile_total.Get(); }

  bool Next(EntryRef* out) override {
    const int stripes = store_->stripes();
    const int slots = kNumSlots / stripes;  // slots of this stripe
    while (st_->walk_slot < slots) {
      const int slot = st_->index + st_->walk_slot * stripes;
      while (st_->walk_db < store_->databases_) {
        SlotTable* t = store_->Table(st_->walk_db, slot, false);
        if (t != nullptr) {
          while (st_->walk_index < t->capacity()) {
            Entry* e = t->At(st_->walk_index++);
            if (e != nullptr) {
              *out = &e->meta();
              return true;
            }
          }
        }
        ++st_->walk_db;
        st_->walk_index = 0;
      }
      ++st_->walk_slot;
      st_->walk_db = 0;
    }
    st_->walk_slot = 0;  // end of a pass; the next call starts over
    return false;
  }

 private:
  Store* store_;
  Stripe* st_;
};

// ---------------------------------------------------------------------------
// EvictionHostImpl: what the policy sees of the store during EnsureMemory.

class Store::EvictionHostImpl : public EvictionHost {
 public:
  EvictionHostImpl(Store* store, EvictionPolicy* policy)
      : s_(store), policy_(policy), held_(store->AllHeld()) {}

  int64_t NowMs() const override { return s_->clock_->NowMs(); }
  uint64_t Random() override ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return NextRandom(&s_->evict_rng_);  // evict_mu_ is held by EnsureMemory
  }

  bool Sample(int n, bool volatile_only,
              const std::function<void(const KeySample&)>& visit) override {
    int visited = 0;
    const int start = static_cast<int>(Random() & (kNumSlots - 1));
    for (int i = 0; i < kNumSlots && visited < n; ++i) {
      const int slot = (start + i) & (kNumSlots - 1);
      Stripe& st = s_->StripeFor(slot);
      if (volatile_only ? st.volatile_total.Get() == 0 : s_->StripeKeys(st) == 0) continue;
      StripeGuard guard(&st.mu, held_);
      for (int db = 0; db < s_->databases_ && visited < n; ++db) {
        SlotTable* t = s_->Table(db, slot, false);
        if (t == nullptr || t->empty() || (volatile_only && t->volatile_count() == 0)) continue;
        const size_t cap = t->capacity();
        size_t pos = static_cast<size_t>(Random() % cap);
        for (size_t k = 0; k < cap && visited < n; ++k, pos = pos + 1 == cap ? 0 : pos + 1) {
          const Entry* e = t->At(pos);
          if (e == nullptr || (volatile_only && !e->has_expire())) continue;
          visit(KeySample{db, e->key(), e->meta(), e->expire_ms()});
          ++visited;
        }
      }
    }
    return visited > 0;
  }

  int64_t EvictKey(int db, std::string_view key, uint32_t m) override {
    const int slot = KeySlot(key);
    Stripe& st = s_->StripeFor(slot);
    StripeGuard guard(&st.mu, held_);
    SlotTable* t = s_->Table(db, slot, false);
    Entry* e = t != nullptr ? t->Find(key) : nullptr;
    // Gone, or touched since it was sampled (a worse victim now).
    if (e == nullptr || e->meta() != m) return 0;
    return s_->EvictEntry(st, db, t, e);
  }

  int64_t EvictFromShard(const PickFn& pick) override {
    const int n = s_->stripes();
    // The fuller of two random stripes first, then every stripe in turn.
    int first = static_cast<int>(Random() % n);
    const int other = static_cast<int>(Random() % n);
    if (s_->stripes_[other]->memory.Get() > s_->stripes_[first]->memory.Get()) first = other;
    for (int i = 0; i < n; ++i) {
      Stripe& st = *s_->stripes_[(first + i) % n];
      if (s_->StripeKeys(st) == 0) continue;
      StripeGuard guard(&st.mu, held_);
      // The policy may have been switched since this eviction began: only
      // the evicting policy's shards are handed to it.
      if (st.policy != policy_) {
        if (s_->ActivePolicy() != policy_) return 0;
        s_->SetShard(st, policy_);
      }
      StripeWalker walker(s_, &st);
      EntryRef v = pick(st.shard.get(), &walker, s_->HookCtx(st));
      s_->AfterHook(st);
      if (v == nullptr) continue;
      Entry* e = Entry::FromMeta(v);
      const std::string_view key = e->key();
      const int slot = KeySlot(key);
      for (int db = 0; db < s_->databases_; ++db) {
        SlotTable* t = s_->Table(db, slot, false);
        if (t != nullptr && t->Find(key) == e) return s_->EvictEntry(st, db, t, e);
      }
      // Not in any table: a policy bug. Leave it alone rather than free it.
    }
    return 0;
  }

 private:
  Store* s_;
  EvictionPolicy* policy_;
  bool held_;
};

// ---------------------------------------------------------------------------
// EnsureMemory

bool Store::EnsureMemory(int64_t limit) {
  if (UsedMemoryApprox() <= limit) return true;
  StripeGuard lock(&evict_mu_, /*already_held=*/false);
  int64_t used = UsedMemory();
  if (used <= limit) return true;
  EvictionPolicy* policy = ActivePolicy();
  EvictionHostImpl host(this, policy);
  const auto started = std::chrono::steady_clock::now();
  const int64_t target = limit - std::min(kHysteresis, limit / 512);
  for (int round = 0; round < kMaxEvictRounds && used > target; ++round) {
    if (policy->Evict(&host, used - target) <= 0) break;
    used = UsedMemory();
  }
  if (eviction_observer_) {
    eviction_observer_(std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::steady_clock::now() - started)
                           .count());
  }
  return used <= limit;
}

}  // namespace shoal
