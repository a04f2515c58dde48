// Entry: one key and its value in a single allocation.
//
// Layout: [16-byte header][int64 expire_ms, only if kHasExpire][key][value]
//   header = 32-bit eviction metadata, type, flags, key length, value length.
// The value part is, by encoding:
//   kEncRaw:    the string bytes (any length; strings are at most 512 MB),
//   kEncInt:    an int64 (a string value that is a canonical integer),
//   kEncObject: a CompoundValue* owned by the entry (hashes, lists, sets,
//               sorted sets; see compound_value.h).
// An entry is immutable in its key and size: changing the expire presence or
// the length of a string value builds a new entry (Store::Replace*). Int
// values and the metadata may be changed in place. Entries are owned by
// exactly one SlotTable; whoever holds the entry's stripe lock may read it.
#ifndef SHOAL_SERVER_STORE_ENTRY_H_
#define SHOAL_SERVER_STORE_ENTRY_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace shoal {

enum class ValueType : uint8_t { kString = 0, kList = 1, kSet = 2, kZSet = 3, kHash = 4 };
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
  // key without TTL). Object values are moved (steal=true) or cloned.
  static Entry* Rebuild(const Entry* src, std::string_view key, int64_t expire_ms, bool steal);
  // Frees the entry and the object value it owns.
  static void Free(Entry* e);
  // Frees an entry whose object value was moved out by Rebuild(steal=true).
  static void FreeShell(Entry* e);

  std::string_view key() const { return {KeyPtr(), key_len_}; }
  ValueType type() const { return static_cast<ValueType>(type_); }
  Encoding encoding() const { return static_cast<Encoding>(flags_ & kEncMask); }

  bool has_expire() const { return flags_ & kHasExpire; }
  int64_t expire_ms() const;     // 0 when none
  void set_expire_ms(int64_t t);  // only when has_expire(); t > 0

  // String values. For kEncInt, StringValue formats into `buf` (>= 24 bytes).
  std::string_view StringValue(char* buf) const;
  std::string_view raw_value() const { return {ValuePtr(), value_len_}; }
  int64_t int_value() const;
  void set_int_value(int64_t v);
  size_t StringLength() const;  // length of the string form

  CompoundValue* object() const;

  uint32_t& meta() { return meta_; }
  uint32_t meta() const { return meta_; }

  // Bytes this entry holds on the heap (allocation incl. allocator rounding,
  // plus its object value's own bytes).
  size_t MemoryBytes() const;

 private:
  static constexpr uint8_t kEncMask = 0x3;
  static constexpr uint8_t kHasExpire = 0x4;

  static Entry* Allocate(std::string_view key, ValueType type, Encoding enc,
                         size_t value_len, int64_t expire_ms);
  const char* KeyPtr() const {
    return reinterpret_cast<const char*>(this + 1) + (has_expire() ? 8 : 0);
  }
  char* ValuePtr() const { return const_cast<char*>(KeyPtr()) + key_len_; }

  uint32_t meta_ = 0;
  uint8_t type_ = 0;
  uint8_t flags_ = 0;
  uint16_t reserved_ = 0;
  uint32_t key_len_ = 0;
  uint32_t value_len_ = 0;
};
static_assert(sizeof(Entry) == 16);

// Parses `s` as Redis parses an integer argument (string2ll): optional '-',
// no '+', no leading zeros, no spaces, fits int64. Shared by commands.
bool ParseInt64Strict(std::string_view s, int64_t* out);

}  // namespace shoal

#endif  // SHOAL_SERVER_STORE_ENTRY_H_
