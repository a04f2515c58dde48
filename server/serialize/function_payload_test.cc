// Tests for FUNCTION DUMP / RESTORE payloads: real payloads captured from
// redis-server 7.0.15 (plain, LZF-compressed, two libraries), byte-exact
// dumps, round trips, and each rejection with the reply text Redis sends.
#include "server/serialize/function_payload.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/serialize/crc64.h"

namespace shoal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::StartsWith;

template <size_t N>
std::string Bytes(const char (&s)[N]) {
  return std::string(s, N - 1);
}

// Appends a footer with the given version and a correct CRC.
std::string WithFooter(std::string body, uint16_t version = 11) {
  body.push_back(static_cast<char>(version & 0xff));
  body.push_back(static_cast<char>(version >> 8));
  const uint64_t crc = Crc64(0, body);
  for (int i = 0; i < 8; ++i) body.push_back(static_cast<char>(crc >> (8 * i)));
  return body;
}

// FUNCTION DUMP from redis-server 7.0.15 after loading kDlibCode (RDB
// version 10, the string short enough that Redis left it uncompressed).
const std::string& RedisDlibPayload() {
  static const std::string* p = new std::string(
      Bytes("\xf5@\x5c#!lua name=dlib\nredis.register_function('dfunc', function(keys, args) "
            "return 'restored' end)\n\x00nM\xd1\x62\x96\xd3k\x10"));
  return *p;
}

constexpr std::string_view kDlibCode =
    "#!lua name=dlib\nredis.register_function('dfunc', function(keys, args) return 'restored' "
    "end)";

// The 322-byte library that redis-server compressed with LZF.
std::string ZlibCode() {
  std::string code = "#!lua name=zlib\n";
  for (int i = 0; i < 3; ++i) {
    code += "redis.register_function('zfunc" + std::to_string(i) +
            "', function(keys, args) return 'repetitive repetitive repetitive' end)\n";
  }
  return code;
}

// FUNCTION DUMP from redis-server 7.0.15 (rdbcompression yes) after loading
// ZlibCode(): 0xC3, compressed length 114, plain length 322, LZF bytes.
const std::string& RedisZlibPayload() {
  static const std::string* p = new std::string(
      Bytes("\xf5\xc3@rAB\x1f#!lua name=zlib\nredis.register_f\x09unction('z@\n\x03\x30',"
            " @\x07`\x12\x1dkeys, args) return 'repetitive \x12\xe0\n\n\x05' end)\xe0\x16"
            "\x65\x00\x31\xe0\\e\x00\x32\xe0<e\x01)\n\n\x00\xa0\xc9],\x00\xfb=)"));
  return *p;
}

// FUNCTION DUMP from redis-server 7.0.15 with both libraries loaded (dlib
// here with a trailing newline), in the order Redis wrote them.
const std::string& RedisTwoLibraryPayload() {
  static const std::string* p = new std::string(
      Bytes("\xf5@]#!lua name=dlib\nredis.register_function('dfunc', function(keys, args)"
            " return 'restored' end)\n\xf5\xc3@rAB\x1f#!lua name=zlib\nredis.register_f"
            "\x09unction('z@\n\x03\x30', @\x07`\x12\x1dkeys, args) return 'repetitive "
            "\x12\xe0\n\n\x05' end)\xe0\x16\x65\x00\x31\xe0\\e\x00\x32\xe0<e\x01)\n\n\x00"
            "\xe0\x1a\x33\"V\xc9\xac\x82"));
  return *p;
}

// Parses expecting failure; returns the error text.
std::string ParseError(std::string_view payload, const FunctionPayloadOptions& options = {}) {
  std::vector<std::string> codes = {"untouched"};
  std::string err;
  EXPECT_FALSE(ParseFunctionPayload(payload, &codes, &err, options));
  EXPECT_THAT(codes, ElementsAre("untouched"));
  return err;
}

std::vector<std::string> ParseOk(std::string_view payload,
                                 const FunctionPayloadOptions& options = {}) {
  std::vector<std::string> codes = {"stale"};
  std::string err;
  EXPECT_TRUE(ParseFunctionPayload(payload, &codes, &err, options)) << err;
  return codes;
}

TEST(ParseFunctionPayload, ReadsRedisServerPayload) {
  ASSERT_EQ(RedisDlibPayload().size(), 105u);
  const std::vector<std::string> codes = ParseOk(RedisDlibPayload());
  ASSERT_EQ(codes.size(), 1u);
  EXPECT_EQ(codes[0].size(), 92u);
  EXPECT_THAT(codes[0], StartsWith("#!lua name=dlib\n"));
  EXPECT_EQ(codes[0], kDlibCode);
}

TEST(ParseFunctionPayload, ReadsRedisServerLzfPayload) {
  ASSERT_EQ(RedisZlibPayload().size(), 130u);
  EXPECT_THAT(ParseOk(RedisZlibPayload()), ElementsAre(ZlibCode()));
}

TEST(ParseFunctionPayload, ReadsRedisServerPayloadWithTwoLibrariesInOrder) {
  ASSERT_EQ(RedisTwoLibraryPayload().size(), 226u);
  EXPECT_THAT(ParseOk(RedisTwoLibraryPayload()),
              ElementsAre(std::string(kDlibCode) + "\n", ZlibCode()));
}

TEST(ParseFunctionPayload, FooterAloneIsNoLibraries) {
  EXPECT_THAT(ParseOk(WithFooter("")), IsEmpty());
}

TEST(DumpFunctions, MatchesRedisServerBytesAtVersion10) {
  EXPECT_EQ(DumpFunctions({std::string(kDlibCode)}, 10), RedisDlibPayload());
}

TEST(DumpFunctions, WritesOpcodeRawStringVersion11AndCrc) {
  EXPECT_EQ(DumpFunctions({"#!lua name=x\n"}), WithFooter(Bytes("\xf5\x0d#!lua name=x\n")));
  EXPECT_EQ(DumpFunctions({}), WithFooter(""));
  EXPECT_EQ(DumpFunctions({})[0], '\x0b');
}

TEST(DumpFunctions, NeverIntegerEncodesOrCompresses) {
  const std::string dump = DumpFunctions({"12", ZlibCode()});
  EXPECT_EQ(dump.substr(0, 4), Bytes("\xf5\x02\x31\x32"));
  EXPECT_EQ(dump.substr(4, 3), Bytes("\xf5\x41\x42"));  // raw, 14-bit length 322
}

TEST(DumpFunctions, RoundTripsThroughParse) {
  const std::vector<std::vector<std::string>> cases = {
      {},
      {std::string(kDlibCode)},
      {ZlibCode(), std::string(kDlibCode), "#!lua name=c\n"},
      {"#!lua name=big\n" + std::string(70000, '-')},  // 32-bit length
      {Bytes("#!lua name=bin\n\x00\xff\xf5\xc3")},
  };
  for (const auto& libraries : cases) {
    EXPECT_EQ(ParseOk(DumpFunctions(libraries)), libraries);
  }
}

TEST(ParseFunctionPayload, RejectsShortPayloads) {
  EXPECT_EQ(ParseError(""), kErrBadPayloadFooter);
  EXPECT_EQ(ParseError(WithFooter("").substr(1)), kErrBadPayloadFooter);
}

TEST(ParseFunctionPayload, RejectsWrongChecksum) {
  for (size_t i = 0; i < RedisDlibPayload().size(); ++i) {
    std::string flipped = RedisDlibPayload();
    flipped[i] ^= 0x01;
    EXPECT_EQ(ParseError(flipped), kErrBadPayloadFooter) << i;
  }
}

TEST(ParseFunctionPayload, RejectsNewerRdbVersions) {
  EXPECT_THAT(ParseOk(WithFooter("", 11)), IsEmpty());
  EXPECT_EQ(ParseError(WithFooter("", 12)), kErrBadPayloadFooter);
  EXPECT_EQ(ParseError(WithFooter("", 0xffff)), kErrBadPayloadFooter);
  // Redis 7.0 stops at 10.
  EXPECT_EQ(ParseError(DumpFunctions({}), {.max_rdb_version = 10}), kErrBadPayloadFooter);
}

TEST(ParseFunctionPayload, ZeroChecksumIsCheckedUnlessConfiguredOtherwise) {
  std::string unchecked = RedisDlibPayload();
  unchecked.replace(unchecked.size() - 8, 8, std::string(8, '\0'));
  EXPECT_EQ(ParseError(unchecked), kErrBadPayloadFooter);  // Redis 7.x
  EXPECT_THAT(ParseOk(unchecked, {.zero_crc_skips_check = true}),
              ElementsAre(kDlibCode));  // Redis 8
}

TEST(ParseFunctionPayload, RejectsOtherRecordTypes) {
  EXPECT_EQ(ParseError(WithFooter(Bytes("\x00\x03xyz"))), kErrNotAFunction);
  EXPECT_EQ(ParseError(WithFooter(Bytes("\xf7\x03xyz"))), kErrNotAFunction);
  // After a good library too: nothing is returned.
  EXPECT_EQ(ParseError(WithFooter(Bytes("\xf5\x03xyz\xfe\x00"))), kErrNotAFunction);
}

TEST(ParseFunctionPayload, RejectsCorruptLibraryStrings) {
  for (const std::string& body : {
           Bytes("\xf5\x40\x30xyz"),           // truncated
           Bytes("\xf5\x0c"),                  // runs past the footer
           Bytes("\xf5\xc5"),                  // unknown string encoding
           Bytes("\xf5\x82xyz"),               // unknown length encoding
           Bytes("\xf5\xc3\x02\x05\x40\x00"),  // LZF that does not decode
           Bytes("\xf5\x03xyz\xf5\x40"),       // second library truncated
       }) {
    EXPECT_EQ(ParseError(WithFooter(body)), kErrBadLibraryPayload) << testing::PrintToString(body);
  }
}

TEST(ParseFunctionPayload, LikeRedisLetsALibraryStringRunIntoTheFooter) {
  // Redis reads records from the whole buffer; a string ending inside the
  // footer is returned and fails later, when the library is compiled.
  const std::string payload = WithFooter(Bytes("\xf5\x0a"));
  EXPECT_THAT(ParseOk(payload), ElementsAre(payload.substr(2)));
}

TEST(ParseFunctionPayload, ReturnsIntegerEncodedCodeAsText) {
  // Redis accepts it here and then fails with "Missing library metadata".
  EXPECT_THAT(ParseOk(WithFooter(Bytes("\xf5\xc0\x05"))), ElementsAre("5"));
}

// A short raw RDB string (length below 64).
std::string S(std::string_view s) {
  std::string out(1, static_cast<char>(s.size()));
  out.append(s);
  return out;
}

const std::string kPreGa(1, '\xf6');

TEST(ParseFunctionPayload, RejectsPreGaRecordsByDefault) {
  const std::string body = kPreGa + S("mylib") + S("LUA") + std::string(1, '\0') +
                           S("redis.register_function('f1', function() return 1 end)");
  EXPECT_EQ(ParseError(WithFooter(body)), kErrPreGaUnsupported);
  EXPECT_EQ(ParseError(WithFooter(Bytes("\xf6"))), kErrPreGaUnsupported);
}

TEST(ParseFunctionPayload, ReadsPreGaRecordsLikeRedis70) {
  // redis-server 7.0.15 restores these two records and then dumps them as
  // "#!LUA name=mylib\n<code>", description dropped.
  const FunctionPayloadOptions redis70 = {.max_rdb_version = 10, .accept_pre_ga = true};
  const std::string body = kPreGa + S("mylib") + S("LUA") + std::string(1, '\0') +
                           S("redis.register_function('f1', function() return 1 end)") + kPreGa +
                           S("mylib2") + S("LUA") + "\x01" + S("a description") +
                           S("redis.register_function('f2', function() return 1 end)");
  EXPECT_THAT(
      ParseOk(WithFooter(body, 10), redis70),
      ElementsAre("#!LUA name=mylib\nredis.register_function('f1', function() return 1 end)",
                  "#!LUA name=mylib2\nredis.register_function('f2', function() return 1 end)"));
}

TEST(ParseFunctionPayload, ReportsWhichPreGaFieldIsCorrupt) {
  // Texts and order as redis-server 7.0.15 replies.
  const FunctionPayloadOptions redis70 = {.accept_pre_ga = true};
  const std::string head = kPreGa + S("x") + S("LUA");
  EXPECT_EQ(ParseError(WithFooter(kPreGa + '\xc5'), redis70), "ERR Failed loading library name");
  EXPECT_EQ(ParseError(WithFooter(kPreGa + S("LUA")), redis70), "ERR Failed loading engine name");
  EXPECT_EQ(ParseError(WithFooter(kPreGa + S("x") + "\x82"), redis70),
            "ERR Failed loading engine name");
  EXPECT_EQ(ParseError(WithFooter(head + "\x82"), redis70),
            "ERR Failed loading library description indicator");
  EXPECT_EQ(ParseError(WithFooter(head + "\x01"), redis70),
            "ERR Failed loading library description");
  EXPECT_EQ(ParseError(WithFooter(head + std::string(1, '\0')), redis70),
            "ERR Failed loading library blob");
}

TEST(ParseFunctionPayload, CorruptedPayloadsWithValidCrcNeverCrash) {
  // Random byte edits with the footer recomputed, so each reaches the body
  // parser; under ASan this shows every read stays in bounds.
  std::mt19937 rng(7);
  const std::string body = RedisTwoLibraryPayload().substr(0, 216);
  for (int iter = 0; iter < 5000; ++iter) {
    std::string mutated = body;
    const int edits = 1 + rng() % 4;
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 3) {
        case 0:
          mutated[rng() % mutated.size()] = static_cast<char>(rng());
          break;
        case 1:
          mutated.resize(rng() % (mutated.size() + 1));
          break;
        default:
          mutated.insert(rng() % (mutated.size() + 1), 1, static_cast<char>(rng()));
          break;
      }
      if (mutated.empty()) break;
    }
    std::vector<std::string> codes;
    std::string err;
    if (!ParseFunctionPayload(WithFooter(mutated), &codes, &err, {.accept_pre_ga = true})) {
      EXPECT_THAT(err, StartsWith("ERR "));
    }
  }
}

}  // namespace
}  // namespace shoal
