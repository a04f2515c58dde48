// The string family, split over three files:
//   string_family.cc        GET SET SETNX SETEX PSETEX MGET MSET MSETNX GETSET
//                           GETDEL GETEX INCR DECR INCRBY DECRBY INCRBYFLOAT
//   string_range_family.cc  lengths and ranges: APPEND STRLEN GETRANGE SUBSTR
//                           SETRANGE
//   string_lcs_family.cc    LCS, with its dynamic-programming table
// RegisterStringCommands (families.h) registers all three, in that order.
// This header is internal to the family (bitmap_family.cc and
// bitmap_bitfield_family.cc also read kIntBufSize and ProtoMaxBulkLen).
//
// Everything here runs inside a handler, on a worker thread, with the stripes
// of its keys locked by the dispatcher.
#ifndef SHOAL_SERVER_COMMANDS_STRING_FAMILY_H_
#define SHOAL_SERVER_COMMANDS_STRING_FAMILY_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/dispatch/command_context.h"
#include "server/dispatch/command_table.h"
#include "server/store/entry.h"

namespace shoal {

// Large enough for any int64 in decimal (Entry::StringValue needs >= 24).
inline constexpr size_t kIntBufSize = 32;

// proto-max-bulk-len: the longest string a command may build.
int64_t ProtoMaxBulkLen(const CommandContext& ctx);

namespace string_family {

// Keyspace notifications for a write: "new" when the key did not exist (as
// Redis's dbAdd), then `event`, then "expire" when the write set a TTL
// (SET EX & co, SETEX). Redis publishes "set" + "expire" even for a time
// already past, though the key is gone at once here (it would be "expired"
// on the next access there).
void NotifyWrite(CommandContext& ctx, std::string_view key, bool created,
                 std::string_view event, bool expire = false);

// Replaces a string's value by `value`, keeping its TTL (APPEND, SETRANGE,
// INCRBYFLOAT), or creates the key without TTL when `existing` (the live
// entry from Find) is null.
void OverwriteKeepTtl(CommandContext& ctx, Entry* existing, std::string_view key,
                      std::string_view value);

}  // namespace string_family

// APPEND STRLEN GETRANGE SUBSTR SETRANGE (string_range_family.cc) and LCS
// (string_lcs_family.cc). Called by RegisterStringCommands.
void RegisterStringRangeCommands(CommandTable* table);
void RegisterLcsCommand(CommandTable* table);

}  // namespace shoal

#endif  // SHOAL_SERVER_COMMANDS_STRING_FAMILY_H_
