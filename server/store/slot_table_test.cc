// Tests for SlotTable: lookup by key bytes, in-place replacement, removal,
// Robin Hood invariants under random operations, walks that remove, random
// picks and shrinking.
#include "server/store/slot_table.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

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

TEST(SlotTable, ShrinksUnderHalfLoad) {
  SlotTable t;
  for (int i = 0; i < 100; ++i) t.InsertOrReplace(Entry::NewString("k" + std::to_string(i), "v"));
  const size_t cap = t.capacity();
  EXPECT_GE(cap * 9, 100u * 10);  // at most 90% full
  EXPECT_LE(cap, 100u * 10 / 7 + 2);  // grown to ~70% (the last growth)
  // Down to half full: no change.
  int i = 0;
  for (; (t.size() - 1) * 2 >= cap; ++i) {
    Entry::Free(t.Remove("k" + std::to_string(i)));
    EXPECT_FALSE(t.MaybeShrink()) << t.size();
  }
  ASSERT_EQ(t.capacity(), cap);
  // One key under half: rebuilt at ~70% load, every key still found.
  Entry::Free(t.Remove("k" + std::to_string(i++)));
  EXPECT_TRUE(t.MaybeShrink());
  EXPECT_EQ(t.capacity(), (t.size() * 10 + 6) / 7 + 1);
  for (int j = 0; j < 100; ++j) EXPECT_EQ(t.Find("k" + std::to_string(j)) != nullptr, j >= i) << j;
  t.FreeAll();
}

// A cache's eviction churn: one key out, another in, around ~9 keys (as 150k
// keys over 16384 slots). With MaybeShrink after each removal, as the store
// calls it, the table stays between 50% and 90% full (a table of one or two
// keys keeps its 70%-plus-one-slot size), never at the largest size it once
// needed.
TEST(SlotTable, ChurnKeepsTheLoadWithinItsBand) {
  SlotTable t;
  std::mt19937_64 rng(11);
  std::vector<std::string> keys;
  int next = 0;
  for (; next < 9; ++next) {
    keys.push_back("k" + std::to_string(next));
    t.InsertOrReplace(Entry::NewString(keys.back(), "v"));
  }
  size_t largest = 0;
  for (int step = 0; step < 20000; ++step) {
    if (!keys.empty() && (rng() % 2 == 0 || keys.size() > 20)) {
      const size_t j = rng() % keys.size();
      Entry::Free(t.Remove(keys[j]));
      keys[j] = keys.back();
      keys.pop_back();
      t.MaybeShrink();
    } else {
      keys.push_back("k" + std::to_string(next++));
      t.InsertOrReplace(Entry::NewString(keys.back(), "v"));
    }
    ASSERT_EQ(t.size(), keys.size());
    largest = std::max<size_t>(largest, t.capacity());
    if (keys.empty()) {
      ASSERT_EQ(t.capacity(), 0u);
    } else {
      ASSERT_LE(t.size() * 10, t.capacity() * 9) << step;
      ASSERT_LE(t.capacity(), std::max<size_t>(t.size() * 2, t.size() * 10 / 7 + 2)) << step;
    }
  }
  EXPECT_GE(largest, 24u);  // the walk did reach ~20 keys, and came back down
  for (const std::string& k : keys) EXPECT_NE(t.Find(k), nullptr) << k;
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
