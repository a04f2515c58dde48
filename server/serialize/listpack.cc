// Listpack and intset readers and writers: see listpack.h for the layouts.
//
// The reader checks, in order: the header's total size equals the blob's,
// each entry's encoding byte is known and its data lies before the
// terminator, its back-length bytes decode to the entry's size, the element
// count matches the header (unless 65535), and the last byte is the 0xFF
// terminator. Only then are elements handed out.
#include "server/serialize/listpack.h"

#include <charconv>

#include "server/store/entry.h"

namespace shoal {
namespace {

constexpr uint8_t kEnd = 0xFF;
constexpr size_t kHeaderSize = 6;
constexpr uint16_t kUnknownCount = 65535;

void PutLittleEndian(uint64_t v, int width, std::string* out) {
  for (int i = 0; i < width; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

uint64_t GetLittleEndian(const uint8_t* p, int width) {
  uint64_t v = 0;
  for (int i = width - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

int64_t SignExtend(uint64_t v, int bits) {
  const unsigned shift = 64 - bits;
  return static_cast<int64_t>(v << shift) >> shift;
}

// Redis's lpEncodeBacklen: note the strict upper bounds of the 2..4-byte
// forms, kept as they are.
void AppendBacklen(uint64_t l, std::string* out) {
  if (l <= 127) {
    out->push_back(static_cast<char>(l));
  } else if (l < 16383) {
    out->push_back(static_cast<char>(l >> 7));
    out->push_back(static_cast<char>((l & 127) | 128));
  } else if (l < 2097151) {
    out->push_back(static_cast<char>(l >> 14));
    out->push_back(static_cast<char>(((l >> 7) & 127) | 128));
    out->push_back(static_cast<char>((l & 127) | 128));
  } else if (l < 268435455) {
    out->push_back(static_cast<char>(l >> 21));
    out->push_back(static_cast<char>(((l >> 14) & 127) | 128));
    out->push_back(static_cast<char>(((l >> 7) & 127) | 128));
    out->push_back(static_cast<char>((l & 127) | 128));
  } else {
    out->push_back(static_cast<char>(l >> 28));
    out->push_back(static_cast<char>(((l >> 21) & 127) | 128));
    out->push_back(static_cast<char>(((l >> 14) & 127) | 128));
    out->push_back(static_cast<char>(((l >> 7) & 127) | 128));
    out->push_back(static_cast<char>((l & 127) | 128));
  }
}

size_t BacklenSize(uint64_t l) {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

size_t IntEntrySize(int64_t v) {
  if (v >= 0 && v <= 127) return 1;
  if (v >= -4096 && v <= 4095) return 2;
  if (v >= -32768 && v <= 32767) return 3;
  if (v >= -8388608 && v <= 8388607) return 4;
  if (v >= INT32_MIN && v <= INT32_MAX) return 5;
  return 9;
}

size_t StringEntrySize(size_t len) {
  if (len < 64) return 1 + len;
  if (len < 4096) return 2 + len;
  return 5 + len;
}

// Decodes the entry at p (with `avail` bytes before the terminator). Sets
// *size to its encoding + data size. False on an unknown encoding or data
// running past `avail`.
bool DecodeEntry(const uint8_t* p, size_t avail, PackedElement* e, size_t* size) {
  const uint8_t b = p[0];
  size_t header = 1, len = 0;
  int int_width = 0;
  e->is_int = false;
  if ((b & 0x80) == 0) {
    e->is_int = true;
    e->value = b & 0x7f;
    *size = 1;
    return true;
  } else if ((b & 0xC0) == 0x80) {
    len = b & 0x3f;
  } else if ((b & 0xE0) == 0xC0) {
    if (avail < 2) return false;
    e->is_int = true;
    e->value = SignExtend((uint64_t{b & 0x1fu} << 8) | p[1], 13);
    *size = 2;
    return true;
  } else if ((b & 0xF0) == 0xE0) {
    if (avail < 2) return false;
    header = 2;
    len = (size_t{b & 0x0fu} << 8) | p[1];
  } else if (b == 0xF0) {
    if (avail < 5) return false;
    header = 5;
    len = GetLittleEndian(p + 1, 4);
  } else if (b == 0xF1) {
    int_width = 2;
  } else if (b == 0xF2) {
    int_width = 3;
  } else if (b == 0xF3) {
    int_width = 4;
  } else if (b == 0xF4) {
    int_width = 8;
  } else {
    return false;  // 0xF5..0xFE are unused; 0xFF is the terminator
  }
  if (int_width != 0) {
    if (avail < size_t(1 + int_width)) return false;
    e->is_int = true;
    e->value = SignExtend(GetLittleEndian(p + 1, int_width), 8 * int_width);
    *size = 1 + int_width;
    return true;
  }
  if (len > avail - header) return false;
  e->str = std::string_view(reinterpret_cast<const char*>(p + header), len);
  *size = header + len;
  return true;
}

}  // namespace

std::string_view PackedElement::View(char* buf) const {
  if (!is_int) return str;
  const auto r = std::to_chars(buf, buf + 21, value);
  return std::string_view(buf, static_cast<size_t>(r.ptr - buf));
}

ListpackWriter::ListpackWriter() { buf_.assign(kHeaderSize, '\0'); }

size_t ListpackEntrySize(std::string_view s) {
  int64_t v;
  if (ParseInt64Strict(s, &v)) return IntEntrySize(v);
  return StringEntrySize(s.size());
}

size_t ListpackWriter::BytesWith(std::string_view s) const {
  const size_t l = ListpackEntrySize(s);
  return bytes() + l + BacklenSize(l);
}

void ListpackWriter::AddInt(int64_t v) {
  const size_t before = buf_.size();
  if (v >= 0 && v <= 127) {
    buf_.push_back(static_cast<char>(v));
  } else if (v >= -4096 && v <= 4095) {
    const uint64_t u = static_cast<uint64_t>(v) & 0x1fff;
    buf_.push_back(static_cast<char>((u >> 8) | 0xC0));
    buf_.push_back(static_cast<char>(u & 0xff));
  } else if (v >= -32768 && v <= 32767) {
    buf_.push_back(static_cast<char>(0xF1));
    PutLittleEndian(static_cast<uint64_t>(v), 2, &buf_);
  } else if (v >= -8388608 && v <= 8388607) {
    buf_.push_back(static_cast<char>(0xF2));
    PutLittleEndian(static_cast<uint64_t>(v), 3, &buf_);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    buf_.push_back(static_cast<char>(0xF3));
    PutLittleEndian(static_cast<uint64_t>(v), 4, &buf_);
  } else {
    buf_.push_back(static_cast<char>(0xF4));
    PutLittleEndian(static_cast<uint64_t>(v), 8, &buf_);
  }
  AppendBacklen(buf_.size() - before, &buf_);
  ++count_;
}

void ListpackWriter::Add(std::string_view s) {
  int64_t v;
  if (ParseInt64Strict(s, &v)) {
    AddInt(v);
    return;
  }
  const size_t before = buf_.size();
  const size_t len = s.size();
  if (len < 64) {
    buf_.push_back(static_cast<char>(0x80 | len));
  } else if (len < 4096) {
    buf_.push_back(static_cast<char>(0xE0 | (len >> 8)));
    buf_.push_back(static_cast<char>(len & 0xff));
  } else {
    buf_.push_back(static_cast<char>(0xF0));
    PutLittleEndian(len, 4, &buf_);
  }
  buf_.append(s);
  AppendBacklen(buf_.size() - before, &buf_);
  ++count_;
}

std::string ListpackWriter::Finish() {
  buf_.push_back(static_cast<char>(kEnd));
  std::string out = std::move(buf_);
  const uint64_t total = out.size();
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(total >> (8 * i));
  const uint16_t n = count_ < kUnknownCount ? static_cast<uint16_t>(count_) : kUnknownCount;
  out[4] = static_cast<char>(n & 0xff);
  out[5] = static_cast<char>(n >> 8);
  buf_.assign(kHeaderSize, '\0');
  count_ = 0;
  return out;
}

bool ReadListpack(std::string_view blob, std::vector<PackedElement>* out) {
  if (blob.size() < kHeaderSize + 1) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(blob.data());
  if (GetLittleEndian(p, 4) != blob.size()) return false;
  const uint16_t header_count = static_cast<uint16_t>(GetLittleEndian(p + 4, 2));
  if (p[blob.size() - 1] != kEnd) return false;
  const size_t end = blob.size() - 1;  // offset of the terminator
  size_t pos = kHeaderSize;
  size_t count = 0;
  while (pos < end) {
    PackedElement e;
    size_t size;
    if (!DecodeEntry(p + pos, end - pos, &e, &size)) return false;
    pos += size;
    // The back-length: BacklenSize(size) bytes, encoded as AppendBacklen
    // writes them. Compare bytes rather than decode: there is one valid form.
    const size_t bl = BacklenSize(size);
    if (bl > end - pos) return false;
    std::string expect;
    AppendBacklen(size, &expect);
    if (blob.compare(pos, bl, expect) != 0) return false;
    pos += bl;
    out->push_back(e);
    ++count;
  }
  if (header_count != kUnknownCount && header_count != count) return false;
  return true;
}

std::string WriteIntset(const std::vector<int64_t>& sorted) {
  int width = 2;
  for (int64_t v : sorted) {
    if (v < INT32_MIN || v > INT32_MAX) {
      width = 8;
      break;
    }
    if (v < INT16_MIN || v > INT16_MAX) width = 4;
  }
  std::string out;
  out.reserve(8 + sorted.size() * width);
  PutLittleEndian(width, 4, &out);
  PutLittleEndian(sorted.size(), 4, &out);
  for (int64_t v : sorted) PutLittleEndian(static_cast<uint64_t>(v), width, &out);
  return out;
}

bool ReadIntset(std::string_view blob, std::vector<int64_t>* out) {
  if (blob.size() < 8) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(blob.data());
  const uint64_t width = GetLittleEndian(p, 4);
  const uint64_t count = GetLittleEndian(p + 4, 4);
  if (width != 2 && width != 4 && width != 8) return false;
  if (count * width != blob.size() - 8) return false;
  const size_t start = out->size();
  for (uint64_t i = 0; i < count; ++i) {
    const int64_t v = SignExtend(GetLittleEndian(p + 8 + i * width, static_cast<int>(width)),
                                 static_cast<int>(8 * width));
    if (i > 0 && v <= (*out)[start + i - 1]) return false;  // sorted and distinct
    out->push_back(v);
  }
  return true;
}

}  // namespace shoal
