// The server family, split over two files:
//   server_family.cc         INFO CONFIG COMMAND TIME LASTSAVE SHUTDOWN
//   server_memory_family.cc  MEMORY MODULE
// RegisterServerCommands (families.h) registers both. This header is
// internal to the family: what the two files share.
#ifndef SHOAL_SERVER_COMMANDS_SERVER_FAMILY_H_
#define SHOAL_SERVER_COMMANDS_SERVER_FAMILY_H_

#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "server/dispatch/command.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/command_table.h"

namespace shoal {
namespace server_family {

inline constexpr uint32_t kLoadingStale = kCmdLoading | kCmdStale;

// Redis's addReplyHelp: "<COMMAND> <subcommand> ..." then the lines, then HELP.
void ReplyHelp(CommandContext& ctx, std::string_view command,
               std::initializer_list<std::string_view> lines);

// Containers only run when the dispatcher could not pick a subcommand, which
// their arity already rules out; answer like Redis would anyway.
void ContainerArity(CommandContext& ctx, CmdArgs args);

// MEMORY and MODULE (server_memory_family.cc).
void RegisterServerMemoryCommands(CommandTable* table);

}  // namespace server_family
}  // namespace shoal

#endif  // SHOAL_SERVER_COMMANDS_SERVER_FAMILY_H_
