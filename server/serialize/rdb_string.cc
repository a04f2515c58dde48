// RDB lengths and strings: see rdb_string.h for the byte layouts.
//
// Lengths read from the input are compared with remaining() before anything
// is sized from them; the LZF path also bounds the plain length by what the
// compressed bytes could expand to (lzf.h), so a six-byte forgery claiming a
// 2^60-byte string fails without allocating.
#include "server/serialize/rdb_string.h"

#include <charconv>
#include <limits>

#include "server/serialize/lzf.h"

namespace shoal {

bool RdbReader::ReadByte(uint8_t* out) {
  if (remaining() < 1) return false;
  *out = static_cast<uint8_t>(in_[pos_++]);
  return true;
}

bool RdbReader::ReadBytes(size_t n, std::string_view* out) {
  if (n > remaining()) return false;
  *out = in_.substr(pos_, n);
  pos_ += n;
  return true;
}

bool RdbReader::ReadBigEndian(size_t width, uint64_t* out) {
  std::string_view bytes;
  if (!ReadBytes(width, &bytes)) return false;
  uint64_t v = 0;
  for (unsigned char b : bytes) v = (v << 8) | b;
  *out = v;
  return true;
}

bool RdbReader::ReadLittleEndianSigned(size_t width, int64_t* out) {
  std::string_view bytes;
  if (!ReadBytes(width, &bytes)) return false;
  uint64_t v = 0;
  for (size_t i = width; i-- > 0;) v = (v << 8) | static_cast<uint8_t>(bytes[i]);
  // Sign-extend from `width` bytes.
  const unsigned shift = 64 - 8 * width;
  *out = static_cast<int64_t>(v << shift) >> shift;
  return true;
}

bool RdbReader::ReadLength(uint64_t* len, bool* encoded) {
  uint8_t first;
  if (!ReadByte(&first)) return false;
  if (encoded) *encoded = false;
  switch (first >> 6) {
    case 0:
      *len = first & 0x3f;
      return true;
    case 1: {
      uint8_t second;
      if (!ReadByte(&second)) return false;
      *len = (uint64_t{first & 0x3fu} << 8) | second;
      return true;
    }
    case 2:
      if (first == 0x80) return ReadBigEndian(4, len);
      if (first == 0x81) return ReadBigEndian(8, len);
      return false;
    default:
      if (encoded) *encoded = true;
      *len = first & 0x3f;
      return true;
  }
}

bool RdbReader::ReadString(std::string* out) {
  uint64_t len;
  bool encoded;
  if (!ReadLength(&len, &encoded)) return false;
  if (!encoded) {
    std::string_view bytes;
    if (!ReadBytes(len, &bytes)) return false;  // len > remaining() fails here
    out->assign(bytes);
    return true;
  }
  int64_t value;
  switch (len) {
    case kRdbEncInt8:
      if (!ReadLittleEndianSigned(1, &value)) return false;
      break;
    case kRdbEncInt16:
      if (!ReadLittleEndianSigned(2, &value)) return false;
      break;
    case kRdbEncInt32:
      if (!ReadLittleEndianSigned(4, &value)) return false;
      break;
    case kRdbEncLzf: {
      uint64_t compressed_len, plain_len;
      std::string_view compressed;
      if (!ReadLength(&compressed_len, nullptr) || !ReadLength(&plain_len, nullptr) ||
          !ReadBytes(compressed_len, &compressed)) {
        return false;
      }
      if (plain_len > std::numeric_limits<size_t>::max()) return false;
      return LzfDecompress(compressed, static_cast<size_t>(plain_len), out);
    }
    default:
      return false;
  }
  *out = std::to_string(value);
  return true;
}

void AppendRdbLength(uint64_t len, std::string* out) {
  if (len < (1u << 6)) {
    out->push_back(static_cast<char>(len));
  } else if (len < (1u << 14)) {
    out->push_back(static_cast<char>(0x40 | (len >> 8)));
    out->push_back(static_cast<char>(len & 0xff));
  } else {
    const int width = len <= 0xffffffffULL ? 4 : 8;
    out->push_back(static_cast<char>(width == 4 ? 0x80 : 0x81));
    for (int i = width - 1; i >= 0; --i) out->push_back(static_cast<char>(len >> (8 * i)));
  }
}

void AppendRdbRawString(std::string_view s, std::string* out) {
  AppendRdbLength(s.size(), out);
  out->append(s);
}

void AppendRdbString(std::string_view s, std::string* out) {
  // Eleven characters is the longest decimal text of an int32 ("-2147483648").
  int64_t value = 0;
  if (!s.empty() && s.size() <= 11) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    // Only the canonical spelling round-trips: no "+1", "01" or "-0".
    if (ec == std::errc() && end == s.data() + s.size() && std::to_string(value) == s) {
      int width = 0;
      uint8_t enc = 0;
      if (value >= INT8_MIN && value <= INT8_MAX) {
        width = 1, enc = kRdbEncInt8;
      } else if (value >= INT16_MIN && value <= INT16_MAX) {
        width = 2, enc = kRdbEncInt16;
      } else if (value >= INT32_MIN && value <= INT32_MAX) {
        width = 4, enc = kRdbEncInt32;
      }
      if (width != 0) {
        out->push_back(static_cast<char>(0xc0 | enc));
        const uint64_t bits = static_cast<uint64_t>(value);
        for (int i = 0; i < width; ++i) out->push_back(static_cast<char>(bits >> (8 * i)));
        return;
      }
    }
  }
  AppendRdbRawString(s, out);
}

}  // namespace shoal
