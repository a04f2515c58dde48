// Geohash: the arithmetic behind Redis's geo commands, as pure functions.
//
// A geo set is a sorted set whose scores are 52-bit geohashes: the longitude
// range [-180, 180] and the latitude range [-85.05112878, 85.05112878] (the
// Web Mercator limits) are each cut into 2^26 equal steps, and the two 26-bit
// cell indexes are interleaved, latitude in the even bits and longitude in
// the odd ones, so that numerically close scores are close on the map. A
// score below 2^53 is an exact double, which is why 26 steps is the maximum.
//
// A search (GEOSEARCH, GEORADIUS) never scans the whole set. It picks a
// coarser step at which one cell is about the size of the search area, takes
// the cell holding the centre and its eight neighbours, drops neighbours the
// search area cannot reach, and reads each remaining cell as one score
// interval [cell << (52 - 2 * step), (cell + 1) << (52 - 2 * step)) of the
// sorted set; every candidate is then checked against the exact shape with
// the haversine distance on a sphere of radius 6372797.560856 m.
//
// Every result must equal redis-server's bit for bit (scores, the text of
// decoded coordinates, which points lie on a search's edge), so the floating
// point operations here are done in the order that gives Redis's results;
// the comments say where the order matters. Design notes: docs/geo-sort.md.
//
// Pure and thread-compatible: no state, no allocation beyond the geohash text.
#ifndef SHOAL_SERVER_TYPES_GEOHASH_H_
#define SHOAL_SERVER_TYPES_GEOHASH_H_

#include <array>
#include <cstdint>
#include <string>

namespace shoal::geo {

inline constexpr int kStepMax = 26;
inline constexpr double kLonMin = -180;
inline constexpr double kLonMax = 180;
inline constexpr double kLatMin = -85.05112878;
inline constexpr double kLatMax = 85.05112878;
inline constexpr double kEarthRadiusMeters = 6372797.560856;
// Half the Earth's circumference in Web Mercator metres: the size of a
// step-1 cell, where the step estimate starts.
inline constexpr double kMercatorMax = 20037726.37;

// A cell: `step` bits of longitude and of latitude, interleaved in `bits`.
// The all-zero value (step 0) means "no cell" (an excluded neighbour).
struct HashBits {
  uint64_t bits = 0;
  uint8_t step = 0;
  bool IsZero() const { return bits == 0 && step == 0; }
  bool operator==(const HashBits& o) const { return bits == o.bits && step == o.step; }
};

struct Range {
  double min = 0;
  double max = 0;
};

// The rectangle a cell covers, in degrees.
struct Area {
  Range lon;
  Range lat;
};

inline constexpr Range kLonRange{kLonMin, kLonMax};
inline constexpr Range kLatRange{kLatMin, kLatMax};
// The standard geohash ranges, for GEOHASH's text form.
inline constexpr Range kStdLatRange{-90, 90};

// True for coordinates GEOADD accepts (the limits themselves included).
bool ValidLonLat(double lon, double lat);

// The cell of (lon, lat) at `step` (1..32) within the given ranges; false
// when the point is outside them or outside the WGS84 limits above.
bool Encode(const Range& lon_range, const Range& lat_range, double lon, double lat, int step,
            HashBits* out);
// The rectangle of a cell within the given ranges.
Area Decode(const Range& lon_range, const Range& lat_range, HashBits hash);
// The centre of a rectangle, clamped to the WGS84 limits.
void AreaCenter(const Area& area, double* lon, double* lat);

// The score GEOADD stores for a valid point: its 26-step cell.
uint64_t ScoreOf(double lon, double lat);
// The point a score stands for: the centre of its 26-step cell. Scores that
// are not geohashes (a plain ZADD) are read as Redis reads them, through a
// conversion to uint64.
void PointOfScore(double score, double* lon, double* lat);
// The 11-character standard geohash (latitude range ±90) of a stored point.
std::string GeohashText(double score);

// A cell's score interval [*min, *max), at 52-bit precision.
void CellScores(HashBits hash, uint64_t* min, uint64_t* max);

// The eight cells around `hash` at the same step; both indexes wrap around.
struct Neighbors {
  HashBits north, south, east, west;
  HashBits north_east, north_west, south_east, south_west;
};
Neighbors NeighborsOf(HashBits hash);

// Great-circle distance in metres between two points in degrees (haversine),
// and the distance along a meridian between two latitudes.
double Distance(double lon1, double lat1, double lon2, double lat2);
double LatDistance(double lat1, double lat2);

// The area a search covers, in the caller's unit: `conversion` metres per
// unit. A radius search uses `radius`, a box search `width` and `height`
// (the box is centred on the point, its sides along meridians and parallels).
struct Shape {
  enum Kind { kRadius, kBox };
  Kind kind = kRadius;
  double lon = 0;
  double lat = 0;
  double conversion = 1;
  double radius = 0;
  double width = 0;
  double height = 0;
};

// Whether (lon, lat) lies in the shape; *distance gets its distance from the
// shape's centre in metres when it does.
bool InShape(const Shape& shape, double lon, double lat, double* distance);

// The step at which a cell is about `range_meters` across near latitude `lat`.
int EstimateSteps(double range_meters, double lat);

// The shape's bounding box in degrees: min lon, min lat, max lon, max lat.
std::array<double, 4> BoundingBox(const Shape& shape);

// Reply text, as redis-server prints it: a coordinate with 17 decimals and
// no trailing zeros ("13.36138933897018433", "180"), a distance with 4
// decimals ("166274.1516").
std::string CoordinateText(double v);
std::string DistanceText(double v);

// The cells a search reads, in the order Redis reads them: the centre cell,
// then north, south, east, west, north-east, north-west, south-east,
// south-west. Cells the search area cannot reach are zero (IsZero).
std::array<HashBits, 9> SearchCells(const Shape& shape);

}  // namespace shoal::geo

#endif  // SHOAL_SERVER_TYPES_GEOHASH_H_
