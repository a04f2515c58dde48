// RegisterAllCommands: the one list of families a server serves.
#include "server/commands/families.h"

#include "server/acl/acl_family.h"

namespace shoal {

// SLOWLOG GET LEN RESET (slowlog_family.cc).
void RegisterSlowlogCommands(CommandTable* table);
// LATENCY, MONITOR (latency_family.cc).
void RegisterLatencyCommands(CommandTable* table);

void RegisterAllCommands(CommandTable* table) {
  RegisterConnectionCommands(table);
  RegisterStringCommands(table);
  RegisterHashCommands(table);
  RegisterListCommands(table);
  RegisterSetCommands(table);
  RegisterZSetCommands(table);
  RegisterPubSubCommands(table);
  RegisterBitmapCommands(table);
  RegisterHyperLogLogCommands(table);
  RegisterGeoCommands(table);
  RegisterStreamCommands(table);
  RegisterSortCommands(table);
  RegisterDumpCommands(table);
  RegisterKeyCommands(table);
  RegisterTransactionCommands(table);
  RegisterServerCommands(table);
  RegisterSlowlogCommands(table);
  RegisterLatencyCommands(table);
  RegisterAclCommands(table);
}

}  // namespace shoal
