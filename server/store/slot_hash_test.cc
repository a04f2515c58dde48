// Tests for CRC16, Redis Cluster key slots with hash tags, and KeyHash.
#include "server/store/slot_hash.h"

#include <string>

#include "gtest/gtest.h"

namespace shoal {
namespace {

TEST(Crc16, MatchesXmodemCheckValue) {
  EXPECT_EQ(Crc16("123456789", 9), 0x31C3);
  EXPECT_EQ(Crc16("", 0), 0);
}

// The sliced CRC must equal the textbook bit-at-a-time definition at every
// length (the 4-byte steps and the byte tail).
uint16_t BitwiseCrc16(const std::string& s) {
  uint16_t crc = 0;
  for (unsigned char c : s) {
    crc ^= static_cast<uint16_t>(c << 8);
    for (int i = 0; i < 8; ++i) crc = (crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1;
  }
  return crc;
}

TEST(Crc16, EqualsBitwiseDefinitionAtAllLengths) {
  std::string s;
  for (int n = 0; n < 64; ++n) {
    EXPECT_EQ(Crc16(s.data(), s.size()), BitwiseCrc16(s)) << n;
    s.push_back(static_cast<char>(n * 37 + 11));
  }
}

TEST(KeySlot, MatchesRedisCluster) {
  EXPECT_EQ(KeySlot("foo"), 12182);
  EXPECT_EQ(KeySlot("bar"), 5061);
  EXPECT_EQ(KeySlot("123456789"), 0x31C3 & (kNumSlots - 1));
  EXPECT_LT(KeySlot(std::string(1000, 'x')), kNumSlots);
}

TEST(KeySlot, HashTagSelectsSameSlot) {
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("{user1000}.followers"));
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("user1000"));
  EXPECT_EQ(KeySlot("a{foo}b"), KeySlot("foo"));
}

TEST(KeySlot, EmptyTagHashesWholeKey) {
  const std::string key = "foo{}{bar}";
  EXPECT_EQ(KeySlot(key), Crc16(key.data(), key.size()) & (kNumSlots - 1));
  EXPECT_NE(KeySlot(key), KeySlot("bar"));
}

TEST(KeySlot, TagEndsAtFirstCloseBraceAfterOpen) {
  EXPECT_EQ(KeySlot("foo{{bar}}zap"), KeySlot("{bar"));
  EXPECT_EQ(KeySlot("foo{{bar}}zap"), Crc16("{bar", 4) & (kNumSlots - 1));
  EXPECT_EQ(KeySlot("foo{bar}{zap}"), KeySlot("bar"));
}

TEST(KeySlot, UnclosedBraceHashesWholeKey) {
  const std::string key = "foo{bar";
  EXPECT_EQ(KeySlot(key), Crc16(key.data(), key.size()) & (kNumSlots - 1));
  const std::string key2 = "}foo{";
  EXPECT_EQ(KeySlot(key2), Crc16(key2.data(), key2.size()) & (kNumSlots - 1));
}

TEST(KeyHash, DeterministicAndSpreads) {
  EXPECT_EQ(KeyHash("abc"), KeyHash(std::string("abc")));
  EXPECT_NE(KeyHash("abc"), KeyHash("abd"));
  EXPECT_NE(KeyHash(""), KeyHash(std::string_view("\0", 1)));
}

}  // namespace
}  // namespace shoal
