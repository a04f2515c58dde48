// Placeholder until the set family lands: registers nothing, so its commands
// get Redis's unknown-command reply.
#include "server/commands/families.h"

namespace shoal {
void RegisterSetCommands(CommandTable*) {}
}  // namespace shoal
