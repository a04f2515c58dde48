// ListValue implementation. See list_value.h for the layout and encodings.
//
// Invariants kept by every method:
//   - no node in nodes_ is empty (count > 0), and count_/bytes_ are the sums
//     of the nodes' counts and live bytes;
//   - in listpack mode (!quicklist_) there is at most one node;
//   - heap_ is the allocator's usable size of every node.
#include "server/types/list_value.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace shoal {
namespace {

// Bytes Redis counts for a listpack's header and terminator; added to the
// packed bytes before comparing with list-max-listpack-size, so that our
// thresholds sit where Redis's do.
constexpr size_t kPackOverhead = 7;
// Redis's SIZE_SAFETY_LIMIT: a node never holds more than this many bytes
// when list-max-listpack-size counts elements.
constexpr size_t kSafetyLimit = 8192;
// Nodes grow by half again, but not past this while they are smaller: with
// the default fill (8 KB nodes) a full node then wastes nothing.
constexpr size_t kNodeSoftCap = 8192;

size_t VarSize(size_t n) {
  size_t s = 1;
  while (n >= 0x80) {
    n >>= 7;
    ++s;
  }
  return s;
}

// Packed size of an element of `len` bytes.
size_t Packed(size_t len) { return len + 2 * VarSize(len); }

// [varint len][bytes][reverse varint len]. The forward varint is LEB128; the
// reverse one stores the same 7-bit groups lowest last, each but the
// highest flagged with 0x80, so it reads backwards from the element's end.
void PutElement(char* p, std::string_view v) {
  size_t n = v.size();
  while (n >= 0x80) {
    *p++ = static_cast<char>((n & 0x7f) | 0x80);
    n >>= 7;
  }
  *p++ = static_cast<char>(n);
  if (!v.empty()) std::memcpy(p, v.data(), v.size());
  p += v.size();
  const size_t s = VarSize(v.size());
  n = v.size();
  for (size_t i = 0; i < s; ++i) {
    p[s - 1 - i] = static_cast<char>((n & 0x7f) | (i + 1 < s ? 0x80 : 0));
    n >>= 7;
  }
}

size_t GetForward(const char* p, size_t* n) {
  size_t v = 0, used = 0;
  int shift = 0;
  uint8_t b;
  do {
    b = static_cast<uint8_t>(p[used++]);
    v |= static_cast<size_t>(b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  *n = v;
  return used;
}

size_t GetBackward(const char* q, size_t* n) {
  size_t v = 0, used = 0;
  int shift = 0;
  uint8_t b;
  do {
    b = static_cast<uint8_t>(*--q);
    v |= static_cast<size_t>(b & 0x7f) << shift;
    shift += 7;
    ++used;
  } while (b & 0x80);
  *n = v;
  return used;
}

size_t GrowCap(size_t need) {
  size_t cap = need + need / 2;
  if (need <= kNodeSoftCap && cap > kNodeSoftCap) cap = kNodeSoftCap;
  return std::max<size_t>(cap, 8);
}

}  // namespace

// ---------------------------------------------------------------------------
// Limits.

ListLimits ListLimits::FromFill(int64_t fill) {
  ListLimits l;
  if (fill >= 0) {
    l.max_bytes = kUnlimited;
    l.max_count = fill == 0 ? 1 : static_cast<size_t>(fill);
  } else {
    int64_t level = -fill - 1;
    if (level > 4) level = 4;
    l.max_bytes = size_t{4096} << level;
    l.max_count = kUnlimited;
  }
  return l;
}

bool ListLimits::Exceeds(size_t bytes, size_t count) const {
  if (max_bytes != kUnlimited) return bytes + kPackOverhead > max_bytes;
  return bytes + kPackOverhead > kSafetyLimit || count > max_count;
}

// ---------------------------------------------------------------------------
// Nodes.

struct ListValue::Node {
  uint32_t cap;    // bytes of buf
  uint32_t begin;  // live bytes are [begin, end)
  uint32_t end;
  uint32_t count;  // elements
  char* buf() { return reinterpret_cast<char*>(this + 1); }
  const char* buf() const { return reinterpret_cast<const char*>(this + 1); }
  uint32_t live() const { return end - begin; }

  // The element at `off`: its value and packed size.
  std::string_view At(uint32_t off, uint32_t* size) const {
    size_t len;
    const size_t h = GetForward(buf() + off, &len);
    *size = static_cast<uint32_t>(2 * h + len);
    return {buf() + off + h, len};
  }
  // Offset of the element that ends at `end_off`.
  uint32_t Prev(uint32_t end_off) const {
    size_t len;
    const size_t h = GetBackward(buf() + end_off, &len);
    return end_off - static_cast<uint32_t>(2 * h + len);
  }
};

ListValue::Node* ListValue::NewNode(size_t cap) {
  void* mem = std::malloc(sizeof(Node) + cap);
  if (mem == nullptr) std::abort();
  const size_t usable = malloc_usable_size(mem);
  heap_ += usable;
  Node* n = static_cast<Node*>(mem);
  n->cap = static_cast<uint32_t>(std::min<size_t>(usable - sizeof(Node), UINT32_MAX));
  n->begin = n->end = n->count = 0;
  return n;
}

void ListValue::FreeNode(Node* n) {
  heap_ -= malloc_usable_size(n);
  std::free(n);
}

ListValue::~ListValue() { Clear(); }

void ListValue::Clear() {
  for (size_t i = 0; i < nodes_.size(); ++i) FreeNode(nodes_[i]);
  nodes_.Clear();
  count_ = 0;
  bytes_ = 0;
  quicklist_ = false;
}

size_t ListValue::MemoryBytes() const { return sizeof(ListValue) + heap_ + nodes_.HeapBytes(); }

CompoundValue* ListValue::Clone() const {
  auto* copy = new ListValue();
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Node* src = nodes_[i];
    Node* n = copy->NewNode(src->live());
    std::memcpy(n->buf(), src->buf() + src->begin, src->live());
    n->end = src->live();
    n->count = src->count;
    copy->nodes_.PushBack(n);
  }
  copy->count_ = count_;
  copy->bytes_ = bytes_;
  copy->quicklist_ = quicklist_;
  return copy;
}

char* ListValue::OpenGap(size_t i, uint32_t off, size_t len, bool slack_front) {
  Node* n = nodes_[i];
  const size_t front = off - n->begin, back = n->end - off;
  const bool room_front = n->begin >= len, room_back = n->cap - n->end >= len;
  const bool middle = off != n->begin && off != n->end;
  if (room_front && (off == n->begin || (middle && (front <= back || !room_back)))) {
    std::memmove(n->buf() + n->begin - len, n->buf() + n->begin, front);
    n->begin -= static_cast<uint32_t>(len);
    return n->buf() + off - len;
  }
  if (room_back && (off == n->end || middle)) {
    std::memmove(n->buf() + off + len, n->buf() + off, back);
    n->end += static_cast<uint32_t>(len);
    return n->buf() + off;
  }
  // Relayout: in place when that leaves a quarter of the node free (so the
  // move is paid for by many later pushes), else into a larger buffer.
  const size_t live = n->live() + len;
  Node* dst = n;
  if (n->cap < live || n->cap - live < n->cap / 4) dst = NewNode(GrowCap(live));
  const size_t nb = slack_front && !middle ? dst->cap - live : 0;
  // Copy [begin, off) to nb and [off, end) after the gap. In place, move
  // first the part that moves away from the other, so neither clobbers it.
  char* from = n->buf();
  char* to = dst->buf();
  if (dst != n || nb <= n->begin) {
    std::memmove(to + nb, from + n->begin, front);
    std::memmove(to + nb + front + len, from + off, back);
  } else {
    std::memmove(to + nb + front + len, from + off, back);
    std::memmove(to + nb, from + n->begin, front);
  }
  dst->begin = static_cast<uint32_t>(nb);
  dst->end = static_cast<uint32_t>(nb + live);
  if (dst != n) {
    dst->count = n->count;
    FreeNode(n);
    nodes_[i] = dst;
  }
  return dst->buf() + nb + front;
}

uint32_t ListValue::CloseGap(size_t i, uint32_t off, size_t len) {
  Node* n = nodes_[i];
  const size_t front = off - n->begin, back = n->end - off - len;
  if (front < back) {
    std::memmove(n->buf() + n->begin + len, n->buf() + n->begin, front);
    n->begin += static_cast<uint32_t>(len);
    return off + static_cast<uint32_t>(len);
  }
  std::memmove(n->buf() + off, n->buf() + off + len, back);
  n->end -= static_cast<uint32_t>(len);
  return off;
}

void ListValue::MaybeShrinkNode(size_t i) {
  Node* n = nodes_[i];
  if (n->cap < 256 || size_t{n->live()} * 4 >= n->cap) return;
  const size_t live = n->live();
  Node* dst = NewNode(live + live / 2);
  const size_t nb = (dst->cap - live) / 2;
  std::memcpy(dst->buf() + nb, n->buf() + n->begin, live);
  dst->begin = static_cast<uint32_t>(nb);
  dst->end = static_cast<uint32_t>(nb + live);
  dst->count = n->count;
  FreeNode(n);
  nodes_[i] = dst;
}

ListValue::Node* ListValue::NewNodeWith(std::string_view element, bool slack_front) {
  const size_t need = Packed(element.size());
  Node* n = NewNode(need);
  const size_t nb = slack_front ? n->cap - need : 0;
  PutElement(n->buf() + nb, element);
  n->begin = static_cast<uint32_t>(nb);
  n->end = static_cast<uint32_t>(nb + need);
  n->count = 1;
  return n;
}

bool ListValue::Accepts(size_t i, size_t bytes, const ListLimits& limits) const {
  const Node* n = nodes_[i];
  return !limits.Exceeds(n->live() + bytes, n->count + 1);
}

void ListValue::Split(size_t i, uint32_t off) {
  Node* n = nodes_[i];
  uint32_t before = 0;
  for (uint32_t o = n->begin; o < off; ++before) {
    uint32_t sz;
    n->At(o, &sz);
    o += sz;
  }
  const size_t tail = n->end - off;
  Node* m = NewNode(tail);
  std::memcpy(m->buf(), n->buf() + off, tail);
  m->end = static_cast<uint32_t>(tail);
  m->count = n->count - before;
  n->end = off;
  n->count = before;
  nodes_.Insert(i + 1, m);
}

void ListValue::MergeNext(size_t i) {
  Node* b = nodes_[i + 1];
  char* gap = OpenGap(i, nodes_[i]->end, b->live(), false);
  std::memcpy(gap, b->buf() + b->begin, b->live());
  nodes_[i]->count += b->count;
  FreeNode(b);
  nodes_.Erase(i + 1);
}

// ---------------------------------------------------------------------------
// Encoding changes.

void ListValue::BeforeGrow(size_t add_bytes, size_t add_count, const ListLimits& limits) {
  if (!quicklist_ && limits.Exceeds(bytes_ + add_bytes, count_ + add_count)) quicklist_ = true;
}

void ListValue::AfterShrink(const ListLimits& limits) {
  if (!quicklist_ || count_ == 0) return;
  // Redis converts back at half the limits, so that a list hovering around
  // the limit does not convert on every push and pop.
  const bool half_bytes =
      limits.max_bytes == ListLimits::kUnlimited || bytes_ + kPackOverhead <= limits.max_bytes / 2;
  const bool half_count = limits.max_count == ListLimits::kUnlimited ||
                          count_ <= limits.max_count / 2;
  if (!half_bytes || !half_count || limits.Exceeds(bytes_, count_)) return;
  while (nodes_.size() > 1) MergeNext(0);
  quicklist_ = false;
}

// ---------------------------------------------------------------------------
// Positions.

void ListValue::Locate(size_t index, size_t* node, size_t* in_node) const {
  const size_t nn = nodes_.size();
  if (index < count_ / 2) {
    for (size_t i = 0; i < nn; ++i) {
      const size_t c = nodes_[i]->count;
      if (index < c) {
        *node = i;
        *in_node = index;
        return;
      }
      index -= c;
    }
  } else {
    size_t from_tail = count_ - 1 - index;
    for (size_t i = nn; i-- > 0;) {
      const size_t c = nodes_[i]->count;
      if (from_tail < c) {
        *node = i;
        *in_node = c - 1 - from_tail;
        return;
      }
      from_tail -= c;
    }
  }
  *node = 0;
  *in_node = 0;
}

ListValue::Pos ListValue::PosOf(size_t index) const {
  size_t i, k;
  Locate(index, &i, &k);
  const Node* n = nodes_[i];
  uint32_t off;
  if (k <= n->count / 2) {
    off = n->begin;
    for (size_t j = 0; j < k; ++j) {
      uint32_t sz;
      n->At(off, &sz);
      off += sz;
    }
  } else {
    off = n->end;
    for (size_t j = n->count; j > k; --j) off = n->Prev(off);
  }
  return {i, off};
}

// ---------------------------------------------------------------------------
// Changes.

void ListValue::InsertAt(Pos p, std::string_view element, const ListLimits& limits) {
  const size_t need = Packed(element.size());
  count_ += 1;
  bytes_ += need;
  if (nodes_.size() == 0) {
    nodes_.PushBack(NewNodeWith(element, false));
    return;
  }
  const size_t i = p.node;
  const Node* n = nodes_[i];
  const bool at_begin = p.off == n->begin, at_end = p.off == n->end;
  auto put = [&](size_t at, uint32_t off, bool slack_front) {
    PutElement(OpenGap(at, off, need, slack_front), element);
    nodes_[at]->count += 1;
  };
  if (Accepts(i, need, limits)) {
    put(i, p.off, at_begin);
  } else if (at_end && i + 1 < nodes_.size() && Accepts(i + 1, need, limits)) {
    put(i + 1, nodes_[i + 1]->begin, true);
  } else if (at_begin && i > 0 && Accepts(i - 1, need, limits)) {
    put(i - 1, nodes_[i - 1]->end, false);
  } else if (at_begin) {
    nodes_.Insert(i, NewNodeWith(element, true));
  } else if (at_end) {
    nodes_.Insert(i + 1, NewNodeWith(element, false));
  } else {
    Split(i, p.off);
    if (Accepts(i, need, limits)) {
      put(i, nodes_[i]->end, false);
    } else if (Accepts(i + 1, need, limits)) {
      put(i + 1, nodes_[i + 1]->begin, true);
    } else {
      nodes_.Insert(i + 1, NewNodeWith(element, false));
    }
  }
}

void ListValue::Push(End end, std::string_view element, const ListLimits& limits) {
  BeforeGrow(Packed(element.size()), 1, limits);
  if (nodes_.size() == 0) {
    InsertAt({0, 0}, element, limits);
  } else if (end == End::kHead) {
    InsertAt({0, nodes_[0]->begin}, element, limits);
  } else {
    const size_t last = nodes_.size() - 1;
    InsertAt({last, nodes_[last]->end}, element, limits);
  }
}

std::string_view ListValue::Peek(End end) const {
  uint32_t sz;
  if (end == End::kHead) {
    const Node* n = nodes_[0];
    return n->At(n->begin, &sz);
  }
  const Node* n = nodes_[nodes_.size() - 1];
  return n->At(n->Prev(n->end), &sz);
}

void ListValue::Pop(End end, const ListLimits& limits) {
  const size_t i = end == End::kHead ? 0 : nodes_.size() - 1;
  Node* n = nodes_[i];
  uint32_t sz;
  if (end == End::kHead) {
    n->At(n->begin, &sz);
    n->begin += sz;
  } else {
    const uint32_t start = n->Prev(n->end);
    sz = n->end - start;
    n->end = start;
  }
  n->count -= 1;
  count_ -= 1;
  bytes_ -= sz;
  if (n->count == 0) {
    FreeNode(n);
    nodes_.Erase(i);
  } else {
    MaybeShrinkNode(i);
  }
  AfterShrink(limits);
}

bool ListValue::Get(size_t index, std::string_view* out) const {
  if (index >= count_) return false;
  Pos p = PosOf(index);
  uint32_t sz;
  *out = nodes_[p.node]->At(p.off, &sz);
  return true;
}

void ListValue::Set(size_t index, std::string_view element, const ListLimits& limits) {
  const size_t need = Packed(element.size());
  BeforeGrow(need, 1, limits);  // as Redis: checked as if appended
  Pos p = PosOf(index);
  const size_t i = p.node;
  Node* n = nodes_[i];
  uint32_t old;
  n->At(p.off, &old);
  if (need <= old) {
    PutElement(n->buf() + p.off, element);
    if (need < old) CloseGap(i, p.off + static_cast<uint32_t>(need), old - need);
    bytes_ -= old - need;
  } else if (n->count == 1 || !limits.Exceeds(n->live() + (need - old), n->count)) {
    char* gap = OpenGap(i, p.off + old, need - old, false);
    PutElement(gap - old, element);
    bytes_ += need - old;
  } else {
    // Does not fit this node: remove, then insert where it was.
    const uint32_t next = CloseGap(i, p.off, old);
    n = nodes_[i];
    n->count -= 1;
    count_ -= 1;
    bytes_ -= old;
    InsertAt({i, next}, element, limits);
  }
  AfterShrink(limits);
}

bool ListValue::Insert(std::string_view pivot, std::string_view element, bool after,
                       const ListLimits& limits) {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Node* n = nodes_[i];
    for (uint32_t off = n->begin; off < n->end;) {
      uint32_t sz;
      if (n->At(off, &sz) == pivot) {
        BeforeGrow(Packed(element.size()), 1, limits);
        InsertAt({i, after ? off + sz : off}, element, limits);
        return true;
      }
      off += sz;
    }
  }
  return false;
}

size_t ListValue::Remove(std::string_view element, int64_t count, const ListLimits& limits) {
  const bool from_tail = count < 0;
  // Unsigned magnitude without overflowing on INT64_MIN; 0 = no limit.
  const uint64_t limit = from_tail ? uint64_t{0} - static_cast<uint64_t>(count)
                                   : static_cast<uint64_t>(count);
  uint64_t removed = 0;
  std::vector<uint32_t> matches;
  const size_t nn = nodes_.size();
  for (size_t step = 0; step < nn; ++step) {
    if (limit != 0 && removed == limit) break;
    const size_t i = from_tail ? nn - 1 - step : step;
    Node* n = nodes_[i];
    matches.clear();
    for (uint32_t off = n->begin; off < n->end;) {
      uint32_t sz;
      if (n->At(off, &sz) == element) matches.push_back(off);
      off += sz;
    }
    if (matches.empty()) continue;
    // Which matches go: all, the first k (from the head) or the last k.
    size_t first = 0, last = matches.size();
    if (limit != 0) {
      const uint64_t want = limit - removed;
      if (want < matches.size()) {
        if (from_tail) {
          first = matches.size() - want;
        } else {
          last = want;
        }
      }
    }
    // Compact the node in one pass, dropping matches[first, last).
    char* buf = n->buf();
    uint32_t w = matches[first];
    uint32_t r = matches[first];
    for (size_t m = first; m < last; ++m) {
      // Keep [r, matches[m]), drop the match.
      const uint32_t keep = matches[m] - r;
      if (keep > 0 && w != r) std::memmove(buf + w, buf + r, keep);
      w += keep;
      uint32_t sz;
      n->At(matches[m], &sz);
      r = matches[m] + sz;
      bytes_ -= sz;
    }
    std::memmove(buf + w, buf + r, n->end - r);
    n->end = w + (n->end - r);
    const size_t dropped = last - first;
    n->count -= static_cast<uint32_t>(dropped);
    count_ -= dropped;
    removed += dropped;
  }
  if (removed == 0) return 0;
  // Drop empty nodes, shrink sparse ones, and merge neighbours that fit
  // together in one node.
  for (size_t i = 0; i < nodes_.size();) {
    if (nodes_[i]->count == 0) {
      FreeNode(nodes_[i]);
      nodes_.Erase(i);
      continue;
    }
    if (i + 1 < nodes_.size() && nodes_[i + 1]->count > 0 &&
        !limits.Exceeds(nodes_[i]->live() + nodes_[i + 1]->live(),
                        nodes_[i]->count + nodes_[i + 1]->count)) {
      MergeNext(i);
      continue;
    }
    MaybeShrinkNode(i);
    ++i;
  }
  AfterShrink(limits);
  return removed;
}

void ListValue::EraseFront(size_t k) {
  while (k > 0) {
    Node* n = nodes_[0];
    if (n->count <= k) {
      k -= n->count;
      count_ -= n->count;
      bytes_ -= n->live();
      FreeNode(n);
      nodes_.Erase(0);
      continue;
    }
    uint32_t off = n->begin;
    for (size_t j = 0; j < k; ++j) {
      uint32_t sz;
      n->At(off, &sz);
      off += sz;
    }
    bytes_ -= off - n->begin;
    n->begin = off;
    n->count -= static_cast<uint32_t>(k);
    count_ -= k;
    MaybeShrinkNode(0);
    k = 0;
  }
}

void ListValue::EraseBack(size_t k) {
  while (k > 0) {
    const size_t i = nodes_.size() - 1;
    Node* n = nodes_[i];
    if (n->count <= k) {
      k -= n->count;
      count_ -= n->count;
      bytes_ -= n->live();
      FreeNode(n);
      nodes_.Erase(i);
      continue;
    }
    uint32_t off = n->end;
    for (size_t j = 0; j < k; ++j) off = n->Prev(off);
    bytes_ -= n->end - off;
    n->end = off;
    n->count -= static_cast<uint32_t>(k);
    count_ -= k;
    MaybeShrinkNode(i);
    k = 0;
  }
}

void ListValue::Trim(size_t start, size_t stop, const ListLimits& limits) {
  EraseBack(count_ - 1 - stop);
  EraseFront(start);
  AfterShrink(limits);
}

// ---------------------------------------------------------------------------
// Reads.

void ListValue::Range(size_t start, size_t stop, Visitor fn) const {
  Pos p = PosOf(start);
  size_t left = stop - start + 1;
  size_t i = p.node;
  uint32_t off = p.off;
  while (left > 0) {
    const Node* n = nodes_[i];
    if (off == n->end) {
      ++i;
      off = nodes_[i]->begin;
      continue;
    }
    uint32_t sz;
    fn(n->At(off, &sz));
    off += sz;
    --left;
  }
}

void ListValue::Positions(std::string_view element, int64_t rank, size_t count, size_t maxlen,
                          std::vector<int64_t>* out) const {
  const bool forward = rank > 0;
  // Matches to skip; computed without negating INT64_MIN.
  uint64_t skip = forward ? static_cast<uint64_t>(rank) - 1
                          : static_cast<uint64_t>(-(rank + 1));
  size_t scanned = 0;
  const size_t nn = nodes_.size();
  for (size_t step = 0; step < nn; ++step) {
    const size_t i = forward ? step : nn - 1 - step;
    const Node* n = nodes_[i];
    uint32_t off = forward ? n->begin : n->end;
    while (forward ? off < n->end : off > n->begin) {
      if (maxlen != 0 && scanned == maxlen) return;
      uint32_t sz;
      std::string_view v;
      if (forward) {
        v = n->At(off, &sz);
        off += sz;
      } else {
        off = n->Prev(off);
        v = n->At(off, &sz);
      }
      const size_t index = forward ? scanned : count_ - 1 - scanned;
      ++scanned;
      if (v != element) continue;
      if (skip > 0) {
        --skip;
        continue;
      }
      out->push_back(static_cast<int64_t>(index));
      if (count != 0 && out->size() == count) return;
    }
  }
}

// ---------------------------------------------------------------------------
// NodeRing.

ListValue::NodeRing::~NodeRing() {
  if (cap_ > 1) std::free(many_);
}

void ListValue::NodeRing::Resize(uint32_t new_cap) {
  if (new_cap == 1) {
    Node* only = size_ > 0 ? (*this)[0] : nullptr;
    if (cap_ > 1) std::free(many_);
    one_ = only;
  } else {
    auto** fresh = static_cast<Node**>(std::malloc(size_t{new_cap} * sizeof(Node*)));
    if (fresh == nullptr) std::abort();
    for (uint32_t i = 0; i < size_; ++i) fresh[i] = (*this)[i];
    if (cap_ > 1) std::free(many_);
    many_ = fresh;
  }
  cap_ = new_cap;
  head_ = 0;
}

void ListValue::NodeRing::PushBack(Node* n) {
  if (size_ == cap_) Resize(cap_ == 1 ? 4 : cap_ * 2);
  ++size_;
  (*this)[size_ - 1] = n;
}

void ListValue::NodeRing::PushFront(Node* n) {
  if (size_ == cap_) Resize(cap_ == 1 ? 4 : cap_ * 2);
  head_ = (head_ + cap_ - 1) & (cap_ - 1);
  ++size_;
  slots()[head_] = n;
}

void ListValue::NodeRing::Insert(size_t i, Node* n) {
  if (i == 0) return PushFront(n);
  PushBack(n);
  for (size_t j = size_ - 1; j > i; --j) (*this)[j] = (*this)[j - 1];
  (*this)[i] = n;
}

void ListValue::NodeRing::Erase(size_t i) {
  if (i == 0) {
    head_ = (head_ + 1) & (cap_ - 1);
  } else {
    for (size_t j = i; j + 1 < size_; ++j) (*this)[j] = (*this)[j + 1];
  }
  --size_;
  if (cap_ > 1 && size_ <= 1) {
    Resize(1);
  } else if (cap_ > 8 && size_ * 8 <= cap_) {
    Resize(cap_ / 4);
  }
}

void ListValue::NodeRing::Clear() {
  if (cap_ > 1) std::free(many_);
  one_ = nullptr;
  cap_ = 1;
  head_ = 0;
  size_ = 0;
}

size_t ListValue::NodeRing::HeapBytes() const {
  return cap_ > 1 ? malloc_usable_size(many_) : 0;
}

}  // namespace shoal
