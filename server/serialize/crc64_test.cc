// Tests for Crc64: the standard check value, incrementality, and agreement
// with the CRC redis-server wrote into a real FUNCTION DUMP payload.
#include "server/serialize/crc64.h"

#include <string>

#include "gtest/gtest.h"

namespace shoal {
namespace {

TEST(Crc64, MatchesJonesCheckValue) { EXPECT_EQ(Crc64(0, "123456789"), 0xe9c6d914c4b8d9caULL); }

TEST(Crc64, EmptyInputLeavesCrcUnchanged) {
  EXPECT_EQ(Crc64(0, ""), 0u);
  EXPECT_EQ(Crc64(0x1234, ""), 0x1234u);
}

TEST(Crc64, IsIncremental) {
  const std::string data = "The quick brown fox jumps over the lazy dog";
  const uint64_t whole = Crc64(0, data);
  for (size_t split = 0; split <= data.size(); ++split) {
    std::string_view v(data);
    EXPECT_EQ(Crc64(Crc64(0, v.substr(0, split)), v.substr(split)), whole) << split;
  }
}

TEST(Crc64, MatchesRedisServerPayloadFooter) {
  // FUNCTION DUMP from redis-server 7.0.15: the last 8 bytes are the
  // little-endian CRC of everything before them.
  static constexpr char kPayload[] =
      "\xf5@\x5c#!lua name=dlib\nredis.register_function('dfunc', function(keys, args) "
      "return 'restored' end)\n\x00nM\xd1\x62\x96\xd3k\x10";
  const std::string payload(kPayload, sizeof(kPayload) - 1);
  ASSERT_EQ(payload.size(), 105u);
  uint64_t stored = 0;
  for (int i = 7; i >= 0; --i) stored = (stored << 8) | static_cast<uint8_t>(payload[97 + i]);
  EXPECT_EQ(Crc64(0, std::string_view(payload).substr(0, 97)), stored);
}

}  // namespace
}  // namespace shoal
