// redis.conf directives for parts of Redis a cache server does not have:
// RDB and AOF tuning (Shoal keeps no files: `save ""`, `appendonly no`),
// disk-based replica sync (Shoal's sync never touches disk), lazy-free and
// rehashing knobs of Redis's own data structures, its allocator and process
// title. Each is accepted with Redis's grammar and default and reported by
// CONFIG GET and set by CONFIG SET, so that a stock redis.conf loads and
// tools that read them get an answer; none changes what Shoal does (as a
// redis-server with persistence off ignores its RDB and AOF tuning). A value
// outside Redis's grammar is refused with Redis's error text. The full list
// with the reason for each: docs/configuration.md.
#ifndef SHOAL_SERVER_INERT_PARAMS_H_
#define SHOAL_SERVER_INERT_PARAMS_H_

#include "server/dispatch/config_registry.h"

namespace shoal {

void RegisterInertParams(ConfigRegistry* reg);

}  // namespace shoal

#endif  // SHOAL_SERVER_INERT_PARAMS_H_
