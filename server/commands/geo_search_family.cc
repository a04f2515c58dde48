// Searches of the geo family: GEOSEARCH GEOSEARCHSTORE GEORADIUS
// GEORADIUS_RO GEORADIUSBYMEMBER GEORADIUSBYMEMBER_RO.
//
// All six are one function with flags, as in Redis (georadiusGeneric), so
// that they share the order of checks that decides which error a bad request
// gets: the source key's type first (WRONGTYPE wins), then the centre and
// radius of the GEORADIUS forms, then the options left to right (each failing
// at once), then the combinations (STORE with WITH*, FROM*/BY* missing, ANY
// without COUNT), and only then a missing source key (an empty reply, or 0
// and the destination deleted for a STORE).
//
// The search (geohash.h) reads up to nine score intervals of the sorted set
// in Redis's order and keeps the points inside the shape. Without ASC/DESC
// the reply keeps that order; COUNT without ANY implies ASC; COUNT ANY stops
// reading once it has COUNT points. Sorting is stable (glibc's qsort, which
// Redis uses, is a merge sort), so points at equal distance keep the order
// they were found in; with COUNT, a partial quicksort (sort_pqsort.h) orders
// them as Redis's does. Results are copied out of the set before a STORE
// replaces the destination, which may be the source itself.
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/strings.h"
#include "server/commands/geo_family.h"
#include "server/commands/sort_pqsort.h"
#include "server/commands/zset_family.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/errors.h"

namespace shoal {
namespace {

using Lookup = Store::Lookup;

enum SearchFlag : int {
  kByCoords = 1 << 0,      // GEORADIUS[_RO] key lon lat radius unit
  kByMember = 1 << 1,      // GEORADIUSBYMEMBER[_RO] key member radius unit
  kNoStore = 1 << 2,       // the _RO forms
  kSearch = 1 << 3,        // GEOSEARCH's FROM*/BY* syntax
  kSearchStore = 1 << 4,   // GEOSEARCHSTORE dest src ...
};

enum class Order { kNone, kAsc, kDesc };

struct SearchRequest {
  geo::Shape shape;
  bool store = false;
  std::string_view store_key;
  bool store_dist = false;
  bool with_dist = false;
  bool with_hash = false;
  bool with_coord = false;
  bool any = false;
  Order order = Order::kNone;
  int64_t count = 0;  // 0: all
};

struct Found {
  std::string member;
  double score;
  double lon;
  double lat;
  double dist;  // metres while searching, the request's unit after
};

// "radius unit" (Redis's extractDistanceOrReply).
bool ParseRadius(CommandContext& ctx, std::string_view radius, std::string_view unit,
                 geo::Shape* shape) {
  double r;
  if (!ParseDouble(radius, &r)) {
    ctx.Error("ERR need numeric radius");
    return false;
  }
  if (r < 0) {
    ctx.Error("ERR radius cannot be negative");
    return false;
  }
  shape->radius = r;
  return ParseGeoUnit(ctx, unit, &shape->conversion);
}

// "width height unit" (Redis's extractBoxOrReply).
bool ParseBox(CommandContext& ctx, CmdArgs a, geo::Shape* shape) {
  double w, h;
  if (!ParseDouble(a[0], &w)) {
    ctx.Error("ERR need numeric width");
    return false;
  }
  if (!ParseDouble(a[1], &h)) {
    ctx.Error("ERR need numeric height");
    return false;
  }
  if (h < 0 || w < 0) {
    ctx.Error("ERR height or width cannot be negative");
    return false;
  }
  shape->width = w;
  shape->height = h;
  return ParseGeoUnit(ctx, a[2], &shape->conversion);
}

constexpr std::string_view kErrMemberDecode = "ERR could not decode requested zset member";

// The options after the fixed arguments, from `base` on, then their
// combinations. `z` is the source (nullptr when missing: a FROMMEMBER is then
// not looked up). False after replying the error.
bool ParseOptions(CommandContext& ctx, CmdArgs args, size_t base, int flags, const ZSetValue* z,
                  SearchRequest* req) {
  bool from_member = false, from_lonlat = false, by_radius = false, by_box = false;
  const bool search = flags & kSearch;
  const bool may_store = !(flags & kNoStore) && !search;
  const size_t remaining = args.size() - std::min(base, args.size());
  for (size_t i = 0; i < remaining; ++i) {
    std::string_view arg = args[base + i];
    CmdArgs rest = args.subspan(base + i + 1);
    if (ArgIs(arg, "withdist")) {
      req->with_dist = true;
    } else if (ArgIs(arg, "withhash")) {
      req->with_hash = true;
    } else if (ArgIs(arg, "withcoord")) {
      req->with_coord = true;
    } else if (ArgIs(arg, "any")) {
      req->any = true;
    } else if (ArgIs(arg, "asc")) {
      req->order = Order::kAsc;
    } else if (ArgIs(arg, "desc")) {
      req->order = Order::kDesc;
    } else if (ArgIs(arg, "count") && !rest.empty()) {
      if (!ParseInt(rest[0], &req->count)) {
        ctx.Error(kErrNotInteger);
        return false;
      }
      if (req->count <= 0) {
        ctx.Error("ERR COUNT must be > 0");
        return false;
      }
      ++i;
    } else if (may_store && (ArgIs(arg, "store") || ArgIs(arg, "storedist")) && !rest.empty()) {
      req->store = true;
      req->store_key = rest[0];
      req->store_dist = ArgIs(arg, "storedist");
      ++i;
    } else if (ArgIs(arg, "storedist") && (flags & kSearchStore)) {
      req->store_dist = true;
    } else if (search && !from_lonlat && ArgIs(arg, "frommember") && !rest.empty()) {
      if (z != nullptr && !MemberPoint(*z, rest[0], &req->shape.lon, &req->shape.lat)) {
        ctx.Error(kErrMemberDecode);
        return false;
      }
      from_member = true;
      ++i;
    } else if (search && !from_member && ArgIs(arg, "fromlonlat") && rest.size() >= 2) {
      if (!ParseLonLat(ctx, rest[0], rest[1], &req->shape.lon, &req->shape.lat)) return false;
      from_lonlat = true;
      i += 2;
    } else if (search && !by_box && ArgIs(arg, "byradius") && rest.size() >= 2) {
      if (!ParseRadius(ctx, rest[0], rest[1], &req->shape)) return false;
      req->shape.kind = geo::Shape::kRadius;
      by_radius = true;
      i += 2;
    } else if (search && !by_radius && ArgIs(arg, "bybox") && rest.size() >= 3) {
      if (!ParseBox(ctx, rest.subspan(0, 3), &req->shape)) return false;
      req->shape.kind = geo::Shape::kBox;
      by_box = true;
      i += 3;
    } else {
      ctx.Error(kErrSyntax);
      return false;
    }
  }

  if (req->store && (req->with_dist || req->with_hash || req->with_coord)) {
    ctx.Error(StrCat("ERR ",
                     (flags & kSearchStore) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS",
                     " is not compatible with WITHDIST, WITHHASH and WITHCOORD options"));
    return false;
  }
  if (search && !from_member && !from_lonlat) {
    ctx.Error(StrCat("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ",
                     args[0]));
    return false;
  }
  if (search && !by_radius && !by_box) {
    ctx.Error(
        StrCat("ERR exactly one of BYRADIUS and BYBOX can be specified for ", args[0]));
    return false;
  }
  if (req->any && req->count == 0) {
    ctx.Error("ERR the ANY argument requires COUNT argument");
    return false;
  }
  return true;
}

// The points of one cell that lie in the shape, in score order; stops at
// `limit` points in all (0: no limit).
void CollectCell(const ZSetValue& z, geo::HashBits cell, const geo::Shape& shape, size_t limit,
                 std::vector<Found>* out) {
  uint64_t min, max;
  geo::CellScores(cell, &min, &max);
  const ZScoreRange range{static_cast<double>(min), static_cast<double>(max), false, true};
  const auto [first, last] = z.ScoreRanks(range);
  bool done = false;
  constexpr size_t kChunk = 64;
  for (size_t i = first; i < last && !done; i += kChunk) {
    z.Visit(i, std::min(last, i + kChunk), false, [&](std::string_view m, double score) {
      if (done) return;
      Found f;
      geo::PointOfScore(score, &f.lon, &f.lat);
      if (geo::InShape(shape, f.lon, f.lat, &f.dist)) {
        f.member.assign(m.data(), m.size());
        f.score = score;
        out->push_back(std::move(f));
      }
      done = limit != 0 && out->size() >= limit;
    });
  }
}

std::vector<Found> Search(const ZSetValue& z, const geo::Shape& shape, size_t limit) {
  std::vector<Found> found;
  const std::array<geo::HashBits, 9> cells = geo::SearchCells(shape);
  // A large radius can make neighbours coincide: a cell equal to the one
  // read just before is skipped (never compared with the centre, as Redis).
  size_t last = 0;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (cells[i].IsZero()) continue;
    if (last != 0 && cells[i] == cells[last]) continue;
    if (limit != 0 && found.size() >= limit) break;
    CollectCell(z, cells[i], shape, limit, &found);
    last = i;
  }
  return found;
}

// Orders the first n points by distance as Redis does: a full sort is
// stable (glibc's qsort is a merge sort); when COUNT keeps fewer than were
// found, a partial quicksort, whose order of equal distances is Redis's too.
void SortFound(std::vector<Found>* found, size_t n, bool desc) {
  if (n == found->size()) {
    if (desc) {
      std::stable_sort(found->begin(), found->end(),
                       [](const Found& a, const Found& b) { return a.dist > b.dist; });
    } else {
      std::stable_sort(found->begin(), found->end(),
                       [](const Found& a, const Found& b) { return a.dist < b.dist; });
    }
    return;
  }
  auto cmp = [desc](const Found& a, const Found& b) {
    const int c = a.dist == b.dist ? 0 : (a.dist > b.dist ? 1 : -1);
    return desc ? -c : c;
  };
  PartialQuickSort(*found, 0, n - 1, cmp);
}

void ReplyFound(CommandContext& ctx, const SearchRequest& req, const std::vector<Found>& found,
                size_t n) {
  const int64_t options = req.with_dist + req.with_hash + req.with_coord;
  ctx.reply->ArrayHeader(static_cast<int64_t>(n));
  for (size_t i = 0; i < n; ++i) {
    const Found& f = found[i];
    if (options != 0) ctx.reply->ArrayHeader(options + 1);
    ctx.reply->Bulk(f.member);
    if (req.with_dist) ctx.reply->Bulk(geo::DistanceText(f.dist));
    if (req.with_hash) ctx.reply->Integer(static_cast<int64_t>(f.score));
    if (req.with_coord) {
      ctx.reply->ArrayHeader(2);
      ReplyCoordinate(ctx, f.lon);
      ReplyCoordinate(ctx, f.lat);
    }
  }
}

void StoreFound(CommandContext& ctx, const SearchRequest& req, const std::vector<Found>& found,
                size_t n, int flags) {
  size_t max_len = 0;
  for (size_t i = 0; i < n; ++i) max_len = std::max(max_len, found[i].member.size());
  const ZSetLimits limits = ZLimits(ctx);
  ZSetValue* z = ZSetValue::Create(n, max_len, limits);
  for (size_t i = 0; i < n; ++i) {
    double ignored;
    z->Add(found[i].member, req.store_dist ? found[i].dist : found[i].score, 0, limits, &ignored);
  }
  StoreZSet(ctx, req.store_key, z, (flags & kSearch) ? "geosearchstore" : "georadiusstore");
  ctx.reply->Integer(static_cast<int64_t>(n));
}

void SearchGeneric(CommandContext& ctx, CmdArgs args, size_t src_index, int flags) {
  ZKey k;
  if (!LookupZSet(ctx, args[src_index], Lookup::kRead, &k)) return;
  SearchRequest req;
  size_t base = 0;
  if (flags & kByCoords) {
    base = 6;
    if (!ParseLonLat(ctx, args[2], args[3], &req.shape.lon, &req.shape.lat)) return;
    if (!ParseRadius(ctx, args[4], args[5], &req.shape)) return;
  } else if (flags & kByMember) {
    base = 5;
    // Without a source there is nothing to decode: the options are still
    // parsed, to know which empty reply to give.
    if (k.z != nullptr) {
      if (!MemberPoint(*k.z, args[2], &req.shape.lon, &req.shape.lat)) {
        ctx.Error(kErrMemberDecode);
        return;
      }
      if (!ParseRadius(ctx, args[3], args[4], &req.shape)) return;
    }
  } else {
    base = (flags & kSearchStore) ? 3 : 2;
    if (flags & kSearchStore) {
      req.store = true;
      req.store_key = args[1];
    }
  }
  if (!ParseOptions(ctx, args, base, flags, k.z, &req)) return;

  if (k.z == nullptr) {
    if (req.store) {
      StoreFound(ctx, req, {}, 0, flags);
    } else {
      ctx.reply->EmptyArray();
    }
    return;
  }
  // COUNT means the nearest ones, unless ANY asked for whichever come first.
  if (req.count != 0 && req.order == Order::kNone && !req.any) req.order = Order::kAsc;

  std::vector<Found> found = Search(*k.z, req.shape, req.any ? req.count : 0);
  if (found.empty() && !req.store) {
    ctx.reply->EmptyArray();
    return;
  }
  const size_t n = req.count == 0 ? found.size()
                                  : std::min(found.size(), static_cast<size_t>(req.count));
  if (req.order != Order::kNone) SortFound(&found, n, req.order == Order::kDesc);
  for (size_t i = 0; i < n; ++i) found[i].dist /= req.shape.conversion;
  if (req.store) {
    StoreFound(ctx, req, found, n, flags);
  } else {
    ReplyFound(ctx, req, found, n);
  }
}

void CmdGeoRadius(CommandContext& ctx, CmdArgs args) { SearchGeneric(ctx, args, 1, kByCoords); }
void CmdGeoRadiusRo(CommandContext& ctx, CmdArgs args) {
  SearchGeneric(ctx, args, 1, kByCoords | kNoStore);
}
void CmdGeoRadiusByMember(CommandContext& ctx, CmdArgs args) {
  SearchGeneric(ctx, args, 1, kByMember);
}
void CmdGeoRadiusByMemberRo(CommandContext& ctx, CmdArgs args) {
  SearchGeneric(ctx, args, 1, kByMember | kNoStore);
}
void CmdGeoSearch(CommandContext& ctx, CmdArgs args) { SearchGeneric(ctx, args, 1, kSearch); }
void CmdGeoSearchStore(CommandContext& ctx, CmdArgs args) {
  SearchGeneric(ctx, args, 2, kSearch | kSearchStore);
}

// GEORADIUS / GEORADIUSBYMEMBER keys: the source, and the key after the last
// STORE or STOREDIST from argument 5 on (Redis's georadiusGetKeys).
bool GeoRadiusKeys(CmdArgs args, std::vector<int>* out) {
  out->push_back(1);
  int store = -1;
  for (size_t i = 5; i < args.size(); ++i) {
    if ((ArgIs(args[i], "store") || ArgIs(args[i], "storedist")) && i + 1 < args.size()) {
      store = static_cast<int>(i + 1);
      ++i;
    }
  }
  if (store >= 0) out->push_back(store);
  return true;
}

constexpr std::string_view kRadiusComplexity =
    "O(N+log(M)) where N is the number of elements inside the bounding box of the circular area "
    "delimited by center and radius and M is the number of items inside the index.";
constexpr std::string_view kSearchComplexity =
    "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area around "
    "the shape provided as the filter and M is the number of items inside the shape";

}  // namespace

void RegisterGeoSearchCommands(CommandTable* table) {
  CommandSpec georadius = MakeSpec(
      "georadius", -6, kCmdWrite | kCmdDenyOom | kCmdMovableKeys, kOneKey, &CmdGeoRadius,
      {.group = "geo",
       .since = "3.2.0",
       .summary = "Queries a geospatial index for members within a distance from a coordinate, "
                  "optionally stores the result.",
       .complexity = kRadiusComplexity,
       .syntax = "key longitude latitude radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] "
                 "[WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]",
       .acl_categories = "@write @geo @slow"});
  georadius.keys_finder = &GeoRadiusKeys;
  table->Register(std::move(georadius));
  CommandSpec bymember = MakeSpec(
      "georadiusbymember", -5, kCmdWrite | kCmdDenyOom | kCmdMovableKeys, kOneKey,
      &CmdGeoRadiusByMember,
      {.group = "geo",
       .since = "3.2.0",
       .summary = "Queries a geospatial index for members within a distance from a member, "
                  "optionally stores the result.",
       .complexity = "O(N+log(M)) where N is the number of elements inside the bounding box of "
                     "the circular area delimited by center and radius and M is the number of "
                     "items inside the index.",
       .syntax = "key member radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] "
                 "[COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]",
       .acl_categories = "@write @geo @slow"});
  bymember.keys_finder = &GeoRadiusKeys;
  table->Register(std::move(bymember));
  table->Register(MakeSpec(
      "georadius_ro", -6, kCmdReadOnly, kOneKey, &CmdGeoRadiusRo,
      {.group = "geo",
       .since = "3.2.10",
       .summary = "Returns members from a geospatial index that are within a distance from a "
                  "coordinate.",
       .complexity = kRadiusComplexity,
       .syntax = "key longitude latitude radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] "
                 "[WITHHASH] [COUNT count [ANY]] [ASC | DESC]",
       .acl_categories = "@read @geo @slow"}));
  table->Register(MakeSpec(
      "georadiusbymember_ro", -5, kCmdReadOnly, kOneKey, &CmdGeoRadiusByMemberRo,
      {.group = "geo",
       .since = "3.2.10",
       .summary = "Returns members from a geospatial index that are within a distance from a "
                  "member.",
       .complexity = "O(N+log(M)) where N is the number of elements inside the bounding box of "
                     "the circular area delimited by center and radius and M is the number of "
                     "items inside the index.",
       .syntax = "key member radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] "
                 "[COUNT count [ANY]] [ASC | DESC]",
       .acl_categories = "@read @geo @slow"}));
  table->Register(MakeSpec(
      "geosearch", -7, kCmdReadOnly, kOneKey, &CmdGeoSearch,
      {.group = "geo",
       .since = "6.2.0",
       .summary = "Queries a geospatial index for members inside an area of a box or a circle.",
       .complexity = kSearchComplexity,
       .syntax = "key <FROMMEMBER member | FROMLONLAT longitude latitude> <BYRADIUS radius "
                 "<M | KM | FT | MI> | BYBOX width height <M | KM | FT | MI>> [ASC | DESC] "
                 "[COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]",
       .acl_categories = "@read @geo @slow"}));
  table->Register(MakeSpec(
      "geosearchstore", -8, kCmdWrite | kCmdDenyOom, KeySpan{1, 2, 1}, &CmdGeoSearchStore,
      {.group = "geo",
       .since = "6.2.0",
       .summary = "Queries a geospatial index for members inside an area of a box or a circle, "
                  "optionally stores the result.",
       .complexity = kSearchComplexity,
       .syntax = "destination source <FROMMEMBER member | FROMLONLAT longitude latitude> "
                 "<BYRADIUS radius <M | KM | FT | MI> | BYBOX width height <M | KM | FT | MI>> "
                 "[ASC | DESC] [COUNT count [ANY]] [STOREDIST]",
       .acl_categories = "@write @geo @slow"}));
}

}  // namespace shoal
