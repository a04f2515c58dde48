// Readers for the legacy packed blobs that RDB files and DUMP payloads of
// Redis before 7.0 carry: ziplists (lists, hashes and sorted sets of RDB
// types 10, 12, 13 and the nodes of quicklist type 14) and zipmaps (hashes
// of type 9). Redis 7 still loads both, converting them to listpacks; Shoal
// reads their elements and builds its own encodings. Read-only: nothing
// writes these formats any more.
//
// Ziplist:
//   [total bytes: u32 LE][offset of last entry: u32 LE][count: u16 LE]
//   entries... [0xFF]
// entry = [prevlen: 1 byte < 254, or 0xFE + u32 LE][encoding][data]
//   00pppppp / 01pppppp qqqqqqqq / 10000000 + u32 BE: string of that length
//   0xC0 int16, 0xD0 int32, 0xE0 int64, 0xF0 int24, 0xFE int8 (little-endian),
//   0xF1..0xFD: the value (low nibble - 1) with no data.
// Zipmap:
//   [count: 1 byte][entries][0xFF], entry = [len]key[len][free]value[free bytes]
//   where len is one byte < 254, or 0xFE + u32 LE.
//
// Both readers validate every offset, length and back-pointer (the checks of
// Redis's deep sanitization) before returning elements. Pure.
#ifndef SHOAL_SERVER_SERIALIZE_ZIPLIST_H_
#define SHOAL_SERVER_SERIALIZE_ZIPLIST_H_

#include <string_view>
#include <vector>

#include "server/serialize/listpack.h"

namespace shoal {

// Appends the ziplist's elements in order; false when malformed.
bool ReadZiplist(std::string_view blob, std::vector<PackedElement>* out);

// Appends key, value, key, value...; false when malformed.
bool ReadZipmap(std::string_view blob, std::vector<std::string_view>* out);

}  // namespace shoal

#endif  // SHOAL_SERVER_SERIALIZE_ZIPLIST_H_
