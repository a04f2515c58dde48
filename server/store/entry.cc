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

#include <cassert>
#include <charconv>
#include <cstdlib>
#include <limits>
#include <new>

#include "server/store/compound_value.h"

namespace shoal {

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
  const size_t size = sizeof(Entry) + (has_expire ? 8 : 0) + key.size() + value_len;
  void* mem = std::malloc(size);
  if (mem == nullptr) std::abort();  // as Redis: out of memory is fatal
  Entry* e = new (mem) Entry();
  e->type_ = static_cast<uint8_t>(type);
  e->flags_ = static_cast<uint8_t>(enc) | (has_expire ? kHasExpire : 0);
  e->key_len_ = static_cast<uint32_t>(key.size());
  e->value_len_ = static_cast<uint32_t>(value_len);
  if (has_expire) std::memcpy(reinterpret_cast<char*>(e + 1), &expire_ms, sizeof(expire_ms));
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

Entry* Entry::Rebuild(const Entry* src, std::string_view key, int64_t expire_ms, bool steal) {
  const Encoding enc = src->encoding();
  Entry* e = Allocate(key, src->type(), enc, src->value_len_, expire_ms);
  e->meta_ = src->meta_;
  if (enc == Encoding::kObject) {
    CompoundValue* obj = steal ? src->object() : src->object()->Clone();
    std::memcpy(e->ValuePtr(), &obj, sizeof(obj));
  } else if (src->value_len_ > 0) {
    std::memcpy(e->ValuePtr(), src->ValuePtr(), src->value_len_);
  }
  return e;
}

void Entry::Free(Entry* e) {
  if (e == nullptr) return;
  if (e->encoding() == Encoding::kObject) delete e->object();
  std::free(e);
}

void Entry::FreeShell(Entry* e) { std::free(e); }

int64_t Entry::expire_ms() const {
  if (!has_expire()) return 0;
  int64_t t;
  std::memcpy(&t, reinterpret_cast<const char*>(this + 1), sizeof(t));
  return t;
}

void Entry::set_expire_ms(int64_t t) {
  assert(has_expire() && t > 0);
  std::memcpy(reinterpret_cast<char*>(this + 1), &t, sizeof(t));
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
  if (encoding() == Encoding::kRaw) return value_len_;
  return 0;
}

CompoundValue* Entry::object() const {
  if (encoding() != Encoding::kObject) return nullptr;
  CompoundValue* obj;
  std::memcpy(&obj, ValuePtr(), sizeof(obj));
  return obj;
}

size_t Entry::MemoryBytes() const {
  size_t bytes = malloc_usable_size(const_cast<Entry*>(this));
  if (encoding() == Encoding::kObject) bytes += object()->MemoryBytes();
  return bytes;
}

}  // namespace shoal
