// EvictionSettings: the run-time knobs of eviction, under Redis's names —
// maxmemory-policy, maxmemory-samples, lfu-log-factor, lfu-decay-time.
//
// Plain atomics: CONFIG SET writes them from any worker, the store and the
// policies read them on every hook or eviction, so a change takes effect on
// the next command without a pause. (maxmemory itself is the server's
// RuntimeConfig::maxmemory; the dispatcher passes the limit to the store.)
//
// ProcessEvictionSettings() is the process's instance, which the server's
// config binds and a Store uses unless StoreOptions names another (tests
// build their own), the way SystemClock::Get() is the default clock.
#ifndef SHOAL_EVICTION_SETTINGS_H_
#define SHOAL_EVICTION_SETTINGS_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace shoal {

// Every maxmemory-policy. Redis's ten names keep their meanings; FIFO,
// S3-FIFO and W-TinyLFU are Shoal's additions (docs/memory.md). New kinds go
// last: the values index the store's policy table.
enum class PolicyKind : int {
  kNoEviction = 0,
  kAllKeysLru,
  kAllKeysLfu,
  kAllKeysFifo,
  kAllKeysRandom,
  kAllKeysS3Fifo,
  kVolatileLru,
  kVolatileLfu,
  kVolatileFifo,
  kVolatileRandom,
  kVolatileTtl,
  kAllKeysWTinyLfu,
  kVolatileWTinyLfu,
  kCount,
};

const char* PolicyName(PolicyKind kind);
// Case-insensitive; false for an unknown name.
bool ParsePolicyName(std::string_view name, PolicyKind* kind);
// "noeviction, allkeys-lru, ..." for error messages.
std::string PolicyNameList();

struct EvictionSettings {
  std::atomic<int> policy{static_cast<int>(PolicyKind::kNoEviction)};
  // Keys sampled per eviction round (Redis: >= 1, default 5).
  std::atomic<int64_t> samples{5};
  // LFU: how many hits it takes to grow the counter (Redis default 10), and
  // minutes per one-step decay of an idle key's counter (default 1; 0 = never).
  std::atomic<int64_t> lfu_log_factor{10};
  std::atomic<int64_t> lfu_decay_time{1};

  PolicyKind kind() const { return static_cast<PolicyKind>(policy.load(std::memory_order_relaxed)); }
};

EvictionSettings* ProcessEvictionSettings();

}  // namespace shoal

#endif  // SHOAL_EVICTION_SETTINGS_H_
