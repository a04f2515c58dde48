// HashValue: the two encodings of a hash (see hash_value.h for the design).
//
// Pair codec, shared by both encodings: [varint flen][field][varint vlen][value]
// with LEB128 varints (one byte up to 127, five for any 32-bit length).
#include "server/types/hash_value.h"

#include <malloc.h>
#include <xxhash.h>

#include <cstdlib>
#include <cstring>
#include <random>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "server/types/varint.h"

namespace shoal {
namespace {

void* Xmalloc(size_t n) {
  void* p = std::malloc(n);
  if (p == nullptr) std::abort();
  return p;
}

void* Xrealloc(void* old, size_t n) {
  void* p = std::realloc(old, n);
  if (p == nullptr) std::abort();
  return p;
}

void* Xcalloc(size_t n, size_t size) {
  void* p = std::calloc(n, size);
  if (p == nullptr) std::abort();
  return p;
}

size_t Usable(const void* p) { return p == nullptr ? 0 : malloc_usable_size(const_cast<void*>(p)); }

size_t PairLen(std::string_view f, std::string_view v) {
  return VarintLen(f.size()) + f.size() + VarintLen(v.size()) + v.size();
}

char* PutBytes(char* p, std::string_view s) {
  p = PutVarint(p, s.size());
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

char* PutPair(char* p, std::string_view f, std::string_view v) {
  return PutBytes(PutBytes(p, f), v);
}

const char* GetBytes(const char* p, std::string_view* out) {
  uint64_t n;
  p = GetVarint(p, &n);
  *out = std::string_view(p, n);
  return p + n;
}

const char* GetPair(const char* p, std::string_view* f, std::string_view* v) {
  return GetBytes(GetBytes(p, f), v);
}

bool SameBytes(std::string_view a, std::string_view b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

// Smallest bucket-count exponent (at least 2: four buckets) whose table holds
// n pairs at load factor 1.
unsigned BitsFor(size_t n) {
  unsigned bits = 2;
  while ((size_t{1} << bits) < n) ++bits;
  return bits;
}

uint64_t ReverseBits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((v & 0x0F0F0F0F0F0F0F0FULL) << 4);
  return __builtin_bswap64(v);
}

uint64_t MakeSeed() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

// Per process; set before main, read-only afterwards.
const uint64_t kHashSeed = MakeSeed();

using PairView = std::pair<std::string_view, std::string_view>;

}  // namespace

// A table node: the next pointer, then the encoded pair.
struct HashValue::Node {
  Node* next;
  char* pair() { return reinterpret_cast<char*>(this + 1); }
  const char* pair() const { return reinterpret_cast<const char*>(this + 1); }
  std::string_view field() const {
    std::string_view f;
    GetBytes(pair(), &f);
    return f;
  }
  static Node* New(std::string_view f, std::string_view v) {
    Node* n = static_cast<Node*>(Xmalloc(sizeof(Node) + PairLen(f, v)));
    n->next = nullptr;
    PutPair(n->pair(), f, v);
    return n;
  }
};

HashValue::~HashValue() {
  if (table_) {
    Node** b = static_cast<Node**>(data_);
    for (size_t i = 0; i <= mask(); ++i) {
      for (Node* n = b[i]; n != nullptr;) {
        Node* next = n->next;
        std::free(n);
        n = next;
      }
    }
  }
  std::free(data_);
}

size_t HashValue::MemoryBytes() const {
  return sizeof(HashValue) + Usable(data_) + (table_ ? aux_ : 0);
}

const char* HashValue::EncodingName() const { return table_ ? "hashtable" : "listpack"; }

CompoundValue* HashValue::Clone() const {
  auto* c = new HashValue;
  c->count_ = count_;
  if (!table_) {
    if (aux_ > 0) {
      c->data_ = Xmalloc(aux_);
      std::memcpy(c->data_, data_, aux_);
    }
    c->aux_ = aux_;
    return c;
  }
  c->table_ = true;
  c->bits_ = bits_;
  c->max_chain_ = max_chain_;
  const size_t buckets = mask() + 1;
  Node** src = static_cast<Node**>(data_);
  Node** dst = static_cast<Node**>(Xcalloc(buckets, sizeof(Node*)));
  c->data_ = dst;
  for (size_t i = 0; i < buckets; ++i) {
    Node** tail = &dst[i];
    for (const Node* n = src[i]; n != nullptr; n = n->next) {
      const size_t len = Usable(n);
      Node* copy = static_cast<Node*>(Xmalloc(len));
      std::memcpy(copy, n, len);
      copy->next = nullptr;
      c->aux_ += Usable(copy);
      *tail = copy;
      tail = &copy->next;
    }
  }
  return c;
}

// ---------------------------------------------------------------------------
// Reads.

bool HashValue::Get(std::string_view field, std::string_view* value) const {
  if (!table_) {
    size_t offset, pair_len;
    return CompactFind(field, &offset, &pair_len, value);
  }
  Node** link = FindLink(field, HashOf(field));
  if (link == nullptr) return false;
  if (value != nullptr) {
    std::string_view f;
    GetPair((*link)->pair(), &f, value);
  }
  return true;
}

void HashValue::ForEach(Visitor fn) const {
  if (!table_) {
    const char* p = static_cast<const char*>(data_);
    const char* end = p + aux_;
    while (p < end) {
      std::string_view f, v;
      p = GetPair(p, &f, &v);
      fn(f, v);
    }
    return;
  }
  Node** b = static_cast<Node**>(data_);
  for (size_t i = 0; i <= mask(); ++i) {
    for (const Node* n = b[i]; n != nullptr; n = n->next) {
      std::string_view f, v;
      GetPair(n->pair(), &f, &v);
      fn(f, v);
    }
  }
}

// The reverse-binary cursor: the low bits select a bucket; the next cursor
// increments the bits above the mask first (by reversing, adding one and
// reversing back). A pair in bucket i of a table of 2^k buckets lives, after
// a resize to 2^j buckets, in the buckets whose low min(k, j) bits equal i's,
// which this order visits together, so no pair present throughout is missed.
uint64_t HashValue::Scan(uint64_t cursor, size_t count, Visitor fn) const {
  if (!table_) {
    ForEach(fn);
    return 0;
  }
  if (count == 0) count = 1;
  // Like Redis, bound the empty buckets one call may walk.
  size_t budget = count > SIZE_MAX / 10 ? SIZE_MAX : count * 10;
  const uint64_t m = mask();
  Node** b = static_cast<Node**>(data_);
  uint64_t v = cursor;
  size_t visited = 0;
  do {
    for (const Node* n = b[v & m]; n != nullptr; n = n->next) {
      std::string_view f, val;
      GetPair(n->pair(), &f, &val);
      fn(f, val);
      ++visited;
    }
    v |= ~m;
    v = ReverseBits(v);
    ++v;
    v = ReverseBits(v);
  } while (v != 0 && --budget > 0 && visited < count);
  return v;
}

// A uniform pick: draw a (bucket, depth) cell out of buckets × max_chain_
// until one holds a node, so every pair has the same chance whatever the
// length of its chain (picking a bucket, then a node in it, would favour the
// pairs of short chains). The load factor stays in [1/8, 1] (Delete shrinks
// a sparse table) and chains are short, so a draw succeeds every few tries.
void HashValue::RandomTablePair(RandomSource rng, std::string_view* field,
                                std::string_view* value) const {
  Node** b = static_cast<Node**>(data_);
  const uint64_t depths = max_chain_ == 0 ? 1 : max_chain_;
  for (;;) {
    const uint64_t r = rng();
    const Node* n = b[r & mask()];
    for (uint64_t d = (r >> bits_) % depths; n != nullptr && d > 0; --d) n = n->next;
    if (n != nullptr) {
      GetPair(n->pair(), field, value);
      return;
    }
  }
}

void HashValue::RandomPairs(uint64_t count, bool distinct, RandomSource rng, Visitor fn) const {
  if (count == 0 || count_ == 0) return;
  std::vector<PairView> all;
  auto collect = [&] {
    all.reserve(count_);
    ForEach([&](std::string_view f, std::string_view v) { all.emplace_back(f, v); });
  };
  if (!distinct || count == 1) {
    if (table_) {
      for (uint64_t i = 0; i < count; ++i) {
        std::string_view f, v;
        RandomTablePair(rng, &f, &v);
        fn(f, v);
      }
    } else {
      collect();
      for (uint64_t i = 0; i < count; ++i) {
        const PairView& p = all[rng() % all.size()];
        fn(p.first, p.second);
      }
    }
    return;
  }
  if (count >= count_) return ForEach(fn);
  if (!table_ || count * 3 > count_) {
    // A partial Fisher-Yates shuffle over every pair.
    collect();
    for (size_t i = 0; i < count; ++i) {
      const size_t j = i + rng() % (all.size() - i);
      std::swap(all[i], all[j]);
      fn(all[i].first, all[i].second);
    }
    return;
  }
  // Few out of many: draw until `count` different fields came up. Field
  // bytes are stable while we read, so their address identifies a pair.
  absl::flat_hash_set<const char*> seen;
  seen.reserve(count);
  while (seen.size() < count) {
    std::string_view f, v;
    RandomTablePair(rng, &f, &v);
    if (seen.insert(f.data()).second) fn(f, v);
  }
}

// ---------------------------------------------------------------------------
// Writes.

bool HashValue::Set(std::string_view field, std::string_view value, const HashLimits& limits) {
  if (!table_) {
    if (field.size() > limits.max_value || value.size() > limits.max_value) {
      ConvertToTable();
    } else {
      const bool created = CompactSet(field, value);
      if (count_ > limits.max_entries) ConvertToTable();
      return created;
    }
  }
  return TableSet(field, value);
}

bool HashValue::Delete(std::string_view field) {
  return table_ ? TableDelete(field) : CompactDelete(field);
}

// ---------------------------------------------------------------------------
// Compact encoding.

bool HashValue::CompactFind(std::string_view field, size_t* offset, size_t* pair_len,
                            std::string_view* value) const {
  const char* base = static_cast<const char*>(data_);
  const char* p = base;
  const char* end = base + aux_;
  while (p < end) {
    const char* start = p;
    std::string_view f, v;
    p = GetPair(p, &f, &v);
    if (SameBytes(f, field)) {
      *offset = static_cast<size_t>(start - base);
      *pair_len = static_cast<size_t>(p - start);
      if (value != nullptr) *value = v;
      return true;
    }
  }
  return false;
}

void HashValue::Splice(size_t offset, size_t old_len, size_t new_len) {
  char* buf = static_cast<char*>(data_);
  const size_t tail = aux_ - offset - old_len;
  const size_t used = aux_ - old_len + new_len;
  if (new_len > old_len) {
    if (used > Usable(buf)) {
      buf = static_cast<char*>(Xrealloc(buf, used));
      data_ = buf;
    }
    if (tail > 0) std::memmove(buf + offset + new_len, buf + offset + old_len, tail);
  } else if (new_len < old_len) {
    if (tail > 0) std::memmove(buf + offset + new_len, buf + offset + old_len, tail);
    if (used == 0) {
      std::free(buf);
      data_ = nullptr;
    } else if (Usable(buf) > 2 * used + 64) {
      data_ = Xrealloc(buf, used);  // give back the slack after big deletes
    }
  }
  aux_ = used;
}

bool HashValue::CompactSet(std::string_view field, std::string_view value) {
  size_t offset, pair_len;
  std::string_view old;
  if (CompactFind(field, &offset, &pair_len, &old)) {
    if (old.size() == value.size()) {
      if (!value.empty()) std::memmove(const_cast<char*>(old.data()), value.data(), value.size());
      return false;
    }
    Splice(offset, pair_len, PairLen(field, value));
    PutPair(static_cast<char*>(data_) + offset, field, value);
    return false;
  }
  const size_t offset_end = aux_;
  Splice(offset_end, 0, PairLen(field, value));
  PutPair(static_cast<char*>(data_) + offset_end, field, value);
  ++count_;
  return true;
}

bool HashValue::CompactDelete(std::string_view field) {
  size_t offset, pair_len;
  if (!CompactFind(field, &offset, &pair_len, nullptr)) return false;
  Splice(offset, pair_len, 0);
  --count_;
  return true;
}

void HashValue::ConvertToTable() {
  char* buf = static_cast<char*>(data_);
  const size_t used = aux_;
  bits_ = static_cast<uint8_t>(BitsFor(count_));
  data_ = Xcalloc(size_t{1} << bits_, sizeof(Node*));
  table_ = true;
  aux_ = 0;
  const char* p = buf;
  const char* end = buf + used;
  while (p < end) {
    std::string_view f, v;
    p = GetPair(p, &f, &v);
    Node* n = Node::New(f, v);
    aux_ += Usable(n);
    LinkNew(n, HashOf(f));
  }
  std::free(buf);
  RecomputeMaxChain();
}

// ---------------------------------------------------------------------------
// Table encoding.

uint64_t HashValue::HashOf(std::string_view field) {
  return XXH3_64bits_withSeed(field.data(), field.size(), kHashSeed);
}

HashValue::Node** HashValue::FindLink(std::string_view field, uint64_t h) const {
  Node** link = &static_cast<Node**>(data_)[h & mask()];
  while (*link != nullptr) {
    if (SameBytes((*link)->field(), field)) return link;
    link = &(*link)->next;
  }
  return nullptr;
}

void HashValue::LinkNew(Node* n, uint64_t h) {
  Node** head = &static_cast<Node**>(data_)[h & mask()];
  n->next = *head;
  *head = n;
}

bool HashValue::TableSet(std::string_view field, std::string_view value) {
  const uint64_t h = HashOf(field);
  if (Node** link = FindLink(field, h)) {
    Node* n = *link;
    const size_t have = Usable(n);
    const size_t need = sizeof(Node) + PairLen(field, value);
    if (need <= have && have <= 2 * need + 32) {
      // Rewrite the value in place; the field part is unchanged.
      PutBytes(n->pair() + VarintLen(field.size()) + field.size(), value);
      return false;
    }
    Node* fresh = Node::New(field, value);
    fresh->next = n->next;
    *link = fresh;
    aux_ += Usable(fresh);
    aux_ -= have;
    std::free(n);
    return false;
  }
  if (count_ + 1 > mask() + 1) Rehash(bits_ + 1);
  Node* n = Node::New(field, value);
  aux_ += Usable(n);
  LinkNew(n, h);
  ++count_;
  if (max_chain_ < 255) {
    unsigned len = 0;
    for (const Node* x = n; x != nullptr && len < 255; x = x->next) ++len;
    if (len > max_chain_) max_chain_ = static_cast<uint8_t>(len);
  }
  return true;
}

bool HashValue::TableDelete(std::string_view field) {
  Node** link = FindLink(field, HashOf(field));
  if (link == nullptr) return false;
  Node* n = *link;
  *link = n->next;
  aux_ -= Usable(n);
  std::free(n);
  --count_;
  if (bits_ > 2 && count_ * 8 < mask() + 1) Rehash(BitsFor(count_));
  return true;
}

void HashValue::Rehash(unsigned bits) {
  Node** old = static_cast<Node**>(data_);
  const size_t old_buckets = mask() + 1;
  data_ = Xcalloc(size_t{1} << bits, sizeof(Node*));
  bits_ = static_cast<uint8_t>(bits);
  for (size_t i = 0; i < old_buckets; ++i) {
    for (Node* n = old[i]; n != nullptr;) {
      Node* next = n->next;
      LinkNew(n, HashOf(n->field()));
      n = next;
    }
  }
  std::free(old);
  RecomputeMaxChain();
}

void HashValue::RecomputeMaxChain() {
  Node** b = static_cast<Node**>(data_);
  unsigned longest = 0;
  for (size_t i = 0; i <= mask(); ++i) {
    unsigned len = 0;
    for (const Node* n = b[i]; n != nullptr && len < 255; n = n->next) ++len;
    if (len > longest) longest = len;
  }
  max_chain_ = static_cast<uint8_t>(longest);
}

}  // namespace shoal
