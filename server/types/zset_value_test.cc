// Unit tests of the sorted set value: both encodings against a model
// (std::set of (score, member) + std::map member -> score), conversions,
// rank/range queries, ZSCAN's cursor guarantee, and the B+tree's invariants
// under random inserts and erases.
#include "server/types/zset_value.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "server/types/zset_tree.h"

namespace shoal {
namespace {

using Elem = std::pair<double, std::string>;

ZSetLimits Limits(int64_t entries, int64_t value = 64) {
  ZSetLimits l;
  l.max_listpack_entries = entries;
  l.max_listpack_value = value;
  return l;
}

std::vector<Elem> All(const ZSetValue& z, bool reverse = false) {
  std::vector<Elem> out;
  z.Visit(0, z.Size(), reverse,
          [&](std::string_view m, double s) { out.emplace_back(s, std::string(m)); });
  return out;
}

std::pair<size_t, size_t> Ranks(size_t a, size_t b) { return {a, b}; }

std::unique_ptr<ZSetValue> Make(const ZSetLimits& l) {
  return std::unique_ptr<ZSetValue>(ZSetValue::Create(0, 0, l));
}

double Add(ZSetValue* z, std::string_view m, double s, int flags = 0, ZAddResult* res = nullptr,
           const ZSetLimits& l = ZSetLimits()) {
  double out = std::nan("");
  ZAddResult r = z->Add(m, s, flags, l, &out);
  if (res != nullptr) *res = r;
  return out;
}

TEST(ZSetValue, StartsCompactAndConvertsPastEntryLimit) {
  ZSetLimits l = Limits(4);
  auto z = Make(l);
  EXPECT_STREQ(z->EncodingName(), "listpack");
  for (int i = 0; i < 4; ++i) Add(z.get(), "m" + std::to_string(i), i, 0, nullptr, l);
  EXPECT_STREQ(z->EncodingName(), "listpack");
  Add(z.get(), "m4", 4, 0, nullptr, l);
  EXPECT_STREQ(z->EncodingName(), "skiplist");
  EXPECT_EQ(z->Size(), 5u);
  auto all = All(*z);
  ASSERT_EQ(all.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(all[i], Elem(i, "m" + std::to_string(i)));
}

TEST(ZSetValue, ConvertsOnLongMember) {
  ZSetLimits l = Limits(128, 8);
  auto z = Make(l);
  Add(z.get(), "short", 1, 0, nullptr, l);
  EXPECT_TRUE(z->compact());
  Add(z.get(), "a-member-longer-than-8", 2, 0, nullptr, l);
  EXPECT_FALSE(z->compact());
  double s;
  EXPECT_TRUE(z->Score("short", &s));
  EXPECT_EQ(s, 1);
}

TEST(ZSetValue, CreatePicksEncodingFromHints) {
  ZSetLimits l = Limits(10, 5);
  EXPECT_TRUE(std::unique_ptr<ZSetValue>(ZSetValue::Create(10, 5, l))->compact());
  EXPECT_FALSE(std::unique_ptr<ZSetValue>(ZSetValue::Create(11, 5, l))->compact());
  EXPECT_FALSE(std::unique_ptr<ZSetValue>(ZSetValue::Create(1, 6, l))->compact());
  EXPECT_FALSE(std::unique_ptr<ZSetValue>(ZSetValue::Create(1, 0, Limits(0)))->compact());
}

TEST(ZSetValue, AddFlagsFollowRedis) {
  for (int entries : {128, 0}) {
    ZSetLimits l = Limits(entries);
    auto z = Make(l);
    ZAddResult r;
    Add(z.get(), "a", 1, 0, &r, l);
    EXPECT_EQ(r, ZAddResult::kAdded);
    Add(z.get(), "a", 1, 0, &r, l);
    EXPECT_EQ(r, ZAddResult::kUnchanged);
    Add(z.get(), "a", 5, kZAddNx, &r, l);
    EXPECT_EQ(r, ZAddResult::kNop);
    Add(z.get(), "b", 5, kZAddXx, &r, l);
    EXPECT_EQ(r, ZAddResult::kNop);
    EXPECT_EQ(z->Size(), 1u);
    Add(z.get(), "a", 0, kZAddGt, &r, l);
    EXPECT_EQ(r, ZAddResult::kNop);
    Add(z.get(), "a", 3, kZAddGt, &r, l);
    EXPECT_EQ(r, ZAddResult::kUpdated);
    Add(z.get(), "a", 4, kZAddLt, &r, l);
    EXPECT_EQ(r, ZAddResult::kNop);
    EXPECT_EQ(Add(z.get(), "a", 2, kZAddIncr, &r, l), 5);
    EXPECT_EQ(r, ZAddResult::kUpdated);
    // GT/LT never stop new members.
    Add(z.get(), "c", -1, kZAddGt, &r, l);
    EXPECT_EQ(r, ZAddResult::kAdded);
    // inf + -inf is NaN: rejected, nothing changes.
    Add(z.get(), "i", INFINITY, 0, &r, l);
    Add(z.get(), "i", -INFINITY, kZAddIncr, &r, l);
    EXPECT_EQ(r, ZAddResult::kNaN);
    double s;
    ASSERT_TRUE(z->Score("i", &s));
    EXPECT_EQ(s, INFINITY);
    EXPECT_EQ(All(*z), (std::vector<Elem>{{-1, "c"}, {5, "a"}, {INFINITY, "i"}}));
  }
}

TEST(ZSetValue, OrdersTiesByMemberBytes) {
  for (int entries : {128, 0}) {
    ZSetLimits l = Limits(entries);
    auto z = Make(l);
    for (const std::string& m :
         std::vector<std::string>{"b", "a", "ab", "", std::string("\xff", 1), "B"}) {
      Add(z.get(), m, 0, 0, nullptr, l);
    }
    std::vector<Elem> want = {{0, ""},   {0, "B"}, {0, "a"},
                              {0, "ab"}, {0, "b"}, {0, std::string("\xff", 1)}};
    EXPECT_EQ(All(*z), want);
    std::reverse(want.begin(), want.end());
    EXPECT_EQ(All(*z, true), want);
  }
}

TEST(ZSetValue, ScoreAndLexRanks) {
  for (int entries : {128, 0}) {
    ZSetLimits l = Limits(entries);
    auto z = Make(l);
    for (int i = 0; i < 10; ++i) Add(z.get(), std::string(1, 'a' + i), i, 0, nullptr, l);
    ZScoreRange r{2, 5, false, false};
    EXPECT_EQ(z->ScoreRanks(r), Ranks(2, 6));
    r.minex = r.maxex = true;
    EXPECT_EQ(z->ScoreRanks(r), Ranks(3, 5));
    r = {5, 2, false, false};
    auto e = z->ScoreRanks(r);
    EXPECT_EQ(e.first, e.second);
    r = {-INFINITY, INFINITY, false, false};
    EXPECT_EQ(z->ScoreRanks(r), Ranks(0, 10));

    auto z2 = Make(l);
    for (char c = 'a'; c <= 'g'; ++c) Add(z2.get(), std::string(1, c), 0, 0, nullptr, l);
    ZLexRange lr;
    lr.min = {ZLexBound::kNegInf, {}};
    lr.max = {ZLexBound::kInclusive, "c"};
    EXPECT_EQ(z2->LexRanks(lr), Ranks(0, 3));
    lr.min = {ZLexBound::kExclusive, "a"};
    lr.max = {ZLexBound::kExclusive, "e"};
    EXPECT_EQ(z2->LexRanks(lr), Ranks(1, 4));
    lr.min = {ZLexBound::kInclusive, "aa"};
    lr.max = {ZLexBound::kPosInf, {}};
    EXPECT_EQ(z2->LexRanks(lr), Ranks(1, 7));
    lr.min = {ZLexBound::kPosInf, {}};
    lr.max = {ZLexBound::kNegInf, {}};
    e = z2->LexRanks(lr);
    EXPECT_EQ(e.first, e.second);
  }
}

TEST(ZSetValue, EraseRanksAndRank) {
  for (int entries : {128, 0}) {
    ZSetLimits l = Limits(entries);
    auto z = Make(l);
    for (int i = 0; i < 20; ++i) Add(z.get(), "m" + std::to_string(100 + i), i, 0, nullptr, l);
    double s;
    EXPECT_EQ(z->Rank("m105", &s), 5);
    EXPECT_EQ(s, 5);
    EXPECT_EQ(z->Rank("nope", &s), -1);
    z->EraseRanks(3, 8);
    EXPECT_EQ(z->Size(), 15u);
    EXPECT_EQ(z->Rank("m108", nullptr), 3);
    EXPECT_FALSE(z->Score("m105", &s));
    z->EraseRanks(0, 15);
    EXPECT_EQ(z->Size(), 0u);
  }
}

TEST(ZSetValue, CloneIsDeep) {
  for (int entries : {128, 0}) {
    ZSetLimits l = Limits(entries);
    auto z = Make(l);
    for (int i = 0; i < 50; ++i) Add(z.get(), "m" + std::to_string(i), i % 7, 0, nullptr, l);
    std::unique_ptr<ZSetValue> c(static_cast<ZSetValue*>(z->Clone()));
    EXPECT_EQ(All(*c), All(*z));
    EXPECT_STREQ(c->EncodingName(), z->EncodingName());
    z->Remove("m1");
    EXPECT_EQ(c->Size(), 50u);
    double s;
    EXPECT_TRUE(c->Score("m1", &s));
  }
}

TEST(ZSetValue, MemoryBytesTracksGrowthAndShrink) {
  ZSetLimits l = Limits(0);
  auto z = Make(l);
  size_t empty = z->MemoryBytes();
  for (int i = 0; i < 10000; ++i) Add(z.get(), "member:" + std::to_string(i), i, 0, nullptr, l);
  size_t full = z->MemoryBytes();
  EXPECT_GT(full, empty + 10000 * 20);
  EXPECT_LT(full, empty + 10000 * 100);
  z->EraseRanks(0, 10000);
  EXPECT_LT(z->MemoryBytes(), empty + 1024);
}

// Random operations on both encodings against a model.
TEST(ZSetValue, RandomOpsMatchModel) {
  std::mt19937_64 rng(42);
  for (int entries : {128, 0, 1000000}) {
    ZSetLimits l = Limits(entries, 1000);
    auto z = Make(l);
    std::map<std::string, double> scores;
    std::set<Elem> order;
    for (int step = 0; step < 30000; ++step) {
      int op = rng() % 10;
      std::string m = "k" + std::to_string(rng() % 3000);
      double s = static_cast<double>(rng() % 50);
      if (op < 6) {
        double out;
        ZAddResult r = z->Add(m, s, 0, l, &out);
        auto it = scores.find(m);
        if (it == scores.end()) {
          ASSERT_EQ(r, ZAddResult::kAdded);
          scores[m] = s;
          order.insert({s, m});
        } else if (it->second != s) {
          ASSERT_EQ(r, ZAddResult::kUpdated);
          order.erase({it->second, m});
          it->second = s;
          order.insert({s, m});
        } else {
          ASSERT_EQ(r, ZAddResult::kUnchanged);
        }
      } else if (op < 8) {
        auto it = scores.find(m);
        ASSERT_EQ(z->Remove(m), it != scores.end());
        if (it != scores.end()) {
          order.erase({it->second, m});
          scores.erase(it);
        }
      } else if (op < 9) {
        // Rank and score of a random present member.
        if (scores.empty()) continue;
        auto it = order.begin();
        size_t r = rng() % order.size();
        std::advance(it, r);
        double got;
        ASSERT_EQ(z->Rank(it->second, &got), static_cast<int64_t>(r));
        ASSERT_EQ(got, it->first);
      } else {
        // Erase a small random rank interval.
        if (order.size() < 10) continue;
        size_t first = rng() % (order.size() - 5);
        size_t last = first + rng() % 5;
        z->EraseRanks(first, last);
        auto a = order.begin();
        std::advance(a, first);
        auto b = a;
        std::advance(b, last - first);
        for (auto it = a; it != b; ++it) scores.erase(it->second);
        order.erase(a, b);
      }
      ASSERT_EQ(z->Size(), order.size());
      if (step % 997 == 0) {
        ASSERT_EQ(All(*z), std::vector<Elem>(order.begin(), order.end()));
        // Score ranges against the model.
        ZScoreRange sr{static_cast<double>(rng() % 50), static_cast<double>(rng() % 50),
                       static_cast<bool>(rng() % 2), static_cast<bool>(rng() % 2)};
        size_t want_first = 0, want_last = 0, i = 0;
        bool seen = false;
        for (const Elem& e : order) {
          bool in = (sr.minex ? e.first > sr.min : e.first >= sr.min) &&
                    (sr.maxex ? e.first < sr.max : e.first <= sr.max);
          if (in && !seen) {
            want_first = i;
            seen = true;
          }
          if (in) want_last = i + 1;
          ++i;
        }
        auto got = z->ScoreRanks(sr);
        if (!seen) {
          ASSERT_EQ(got.first, got.second);
        } else {
          ASSERT_EQ(got, std::make_pair(want_first, want_last));
        }
      }
    }
    ASSERT_EQ(All(*z), std::vector<Elem>(order.begin(), order.end()));
    ASSERT_EQ(All(*z, true), std::vector<Elem>(order.rbegin(), order.rend()));
  }
}

TEST(ZSetValue, ScanReturnsEveryElementAcrossResizes) {
  ZSetLimits l = Limits(0);
  auto z = Make(l);
  for (int i = 0; i < 1000; ++i) Add(z.get(), "m" + std::to_string(i), i, 0, nullptr, l);
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    cursor = z->Scan(cursor, 10, [&](std::string_view m, double) { seen.emplace(m); });
    ++calls;
    // Grow, then shrink, the member table in the middle of the scan; the
    // elements m0..m999 stay present throughout.
    if (calls == 20) {
      for (int i = 0; i < 5000; ++i) Add(z.get(), "x" + std::to_string(i), i, 0, nullptr, l);
    }
    if (calls == 60) {
      for (int i = 0; i < 5000; ++i) z->Remove("x" + std::to_string(i));
    }
  } while (cursor != 0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(seen.count("m" + std::to_string(i))) << i;
}

TEST(ZSetValue, CompactScanReturnsAllWithCursorZero) {
  auto z = Make(ZSetLimits());
  for (int i = 0; i < 50; ++i) Add(z.get(), "m" + std::to_string(i), i);
  size_t n = 0;
  EXPECT_EQ(z->Scan(0, 10, [&](std::string_view, double) { ++n; }), 0u);
  EXPECT_EQ(n, 50u);
}

TEST(ZOrderTree, SequentialInsertsPackLeaves) {
  size_t bytes = 0;
  std::vector<ZNode*> nodes;
  ZOrderTree t;
  for (int i = 0; i < 60000; ++i) {
    nodes.push_back(ZNode::New("m", i, &bytes));
    t.Insert(nodes.back());
  }
  // Full leaves: ~8 bytes a pointer plus a little for headers and inners.
  EXPECT_LT(t.bytes(), 60000u * 9);
  for (size_t r : {0, 1, 59, 60, 61, 30000, 59999}) {
    EXPECT_EQ(t.Rank(nodes[r]), r);
    EXPECT_EQ(t.At(r).node(), nodes[r]);
  }
  // Erase every other element, then all: merges keep the tree consistent.
  for (size_t i = 0; i < nodes.size(); i += 2) t.Erase(nodes[i]);
  EXPECT_EQ(t.size(), 30000u);
  for (size_t i = 1; i < nodes.size(); i += 2) EXPECT_EQ(t.Rank(nodes[i]), i / 2);
  size_t n = 0;
  for (ZOrderTree::Cursor c = t.At(0); c.valid(); c.Next()) {
    EXPECT_EQ(c.node(), nodes[2 * n + 1]);
    ++n;
  }
  EXPECT_EQ(n, 30000u);
  for (size_t i = 1; i < nodes.size(); i += 2) t.Erase(nodes[i]);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.bytes(), 0u);
  for (ZNode* p : nodes) ZNode::Free(p, &bytes);
  EXPECT_EQ(bytes, 0u);
}

TEST(ZOrderTree, LowerBoundFindsFirstMatch) {
  size_t bytes = 0;
  std::vector<ZNode*> nodes;
  ZOrderTree t;
  std::mt19937 rng(7);
  for (int i = 0; i < 5000; ++i) {
    nodes.push_back(ZNode::New("m" + std::to_string(i), rng() % 1000, &bytes));
    t.Insert(nodes.back());
  }
  std::vector<double> sorted;
  for (ZNode* n : nodes) sorted.push_back(n->score);
  std::sort(sorted.begin(), sorted.end());
  for (double x : {-1.0, 0.0, 1.0, 500.0, 999.0, 1000.0}) {
    size_t want = std::lower_bound(sorted.begin(), sorted.end(), x) - sorted.begin();
    EXPECT_EQ(t.LowerBound([&](const ZNode* n) { return n->score >= x; }), want);
  }
  t.Clear();
  for (ZNode* p : nodes) ZNode::Free(p, &bytes);
}

// Many levels of inner nodes, random inserts and erases (splits and merges at
// every level) against std::set.
TEST(ZOrderTree, RandomInsertEraseMatchesModelAtDepth) {
  size_t bytes = 0;
  std::mt19937_64 rng(99);
  std::vector<ZNode*> pool;
  for (int i = 0; i < 150000; ++i) {
    pool.push_back(ZNode::New("n" + std::to_string(i), static_cast<double>(rng() % 5000), &bytes));
  }
  auto less = [](const ZNode* a, const ZNode* b) { return ZLess(a, b); };
  std::set<ZNode*, decltype(less)> model(less);
  ZOrderTree t;
  // Grow to ~100k, shrink to ~10k, grow again.
  for (int phase = 0; phase < 3; ++phase) {
    const double insert_p = phase == 1 ? 0.2 : 0.9;
    for (int step = 0; step < 120000; ++step) {
      ZNode* n = pool[rng() % pool.size()];
      const bool present = model.count(n) > 0;
      if (static_cast<double>(rng() % 1000) / 1000 < insert_p) {
        if (!present) {
          t.Insert(n);
          model.insert(n);
        }
      } else if (present) {
        t.Erase(n);
        model.erase(n);
      }
    }
    ASSERT_EQ(t.size(), model.size());
    size_t r = 0;
    for (ZOrderTree::Cursor c = t.At(0); c.valid(); c.Next(), ++r) {
      ASSERT_LT(r, model.size());
    }
    ASSERT_EQ(r, model.size());
    std::vector<ZNode*> sorted(model.begin(), model.end());
    for (int k = 0; k < 2000 && !sorted.empty(); ++k) {
      size_t i = rng() % sorted.size();
      ASSERT_EQ(t.Rank(sorted[i]), i);
      ASSERT_EQ(t.At(i).node(), sorted[i]);
    }
    if (!sorted.empty()) {
      ZOrderTree::Cursor c = t.At(sorted.size() - 1);
      for (size_t i = sorted.size(); i-- > 0; c.Prev()) ASSERT_EQ(c.node(), sorted[i]);
      ASSERT_FALSE(c.valid());
    }
  }
  t.Clear();
  for (ZNode* p : pool) ZNode::Free(p, &bytes);
  EXPECT_EQ(bytes, 0u);
}

}  // namespace
}  // namespace shoal
