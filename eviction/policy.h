// EvictionPolicy: the one interface behind which every maxmemory-policy lives.
//
// The store keeps at most 32 bits of per-key metadata (Entry::meta) and calls
// the policy's hooks when a key is inserted and when it is read; the policy
// alone decides what those bits mean (an LRU clock, an LFU counter, a FIFO
// sequence, ...). The store never branches on which policy is active.
// Victim selection (issue 3) will be added to this interface.
//
// Hooks are called with the key's stripe lock held, from any worker thread,
// so implementations must be thread-safe and must not block.
#ifndef SHOAL_EVICTION_POLICY_H_
#define SHOAL_EVICTION_POLICY_H_

#include <cstdint>

namespace shoal {

class EvictionPolicy {
 public:
  virtual ~EvictionPolicy() = default;
  // The maxmemory-policy name as CONFIG GET reports it ("noeviction", ...).
  virtual const char* name() const = 0;
  // A key was created (or its value replaced); *meta is the entry's metadata.
  virtual void OnInsert(uint32_t* meta, int64_t now_ms) = 0;
  // A key was read.
  virtual void OnAccess(uint32_t* meta, int64_t now_ms) = 0;
};

// maxmemory-policy noeviction: keeps no metadata; writes past maxmemory are
// refused by the caller instead of evicting.
class NoEvictionPolicy final : public EvictionPolicy {
 public:
  const char* name() const override;
  void OnInsert(uint32_t* meta, int64_t now_ms) override;
  void OnAccess(uint32_t* meta, int64_t now_ms) override;
};

}  // namespace shoal

#endif  // SHOAL_EVICTION_POLICY_H_
