// The bitmap family (SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD ...): not served yet; its commands are absent from
// the table, so clients get Redis's unknown-command reply.
#include "server/commands/families.h"

namespace shoal {

void RegisterBitmapCommands(CommandTable* table) {}

}  // namespace shoal
