// Tests for the listpack and intset readers and writers: Redis's exact
// entry encodings at every size and integer boundary, round trips, and
// rejection of malformed blobs.
#include "server/serialize/listpack.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/serialize/lzf.h"
#include "server/serialize/lzf_compress.h"
#include "server/serialize/ziplist.h"

namespace shoal {
namespace {

std::vector<std::string> Elements(std::string_view blob) {
  std::vector<PackedElement> packed;
  EXPECT_TRUE(ReadListpack(blob, &packed));
  std::vector<std::string> out;
  char buf[24];
  for (const PackedElement& e : packed) out.emplace_back(e.View(buf));
  return out;
}

TEST(Listpack, EncodesLikeRedis) {
  ListpackWriter w;
  w.Add("a");
  w.Add("1");
  w.Add("-5000");
  w.Add("100000");
  // From redis-server 7.0.15's DUMP of RPUSH l a 1 -5000 100000.
  EXPECT_EQ(w.Finish(), std::string("\x15\0\0\0\x04\0\x81\x61\x02\x01\x01\xf1\x78\xec\x03"
                                     "\xf2\xa0\x86\x01\x04\xff", 21));
}

TEST(Listpack, RoundTripsEveryEncodingBoundary) {
  std::vector<std::string> in = {"0", "127", "128", "-1", "-4096", "4095", "4096", "-4097",
                                 "32767", "-32768", "32768", "8388607", "-8388608", "8388608",
                                 "2147483647", "-2147483648", "2147483648",
                                 "9223372036854775807", "-9223372036854775808",
                                 "9223372036854775808", "01", "-0", "+1", "", std::string(63, 'x'),
                                 std::string(64, 'y'), std::string(4095, 'z'),
                                 std::string(4096, 'w'), std::string(20000, 'v')};
  ListpackWriter w;
  size_t predicted = w.bytes();
  for (const std::string& s : in) {
    predicted = w.BytesWith(s);
    w.Add(s);
    EXPECT_EQ(w.bytes(), predicted);
  }
  EXPECT_EQ(Elements(w.Finish()), in);
}

TEST(Listpack, CountsPast65535AsUnknown) {
  ListpackWriter w;
  for (int i = 0; i < 70000; ++i) w.AddInt(i);
  const std::string blob = w.Finish();
  EXPECT_EQ(static_cast<uint8_t>(blob[4]), 0xff);
  EXPECT_EQ(static_cast<uint8_t>(blob[5]), 0xff);
  EXPECT_EQ(Elements(blob).size(), 70000u);
}

TEST(Listpack, RejectsMalformedBlobs) {
  ListpackWriter w;
  w.Add("hello");
  w.Add("12");
  const std::string good = w.Finish();
  std::vector<PackedElement> out;
  EXPECT_TRUE(ReadListpack(good, &out));
  for (size_t cut = 0; cut < good.size(); ++cut) {
    out.clear();
    EXPECT_FALSE(ReadListpack(good.substr(0, cut), &out)) << cut;
  }
  std::string bad = good;
  bad[4] = 3;  // wrong count
  EXPECT_FALSE(ReadListpack(bad, &out));
  bad = good;
  bad[6] = static_cast<char>(0x80 | 40);  // string running past the end
  EXPECT_FALSE(ReadListpack(bad, &out));
  bad = good;
  bad[12] = 9;  // wrong back-length
  EXPECT_FALSE(ReadListpack(bad, &out));
  bad = good;
  bad[6] = static_cast<char>(0xf7);  // unused encoding
  EXPECT_FALSE(ReadListpack(bad, &out));
}

TEST(Intset, PicksTheNarrowestWidthAndValidates) {
  EXPECT_EQ(WriteIntset({1, 2}), std::string("\x02\0\0\0\x02\0\0\0\x01\0\x02\0", 12));
  std::vector<int64_t> out;
  EXPECT_TRUE(ReadIntset(WriteIntset({-70000, 1, 2, 3}), &out));
  EXPECT_EQ(out, (std::vector<int64_t>{-70000, 1, 2, 3}));
  out.clear();
  EXPECT_TRUE(ReadIntset(WriteIntset({INT64_MIN, INT64_MAX}), &out));
  EXPECT_EQ(out, (std::vector<int64_t>{INT64_MIN, INT64_MAX}));
  EXPECT_FALSE(ReadIntset(std::string("\x02\0\0\0\x02\0\0\0\x02\0\x01\0", 12), &out));  // order
  EXPECT_FALSE(ReadIntset(std::string("\x02\0\0\0\x02\0\0\0\x01\0\x01\0", 12), &out));  // dup
  EXPECT_FALSE(ReadIntset(std::string("\x03\0\0\0\x01\0\0\0\x01\0\x01", 11), &out));  // width
  EXPECT_FALSE(ReadIntset(std::string("\x02\0\0\0\x09\0\0\0\x01\0", 10), &out));  // count
}

TEST(Ziplist, ReadsEveryEncoding) {
  // "a", 5 (immediate), 300 (int16), "xyz".
  std::string zl("\0\0\0\0\0\0\0\0\x04\0", 10);
  zl += std::string("\x00\x01" "a", 3);
  zl += std::string("\x03\xf6", 2);
  zl += std::string("\x02\xc0\x2c\x01", 4);
  const size_t tail = zl.size();
  zl += std::string("\x04\x03xyz", 5);
  zl += '\xff';
  zl[0] = static_cast<char>(zl.size());
  zl[4] = static_cast<char>(tail);
  std::vector<PackedElement> out;
  ASSERT_TRUE(ReadZiplist(zl, &out));
  ASSERT_EQ(out.size(), 4u);
  char buf[24];
  EXPECT_EQ(out[0].View(buf), "a");
  EXPECT_EQ(out[1].View(buf), "5");
  EXPECT_EQ(out[2].View(buf), "300");
  EXPECT_EQ(out[3].View(buf), "xyz");
  std::string bad = zl;
  bad[tail] = 3;  // wrong prevlen
  out.clear();
  EXPECT_FALSE(ReadZiplist(bad, &out));
}

TEST(LzfCompress, MatchesRedisAndRoundTrips) {
  std::string out;
  // From redis-server 7.0.15's DUMP of a 30-byte run of 'a'.
  ASSERT_EQ(LzfCompress(std::string(30, 'a'), 26, &out), 9u);
  EXPECT_EQ(out, std::string("\x01\x61\x61\xe0\x11\x00\x01\x61\x61", 9));
  // Incompressible input does not fit in len - 4 bytes.
  std::string noise;
  uint32_t x = 12345;
  for (int i = 0; i < 1000; ++i) {
    x = x * 1103515245 + 12345;
    noise.push_back(static_cast<char>(x >> 16));
  }
  EXPECT_EQ(LzfCompress(noise, noise.size() - 4, &out), 0u);
  for (size_t len : {100, 5000, 70000}) {
    std::string text;
    for (size_t i = 0; text.size() < len; ++i) text += "word" + std::to_string(i % 97) + " ";
    text.resize(len);
    const size_t n = LzfCompress(text, text.size() - 4, &out);
    ASSERT_GT(n, 0u) << len;
    std::string back;
    ASSERT_TRUE(LzfDecompress(out, text.size(), &back));
    EXPECT_EQ(back, text);
  }
}

}  // namespace
}  // namespace shoal
