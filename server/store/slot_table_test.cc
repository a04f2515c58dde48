// Tests for SlotTable: lookup by key bytes, in-place replacement, removal,
// Nth and shrinking.
#include "server/store/slot_table.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace shoal {
namespace {

TEST(SlotTable, FindsInsertsReplacesAndRemoves) {
  SlotTable t;
  Entry* a = Entry::NewString("a", "1");
  EXPECT_EQ(t.InsertOrReplace(a), nullptr);
  EXPECT_EQ(t.Find("a"), a);
  EXPECT_EQ(t.Find("b"), nullptr);
  Entry* a2 = Entry::NewString("a", "2");
  EXPECT_EQ(t.InsertOrReplace(a2), a);
  Entry::Free(a);
  EXPECT_EQ(t.Find("a"), a2);
  EXPECT_EQ(t.size(), 1u);
  Entry* a3 = Entry::NewString("a", "3");
  t.ReplaceSameKey(a2, a3);
  Entry::Free(a2);
  EXPECT_EQ(t.Find("a"), a3);
  EXPECT_EQ(t.Remove("a"), a3);
  Entry::Free(a3);
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(t.Remove("a"), nullptr);
}

TEST(SlotTable, NthVisitsEveryEntryAndShrinkKeepsThem) {
  SlotTable t;
  for (int i = 0; i < 1000; ++i) t.InsertOrReplace(Entry::NewString("k" + std::to_string(i), "v"));
  std::set<std::string> seen;
  for (size_t i = 0; i < t.size(); ++i) seen.insert(std::string(t.Nth(i)->key()));
  EXPECT_EQ(seen.size(), 1000u);
  const size_t big = t.capacity();
  for (int i = 0; i < 990; ++i) Entry::Free(t.Remove("k" + std::to_string(i)));
  EXPECT_TRUE(t.MaybeShrink());
  EXPECT_LT(t.capacity(), big);
  for (int i = 990; i < 1000; ++i) EXPECT_NE(t.Find("k" + std::to_string(i)), nullptr);
  t.FreeAll();
  EXPECT_TRUE(t.empty());
}

}  // namespace
}  // namespace shoal
