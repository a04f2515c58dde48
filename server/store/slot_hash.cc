// Key → slot (CRC16/XMODEM with Redis Cluster hash tags) and key → 64-bit
// table hash (XXH3).
//
// The CRC table is computed at compile time from the polynomial, so there is
// no hand-copied table to get wrong. XXH3 is compiled inline into this file
// (XXH_INLINE_ALL) so that KeyHash costs no extra call into the shared
// library on the hot path.
#include "server/store/slot_hash.h"

#include <array>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace shoal {
namespace {

// CRC-16/XMODEM: polynomial 0x1021, initial value 0, MSB first, no final xor.
constexpr std::array<uint16_t, 256> MakeCrc16Table() {
  std::array<uint16_t, 256> table{};
  for (int i = 0; i < 256; ++i) {
    uint16_t crc = static_cast<uint16_t>(i << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<uint16_t>(crc << 1);
    }
    table[i] = crc;
  }
  return table;
}

constexpr std::array<uint16_t, 256> kCrc16Table = MakeCrc16Table();

}  // namespace

uint16_t Crc16(const char* data, size_t len) {
  uint16_t crc = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  for (size_t i = 0; i < len; ++i) {
    crc = static_cast<uint16_t>((crc << 8) ^ kCrc16Table[((crc >> 8) ^ p[i]) & 0xff]);
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
