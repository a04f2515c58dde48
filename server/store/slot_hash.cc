// Key → slot (CRC16/XMODEM with Redis Cluster hash tags) and key → 64-bit
// table hash (XXH3).
//
// The CRC tables are computed at compile time from the polynomial, so there
// is no hand-copied table to get wrong. Four bytes are folded per step with
// four independent lookups ("slicing by 4"): the byte-at-a-time loop is one
// long chain of dependent loads, and CRC16 runs on every key access. XXH3 is compiled inline into this file
// (XXH_INLINE_ALL) so that KeyHash costs no extra call into the shared
// library on the hot path.
#include "server/store/slot_hash.h"

#include <array>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace shoal {
namespace {

// CRC-16/XMODEM: polynomial 0x1021, initial value 0, MSB first, no final xor.
// kCrc16[0][x] is the CRC register after feeding byte x into a zero
// register; kCrc16[k][x] is that register after k more zero bytes. Because
// the CRC is linear over xor, four bytes b0..b3 fed into register (hi:lo)
// give kCrc16[3][hi^b0] ^ kCrc16[2][lo^b1] ^ kCrc16[1][b2] ^ kCrc16[0][b3].
using Crc16Tables = std::array<std::array<uint16_t, 256>, 4>;

constexpr Crc16Tables MakeCrc16Tables() {
  Crc16Tables t{};
  for (int i = 0; i < 256; ++i) {
    uint16_t crc = static_cast<uint16_t>(i << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<uint16_t>(crc << 1);
    }
    t[0][i] = crc;
  }
  for (int k = 1; k < 4; ++k) {
    for (int i = 0; i < 256; ++i) {
      const uint16_t prev = t[k - 1][i];
      t[k][i] = static_cast<uint16_t>((prev << 8) ^ t[0][prev >> 8]);
    }
  }
  return t;
}

constexpr Crc16Tables kCrc16 = MakeCrc16Tables();

}  // namespace

uint16_t Crc16(const char* data, size_t len) {
  uint16_t crc = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  for (; len >= 4; len -= 4, p += 4) {
    crc = kCrc16[3][(crc >> 8) ^ p[0]] ^ kCrc16[2][(crc & 0xff) ^ p[1]] ^ kCrc16[1][p[2]] ^
          kCrc16[0][p[3]];
  }
  for (; len > 0; --len, ++p) {
    crc = static_cast<uint16_t>((crc << 8) ^ kCrc16[0][((crc >> 8) ^ *p) & 0xff]);
  }
  return crc;
}

uint16_t KeySlot(std::string_view key) {
  // Hash tag: the bytes between the first '{' and the first '}' after it,
  // when there are any; otherwise the whole key.
  size_t open = key.find('{');
  if (open != std::string_view::npos) {
    size_t close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) {
      return Crc16(key.data() + open + 1, close - open - 1) & (kNumSlots - 1);
    }
  }
  return Crc16(key.data(), key.size()) & (kNumSlots - 1);
}

uint64_t KeyHash(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

}  // namespace shoal
