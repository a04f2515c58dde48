// Registers REPLICAOF, SLAVEOF, ROLE, WAIT, REPLCONF and PSYNC. Their
// handlers use the ReplicationManager set as ServerState::replication.
#ifndef SHOAL_SERVER_REPLICATION_REPLICATION_FAMILY_H_
#define SHOAL_SERVER_REPLICATION_REPLICATION_FAMILY_H_

#include "server/dispatch/command_table.h"

namespace shoal {

void RegisterReplicationCommands(CommandTable* table);

}  // namespace shoal

#endif  // SHOAL_SERVER_REPLICATION_REPLICATION_FAMILY_H_
