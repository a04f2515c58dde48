// Unit tests of the geohash arithmetic. The expected values were read from
// redis-server 7.0.15 (GEOADD then ZSCORE / GEOPOS / GEOHASH / GEODIST), so a
// failure here means a reply that would differ from Redis's.
#include "server/types/geohash.h"

#include <cstdint>
#include <set>
#include <string>

#include "gtest/gtest.h"

namespace shoal::geo {
namespace {

struct City {
  const char* name;
  double lon, lat;
  uint64_t score;
  const char* lon_text;
  const char* lat_text;
  const char* geohash;
};

// GEOADD g lon lat name; ZSCORE g name; GEOPOS g name; GEOHASH g name.
constexpr City kCities[] = {
    {"palermo", 13.361389, 38.115556, 3479099956230698ULL, "13.36138933897018433",
     "38.11555639549629859", "sqc8b49rny0"},
    {"catania", 15.087269, 37.502669, 3479447370796909ULL, "15.08726745843887329",
     "37.50266842333162032", "sqdtr74hyu0"},
    {"london", -0.1275, 51.507222, 2163557714840001ULL, "-0.1274988055229187",
     "51.50722081469902491", "gcpvj0e5m10"},
    {"tokyo", 139.6917, 35.689722, 4171231230244980ULL, "139.69170123338699341",
     "35.68972178772023085", "xn774c07sw0"},
    {"rio", -43.196388, -22.908333, 1008484246233810ULL, "-43.19638878107070923",
     "-22.90833204316690441", "75cm9j9m710"},
    {"sydney", 151.209444, -33.865, 3252046267314842ULL, "151.20944470167160034",
     "-33.86499883760255614", "r3gx2g56560"},
    {"zero", 0, 0, 3377699720527872ULL, "0.00000268220901489", "0.00000126736058093",
     "s0000000000"},
    // The corners: the upper edge gives an index one past the last cell (the
    // score has bits 52 and 53 set), exactly as Redis stores it.
    {"ne", 180, 85.05112878, 13510798882111488ULL, "180", "85.0511287799999991", "bp05b5048p0"},
    {"sw", -180, -85.05112878, 0, "-179.99999731779098511", "-85.05112751263942528",
     "00bh0hbj200"},
};

TEST(Geohash, ScoreOfMatchesRedis) {
  for (const City& c : kCities) EXPECT_EQ(ScoreOf(c.lon, c.lat), c.score) << c.name;
}

TEST(Geohash, PointOfScorePrintsAsRedis) {
  for (const City& c : kCities) {
    double lon, lat;
    PointOfScore(static_cast<double>(c.score), &lon, &lat);
    EXPECT_EQ(CoordinateText(lon), c.lon_text) << c.name;
    EXPECT_EQ(CoordinateText(lat), c.lat_text) << c.name;
  }
}

TEST(Geohash, GeohashTextMatchesRedis) {
  for (const City& c : kCities) {
    EXPECT_EQ(GeohashText(static_cast<double>(c.score)), c.geohash) << c.name;
  }
}

TEST(Geohash, DistanceMatchesGeodist) {
  auto dist = [](uint64_t a, uint64_t b) {
    double x1, y1, x2, y2;
    PointOfScore(static_cast<double>(a), &x1, &y1);
    PointOfScore(static_cast<double>(b), &x2, &y2);
    return Distance(x1, y1, x2, y2);
  };
  EXPECT_EQ(DistanceText(dist(3479099956230698ULL, 3479447370796909ULL)), "166274.1516");
  EXPECT_EQ(DistanceText(dist(3479099956230698ULL, 3479447370796909ULL) / 1000), "166.2742");
  EXPECT_EQ(DistanceText(dist(2163557714840001ULL, 4171231230244980ULL)), "9561394.1292");
  EXPECT_EQ(DistanceText(dist(1008484246233810ULL, 3252046267314842ULL) / 1000), "13524.5033");
  EXPECT_EQ(DistanceText(dist(13510798882111488ULL, 0)), "18919844.5891");
  // GEOADD g 10 10 a 10 20 b: the same meridian, measured along it.
  EXPECT_EQ(DistanceText(dist(ScoreOf(10, 10), ScoreOf(10, 20))), "1112262.9623");
}

TEST(Geohash, ValidLonLatIncludesTheLimits) {
  EXPECT_TRUE(ValidLonLat(180, 85.05112878));
  EXPECT_TRUE(ValidLonLat(-180, -85.05112878));
  EXPECT_FALSE(ValidLonLat(180.000001, 0));
  EXPECT_FALSE(ValidLonLat(0, 85.05112879));
  EXPECT_FALSE(ValidLonLat(0, -86));
}

TEST(Geohash, CoordinateTextTrimsZeros) {
  EXPECT_EQ(CoordinateText(1.5), "1.5");
  EXPECT_EQ(CoordinateText(-2), "-2");
  EXPECT_EQ(CoordinateText(-0.0), "0");
  EXPECT_EQ(CoordinateText(0), "0");
}

TEST(Geohash, NeighborsAreAdjacentAndWrap) {
  HashBits h;
  ASSERT_TRUE(Encode(kLonRange, kLatRange, 13.361389, 38.115556, 10, &h));
  const Area c = Decode(kLonRange, kLatRange, h);
  const Neighbors n = NeighborsOf(h);
  const Area north = Decode(kLonRange, kLatRange, n.north);
  const Area east = Decode(kLonRange, kLatRange, n.east);
  const Area sw = Decode(kLonRange, kLatRange, n.south_west);
  EXPECT_DOUBLE_EQ(north.lat.min, c.lat.max);
  EXPECT_DOUBLE_EQ(north.lon.min, c.lon.min);
  EXPECT_DOUBLE_EQ(east.lon.min, c.lon.max);
  EXPECT_DOUBLE_EQ(east.lat.min, c.lat.min);
  EXPECT_DOUBLE_EQ(sw.lon.max, c.lon.min);
  EXPECT_DOUBLE_EQ(sw.lat.max, c.lat.min);
  std::set<uint64_t> distinct = {h.bits,          n.north.bits,      n.south.bits,
                                 n.east.bits,     n.west.bits,       n.north_east.bits,
                                 n.north_west.bits, n.south_east.bits, n.south_west.bits};
  EXPECT_EQ(distinct.size(), 9u);

  // The west neighbour of the first column is the last column.
  HashBits edge;
  ASSERT_TRUE(Encode(kLonRange, kLatRange, -180, 0, 4, &edge));
  const Area w = Decode(kLonRange, kLatRange, NeighborsOf(edge).west);
  EXPECT_DOUBLE_EQ(w.lon.max, 180);
}

TEST(Geohash, CellScoresSpanTheCell) {
  HashBits h;
  ASSERT_TRUE(Encode(kLonRange, kLatRange, 13.361389, 38.115556, 8, &h));
  uint64_t min, max;
  CellScores(h, &min, &max);
  const uint64_t s = ScoreOf(13.361389, 38.115556);
  EXPECT_LE(min, s);
  EXPECT_LT(s, max);
  EXPECT_EQ(max - min, 1ULL << (52 - 16));
}

TEST(Geohash, EstimateStepsFollowsRadiusAndLatitude) {
  EXPECT_EQ(EstimateSteps(0, 0), 26);
  // 1 m doubles 25 times to pass 20037726 m: step 26, less 2.
  EXPECT_EQ(EstimateSteps(1, 0), 24);
  EXPECT_EQ(EstimateSteps(200000, 0), 6);  // 7 doublings
  EXPECT_EQ(EstimateSteps(200000, 70), 5);
  EXPECT_EQ(EstimateSteps(200000, -81), 4);
  EXPECT_EQ(EstimateSteps(1e9, 0), 1);
}

TEST(Geohash, SearchCellsDropUnreachableNeighbours) {
  Shape s;
  s.lon = 15;
  s.lat = 37;
  s.radius = 200;
  s.conversion = 1000;
  const auto cells = SearchCells(s);
  EXPECT_FALSE(cells[0].IsZero());
  int used = 0;
  for (const HashBits& c : cells) used += !c.IsZero();
  EXPECT_GE(used, 1);
  EXPECT_LE(used, 9);
  // Every point within the radius falls in one of the cells.
  for (double dx = -2; dx <= 2; dx += 0.25) {
    for (double dy = -2; dy <= 2; dy += 0.25) {
      double lon, lat, d;
      PointOfScore(static_cast<double>(ScoreOf(15 + dx, 37 + dy)), &lon, &lat);
      if (!InShape(s, lon, lat, &d)) continue;
      const uint64_t score = ScoreOf(15 + dx, 37 + dy);
      bool covered = false;
      for (const HashBits& c : cells) {
        if (c.IsZero()) continue;
        uint64_t min, max;
        CellScores(c, &min, &max);
        covered |= score >= min && score < max;
      }
      EXPECT_TRUE(covered) << dx << "," << dy;
    }
  }
}

TEST(Geohash, BoxTestsLatitudeThenParallel) {
  Shape s;
  s.kind = Shape::kBox;
  s.lon = 15;
  s.lat = 37;
  s.width = 400;
  s.height = 400;
  s.conversion = 1000;
  double d;
  EXPECT_TRUE(InShape(s, 15, 37, &d));
  EXPECT_EQ(d, 0);
  EXPECT_TRUE(InShape(s, 16.5, 38.5, &d));  // inside the corner
  EXPECT_FALSE(InShape(s, 15, 39, &d));     // 222 km north: past 200 km
  EXPECT_FALSE(InShape(s, 17.5, 37, &d));   // 222 km east at 37°N
}

}  // namespace
}  // namespace shoal::geo
