// The generic keyspace family, split over three files by what the commands
// act on:
//   keys_family.cc      one or two keys as a whole: DEL UNLINK EXISTS TOUCH
//                       TYPE RENAME RENAMENX COPY MOVE OBJECT
//   expire_family.cc    a key's time to live: EXPIRE PEXPIRE EXPIREAT
//                       PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME PERSIST
//   keyspace_family.cc  a whole database: KEYS SCAN RANDOMKEY DBSIZE FLUSHDB
//                       FLUSHALL SWAPDB
// RegisterKeyCommands (families.h) registers all three; this header is
// internal to the family.
#ifndef SHOAL_SERVER_COMMANDS_KEYS_FAMILY_H_
#define SHOAL_SERVER_COMMANDS_KEYS_FAMILY_H_

#include "server/dispatch/command_table.h"

namespace shoal {

void RegisterExpireCommands(CommandTable* table);
void RegisterKeyspaceCommands(CommandTable* table);

}  // namespace shoal

#endif  // SHOAL_SERVER_COMMANDS_KEYS_FAMILY_H_
