// ZSetValue: the compact and tree encodings of a sorted set (see
// zset_value.h), and the conversion between them.
#include "server/types/zset_value.h"

#include <malloc.h>

#include <cassert>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "server/types/zset_tree.h"

namespace shoal {

struct ZSetValue::Tree {
  ZMemberTable table;
  ZOrderTree order;
  size_t node_bytes = 0;

  ~Tree() {
    order.Clear();
    table.ForEach([this](ZNode* n) { ZNode::Free(n, &node_bytes); });
  }
  size_t bytes() const { return sizeof(Tree) + table.bytes() + order.bytes() + node_bytes; }

  ZNode* Insert(std::string_view member, double score) {
    ZNode* n = ZNode::New(member, score, &node_bytes);
    table.Insert(n);
    order.Insert(n);
    return n;
  }
  void Erase(ZNode* n) {
    order.Erase(n);
    table.Remove(n);
    ZNode::Free(n, &node_bytes);
  }
};

namespace {

constexpr size_t npos = static_cast<size_t>(-1);
// A compact set never grows past this (Redis's listpack safety limit).
constexpr size_t kCompactMaxBytes = 1u << 30;

size_t VarintLen(uint32_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

char* PutVarint(char* p, uint32_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

// One compact entry, decoded.
struct Packed {
  double score;
  std::string_view member;
  size_t size;  // bytes of the whole entry
};

Packed DecodeAt(const char* base, size_t off) {
  const char* p = base + off;
  Packed e;
  std::memcpy(&e.score, p, sizeof(double));
  p += sizeof(double);
  uint32_t len = 0;
  int shift = 0;
  while (true) {
    uint8_t b = static_cast<uint8_t>(*p++);
    len |= static_cast<uint32_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
    shift += 7;
  }
  e.member = std::string_view(p, len);
  e.size = static_cast<size_t>(p + len - (base + off));
  return e;
}

size_t EntrySize(std::string_view member) {
  return sizeof(double) + VarintLen(static_cast<uint32_t>(member.size())) + member.size();
}

bool UseCompact(size_t size_hint, size_t max_len, const ZSetLimits& limits) {
  return static_cast<int64_t>(size_hint) <= limits.max_listpack_entries &&
         static_cast<int64_t>(max_len) <= limits.max_listpack_value;
}

}  // namespace

ZSetValue* ZSetValue::Create(size_t size_hint, size_t max_len, const ZSetLimits& limits) {
  ZSetValue* z = new ZSetValue();
  if (!UseCompact(size_hint, max_len, limits)) {
    z->tree_ = new Tree();
    z->tree_->table.Reserve(size_hint);
  }
  return z;
}

ZSetValue::~ZSetValue() {
  std::free(packed_);
  delete tree_;
}

size_t ZSetValue::MemoryBytes() const {
  return sizeof(ZSetValue) + (tree_ != nullptr ? tree_->bytes() : cap_);
}

CompoundValue* ZSetValue::Clone() const {
  ZSetValue* z = new ZSetValue();
  if (tree_ == nullptr) {
    z->Reserve(used_);
    if (used_ > 0) std::memcpy(z->packed_, packed_, used_);
    z->used_ = used_;
    z->count_ = count_;
    return z;
  }
  z->tree_ = new Tree();
  z->tree_->table.Reserve(Size());
  // In order: every insertion appends at the right edge, so the copy's
  // leaves come out full.
  for (ZOrderTree::Cursor c = tree_->order.At(0); c.valid(); c.Next()) {
    z->tree_->Insert(c.node()->member(), c.node()->score);
  }
  return z;
}

size_t ZSetValue::Size() const { return tree_ != nullptr ? tree_->order.size() : count_; }

const char* ZSetValue::EncodingName() const { return tree_ != nullptr ? "skiplist" : "listpack"; }

// ---------------------------------------------------------------------------
// Compact encoding.

void ZSetValue::Reserve(size_t bytes) {
  if (bytes <= cap_) return;
  size_t cap = cap_ + cap_ / 2;
  if (cap < bytes) cap = bytes;
  cap = (cap + 15) & ~size_t{15};
  char* p = static_cast<char*>(std::realloc(packed_, cap));
  if (p == nullptr) std::abort();
  packed_ = p;
  cap_ = static_cast<uint32_t>(cap);
}

size_t ZSetValue::CompactFind(std::string_view member, double* score) const {
  for (size_t off = 0; off < used_;) {
    Packed e = DecodeAt(packed_, off);
    if (e.member == member) {
      if (score != nullptr) *score = e.score;
      return off;
    }
    off += e.size;
  }
  return npos;
}

void ZSetValue::CompactInsert(std::string_view member, double score) {
  size_t off = 0;
  while (off < used_) {
    Packed e = DecodeAt(packed_, off);
    if (ZLess(score, member, e.score, e.member)) break;
    off += e.size;
  }
  const size_t size = EntrySize(member);
  Reserve(used_ + size);
  std::memmove(packed_ + off + size, packed_ + off, used_ - off);
  char* p = packed_ + off;
  std::memcpy(p, &score, sizeof(double));
  p = PutVarint(p + sizeof(double), static_cast<uint32_t>(member.size()));
  if (!member.empty()) std::memcpy(p, member.data(), member.size());
  used_ += static_cast<uint32_t>(size);
  ++count_;
}

void ZSetValue::CompactEraseAt(size_t off) {
  size_t size = DecodeAt(packed_, off).size;
  std::memmove(packed_ + off, packed_ + off + size, used_ - off - size);
  used_ -= static_cast<uint32_t>(size);
  --count_;
  // Give memory back when the buffer is mostly empty.
  if (cap_ > 64 && used_ * 2 < cap_) {
    size_t cap = (used_ + used_ / 4 + 15) & ~size_t{15};
    if (cap == 0) {
      std::free(packed_);
      packed_ = nullptr;
      cap_ = 0;
      return;
    }
    char* p = static_cast<char*>(std::realloc(packed_, cap));
    if (p != nullptr) {
      packed_ = p;
      cap_ = static_cast<uint32_t>(cap);
    }
  }
}

size_t ZSetValue::CompactOffsetOfRank(size_t rank) const {
  size_t off = 0;
  for (size_t r = 0; r < rank && off < used_; ++r) off += DecodeAt(packed_, off).size;
  return off;
}

size_t ZSetValue::CompactLowerBound(absl::FunctionRef<bool(double, std::string_view)> pred) const {
  size_t rank = 0;
  for (size_t off = 0; off < used_; ++rank) {
    Packed e = DecodeAt(packed_, off);
    if (pred(e.score, e.member)) return rank;
    off += e.size;
  }
  return rank;
}

void ZSetValue::ConvertToTree(size_t size_hint) {
  Tree* t = new Tree();
  t->table.Reserve(size_hint > count_ ? size_hint : count_);
  for (size_t off = 0; off < used_;) {
    Packed e = DecodeAt(packed_, off);
    t->Insert(e.member, e.score);
    off += e.size;
  }
  std::free(packed_);
  packed_ = nullptr;
  used_ = cap_ = count_ = 0;
  tree_ = t;
}

void ZSetValue::ReserveFor(size_t size_hint, const ZSetLimits& limits) {
  if (tree_ == nullptr && static_cast<int64_t>(size_hint) > limits.max_listpack_entries) {
    ConvertToTree(size_hint);
  }
}

// ---------------------------------------------------------------------------
// Both encodings.

bool ZSetValue::Score(std::string_view member, double* score) const {
  if (tree_ != nullptr) {
    ZNode* n = tree_->table.Find(member);
    if (n == nullptr) return false;
    *score = n->score;
    return true;
  }
  return CompactFind(member, score) != npos;
}

ZAddResult ZSetValue::Add(std::string_view member, double score, int flags,
                          const ZSetLimits& limits, double* newscore) {
  const bool nx = flags & kZAddNx, xx = flags & kZAddXx;
  const bool gt = flags & kZAddGt, lt = flags & kZAddLt, incr = flags & kZAddIncr;

  double cur = 0;
  ZNode* node = nullptr;
  size_t off = npos;
  bool exists;
  if (tree_ != nullptr) {
    node = tree_->table.Find(member);
    exists = node != nullptr;
    if (exists) cur = node->score;
  } else {
    off = CompactFind(member, &cur);
    exists = off != npos;
  }

  if (exists) {
    if (nx) return ZAddResult::kNop;
    if (incr) {
      score += cur;
      if (std::isnan(score)) return ZAddResult::kNaN;
    }
    if ((lt && score >= cur) || (gt && score <= cur)) return ZAddResult::kNop;
    *newscore = score;
    if (score == cur) return ZAddResult::kUnchanged;
    if (tree_ != nullptr) {
      tree_->order.Erase(node);
      node->score = score;
      tree_->order.Insert(node);
    } else {
      CompactEraseAt(off);
      CompactInsert(member, score);
    }
    return ZAddResult::kUpdated;
  }

  if (xx) return ZAddResult::kNop;
  if (tree_ == nullptr && (static_cast<int64_t>(count_) + 1 > limits.max_listpack_entries ||
                           static_cast<int64_t>(member.size()) > limits.max_listpack_value ||
                           used_ + EntrySize(member) > kCompactMaxBytes)) {
    ConvertToTree(count_ + 1);
  }
  if (tree_ != nullptr) {
    tree_->Insert(member, score);
  } else {
    CompactInsert(member, score);
  }
  *newscore = score;
  return ZAddResult::kAdded;
}

bool ZSetValue::Remove(std::string_view member) {
  if (tree_ != nullptr) {
    ZNode* n = tree_->table.Find(member);
    if (n == nullptr) return false;
    tree_->Erase(n);
    return true;
  }
  size_t off = CompactFind(member, nullptr);
  if (off == npos) return false;
  CompactEraseAt(off);
  return true;
}

void ZSetValue::AppendLargest(std::string_view member, double score) {
  if (tree_ != nullptr) {
    tree_->Insert(member, score);
    return;
  }
  const size_t size = EntrySize(member);
  Reserve(used_ + size);
  char* p = packed_ + used_;
  std::memcpy(p, &score, sizeof(double));
  p = PutVarint(p + sizeof(double), static_cast<uint32_t>(member.size()));
  if (!member.empty()) std::memcpy(p, member.data(), member.size());
  used_ += static_cast<uint32_t>(size);
  ++count_;
}

int64_t ZSetValue::Rank(std::string_view member, double* score) const {
  if (tree_ != nullptr) {
    ZNode* n = tree_->table.Find(member);
    if (n == nullptr) return -1;
    if (score != nullptr) *score = n->score;
    return static_cast<int64_t>(tree_->order.Rank(n));
  }
  int64_t rank = 0;
  for (size_t off = 0; off < used_; ++rank) {
    Packed e = DecodeAt(packed_, off);
    if (e.member == member) {
      if (score != nullptr) *score = e.score;
      return rank;
    }
    off += e.size;
  }
  return -1;
}

size_t ZSetValue::LowerBound(absl::FunctionRef<bool(double, std::string_view)> pred) const {
  if (tree_ != nullptr) {
    return tree_->order.LowerBound([&](const ZNode* n) { return pred(n->score, n->member()); });
  }
  return CompactLowerBound(pred);
}

std::pair<size_t, size_t> ZSetValue::ScoreRanks(const ZScoreRange& r) const {
  size_t first =
      LowerBound([&](double s, std::string_view) { return r.minex ? s > r.min : s >= r.min; });
  size_t last =
      LowerBound([&](double s, std::string_view) { return r.maxex ? s >= r.max : s > r.max; });
  return {first, last > first ? last : first};
}

std::pair<size_t, size_t> ZSetValue::LexRanks(const ZLexRange& r) const {
  const size_t n = Size();
  size_t first;
  switch (r.min.kind) {
    case ZLexBound::kNegInf:
      first = 0;
      break;
    case ZLexBound::kPosInf:
      first = n;
      break;
    default:
      first = LowerBound([&](double, std::string_view m) {
        return r.min.kind == ZLexBound::kExclusive ? m > r.min.s : m >= r.min.s;
      });
  }
  size_t last;
  switch (r.max.kind) {
    case ZLexBound::kNegInf:
      last = 0;
      break;
    case ZLexBound::kPosInf:
      last = n;
      break;
    default:
      last = LowerBound([&](double, std::string_view m) {
        return r.max.kind == ZLexBound::kExclusive ? m >= r.max.s : m > r.max.s;
      });
  }
  return {first, last > first ? last : first};
}

void ZSetValue::Visit(size_t first, size_t last, bool reverse, Visitor fn) const {
  if (last > Size()) last = Size();
  if (first >= last) return;
  if (tree_ != nullptr) {
    if (!reverse) {
      ZOrderTree::Cursor c = tree_->order.At(first);
      for (size_t i = first; i < last; ++i, c.Next()) fn(c.node()->member(), c.node()->score);
    } else {
      ZOrderTree::Cursor c = tree_->order.At(last - 1);
      for (size_t i = first; i < last; ++i, c.Prev()) fn(c.node()->member(), c.node()->score);
    }
    return;
  }
  size_t off = CompactOffsetOfRank(first);
  if (!reverse) {
    for (size_t i = first; i < last; ++i) {
      Packed e = DecodeAt(packed_, off);
      fn(e.member, e.score);
      off += e.size;
    }
    return;
  }
  // Entries only decode forwards: note the offsets, then walk them back.
  std::vector<uint32_t> offsets;
  offsets.reserve(last - first);
  for (size_t i = first; i < last; ++i) {
    offsets.push_back(static_cast<uint32_t>(off));
    off += DecodeAt(packed_, off).size;
  }
  for (size_t i = offsets.size(); i-- > 0;) {
    Packed e = DecodeAt(packed_, offsets[i]);
    fn(e.member, e.score);
  }
}

void ZSetValue::EraseRanks(size_t first, size_t last) {
  if (last > Size()) last = Size();
  if (first >= last) return;
  if (tree_ != nullptr) {
    std::vector<ZNode*> doomed;
    doomed.reserve(last - first);
    ZOrderTree::Cursor c = tree_->order.At(first);
    for (size_t i = first; i < last; ++i, c.Next()) doomed.push_back(c.node());
    for (ZNode* n : doomed) tree_->Erase(n);
    return;
  }
  size_t from = CompactOffsetOfRank(first);
  size_t to = from;
  for (size_t i = first; i < last; ++i) to += DecodeAt(packed_, to).size;
  std::memmove(packed_ + from, packed_ + to, used_ - to);
  used_ -= static_cast<uint32_t>(to - from);
  count_ -= static_cast<uint32_t>(last - first);
  if (count_ == 0) {
    std::free(packed_);
    packed_ = nullptr;
    cap_ = 0;
  }
}

uint64_t ZSetValue::Scan(uint64_t cursor, size_t count, Visitor fn) const {
  if (tree_ != nullptr) {
    return tree_->table.Scan(cursor, count, [&](const ZNode* n) { fn(n->member(), n->score); });
  }
  Visit(0, count_, false, fn);
  return 0;
}

}  // namespace shoal
