// Tests for ListValue: every operation against a std::deque model under
// several node fills, the listpack/quicklist encoding rules, and memory.
#include "server/types/list_value.h"

#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace shoal {
namespace {

using End = ListValue::End;

std::vector<std::string> All(const ListValue& l) {
  std::vector<std::string> out;
  if (l.Size() == 0) return out;
  l.Range(0, l.Size() - 1, [&](std::string_view v) { out.emplace_back(v); });
  return out;
}

std::vector<std::string> All(const std::deque<std::string>& d) { return {d.begin(), d.end()}; }

TEST(ListLimits, FromFillFollowsRedis) {
  EXPECT_EQ(ListLimits::FromFill(-1).max_bytes, 4096u);
  EXPECT_EQ(ListLimits::FromFill(-2).max_bytes, 8192u);
  EXPECT_EQ(ListLimits::FromFill(-5).max_bytes, 65536u);
  EXPECT_EQ(ListLimits::FromFill(-9).max_bytes, 65536u);
  EXPECT_EQ(ListLimits::FromFill(0).max_count, 1u);
  EXPECT_EQ(ListLimits::FromFill(5).max_count, 5u);
  // Counting limits still cap a node at 8 KB.
  EXPECT_TRUE(ListLimits::FromFill(100).Exceeds(9000, 1));
  EXPECT_FALSE(ListLimits::FromFill(100).Exceeds(100, 100));
  EXPECT_TRUE(ListLimits::FromFill(100).Exceeds(100, 101));
}

TEST(ListValue, PushPopBothEnds) {
  ListLimits lim = ListLimits::FromFill(-2);
  ListValue l;
  l.Push(End::kTail, "b", lim);
  l.Push(End::kHead, "a", lim);
  l.Push(End::kTail, "c", lim);
  EXPECT_EQ(l.Size(), 3u);
  EXPECT_EQ(All(l), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(l.Peek(End::kHead), "a");
  EXPECT_EQ(l.Peek(End::kTail), "c");
  l.Pop(End::kHead, lim);
  l.Pop(End::kTail, lim);
  EXPECT_EQ(All(l), (std::vector<std::string>{"b"}));
  l.Pop(End::kTail, lim);
  EXPECT_EQ(l.Size(), 0u);
}

TEST(ListValue, EmptyAndLongElements) {
  ListLimits lim = ListLimits::FromFill(-2);
  ListValue l;
  std::string big(20000, 'x');
  std::string mid(300, 'y');  // two-byte length varints
  l.Push(End::kTail, "", lim);
  l.Push(End::kTail, big, lim);
  l.Push(End::kHead, mid, lim);
  EXPECT_EQ(All(l), (std::vector<std::string>{mid, "", big}));
  EXPECT_EQ(l.Peek(End::kTail), big);
  std::string_view v;
  ASSERT_TRUE(l.Get(1, &v));
  EXPECT_EQ(v, "");
  EXPECT_FALSE(l.Get(3, &v));
}

TEST(ListValue, EncodingFollowsCountFill) {
  ListLimits lim = ListLimits::FromFill(4);
  ListValue l;
  for (int i = 0; i < 4; ++i) l.Push(End::kTail, "x", lim);
  EXPECT_STREQ(l.EncodingName(), "listpack");
  l.Push(End::kTail, "x", lim);
  EXPECT_STREQ(l.EncodingName(), "quicklist");
  EXPECT_EQ(l.node_count(), 2u);
  // Back to listpack only at half the limit.
  l.Pop(End::kTail, lim);
  l.Pop(End::kTail, lim);
  EXPECT_STREQ(l.EncodingName(), "quicklist");
  l.Pop(End::kTail, lim);
  EXPECT_STREQ(l.EncodingName(), "listpack");
  EXPECT_EQ(l.node_count(), 1u);
  EXPECT_EQ(l.Size(), 2u);
}

TEST(ListValue, EncodingFollowsByteFill) {
  ListLimits lim = ListLimits::FromFill(-2);
  ListValue l;
  for (int i = 0; i < 100; ++i) l.Push(End::kTail, std::string(50, 'a'), lim);
  EXPECT_STREQ(l.EncodingName(), "listpack");
  l.Push(End::kTail, std::string(3000, 'b'), lim);
  EXPECT_STREQ(l.EncodingName(), "quicklist");
  l.Pop(End::kTail, lim);  // 5.2 KB left: above half of 8 KB
  EXPECT_STREQ(l.EncodingName(), "quicklist");
  l.Trim(0, 50, lim);  // 2.7 KB
  EXPECT_STREQ(l.EncodingName(), "listpack");
  // One element larger than a node.
  ListValue big;
  big.Push(End::kTail, std::string(9000, 'z'), lim);
  EXPECT_STREQ(big.EncodingName(), "quicklist");
}

TEST(ListValue, InsertRemoveTrimPositions) {
  ListLimits lim = ListLimits::FromFill(-2);
  ListValue l;
  for (const char* s : {"a", "b", "a", "c", "a"}) l.Push(End::kTail, s, lim);
  EXPECT_TRUE(l.Insert("b", "B", /*after=*/false, lim));
  EXPECT_TRUE(l.Insert("c", "C", /*after=*/true, lim));
  EXPECT_FALSE(l.Insert("zz", "Z", true, lim));
  EXPECT_EQ(All(l), (std::vector<std::string>{"a", "B", "b", "a", "c", "C", "a"}));
  std::vector<int64_t> pos;
  l.Positions("a", 1, 0, 0, &pos);
  EXPECT_EQ(pos, (std::vector<int64_t>{0, 3, 6}));
  pos.clear();
  l.Positions("a", -1, 2, 0, &pos);
  EXPECT_EQ(pos, (std::vector<int64_t>{6, 3}));
  pos.clear();
  l.Positions("a", 2, 0, 3, &pos);  // MAXLEN 3: only "a B b" scanned
  EXPECT_TRUE(pos.empty());
  EXPECT_EQ(l.Remove("a", -1, lim), 1u);
  EXPECT_EQ(All(l), (std::vector<std::string>{"a", "B", "b", "a", "c", "C"}));
  EXPECT_EQ(l.Remove("a", 0, lim), 2u);
  EXPECT_EQ(All(l), (std::vector<std::string>{"B", "b", "c", "C"}));
  l.Set(1, "longer value", lim);
  l.Set(2, "", lim);
  EXPECT_EQ(All(l), (std::vector<std::string>{"B", "longer value", "", "C"}));
  l.Trim(1, 2, lim);
  EXPECT_EQ(All(l), (std::vector<std::string>{"longer value", ""}));
}

// Random operations against a deque, under fills that make many small nodes.
class ListModelTest : public ::testing::TestWithParam<int> {};

TEST_P(ListModelTest, MatchesDeque) {
  const ListLimits lim = ListLimits::FromFill(GetParam());
  std::mt19937_64 rng(GetParam() + 1000);
  auto rand = [&](uint64_t n) { return static_cast<size_t>(rng() % n); };
  auto value = [&]() {
    size_t kind = rand(10);
    size_t len = kind < 7 ? rand(8) : kind < 9 ? rand(300) : rand(50) == 0 ? rand(12000) : rand(40);
    std::string s(len, 'a');
    for (auto& c : s) c = static_cast<char>('a' + rand(3));
    if (len < 3 && rand(2)) s = std::to_string(rand(4));
    return s;
  };
  ListValue l;
  std::deque<std::string> d;
  size_t max_size = 0, max_nodes = 0;
  for (int step = 0; step < 20000; ++step) {
    // Alternate growing and mixed phases so that lists get long.
    size_t op = rand(100);
    const bool growing = (step / 2000) % 2 == 0;
    if (growing && ((op >= 33 && op < 50) || (op >= 70 && op < 78))) op = 0;
    if (op < 33) {
      std::string v = value();
      if (rand(2)) {
        l.Push(End::kHead, v, lim);
        d.push_front(v);
      } else {
        l.Push(End::kTail, v, lim);
        d.push_back(v);
      }
    } else if (op < 50) {
      if (d.empty()) continue;
      if (rand(2)) {
        ASSERT_EQ(l.Peek(End::kHead), d.front());
        l.Pop(End::kHead, lim);
        d.pop_front();
      } else {
        ASSERT_EQ(l.Peek(End::kTail), d.back());
        l.Pop(End::kTail, lim);
        d.pop_back();
      }
    } else if (op < 60) {
      if (d.empty()) continue;
      size_t i = rand(d.size());
      std::string v = value();
      l.Set(i, v, lim);
      d[i] = v;
    } else if (op < 70) {
      std::string pivot = std::to_string(rand(4));
      std::string v = value();
      bool after = rand(2);
      auto it = std::find(d.begin(), d.end(), pivot);
      ASSERT_EQ(l.Insert(pivot, v, after, lim), it != d.end());
      if (it != d.end()) d.insert(after ? it + 1 : it, v);
    } else if (op < 75) {
      std::string v = std::to_string(rand(4));
      int64_t count = static_cast<int64_t>(rand(5)) - 2;
      size_t want = 0;
      if (count >= 0) {
        for (auto it = d.begin(); it != d.end();) {
          if (*it == v && (count == 0 || want < static_cast<size_t>(count))) {
            it = d.erase(it);
            ++want;
          } else {
            ++it;
          }
        }
      } else {
        for (size_t i = d.size(); i-- > 0;) {
          if (d[i] == v && want < static_cast<size_t>(-count)) {
            d.erase(d.begin() + i);
            ++want;
          }
        }
      }
      ASSERT_EQ(l.Remove(v, count, lim), want);
    } else if (op < 78) {
      if (d.empty()) continue;
      // Mostly trims a few elements at the ends, sometimes a lot.
      size_t a, b;
      if (rand(4) == 0) {
        a = rand(d.size());
        b = rand(d.size());
        if (a > b) std::swap(a, b);
      } else {
        a = rand(std::min<size_t>(d.size(), 5));
        b = d.size() - 1 - rand(std::min<size_t>(d.size() - a, 5));
      }
      l.Trim(a, b, lim);
      d = std::deque<std::string>(d.begin() + a, d.begin() + b + 1);
    } else if (op < 90) {
      if (d.empty()) continue;
      size_t i = rand(d.size());
      std::string_view v;
      ASSERT_TRUE(l.Get(i, &v));
      ASSERT_EQ(v, d[i]);
      size_t j = std::min(d.size() - 1, i + rand(20));
      std::vector<std::string> got;
      l.Range(i, j, [&](std::string_view x) { got.emplace_back(x); });
      ASSERT_EQ(got, std::vector<std::string>(d.begin() + i, d.begin() + j + 1));
    } else {
      std::string v = std::to_string(rand(4));
      int64_t rank = static_cast<int64_t>(rand(5)) + 1;
      if (rand(2)) rank = -rank;
      size_t count = rand(3), maxlen = rand(2) ? 0 : rand(d.size() + 2);
      std::vector<int64_t> want, got;
      int64_t skip = (rank > 0 ? rank : -rank) - 1;
      for (size_t k = 0; k < d.size() && (maxlen == 0 || k < maxlen); ++k) {
        size_t idx = rank > 0 ? k : d.size() - 1 - k;
        if (d[idx] != v) continue;
        if (skip > 0) {
          --skip;
          continue;
        }
        want.push_back(static_cast<int64_t>(idx));
        if (count != 0 && want.size() == count) break;
      }
      l.Positions(v, rank, count, maxlen, &got);
      ASSERT_EQ(got, want);
    }
    ASSERT_EQ(l.Size(), d.size());
    if (step % 97 == 0) {
      ASSERT_EQ(All(l), All(d)) << "step " << step;
      std::unique_ptr<ListValue> copy(static_cast<ListValue*>(l.Clone()));
      ASSERT_EQ(All(*copy), All(d));
      ASSERT_STREQ(copy->EncodingName(), l.EncodingName());
    }
    if (!l.is_quicklist()) {
      ASSERT_LE(l.node_count(), 1u);
    }
    max_size = std::max(max_size, d.size());
    max_nodes = std::max(max_nodes, l.node_count());
  }
  ASSERT_EQ(All(l), All(d));
  // The run must have exercised multi-node lists.
  EXPECT_GT(max_size, 100u);
  EXPECT_GT(max_nodes, GetParam() == -5 ? 1u : 3u);
}

INSTANTIATE_TEST_SUITE_P(Fills, ListModelTest, ::testing::Values(-2, -1, -5, 1, 3, 16, 128));

TEST(ListValue, QueueUseKeepsMemoryBounded) {
  ListLimits lim = ListLimits::FromFill(-2);
  ListValue l;
  for (int i = 0; i < 100; ++i) l.Push(End::kTail, "job-" + std::to_string(i), lim);
  size_t steady = l.MemoryBytes();
  for (int i = 0; i < 100000; ++i) {
    l.Push(End::kTail, "job-" + std::to_string(i), lim);
    l.Pop(End::kHead, lim);
  }
  EXPECT_EQ(l.Size(), 100u);
  EXPECT_LE(l.MemoryBytes(), steady * 3);
}

TEST(ListValue, MemoryPerSmallElementIsSmall) {
  ListLimits lim = ListLimits::FromFill(-2);
  ListValue l;
  const int n = 100000;
  for (int i = 0; i < n; ++i) l.Push(End::kTail, std::to_string(1000000 + i), lim);
  // 7 bytes of payload + 2 of framing, plus node headers and slack.
  const double per = static_cast<double>(l.MemoryBytes()) / n;
  EXPECT_LT(per, 11.0) << per;
  std::printf("bytes per 7-byte element: %.2f (%zu nodes)\n", per, l.node_count());
  ListValue small;
  for (const char* s : {"a", "b", "c"}) small.Push(End::kTail, s, lim);
  std::printf("3-element list: %zu bytes\n", small.MemoryBytes());
  EXPECT_LE(small.MemoryBytes(), 128u);
  // Draining gives memory back.
  l.Trim(0, 9, lim);
  EXPECT_LT(l.MemoryBytes(), 512u);
}

}  // namespace
}  // namespace shoal
