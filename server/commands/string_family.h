// The string family, split over two files: string_family.cc (GET SET INCR
// APPEND ...) and string_lcs_family.cc (LCS, with its dynamic-programming
// table). RegisterStringCommands (families.h) registers both; this header is
// internal to the family.
#ifndef SHOAL_SERVER_COMMANDS_STRING_FAMILY_H_
#define SHOAL_SERVER_COMMANDS_STRING_FAMILY_H_

#include <cstddef>
#include <cstdint>

#include "server/dispatch/command_context.h"
#include "server/dispatch/command_table.h"

namespace shoal {

// Large enough for any int64 in decimal (Entry::StringValue needs >= 24).
inline constexpr size_t kIntBufSize = 32;

// proto-max-bulk-len: the longest string a command may build.
int64_t ProtoMaxBulkLen(const CommandContext& ctx);

// LCS (string_lcs_family.cc). Called by RegisterStringCommands.
void RegisterLcsCommand(CommandTable* table);

}  // namespace shoal

#endif  // SHOAL_SERVER_COMMANDS_STRING_FAMILY_H_
