// Sorted-set index structures compared on 100k elements (docs/zset.md has
// the results and the choice they led to):
//
//   Tree      ZSetValue's tree encoding: chained member table + counted B+tree
//             of node pointers (zset_tree.h) — what Shoal uses.
//   Btree     absl::node_hash_map member -> score + absl::btree_set of
//             (score, member view): the design first sketched in DESIGN.md.
//             No rank: ZRANK and ZRANGE-by-index walk the tree.
//   Skiplist  Redis's structure: a hash map member -> node + a skiplist with
//             spans (p = 1/4, max 32 levels), written here as a baseline.
//
// Each benchmark reports time per operation and, for the inserts, the heap
// bytes per element (mallinfo2 before and after building the set).
#include <malloc.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "base/strings.h"
#include "benchmark/benchmark.h"
#include "server/types/zset_value.h"

namespace shoal {
namespace {

constexpr int kElements = 100000;

struct Data {
  std::vector<std::string> members;
  std::vector<double> scores;
};

// Distinct "member:<n>" names (13-16 bytes, like typical ids) with random
// integral scores (ties happen: ordered by member).
const Data& TestData() {
  static const Data* d = [] {
    auto* out = new Data();
    std::mt19937_64 rng(1);
    for (int i = 0; i < kElements; ++i) {
      out->members.push_back("member:" + std::to_string(1000000 + 7919ULL * i));
      out->scores.push_back(static_cast<double>(rng() % 1000000));
    }
    return out;
  }();
  return *d;
}

// --- Tree (Shoal) -----------------------------------------------------------

class TreeImpl {
 public:
  TreeImpl() {
    ZSetLimits l;
    l.max_listpack_entries = 0;  // the tree encoding from the start
    z_.reset(ZSetValue::Create(1, 0, l));
    limits_ = l;
  }
  void Add(std::string_view m, double s) {
    double out;
    z_->Add(m, s, 0, limits_, &out);
  }
  int64_t Rank(std::string_view m) { return z_->Rank(m, nullptr); }
  size_t Range(size_t start, size_t n) {
    size_t bytes = 0;
    z_->Visit(start, start + n, false, [&](std::string_view m, double) { bytes += m.size(); });
    return bytes;
  }

 private:
  std::unique_ptr<ZSetValue> z_;
  ZSetLimits limits_;
};

// --- absl::btree_set --------------------------------------------------------

class BtreeImpl {
 public:
  void Add(std::string_view m, double s) {
    auto [it, fresh] = map_.try_emplace(std::string(m), s);
    std::string_view view = it->first;
    if (!fresh) {
      if (it->second == s) return;
      order_.erase({it->second, view});
      it->second = s;
    }
    order_.insert({s, view});
  }
  int64_t Rank(std::string_view m) {
    auto it = map_.find(ToAbsl(m));
    if (it == map_.end()) return -1;
    auto pos = order_.find({it->second, std::string_view(it->first)});
    return std::distance(order_.begin(), pos);
  }
  size_t Range(size_t start, size_t n) {
    size_t bytes = 0;
    auto it = order_.begin();
    std::advance(it, start);
    for (size_t i = 0; i < n && it != order_.end(); ++i, ++it) bytes += it->second.size();
    return bytes;
  }

 private:
  absl::node_hash_map<std::string, double> map_;
  absl::btree_set<std::pair<double, std::string_view>> order_;
};

// --- Skiplist with spans ----------------------------------------------------

class SkipImpl {
 public:
  SkipImpl() : head_(NewNode(kMaxLevel, 0, {})) {}
  ~SkipImpl() {
    Node* n = head_;
    while (n != nullptr) {
      Node* next = n->level[0].forward;
      FreeNode(n);
      n = next;
    }
  }
  void Add(std::string_view m, double s) {
    auto it = map_.find(ToAbsl(m));
    if (it != map_.end()) {
      Node* n = it->second;
      if (n->score == s) return;
      map_.erase(it);
      Delete(n->score, n->member());
    }
    Node* n = Insert(s, m);
    map_.emplace(ToAbsl(n->member()), n);
  }
  int64_t Rank(std::string_view m) {
    auto it = map_.find(ToAbsl(m));
    if (it == map_.end()) return -1;
    const Node* target = it->second;
    size_t rank = 0;
    const Node* x = head_;
    for (int i = level_ - 1; i >= 0; --i) {
      while (x->level[i].forward != nullptr && !Less(target, x->level[i].forward)) {
        rank += x->level[i].span;
        x = x->level[i].forward;
      }
      if (x == target) return static_cast<int64_t>(rank) - 1;
    }
    return -1;
  }
  size_t Range(size_t start, size_t n) {
    // Find the node at rank start + 1 (1-based) through the spans.
    size_t traversed = 0;
    Node* x = head_;
    for (int i = level_ - 1; i >= 0; --i) {
      while (x->level[i].forward != nullptr && traversed + x->level[i].span <= start + 1) {
        traversed += x->level[i].span;
        x = x->level[i].forward;
      }
    }
    size_t bytes = 0;
    for (size_t i = 0; i < n && x != nullptr; ++i, x = x->level[0].forward) bytes += x->len;
    return bytes;
  }

 private:
  static constexpr int kMaxLevel = 32;
  struct Node {
    double score;
    Node* backward;
    uint32_t len;
    char* member_data;
    struct Level {
      Node* forward;
      size_t span;
    } level[1];
    std::string_view member() const { return {member_data, len}; }
  };

  static Node* NewNode(int levels, double score, std::string_view m) {
    size_t size = sizeof(Node) + (levels - 1) * sizeof(Node::Level);
    Node* n = static_cast<Node*>(std::malloc(size));
    n->score = score;
    n->backward = nullptr;
    n->len = static_cast<uint32_t>(m.size());
    // Redis keeps the member in its own sds allocation, shared with the dict.
    n->member_data = static_cast<char*>(std::malloc(m.size() + 1));
    std::memcpy(n->member_data, m.data(), m.size());
    for (int i = 0; i < levels; ++i) n->level[i] = {nullptr, 0};
    return n;
  }
  static void FreeNode(Node* n) {
    std::free(n->member_data);
    std::free(n);
  }
  static bool Less(const Node* a, const Node* b) {
    if (a->score != b->score) return a->score < b->score;
    return a->member() < b->member();
  }
  static bool LessKey(const Node* a, double s, std::string_view m) {
    if (a->score != s) return a->score < s;
    return a->member() < m;
  }
  int RandomLevel() {
    int level = 1;
    while ((rng_() & 0xFFFF) < (0xFFFF / 4) && level < kMaxLevel) ++level;
    return level;
  }

  Node* Insert(double s, std::string_view m) {
    Node* update[kMaxLevel];
    size_t rank[kMaxLevel];
    Node* x = head_;
    for (int i = level_ - 1; i >= 0; --i) {
      rank[i] = i == level_ - 1 ? 0 : rank[i + 1];
      while (x->level[i].forward != nullptr && LessKey(x->level[i].forward, s, m)) {
        rank[i] += x->level[i].span;
        x = x->level[i].forward;
      }
      update[i] = x;
    }
    int level = RandomLevel();
    if (level > level_) {
      for (int i = level_; i < level; ++i) {
        rank[i] = 0;
        update[i] = head_;
        update[i]->level[i].span = length_;
      }
      level_ = level;
    }
    x = NewNode(level, s, m);
    for (int i = 0; i < level; ++i) {
      x->level[i].forward = update[i]->level[i].forward;
      update[i]->level[i].forward = x;
      x->level[i].span = update[i]->level[i].span - (rank[0] - rank[i]);
      update[i]->level[i].span = (rank[0] - rank[i]) + 1;
    }
    for (int i = level; i < level_; ++i) update[i]->level[i].span++;
    x->backward = update[0] == head_ ? nullptr : update[0];
    if (x->level[0].forward != nullptr) x->level[0].forward->backward = x;
    ++length_;
    return x;
  }

  void Delete(double s, std::string_view m) {
    Node* update[kMaxLevel];
    Node* x = head_;
    for (int i = level_ - 1; i >= 0; --i) {
      while (x->level[i].forward != nullptr && LessKey(x->level[i].forward, s, m)) {
        x = x->level[i].forward;
      }
      update[i] = x;
    }
    x = x->level[0].forward;
    for (int i = 0; i < level_; ++i) {
      if (update[i]->level[i].forward == x) {
        update[i]->level[i].span += x->level[i].span - 1;
        update[i]->level[i].forward = x->level[i].forward;
      } else {
        update[i]->level[i].span -= 1;
      }
    }
    if (x->level[0].forward != nullptr) x->level[0].forward->backward = x->backward;
    while (level_ > 1 && head_->level[level_ - 1].forward == nullptr) --level_;
    --length_;
    FreeNode(x);
  }

  Node* head_;
  int level_ = 1;
  size_t length_ = 0;
  std::mt19937 rng_{3};
  absl::flat_hash_map<absl::string_view, Node*> map_;
};

// --- Benchmarks -------------------------------------------------------------

size_t HeapInUse() { return mallinfo2().uordblks; }

template <typename Impl>
void BM_Insert100k(benchmark::State& state) {
  const Data& d = TestData();
  double bytes_per_elem = 0;
  for (auto _ : state) {
    size_t before = HeapInUse();
    auto impl = std::make_unique<Impl>();
    for (int i = 0; i < kElements; ++i) impl->Add(d.members[i], d.scores[i]);
    bytes_per_elem = static_cast<double>(HeapInUse() - before) / kElements;
    state.PauseTiming();
    impl.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kElements);
  state.counters["heap_bytes_per_elem"] = bytes_per_elem;
}

// Elements added in score order (timestamps): the B+tree packs its leaves.
template <typename Impl>
void BM_InsertSequential100k(benchmark::State& state) {
  const Data& d = TestData();
  double bytes_per_elem = 0;
  for (auto _ : state) {
    size_t before = HeapInUse();
    auto impl = std::make_unique<Impl>();
    for (int i = 0; i < kElements; ++i) impl->Add(d.members[i], static_cast<double>(i));
    bytes_per_elem = static_cast<double>(HeapInUse() - before) / kElements;
    state.PauseTiming();
    impl.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kElements);
  state.counters["heap_bytes_per_elem"] = bytes_per_elem;
}

template <typename Impl>
Impl* Filled() {
  static Impl* impl = [] {
    const Data& d = TestData();
    auto* p = new Impl();
    for (int i = 0; i < kElements; ++i) p->Add(d.members[i], d.scores[i]);
    return p;
  }();
  return impl;
}

// ZRANGE key i i+9: 10 elements from a random index.
template <typename Impl>
void BM_Range10AtRandomIndex(benchmark::State& state) {
  Impl* impl = Filled<Impl>();
  std::mt19937 rng(5);
  for (auto _ : state) benchmark::DoNotOptimize(impl->Range(rng() % (kElements - 10), 10));
}

// ZRANK of a random member.
template <typename Impl>
void BM_Rank(benchmark::State& state) {
  Impl* impl = Filled<Impl>();
  const Data& d = TestData();
  std::mt19937 rng(6);
  for (auto _ : state) benchmark::DoNotOptimize(impl->Rank(d.members[rng() % kElements]));
}

// ZADD of an existing member with a new score (a move in the order).
template <typename Impl>
void BM_UpdateScore(benchmark::State& state) {
  Impl* impl = Filled<Impl>();
  const Data& d = TestData();
  std::mt19937 rng(7);
  for (auto _ : state) {
    impl->Add(d.members[rng() % kElements], static_cast<double>(rng() % 1000000));
  }
}

BENCHMARK_TEMPLATE(BM_Insert100k, TreeImpl)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_Insert100k, BtreeImpl)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_Insert100k, SkipImpl)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_InsertSequential100k, TreeImpl)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_InsertSequential100k, BtreeImpl)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_InsertSequential100k, SkipImpl)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(BM_Range10AtRandomIndex, TreeImpl);
BENCHMARK_TEMPLATE(BM_Range10AtRandomIndex, BtreeImpl);
BENCHMARK_TEMPLATE(BM_Range10AtRandomIndex, SkipImpl);
BENCHMARK_TEMPLATE(BM_Rank, TreeImpl);
BENCHMARK_TEMPLATE(BM_Rank, BtreeImpl);
BENCHMARK_TEMPLATE(BM_Rank, SkipImpl);
BENCHMARK_TEMPLATE(BM_UpdateScore, TreeImpl);
BENCHMARK_TEMPLATE(BM_UpdateScore, BtreeImpl);
BENCHMARK_TEMPLATE(BM_UpdateScore, SkipImpl);

}  // namespace
}  // namespace shoal
