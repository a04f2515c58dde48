// Internal to the dump family (dump_family.cc, migrate_family.cc): the
// serializer's options and limits as the config has them now, and MIGRATE's
// registration.
#ifndef SHOAL_SERVER_COMMANDS_DUMP_FAMILY_H_
#define SHOAL_SERVER_COMMANDS_DUMP_FAMILY_H_

#include "server/dispatch/command_context.h"
#include "server/dispatch/command_table.h"
#include "server/serialize/value_dump.h"

namespace shoal {
namespace dump_family {

// rdbcompression and list-max-listpack-size, read at each call.
DumpOptions CurrentDumpOptions(const CommandContext& ctx);
// The *-max-listpack-* / set-max-intset-entries limits, read at each call.
LoadLimits CurrentLoadLimits(const CommandContext& ctx);

void RegisterMigrate(CommandTable* table);

}  // namespace dump_family
}  // namespace shoal

#endif  // SHOAL_SERVER_COMMANDS_DUMP_FAMILY_H_
