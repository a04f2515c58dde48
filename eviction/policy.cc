// NoEvictionPolicy: the policy that tracks nothing (see policy.h).
#include "eviction/policy.h"

namespace shoal {

const char* NoEvictionPolicy::name() const { return "noeviction"; }
void NoEvictionPolicy::OnInsert(uint32_t* meta, int64_t now_ms) {}
void NoEvictionPolicy::OnAccess(uint32_t* meta, int64_t now_ms) {}

}  // namespace shoal
