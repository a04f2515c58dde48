// Crc64: table-driven, one byte per step.
//
// Because the CRC is reflected, the register shifts right and the polynomial
// is used in its bit-reversed form (0x95ac9329ac4bc9b5 is 0xad93d23594c935a9
// read backwards). The table holds the register's update for each value of
// the byte that falls out of it. One table lookup per byte is fast enough for
// function payloads; if DUMP of large keys shows up in profiles, slicing-by-8
// is the next step.
#include "server/serialize/crc64.h"

#include <array>

namespace shoal {
namespace {

constexpr uint64_t kReflectedPoly = 0x95ac9329ac4bc9b5ULL;

constexpr std::array<uint64_t, 256> MakeTable() {
  std::array<uint64_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint64_t crc = i;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1) ? (crc >> 1) ^ kReflectedPoly : crc >> 1;
    }
    table[i] = crc;
  }
  return table;
}

constexpr std::array<uint64_t, 256> kTable = MakeTable();

}  // namespace

uint64_t Crc64(uint64_t crc, std::string_view data) {
  for (unsigned char byte : data) {
    crc = kTable[(crc ^ byte) & 0xff] ^ (crc >> 8);
  }
  return crc;
}

}  // namespace shoal
