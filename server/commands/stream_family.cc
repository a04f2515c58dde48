// The stream family (XADD XREAD XREADGROUP XACK XINFO ...): not served yet; its commands are absent from
// the table, so clients get Redis's unknown-command reply.
#include "server/commands/families.h"

namespace shoal {

void RegisterStreamCommands(CommandTable* table) {}

}  // namespace shoal
