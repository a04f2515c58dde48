// placement_report: the figures that chose the ring's defaults (hash_ring.h).
//
// For S = 3..20 shards with random 40-hex ids, several vnodes values and
// load factors, prints over `trials` random id sets:
//   max/mean  the largest shard's slots over the mean (aim <= 1.15)
//   add*S     fraction of slots that change owner when one shard is added,
//             times S (aim <= 1.1: at most 10% over the 1/S ideal)
//   rm*S      the same when one shard is removed
//   ranges    slot ranges in CLUSTER SLOTS (aim: a few hundred)
// Each figure is shown as mean/worst over the trials. Deterministic (seeded).
//
// Usage: placement_report [trials] [--summary]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cluster/hash_ring.h"

namespace shoal {
namespace {

std::string RandomId(std::mt19937_64& rng) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(40, '0');
  for (char& c : s) c = kHex[rng() % 16];
  return s;
}

ShardTable TableOf(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  ShardTable t;
  for (std::string& id : ids) t.shards.push_back({std::move(id), "", {}, 0});
  return t;
}

// Owner ids per slot ("" when unassigned), so maps of different tables compare.
std::vector<const std::string*> Owners(const ShardTable& t, int vnodes, double lf) {
  auto map = ComputeSlotMap(t, vnodes, lf);
  std::vector<const std::string*> out(kClusterSlots, nullptr);
  for (int s = 0; s < kClusterSlots; ++s) {
    if (map[s] >= 0) out[s] = &t.shards[map[s]].id;
  }
  return out;
}

double Moved(const std::vector<const std::string*>& a, const std::vector<const std::string*>& b) {
  int moved = 0;
  for (int s = 0; s < kClusterSlots; ++s) moved += *a[s] != *b[s];
  return static_cast<double>(moved) / kClusterSlots;
}

struct Figures {
  double max_mean = 0, add = 0, rm = 0, ranges = 0;
  double w_max_mean = 0, w_add = 0, w_rm = 0, w_ranges = 0;
};

Figures Measure(int shards, int vnodes, double lf, int trials, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Figures f;
  for (int t = 0; t < trials; ++t) {
    std::vector<std::string> ids;
    for (int i = 0; i <= shards; ++i) ids.push_back(RandomId(rng));
    ShardTable base = TableOf({ids.begin(), ids.begin() + shards});
    ShardTable added = TableOf(ids);
    ShardTable removed = TableOf({ids.begin() + 1, ids.begin() + shards});

    auto map = ComputeSlotMap(base, vnodes, lf);
    std::vector<int> load(shards, 0);
    for (int s = 0; s < kClusterSlots; ++s) ++load[map[s]];
    double mm = *std::max_element(load.begin(), load.end()) /
                (static_cast<double>(kClusterSlots) / shards);
    double ranges = static_cast<double>(SlotRanges(map).size());
    auto a = Owners(base, vnodes, lf);
    double add = Moved(a, Owners(added, vnodes, lf)) * shards;
    double rm = Moved(a, Owners(removed, vnodes, lf)) * shards;
    f.max_mean += mm / trials;
    f.add += add / trials;
    f.rm += rm / trials;
    f.ranges += ranges / trials;
    f.w_max_mean = std::max(f.w_max_mean, mm);
    f.w_add = std::max(f.w_add, add);
    f.w_rm = std::max(f.w_rm, rm);
    f.w_ranges = std::max(f.w_ranges, ranges);
  }
  return f;
}

int Main(int argc, char** argv) {
  int trials = 20;
  bool summary = false;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--summary") == 0) {
      summary = true;
    } else {
      trials = std::max(1, atoi(argv[i]));
    }
  }
  const int kVnodes[] = {16, 32, 48, 64, 96, 128, 256};
  const double kLoadFactors[] = {0, 1.15, 1.10};
  printf("# placement over 16384 slots, %d random id sets per row; mean/worst\n", trials);
  for (double lf : kLoadFactors) {
    for (int v : kVnodes) {
      if (summary) {
        // One line per (load factor, vnodes): worst over every S.
        Figures w;
        for (int s = 3; s <= 20; ++s) {
          Figures f = Measure(s, v, lf, trials, 1000 + s);
          w.w_max_mean = std::max(w.w_max_mean, f.w_max_mean);
          w.w_add = std::max(w.w_add, f.w_add);
          w.w_rm = std::max(w.w_rm, f.w_rm);
          w.w_ranges = std::max(w.w_ranges, f.w_ranges);
          w.max_mean = std::max(w.max_mean, f.max_mean);
          w.add = std::max(w.add, f.add);
          w.rm = std::max(w.rm, f.rm);
          w.ranges = std::max(w.ranges, f.ranges);
        }
        printf("load_factor %-4s vnodes %3d | max/mean %.3f/%.3f  add*S %.3f/%.3f  rm*S "
               "%.3f/%.3f  ranges %.0f/%.0f\n",
               lf > 0 ? std::to_string(lf).substr(0, 4).c_str() : "none", v, w.max_mean,
               w.w_max_mean, w.add, w.w_add, w.rm, w.w_rm, w.ranges, w.w_ranges);
        continue;
      }
      printf("\n## load_factor %s, vnodes %d\n", lf > 0 ? std::to_string(lf).substr(0, 4).c_str()
                                                        : "none (plain ring)",
             v);
      printf("%3s  %-13s  %-13s  %-13s  %-11s\n", "S", "max/mean", "add*S", "rm*S", "ranges");
      for (int s = 3; s <= 20; ++s) {
        Figures f = Measure(s, v, lf, trials, 1000 + s);
        printf("%3d  %.3f/%.3f  %.3f/%.3f  %.3f/%.3f  %4.0f/%4.0f\n", s, f.max_mean,
               f.w_max_mean, f.add, f.w_add, f.rm, f.w_rm, f.ranges, f.w_ranges);
      }
    }
  }
  return 0;
}

}  // namespace
}  // namespace shoal

int main(int argc, char** argv) { return shoal::Main(argc, argv); }
