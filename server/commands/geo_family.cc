// The geo family (GEOADD GEOSEARCH GEORADIUS ...): not served yet; its commands are absent from
// the table, so clients get Redis's unknown-command reply.
#include "server/commands/families.h"

namespace shoal {

void RegisterGeoCommands(CommandTable* table) {}

}  // namespace shoal
