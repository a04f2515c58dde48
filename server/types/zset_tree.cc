// ZMemberTable and ZOrderTree: the two indexes of a large sorted set (see
// zset_tree.h for the design).
//
// The B+tree is written recursively (its height is at most ~6 for any set
// that fits in memory). Splits keep a node full when the insertion is at the
// very end (or start) of the whole tree, so sets filled in order — timestamps,
// counters — pack their leaves completely instead of half; a node that drops
// under a quarter full after an erase merges into a neighbour with room.
#include "server/types/zset_tree.h"

#include <malloc.h>

#include <cassert>
#include <cstdlib>
#include <cstring>
#include <new>

#include "server/store/slot_hash.h"

namespace shoal {

// ---------------------------------------------------------------------------
// ZNode

ZNode* ZNode::New(std::string_view member, double score, size_t* bytes) {
  const size_t size = offsetof(ZNode, len) + sizeof(uint32_t) + member.size();
  void* mem = std::malloc(size < sizeof(ZNode) ? sizeof(ZNode) : size);
  if (mem == nullptr) std::abort();
  ZNode* n = static_cast<ZNode*>(mem);
  n->chain = nullptr;
  n->score = score;
  n->len = static_cast<uint32_t>(member.size());
  if (!member.empty()) std::memcpy(n->data(), member.data(), member.size());
  *bytes += malloc_usable_size(mem);
  return n;
}

void ZNode::Free(ZNode* n, size_t* bytes) {
  *bytes -= malloc_usable_size(n);
  std::free(n);
}

// ---------------------------------------------------------------------------
// ZMemberTable

namespace {

constexpr size_t kMinBuckets = 4;

uint64_t ReverseBits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  return __builtin_bswap64(v);
}

size_t PowerOfTwoAtLeast(size_t n) {
  size_t p = kMinBuckets;
  while (p < n) p <<= 1;
  return p;
}

}  // namespace

ZMemberTable::~ZMemberTable() { std::free(buckets_); }

uint64_t ZMemberTable::Hash(std::string_view member) { return KeyHash(member); }

ZNode* ZMemberTable::Find(std::string_view member) const {
  if (buckets_ == nullptr) return nullptr;
  for (ZNode* n = buckets_[Hash(member) & mask_]; n != nullptr; n = n->chain) {
    if (n->member() == member) return n;
  }
  return nullptr;
}

void ZMemberTable::Rehash(size_t buckets) {
  ZNode** nb = static_cast<ZNode**>(std::calloc(buckets, sizeof(ZNode*)));
  if (nb == nullptr) std::abort();
  const size_t mask = buckets - 1;
  if (buckets_ != nullptr) {
    for (size_t i = 0; i <= mask_; ++i) {
      ZNode* n = buckets_[i];
      while (n != nullptr) {
        ZNode* next = n->chain;
        size_t idx = Hash(n->member()) & mask;
        n->chain = nb[idx];
        nb[idx] = n;
        n = next;
      }
    }
    std::free(buckets_);
  }
  buckets_ = nb;
  mask_ = mask;
}

void ZMemberTable::Reserve(size_t n) {
  size_t want = PowerOfTwoAtLeast(n);
  if (buckets_ == nullptr || want > mask_ + 1) Rehash(want);
}

void ZMemberTable::Insert(ZNode* n) {
  if (buckets_ == nullptr || size_ + 1 > mask_ + 1) {
    Rehash(buckets_ == nullptr ? kMinBuckets : (mask_ + 1) * 2);
  }
  size_t idx = Hash(n->member()) & mask_;
  n->chain = buckets_[idx];
  buckets_[idx] = n;
  ++size_;
}

void ZMemberTable::Remove(ZNode* n) {
  ZNode** p = &buckets_[Hash(n->member()) & mask_];
  while (*p != n) p = &(*p)->chain;
  *p = n->chain;
  n->chain = nullptr;
  --size_;
  // Shrink when under 1/8 full (Redis resizes under 10%), to twice the size.
  if (mask_ + 1 > kMinBuckets && size_ * 8 < mask_ + 1) Rehash(PowerOfTwoAtLeast(size_ * 2));
}

uint64_t ZMemberTable::Scan(uint64_t cursor, size_t count,
                            absl::FunctionRef<void(const ZNode*)> visit) const {
  if (buckets_ == nullptr) return 0;
  size_t visited = 0;
  size_t steps = 0;
  const size_t max_steps = count * 10;
  uint64_t v = cursor;
  do {
    for (const ZNode* n = buckets_[v & mask_]; n != nullptr; n = n->chain) {
      visit(n);
      ++visited;
    }
    // Increment the reversed cursor: the high bits (the ones a larger table
    // would add) move fastest, so buckets that split or merge on a resize
    // are visited together.
    v |= ~static_cast<uint64_t>(mask_);
    v = ReverseBits(v);
    ++v;
    v = ReverseBits(v);
    ++steps;
  } while (v != 0 && visited < count && steps < max_steps);
  return v;
}

void ZMemberTable::ForEach(absl::FunctionRef<void(ZNode*)> fn) const {
  if (buckets_ == nullptr) return;
  for (size_t i = 0; i <= mask_; ++i) {
    ZNode* n = buckets_[i];
    while (n != nullptr) {
      ZNode* next = n->chain;
      fn(n);
      n = next;
    }
  }
}

// ---------------------------------------------------------------------------
// ZOrderTree

namespace {

// A leaf of 60 pointers plus header fits 504 bytes; inner nodes have a
// fanout of 32. Four levels index ~60M elements.
constexpr int kLeafCap = 60;
constexpr int kInnerCap = 32;

}  // namespace

struct ZOrderTree::Base {
  uint16_t n = 0;
  bool leaf = true;
};

struct ZOrderTree::Leaf : Base {
  Leaf* prev = nullptr;
  Leaf* next = nullptr;
  ZNode* items[kLeafCap];
};

struct ZOrderTree::Inner : Base {
  uint32_t count[kInnerCap];  // elements under child[i]
  ZNode* max[kInnerCap];      // largest element under child[i]
  Base* child[kInnerCap];
};

namespace {

using Base = ZOrderTree::Base;
using Leaf = ZOrderTree::Leaf;
using Inner = ZOrderTree::Inner;

// Edges of the whole tree a node lies on (for the split heuristic).
enum Edge : int { kLeftEdge = 1, kRightEdge = 2 };

int Cap(const Base* b) { return b->leaf ? kLeafCap : kInnerCap; }

uint32_t CountOf(const Base* b) {
  if (b->leaf) return b->n;
  const Inner* in = static_cast<const Inner*>(b);
  uint32_t c = 0;
  for (int i = 0; i < in->n; ++i) c += in->count[i];
  return c;
}

ZNode* MaxOf(const Base* b) {
  if (b->leaf) return static_cast<const Leaf*>(b)->items[b->n - 1];
  return static_cast<const Inner*>(b)->max[b->n - 1];
}

// First index in items[0..n) not less than x.
int LeafLowerBound(const Leaf* l, const ZNode* x) {
  int lo = 0, hi = l->n;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (ZLess(l->items[mid], x)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

// The child whose range holds x: the first whose max is >= x, or the last.
int ChildFor(const Inner* in, const ZNode* x) {
  int lo = 0, hi = in->n - 1;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (ZLess(in->max[mid], x)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

template <typename T>
void ArrayInsert(T* a, int n, int pos, T v) {
  std::memmove(a + pos + 1, a + pos, (n - pos) * sizeof(T));
  a[pos] = v;
}

template <typename T>
void ArrayErase(T* a, int n, int pos) {
  std::memmove(a + pos, a + pos + 1, (n - pos - 1) * sizeof(T));
}

void InnerInsertEntry(Inner* in, int pos, Base* child, uint32_t count, ZNode* max) {
  ArrayInsert(in->child, in->n, pos, child);
  ArrayInsert(in->count, in->n, pos, count);
  ArrayInsert(in->max, in->n, pos, max);
  ++in->n;
}

void InnerEraseEntry(Inner* in, int pos) {
  ArrayErase(in->child, in->n, pos);
  ArrayErase(in->count, in->n, pos);
  ArrayErase(in->max, in->n, pos);
  --in->n;
}

// Where to split a full node of n entries receiving an insertion at pos:
// keep it full when appending at the right edge of the tree, leave it with
// only the new entry when prepending at the left edge, else halve.
int SplitPoint(int n, int pos, int edges) {
  if (pos == n && (edges & kRightEdge)) return n;
  if (pos == 0 && (edges & kLeftEdge)) return 0;
  return n / 2;
}

}  // namespace

ZNode* ZOrderTree::Cursor::node() const { return leaf_->items[pos_]; }

void ZOrderTree::Cursor::Next() {
  if (++pos_ >= leaf_->n) {
    leaf_ = leaf_->next;
    pos_ = 0;
  }
}

void ZOrderTree::Cursor::Prev() {
  if (pos_ == 0) {
    leaf_ = leaf_->prev;
    pos_ = leaf_ != nullptr ? leaf_->n - 1 : 0;
  } else {
    --pos_;
  }
}

ZOrderTree::~ZOrderTree() { Clear(); }

ZOrderTree::Leaf* ZOrderTree::NewLeaf() {
  Leaf* l = new Leaf();
  bytes_ += malloc_usable_size(l);
  return l;
}

ZOrderTree::Inner* ZOrderTree::NewInner() {
  Inner* in = new Inner();
  in->leaf = false;
  bytes_ += malloc_usable_size(in);
  return in;
}

void ZOrderTree::FreeNode(Base* b) {
  bytes_ -= malloc_usable_size(b);
  if (b->leaf) {
    delete static_cast<Leaf*>(b);
  } else {
    delete static_cast<Inner*>(b);
  }
}

void ZOrderTree::FreeRec(Base* b) {
  if (!b->leaf) {
    Inner* in = static_cast<Inner*>(b);
    for (int i = 0; i < in->n; ++i) FreeRec(in->child[i]);
  }
  FreeNode(b);
}

void ZOrderTree::Clear() {
  if (root_ != nullptr) FreeRec(root_);
  root_ = nullptr;
  size_ = 0;
}

void ZOrderTree::Insert(ZNode* x) {
  ++size_;
  if (root_ == nullptr) {
    Leaf* l = NewLeaf();
    l->items[0] = x;
    l->n = 1;
    root_ = l;
    return;
  }
  // The root lies on both edges.
  Base* split = InsertRec(root_, x, kLeftEdge | kRightEdge);
  if (split == nullptr) return;
  Inner* r = NewInner();
  r->child[0] = root_;
  r->count[0] = CountOf(root_);
  r->max[0] = MaxOf(root_);
  r->child[1] = split;
  r->count[1] = CountOf(split);
  r->max[1] = MaxOf(split);
  r->n = 2;
  root_ = r;
}

// Inserts x under b; returns b's new right sibling when b split.
ZOrderTree::Base* ZOrderTree::InsertRec(Base* b, ZNode* x, int edges) {
  if (b->leaf) {
    Leaf* l = static_cast<Leaf*>(b);
    int pos = LeafLowerBound(l, x);
    if (l->n < kLeafCap) {
      ArrayInsert(l->items, l->n, pos, x);
      ++l->n;
      return nullptr;
    }
    Leaf* r = NewLeaf();
    int keep = SplitPoint(l->n, pos, edges);
    r->n = static_cast<uint16_t>(l->n - keep);
    std::memcpy(r->items, l->items + keep, r->n * sizeof(ZNode*));
    l->n = static_cast<uint16_t>(keep);
    r->next = l->next;
    if (r->next != nullptr) r->next->prev = r;
    r->prev = l;
    l->next = r;
    if (pos <= keep && keep < kLeafCap) {
      ArrayInsert(l->items, l->n, pos, x);
      ++l->n;
    } else {
      ArrayInsert(r->items, r->n, pos - keep, x);
      ++r->n;
    }
    return r;
  }

  Inner* in = static_cast<Inner*>(b);
  int i = ChildFor(in, x);
  if (ZLess(in->max[i], x)) in->max[i] = x;  // x is the new largest (i is last)
  int child_edges = 0;
  if ((edges & kLeftEdge) && i == 0) child_edges |= kLeftEdge;
  if ((edges & kRightEdge) && i == in->n - 1) child_edges |= kRightEdge;
  Base* split = InsertRec(in->child[i], x, child_edges);
  ++in->count[i];
  if (split == nullptr) return nullptr;

  Base* c = in->child[i];
  in->count[i] = CountOf(c);
  in->max[i] = MaxOf(c);
  const uint32_t split_count = CountOf(split);
  ZNode* split_max = MaxOf(split);
  const int pos = i + 1;
  if (in->n < kInnerCap) {
    InnerInsertEntry(in, pos, split, split_count, split_max);
    return nullptr;
  }
  Inner* r = NewInner();
  int keep = SplitPoint(in->n, pos, edges);
  int moved = in->n - keep;
  std::memcpy(r->child, in->child + keep, moved * sizeof(Base*));
  std::memcpy(r->count, in->count + keep, moved * sizeof(uint32_t));
  std::memcpy(r->max, in->max + keep, moved * sizeof(ZNode*));
  r->n = static_cast<uint16_t>(moved);
  in->n = static_cast<uint16_t>(keep);
  if (pos <= keep && keep < kInnerCap) {
    InnerInsertEntry(in, pos, split, split_count, split_max);
  } else {
    InnerInsertEntry(r, pos - keep, split, split_count, split_max);
  }
  return r;
}

void ZOrderTree::Erase(const ZNode* x) {
  assert(root_ != nullptr);
  EraseRec(root_, x);
  --size_;
  if (root_->leaf) {
    if (root_->n == 0) {
      FreeNode(root_);
      root_ = nullptr;
    }
    return;
  }
  Inner* in = static_cast<Inner*>(root_);
  if (in->n == 0) {
    FreeNode(in);
    root_ = nullptr;
  } else if (in->n == 1) {
    root_ = in->child[0];
    FreeNode(in);
  }
}

bool ZOrderTree::EraseRec(Base* b, const ZNode* x) {
  if (b->leaf) {
    Leaf* l = static_cast<Leaf*>(b);
    int pos = LeafLowerBound(l, x);
    if (pos >= l->n || l->items[pos] != x) return false;
    ArrayErase(l->items, l->n, pos);
    --l->n;
    return true;
  }
  Inner* in = static_cast<Inner*>(b);
  int i = ChildFor(in, x);
  if (!EraseRec(in->child[i], x)) return false;
  --in->count[i];
  FixChild(in, i);
  return true;
}

// After an erase under child i: drop it when empty, refresh its max, and
// merge it into a neighbour when it fell under a quarter full.
void ZOrderTree::FixChild(Inner* in, int i) {
  Base* c = in->child[i];
  if (c->n == 0) {
    if (c->leaf) {
      Leaf* l = static_cast<Leaf*>(c);
      if (l->prev != nullptr) l->prev->next = l->next;
      if (l->next != nullptr) l->next->prev = l->prev;
    }
    InnerEraseEntry(in, i);
    FreeNode(c);
    return;
  }
  in->max[i] = MaxOf(c);
  const int cap = Cap(c);
  if (c->n >= cap / 4) return;
  if (i > 0 && in->child[i - 1]->n + c->n <= cap) {
    MergeChildren(in, i - 1);
  } else if (i + 1 < in->n && in->child[i + 1]->n + c->n <= cap) {
    MergeChildren(in, i);
  }
}

// Moves child[left + 1]'s entries to the end of child[left] and drops it.
void ZOrderTree::MergeChildren(Inner* in, int left) {
  Base* a = in->child[left];
  Base* b = in->child[left + 1];
  if (a->leaf) {
    Leaf* la = static_cast<Leaf*>(a);
    Leaf* lb = static_cast<Leaf*>(b);
    std::memcpy(la->items + la->n, lb->items, lb->n * sizeof(ZNode*));
    la->n = static_cast<uint16_t>(la->n + lb->n);
    la->next = lb->next;
    if (lb->next != nullptr) lb->next->prev = la;
  } else {
    Inner* ia = static_cast<Inner*>(a);
    Inner* ib = static_cast<Inner*>(b);
    std::memcpy(ia->child + ia->n, ib->child, ib->n * sizeof(Base*));
    std::memcpy(ia->count + ia->n, ib->count, ib->n * sizeof(uint32_t));
    std::memcpy(ia->max + ia->n, ib->max, ib->n * sizeof(ZNode*));
    ia->n = static_cast<uint16_t>(ia->n + ib->n);
  }
  in->count[left] += in->count[left + 1];
  in->max[left] = in->max[left + 1];
  InnerEraseEntry(in, left + 1);
  FreeNode(b);
}

size_t ZOrderTree::Rank(const ZNode* x) const {
  size_t r = 0;
  const Base* b = root_;
  while (!b->leaf) {
    const Inner* in = static_cast<const Inner*>(b);
    int i = ChildFor(in, x);
    for (int j = 0; j < i; ++j) r += in->count[j];
    b = in->child[i];
  }
  return r + LeafLowerBound(static_cast<const Leaf*>(b), x);
}

ZOrderTree::Cursor ZOrderTree::At(size_t r) const {
  Cursor c;
  if (r >= size_) return c;
  const Base* b = root_;
  while (!b->leaf) {
    const Inner* in = static_cast<const Inner*>(b);
    int i = 0;
    while (r >= in->count[i]) r -= in->count[i++];
    b = in->child[i];
  }
  c.leaf_ = const_cast<Leaf*>(static_cast<const Leaf*>(b));
  c.pos_ = static_cast<int>(r);
  return c;
}

size_t ZOrderTree::LowerBound(absl::FunctionRef<bool(const ZNode*)> pred) const {
  if (root_ == nullptr) return 0;
  size_t r = 0;
  const Base* b = root_;
  while (!b->leaf) {
    const Inner* in = static_cast<const Inner*>(b);
    int lo = 0, hi = in->n;
    while (lo < hi) {
      int mid = (lo + hi) / 2;
      if (pred(in->max[mid])) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    if (lo == in->n) return size_;
    for (int j = 0; j < lo; ++j) r += in->count[j];
    b = in->child[lo];
  }
  const Leaf* l = static_cast<const Leaf*>(b);
  int lo = 0, hi = l->n;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (pred(l->items[mid])) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return r + lo;
}

}  // namespace shoal
