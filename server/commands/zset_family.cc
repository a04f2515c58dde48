// Placeholder until the zset family lands: registers nothing, so its commands
// get Redis's unknown-command reply.
#include "server/commands/families.h"

namespace shoal {
void RegisterZSetCommands(CommandTable*) {}
}  // namespace shoal
