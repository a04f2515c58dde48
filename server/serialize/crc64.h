// Crc64: the CRC-64 that Redis puts at the end of RDB files and of DUMP /
// FUNCTION DUMP payloads ("CRC-64/Jones": reflected input and output,
// polynomial 0xad93d23594c935a9, initial value 0, no final xor).
//
// The check value of "123456789" is 0xe9c6d914c4b8d9ca. The function is
// incremental: Crc64(Crc64(0, a), b) == Crc64(0, a + b), so a payload can be
// checksummed in pieces. Pure and thread-safe; the lookup table is built at
// compile time.
#ifndef SHOAL_SERVER_SERIALIZE_CRC64_H_
#define SHOAL_SERVER_SERIALIZE_CRC64_H_

#include <cstdint>
#include <string_view>

namespace shoal {

// Continues the CRC `crc` over `data`. Start a fresh checksum with crc = 0.
uint64_t Crc64(uint64_t crc, std::string_view data);

}  // namespace shoal

#endif  // SHOAL_SERVER_SERIALIZE_CRC64_H_
