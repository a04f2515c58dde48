// Tests for Store::DropSlotKeys: batches, accounting, other slots untouched.
#include <string>

#include "gtest/gtest.h"
#include "server/store/slot_hash.h"
#include "server/store/store.h"

namespace shoal {
namespace {

TEST(StoreSlots, DropSlotKeysRemovesOneSlotInBatchesAndAccounts) {
  FakeClock clock(1'700'000'000'000);
  Store store(StoreOptions{.databases = 2, .stripes = 16, .clock = &clock,
                           .reclaim_memory = false});
  const int slot = KeySlot("{a}");
  auto put = [&](const std::string& k) {
    StripeLocks locks(&store);
    locks.AddKey(k);
    locks.Acquire();
    store.Put(0, Entry::NewString(k, "value"));
  };
  for (int i = 0; i < 100; ++i) put("{a}" + std::to_string(i));
  for (int i = 0; i < 10; ++i) put("{b}" + std::to_string(i));
  const int64_t mem_full = store.UsedMemory();
  EXPECT_EQ(store.DbSize(0), 110);

  EXPECT_EQ(store.DropSlotKeys(0, slot, 60), 60u);
  EXPECT_EQ(store.CountKeysInSlot(0, slot), 40);
  EXPECT_EQ(store.DropSlotKeys(0, slot, 60), 40u);  // fewer than max: now empty
  EXPECT_EQ(store.DropSlotKeys(0, slot, 60), 0u);
  EXPECT_EQ(store.DbSize(0), 10);
  EXPECT_EQ(store.CountKeysInSlot(0, KeySlot("{b}")), 10);
  EXPECT_LT(store.UsedMemory(), mem_full);
  EXPECT_EQ(store.DropSlotKeys(1, slot, 60), 0u);  // an unwritten db
}

}  // namespace
}  // namespace shoal
