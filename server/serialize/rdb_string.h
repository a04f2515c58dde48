// RDB lengths and strings: the two encodings every RDB value is built from.
//
// Length encoding (the top two bits of the first byte choose the form):
//   00xxxxxx                 6-bit length
//   01xxxxxx yyyyyyyy        14-bit length, big-endian across the two bytes
//   10000000 + 4 bytes       32-bit length, big-endian
//   10000001 + 8 bytes       64-bit length, big-endian
//   11xxxxxx                 not a length: a special string encoding in xxxxxx
// Other 10xxxxxx bytes are invalid.
//
// String encoding: a length followed by that many raw bytes, or one of the
// special encodings
//   0xC0 int8, 0xC1 int16, 0xC2 int32 (little-endian; the string is the
//   number's decimal text), 0xC3 LZF (compressed length, plain length, then
//   the compressed bytes; see lzf.h).
//
// RdbReader walks a string_view it does not own. Every read checks the bytes
// remaining first and returns false on truncation or garbage, leaving the
// position unspecified; nothing is allocated for a length larger than what
// the input could hold, so forged lengths cost nothing. Writers append to a
// std::string. All of it is pure and thread-compatible (one reader per
// thread).
#ifndef SHOAL_SERVER_SERIALIZE_RDB_STRING_H_
#define SHOAL_SERVER_SERIALIZE_RDB_STRING_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace shoal {

// The special string encodings (the low six bits of an 11xxxxxx byte).
inline constexpr uint8_t kRdbEncInt8 = 0;
inline constexpr uint8_t kRdbEncInt16 = 1;
inline constexpr uint8_t kRdbEncInt32 = 2;
inline constexpr uint8_t kRdbEncLzf = 3;

class RdbReader {
 public:
  explicit RdbReader(std::string_view in) : in_(in) {}

  size_t pos() const { return pos_; }
  size_t remaining() const { return in_.size() - pos_; }

  bool ReadByte(uint8_t* out);
  // Returns a view into the input of the next n bytes.
  bool ReadBytes(size_t n, std::string_view* out);

  // Reads a length. When the first byte is 11xxxxxx, *len is the special
  // encoding xxxxxx and *encoded is set true; if `encoded` is null such a
  // byte is returned as a length, as Redis's loader does for fields that are
  // never special-encoded.
  bool ReadLength(uint64_t* len, bool* encoded);

  // Reads a string in any of its encodings into *out.
  bool ReadString(std::string* out);

 private:
  bool ReadBigEndian(size_t width, uint64_t* out);
  bool ReadLittleEndianSigned(size_t width, int64_t* out);

  std::string_view in_;
  size_t pos_ = 0;
};

void AppendRdbLength(uint64_t len, std::string* out);

// Writes `s` as a length-prefixed raw string, never special-encoded.
void AppendRdbRawString(std::string_view s, std::string* out);

// Writes `s` as 0xC0/0xC1/0xC2 when it is the canonical decimal text of a
// number that fits in 32 bits (reading it back gives the same bytes), and as
// a raw string otherwise. LZF is never written.
void AppendRdbString(std::string_view s, std::string* out);

}  // namespace shoal

#endif  // SHOAL_SERVER_SERIALIZE_RDB_STRING_H_
