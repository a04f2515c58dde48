// The geo family, split by what the commands do:
//   geo_family.cc         points: GEOADD GEODIST GEOHASH GEOPOS
//   geo_search_family.cc  searches: GEOSEARCH GEOSEARCHSTORE GEORADIUS
//                         GEORADIUS_RO GEORADIUSBYMEMBER GEORADIUSBYMEMBER_RO
// RegisterGeoCommands (families.h) registers both. This header is internal to
// the family: the helpers both parts share.
//
// A geo set is a sorted set (server/types/zset_value.h) whose scores are
// 52-bit geohashes (server/types/geohash.h); the family reads and writes it
// only through the sorted-set family's helpers (zset_family.h) and GEOADD is
// ZADD with computed scores, as in Redis. Replies and error texts are
// redis-server 7.0's; tests/test_geo.py and the differential sessions
// tests/differential_sessions/geo_*.txt pin them. Design: docs/geo-sort.md.
#ifndef SHOAL_SERVER_COMMANDS_GEO_FAMILY_H_
#define SHOAL_SERVER_COMMANDS_GEO_FAMILY_H_

#include <string_view>

#include "server/dispatch/command_context.h"
#include "server/dispatch/command_table.h"
#include "server/types/geohash.h"
#include "server/types/zset_value.h"

namespace shoal {

// Parses "lon lat" (Redis's extractLongLatOrReply); false after replying.
bool ParseLonLat(CommandContext& ctx, std::string_view lon, std::string_view lat, double* x,
                 double* y);
// Metres per unit for "m", "km", "ft" or "mi" (any case); false after
// replying Redis's error.
bool ParseGeoUnit(CommandContext& ctx, std::string_view unit, double* conversion);
// The point a member of a geo set stands for; false when it is absent.
bool MemberPoint(const ZSetValue& z, std::string_view member, double* lon, double* lat);
// A coordinate as Redis replies it: bulk text in RESP2, a double in RESP3,
// both with Redis's 17-decimal "human" text.
void ReplyCoordinate(CommandContext& ctx, double v);

void RegisterGeoSearchCommands(CommandTable* table);

}  // namespace shoal

#endif  // SHOAL_SERVER_COMMANDS_GEO_FAMILY_H_
