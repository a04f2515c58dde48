// The geo family's shared helpers (geo_family.h) and its point commands:
// GEOADD GEODIST GEOHASH GEOPOS. RegisterGeoCommands registers the whole
// family, including the searches of geo_search_family.cc.
//
// GEOADD is ZADD: like Redis (which rewrites the command vector and calls
// zaddCommand), it validates every coordinate first, turns each into its
// 52-bit score and hands "ZADD key [NX|XX] [CH] score member ..." to the
// sorted-set family's own handler, so the reply, the "zadd" keyspace event,
// the encoding conversions and WATCH behave exactly as ZADD's.
#include "server/commands/geo_family.h"

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "base/strings.h"
#include "server/commands/families.h"
#include "server/commands/zset_family.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/errors.h"

namespace shoal {

bool ParseLonLat(CommandContext& ctx, std::string_view lon, std::string_view lat, double* x,
                 double* y) {
  if (!ParseDouble(lon, x) || !ParseDouble(lat, y)) {
    ctx.Error(kErrNotFloat);
    return false;
  }
  if (!geo::ValidLonLat(*x, *y)) {
    char buf[1024];
    std::snprintf(buf, sizeof(buf), "ERR invalid longitude,latitude pair %f,%f", *x, *y);
    ctx.Error(buf);
    return false;
  }
  return true;
}

bool ParseGeoUnit(CommandContext& ctx, std::string_view unit, double* conversion) {
  if (ArgIs(unit, "m")) {
    *conversion = 1;
  } else if (ArgIs(unit, "km")) {
    *conversion = 1000;
  } else if (ArgIs(unit, "ft")) {
    *conversion = 0.3048;
  } else if (ArgIs(unit, "mi")) {
    *conversion = 1609.34;
  } else {
    ctx.Error("ERR unsupported unit provided. please use M, KM, FT, MI");
    return false;
  }
  return true;
}

bool MemberPoint(const ZSetValue& z, std::string_view member, double* lon, double* lat) {
  double score;
  if (!z.Score(member, &score)) return false;
  geo::PointOfScore(score, lon, lat);
  return true;
}

void ReplyCoordinate(CommandContext& ctx, double v) {
  const std::string text = geo::CoordinateText(v);
  if (ctx.reply->resp_version() >= 3) {
    ctx.reply->Raw(StrCat(",", text, "\r\n"));
  } else {
    ctx.reply->Bulk(text);
  }
}

namespace {

using Lookup = Store::Lookup;

// ---------------------------------------------------------------------------
// GEOADD key [NX | XX] [CH] longitude latitude member [...]

void CmdGeoAdd(CommandContext& ctx, CmdArgs args) {
  bool nx = false, xx = false;
  size_t first = 2;
  for (; first < args.size(); ++first) {
    if (ArgIs(args[first], "nx")) {
      nx = true;
    } else if (ArgIs(args[first], "xx")) {
      xx = true;
    } else if (!ArgIs(args[first], "ch")) {
      break;
    }
  }
  if ((args.size() - first) % 3 != 0 || (nx && xx)) {
    ctx.Error(kErrSyntax);
    return;
  }
  const size_t elements = (args.size() - first) / 3;
  std::vector<std::string> scores(elements);
  for (size_t i = 0; i < elements; ++i) {
    double lon, lat;
    if (!ParseLonLat(ctx, args[first + 3 * i], args[first + 3 * i + 1], &lon, &lat)) return;
    scores[i] = std::to_string(geo::ScoreOf(lon, lat));
  }
  // "zadd key <options> score member ...": the options as given.
  std::vector<std::string_view> zargs;
  zargs.reserve(first + 2 * elements);
  zargs.push_back("zadd");
  for (size_t i = 1; i < first; ++i) zargs.push_back(args[i]);
  for (size_t i = 0; i < elements; ++i) {
    zargs.push_back(scores[i]);
    zargs.push_back(args[first + 3 * i + 2]);
  }
  const CommandSpec* zadd = ctx.server != nullptr ? ctx.server->table().FindOriginal("zadd") : nullptr;
  if (zadd == nullptr) {
    ctx.Error("ERR ZADD is not available");
    return;
  }
  zadd->handler(ctx, CmdArgs(zargs));
}

// ---------------------------------------------------------------------------
// GEODIST key member1 member2 [M | KM | FT | MI]

void CmdGeoDist(CommandContext& ctx, CmdArgs args) {
  double conversion = 1;
  if (args.size() == 5) {
    if (!ParseGeoUnit(ctx, args[4], &conversion)) return;
  } else if (args.size() > 5) {
    ctx.Error(kErrSyntax);
    return;
  }
  ZKey k;
  if (!LookupZSet(ctx, args[1], Lookup::kRead, &k)) return;
  double x1, y1, x2, y2;
  if (k.z == nullptr || !MemberPoint(*k.z, args[2], &x1, &y1) ||
      !MemberPoint(*k.z, args[3], &x2, &y2)) {
    ctx.reply->NullBulk();
    return;
  }
  ctx.reply->Bulk(geo::DistanceText(geo::Distance(x1, y1, x2, y2) / conversion));
}

// ---------------------------------------------------------------------------
// GEOHASH key [member ...] and GEOPOS key [member ...]

void CmdGeoHash(CommandContext& ctx, CmdArgs args) {
  ZKey k;
  if (!LookupZSet(ctx, args[1], Lookup::kRead, &k)) return;
  ctx.reply->ArrayHeader(static_cast<int64_t>(args.size() - 2));
  for (size_t i = 2; i < args.size(); ++i) {
    double score;
    if (k.z == nullptr || !k.z->Score(args[i], &score)) {
      ctx.reply->NullBulk();
    } else {
      ctx.reply->Bulk(geo::GeohashText(score));
    }
  }
}

void CmdGeoPos(CommandContext& ctx, CmdArgs args) {
  ZKey k;
  if (!LookupZSet(ctx, args[1], Lookup::kRead, &k)) return;
  ctx.reply->ArrayHeader(static_cast<int64_t>(args.size() - 2));
  for (size_t i = 2; i < args.size(); ++i) {
    double lon, lat;
    if (k.z == nullptr || !MemberPoint(*k.z, args[i], &lon, &lat)) {
      ctx.reply->NullArray();
      continue;
    }
    ctx.reply->ArrayHeader(2);
    ReplyCoordinate(ctx, lon);
    ReplyCoordinate(ctx, lat);
  }
}

}  // namespace

void RegisterGeoCommands(CommandTable* table) {
  table->Register(MakeSpec(
      "geoadd", -5, kCmdWrite | kCmdDenyOom, kOneKey, &CmdGeoAdd,
      {.group = "geo",
       .since = "3.2.0",
       .summary = "Adds one or more members to a geospatial index. The key is created if it "
                  "doesn't exist.",
       .complexity = "O(log(N)) for each item added, where N is the number of elements in the "
                     "sorted set.",
       .syntax = "key [NX | XX] [CH] longitude latitude member [longitude latitude member ...]",
       .acl_categories = "@write @geo @slow"}));
  table->Register(MakeSpec("geodist", -4, kCmdReadOnly, kOneKey, &CmdGeoDist,
                           {.group = "geo",
                            .since = "3.2.0",
                            .summary = "Returns the distance between two members of a geospatial "
                                       "index.",
                            .complexity = "O(log(N))",
                            .syntax = "key member1 member2 [M | KM | FT | MI]",
                            .acl_categories = "@read @geo @slow"}));
  table->Register(MakeSpec("geohash", -2, kCmdReadOnly, kOneKey, &CmdGeoHash,
                           {.group = "geo",
                            .since = "3.2.0",
                            .summary = "Returns members from a geospatial index as geohash "
                                       "strings.",
                            .complexity = "O(log(N)) for each member requested.",
                            .syntax = "key [member [member ...]]",
                            .acl_categories = "@read @geo @slow"}));
  table->Register(MakeSpec("geopos", -2, kCmdReadOnly, kOneKey, &CmdGeoPos,
                           {.group = "geo",
                            .since = "3.2.0",
                            .summary = "Returns the longitude and latitude of members from a "
                                       "geospatial index.",
                            .complexity = "O(1) for each member requested.",
                            .syntax = "key [member [member ...]]",
                            .acl_categories = "@read @geo @slow"}));
  RegisterGeoSearchCommands(table);
}

}  // namespace shoal
