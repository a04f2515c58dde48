// LEB128 varints (one byte up to 127, five for any 32-bit length), the
// length prefix of the packed encodings (hash pairs, set members). Internal
// to server/types.
#ifndef SHOAL_SERVER_TYPES_VARINT_H_
#define SHOAL_SERVER_TYPES_VARINT_H_

#include <cstddef>
#include <cstdint>

namespace shoal {

inline size_t VarintLen(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

inline char* PutVarint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

inline const char* GetVarint(const char* p, uint64_t* out) {
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

}  // namespace shoal

#endif  // SHOAL_SERVER_TYPES_VARINT_H_
