// The bitmap family, split over two files: bitmap_family.cc (SETBIT GETBIT
// BITCOUNT BITPOS BITOP) and bitmap_bitfield_family.cc (BITFIELD,
// BITFIELD_RO). This header is internal to the family: the bit-offset
// argument both parse, and the writable view of a string value they write
// through. The bit arithmetic itself is in server/types/bitfield.h.
#ifndef SHOAL_SERVER_COMMANDS_BITMAP_FAMILY_H_
#define SHOAL_SERVER_COMMANDS_BITMAP_FAMILY_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/dispatch/command_context.h"
#include "server/dispatch/command_table.h"
#include "server/store/entry.h"

namespace shoal {

inline constexpr std::string_view kErrBitOffset =
    "ERR bit offset is not an integer or out of range";

// Parses a bit offset as Redis's getBitOffsetFromArgument: a canonical
// integer, or with `hash_bits` > 0 also "#n" meaning n * hash_bits (the
// multiplication wraps as in Redis's C code); it must be >= 0 and address a
// byte below proto-max-bulk-len. False (reply kErrBitOffset) otherwise.
bool ParseBitOffset(const CommandContext& ctx, std::string_view arg, int hash_bits,
                    uint64_t* offset);

// A string value opened for a bit write, as Redis's lookupStringForBitCommand:
// the key is created (zero bytes) when missing, and the value zero-padded to
// cover `min_len` bytes. Writes go to data() directly: in place in the entry
// when it already holds a long enough raw string (entries never change size,
// so only then), otherwise into a private copy that Commit() stores, with
// the key's TTL kept. Valid until Commit(); the caller holds the key's stripe.
class BitWriteTarget {
 public:
  explicit BitWriteTarget(CommandContext& ctx) : ctx_(ctx) {}
  BitWriteTarget(const BitWriteTarget&) = delete;
  BitWriteTarget& operator=(const BitWriteTarget&) = delete;

  // Replies WRONGTYPE and returns false when the key holds another type.
  bool Open(std::string_view key, uint64_t min_len);
  uint8_t* data() { return data_; }
  size_t size() const { return size_; }
  // Created or lengthened: Redis's "dirty", which makes a write count as a
  // change (keyspace event) even when it wrote the bits already there.
  bool resized() const { return created_ || grown_; }

  // Stores the value (a new key, a grown copy, or marks an in-place change
  // when `changed`), and publishes "new" for a created key.
  void Commit(bool changed);

 private:
  CommandContext& ctx_;
  std::string_view key_;
  Entry* entry_ = nullptr;  // the existing entry, when there is one
  std::string copy_;        // the value, when it cannot be written in place
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool created_ = false;
  bool grown_ = false;
};

// BITFIELD and BITFIELD_RO (bitmap_bitfield_family.cc). Called by
// RegisterBitmapCommands.
void RegisterBitfieldCommands(CommandTable* table);

}  // namespace shoal

#endif  // SHOAL_SERVER_COMMANDS_BITMAP_FAMILY_H_
