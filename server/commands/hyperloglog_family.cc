// The hyperloglog family (PFADD PFCOUNT PFMERGE ...): not served yet; its commands are absent from
// the table, so clients get Redis's unknown-command reply.
#include "server/commands/families.h"

namespace shoal {

void RegisterHyperLogLogCommands(CommandTable* table) {}

}  // namespace shoal
