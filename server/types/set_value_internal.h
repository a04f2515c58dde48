// Internal to SetValue (set_value.cc, set_value_table.cc): allocation,
// the table's slot words and the random-pick helpers both files use.
// Not part of the types library's interface.
//
// Table slot words: 0 = empty; low bit 1 = a member of up to 7 bytes stored
// in the word itself (byte 0: length << 1 | 1, bytes 1..7: the member, the
// rest zero, so two inline words are equal exactly when their members are);
// low bit 0 = a pointer to a malloc'd [varint length][bytes] (malloc's
// alignment keeps the bit clear). Reading an inline member gives a view into
// the slot, so views must be taken from the table, never from a copy.
#ifndef SHOAL_SERVER_TYPES_SET_VALUE_INTERNAL_H_
#define SHOAL_SERVER_TYPES_SET_VALUE_INTERNAL_H_

#include <malloc.h>

#include <bit>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

#include "server/types/set_value.h"
#include "server/types/varint.h"

namespace shoal {
namespace set_internal {

static_assert(std::endian::native == std::endian::little,
              "inline set members rely on the low byte of a slot word coming first");

inline constexpr unsigned kMinBits = 3;      // 8 slots
inline constexpr unsigned kCursorBits = 32;  // SSCAN cursors are 32-bit hash prefixes
inline constexpr size_t kMaxInline = 7;

inline void* Xmalloc(size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) std::abort();
  return p;
}

inline void* Xrealloc(void* old, size_t n) {
  void* p = std::realloc(old, n == 0 ? 1 : n);
  if (p == nullptr) std::abort();
  return p;
}

inline void* Xcalloc(size_t n, size_t size) {
  void* p = std::calloc(n, size);
  if (p == nullptr) std::abort();
  return p;
}

inline size_t Usable(const void* p) {
  return p == nullptr ? 0 : malloc_usable_size(const_cast<void*>(p));
}

// Grows a buffer to hold at least `need` bytes, keeping its contents.
inline void* Reserve(void* p, size_t need) {
  if (Usable(p) >= need) return p;
  return Xrealloc(p, need);
}

// [varint len][bytes] at p; *total gets the encoded length.
inline std::string_view ReadPacked(const char* p, size_t* total) {
  uint64_t len;
  const char* data = GetVarint(p, &len);
  *total = static_cast<size_t>(data - p) + len;
  return {data, static_cast<size_t>(len)};
}

inline char* WritePacked(char* p, std::string_view s) {
  p = PutVarint(p, s.size());
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// ---- Slot words ----

inline bool IsInline(uint64_t w) { return w & 1; }

inline uint64_t InlineWord(std::string_view m) {
  uint64_t w = 0;
  char* b = reinterpret_cast<char*>(&w);
  b[0] = static_cast<char>((m.size() << 1) | 1);
  if (!m.empty()) std::memcpy(b + 1, m.data(), m.size());
  return w;
}

// The member of a non-empty slot (a reference into the table).
inline std::string_view WordView(const uint64_t& w) {
  if (IsInline(w)) {
    const char* b = reinterpret_cast<const char*>(&w);
    return {b + 1, static_cast<size_t>(static_cast<uint8_t>(b[0]) >> 1)};
  }
  size_t total;
  return ReadPacked(reinterpret_cast<const char*>(w), &total);
}

// Builds the word of a new member; *heap grows by the allocation's size.
inline uint64_t MakeWord(std::string_view m, size_t* heap) {
  if (m.size() <= kMaxInline) return InlineWord(m);
  char* p = static_cast<char*>(Xmalloc(VarintLen(m.size()) + m.size()));
  WritePacked(p, m);
  *heap += Usable(p);
  return reinterpret_cast<uint64_t>(p);
}

inline void FreeWord(uint64_t w, size_t* heap) {
  if (w == 0 || IsInline(w)) return;
  void* p = reinterpret_cast<void*>(w);
  *heap -= Usable(p);
  std::free(p);
}

inline uint64_t MakeSeed() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

inline const uint64_t kHashSeed = MakeSeed();

// Decimal form of v into buf (>= 21 bytes).
inline std::string_view FormatInt(int64_t v, char* buf) {
  auto res = std::to_chars(buf, buf + 24, v);
  return {buf, static_cast<size_t>(res.ptr - buf)};
}

inline uint8_t WidthFor(int64_t v) {
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
inline size_t Below(SetValue::RandomSource rng, size_t n) { return static_cast<size_t>(rng() % n); }

// The first k entries of idx become a uniform random k-subset (partial
// Fisher-Yates).
inline void PickPrefix(std::vector<uint32_t>* idx, size_t k, SetValue::RandomSource rng) {
  const size_t n = idx->size();
  for (size_t i = 0; i < k && i + 1 < n; ++i) {
    std::swap((*idx)[i], (*idx)[i + Below(rng, n - i)]);
  }
}

inline std::vector<uint32_t> Iota(size_t n) {
  std::vector<uint32_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint32_t>(i);
  return v;
}

}  // namespace set_internal
}  // namespace shoal

#endif  // SHOAL_SERVER_TYPES_SET_VALUE_INTERNAL_H_
