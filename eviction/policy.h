// EvictionPolicy: the one interface behind which every maxmemory-policy lives.
//
// The store keeps 32 bits of per-key metadata (the entry's first word) and
// calls the policy's hooks when a key is inserted, read, replaced by a new
// entry and removed; the policy alone decides what those bits mean (meta.h:
// an LRU clock, an LFU counter, a queue position...). When used memory is over
// the limit the store calls Evict(), and the policy chooses victims through
// the EvictionHost the store implements: random samples of the keyspace (the
// sampling policies: LRU, LFU, FIFO, random, TTL, as Redis does it) or a
// victim from one stripe's side structures (queue policies: S3-FIFO,
// W-TinyLFU). The store never branches on which policy is active.
//
// An entry is named by the address of its metadata word (EntryRef); the
// store guarantees the word is the entry's first, so a policy may keep
// EntryRefs in its own structures (S3-FIFO's queues) and find them again.
//
// Side state: a policy that needs per-key structures beyond the 32 bits gets
// one PolicyShard per lock stripe (NewShard), guarded by that stripe's lock,
// so hooks never take a lock of their own. Metadata written by another policy
// (after CONFIG SET maxmemory-policy) is recognised by its format tag and
// treated as "unknown"; a policy adopts such keys lazily, so switching needs
// no rebuild pause.
//
// Threads: hooks run with the entry's stripe locked, from any worker. Evict()
// runs with no stripe locked, one caller at a time (the store serializes
// evictions); the host locks stripes as it goes. Policies are immutable
// after construction except through EvictionSettings atomics.
#ifndef SHOAL_EVICTION_POLICY_H_
#define SHOAL_EVICTION_POLICY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

namespace shoal {

// The address of an entry's 32-bit metadata word (its first word).
using EntryRef = uint32_t*;

// splitmix64: the small, well-mixed generator policies use for coin flips
// (LFU's logarithmic increment) and the store for sampling. Seeded by the
// store, so tests are deterministic.
inline uint64_t NextRandom(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// What a policy may ask the store about an entry.
class EntryInfo {
 public:
  virtual ~EntryInfo() = default;
  // A 64-bit hash of the entry's key (and nothing else), stable across
  // entries with the same key: for ghost filters that outlive the entry.
  virtual uint64_t KeyHash(EntryRef e) const = 0;
  // Whether the entry has an expire (volatile-* queue policies evict only
  // such keys).
  virtual bool HasExpire(EntryRef e) const = 0;
};

// Passed to every hook.
struct HookContext {
  int64_t now_ms = 0;            // the store's clock (coarse: a few ms)
  uint64_t* rng = nullptr;       // the stripe's generator state (NextRandom)
  const EntryInfo* info = nullptr;
  // The KeyHash of the key the hook is about (OnInsert, OnAccess), when the
  // store already computed it for the lookup; 0 when not known.
  uint64_t key_hash = 0;
  // That key's hash, without hashing it again when the store passed it.
  uint64_t KeyHashOf(EntryRef e) const { return key_hash != 0 ? key_hash : info->KeyHash(e); }
};

// A policy's per-stripe side state (see the header note). The store adds
// memory_delta changes to its accounting after each hook.
class PolicyShard {
 public:
  virtual ~PolicyShard() = default;
  // Heap bytes held now.
  virtual int64_t MemoryBytes() const = 0;
  // Bytes gained since the last call (negative when shrunk).
  int64_t TakeMemoryDelta() {
    const int64_t now = MemoryBytes();
    const int64_t d = now - reported_;
    reported_ = now;
    return d;
  }

 private:
  int64_t reported_ = 0;
};

// One key seen while sampling.
struct KeySample {
  int db = 0;
  std::string_view key;  // valid only during the visit
  uint32_t meta = 0;
  int64_t expire_ms = 0;  // 0 when the key has no expire
};

// Walks the entries of one locked stripe from a cursor kept by the store for
// the stripe's current shard, so that a queue policy can adopt keys written
// under another policy a few at a time.
class ShardWalker {
 public:
  virtual ~ShardWalker() = default;
  // Keys in the stripe (all databases).
  virtual int64_t Keys() const = 0;
  // Keys with an expire in the stripe (all databases).
  virtual int64_t VolatileKeys() const = 0;
  // Next entry, or false at the end of a full pass (the cursor then restarts).
  virtual bool Next(EntryRef* e) = 0;
};

// The store as a policy sees it while evicting (Store::EvictionHostImpl).
class EvictionHost {
 public:
  virtual ~EvictionHost() = default;
  virtual int64_t NowMs() const = 0;
  virtual uint64_t Random() = 0;
  // Visits about n random keys (only keys with an expire when volatile_only),
  // each while its stripe is locked. Returns false when there is no such key.
  virtual bool Sample(int n, bool volatile_only,
                      const std::function<void(const KeySample&)>& visit) = 0;
  // Evicts (db, key) if it still exists and its metadata still equals `meta`
  // (it was not touched since it was sampled). Returns bytes freed, 0 if not.
  virtual int64_t EvictKey(int db, std::string_view key, uint32_t meta) = 0;
  // Picks a stripe with much memory, locks it and asks `pick` for a victim
  // among its entries (pick may also reorganise its shard); evicts the victim.
  // Tries other stripes while pick returns nullptr. Returns bytes freed, 0
  // when no stripe yields a victim.
  using PickFn = std::function<EntryRef(PolicyShard* shard, ShardWalker* walker,
                                        const HookContext& ctx)>;
  virtual int64_t EvictFromShard(const PickFn& pick) = 0;
};

class EvictionPolicy {
 public:
  virtual ~EvictionPolicy() = default;
  // The maxmemory-policy name as CONFIG GET reports it ("allkeys-lru", ...).
  virtual const char* name() const = 0;
  // Per-stripe side state, or nullptr when the policy keeps none.
  virtual std::unique_ptr<PolicyShard> NewShard() const { return nullptr; }

  // A key was created (or moved in, e.g. RENAME: its old metadata is kept in
  // *e and the policy may reuse it).
  virtual void OnInsert(PolicyShard* shard, EntryRef e, const HookContext& ctx) = 0;
  // A key was read or written through a lookup (not under NO-TOUCH).
  virtual void OnAccess(PolicyShard* shard, EntryRef e, const HookContext& ctx) = 0;
  // The key's entry old_e is being replaced by new_e (SET over an existing
  // key, a rebuild for a new expire). old_e is still readable. The policy
  // carries its metadata and references over to new_e. old_e == new_e when
  // the store rewrote the entry in its own block (Store::OverwriteString).
  virtual void OnReplace(PolicyShard* shard, EntryRef old_e, EntryRef new_e,
                         const HookContext& ctx) = 0;
  // A key is being removed (deleted, expired, flushed or evicted).
  virtual void OnRemove(PolicyShard* shard, EntryRef e) = 0;

  // Evicts keys until at least `bytes` are freed or nothing more can be
  // evicted; returns the bytes freed.
  virtual int64_t Evict(EvictionHost* host, int64_t bytes) = 0;

  // OBJECT IDLETIME: milliseconds since the key was last accessed; false when
  // this policy does not track access time (LFU, S3-FIFO), as in Redis.
  virtual bool IdleTimeMs(uint32_t meta, int64_t now_ms, int64_t* idle_ms) const;
  // OBJECT FREQ: the access frequency counter; false when not tracked.
  virtual bool Frequency(uint32_t meta, int64_t now_ms, int64_t* freq) const;
  // The same with the key's stripe shard and KeyHash at hand, for a policy
  // whose counts live there (W-TinyLFU's sketch); by default Frequency.
  virtual bool KeyFrequency(const PolicyShard* shard, uint32_t meta, uint64_t key_hash,
                            int64_t now_ms, int64_t* freq) const {
    return Frequency(meta, now_ms, freq);
  }
};

}  // namespace shoal

#endif  // SHOAL_EVICTION_POLICY_H_
