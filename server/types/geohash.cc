// Geohash arithmetic (see geohash.h for the encoding and the search).
//
// Floating point: every expression below is written in the order that gives
// redis-server's results bit for bit — e.g. a cell's edge is
// min + (index / 2^step) * scale, not min + index * (scale / 2^step) — and
// degrees become radians by multiplying with pi / 180 (and back by dividing
// by it). Changing any of these changes which points lie on a search's edge
// and the 17-digit coordinates GEOPOS prints.
#include "server/types/geohash.h"

#include <cmath>
#include <cstdio>

namespace shoal::geo {
namespace {

constexpr double kDegToRad = M_PI / 180.0;

double DegRad(double deg) { return deg * kDegToRad; }
double RadDeg(double rad) { return rad / kDegToRad; }

// Moves the bits of a 32-bit value to the even bit positions of a 64-bit one
// (bit i to bit 2i), and back.
uint64_t SpreadBits(uint32_t v) {
  uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x << 2)) & 0x3333333333333333ULL;
  x = (x | (x << 1)) & 0x5555555555555555ULL;
  return x;
}

uint32_t GatherBits(uint64_t x) {
  x &= 0x5555555555555555ULL;
  x = (x | (x >> 1)) & 0x3333333333333333ULL;
  x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
  return static_cast<uint32_t>(x);
}

// Latitude index in the even bits, longitude index in the odd bits.
uint64_t Interleave(uint32_t lat_index, uint32_t lon_index) {
  return SpreadBits(lat_index) | (SpreadBits(lon_index) << 1);
}

// Moves a cell by (dlon, dlat) cells. The moved index wraps around modulo
// 2^step; an unmoved one is kept as it is (a point on the ranges' upper edge
// has an index of 2^step, one past the last cell, and Redis keeps it).
HashBits Move(HashBits h, int dlon, int dlat) {
  uint64_t lat = GatherBits(h.bits);
  uint64_t lon = GatherBits(h.bits >> 1);
  const uint64_t mask = (h.step >= 32) ? ~0ULL : (1ULL << h.step) - 1;
  if (dlon != 0) lon = (lon + static_cast<uint64_t>(static_cast<int64_t>(dlon))) & mask;
  if (dlat != 0) lat = (lat + static_cast<uint64_t>(static_cast<int64_t>(dlat))) & mask;
  h.bits = SpreadBits(static_cast<uint32_t>(lat)) | (SpreadBits(static_cast<uint32_t>(lon)) << 1);
  return h;
}

}  // namespace

bool ValidLonLat(double lon, double lat) {
  return !(lon < kLonMin || lon > kLonMax || lat < kLatMin || lat > kLatMax);
}

bool Encode(const Range& lon_range, const Range& lat_range, double lon, double lat, int step,
            HashBits* out) {
  if (step <= 0 || step > 32) return false;
  if (!ValidLonLat(lon, lat)) return false;
  out->bits = 0;
  out->step = static_cast<uint8_t>(step);
  if (lat < lat_range.min || lat > lat_range.max || lon < lon_range.min || lon > lon_range.max) {
    return false;
  }
  double lat_offset = (lat - lat_range.min) / (lat_range.max - lat_range.min);
  double lon_offset = (lon - lon_range.min) / (lon_range.max - lon_range.min);
  lat_offset *= static_cast<double>(1ULL << step);
  lon_offset *= static_cast<double>(1ULL << step);
  // Truncation to the cell index (the upper edge gives 2^step, see Move).
  out->bits = Interleave(static_cast<uint32_t>(lat_offset), static_cast<uint32_t>(lon_offset));
  return true;
}

Area Decode(const Range& lon_range, const Range& lat_range, HashBits hash) {
  const uint32_t lat_index = GatherBits(hash.bits);
  const uint32_t lon_index = GatherBits(hash.bits >> 1);
  const double cells = static_cast<double>(1ULL << hash.step);
  const double lat_scale = lat_range.max - lat_range.min;
  const double lon_scale = lon_range.max - lon_range.min;
  Area a;
  a.lat.min = lat_range.min + (static_cast<double>(lat_index) / cells) * lat_scale;
  a.lat.max = lat_range.min + (static_cast<double>(lat_index + 1) / cells) * lat_scale;
  a.lon.min = lon_range.min + (static_cast<double>(lon_index) / cells) * lon_scale;
  a.lon.max = lon_range.min + (static_cast<double>(lon_index + 1) / cells) * lon_scale;
  return a;
}

void AreaCenter(const Area& area, double* lon, double* lat) {
  double x = (area.lon.min + area.lon.max) / 2;
  if (x > kLonMax) x = kLonMax;
  if (x < kLonMin) x = kLonMin;
  double y = (area.lat.min + area.lat.max) / 2;
  if (y > kLatMax) y = kLatMax;
  if (y < kLatMin) y = kLatMin;
  *lon = x;
  *lat = y;
}

uint64_t ScoreOf(double lon, double lat) {
  HashBits h;
  Encode(kLonRange, kLatRange, lon, lat, kStepMax, &h);
  return h.bits;  // 26 steps: already aligned to 52 bits
}

void PointOfScore(double score, double* lon, double* lat) {
  HashBits h{static_cast<uint64_t>(score), kStepMax};
  AreaCenter(Decode(kLonRange, kLatRange, h), lon, lat);
}

std::string GeohashText(double score) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  double lon, lat;
  PointOfScore(score, &lon, &lat);
  HashBits h;
  Encode(kLonRange, kStdLatRange, lon, lat, kStepMax, &h);
  // 52 bits make ten 5-bit characters and two bits; the eleventh character
  // is always '0', as Redis prints it.
  std::string out(11, '0');
  for (int i = 0; i < 10; ++i) out[i] = kAlphabet[(h.bits >> (52 - (i + 1) * 5)) & 0x1f];
  return out;
}

void CellScores(HashBits hash, uint64_t* min, uint64_t* max) {
  const int shift = 52 - hash.step * 2;
  *min = hash.bits << shift;
  *max = (hash.bits + 1) << shift;
}

Neighbors NeighborsOf(HashBits h) {
  Neighbors n;
  n.east = Move(h, 1, 0);
  n.west = Move(h, -1, 0);
  n.south = Move(h, 0, -1);
  n.north = Move(h, 0, 1);
  n.north_west = Move(h, -1, 1);
  n.south_west = Move(h, -1, -1);
  n.north_east = Move(h, 1, 1);
  n.south_east = Move(h, 1, -1);
  return n;
}

double LatDistance(double lat1, double lat2) {
  return kEarthRadiusMeters * std::fabs(DegRad(lat2) - DegRad(lat1));
}

double Distance(double lon1, double lat1, double lon2, double lat2) {
  const double lon1r = DegRad(lon1);
  const double lon2r = DegRad(lon2);
  const double v = std::sin((lon2r - lon1r) / 2);
  // Same meridian: the distance is along it (cheaper, and Redis's result).
  if (v == 0.0) return LatDistance(lat1, lat2);
  const double lat1r = DegRad(lat1);
  const double lat2r = DegRad(lat2);
  const double u = std::sin((lat2r - lat1r) / 2);
  const double a = u * u + std::cos(lat1r) * std::cos(lat2r) * v * v;
  return 2.0 * kEarthRadiusMeters * std::asin(std::sqrt(a));
}

bool InShape(const Shape& shape, double lon, double lat, double* distance) {
  if (shape.kind == Shape::kRadius) {
    const double d = Distance(shape.lon, shape.lat, lon, lat);
    if (d > shape.radius * shape.conversion) return false;
    *distance = d;
    return true;
  }
  // Box: the latitude test is the cheaper one, so it goes first. The
  // east-west extent is measured along the point's own parallel.
  const double width = shape.width * shape.conversion;
  const double height = shape.height * shape.conversion;
  if (LatDistance(lat, shape.lat) > height / 2) return false;
  if (Distance(lon, lat, shape.lon, lat) > width / 2) return false;
  *distance = Distance(shape.lon, shape.lat, lon, lat);
  return true;
}

int EstimateSteps(double range_meters, double lat) {
  if (range_meters == 0) return kStepMax;
  int step = 1;
  while (range_meters < kMercatorMax) {
    range_meters *= 2;
    step++;
  }
  step -= 2;  // so that the area fits in the centre cell and its neighbours
  // Cells get narrower towards the poles: go one or two steps coarser.
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > kStepMax) step = kStepMax;
  return step;
}

std::array<double, 4> BoundingBox(const Shape& shape) {
  const bool radius = shape.kind == Shape::kRadius;
  const double height = shape.conversion * (radius ? shape.radius : shape.height / 2);
  const double width = shape.conversion * (radius ? shape.radius : shape.width / 2);
  const double lat_delta = RadDeg(height / kEarthRadiusMeters);
  // A parallel is shorter the nearer it is to a pole, so the side nearer the
  // pole spans more longitude.
  const double lon_delta_top =
      RadDeg(width / kEarthRadiusMeters / std::cos(DegRad(shape.lat + lat_delta)));
  const double lon_delta_bottom =
      RadDeg(width / kEarthRadiusMeters / std::cos(DegRad(shape.lat - lat_delta)));
  const double lon_delta = shape.lat < 0 ? lon_delta_bottom : lon_delta_top;
  return {shape.lon - lon_delta, shape.lat - lat_delta, shape.lon + lon_delta,
          shape.lat + lat_delta};
}

std::array<HashBits, 9> SearchCells(const Shape& shape) {
  const std::array<double, 4> bounds = BoundingBox(shape);
  const double min_lon = bounds[0], min_lat = bounds[1], max_lon = bounds[2], max_lat = bounds[3];
  // A box is estimated by its half diagonal.
  double radius_meters =
      shape.kind == Shape::kRadius
          ? shape.radius
          : std::sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2));
  radius_meters *= shape.conversion;
  int steps = EstimateSteps(radius_meters, shape.lat);

  HashBits hash;
  Encode(kLonRange, kLatRange, shape.lon, shape.lat, steps, &hash);
  Neighbors n = NeighborsOf(hash);
  Area area = Decode(kLonRange, kLatRange, hash);

  // Near a cell's edge the estimate can be one step too fine for the
  // neighbours to cover the area: then go one step coarser.
  const Area north = Decode(kLonRange, kLatRange, n.north);
  const Area south = Decode(kLonRange, kLatRange, n.south);
  const Area east = Decode(kLonRange, kLatRange, n.east);
  const Area west = Decode(kLonRange, kLatRange, n.west);
  const bool too_fine = north.lat.max < max_lat || south.lat.min > min_lat ||
                        east.lon.max < max_lon || west.lon.min > min_lon;
  if (steps > 1 && too_fine) {
    steps--;
    Encode(kLonRange, kLatRange, shape.lon, shape.lat, steps, &hash);
    n = NeighborsOf(hash);
    area = Decode(kLonRange, kLatRange, hash);
  }

  // Drop the neighbours on a side the area does not reach past the centre
  // cell.
  if (steps >= 2) {
    if (area.lat.min < min_lat) n.south = n.south_west = n.south_east = HashBits{};
    if (area.lat.max > max_lat) n.north = n.north_east = n.north_west = HashBits{};
    if (area.lon.min < min_lon) n.west = n.south_west = n.north_west = HashBits{};
    if (area.lon.max > max_lon) n.east = n.south_east = n.north_east = HashBits{};
  }
  return {hash,         n.north,      n.south,      n.east,      n.west,
          n.north_east, n.north_west, n.south_east, n.south_west};
}

std::string CoordinateText(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[512];
  // Printed as a long double, like every "human" double Redis replies.
  int len = std::snprintf(buf, sizeof(buf), "%.17Lf", static_cast<long double>(v));
  if (len <= 0 || len >= static_cast<int>(sizeof(buf))) return "0";
  std::string s(buf, len);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

std::string DistanceText(double v) {
  char buf[512];
  int len = std::snprintf(buf, sizeof(buf), "%.4f", v);
  return std::string(buf, len > 0 && len < static_cast<int>(sizeof(buf)) ? len : 0);
}

}  // namespace shoal::geo
