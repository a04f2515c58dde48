// MakePolicy: see policies.h.
#include "eviction/policies.h"

#include "eviction/s3fifo.h"
#include "eviction/sampled_policies.h"
#include "eviction/wtinylfu.h"

namespace shoal {

std::unique_ptr<EvictionPolicy> MakePolicy(PolicyKind kind, const EvictionSettings* s) {
  using O = ClockPolicy::Order;
  const char* name = PolicyName(kind);
  switch (kind) {
    case PolicyKind::kNoEviction:
      return std::make_unique<ClockPolicy>(name, s, false, O::kNone);
    case PolicyKind::kAllKeysLru:
      return std::make_unique<ClockPolicy>(name, s, false, O::kLeastRecentlyUsed);
    case PolicyKind::kVolatileLru:
      return std::make_unique<ClockPolicy>(name, s, true, O::kLeastRecentlyUsed);
    case PolicyKind::kAllKeysFifo:
      return std::make_unique<ClockPolicy>(name, s, false, O::kFirstWritten);
    case PolicyKind::kVolatileFifo:
      return std::make_unique<ClockPolicy>(name, s, true, O::kFirstWritten);
    case PolicyKind::kAllKeysRandom:
      return std::make_unique<ClockPolicy>(name, s, false, O::kRandom);
    case PolicyKind::kVolatileRandom:
      return std::make_unique<ClockPolicy>(name, s, true, O::kRandom);
    case PolicyKind::kVolatileTtl:
      return std::make_unique<ClockPolicy>(name, s, true, O::kNearestExpire);
    case PolicyKind::kAllKeysLfu:
      return std::make_unique<LfuPolicy>(name, s, false);
    case PolicyKind::kVolatileLfu:
      return std::make_unique<LfuPolicy>(name, s, true);
    case PolicyKind::kAllKeysS3Fifo:
      return std::make_unique<S3FifoPolicy>();
    case PolicyKind::kAllKeysWTinyLfu:
      return std::make_unique<WTinyLfuPolicy>(/*volatile_only=*/false);
    case PolicyKind::kVolatileWTinyLfu:
      return std::make_unique<WTinyLfuPolicy>(/*volatile_only=*/true);
    case PolicyKind::kCount:
      break;
  }
  return nullptr;
}

}  // namespace shoal
