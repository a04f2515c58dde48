// The command families: each registers its commands in the table. One file
// per family (connection_family.cc, string_family.cc, ...).
#ifndef SHOAL_SERVER_COMMANDS_FAMILIES_H_
#define SHOAL_SERVER_COMMANDS_FAMILIES_H_

#include "server/commands/command_table.h"

namespace shoal {

void RegisterConnectionCommands(CommandTable* table);   // PING ECHO HELLO AUTH SELECT CLIENT ...
void RegisterStringCommands(CommandTable* table);       // GET SET INCR APPEND LCS ...
void RegisterKeyCommands(CommandTable* table);          // DEL EXPIRE SCAN RENAME COPY ...
void RegisterTransactionCommands(CommandTable* table);  // MULTI EXEC DISCARD WATCH UNWATCH
void RegisterServerCommands(CommandTable* table);       // INFO CONFIG COMMAND TIME MEMORY ...

// Every family above, in the order COMMAND lists them.
void RegisterAllCommands(CommandTable* table);

}  // namespace shoal

#endif  // SHOAL_SERVER_COMMANDS_FAMILIES_H_
