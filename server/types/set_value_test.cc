#include "server/types/set_value.h"

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace shoal {
namespace {

std::mt19937_64 rng_engine(7);
uint64_t Rng() { return rng_engine(); }

std::vector<std::string> Members(const SetValue& s) {
  std::vector<std::string> out;
  s.ForEach([&](std::string_view m) { out.emplace_back(m); });
  return out;
}

std::set<std::string> MemberSet(const SetValue& s) {
  std::vector<std::string> v = Members(s);
  std::set<std::string> out(v.begin(), v.end());
  EXPECT_EQ(out.size(), v.size()) << "ForEach repeated a member";
  return out;
}

std::unique_ptr<SetValue> Make(const std::vector<std::string>& members,
                               const SetLimits& limits = {}) {
  std::unique_ptr<SetValue> s(SetValue::CreateFor(members.at(0), members.size(), limits));
  for (const std::string& m : members) s->Add(m, limits);
  return s;
}

std::unique_ptr<SetValue> MakeTable(size_t n, const std::string& prefix = "member:") {
  SetLimits limits;
  limits.max_listpack_entries = 0;
  std::unique_ptr<SetValue> s(SetValue::CreateFor("x", 1, limits));
  for (size_t i = 0; i < n; ++i) s->Add(prefix + std::to_string(i), limits);
  EXPECT_EQ(s->kind(), SetValue::Kind::kTable);
  return s;
}

TEST(SetValue, IntsetKeepsMembersSortedAcrossWidths) {
  SetLimits limits;
  auto s = Make({"5"}, limits);
  EXPECT_EQ(std::string(s->EncodingName()), "intset");
  for (const char* m :
       {"3", "-7", "70000", "-9223372036854775808", "9223372036854775807", "100", "3", "-40000"}) {
    s->Add(m, limits);
  }
  EXPECT_EQ(s->kind(), SetValue::Kind::kIntSet);
  EXPECT_EQ(Members(*s), (std::vector<std::string>{"-9223372036854775808", "-40000", "-7", "3", "5",
                                                   "100", "70000", "9223372036854775807"}));
  EXPECT_TRUE(s->Contains("70000"));
  EXPECT_TRUE(s->Contains("-9223372036854775808"));
  EXPECT_FALSE(s->Contains("4"));
  EXPECT_FALSE(s->Contains("05"));  // not canonical, so not the integer 5
  EXPECT_FALSE(s->Contains("+5"));
  EXPECT_TRUE(s->Remove("-7"));
  EXPECT_FALSE(s->Remove("-7"));
  EXPECT_FALSE(s->Remove("abc"));
  EXPECT_EQ(s->Size(), 7u);
}

TEST(SetValue, NonCanonicalIntegersAreStrings) {
  SetLimits limits;
  auto s = Make({"1"}, limits);
  EXPECT_TRUE(s->Add("01", limits));
  EXPECT_EQ(std::string(s->EncodingName()), "listpack");
  EXPECT_TRUE(s->Add("-0", limits));
  EXPECT_TRUE(s->Contains("1"));
  EXPECT_TRUE(s->Contains("01"));
  EXPECT_FALSE(s->Add("1", limits));
  EXPECT_EQ(Members(*s), (std::vector<std::string>{"1", "01", "-0"}));
}

TEST(SetValue, CreateForPicksRedisEncoding) {
  SetLimits limits;
  EXPECT_EQ(std::unique_ptr<SetValue>(SetValue::CreateFor("1", 1, limits))->kind(),
            SetValue::Kind::kIntSet);
  EXPECT_EQ(std::unique_ptr<SetValue>(SetValue::CreateFor("a", 1, limits))->kind(),
            SetValue::Kind::kListpack);
  EXPECT_EQ(std::unique_ptr<SetValue>(SetValue::CreateFor("1", 513, limits))->kind(),
            SetValue::Kind::kTable);
  EXPECT_EQ(std::unique_ptr<SetValue>(SetValue::CreateFor("1", 200, limits))->kind(),
            SetValue::Kind::kIntSet);
  EXPECT_EQ(std::unique_ptr<SetValue>(SetValue::CreateFor("a", 128, limits))->kind(),
            SetValue::Kind::kListpack);
  EXPECT_EQ(std::unique_ptr<SetValue>(SetValue::CreateFor("a", 129, limits))->kind(),
            SetValue::Kind::kTable);
}

TEST(SetValue, IntsetBecomesListpackOnString) {
  SetLimits limits;
  auto s = Make({"3", "1", "2"}, limits);
  EXPECT_TRUE(s->Add("a", limits));
  EXPECT_EQ(std::string(s->EncodingName()), "listpack");
  EXPECT_EQ(Members(*s), (std::vector<std::string>{"1", "2", "3", "a"}));
}

TEST(SetValue, LargeIntsetBecomesTableOnString) {
  SetLimits limits;
  auto s = Make({"0"}, limits);
  for (int i = 1; i < 128; ++i) s->Add(std::to_string(i), limits);
  EXPECT_EQ(s->kind(), SetValue::Kind::kIntSet);
  s->Add("a", limits);
  EXPECT_EQ(s->kind(), SetValue::Kind::kTable);
  EXPECT_EQ(s->Size(), 129u);
  for (int i = 0; i < 128; ++i) EXPECT_TRUE(s->Contains(std::to_string(i)));
}

TEST(SetValue, IntsetWithLongNumbersBecomesTableWhenValueLimitIsSmall) {
  SetLimits limits;
  limits.max_listpack_value = 4;
  auto s = Make({"123456"}, limits);
  s->Add("a", limits);
  EXPECT_EQ(s->kind(), SetValue::Kind::kTable);
}

TEST(SetValue, IntsetOutgrowingItsLimitBecomesTable) {
  SetLimits limits;
  limits.max_intset_entries = 4;
  auto s = Make({"1", "2", "3", "4"}, limits);
  EXPECT_EQ(s->kind(), SetValue::Kind::kIntSet);
  s->Add("5", limits);
  EXPECT_EQ(s->kind(), SetValue::Kind::kTable);
  EXPECT_EQ(MemberSet(*s), (std::set<std::string>{"1", "2", "3", "4", "5"}));
}

TEST(SetValue, ListpackBecomesTablePastEntriesOrValueLength) {
  SetLimits limits;
  limits.max_listpack_entries = 3;
  limits.max_listpack_value = 5;
  auto s = Make({"a", "b", "c"}, limits);
  EXPECT_EQ(s->kind(), SetValue::Kind::kListpack);
  EXPECT_FALSE(s->Add("a", limits));  // present: no conversion
  EXPECT_EQ(s->kind(), SetValue::Kind::kListpack);
  s->Add("d", limits);
  EXPECT_EQ(s->kind(), SetValue::Kind::kTable);

  auto t = Make({"a"}, limits);
  t->Add("123456", limits);
  EXPECT_EQ(t->kind(), SetValue::Kind::kTable);
  EXPECT_EQ(MemberSet(*t), (std::set<std::string>{"a", "123456"}));
}

TEST(SetValue, PrepareForAddsConvertsForLargeBatches) {
  SetLimits limits;
  auto s = Make({"a"}, limits);
  s->PrepareForAdds(128, limits);
  EXPECT_EQ(s->kind(), SetValue::Kind::kListpack);
  s->PrepareForAdds(129, limits);
  EXPECT_EQ(s->kind(), SetValue::Kind::kTable);
  EXPECT_TRUE(s->Contains("a"));
  auto i = Make({"1"}, limits);
  i->PrepareForAdds(513, limits);
  EXPECT_EQ(i->kind(), SetValue::Kind::kTable);
  EXPECT_TRUE(i->Contains("1"));
}

TEST(SetValue, TableMatchesAModelUnderRandomChanges) {
  SetLimits limits;
  limits.max_listpack_entries = 0;
  std::unique_ptr<SetValue> s(SetValue::CreateFor("x", 1, limits));
  std::set<std::string> model;
  std::mt19937_64 r(1);
  for (int step = 0; step < 40000; ++step) {
    // Lengths 0..20 exercise inline (<= 7 bytes) and out-of-line members.
    std::string m(r() % 21, 'k');
    for (char& c : m) c = static_cast<char>('a' + r() % 3);
    if (r() % 3 == 0) {
      EXPECT_EQ(s->Remove(m), model.erase(m) == 1) << m;
    } else {
      EXPECT_EQ(s->Add(m, limits), model.insert(m).second) << m;
    }
    if (step % 5000 == 0) {
      EXPECT_EQ(MemberSet(*s), model);
    }
  }
  EXPECT_EQ(s->Size(), model.size());
  EXPECT_EQ(MemberSet(*s), model);
  for (const std::string& m : model) EXPECT_TRUE(s->Contains(m));
  EXPECT_TRUE(s->Add(std::string("\0\0", 2), limits));
  EXPECT_TRUE(s->Contains(std::string("\0\0", 2)));
  EXPECT_FALSE(s->Contains(std::string("\0", 1)));
}

TEST(SetValue, TableShrinksWhenSparse) {
  auto s = MakeTable(10000);
  const size_t big = s->slot_count();
  const size_t big_bytes = s->MemoryBytes();
  for (size_t i = 0; i < 9990; ++i) s->Remove("member:" + std::to_string(i));
  EXPECT_LT(s->slot_count(), big / 100);
  EXPECT_LT(s->MemoryBytes(), big_bytes / 100);
  EXPECT_EQ(s->Size(), 10u);
  for (size_t i = 9990; i < 10000; ++i) EXPECT_TRUE(s->Contains("member:" + std::to_string(i)));
}

TEST(SetValue, CompactScanIsOneStep) {
  auto s = Make({"a", "b", "c"});
  std::vector<std::string> seen;
  EXPECT_EQ(s->Scan(12345, 1, [&](std::string_view m) { seen.emplace_back(m); }), 0u);
  EXPECT_EQ(seen.size(), 3u);
}

TEST(SetValue, TableScanReturnsEveryMemberOnce) {
  auto s = MakeTable(5000);
  std::map<std::string, int> seen;
  uint64_t cursor = 0;
  int steps = 0;
  do {
    cursor = s->Scan(cursor, 10, [&](std::string_view m) { ++seen[std::string(m)]; });
    ++steps;
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 5000u);
  for (const auto& [m, n] : seen) EXPECT_EQ(n, 1) << m;
  EXPECT_GT(steps, 100);
}

TEST(SetValue, TableScanSurvivesGrowthAndShrinkage) {
  SetLimits limits;
  limits.max_listpack_entries = 0;
  for (int round = 0; round < 20; ++round) {
    auto s = MakeTable(2000, "stable:");
    std::map<std::string, int> seen;
    uint64_t cursor = 0;
    int step = 0;
    do {
      cursor = s->Scan(cursor, 1 + step % 13, [&](std::string_view m) { ++seen[std::string(m)]; });
      ++step;
      if (step == 5 + round) {
        for (int i = 0; i < 20000; ++i) s->Add("extra:" + std::to_string(i), limits);
      }
      if (step == 40 + round) {
        for (int i = 0; i < 20000; ++i) s->Remove("extra:" + std::to_string(i));
      }
    } while (cursor != 0);
    for (int i = 0; i < 2000; ++i) {
      const std::string m = "stable:" + std::to_string(i);
      EXPECT_EQ(seen[m], 1) << m << " in round " << round;
    }
  }
}

TEST(SetValue, RandomMembersDistinctAndRepeated) {
  for (auto& s : {Make({"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}),
                  Make({"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}), MakeTable(10)}) {
    const std::set<std::string> all = MemberSet(*s);
    for (uint64_t count : {1, 3, 5, 9, 10, 50}) {
      std::vector<std::string> got;
      s->RandomMembers(count, true, Rng, [&](std::string_view m) { got.emplace_back(m); });
      EXPECT_EQ(got.size(), std::min<uint64_t>(count, 10));
      std::set<std::string> uniq(got.begin(), got.end());
      EXPECT_EQ(uniq.size(), got.size());
      for (const std::string& m : got) EXPECT_TRUE(all.count(m)) << m;
    }
    // Repeated picks: uniform enough (chi-square, 9 degrees of freedom;
    // 40 is exceeded with probability 1e-5).
    std::map<std::string, int> hist;
    s->RandomMembers(10000, false, Rng, [&](std::string_view m) { ++hist[std::string(m)]; });
    EXPECT_EQ(hist.size(), 10u);
    double chi = 0;
    for (const auto& [m, n] : hist) chi += (n - 1000.0) * (n - 1000.0) / 1000.0;
    EXPECT_LT(chi, 40) << s->EncodingName();
    // Distinct picks of 3 many times: every member about as often.
    std::map<std::string, int> hist3;
    for (int i = 0; i < 3000; ++i) {
      s->RandomMembers(3, true, Rng, [&](std::string_view m) { ++hist3[std::string(m)]; });
    }
    chi = 0;
    for (const auto& [m, n] : hist3) chi += (n - 900.0) * (n - 900.0) / 900.0;
    EXPECT_LT(chi, 40) << s->EncodingName();
  }
}

TEST(SetValue, RandomMembersFromLargeTableUseBothStrategies) {
  auto s = MakeTable(1000);
  for (uint64_t count : {10, 500, 999}) {
    std::set<std::string> got;
    s->RandomMembers(count, true, Rng, [&](std::string_view m) {
      EXPECT_TRUE(got.emplace(m).second);
      EXPECT_TRUE(s->Contains(m));
    });
    EXPECT_EQ(got.size(), count);
  }
}

void CheckPop(std::unique_ptr<SetValue> s, uint64_t count) {
  const std::set<std::string> before = MemberSet(*s);
  std::set<std::string> popped;
  s->PopRandom(count, Rng, [&](std::string_view m) { EXPECT_TRUE(popped.emplace(m).second); });
  EXPECT_EQ(popped.size(), std::min<size_t>(count, before.size()));
  EXPECT_EQ(s->Size(), before.size() - popped.size());
  std::set<std::string> after = MemberSet(*s);
  for (const std::string& m : popped) {
    EXPECT_TRUE(before.count(m));
    EXPECT_FALSE(after.count(m));
    EXPECT_FALSE(s->Contains(m));
  }
  after.insert(popped.begin(), popped.end());
  EXPECT_EQ(after, before);
}

TEST(SetValue, PopRandomAllPaths) {
  CheckPop(Make({"1", "2", "3", "4", "5", "6"}), 1);
  CheckPop(Make({"a", "2", "c", "4", "e", "6"}), 1);
  CheckPop(Make({"1", "2", "3", "4", "5", "6"}), 2);
  CheckPop(Make({"1", "2", "3", "4", "5", "6"}), 6);
  CheckPop(Make({"1", "2", "3", "4", "5", "6"}), 60);
  CheckPop(Make({"a", "2", "c", "4", "e", "6"}), 3);
  CheckPop(Make({"a", "2", "c", "4", "e", "6"}), 6);
  CheckPop(MakeTable(1000), 1);
  CheckPop(MakeTable(1000), 100);   // pops one at a time
  CheckPop(MakeTable(1000), 990);   // keeps a few in a new table
  CheckPop(MakeTable(1000), 1000);  // everything
}

TEST(SetValue, PopEventuallyReachesEveryMember) {
  for (int round = 0; round < 3; ++round) {
    std::map<std::string, int> first;
    for (int i = 0; i < 2000; ++i) {
      std::unique_ptr<SetValue> s = round == 0   ? Make({"1", "2", "3", "4", "5"})
                                    : round == 1 ? Make({"a", "b", "c", "d", "e"})
                                                 : MakeTable(5);
      s->PopRandom(1, Rng, [&](std::string_view m) { ++first[std::string(m)]; });
    }
    EXPECT_EQ(first.size(), 5u);
    for (const auto& [m, n] : first) EXPECT_GT(n, 300) << m;
  }
}

TEST(SetValue, CloneIsDeep) {
  std::vector<std::unique_ptr<SetValue>> sets;
  sets.push_back(Make({"1", "2"}));
  sets.push_back(Make({"a", "b"}));
  sets.push_back(MakeTable(100, "a-long-member-name:"));
  for (auto& s : sets) {
    std::unique_ptr<SetValue> c(static_cast<SetValue*>(s->Clone()));
    EXPECT_EQ(MemberSet(*c), MemberSet(*s));
    EXPECT_EQ(c->kind(), s->kind());
    SetLimits limits;
    c->Add("new", limits);
    EXPECT_FALSE(s->Contains("new"));
    s.reset();
    EXPECT_TRUE(c->Contains("new"));
  }
}

TEST(SetValue, MemoryBytesFollowsContents) {
  auto s = MakeTable(0);
  const size_t empty = s->MemoryBytes();
  SetLimits limits;
  limits.max_listpack_entries = 0;
  for (int i = 0; i < 1000; ++i) s->Add("a-member-longer-than-seven:" + std::to_string(i), limits);
  const size_t full = s->MemoryBytes();
  EXPECT_GT(full, empty + 1000 * (8 + 32));
  // Well under Redis's ~100 bytes per member of this length.
  EXPECT_LT(full, empty + 1000 * 80);
  for (int i = 0; i < 1000; ++i) s->Remove("a-member-longer-than-seven:" + std::to_string(i));
  // Back to the smallest table (the allocator may round its block a little
  // differently the second time).
  EXPECT_EQ(s->slot_count(), 8u);
  EXPECT_LE(s->MemoryBytes(), empty + 32);
}

}  // namespace
}  // namespace shoal
