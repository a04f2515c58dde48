// Entry: allocation, encoding and accessors of the one-allocation key/value
// record described in entry.h.
//
// Every entry is exactly one malloc: header, optional expire, key bytes and
// value bytes (or an 8-byte int / CompoundValue pointer) back to back. The
// int64 and pointer payloads sit at arbitrary byte offsets after the key, so
// they are always read and written with memcpy (which compiles to a plain
// unaligned load/store on the targets we care about).
#include "server/store/entry.h"

#include <malloc.h>

#include <bit>

#include <cassert>
#include <cstddef>
#include <charconv>
#include <cstdlib>
#include <limits>
#include <new>

#include "server/store/compound_value.h"

namespace shoal {

// The 6-byte expire field is the low bytes of a little-endian int64.
static_assert(std::endian::native == std::endian::little);

const char* TypeName(ValueType t) {
  switch (t) {
    case ValueType::kString:
      return "string";
    case ValueType::kList:
      return "list";
    case ValueType::kSet:
      return "set";
    case ValueType::kZSet:
      return "zset";
    case ValueType::kHash:
      return "hash";
    case ValueType::kStream:
      return "stream";
  }
  return "none";
}

bool ParseInt64Strict(std::string_view s, int64_t* out) {
  const size_t n = s.size();
  // 20 = "-9223372036854775808".
  if (n == 0 || n > 20) return false;
  if (n == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    i = 1;
    if (n == 1) return false;
  }
  // First digit 1-9: no leading zeros, and "-0" is not canonical.
  if (s[i] < '1' || s[i] > '9') return false;
  uint64_t v = static_cast<uint64_t>(s[i] - '0');
  for (++i; i < n; ++i) {
    unsigned d = static_cast<unsigned char>(s[i]) - '0';
    if (d > 9) return false;
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return false;
    v = v * 10 + d;
  }
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (negative) {
    if (v > kMax + 1) return false;
    *out = static_cast<int64_t>(0 - v);  // modular conversion, well defined in C++20
  } else {
    if (v > kMax) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

Entry* Entry::Allocate(std::string_view key, ValueType type, Encoding enc, size_t value_len,
                       int64_t expire_ms) {
  const bool has_expire = expire_ms > 0;
  const bool wide = has_expire && expire_ms >= kNarrowExpireLimit;
  const bool long_lengths = key.size() > 255 || value_len > 255;
  const size_t header = long_lengths ? kLongHeader : kShortHeader;
  const size_t expire_bytes = has_expire ? (wide ? 8 : 6) : 0;
  const size_t size = header + expire_bytes + key.size() + value_len;
  // At least sizeof(Entry): the object's members must lie inside the block.
  void* mem = std::malloc(size < sizeof(Entry) ? sizeof(Entry) : size);
  if (mem == nullptr) std::abort();  // as Redis: out of memory is fatal
  Entry* e = new (mem) Entry();
  e->flags_ = static_cast<uint8_t>(static_cast<uint8_t>(type) |
                                   (static_cast<uint8_t>(enc) << kEncShift) |
                                   (has_expire ? kHasExpire : 0) | (wide ? kWideExpire : 0) |
                                   (long_lengths ? kLongLengths : 0));
  unsigned char* b = reinterpret_cast<unsigned char*>(e);
  if (long_lengths) {
    const uint32_t kl = static_cast<uint32_t>(key.size());
    const uint32_t vl = static_cast<uint32_t>(value_len);
    std::memcpy(b + 5, &kl, 4);
    std::memcpy(b + 9, &vl, 4);
  } else {
    b[5] = static_cast<unsigned char>(key.size());
    b[6] = static_cast<unsigned char>(value_len);
  }
  if (has_expire) e->set_expire_ms(expire_ms);
  if (!key.empty()) std::memcpy(const_cast<char*>(e->KeyPtr()), key.data(), key.size());
  return e;
}

Entry* Entry::NewString(std::string_view key, std::string_view value, int64_t expire_ms) {
  int64_t v;
  if (value.size() <= 20 && ParseInt64Strict(value, &v)) return NewInt(key, v, expire_ms);
  Entry* e = Allocate(key, ValueType::kString, Encoding::kRaw, value.size(), expire_ms);
  if (!value.empty()) std::memcpy(e->ValuePtr(), value.data(), value.size());
  return e;
}

Entry* Entry::NewInt(std::string_view key, int64_t value, int64_t expire_ms) {
  Entry* e = Allocate(key, ValueType::kString, Encoding::kInt, sizeof(int64_t), expire_ms);
  std::memcpy(e->ValuePtr(), &value, sizeof(value));
  return e;
}

Entry* Entry::NewObject(std::string_view key, ValueType type, CompoundValue* obj,
                        int64_t expire_ms) {
  Entry* e = Allocate(key, type, Encoding::kObject, sizeof(CompoundValue*), expire_ms);
  std::memcpy(e->ValuePtr(), &obj, sizeof(obj));
  return e;
}

namespace {

// Whether malloc would serve a request of n bytes with a block of `usable`
// bytes: glibc's small bins are 16 bytes apart, the smallest holding 24.
// With an allocator that returns exactly what was asked (ASan) a block
// reused this way counts up to 15 bytes more than a new one would.
bool SameSizeClass(size_t usable, size_t n) { return n <= usable && usable - n < 16; }

}  // namespace

bool Entry::AssignString(std::string_view value, int64_t expire_ms) {
  if (type() != ValueType::kString || encoding() == Encoding::kObject) return false;
  // The expire field Allocate would lay out: present or not, 6 or 8 bytes.
  const bool has_expire = expire_ms > 0;
  const bool wide = has_expire && expire_ms >= kNarrowExpireLimit;
  if (has_expire != this->has_expire() || wide != ((flags_ & kWideExpire) != 0)) return false;
  int64_t v = 0;
  const bool is_int = value.size() <= 20 && ParseInt64Strict(value, &v);
  const size_t value_len = is_int ? sizeof(int64_t) : value.size();
  const uint32_t klen = key_len();
  if ((klen > 255 || value_len > 255) != ((flags_ & kLongLengths) != 0)) return false;
  const size_t size = header_size() + expire_size() + klen + value_len;
  if (!SameSizeClass(malloc_usable_size(this), size < sizeof(Entry) ? sizeof(Entry) : size)) {
    return false;
  }
  const Encoding enc = is_int ? Encoding::kInt : Encoding::kRaw;
  flags_ = static_cast<uint8_t>((flags_ & ~(0x3 << kEncShift)) |
                                (static_cast<uint8_t>(enc) << kEncShift));
  unsigned char* b = reinterpret_cast<unsigned char*>(this);
  if (flags_ & kLongLengths) {
    const uint32_t vl = static_cast<uint32_t>(value_len);
    std::memcpy(b + 9, &vl, 4);
  } else {
    b[6] = static_cast<unsigned char>(value_len);
  }
  if (has_expire) set_expire_ms(expire_ms);
  if (is_int) {
    std::memcpy(ValuePtr(), &v, sizeof(v));
  } else if (!value.empty()) {
    std::memmove(ValuePtr(), value.data(), value.size());
  }
  return true;
}

Entry* Entry::Rebuild(const Entry* src, std::string_view key, int64_t expire_ms, bool steal) {
  const Encoding enc = src->encoding();
  const size_t value_len = src->value_len();
  Entry* e = Allocate(key, src->type(), enc, value_len, expire_ms);
  e->meta_ = src->meta_;
  if (enc == Encoding::kObject) {
    CompoundValue* obj = steal ? src->object() : src->object()->Clone();
    std::memcpy(e->ValuePtr(), &obj, sizeof(obj));
  } else if (value_len > 0) {
    std::memcpy(e->ValuePtr(), src->ValuePtr(), value_len);
  }
  return e;
}

void Entry::Free(Entry* e) {
  static_assert(offsetof(Entry, meta_) == 0, "FromMeta relies on meta_ coming first");
  if (e == nullptr) return;
  if (e->encoding() == Encoding::kObject) delete e->object();
  std::free(e);
}

void Entry::FreeShell(Entry* e) { std::free(e); }

int64_t Entry::expire_ms() const {
  if (!has_expire()) return 0;
  if (flags_ & kWideExpire) {
    int64_t t;
    std::memcpy(&t, ExpirePtr(), sizeof(t));
    return t;
  }
  // 48-bit little-endian field.
  uint64_t t = 0;
  std::memcpy(&t, ExpirePtr(), 6);
  return static_cast<int64_t>(t);
}

void Entry::set_expire_ms(int64_t t) {
  assert(CanSetExpireInPlace(t));
  if (flags_ & kWideExpire) {
    std::memcpy(ExpirePtr(), &t, sizeof(t));
  } else {
    const uint64_t u = static_cast<uint64_t>(t);
    std::memcpy(ExpirePtr(), &u, 6);
  }
}

std::string_view Entry::StringValue(char* buf) const {
  switch (encoding()) {
    case Encoding::kRaw:
      return raw_value();
    case Encoding::kInt: {
      auto res = std::to_chars(buf, buf + 24, int_value());
      return {buf, static_cast<size_t>(res.ptr - buf)};
    }
    case Encoding::kObject:
      break;
  }
  return {};
}

int64_t Entry::int_value() const {
  assert(encoding() == Encoding::kInt);
  int64_t v;
  std::memcpy(&v, ValuePtr(), sizeof(v));
  return v;
}

void Entry::set_int_value(int64_t v) {
  assert(encoding() == Encoding::kInt);
  std::memcpy(ValuePtr(), &v, sizeof(v));
}

size_t Entry::StringLength() const {
  if (encoding() == Encoding::kInt) {
    char buf[24];
    return StringValue(buf).size();
  }
  if (encoding() == Encoding::kRaw) return value_len();
  return 0;
}

CompoundValue* Entry::object() const {
  if (encoding() != Encoding::kObject) return nullptr;
  CompoundValue* obj;
  std::memcpy(&obj, ValuePtr(), sizeof(obj));
  return obj;
}

size_t Entry::AllocatedSize() const {
  const size_t size = header_size() + expire_size() + key_len() + value_len();
  return size < sizeof(Entry) ? sizeof(Entry) : size;
}

size_t Entry::MemoryBytes() const {
  size_t bytes = malloc_usable_size(const_cast<Entry*>(this));
  if (encoding() == Encoding::kObject) bytes += object()->MemoryBytes();
  return bytes;
}

}  // namespace shoal
