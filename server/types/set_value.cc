// SetValue: the three encodings of a set (see set_value.h for the design):
// lifetime, the public operations, intset and listpack, and conversions.
// The hash table encoding is in set_value_table.cc; the slot words and
// helpers both files share are in set_value_internal.h.
#include "server/types/set_value.h"

#include <malloc.h>

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
#include "server/types/set_value_internal.h"

namespace shoal {
using namespace set_internal;  // NOLINT: this file is the encoding's own

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
