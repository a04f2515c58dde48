// The sort family (SORT SORT_RO): not served yet; its commands are absent from
// the table, so clients get Redis's unknown-command reply.
#include "server/commands/families.h"

namespace shoal {

void RegisterSortCommands(CommandTable* table) {}

}  // namespace shoal
