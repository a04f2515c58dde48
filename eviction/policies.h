// MakePolicy: builds the EvictionPolicy for a maxmemory-policy.
#ifndef SHOAL_EVICTION_POLICIES_H_
#define SHOAL_EVICTION_POLICIES_H_

#include <memory>

#include "eviction/policy.h"
#include "eviction/settings.h"

namespace shoal {

// `settings` must outlive the policy (LRU/LFU read samples and LFU knobs
// from it on every use).
std::unique_ptr<EvictionPolicy> MakePolicy(PolicyKind kind, const EvictionSettings* settings);

}  // namespace shoal

#endif  // SHOAL_EVICTION_POLICIES_H_
