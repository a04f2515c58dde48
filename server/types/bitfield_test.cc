// Tests of the bit-level string operations behind the bitmap commands:
// Redis's bit order, counting and searching over ragged ranges (checked
// against a bit-by-bit reference on random data), BITOP, and BITFIELD's
// types, field access and overflow modes.
#include "server/types/bitfield.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace shoal {
namespace {

const uint8_t* U(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

TEST(Bits, BitZeroIsTheMostSignificantBitOfTheFirstByte) {
  std::string s(2, '\0');
  uint8_t* p = reinterpret_cast<uint8_t*>(s.data());
  EXPECT_EQ(SetBit(p, 0, 1), 0);
  EXPECT_EQ(static_cast<uint8_t>(s[0]), 0x80);
  EXPECT_EQ(SetBit(p, 15, 1), 0);
  EXPECT_EQ(static_cast<uint8_t>(s[1]), 0x01);
  EXPECT_EQ(SetBit(p, 0, 0), 1);
  EXPECT_EQ(GetBit(U(s), s.size(), 15), 1);
  EXPECT_EQ(GetBit(U(s), s.size(), 16), 0);  // past the end reads zero
  EXPECT_EQ(GetBit(U(s), s.size(), uint64_t{1} << 40), 0);
}

TEST(Bits, CountAndFindAgreeWithABitByBitReference) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 300; ++round) {
    const size_t len = 1 + rng() % 70;
    std::string s(len, '\0');
    const int density = static_cast<int>(rng() % 4);  // all zero .. all one
    for (char& c : s) {
      if (density == 0)
        c = 0;
      else if (density == 3)
        c = static_cast<char>(0xFF);
      else
        c = static_cast<char>(rng());
    }
    // A few single flipped bits in otherwise uniform data.
    if (density == 0 || density == 3)
      SetBit(reinterpret_cast<uint8_t*>(s.data()), rng() % (len * 8), density == 0);
    const uint64_t nbits = len * 8;
    const uint64_t a = rng() % nbits, b = rng() % nbits;
    const uint64_t first = a < b ? a : b, last = a < b ? b : a;
    uint64_t ones = 0;
    int64_t first_one = -1, first_zero = -1;
    for (uint64_t i = first; i <= last; ++i) {
      const int v = GetBit(U(s), len, i);
      ones += v;
      if (v && first_one < 0) first_one = static_cast<int64_t>(i);
      if (!v && first_zero < 0) first_zero = static_cast<int64_t>(i);
    }
    SCOPED_TRACE(testing::Message() << "len " << len << " range " << first << ".." << last);
    EXPECT_EQ(PopCountBits(U(s), first, last), ones);
    EXPECT_EQ(FindBit(U(s), first, last, 1), first_one);
    EXPECT_EQ(FindBit(U(s), first, last, 0), first_zero);
    uint64_t all = 0;
    for (uint64_t i = 0; i < nbits; ++i) all += GetBit(U(s), len, i);
    EXPECT_EQ(PopCount(U(s), len), all);
  }
}

TEST(BitOp, ShorterSourcesReadAsZeroPadded) {
  const std::string a("\xff\x0f\xf0", 3), b("\x0f", 1);
  const std::string_view srcs[] = {a, b};
  uint8_t out[3];
  ApplyBitOp(BitOpKind::kAnd, srcs, 2, out, 3);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), 3), std::string("\x0f\x00\x00", 3));
  ApplyBitOp(BitOpKind::kOr, srcs, 2, out, 3);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), 3), std::string("\xff\x0f\xf0", 3));
  ApplyBitOp(BitOpKind::kXor, srcs, 2, out, 3);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), 3), std::string("\xf0\x0f\xf0", 3));
  ApplyBitOp(BitOpKind::kNot, srcs, 1, out, 3);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(out), 3), std::string("\x00\xf0\x0f", 3));
}

TEST(FieldType, AcceptsRedisWidthsOnly) {
  FieldType t;
  ASSERT_TRUE(ParseFieldType("i64", &t));
  EXPECT_TRUE(t.is_signed);
  EXPECT_EQ(t.bits, 64);
  ASSERT_TRUE(ParseFieldType("u63", &t));
  EXPECT_FALSE(t.is_signed);
  ASSERT_TRUE(ParseFieldType("u1", &t));
  for (const char* bad :
       {"u64", "i65", "i0", "u", "I8", "U8", "i08", "i-1", "i+8", "8", "", "ix"}) {
    EXPECT_FALSE(ParseFieldType(bad, &t)) << bad;
  }
  // The width ends at a NUL byte, as in Redis's C-string parsing.
  EXPECT_TRUE(ParseFieldType(std::string_view("i8\0zz", 5), &t));
  EXPECT_EQ(t.bits, 8);
}

TEST(Field, ReadsAndWritesBigEndianAcrossBytes) {
  std::string s(10, '\0');
  uint8_t* p = reinterpret_cast<uint8_t*>(s.data());
  SetField(p, 5, 16, 0xABCD);
  EXPECT_EQ(GetUnsignedField(p, s.size(), 5, 16), 0xABCDu);
  EXPECT_EQ(GetSignedField(p, s.size(), 5, 16), static_cast<int16_t>(0xABCD));
  SetField(p, 7, 64, 0x8000000000000001ull);
  EXPECT_EQ(GetUnsignedField(p, s.size(), 7, 64), 0x8000000000000001ull);
  EXPECT_EQ(GetSignedField(p, s.size(), 7, 64), static_cast<int64_t>(0x8000000000000001ull));
  // Past the end: zeros.
  EXPECT_EQ(GetUnsignedField(p, 1, 4, 8), static_cast<uint64_t>(p[0] & 0x0F) << 4);
  std::string one("\x80", 1);
  EXPECT_EQ(GetSignedField(U(one), 1, 0, 1), -1);
  EXPECT_EQ(GetUnsignedField(U(one), 1, 0, 1), 1u);
}

TEST(FieldArith, WrapSatAndFail) {
  const FieldType i8{true, 8}, u8{false, 8}, i64{true, 64}, u63{false, 63};
  FieldResult r = FieldArith(i8, 127, 1, OverflowMode::kWrap);
  EXPECT_TRUE(r.overflow);
  EXPECT_EQ(static_cast<int64_t>(r.value), -128);
  r = FieldArith(i8, 127, 1, OverflowMode::kSat);
  EXPECT_EQ(static_cast<int64_t>(r.value), 127);
  r = FieldArith(i8, -128, -1, OverflowMode::kSat);
  EXPECT_EQ(static_cast<int64_t>(r.value), -128);
  r = FieldArith(u8, 250, 10, OverflowMode::kWrap);
  EXPECT_EQ(r.value, 4u);
  r = FieldArith(u8, 5, -6, OverflowMode::kSat);
  EXPECT_TRUE(r.overflow);
  EXPECT_EQ(r.value, 0u);
  r = FieldArith(u8, 5, -6, OverflowMode::kWrap);
  EXPECT_EQ(r.value, 255u);
  // SET of a negative value on an unsigned field: an overflow upwards.
  r = FieldArith(u8, -1, 0, OverflowMode::kSat);
  EXPECT_TRUE(r.overflow);
  EXPECT_EQ(r.value, 255u);
  r = FieldArith(i64, INT64_MAX, 1, OverflowMode::kWrap);
  EXPECT_EQ(static_cast<int64_t>(r.value), INT64_MIN);
  r = FieldArith(i64, INT64_MIN, -1, OverflowMode::kSat);
  EXPECT_EQ(static_cast<int64_t>(r.value), INT64_MIN);
  r = FieldArith(u63, INT64_MAX, 1, OverflowMode::kWrap);
  EXPECT_EQ(r.value, 0u);
  r = FieldArith(u8, 100, 100, OverflowMode::kFail);
  EXPECT_FALSE(r.overflow);
  EXPECT_EQ(r.value, 200u);
}

}  // namespace
}  // namespace shoal
