// SetValue: the three encodings of a set (see set_value.h for the design).
//
// Table slot words: 0 = empty; low bit 1 = a member of up to 7 bytes stored
// in the word itself (byte 0: length << 1 | 1, bytes 1..7: the member, the
// rest zero, so two inline words are equal exactly when their members are);
// low bit 0 = a pointer to a malloc'd [varint length][bytes] (malloc's
// alignment keeps the bit clear). Reading an inline member gives a view into
// the slot, so views must be taken from the table, never from a copy.
#include "server/commands/set_value.h"

#include <malloc.h>
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "server/store/entry.h"

namespace shoal {
namespace {

static_assert(std::endian::native == std::endian::little,
              "inline set members rely on the low byte of a slot word coming first");

constexpr unsigned kMinBits = 3;      // 8 slots
constexpr unsigned kCursorBits = 32;  // SSCAN cursors are 32-bit hash prefixes
constexpr size_t kMaxInline = 7;

void* Xmalloc(size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) std::abort();
  return p;
}

void* Xrealloc(void* old, size_t n) {
  void* p = std::realloc(old, n == 0 ? 1 : n);
  if (p == nullptr) std::abort();
  return p;
}

void* Xcalloc(size_t n, size_t size) {
  void* p = std::calloc(n, size);
  if (p == nullptr) std::abort();
  return p;
}

size_t Usable(const void* p) { return p == nullptr ? 0 : malloc_usable_size(const_cast<void*>(p)); }

// Grows a buffer to hold at least `need` bytes, keeping its contents.
void* Reserve(void* p, size_t need) {
  if (Usable(p) >= need) return p;
  return Xrealloc(p, need);
}

size_t VarintLen(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

char* PutVarint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

const char* GetVarint(const char* p, uint64_t* out) {
  uint64_t v = 0;
  int shift = 0;
  for (;;) {
    const uint8_t b = static_cast<uint8_t>(*p++);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
    shift += 7;
  }
  *out = v;
  return p;
}

// [varint len][bytes] at p; *total gets the encoded length.
std::string_view ReadPacked(const char* p, size_t* total) {
  uint64_t len;
  const char* data = GetVarint(p, &len);
  *total = static_cast<size_t>(data - p) + len;
  return {data, static_cast<size_t>(len)};
}

char* WritePacked(char* p, std::string_view s) {
  p = PutVarint(p, s.size());
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// ---- Slot words ----

bool IsInline(uint64_t w) { return w & 1; }

uint64_t InlineWord(std::string_view m) {
  uint64_t w = 0;
  char* b = reinterpret_cast<char*>(&w);
  b[0] = static_cast<char>((m.size() << 1) | 1);
  if (!m.empty()) std::memcpy(b + 1, m.data(), m.size());
  return w;
}

// The member of a non-empty slot (a reference into the table).
std::string_view WordView(const uint64_t& w) {
  if (IsInline(w)) {
    const char* b = reinterpret_cast<const char*>(&w);
    return {b + 1, static_cast<size_t>(static_cast<uint8_t>(b[0]) >> 1)};
  }
  size_t total;
  return ReadPacked(reinterpret_cast<const char*>(w), &total);
}

// Builds the word of a new member; *heap grows by the allocation's size.
uint64_t MakeWord(std::string_view m, size_t* heap) {
  if (m.size() <= kMaxInline) return InlineWord(m);
  char* p = static_cast<char*>(Xmalloc(VarintLen(m.size()) + m.size()));
  WritePacked(p, m);
  *heap += Usable(p);
  return reinterpret_cast<uint64_t>(p);
}

void FreeWord(uint64_t w, size_t* heap) {
  if (w == 0 || IsInline(w)) return;
  void* p = reinterpret_cast<void*>(w);
  *heap -= Usable(p);
  std::free(p);
}

uint64_t MakeSeed() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

const uint64_t kHashSeed = MakeSeed();

// Decimal form of v into buf (>= 21 bytes).
std::string_view FormatInt(int64_t v, char* buf) {
  auto res = std::to_chars(buf, buf + 24, v);
  return {buf, static_cast<size_t>(res.ptr - buf)};
}

uint8_t WidthFor(int64_t v) {
  if (v >= std::numeric_limits<int16_t>::min() && v <= std::numeric_limits<int16_t>::max()) {
    return 2;
  }
  if (v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max()) {
    return 4;
  }
  return 8;
}

// Uniform-enough index in [0, n) (n > 0); the modulo bias is below 2^-40
// for any set that fits in memory.
size_t Below(SetValue::RandomSource rng, size_t n) { return static_cast<size_t>(rng() % n); }

// The first k entries of idx become a uniform random k-subset (partial
// Fisher-Yates).
void PickPrefix(std::vector<uint32_t>* idx, size_t k, SetValue::RandomSource rng) {
  const size_t n = idx->size();
  for (size_t i = 0; i < k && i + 1 < n; ++i) {
    std::swap((*idx)[i], (*idx)[i + Below(rng, n - i)]);
  }
}

std::vector<uint32_t> Iota(size_t n) {
  std::vector<uint32_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint32_t>(i);
  return v;
}

}  // namespace

// ---------------------------------------------------------------------------
// Lifetime and CompoundValue.

SetValue* SetValue::CreateFor(std::string_view first, size_t size_hint, const SetLimits& limits) {
  auto* s = new SetValue();
  int64_t v;
  if (ParseInt64Strict(first, &v) && size_hint <= limits.max_intset_entries) return s;
  if (size_hint <= limits.max_listpack_entries) {
    s->kind_ = Kind::kListpack;
    return s;
  }
  s->ConvertTo(Kind::kTable, size_hint);
  return s;
}

SetValue::~SetValue() {
  if (kind_ == Kind::kTable) {
    const size_t cap = size_t{1} << bits_;
    for (size_t i = 0; i < cap; ++i) FreeWord(slots()[i], &aux_);
  }
  std::free(data_);
}

size_t SetValue::MemoryBytes() const {
  size_t bytes = Usable(this) + Usable(data_);
  if (kind_ == Kind::kTable) bytes += aux_;
  return bytes;
}

CompoundValue* SetValue::Clone() const {
  auto* c = new SetValue();
  c->kind_ = kind_;
  c->width_ = width_;
  c->bits_ = bits_;
  c->count_ = count_;
  if (kind_ == Kind::kTable) {
    const size_t cap = size_t{1} << bits_;
    c->data_ = Xcalloc(cap, sizeof(uint64_t));
    for (size_t i = 0; i < cap; ++i) {
      const uint64_t w = slots()[i];
      c->slots()[i] = (w == 0 || IsInline(w)) ? w : MakeWord(WordView(slots()[i]), &c->aux_);
    }
  } else {
    c->aux_ = aux_;
    if (aux_ > 0) {
      c->data_ = Xmalloc(aux_);
      std::memcpy(c->data_, data_, aux_);
    }
  }
  return c;
}

const char* SetValue::EncodingName() const {
  switch (kind_) {
    case Kind::kIntSet:
      return "intset";
    case Kind::kListpack:
      return "listpack";
    case Kind::kTable:
      break;
  }
  return "hashtable";
}

// ---------------------------------------------------------------------------
// Public operations.

bool SetValue::Contains(std::string_view member) const {
  switch (kind_) {
    case Kind::kIntSet: {
      int64_t v;
      size_t pos;
      return ParseInt64Strict(member, &v) && IntFind(v, &pos);
    }
    case Kind::kListpack: {
      size_t off, len;
      return PackFind(member, &off, &len);
    }
    case Kind::kTable:
      break;
  }
  size_t pos;
  return TableFind(member, &pos);
}

bool SetValue::Add(std::string_view member, const SetLimits& limits) {
  if (kind_ == Kind::kIntSet) {
    int64_t v;
    if (ParseInt64Strict(member, &v)) {
      if (!IntAdd(v)) return false;
      if (count_ > limits.max_intset_entries) ConvertTo(Kind::kTable, count_);
      return true;
    }
    // A non-integer is never in an intset: convert, then add below.
    const bool fits = count_ < limits.max_listpack_entries &&
                      member.size() <= limits.max_listpack_value &&
                      static_cast<size_t>(IntDigitsMax()) <= limits.max_listpack_value;
    ConvertTo(fits ? Kind::kListpack : Kind::kTable, count_ + 1);
  }
  if (kind_ == Kind::kListpack) {
    size_t off, len;
    if (PackFind(member, &off, &len)) return false;
    if (count_ < limits.max_listpack_entries && member.size() <= limits.max_listpack_value) {
      PackAppend(member);
      return true;
    }
    ConvertTo(Kind::kTable, count_ + 1);
  }
  size_t pos;
  if (TableFind(member, &pos)) return false;
  TableInsertNew(MakeWord(member, &aux_), HashOf(member));
  return true;
}

bool SetValue::Remove(std::string_view member) {
  switch (kind_) {
    case Kind::kIntSet: {
      int64_t v;
      size_t pos;
      if (!ParseInt64Strict(member, &v) || !IntFind(v, &pos)) return false;
      IntRemoveAt(pos);
      return true;
    }
    case Kind::kListpack: {
      size_t off, len;
      if (!PackFind(member, &off, &len)) return false;
      PackErase(off, len);
      return true;
    }
    case Kind::kTable:
      break;
  }
  size_t pos;
  if (!TableFind(member, &pos)) return false;
  TableEraseAt(pos);
  MaybeShrink();
  return true;
}

void SetValue::PrepareForAdds(size_t size_hint, const SetLimits& limits) {
  if ((kind_ == Kind::kListpack && size_hint > limits.max_listpack_entries) ||
      (kind_ == Kind::kIntSet && size_hint > limits.max_intset_entries)) {
    ConvertTo(Kind::kTable, std::max(size_hint, count_));
  }
}

void SetValue::ForEach(Visitor fn) const {
  switch (kind_) {
    case Kind::kIntSet: {
      char buf[24];
      for (size_t i = 0; i < count_; ++i) fn(FormatInt(IntAt(i), buf));
      return;
    }
    case Kind::kListpack: {
      const char* p = static_cast<const char*>(data_);
      size_t off = 0;
      while (off < aux_) {
        size_t total;
        std::string_view m = ReadPacked(p + off, &total);
        fn(m);
        off += total;
      }
      return;
    }
    case Kind::kTable:
      break;
  }
  const size_t cap = size_t{1} << bits_;
  for (size_t i = 0; i < cap; ++i) {
    if (slots()[i] != 0) fn(WordView(slots()[i]));
  }
}

// The table is in hash order: a member sits in its home slot (the top bits
// of its hash) or, displaced, further along the same run of occupied slots
// (wrapping at the table's end). A step returns the members whose homes are
// in [a, end): phase 1 walks positions a.. and picks `end` once `count`
// members were returned; phase 2 finishes the run that crosses `end`, whose
// members may have been displaced from homes below `end`. A member found at
// a position below its home wrapped around the table's end: phase 1 leaves
// it to phase 2, which reaches it only then. Members whose 32-bit hash prefix
// is below the cursor were returned by an earlier step (the table may have
// shrunk since, making home a cover hashes on both sides of the cursor).
uint64_t SetValue::Scan(uint64_t cursor, size_t count, Visitor fn) const {
  if (kind_ != Kind::kTable) {
    ForEach(fn);
    return 0;
  }
  if (cursor >= (uint64_t{1} << kCursorBits)) return 0;
  const unsigned shift = kCursorBits - bits_;
  const size_t cap = size_t{1} << bits_;
  const size_t a = static_cast<size_t>(cursor >> shift);
  size_t end = cap;
  size_t seen = 0;
  // Visits the member at pos when its home is in [a, end_home), and, for a
  // position phase 1 already walked, only if phase 1 skipped it (wrapped).
  auto visit = [&](size_t pos, size_t end_home, bool walked) {
    const uint64_t& w = slots()[pos];
    std::string_view m = WordView(w);
    const uint64_t h = HashOf(m);
    const size_t home = HomeOf(h);
    if (home < a || home >= end_home || (h >> (64 - kCursorBits)) < cursor) return;
    if (walked && home <= pos) return;
    ++seen;
    fn(m);
  };
  for (size_t p = a; p < cap; ++p) {
    if (p > a && seen >= count) {
      end = p;
      break;
    }
    if (slots()[p] != 0) visit(p, p + 1, false);
  }
  for (size_t k = 0; k < cap; ++k) {
    const size_t pos = (end + k) & mask();
    if (slots()[pos] == 0) break;
    visit(pos, end, pos >= a && pos < end);
  }
  return end == cap ? 0 : static_cast<uint64_t>(end) << shift;
}

void SetValue::RandomMembers(uint64_t count, bool distinct, RandomSource rng, Visitor fn) const {
  const size_t n = count_;
  if (n == 0 || count == 0) return;
  if (distinct && count >= n) {
    ForEach(fn);
    return;
  }
  char buf[24];
  switch (kind_) {
    case Kind::kIntSet: {
      if (!distinct) {
        for (uint64_t i = 0; i < count; ++i) fn(FormatInt(IntAt(Below(rng, n)), buf));
        return;
      }
      std::vector<uint32_t> idx = Iota(n);
      PickPrefix(&idx, count, rng);
      for (uint64_t i = 0; i < count; ++i) fn(FormatInt(IntAt(idx[i]), buf));
      return;
    }
    case Kind::kListpack: {
      const char* p = static_cast<const char*>(data_);
      size_t total;
      if (count == 1) {  // SRANDMEMBER without a count: no index needed
        fn(ReadPacked(p + PackOffsetOf(Below(rng, n)), &total));
        return;
      }
      std::vector<uint32_t> offs(n);
      PackOffsets(offs.data());
      if (!distinct) {
        for (uint64_t i = 0; i < count; ++i) fn(ReadPacked(p + offs[Below(rng, n)], &total));
        return;
      }
      PickPrefix(&offs, count, rng);
      for (uint64_t i = 0; i < count; ++i) fn(ReadPacked(p + offs[i], &total));
      return;
    }
    case Kind::kTable:
      break;
  }
  if (!distinct) {
    for (uint64_t i = 0; i < count; ++i) fn(WordView(slots()[RandomSlot(rng)]));
    return;
  }
  if (count * 3 > n) {
    // Many of the members: shuffle the occupied positions.
    std::vector<uint32_t> pos = OccupiedSlots();
    PickPrefix(&pos, count, rng);
    for (uint64_t i = 0; i < count; ++i) fn(WordView(slots()[pos[i]]));
    return;
  }
  // Few: draw slots, skipping those already drawn.
  absl::flat_hash_set<size_t> drawn;
  drawn.reserve(count);
  while (drawn.size() < count) {
    const size_t p = RandomSlot(rng);
    if (drawn.insert(p).second) fn(WordView(slots()[p]));
  }
}

void SetValue::PopRandom(uint64_t count, RandomSource rng, Visitor fn) {
  if (count == 0 || count_ == 0) return;
  if (count >= count_) {
    ForEach(fn);
    if (kind_ == Kind::kTable) {
      const size_t cap = size_t{1} << bits_;
      for (size_t i = 0; i < cap; ++i) {
        FreeWord(slots()[i], &aux_);
        slots()[i] = 0;
      }
    } else {
      aux_ = 0;
    }
    count_ = 0;
    return;
  }
  if (kind_ == Kind::kTable) {
    TablePop(count, rng, fn);
  } else {
    CompactPop(count, rng, fn);
  }
}

void SetValue::CompactPop(uint64_t count, RandomSource rng, Visitor fn) {
  const size_t n = count_;
  char buf[24];
  if (count == 1) {  // plain SPOP
    const size_t i = Below(rng, n);
    if (kind_ == Kind::kIntSet) {
      fn(FormatInt(IntAt(i), buf));
      IntRemoveAt(i);
    } else {
      const size_t off = PackOffsetOf(i);
      size_t total;
      fn(ReadPacked(static_cast<const char*>(data_) + off, &total));
      PackErase(off, total);
    }
    return;
  }
  // Choose the victims, visit them, then compact the buffer once.
  std::vector<uint32_t> idx = Iota(n);
  PickPrefix(&idx, count, rng);
  std::vector<bool> gone(n, false);
  for (uint64_t i = 0; i < count; ++i) gone[idx[i]] = true;
  if (kind_ == Kind::kIntSet) {
    for (uint64_t i = 0; i < count; ++i) fn(FormatInt(IntAt(idx[i]), buf));
    size_t out = 0;
    for (size_t i = 0; i < n; ++i) {
      if (!gone[i]) IntPut(out++, IntAt(i));
    }
    count_ = out;
    aux_ = out * width_;
    return;
  }
  std::vector<uint32_t> offs(n);
  PackOffsets(offs.data());
  char* p = static_cast<char*>(data_);
  size_t total;
  for (uint64_t i = 0; i < count; ++i) fn(ReadPacked(p + offs[idx[i]], &total));
  size_t out = 0;
  for (size_t i = 0; i < n; ++i) {
    ReadPacked(p + offs[i], &total);
    if (gone[i]) continue;
    std::memmove(p + out, p + offs[i], total);
    out += total;
  }
  count_ -= count;
  aux_ = out;
}

void SetValue::TablePop(uint64_t count, RandomSource rng, Visitor fn) {
  const size_t keep = count_ - count;
  if (keep * 5 > count) {
    // Keeping most of the set: pop one at a time.
    for (uint64_t i = 0; i < count; ++i) {
      const size_t p = RandomSlot(rng);
      fn(WordView(slots()[p]));
      TableEraseAt(p);
      MaybeShrink();
    }
    return;
  }
  // Keeping a few: move the keepers into a new table, drop the rest.
  std::vector<uint32_t> pos = OccupiedSlots();
  PickPrefix(&pos, keep, rng);
  uint64_t* old = slots();
  const size_t old_cap = size_t{1} << bits_;
  const unsigned new_bits = BitsFor(keep * 2);
  data_ = Xcalloc(size_t{1} << new_bits, sizeof(uint64_t));
  bits_ = static_cast<uint8_t>(new_bits);
  count_ = 0;
  for (size_t i = 0; i < keep; ++i) {
    // Hash from the old slot (inline members are views into it).
    TableInsertNew(old[pos[i]], HashOf(WordView(old[pos[i]])));
    old[pos[i]] = 0;
  }
  for (size_t i = 0; i < old_cap; ++i) {
    if (old[i] == 0) continue;
    fn(WordView(old[i]));
    FreeWord(old[i], &aux_);
  }
  std::free(old);
}

// ---------------------------------------------------------------------------
// intset

int64_t SetValue::IntAt(size_t i) const { return LoadInt(data_, i, width_); }

int64_t SetValue::LoadInt(const void* base, size_t i, uint8_t width) {
  const char* p = static_cast<const char*>(base) + i * width;
  switch (width) {
    case 2: {
      int16_t v;
      std::memcpy(&v, p, 2);
      return v;
    }
    case 4: {
      int32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    default: {
      int64_t v;
      std::memcpy(&v, p, 8);
      return v;
    }
  }
}

void SetValue::IntPut(size_t i, int64_t v) {
  char* p = static_cast<char*>(data_) + i * width_;
  switch (width_) {
    case 2: {
      const int16_t x = static_cast<int16_t>(v);
      std::memcpy(p, &x, 2);
      return;
    }
    case 4: {
      const int32_t x = static_cast<int32_t>(v);
      std::memcpy(p, &x, 4);
      return;
    }
    default:
      std::memcpy(p, &v, 8);
  }
}

bool SetValue::IntFind(int64_t v, size_t* pos) const {
  if (WidthFor(v) > width_) {  // out of every member's range
    *pos = v < 0 ? 0 : count_;
    return false;
  }
  size_t lo = 0, hi = count_;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    const int64_t x = IntAt(mid);
    if (x == v) {
      *pos = mid;
      return true;
    }
    if (x < v) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  *pos = lo;
  return false;
}

bool SetValue::IntAdd(int64_t v) {
  const uint8_t w = WidthFor(v);
  if (w > width_) {
    // Wider than every member, so smaller or larger than all of them.
    const uint8_t old_width = width_;
    void* old = data_;
    const size_t n = count_;
    data_ = Xmalloc((n + 1) * w);
    width_ = w;
    const size_t first = v < 0 ? 1 : 0;
    for (size_t i = 0; i < n; ++i) IntPut(first + i, LoadInt(old, i, old_width));
    IntPut(v < 0 ? 0 : n, v);
    std::free(old);
    ++count_;
    aux_ = count_ * width_;
    return true;
  }
  size_t pos;
  if (IntFind(v, &pos)) return false;
  data_ = Reserve(data_, (count_ + 1) * width_);
  char* base = static_cast<char*>(data_);
  std::memmove(base + (pos + 1) * width_, base + pos * width_, (count_ - pos) * width_);
  IntPut(pos, v);
  ++count_;
  aux_ = count_ * width_;
  return true;
}

void SetValue::IntRemoveAt(size_t pos) {
  char* base = static_cast<char*>(data_);
  std::memmove(base + pos * width_, base + (pos + 1) * width_, (count_ - pos - 1) * width_);
  --count_;
  aux_ = count_ * width_;
  if (Usable(data_) > 2 * aux_ + 64) data_ = Xrealloc(data_, aux_);
}

int SetValue::IntDigitsMax() const {
  if (count_ == 0) return 0;
  char buf[24];
  return static_cast<int>(
      std::max(FormatInt(IntAt(0), buf).size(), FormatInt(IntAt(count_ - 1), buf).size()));
}

// ---------------------------------------------------------------------------
// listpack

bool SetValue::PackFind(std::string_view m, size_t* off, size_t* len) const {
  const char* p = static_cast<const char*>(data_);
  size_t o = 0;
  while (o < aux_) {
    size_t total;
    std::string_view x = ReadPacked(p + o, &total);
    if (x.size() == m.size() && (m.empty() || std::memcmp(x.data(), m.data(), m.size()) == 0)) {
      *off = o;
      *len = total;
      return true;
    }
    o += total;
  }
  return false;
}

void SetValue::PackAppend(std::string_view m) {
  const size_t need = aux_ + VarintLen(m.size()) + m.size();
  data_ = Reserve(data_, need);
  WritePacked(static_cast<char*>(data_) + aux_, m);
  aux_ = need;
  ++count_;
}

void SetValue::PackErase(size_t off, size_t len) {
  char* p = static_cast<char*>(data_);
  std::memmove(p + off, p + off + len, aux_ - off - len);
  aux_ -= len;
  --count_;
  if (Usable(data_) > 2 * aux_ + 64) data_ = Xrealloc(data_, aux_);
}

size_t SetValue::PackOffsetOf(size_t index) const {
  const char* p = static_cast<const char*>(data_);
  size_t o = 0;
  for (size_t i = 0; i < index; ++i) {
    size_t total;
    ReadPacked(p + o, &total);
    o += total;
  }
  return o;
}

size_t SetValue::PackOffsets(uint32_t* out) const {
  const char* p = static_cast<const char*>(data_);
  size_t o = 0, i = 0;
  while (o < aux_) {
    out[i++] = static_cast<uint32_t>(o);
    size_t total;
    ReadPacked(p + o, &total);
    o += total;
  }
  return i;
}

// ---------------------------------------------------------------------------
// table

uint64_t SetValue::HashOf(std::string_view m) {
  return XXH3_64bits_withSeed(m.data(), m.size(), kHashSeed);
}

unsigned SetValue::BitsFor(size_t members) {
  unsigned bits = kMinBits;
  // Load factor at most 3/4.
  while ((size_t{1} << bits) * 3 < members * 4) ++bits;
  return bits;
}

bool SetValue::TableFind(std::string_view m, size_t* pos) const {
  const uint64_t* s = slots();
  size_t p = HomeOf(HashOf(m));
  if (m.size() <= kMaxInline) {
    const uint64_t key = InlineWord(m);
    for (;; p = (p + 1) & mask()) {
      if (s[p] == 0) break;
      if (s[p] == key) {
        *pos = p;
        return true;
      }
    }
  } else {
    for (;; p = (p + 1) & mask()) {
      const uint64_t w = s[p];
      if (w == 0) break;
      if (IsInline(w)) continue;
      std::string_view x = WordView(s[p]);
      if (x.size() == m.size() && std::memcmp(x.data(), m.data(), m.size()) == 0) {
        *pos = p;
        return true;
      }
    }
  }
  *pos = p;
  return false;
}

void SetValue::TableInsertNew(uint64_t word, uint64_t h) {
  if ((count_ + 1) * 4 > (size_t{1} << bits_) * 3) Rehash(bits_ + 1);
  uint64_t* s = slots();
  size_t p = HomeOf(h);
  while (s[p] != 0) p = (p + 1) & mask();
  s[p] = word;
  ++count_;
}

void SetValue::TableEraseAt(size_t pos) {
  FreeWord(slots()[pos], &aux_);
  TableUnlinkAt(pos);
}

// Backward-shift deletion: members after the hole move back into it when
// the hole lies between their home and their position, so every member
// stays reachable from its home without tombstones.
void SetValue::TableUnlinkAt(size_t pos) {
  uint64_t* s = slots();
  size_t hole = pos;
  for (size_t q = (pos + 1) & mask(); s[q] != 0; q = (q + 1) & mask()) {
    const size_t home = HomeOf(HashOf(WordView(s[q])));
    if (((q - home) & mask()) >= ((q - hole) & mask())) {
      s[hole] = s[q];
      hole = q;
    }
  }
  s[hole] = 0;
  --count_;
}

void SetValue::Rehash(unsigned bits) {
  uint64_t* old = slots();
  const size_t old_cap = old == nullptr ? 0 : size_t{1} << bits_;
  data_ = Xcalloc(size_t{1} << bits, sizeof(uint64_t));
  bits_ = static_cast<uint8_t>(bits);
  uint64_t* s = slots();
  for (size_t i = 0; i < old_cap; ++i) {
    if (old[i] == 0) continue;
    size_t p = HomeOf(HashOf(WordView(old[i])));
    while (s[p] != 0) p = (p + 1) & mask();
    s[p] = old[i];
  }
  std::free(old);
}

void SetValue::MaybeShrink() {
  if (bits_ > kMinBits && count_ * 8 < (size_t{1} << bits_)) Rehash(BitsFor(count_ * 2));
}

std::vector<uint32_t> SetValue::OccupiedSlots() const {
  std::vector<uint32_t> pos;
  pos.reserve(count_);
  const size_t cap = size_t{1} << bits_;
  for (size_t i = 0; i < cap; ++i) {
    if (slots()[i] != 0) pos.push_back(static_cast<uint32_t>(i));
  }
  return pos;
}

size_t SetValue::RandomSlot(RandomSource rng) const {
  // Every occupied slot is equally likely; the load factor stays above 1/8
  // (except in the smallest table), so this takes a few draws on average.
  for (;;) {
    const size_t p = static_cast<size_t>(rng()) & mask();
    if (slots()[p] != 0) return p;
  }
}

// ---------------------------------------------------------------------------
// Conversions

void SetValue::ConvertTo(Kind kind, size_t size_hint) {
  if (kind == kind_) return;
  if (kind == Kind::kListpack) {
    // Only from an intset: the members in ascending order.
    std::vector<char> packed;
    char buf[24];
    for (size_t i = 0; i < count_; ++i) {
      std::string_view m = FormatInt(IntAt(i), buf);
      char tmp[32];
      char* e = WritePacked(tmp, m);
      packed.insert(packed.end(), tmp, e);
    }
    std::free(data_);
    data_ = packed.empty() ? nullptr : Xmalloc(packed.size());
    if (!packed.empty()) std::memcpy(data_, packed.data(), packed.size());
    aux_ = packed.size();
    kind_ = Kind::kListpack;
    return;
  }
  // To a table.
  void* old = data_;
  const Kind old_kind = kind_;
  const size_t old_used = aux_;
  const size_t n = count_;
  data_ = nullptr;
  bits_ = 0;
  aux_ = 0;
  count_ = 0;
  kind_ = Kind::kTable;
  Rehash(BitsFor(std::max(size_hint, n)));
  if (old_kind == Kind::kIntSet) {
    char buf[24];
    for (size_t i = 0; i < n; ++i) {
      std::string_view m = FormatInt(LoadInt(old, i, width_), buf);
      TableInsertNew(MakeWord(m, &aux_), HashOf(m));
    }
  } else {
    const char* p = static_cast<const char*>(old);
    size_t o = 0;
    while (o < old_used) {
      size_t total;
      std::string_view m = ReadPacked(p + o, &total);
      TableInsertNew(MakeWord(m, &aux_), HashOf(m));
      o += total;
    }
  }
  std::free(old);
}

}  // namespace shoal
