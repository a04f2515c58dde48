// Tests for SlotTable: lookup by key bytes, in-place replacement, removal,
// Robin Hood invariants under random operations, walks that remove, random
// picks and shrinking.
#include "server/store/slot_table.h"

#include <map>
#include <random>
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

TEST(SlotTable, IterationVisitsEveryEntryAndShrinkKeepsThem) {
  SlotTable t;
  for (int i = 0; i < 1000; ++i) t.InsertOrReplace(Entry::NewString("k" + std::to_string(i), "v"));
  std::set<std::string> seen;
  for (Entry* e : t) seen.insert(std::string(e->key()));
  EXPECT_EQ(seen.size(), 1000u);
  // Lean: at most 90% and (after growth) at least ~70% full.
  EXPECT_LE(t.capacity(), 1000u * 10 / 7 + 2);
  EXPECT_GE(t.capacity(), 1000u * 10 / 9);
  const size_t big = t.capacity();
  for (int i = 0; i < 990; ++i) Entry::Free(t.Remove("k" + std::to_string(i)));
  EXPECT_TRUE(t.MaybeShrink());
  EXPECT_LT(t.capacity(), big);
  for (int i = 990; i < 1000; ++i) EXPECT_NE(t.Find("k" + std::to_string(i)), nullptr);
  for (int i = 0; i < 990; ++i) EXPECT_EQ(t.Find("k" + std::to_string(i)), nullptr);
  t.FreeAll();
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(t.capacity(), 0u);
}

TEST(SlotTable, RandomOperationsMatchAModel) {
  SlotTable t;
  std::map<std::string, Entry*> model;
  std::mt19937_64 rng(7);
  for (int step = 0; step < 200000; ++step) {
    const std::string key = "key:" + std::to_string(rng() % 3000);
    const int op = static_cast<int>(rng() % 3);
    if (op < 2) {
      Entry* e = Entry::NewString(key, "v");
      Entry* old = t.InsertOrReplace(e);
      auto it = model.find(key);
      EXPECT_EQ(old, it == model.end() ? nullptr : it->second);
      if (old != nullptr) Entry::Free(old);
      model[key] = e;
    } else {
      Entry* e = t.Remove(key);
      auto it = model.find(key);
      EXPECT_EQ(e, it == model.end() ? nullptr : it->second);
      if (e != nullptr) {
        Entry::Free(e);
        model.erase(it);
      }
    }
    if (step % 997 == 0) t.MaybeShrink();
  }
  EXPECT_EQ(t.size(), model.size());
  for (const auto& [k, e] : model) EXPECT_EQ(t.Find(k), e) << k;
  size_t n = 0;
  for (Entry* e : t) {
    ++n;
    EXPECT_EQ(model[std::string(e->key())], e);
  }
  EXPECT_EQ(n, model.size());
  t.FreeAll();
}

TEST(SlotTable, WalkRemovingByIndexSeesEveryEntry) {
  SlotTable t;
  for (int i = 0; i < 500; ++i) t.InsertOrReplace(Entry::NewString("k" + std::to_string(i), "v"));
  // Remove every even key during one walk, re-examining an index after a
  // removal (the cluster shifts back into it).
  std::set<std::string> kept;
  for (size_t i = 0; i < t.capacity();) {
    Entry* e = t.At(i);
    if (e == nullptr) {
      ++i;
      continue;
    }
    const int n = std::stoi(std::string(e->key().substr(1)));
    if (n % 2 == 0) {
      Entry::Free(t.RemoveAt(i));
    } else {
      kept.insert(std::string(e->key()));
      ++i;
    }
  }
  EXPECT_EQ(t.size(), 250u);
  EXPECT_EQ(kept.size(), 250u);
  for (int i = 0; i < 500; ++i) {
    EXPECT_EQ(t.Find("k" + std::to_string(i)) != nullptr, i % 2 == 1) << i;
  }
  t.FreeAll();
}

TEST(SlotTable, RandomEntryReachesEveryEntry) {
  SlotTable t;
  EXPECT_EQ(t.RandomEntry(1), nullptr);
  for (int i = 0; i < 50; ++i) t.InsertOrReplace(Entry::NewString("k" + std::to_string(i), "v"));
  std::set<Entry*> seen;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 5000; ++i) seen.insert(t.RandomEntry(rng()));
  EXPECT_EQ(seen.size(), 50u);
  t.FreeAll();
}

}  // namespace
}  // namespace shoal
