// Tests for the eviction policy interface and NoEvictionPolicy.
#include "eviction/policy.h"

#include <memory>

#include "gtest/gtest.h"

namespace shoal {
namespace {

TEST(NoEvictionPolicy, HasRedisNameAndLeavesMetadataAlone) {
  std::unique_ptr<EvictionPolicy> policy = std::make_unique<NoEvictionPolicy>();
  EXPECT_STREQ(policy->name(), "noeviction");
  uint32_t meta = 0x12345678;
  policy->OnInsert(&meta, 1000);
  policy->OnAccess(&meta, 2000);
  EXPECT_EQ(meta, 0x12345678u);
}

}  // namespace
}  // namespace shoal
