// Tests for RDB lengths and strings: exact bytes for each length form and
// string encoding, round trips across the boundaries between forms, and
// rejection of truncated, unknown and forged encodings.
#include "server/serialize/rdb_string.h"

#include <cstdint>
#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace shoal {
namespace {

template <size_t N>
std::string Bytes(const char (&s)[N]) {
  return std::string(s, N - 1);
}

std::string EncodeLength(uint64_t len) {
  std::string out;
  AppendRdbLength(len, &out);
  return out;
}

std::string EncodeString(std::string_view s) {
  std::string out;
  AppendRdbString(s, &out);
  return out;
}

bool ReadsString(std::string_view in, std::string* out) {
  RdbReader reader(in);
  return reader.ReadString(out) && reader.remaining() == 0;
}

TEST(RdbLength, WritesEachFormAtItsBoundaries) {
  EXPECT_EQ(EncodeLength(0), Bytes("\x00"));
  EXPECT_EQ(EncodeLength(63), Bytes("\x3f"));
  EXPECT_EQ(EncodeLength(64), Bytes("\x40\x40"));
  EXPECT_EQ(EncodeLength(92), Bytes("\x40\x5c"));
  EXPECT_EQ(EncodeLength(16383), Bytes("\x7f\xff"));
  EXPECT_EQ(EncodeLength(16384), Bytes("\x80\x00\x00\x40\x00"));
  EXPECT_EQ(EncodeLength(0xffffffffULL), Bytes("\x80\xff\xff\xff\xff"));
  EXPECT_EQ(EncodeLength(0x100000000ULL), Bytes("\x81\x00\x00\x00\x01\x00\x00\x00\x00"));
}

TEST(RdbLength, RoundTrips) {
  for (uint64_t len : {0ULL, 1ULL, 63ULL, 64ULL, 16383ULL, 16384ULL, 0xffffffffULL, 0x100000000ULL,
                       0xffffffffffffffffULL}) {
    const std::string bytes = EncodeLength(len);
    RdbReader reader(bytes);
    uint64_t got = 0;
    bool encoded = true;
    ASSERT_TRUE(reader.ReadLength(&got, &encoded)) << len;
    EXPECT_EQ(got, len);
    EXPECT_FALSE(encoded);
    EXPECT_EQ(reader.remaining(), 0u);
  }
}

TEST(RdbLength, ReportsSpecialEncodings) {
  const std::string bytes = Bytes("\xc3");
  RdbReader reader(bytes);
  uint64_t len;
  bool encoded = false;
  ASSERT_TRUE(reader.ReadLength(&len, &encoded));
  EXPECT_TRUE(encoded);
  EXPECT_EQ(len, kRdbEncLzf);
}

TEST(RdbLength, RejectsTruncatedAndUnknownForms) {
  for (const std::string& bad : {Bytes(""), Bytes("\x40"), Bytes("\x80\x00\x00\x01"),
                                 Bytes("\x81\x00\x00\x00\x00\x00\x00\x01"), Bytes("\x82"),
                                 Bytes("\xbf\x00\x00\x00\x00\x00\x00\x00\x00")}) {
    RdbReader reader(bad);
    uint64_t len;
    EXPECT_FALSE(reader.ReadLength(&len, nullptr)) << testing::PrintToString(bad);
  }
}

TEST(RdbString, WritesRawStrings) {
  EXPECT_EQ(EncodeString(""), Bytes("\x00"));
  EXPECT_EQ(EncodeString("xyz"), Bytes("\x03xyz"));
  std::string out;
  AppendRdbRawString("12", &out);
  EXPECT_EQ(out, Bytes("\x02\x31\x32"));
}

TEST(RdbString, WritesCanonicalIntegersInTheNarrowestForm) {
  EXPECT_EQ(EncodeString("0"), Bytes("\xc0\x00"));
  EXPECT_EQ(EncodeString("-1"), Bytes("\xc0\xff"));
  EXPECT_EQ(EncodeString("127"), Bytes("\xc0\x7f"));
  EXPECT_EQ(EncodeString("-128"), Bytes("\xc0\x80"));
  EXPECT_EQ(EncodeString("128"), Bytes("\xc1\x80\x00"));
  EXPECT_EQ(EncodeString("-32768"), Bytes("\xc1\x00\x80"));
  EXPECT_EQ(EncodeString("32768"), Bytes("\xc2\x00\x80\x00\x00"));
  EXPECT_EQ(EncodeString("2147483647"), Bytes("\xc2\xff\xff\xff\x7f"));
  EXPECT_EQ(EncodeString("-2147483648"), Bytes("\xc2\x00\x00\x00\x80"));
}

TEST(RdbString, WritesNonCanonicalOrWideNumbersRaw) {
  for (std::string_view s :
       {"01", "+1", "-0", " 1", "1 ", "2147483648", "-2147483649", "99999999999", "1e3", "-"}) {
    std::string raw(1, static_cast<char>(s.size()));
    raw.append(s);
    EXPECT_EQ(EncodeString(s), raw) << s;
  }
}

TEST(RdbString, RoundTrips) {
  for (std::string s : {std::string(""), std::string("x"), std::string("-7"), std::string("12345"),
                        std::string("-2147483648"), std::string(100, 'q'), std::string(20000, 'z'),
                        Bytes("bin\x00\xff\x01")}) {
    std::string got;
    ASSERT_TRUE(ReadsString(EncodeString(s), &got)) << s.size();
    EXPECT_EQ(got, s);
  }
}

TEST(RdbString, ReadsIntegerEncodingsAsDecimalText) {
  std::string got;
  ASSERT_TRUE(ReadsString(Bytes("\xc0\x85"), &got));
  EXPECT_EQ(got, "-123");
  ASSERT_TRUE(ReadsString(Bytes("\xc1\x39\x30"), &got));
  EXPECT_EQ(got, "12345");
  ASSERT_TRUE(ReadsString(Bytes("\xc2\x15\xcd\x5b\x07"), &got));
  EXPECT_EQ(got, "123456789");
  ASSERT_TRUE(ReadsString(Bytes("\xc2\xeb\x32\xa4\xf8"), &got));
  EXPECT_EQ(got, "-123456789");
}

TEST(RdbString, ReadsLzfStrings) {
  std::string got;
  // Compressed length 5, plain length 13: 'x' then a 12-byte overlapping copy.
  ASSERT_TRUE(ReadsString(Bytes("\xc3\x05\x0d\x00x\xe0\x03\x00"), &got));
  EXPECT_EQ(got, std::string(13, 'x'));
}

TEST(RdbString, RejectsTruncation) {
  std::string got;
  for (const std::string& bad :
       {Bytes(""), Bytes("\x03xy"), Bytes("\x40"), Bytes("\x40\x05wxyz"), Bytes("\xc0"),
        Bytes("\xc1\x01"), Bytes("\xc2\x01\x02\x03"), Bytes("\xc3"), Bytes("\xc3\x05"),
        Bytes("\xc3\x05\x0d\x00x\xe0\x03")}) {
    RdbReader reader(bad);
    EXPECT_FALSE(reader.ReadString(&got)) << testing::PrintToString(bad);
  }
}

TEST(RdbString, RejectsUnknownEncodings) {
  std::string got;
  for (const std::string& bad : {Bytes("\xc4\x00\x00"), Bytes("\xff"), Bytes("\x82\x00")}) {
    RdbReader reader(bad);
    EXPECT_FALSE(reader.ReadString(&got)) << testing::PrintToString(bad);
  }
}

TEST(RdbString, RejectsCorruptLzf) {
  std::string got;
  // Plain length 14 where the stream yields 13; a reference before the start.
  EXPECT_FALSE(ReadsString(Bytes("\xc3\x05\x0e\x00x\xe0\x03\x00"), &got));
  EXPECT_FALSE(ReadsString(Bytes("\xc3\x02\x03\x20\x00"), &got));
}

TEST(RdbString, HugeForgedLengthsFailWithoutAllocating) {
  std::string got;
  // A 2^64-1 byte raw string, and an LZF string claiming 2^62 plain bytes.
  EXPECT_FALSE(ReadsString(Bytes("\x81\xff\xff\xff\xff\xff\xff\xff\xffxyz"), &got));
  EXPECT_FALSE(ReadsString(Bytes("\xc3\x02\x81\x40\x00\x00\x00\x00\x00\x00\x00\x00xy"), &got));
  // A compressed length beyond the input.
  EXPECT_FALSE(ReadsString(Bytes("\xc3\x80\x7f\xff\xff\xff\x05xyz"), &got));
}

}  // namespace
}  // namespace shoal
