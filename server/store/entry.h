// Entry: one key and its value in a single allocation, with a lean header.
//
// Layout (docs/memory.md has the measurements behind it):
//   [meta:4][flags:1][lengths][expire][key][value]
//   meta     32-bit eviction metadata, owned by the active eviction policy. It is
//            the first word of the entry, so a policy can name an entry by the
//            address of its meta (eviction/policy.h).
//   flags    type (3 bits), encoding (2 bits), has-expire, wide-expire, long-lengths.
//   lengths  short form: key and value length in one byte each (both < 256),
//            long form: 4 bytes each. So the header is 7 bytes for small keys.
//   expire   absent, or the absolute unix-ms expire time in 6 bytes (any time
//            before year 10889), or 8 bytes for larger times (wide).
// The value part is, by encoding:
//   kEncRaw:    the string bytes (any length; strings are at most 512 MB),
//   kEncInt:    an int64 (a string value that is a canonical integer),
//   kEncObject: a CompoundValue* owned by the entry (hashes, lists, sets,
//               sorted sets; see compound_value.h).
// The int64 / pointer payloads sit at arbitrary byte offsets, so they are read
// and written with memcpy (a plain unaligned load/store on x86-64 and arm64).
// An entry is immutable in its key and size: changing the expire presence (or
// width) or the length of a string value builds a new entry (Store::Replace*),
// unless the new string value fits the same block (AssignString).
// Int values, the expire time and the metadata may be changed in place. Entries
// are owned by exactly one SlotTable; whoever holds the entry's stripe lock may
// read it.
#ifndef SHOAL_SERVER_STORE_ENTRY_H_
#define SHOAL_SERVER_STORE_ENTRY_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace shoal {

enum class ValueType : uint8_t {
  kString = 0,
  kList = 1,
  kSet = 2,
  kZSet = 3,
  kHash = 4,
  kStream = 5,
};
enum class Encoding : uint8_t { kRaw = 0, kInt = 1, kObject = 2 };

// Redis's TYPE name of a value type ("string", "list", ...).
const char* TypeName(ValueType t);

class CompoundValue;

class Entry {
 public:
  // Builds a string entry; the value is stored as an int when it is the
  // canonical decimal form of an int64 ("12", not "012" or "+1").
  static Entry* NewString(std::string_view key, std::string_view value, int64_t expire_ms = 0);
  static Entry* NewInt(std::string_view key, int64_t value, int64_t expire_ms = 0);
  // Takes ownership of `obj`.
  static Entry* NewObject(std::string_view key, ValueType type, CompoundValue* obj,
                          int64_t expire_ms = 0);
  // Copy with a different key and/or expire (for RENAME, COPY, EXPIRE on a
  // key without TTL). Object values are moved (steal=true) or cloned. The
  // metadata is copied.
  static Entry* Rebuild(const Entry* src, std::string_view key, int64_t expire_ms, bool steal);
  // Gives a string entry the value `value` (encoded as NewString would) and
  // the expire `expire_ms` (0: none) in its own block, when the new contents
  // keep the layout's field widths (expire field, short or long lengths) and
  // malloc would hand out a block of the same size for them, so that
  // MemoryBytes stays what a new entry would report. Returns false, changing
  // nothing, otherwise (the caller builds a new entry). Keeps the metadata.
  bool AssignString(std::string_view value, int64_t expire_ms);
  // Frees the entry and the object value it owns.
  static void Free(Entry* e);
  // Frees an entry whose object value was moved out by Rebuild(steal=true).
  static void FreeShell(Entry* e);

  std::string_view key() const { return {KeyPtr(), key_len()}; }
  ValueType type() const { return static_cast<ValueType>(flags_ & kTypeMask); }
  Encoding encoding() const { return static_cast<Encoding>((flags_ >> kEncShift) & 0x3); }

  bool has_expire() const { return flags_ & kHasExpire; }
  int64_t expire_ms() const;  // 0 when none
  // Whether set_expire_ms(t) fits the entry's expire field (it has one, and t
  // needs no wider field than it has).
  bool CanSetExpireInPlace(int64_t t) const {
    return has_expire() && t > 0 && ((flags_ & kWideExpire) || t < kNarrowExpireLimit);
  }
  void set_expire_ms(int64_t t);  // only when CanSetExpireInPlace(t)

  // String values. For kEncInt, StringValue formats into `buf` (>= 24 bytes).
  std::string_view StringValue(char* buf) const;
  std::string_view raw_value() const { return {ValuePtr(), value_len()}; }
  int64_t int_value() const;
  void set_int_value(int64_t v);
  size_t StringLength() const;  // length of the string form

  CompoundValue* object() const;

  uint32_t& meta() { return meta_; }
  uint32_t meta() const { return meta_; }
  // The entry whose metadata word is *m (eviction policies name entries by
  // it: eviction/policy.h's EntryRef). The word is the entry's first.
  static Entry* FromMeta(uint32_t* m) { return reinterpret_cast<Entry*>(m); }

  // Bytes this entry holds on the heap (allocation incl. allocator rounding,
  // plus its object value's own bytes).
  size_t MemoryBytes() const;
  // Bytes of the entry's own allocation as requested (without rounding).
  size_t AllocatedSize() const;

  // Expire times at or above this need the 8-byte (wide) expire field.
  static constexpr int64_t kNarrowExpireLimit = int64_t{1} << 48;

 private:
  static constexpr uint8_t kTypeMask = 0x7;
  static constexpr int kEncShift = 3;  // 2 bits
  static constexpr uint8_t kHasExpire = 0x20;
  static constexpr uint8_t kWideExpire = 0x40;
  static constexpr uint8_t kLongLengths = 0x80;
  static constexpr size_t kShortHeader = 7;   // meta, flags, 1-byte lengths
  static constexpr size_t kLongHeader = 13;   // meta, flags, 4-byte lengths

  static Entry* Allocate(std::string_view key, ValueType type, Encoding enc,
                         size_t value_len, int64_t expire_ms);
  const unsigned char* bytes() const { return reinterpret_cast<const unsigned char*>(this); }
  size_t header_size() const { return (flags_ & kLongLengths) ? kLongHeader : kShortHeader; }
  size_t expire_size() const {
    return (flags_ & kHasExpire) ? ((flags_ & kWideExpire) ? 8 : 6) : 0;
  }
  uint32_t key_len() const {
    if (!(flags_ & kLongLengths)) return bytes()[5];
    uint32_t n;
    std::memcpy(&n, bytes() + 5, 4);
    return n;
  }
  uint32_t value_len() const {
    if (!(flags_ & kLongLengths)) return bytes()[6];
    uint32_t n;
    std::memcpy(&n, bytes() + 9, 4);
    return n;
  }
  char* ExpirePtr() const { return const_cast<char*>(reinterpret_cast<const char*>(this)) + header_size(); }
  const char* KeyPtr() const { return ExpirePtr() + expire_size(); }
  char* ValuePtr() const { return const_cast<char*>(KeyPtr()) + key_len(); }

  // Only these two are members; the lengths, expire, key and value follow in
  // the same allocation (which may be shorter than sizeof(Entry) + payload).
  uint32_t meta_ = 0;
  uint8_t flags_ = 0;
};
static_assert(sizeof(Entry) == 8);

// Parses `s` as Redis parses an integer argument (string2ll): optional '-',
// no '+', no leading zeros, no spaces, fits int64. Shared by commands.
bool ParseInt64Strict(std::string_view s, int64_t* out);

}  // namespace shoal

#endif  // SHOAL_SERVER_STORE_ENTRY_H_
