// Bit-level operations on string values (see bitfield.h for the numbering
// and the overflow rules).
//
// Counting and searching run over 64-bit words in the middle of a range and
// bytes at its ragged ends. Words are loaded with memcpy (unaligned loads)
// and byte-swapped for searching, so that the first bit in Redis's order is
// the word's most significant bit. Popcount uses the POPCNT instruction when
// the CPU has it (checked once at run time: the build does not assume a
// -march), and std::popcount's portable code otherwise.
#include "server/types/bitfield.h"

#include <bit>
#include <cstring>
#include <limits>

namespace shoal {
namespace {

uint64_t LoadWord(const uint8_t* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

uint64_t CountWordsPortable(const uint8_t* p, size_t words) {
  uint64_t n = 0;
  for (size_t i = 0; i < words; ++i) n += std::popcount(LoadWord(p + 8 * i));
  return n;
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("popcnt"))) uint64_t CountWordsPopcnt(const uint8_t* p, size_t words) {
  // Four independent accumulators: POPCNT has a false dependency on its
  // destination on several Intel generations.
  uint64_t a = 0, b = 0, c = 0, d = 0;
  size_t i = 0;
  for (; i + 4 <= words; i += 4) {
    a += __builtin_popcountll(LoadWord(p + 8 * i));
    b += __builtin_popcountll(LoadWord(p + 8 * i + 8));
    c += __builtin_popcountll(LoadWord(p + 8 * i + 16));
    d += __builtin_popcountll(LoadWord(p + 8 * i + 24));
  }
  for (; i < words; ++i) a += __builtin_popcountll(LoadWord(p + 8 * i));
  return a + b + c + d;
}

uint64_t CountWords(const uint8_t* p, size_t words) {
  static const bool has_popcnt = __builtin_cpu_supports("popcnt");
  return has_popcnt ? CountWordsPopcnt(p, words) : CountWordsPortable(p, words);
}
#else
uint64_t CountWords(const uint8_t* p, size_t words) { return CountWordsPortable(p, words); }
#endif

// Mask of the bits of one byte from bit `from` to bit `to` (Redis order,
// 0 = most significant), inclusive.
uint8_t ByteMask(int from, int to) {
  return static_cast<uint8_t>((0xFFu >> from) & (0xFFu << (7 - to)));
}

}  // namespace

int SetBit(uint8_t* p, uint64_t offset, int on) {
  uint8_t& byte = p[offset >> 3];
  const int shift = 7 - static_cast<int>(offset & 7);
  const int old = (byte >> shift) & 1;
  byte = static_cast<uint8_t>((byte & ~(1u << shift)) | ((on & 1u) << shift));
  return old;
}

uint64_t PopCount(const uint8_t* p, size_t len) {
  const size_t words = len / 8;
  uint64_t n = CountWords(p, words);
  for (size_t i = words * 8; i < len; ++i) n += std::popcount(static_cast<unsigned>(p[i]));
  return n;
}

uint64_t PopCountBits(const uint8_t* p, uint64_t first_bit, uint64_t last_bit) {
  const uint64_t fb = first_bit >> 3, lb = last_bit >> 3;
  const int from = static_cast<int>(first_bit & 7), to = static_cast<int>(last_bit & 7);
  if (fb == lb) return std::popcount(static_cast<unsigned>(p[fb] & ByteMask(from, to)));
  uint64_t n = std::popcount(static_cast<unsigned>(p[fb] & ByteMask(from, 7)));
  n += std::popcount(static_cast<unsigned>(p[lb] & ByteMask(0, to)));
  return n + PopCount(p + fb + 1, lb - fb - 1);
}

int64_t FindBit(const uint8_t* p, uint64_t first_bit, uint64_t last_bit, int bit) {
  const uint64_t fb = first_bit >> 3, lb = last_bit >> 3;
  const uint8_t flip = bit ? 0 : 0xFF;  // search for set bits in (byte ^ flip)
  const uint64_t skip_word = bit ? 0 : std::numeric_limits<uint64_t>::max();
  for (uint64_t b = fb; b <= lb;) {
    // Whole words strictly inside the range that hold no match are skipped.
    if (b > fb && b + 8 <= lb) {
      const uint64_t w = LoadWord(p + b);
      if (w == skip_word) {
        b += 8;
        continue;
      }
    }
    uint8_t v = static_cast<uint8_t>(p[b] ^ flip);
    const int from = b == fb ? static_cast<int>(first_bit & 7) : 0;
    const int to = b == lb ? static_cast<int>(last_bit & 7) : 7;
    v &= ByteMask(from, to);
    if (v != 0) {
      return static_cast<int64_t>(b * 8) + std::countl_zero(v);
    }
    ++b;
  }
  return -1;
}

void ApplyBitOp(BitOpKind op, const std::string_view* sources, size_t count, uint8_t* out,
                size_t out_len) {
  auto byte_of = [&](size_t src, size_t i) -> uint8_t {
    return i < sources[src].size() ? static_cast<uint8_t>(sources[src][i]) : 0;
  };
  if (op == BitOpKind::kNot) {
    for (size_t i = 0; i < out_len; ++i) out[i] = static_cast<uint8_t>(~byte_of(0, i));
    return;
  }
  if (count == 0) {
    std::memset(out, 0, out_len);
    return;
  }
  // Start from the first source, then fold in the others one at a time: a
  // pass per source over contiguous memory vectorizes well.
  for (size_t i = 0; i < out_len; ++i) out[i] = byte_of(0, i);
  for (size_t s = 1; s < count; ++s) {
    const uint8_t* src = reinterpret_cast<const uint8_t*>(sources[s].data());
    const size_t n = sources[s].size() < out_len ? sources[s].size() : out_len;
    switch (op) {
      case BitOpKind::kAnd:
        for (size_t i = 0; i < n; ++i) out[i] &= src[i];
        std::memset(out + n, 0, out_len - n);
        break;
      case BitOpKind::kOr:
        for (size_t i = 0; i < n; ++i) out[i] |= src[i];
        break;
      case BitOpKind::kXor:
        for (size_t i = 0; i < n; ++i) out[i] ^= src[i];
        break;
      case BitOpKind::kNot:
        break;
    }
  }
}

bool ParseFieldType(std::string_view s, FieldType* out) {
  if (s.empty() || (s[0] != 'i' && s[0] != 'u')) return false;
  const bool is_signed = s[0] == 'i';
  // Redis reads the width as a C string: it ends at the first NUL byte.
  std::string_view width = s.substr(1);
  const size_t nul = width.find('\0');
  if (nul != std::string_view::npos) width = width.substr(0, nul);
  // A canonical positive integer of at most two digits (1..64).
  if (width.empty() || width.size() > 2 || width[0] < '1' || width[0] > '9') return false;
  int bits = width[0] - '0';
  if (width.size() == 2) {
    if (width[1] < '0' || width[1] > '9') return false;
    bits = bits * 10 + (width[1] - '0');
  }
  if (bits > (is_signed ? 64 : 63)) return false;
  out->is_signed = is_signed;
  out->bits = bits;
  return true;
}

uint64_t GetUnsignedField(const uint8_t* p, size_t len, uint64_t offset, int bits) {
  // Gather the (at most 9) bytes the field touches into a big-endian window.
  const uint64_t first = offset >> 3;
  const int lead = static_cast<int>(offset & 7);
  const int nbytes = (lead + bits + 7) / 8;
  unsigned __int128 window = 0;
  for (int i = 0; i < nbytes; ++i) {
    const uint64_t at = first + static_cast<uint64_t>(i);
    window = (window << 8) | (at < len ? p[at] : 0);
  }
  const int tail = nbytes * 8 - lead - bits;  // bits after the field in the window
  window >>= tail;
  const uint64_t mask = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
  return static_cast<uint64_t>(window) & mask;
}

int64_t GetSignedField(const uint8_t* p, size_t len, uint64_t offset, int bits) {
  uint64_t v = GetUnsignedField(p, len, offset, bits);
  if (bits < 64 && (v >> (bits - 1)) & 1) v |= ~uint64_t{0} << bits;
  return static_cast<int64_t>(v);
}

void SetField(uint8_t* p, uint64_t offset, int bits, uint64_t value) {
  for (int i = 0; i < bits; ++i) {
    SetBit(p, offset + static_cast<uint64_t>(i), static_cast<int>((value >> (bits - 1 - i)) & 1));
  }
}

FieldResult FieldArith(FieldType type, int64_t base, int64_t incr, OverflowMode mode) {
  const int bits = type.bits;
  __int128 sum, min, max;
  if (type.is_signed) {
    sum = static_cast<__int128>(base) + incr;
    max = (static_cast<__int128>(1) << (bits - 1)) - 1;
    min = -max - 1;
  } else {
    sum = static_cast<__int128>(static_cast<uint64_t>(base)) + incr;
    max = (static_cast<__int128>(1) << bits) - 1;
    min = 0;
  }
  FieldResult r;
  if (sum >= min && sum <= max) {
    r.value = static_cast<uint64_t>(static_cast<int64_t>(sum));
    return r;
  }
  r.overflow = true;
  switch (mode) {
    case OverflowMode::kSat:
      r.value = static_cast<uint64_t>(static_cast<int64_t>(sum > max ? max : min));
      break;
    case OverflowMode::kWrap:
    case OverflowMode::kFail: {
      uint64_t low = static_cast<uint64_t>(sum);  // modulo 2^64
      if (bits < 64) {
        low &= (uint64_t{1} << bits) - 1;
        if (type.is_signed && (low >> (bits - 1)) & 1) low |= ~uint64_t{0} << bits;
      }
      r.value = low;
      break;
    }
  }
  return r;
}

}  // namespace shoal
