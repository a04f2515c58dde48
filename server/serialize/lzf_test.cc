// Tests for LzfDecompress: hand-made streams for each instruction form, the
// compressed bytes redis-server wrote for a real library, and every way a
// stream can be malformed. Run under ASan (SHOAL_SANITIZE=address) the
// random-input test also shows no read or write strays out of bounds.
#include "server/serialize/lzf.h"

#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "gtest/gtest.h"

namespace shoal {
namespace {

// A string literal's bytes, embedded NULs included (the final NUL excluded).
template <size_t N>
std::string Bytes(const char (&s)[N]) {
  return std::string(s, N - 1);
}

// Decodes, expecting success, and returns the output.
std::string Decode(std::string_view in, size_t out_len) {
  std::string out = "garbage";
  EXPECT_TRUE(LzfDecompress(in, out_len, &out));
  return out;
}

bool Fails(std::string_view in, size_t out_len) {
  std::string out;
  return !LzfDecompress(in, out_len, &out);
}

TEST(LzfDecompress, EmptyStreamIsEmptyOutput) { EXPECT_EQ(Decode("", 0), ""); }

TEST(LzfDecompress, LiteralRun) {
  EXPECT_EQ(Decode(Bytes("\x02xyz"), 3), "xyz");
  EXPECT_EQ(Decode(Bytes("\x00x\x01yz"), 3), "xyz");
}

TEST(LzfDecompress, LongestLiteralRunIs32Bytes) {
  const std::string lit(32, 'x');
  EXPECT_EQ(Decode("\x1f" + lit, 32), lit);
}

TEST(LzfDecompress, ShortBackReference) {
  // ctrl 0x20: length 1 + 2 = 3, offset (0 << 8) + 2 + 1 = 3 back.
  EXPECT_EQ(Decode(Bytes("\x02xyz\x20\x02"), 6), "xyzxyz");
  // ctrl 0xc0: length 6 + 2 = 8.
  EXPECT_EQ(Decode(Bytes("\x01xy\xc0\x01"), 10), "xyxyxyxyxy");
}

TEST(LzfDecompress, OverlappingBackReferenceRepeatsARun) {
  // Length 7 + extra 3 + 2 = 12, one byte back: the 'x' is copied 12 times.
  EXPECT_EQ(Decode(Bytes("\x00x\xe0\x03\x00"), 13), std::string(13, 'x'));
}

TEST(LzfDecompress, LongestBackReference) {
  // Length 7 + 255 + 2 = 264, the most one instruction can produce.
  EXPECT_EQ(Decode(Bytes("\x00z\xe0\xff\x00"), 265), std::string(265, 'z'));
}

TEST(LzfDecompress, BackReferenceWithHighOffsetBits) {
  // 288 literal bytes, then a reference 288 back: (1 << 8) + 31 + 1.
  std::string in, expected;
  for (int run = 0; run < 9; ++run) {
    std::string lit;
    for (int i = 0; i < 32; ++i) lit.push_back(static_cast<char>('A' + (run * 32 + i) % 26));
    in += "\x1f" + lit;
    expected += lit;
  }
  in += Bytes("\x21\x1f");
  expected += expected.substr(0, 3);
  EXPECT_EQ(Decode(in, expected.size()), expected);
}

TEST(LzfDecompress, LiteralAfterBackReference) {
  // "xy", then three bytes from two back ("xyx"), then "zw".
  EXPECT_EQ(Decode(Bytes("\x01xy\x20\x01\x01zw"), 7), "xyxyxzw");
}

TEST(LzfDecompress, DecodesRedisServerOutput) {
  // The 114 compressed bytes redis-server 7.0.15 wrote for a 322-byte library.
  const std::string compressed = Bytes(
      "\x1f#!lua name=zlib\nredis.register_f\x09unction('z@\n\x03\x30', @\x07`\x12\x1dkeys, "
      "args) return 'repetitive \x12\xe0\n\n\x05' end)\xe0\x16\x65\x00\x31\xe0\\e\x00\x32\xe0"
      "<e\x01)\n");
  ASSERT_EQ(compressed.size(), 114u);
  std::string expected = "#!lua name=zlib\n";
  for (int i = 0; i < 3; ++i) {
    expected += "redis.register_function('zfunc" + std::to_string(i) +
                "', function(keys, args) return 'repetitive repetitive repetitive' end)\n";
  }
  ASSERT_EQ(expected.size(), 322u);
  EXPECT_EQ(Decode(compressed, 322), expected);
}

TEST(LzfDecompress, RejectsTruncatedLiteral) {
  EXPECT_TRUE(Fails(Bytes("\x05xy"), 6));
  EXPECT_TRUE(Fails(Bytes("\x00"), 1));
}

TEST(LzfDecompress, RejectsLiteralPastOutputEnd) { EXPECT_TRUE(Fails(Bytes("\x02xyz"), 2)); }

TEST(LzfDecompress, RejectsBackReferenceMissingOffsetByte) {
  EXPECT_TRUE(Fails(Bytes("\x00x\x20"), 4));
}

TEST(LzfDecompress, RejectsLongBackReferenceMissingLengthByte) {
  EXPECT_TRUE(Fails(Bytes("\x00x\xe0"), 20));
}

TEST(LzfDecompress, RejectsLongBackReferenceMissingOffsetByte) {
  EXPECT_TRUE(Fails(Bytes("\x00x\xe0\x03"), 13));
}

TEST(LzfDecompress, RejectsBackReferenceBeforeOutputStart) {
  EXPECT_TRUE(Fails(Bytes("\x20\x00"), 3));       // nothing written yet
  EXPECT_TRUE(Fails(Bytes("\x00x\x20\x01"), 4));  // two back, one written
  EXPECT_TRUE(Fails(Bytes("\x00x\x3f\xff"), 4));  // the farthest offset
}

TEST(LzfDecompress, RejectsBackReferencePastOutputEnd) {
  EXPECT_TRUE(Fails(Bytes("\x00x\xe0\x03\x00"), 5));
}

TEST(LzfDecompress, RejectsOutputShorterThanPromised) {
  EXPECT_TRUE(Fails(Bytes("\x02xyz"), 4));
  EXPECT_TRUE(Fails("", 1));
}

TEST(LzfDecompress, RejectsInputLeftOverWhenOutputIsFull) {
  EXPECT_TRUE(Fails(Bytes("\x02xyz\x00w"), 3));
  EXPECT_TRUE(Fails(Bytes("\x00x"), 0));
}

TEST(LzfDecompress, RejectsLengthsNoInputCouldProduceWithoutAllocating) {
  // 2^40 or SIZE_MAX bytes would be a bad_alloc (or worse) if honoured.
  EXPECT_TRUE(Fails(Bytes("\x00x\xe0\xff\x00"), size_t{1} << 40));
  EXPECT_TRUE(Fails(Bytes("\x00x\xe0\xff\x00"), std::numeric_limits<size_t>::max()));
  EXPECT_TRUE(Fails("", 100));
}

TEST(LzfDecompress, RandomInputNeverStraysOutOfBounds) {
  std::mt19937 rng(20240607);
  int successes = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    std::string in(rng() % 24, '\0');
    for (char& c : in) c = static_cast<char>(rng());
    const size_t out_len = rng() % 128;
    std::string out;
    if (LzfDecompress(in, out_len, &out)) {
      ++successes;
      EXPECT_EQ(out.size(), out_len);
    }
  }
  EXPECT_GE(successes, 0);  // the point is the absence of crashes under ASan
}

}  // namespace
}  // namespace shoal
