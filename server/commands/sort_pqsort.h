// PartialQuickSort: sorts just enough of a vector that positions [lo, hi]
// hold what a full sort would put there — the order in which redis-server
// returns GEOSEARCH ... COUNT and SORT ... BY ... LIMIT results.
//
// Why not std::partial_sort or std::nth_element: the comparisons of both
// commands can call distinct elements equal (two points at the same distance;
// SORT ALPHA BY a pattern that finds equal or no values), and the order of
// equal elements is then whatever the algorithm leaves. Redis uses a
// partial variant of the quicksort of Bentley and McIlroy, "Engineering a
// Sort Function" (Software—Practice and Experience, 1993), as the BSD libc
// ships it: median of three (ninther above 40 elements), a three-way
// partition that parks equal keys at both ends and swaps them to the middle,
// insertion sort below 7 elements or when a partition pass swapped nothing,
// and, for the partial variant, no recursion into a part that lies wholly
// outside [lo, hi]. Implemented here from that description, step for step,
// so that ties come out in the same order as on redis-server.
//
// `cmp(a, b)` returns <0, 0 or >0. Header-only; no state.
#ifndef SHOAL_SERVER_COMMANDS_SORT_PQSORT_H_
#define SHOAL_SERVER_COMMANDS_SORT_PQSORT_H_

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace shoal {

namespace pqsort_internal {

template <typename T, typename Cmp>
size_t Med3(std::vector<T>& v, size_t a, size_t b, size_t c, Cmp& cmp) {
  if (cmp(v[a], v[b]) < 0) {
    if (cmp(v[b], v[c]) < 0) return b;
    return cmp(v[a], v[c]) < 0 ? c : a;
  }
  if (cmp(v[b], v[c]) > 0) return b;
  return cmp(v[a], v[c]) < 0 ? a : c;
}

template <typename T, typename Cmp>
void InsertionSort(std::vector<T>& v, size_t base, size_t n, Cmp& cmp) {
  for (size_t m = base + 1; m < base + n; ++m) {
    for (size_t l = m; l > base && cmp(v[l - 1], v[l]) > 0; --l) std::swap(v[l], v[l - 1]);
  }
}

// Swaps the runs [a, a + n) and [b, b + n).
template <typename T>
void SwapRuns(std::vector<T>& v, size_t a, size_t b, size_t n) {
  for (size_t i = 0; i < n; ++i) std::swap(v[a + i], v[b + i]);
}

// Sorts v[base, base + n) as far as positions [lo, hi] need (hi inclusive).
template <typename T, typename Cmp>
void Sort(std::vector<T>& v, size_t base, size_t n, size_t lo, size_t hi, Cmp& cmp) {
  for (;;) {
    if (n < 7) {
      InsertionSort(v, base, n, cmp);
      return;
    }
    size_t pm = base + n / 2;
    if (n > 7) {
      size_t pl = base;
      size_t pn = base + n - 1;
      if (n > 40) {
        const size_t d = n / 8;
        pl = Med3(v, pl, pl + d, pl + 2 * d, cmp);
        pm = Med3(v, pm - d, pm, pm + d, cmp);
        pn = Med3(v, pn - 2 * d, pn - d, pn, cmp);
      }
      pm = Med3(v, pl, pm, pn, cmp);
    }
    std::swap(v[base], v[pm]);  // the pivot waits at v[base]
    // Invariant: [base+1, pa) == pivot, [pa, pb) < pivot, (pc, pd] > pivot,
    // (pd, end) == pivot.
    size_t pa = base + 1, pb = base + 1;
    // pc and pd may step below pb; they are kept one past their position to
    // stay unsigned.
    size_t pc1 = base + n, pd1 = base + n;  // pc + 1, pd + 1
    bool swapped = false;
    for (;;) {
      int r;
      while (pb < pc1 && (r = cmp(v[pb], v[base])) <= 0) {
        if (r == 0) {
          swapped = true;
          std::swap(v[pa], v[pb]);
          ++pa;
        }
        ++pb;
      }
      while (pb < pc1 && (r = cmp(v[pc1 - 1], v[base])) >= 0) {
        if (r == 0) {
          swapped = true;
          std::swap(v[pc1 - 1], v[pd1 - 1]);
          --pd1;
        }
        --pc1;
      }
      if (pb >= pc1) break;
      std::swap(v[pb], v[pc1 - 1]);
      swapped = true;
      ++pb;
      --pc1;
    }
    if (!swapped) {  // already in order around the pivot: finish by insertion
      InsertionSort(v, base, n, cmp);
      return;
    }
    const size_t end = base + n;
    size_t r = std::min(pa - base, pb - pa);
    SwapRuns(v, base, pb - r, r);
    r = std::min(pd1 - pc1, end - pd1);
    SwapRuns(v, pb, end - r, r);

    // The smaller-than part is [base, base + (pb - pa)), the greater-than part
    // the last (pd - pc) elements. Recurse only into parts that meet [lo, hi].
    r = pb - pa;
    if (r > 1 && !(hi < base || lo >= base + r)) Sort(v, base, r, lo, hi, cmp);
    r = pd1 - pc1;
    if (r <= 1) return;
    base = end - r;
    n = r;
    if (hi < base || lo >= base + n) return;
  }
}

}  // namespace pqsort_internal

// Orders v so that v[lo..hi] (inclusive; hi < v.size()) are the elements a
// full sort puts there, in Redis's order for equal elements.
template <typename T, typename Cmp>
void PartialQuickSort(std::vector<T>& v, size_t lo, size_t hi, Cmp cmp) {
  if (v.empty()) return;
  pqsort_internal::Sort(v, 0, v.size(), lo, hi, cmp);
}

}  // namespace shoal

#endif  // SHOAL_SERVER_COMMANDS_SORT_PQSORT_H_
