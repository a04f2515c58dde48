// Ziplist and zipmap readers: see ziplist.h for the layouts. Every read is
// bounded by the end of the entries (the terminator's offset), so a forged
// length or back-pointer fails the read instead of overreading.
#include "server/serialize/ziplist.h"

#include <cstdint>

namespace shoal {
namespace {

constexpr size_t kZiplistHeader = 10;
constexpr uint8_t kEnd = 0xFF;

uint64_t LittleEndian(const uint8_t* p, int width) {
  uint64_t v = 0;
  for (int i = width - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

int64_t SignExtend(uint64_t v, int bits) {
  const unsigned shift = 64 - bits;
  return static_cast<int64_t>(v << shift) >> shift;
}

// Decodes the encoding and data at p (avail bytes before the terminator).
bool DecodeZiplistValue(const uint8_t* p, size_t avail, PackedElement* e, size_t* size) {
  if (avail < 1) return false;
  const uint8_t b = p[0];
  size_t header = 1, len = 0;
  int width = 0;
  e->is_int = false;
  switch (b >> 6) {
    case 0:
      len = b & 0x3f;
      break;
    case 1:
      if (avail < 2) return false;
      header = 2;
      len = (size_t{b & 0x3fu} << 8) | p[1];
      break;
    case 2:
      if (b != 0x80 || avail < 5) return false;
      header = 5;
      len = (uint64_t{p[1]} << 24) | (uint64_t{p[2]} << 16) | (uint64_t{p[3]} << 8) | p[4];
      break;
    default:
      if (b == 0xC0) {
        width = 2;
      } else if (b == 0xD0) {
        width = 4;
      } else if (b == 0xE0) {
        width = 8;
      } else if (b == 0xF0) {
        width = 3;
      } else if (b == 0xFE) {
        width = 1;
      } else if (b >= 0xF1 && b <= 0xFD) {
        e->is_int = true;
        e->value = (b & 0x0f) - 1;
        *size = 1;
        return true;
      } else {
        return false;
      }
      if (avail < size_t(1 + width)) return false;
      e->is_int = true;
      e->value = SignExtend(LittleEndian(p + 1, width), 8 * width);
      *size = 1 + width;
      return true;
  }
  if (len > avail - header) return false;
  e->str = std::string_view(reinterpret_cast<const char*>(p + header), len);
  *size = header + len;
  return true;
}

}  // namespace

bool ReadZiplist(std::string_view blob, std::vector<PackedElement>* out) {
  if (blob.size() < kZiplistHeader + 1) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(blob.data());
  if (LittleEndian(p, 4) != blob.size() || p[blob.size() - 1] != kEnd) return false;
  const uint64_t tail = LittleEndian(p + 4, 4);
  const uint16_t header_count = static_cast<uint16_t>(LittleEndian(p + 8, 2));
  const size_t end = blob.size() - 1;
  size_t pos = kZiplistHeader;
  size_t prev_size = 0, last = kZiplistHeader, count = 0;
  while (pos < end) {
    size_t prevlen_size = 1;
    uint64_t prevlen = p[pos];
    if (prevlen == 0xFF) return false;
    if (prevlen == 0xFE) {
      if (end - pos < 5) return false;
      prevlen = LittleEndian(p + pos + 1, 4);
      prevlen_size = 5;
    }
    if (prevlen != prev_size) return false;
    PackedElement e;
    size_t size;
    if (!DecodeZiplistValue(p + pos + prevlen_size, end - pos - prevlen_size, &e, &size)) {
      return false;
    }
    last = pos;
    prev_size = prevlen_size + size;
    pos += prev_size;
    out->push_back(e);
    ++count;
  }
  if (tail != last) return false;
  if (header_count != 0xFFFF && header_count != count) return false;
  return true;
}

bool ReadZipmap(std::string_view blob, std::vector<std::string_view>* out) {
  const auto* p = reinterpret_cast<const uint8_t*>(blob.data());
  const size_t n = blob.size();
  if (n < 2 || p[n - 1] != kEnd) return false;
  const size_t end = n - 1;
  size_t pos = 1;  // after the count byte
  size_t count = 0;
  // Reads a length at pos; false at the terminator or when malformed.
  auto read_len = [&](uint64_t* len) {
    if (pos >= end) return false;
    if (p[pos] < 254) {
      *len = p[pos++];
      return true;
    }
    if (p[pos] != 254 || end - pos < 5) return false;
    *len = LittleEndian(p + pos + 1, 4);
    pos += 5;
    return true;
  };
  while (pos < end) {
    uint64_t klen, vlen;
    if (!read_len(&klen) || klen > end - pos) return false;
    out->emplace_back(blob.substr(pos, klen));
    pos += klen;
    if (!read_len(&vlen) || pos >= end) return false;
    const uint8_t free = p[pos++];
    if (vlen > end - pos || free > end - pos - vlen) return false;
    out->emplace_back(blob.substr(pos, vlen));
    pos += vlen + free;
    ++count;
  }
  if (p[0] < 254 && p[0] != count) return false;
  return pos == end;
}

}  // namespace shoal
