// The CLIENT container (client_family.cc), registered by the connection
// family, and the rules for client names that HELLO SETNAME shares with
// CLIENT SETNAME.
#ifndef SHOAL_SERVER_COMMANDS_CLIENT_FAMILY_H_
#define SHOAL_SERVER_COMMANDS_CLIENT_FAMILY_H_

#include <string_view>
#include <vector>

#include "server/dispatch/command_table.h"

namespace shoal {

inline constexpr std::string_view kErrClientName =
    "ERR Client names cannot contain spaces, newlines or special characters.";

// CLIENT and its subcommands. Called by RegisterConnectionCommands.
void RegisterClientCommands(CommandTable* table);
// CLIENT TRACKING, CACHING, GETREDIR, TRACKINGINFO (tracking_family.cc).
void AddTrackingSubcommands(std::vector<CommandSpec>* subcommands);

// Redis's rule for client names and library attributes: every byte is
// printable ASCII other than space ('!'..'~'), so CLIENT LIST stays one
// parseable line per client. The empty string is valid (it clears the name).
bool IsValidClientAttr(std::string_view s);

}  // namespace shoal

#endif  // SHOAL_SERVER_COMMANDS_CLIENT_FAMILY_H_
