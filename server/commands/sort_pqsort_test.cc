// Unit tests of PartialQuickSort: the requested range holds what a full sort
// puts there, for every size around the algorithm's thresholds (7 and 40
// elements), every range, and inputs full of equal keys. The order of equal
// keys (Redis's) is checked end to end by the differential sessions
// (geo_commands.txt "ties", sort_options.txt "big").
#include "server/commands/sort_pqsort.h"

#include <algorithm>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace shoal {
namespace {

int IntCmp(int a, int b) { return a < b ? -1 : (a > b ? 1 : 0); }

TEST(PartialQuickSort, RangeMatchesFullSort) {
  std::mt19937 rng(1);
  for (int n : {1, 2, 6, 7, 8, 40, 41, 100, 500}) {
    for (int distinct : {1, 3, 1000}) {
      std::vector<int> v(n);
      for (int& x : v) x = static_cast<int>(rng() % distinct);
      std::vector<int> sorted = v;
      std::sort(sorted.begin(), sorted.end());
      for (int trial = 0; trial < 20; ++trial) {
        const size_t lo = rng() % n;
        const size_t hi = lo + rng() % (n - lo);
        std::vector<int> w = v;
        PartialQuickSort(w, lo, hi, IntCmp);
        for (size_t i = lo; i <= hi; ++i) ASSERT_EQ(w[i], sorted[i]) << n << " " << lo << " " << hi;
        std::vector<int> all = w;
        std::sort(all.begin(), all.end());
        ASSERT_EQ(all, sorted);  // a permutation of the input
      }
    }
  }
}

TEST(PartialQuickSort, WholeRangeSortsEverything) {
  std::vector<int> v = {5, 3, 9, 1, 1, 8, 2, 7, 3, 0, 4, 6};
  PartialQuickSort(v, 0, v.size() - 1, IntCmp);
  EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));
}

TEST(PartialQuickSort, DescendingComparator) {
  std::vector<int> v(100);
  for (int i = 0; i < 100; ++i) v[i] = (i * 37) % 100;
  PartialQuickSort(v, 0, 9, [](int a, int b) { return -IntCmp(a, b); });
  for (int i = 0; i < 10; ++i) EXPECT_EQ(v[i], 99 - i);
}

}  // namespace
}  // namespace shoal
