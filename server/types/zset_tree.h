// The large encoding of a sorted set ("skiplist" in OBJECT ENCODING, for
// compatibility): every element is one ZNode, indexed twice —
//
//   ZMemberTable  member -> node: a chained hash table (the chain pointer
//                 lives in the node) with power-of-two buckets, so ZSCAN can
//                 use Redis's reverse-binary cursor and still return every
//                 element present for the whole scan across resizes;
//   ZOrderTree    (score, member) order: a counted B+tree of node pointers.
//                 Inner nodes keep, per child, the subtree's element count and
//                 its largest element, so rank <-> element lookups (ZRANK,
//                 ZRANGE by index, LIMIT offsets, ZCOUNT) are O(log n) — which
//                 a plain absl::btree_set cannot do — while a leaf costs 8
//                 bytes per element instead of a skiplist's ~40.
//
// Why not a skiplist or absl::btree_set: see docs/zset.md for the numbers
// (memory per element, ZADD/ZRANGE/ZRANK on 100k elements).
//
// Invariants: every node is in both structures exactly once; the tree's
// leaves are linked in order; each inner entry's count and max describe its
// child exactly. Scores are never NaN. Not thread-safe: the key's stripe lock
// (held by the dispatcher) serializes all access.
#ifndef SHOAL_SERVER_TYPES_ZSET_TREE_H_
#define SHOAL_SERVER_TYPES_ZSET_TREE_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/functional/function_ref.h"

namespace shoal {

// One element. Allocated once (header + member bytes) and shared by the
// member table and the order tree.
struct ZNode {
  ZNode* chain;  // next node in the member table bucket
  double score;
  uint32_t len;
  // `len` member bytes follow `len` directly (not sizeof(ZNode)).

  const char* data() const { return reinterpret_cast<const char*>(&len + 1); }
  char* data() { return reinterpret_cast<char*>(&len + 1); }
  std::string_view member() const { return {data(), len}; }

  // Allocates a node; adds its allocation size to *bytes.
  static ZNode* New(std::string_view member, double score, size_t* bytes);
  // Frees a node; subtracts its allocation size from *bytes.
  static void Free(ZNode* n, size_t* bytes);
};

// Sorted set order: by score, then by member bytes (memcmp, shorter first).
inline bool ZLess(double s1, std::string_view m1, double s2, std::string_view m2) {
  if (s1 != s2) return s1 < s2;
  return m1 < m2;
}
inline bool ZLess(const ZNode* a, const ZNode* b) {
  return ZLess(a->score, a->member(), b->score, b->member());
}

// member -> node. Does not own the nodes.
class ZMemberTable {
 public:
  ZMemberTable() = default;
  ~ZMemberTable();
  ZMemberTable(const ZMemberTable&) = delete;
  ZMemberTable& operator=(const ZMemberTable&) = delete;

  size_t size() const { return size_; }
  size_t bytes() const { return (mask_ + 1) * sizeof(ZNode*) * (buckets_ != nullptr); }

  ZNode* Find(std::string_view member) const;
  // `n`'s member must not be present.
  void Insert(ZNode* n);
  // `n` must be present.
  void Remove(ZNode* n);
  // Pre-sizes for `n` elements (no shrink).
  void Reserve(size_t n);

  // Visits the buckets from `cursor` on (reverse-binary order) until at least
  // `count` nodes were visited or the walk wraps; returns the next cursor
  // (0 when done). Every node present for the whole scan is visited at least
  // once, whatever resizes happen between calls.
  uint64_t Scan(uint64_t cursor, size_t count, absl::FunctionRef<void(const ZNode*)> visit) const;

  // Calls fn for every node (any order); fn may free the node.
  void ForEach(absl::FunctionRef<void(ZNode*)> fn) const;

 private:
  static uint64_t Hash(std::string_view member);
  void Rehash(size_t buckets);

  ZNode** buckets_ = nullptr;
  size_t mask_ = 0;
  size_t size_ = 0;
};

// (score, member)-ordered counted B+tree of node pointers. Does not own the
// nodes.
class ZOrderTree {
 public:
  struct Leaf;
  // A position in the tree: a leaf and an index in it. Invalid at the end.
  class Cursor {
   public:
    bool valid() const { return leaf_ != nullptr; }
    ZNode* node() const;
    void Next();
    void Prev();

   private:
    friend class ZOrderTree;
    Leaf* leaf_ = nullptr;
    int pos_ = 0;
  };

  ZOrderTree() = default;
  ~ZOrderTree();
  ZOrderTree(const ZOrderTree&) = delete;
  ZOrderTree& operator=(const ZOrderTree&) = delete;

  size_t size() const { return size_; }
  size_t bytes() const { return bytes_; }

  // `x` must not be present (by order).
  void Insert(ZNode* x);
  // `x` must be present.
  void Erase(const ZNode* x);
  // 0-based rank of `x`, which must be present.
  size_t Rank(const ZNode* x) const;
  // Cursor at rank `r` (invalid when r >= size()).
  Cursor At(size_t r) const;
  // Rank of the first element for which `pred` holds, where pred is false
  // then true along the order; size() when it never holds.
  size_t LowerBound(absl::FunctionRef<bool(const ZNode*)> pred) const;
  // Frees the tree's own nodes (not the elements).
  void Clear();

  struct Base;
  struct Inner;

 private:
  // `edges`: which ends of the whole tree b lies on (split heuristic).
  Base* InsertRec(Base* b, ZNode* x, int edges);
  bool EraseRec(Base* b, const ZNode* x);
  void FixChild(Inner* in, int i);
  void MergeChildren(Inner* in, int left);
  void FreeRec(Base* b);
  Leaf* NewLeaf();
  Inner* NewInner();
  void FreeNode(Base* b);

  Base* root_ = nullptr;
  size_t size_ = 0;
  size_t bytes_ = 0;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_TYPES_ZSET_TREE_H_
