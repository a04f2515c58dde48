// EvictionSettings: policy names and the process's instance.
#include "eviction/settings.h"

#include <cctype>

namespace shoal {
namespace {

constexpr const char* kNames[] = {
    "noeviction",   "allkeys-lru",  "allkeys-lfu",  "allkeys-fifo",
    "allkeys-random", "allkeys-s3fifo", "volatile-lru", "volatile-lfu",
    "volatile-fifo", "volatile-random", "volatile-ttl", "allkeys-wtinylfu",
    "volatile-wtinylfu",
};
static_assert(sizeof(kNames) / sizeof(kNames[0]) == static_cast<size_t>(PolicyKind::kCount));

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

const char* PolicyName(PolicyKind kind) {
  const int i = static_cast<int>(kind);
  return i >= 0 && i < static_cast<int>(PolicyKind::kCount) ? kNames[i] : "unknown";
}

bool ParsePolicyName(std::string_view name, PolicyKind* kind) {
  for (int i = 0; i < static_cast<int>(PolicyKind::kCount); ++i) {
    if (EqualsNoCase(name, kNames[i])) {
      *kind = static_cast<PolicyKind>(i);
      return true;
    }
  }
  return false;
}

std::string PolicyNameList() {
  // Redis's order first (its error message lists them so), then Shoal's.
  static constexpr PolicyKind kOrder[] = {
      PolicyKind::kVolatileLru,   PolicyKind::kVolatileLfu,    PolicyKind::kVolatileRandom,
      PolicyKind::kVolatileTtl,   PolicyKind::kAllKeysLru,     PolicyKind::kAllKeysLfu,
      PolicyKind::kAllKeysRandom, PolicyKind::kNoEviction,     PolicyKind::kVolatileFifo,
      PolicyKind::kAllKeysFifo,   PolicyKind::kAllKeysS3Fifo,  PolicyKind::kVolatileWTinyLfu,
      PolicyKind::kAllKeysWTinyLfu,
  };
  std::string out;
  for (PolicyKind k : kOrder) {
    if (!out.empty()) out += ", ";
    out += PolicyName(k);
  }
  return out;
}

EvictionSettings* ProcessEvictionSettings() {
  static EvictionSettings* settings = new EvictionSettings();
  return settings;
}

}  // namespace shoal
