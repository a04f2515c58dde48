// The dump family (DUMP RESTORE MIGRATE): not served yet; its commands are absent from
// the table, so clients get Redis's unknown-command reply.
#include "server/commands/families.h"

namespace shoal {

void RegisterDumpCommands(CommandTable* table) {}

}  // namespace shoal
