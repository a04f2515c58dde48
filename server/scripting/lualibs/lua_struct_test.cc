// Tests for lua_struct. Every expected value in the tables below was observed
// from redis-server 7.0.15 running the same Lua expression under EVAL (bytes
// read off the wire as hex), so these tests pin compatibility with Redis.
#include "server/scripting/lualibs/lua_struct.h"

#include <gtest/gtest.h>

#include <string>

#include "server/scripting/lualibs/lua_test_util.h"

namespace shoal::lualibs {
namespace {

struct Case {
  const char* expr;
  const char* want;
};

void ExpectAll(LuaSandbox& lua, std::initializer_list<Case> cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expr);
    EXPECT_EQ(lua.Eval(c.expr), c.want);
  }
}

// Integers are truncated to their width; widths past 8 bytes carry zeros beyond the
// 64-bit word (also for negative values).
TEST(Struct, PackIntegers) {
  LuaSandbox lua;
  ExpectAll(lua, {
                     {"hex(struct.pack('b', -1))", "ff"},
                     {"hex(struct.pack('B', 255))", "ff"},
                     {"hex(struct.pack('B', 256))", "00"},
                     {"hex(struct.pack('b', 200))", "c8"},
                     {"hex(struct.pack('>h', -2))", "fffe"},
                     {"hex(struct.pack('<h', -2))", "feff"},
                     {"hex(struct.pack('H', 65535))", "ffff"},
                     {"hex(struct.pack('h', 2^20))", "0000"},
                     {"hex(struct.pack('>i', 1))", "00000001"},
                     {"hex(struct.pack('<i', 1))", "01000000"},
                     {"hex(struct.pack('>I', 2^32-1))", "ffffffff"},
                     {"hex(struct.pack('>l', -1))", "ffffffffffffffff"},
                     {"hex(struct.pack('>L', 2^53))", "0020000000000000"},
                     {"hex(struct.pack('>T', 5))", "0000000000000005"},
                     {"hex(struct.pack('>i3', -2))", "fffffe"},
                     {"hex(struct.pack('<i3', 0x123456))", "563412"},
                     {"hex(struct.pack('>i1', 300))", "2c"},
                     {"hex(struct.pack('>i0', 1))", ""},
                     {"hex(struct.pack('b', '12'))", "0c"},
                     {"hex(struct.pack('>i16', -1))", "0000000000000000ffffffffffffffff"},
                     {"hex(struct.pack('<i16', 1))", "01000000000000000000000000000000"},
                     {"hex(struct.pack('>i9', -2))", "00fffffffffffffffe"},
                     {"hex(struct.pack('>i32', 1))",
                      "0000000000000000000000000000000000000000000000000000000000000001"},
                     {"hex(struct.pack('<i12', -3))", "fdffffffffffffff00000000"},
                     {"hex(struct.pack('>I5', 2^33+7))", "0200000007"},
                 });
}

// What int64/uint64 cannot hold comes out as Redis's x86-64 build converts it.
TEST(Struct, PackOutOfRangeIntegersAsRedisOnX86) {
  LuaSandbox lua;
  ExpectAll(lua, {
                     {"hex(struct.pack('>L', 2^64))", "0000000000000000"},
                     {"hex(struct.pack('>L', -2^64))", "8000000000000000"},
                     {"hex(struct.pack('>l', 2^63))", "8000000000000000"},
                     {"hex(struct.pack('>l', -2^63))", "8000000000000000"},
                     {"hex(struct.pack('>L', 1e300))", "0000000000000000"},
                     {"hex(struct.pack('>L', -1e300))", "8000000000000000"},
                     {"hex(struct.pack('>l', 0/0))", "8000000000000000"},
                     {"hex(struct.pack('>L', 1/0))", "0000000000000000"},
                     {"hex(struct.pack('>L', -1/0))", "8000000000000000"},
                     {"hex(struct.pack('>l', 1.7))", "0000000000000001"},
                     {"hex(struct.pack('>l', -1.7))", "ffffffffffffffff"},
                     {"hex(struct.pack('>L', 2^63+2^62))", "c000000000000000"},
                     {"hex(struct.pack('>l', -0.5))", "0000000000000000"},
                     {"hex(struct.pack('>L', 2^64-2048))", "fffffffffffff800"},
                 });
}

TEST(Struct, PackFloatsStringsPadding) {
  LuaSandbox lua;
  ExpectAll(lua, {
                     {"hex(struct.pack('>f', 1.5))", "3fc00000"},
                     {"hex(struct.pack('<d', 0.1))", "9a9999999999b93f"},
                     {"hex(struct.pack('>d', 0/0))", "fff8000000000000"},
                     {"hex(struct.pack('>f', 1e300))", "7f800000"},
                     {"hex(struct.pack('f', -1/0))", "000080ff"},
                     {"hex(struct.pack('<f', 2^-149))", "01000000"},
                     {"hex(struct.pack('>f', 0.1))", "3dcccccd"},
                     {"hex(struct.pack('s', 'ab'))", "616200"},
                     {"hex(struct.pack('s', 12))", "313200"},
                     {"hex(struct.pack('s', 'a\\0b'))", "61006200"},
                     {"hex(struct.pack('c', 'ab'))", "61"},
                     {"hex(struct.pack('c2', 'abc'))", "6162"},
                     {"hex(struct.pack('c0', 'abc'))", "616263"},
                     {"hex(struct.pack('c0s', 'abc', 'x'))", "6162637800"},
                     {"hex(struct.pack('x'))", "00"},
                     {"hex(struct.pack('xxb', 1))", "000001"},
                     {"hex(struct.pack(''))", ""},
                     {"hex(struct.pack('<>b', 1))", "01"},
                     {"hex(struct.pack('  b', 1))", "01"},
                     {"hex(struct.pack('>b<h', 1, 2))", "010200"},
                 });
}

// '!' pads each item to min(its size, the alignment), with the library's
// formula also for sizes that are not powers of 2.
TEST(Struct, PackAlignment) {
  LuaSandbox lua;
  ExpectAll(lua,
            {
                {"hex(struct.pack('!bi', 1, 2))", "0100000002000000"},
                {"hex(struct.pack('!4bd', 1, 2))", "010000000000000000000040"},
                {"hex(struct.pack('!2bi', 1, 2))", "010002000000"},
                {"hex(struct.pack('!bhbibd', 1,2,3,4,5,6))",
                 "010002000300000004000000050000000000000000001840"},
                {"hex(struct.pack('!8bi3', 1, 2))", "010000020000"},
                {"hex(struct.pack('!8 b f', 1, 2))", "0100000000000040"},
                {"hex(struct.pack('!8 b c1 i', 1, 'a', 2))", "0161000002000000"},
                {"hex(struct.pack('!8 b s i', 1, 'a', 2))", "0161000002000000"},
                {"hex(struct.pack('!8 b x i', 1, 2))", "0100000002000000"},
                {"hex(struct.pack('!8 bT', 1, 2))", "01000000000000000200000000000000"},
                {"hex(struct.pack('! b l', 1, 2))", "01000000000000000200000000000000"},
                {"hex(struct.pack('!16b', 1))", "01"},
                {"hex(struct.pack('!4 b', 1, 2))", "01"},
                {"hex(struct.pack('!8 b i5 b i7', 1, 2, 3, 4))",
                 "01000000000200000000030000000004000000000000"},
                {"hex(struct.pack('!2 b d', 1, 2))", "01000000000000000040"},
                {"hex(struct.pack('!b c0 i', 1, 'abc', 2))", "0161626302000000"},
                {"hex(struct.pack('!1073741824 b l', 1, 2))", "01000000000000000200000000000000"},
            });
}

// A missing argument reads the nil marker pack pushes after its arguments; a
// short string names the argument after it. Both are the library's quirks.
TEST(Struct, PackErrors) {
  LuaSandbox lua;
  ExpectAll(
      lua,
      {
          {"struct.pack('>i33', 1)",
           "ERR:user_script:1: integral size 33 is larger than limit of 32"},
          {"struct.pack('i99999999999', 1)", "ERR:user_script:1: integral size overflow"},
          {"struct.pack('c3', 'ab')",
           "ERR:user_script:1: bad argument #3 to 'pack' (string too short)"},
          {"struct.pack('!3 b i', 1, 2)", "ERR:user_script:1: alignment 3 is not a power of 2"},
          {"struct.pack('!0 b', 1)", "ERR:user_script:1: alignment 0 is not a power of 2"},
          {"struct.pack('z', 1)",
           "ERR:user_script:1: bad argument #1 to 'pack' (invalid format option 'z')"},
          {"struct.pack('>4', 1)",
           "ERR:user_script:1: bad argument #1 to 'pack' (invalid format option '4')"},
          {"struct.pack('b')",
           "ERR:user_script:1: bad argument #2 to 'pack' (number expected, got nil)"},
          {"struct.pack('bb', 1)",
           "ERR:user_script:1: bad argument #3 to 'pack' (number expected, got nil)"},
          {"struct.pack('b', 'x')",
           "ERR:user_script:1: bad argument #2 to 'pack' (number expected, got string)"},
          {"struct.pack('s', {})",
           "ERR:user_script:1: bad argument #2 to 'pack' (string expected, got table)"},
          {"struct.pack()",
           "ERR:user_script:1: bad argument #1 to 'pack' (string expected, got no value)"},
          {"struct.pack(12)",
           "ERR:user_script:1: bad argument #1 to 'pack' (invalid format option '1')"},
          {"struct.pack('c99999999999', 'a')", "ERR:user_script:1: integral size overflow"},
          {"struct.pack('c2147483648', 'a')", "ERR:user_script:1: integral size overflow"},
          {"struct.pack('!2147483648', 'a')", "ERR:user_script:1: integral size overflow"},
          {"struct.pack('c', '')",
           "ERR:user_script:1: bad argument #3 to 'pack' (string too short)"},
          {"struct.pack('c2', 'a')",
           "ERR:user_script:1: bad argument #3 to 'pack' (string too short)"},
          {"struct.pack('bc2', 1, 'a')",
           "ERR:user_script:1: bad argument #4 to 'pack' (string too short)"},
          {"struct.pack('bbbc2', 1, 2, 3, 'a')",
           "ERR:user_script:1: bad argument #6 to 'pack' (string too short)"},
          {"struct.pack('\\200', 1)",
           "ERR:user_script:1: bad argument #1 to 'pack' (invalid format option '\310')"},
          {"struct.pack('d', nil)",
           "ERR:user_script:1: bad argument #2 to 'pack' (number expected, got nil)"},
          {"#struct.pack('c8192 b', string.rep('a', 8192))",
           "ERR:user_script:1: bad argument #3 to 'pack' (number expected, got nil)"},
          {"hex(struct.pack('c8190 b', string.rep('a', 8190), 7):sub(-2))", "6107"},
      });
}

TEST(Struct, UnpackIntegers) {
  LuaSandbox lua;
  ExpectAll(lua, {
                     {"dump(struct.unpack('>b', unhex('ff')))", "2:-1 2"},
                     {"dump(struct.unpack('>B', unhex('ff')))", "2:255 2"},
                     {"dump(struct.unpack('<h', unhex('feff')))", "2:-2 3"},
                     {"dump(struct.unpack('>H', unhex('feff')))", "2:65279 3"},
                     {"dump(struct.unpack('>i', unhex('80000000')))", "2:-2147483648 5"},
                     {"dump(struct.unpack('>I', unhex('80000000')))", "2:2147483648 5"},
                     {"dump(struct.unpack('>l', unhex('ffffffffffffffff')))", "2:-1 9"},
                     {"dump(struct.unpack('>L', unhex('ffffffffffffffff')))",
                      "2:1.8446744073709552e+19 9"},
                     {"dump(struct.unpack('>T', unhex('0000000000000005')))", "2:5 9"},
                     {"dump(struct.unpack('>i3', unhex('fffffe')))", "2:-2 4"},
                     {"dump(struct.unpack('<I3', unhex('563412')))", "2:1193046 4"},
                     {"dump(struct.unpack('>i0', 'abc'))", "2:0 1"},
                     {"dump(struct.unpack('b', 12))", "2:49 2"},
                 });
}

// Past 8 bytes only the 8 bytes nearest the least significant end count, and
// the sign mask is shifted by (8n-1) mod 64, as on Redis's hardware.
TEST(Struct, UnpackWideIntegersKeepRedisSignExtension) {
  LuaSandbox lua;
  ExpectAll(
      lua,
      {
          {"dump(struct.unpack('>i9', unhex('010000000000000080')))", "2:-128 10"},
          {"dump(struct.unpack('<i9', unhex('800000000000000001')))", "2:-128 10"},
          {"dump(struct.unpack('>i9', unhex('00ffffffffffffffff')))", "2:-1 10"},
          {"dump(struct.unpack('>i16', unhex('0000000000000000ffffffffffffffff')))", "2:-1 17"},
          {"dump(struct.unpack('>i16', unhex('00000000000000000000000000000080')))", "2:128 17"},
          {"dump(struct.unpack('<i16', unhex('80000000000000000000000000000000')))", "2:128 17"},
          {"dump(struct.unpack('<i12', unhex('000000008000000000000000')))", "2:-2147483648 13"},
          {"dump(struct.unpack('>I16', unhex('01010101010101010101010101010101')))",
           "2:72340172838076672 17"},
          {"dump(struct.unpack('>i32', string.rep(string.char(255), 32)))", "2:-1 33"},
          {"dump(struct.unpack('>i10', unhex('00000000000000000200')))", "2:512 11"},
      });
}

// unpack returns the values and then the next 1-based position.
TEST(Struct, UnpackFloatsStringsOffsets) {
  LuaSandbox lua;
  ExpectAll(lua,
            {
                {"dump(struct.unpack('>f', unhex('3fc00000')))", "2:1.5 5"},
                {"dump(struct.unpack('<d', unhex('9a9999999999b93f')))", "2:0.10000000000000001 9"},
                {"dump(struct.unpack('>f', unhex('7fc00000')))", "2:nan 5"},
                {"dump(struct.unpack('s', unhex('6162006364')))", "2:\"ab\" 4"},
                {"dump(struct.unpack('c', 'ab'))", "2:\"a\" 2"},
                {"dump(struct.unpack('c2', 'ab'))", "2:\"ab\" 3"},
                {"dump(struct.unpack('bc0', unhex('02616263')))", "2:\"ab\" 4"},
                {"dump(struct.unpack('c1c0', '2abc'))", "2:\"ab\" 4"},
                {"dump(struct.unpack('>hc0', unhex('0003616263')))", "2:\"abc\" 6"},
                {"dump(struct.unpack('bbc0', unhex('0700616263')))", "3:7 \"\" 3"},
                {"dump(struct.unpack('bc0', unhex('00616263')))", "2:\"\" 2"},
                {"dump(struct.unpack('x', 'a'))", "1:2"},
                {"dump(struct.unpack('', 'abc'))", "1:1"},
                {"dump(struct.unpack('b', unhex('0102'), 2))", "2:2 3"},
                {"dump(struct.unpack('', unhex('0102'), 3))", "1:3"},
                {"dump(struct.unpack('', unhex('0102'), 4))", "1:4"},
                {"dump(struct.unpack('', unhex('0102'), -1))", "1:-1"},
                {"dump(struct.unpack('b', unhex('0102'), 1.9))", "2:1 2"},
                {"dump(struct.unpack('!bi', unhex('0100000002000000')))", "3:1 2 9"},
                {"dump(struct.unpack('!bi', unhex('000100000002000000'), 2))", "3:1 512 9"},
                {"dump(struct.unpack('!bi', unhex('0001000002000000'), 2))", "3:1 2 9"},
                {"dump(struct.unpack('!8bi3', unhex('010000020000')))", "3:1 2 7"},
                {"dump(struct.unpack('<i>i', unhex('0100000000000001')))", "3:1 1 9"},
                {"dump(struct.unpack('s s', unhex('610062630000')))", "3:\"a\" \"bc\" 6"},
                {"dump(struct.unpack('!8 b s d', struct.pack('!8 b s d', 1, 'xy', 2.5)))",
                 "4:1 \"xy\" 2.5 17"},
            });
}

TEST(Struct, UnpackErrors) {
  LuaSandbox lua;
  ExpectAll(
      lua,
      {
          {"struct.unpack('>i33', string.rep('a', 40))",
           "ERR:user_script:1: integral size 33 is larger than limit of 32"},
          {"struct.unpack('ss', unhex('6162006364'))",
           "ERR:user_script:1: unfinished string in data"},
          {"struct.unpack('c3', 'ab')",
           "ERR:user_script:1: bad argument #2 to 'unpack' (data string too short)"},
          {"struct.unpack('c0', 'ab')", "ERR:user_script:1: format 'c0' needs a previous size"},
          {"struct.unpack('bc0', unhex('05616263'))",
           "ERR:user_script:1: bad argument #2 to 'unpack' (data string too short)"},
          {"struct.unpack('bc0', unhex('ff616263'))",
           "ERR:user_script:1: bad argument #2 to 'unpack' (data string too short)"},
          {"struct.unpack('c1c0', 'xabc')", "ERR:user_script:1: format 'c0' needs a previous size"},
          {"struct.unpack('xc0', 'xabc')", "ERR:user_script:1: format 'c0' needs a previous size"},
          {"struct.unpack('x', '')",
           "ERR:user_script:1: bad argument #2 to 'unpack' (data string too short)"},
          {"struct.unpack('b', unhex('0102'), 3)",
           "ERR:user_script:1: bad argument #2 to 'unpack' (data string too short)"},
          {"struct.unpack('b', unhex('0102'), 0)",
           "ERR:user_script:1: bad argument #3 to 'unpack' (offset must be 1 or greater)"},
          {"struct.unpack('b', unhex('0102'), -1)",
           "ERR:user_script:1: bad argument #2 to 'unpack' (data string too short)"},
          {"struct.unpack('b', unhex('0102'), 'x')",
           "ERR:user_script:1: bad argument #3 to 'unpack' (number expected, got string)"},
          {"struct.unpack('b')",
           "ERR:user_script:1: bad argument #2 to 'unpack' (string expected, got no value)"},
          {"struct.unpack()",
           "ERR:user_script:1: bad argument #1 to 'unpack' (string expected, got no value)"},
          {"struct.unpack('z', 'a')",
           "ERR:user_script:1: bad argument #1 to 'unpack' (invalid format option 'z')"},
          {"struct.unpack('>4', 'a')",
           "ERR:user_script:1: bad argument #1 to 'unpack' (invalid format option '4')"},
          {"struct.unpack('s', 'abc')", "ERR:user_script:1: unfinished string in data"},
          {"struct.unpack('bs', 'ab', 3)",
           "ERR:user_script:1: bad argument #2 to 'unpack' (data string too short)"},
          {"struct.unpack('!3b', 'a')", "ERR:user_script:1: alignment 3 is not a power of 2"},
          {"struct.unpack('c99999999999', 'a')", "ERR:user_script:1: integral size overflow"},
          {"struct.unpack('c2147483647', 'a')",
           "ERR:user_script:1: bad argument #2 to 'unpack' (data string too short)"},
          {"struct.unpack('i4', 'a', 2^53)",
           "ERR:user_script:1: bad argument #2 to 'unpack' (data string too short)"},
          {"struct.unpack('i4', 'a', -2^53)",
           "ERR:user_script:1: bad argument #2 to 'unpack' (data string too short)"},
          {"struct.unpack('b', {})",
           "ERR:user_script:1: bad argument #2 to 'unpack' (string expected, got table)"},
          {"struct.unpack('d', string.rep('a', 7))",
           "ERR:user_script:1: bad argument #2 to 'unpack' (data string too short)"},
          {"struct.unpack('f', 'aaa')",
           "ERR:user_script:1: bad argument #2 to 'unpack' (data string too short)"},
          {"struct.unpack('x', 'a', 2)",
           "ERR:user_script:1: bad argument #2 to 'unpack' (data string too short)"},
          {"struct.unpack(' ', 'ab', 4)",
           "ERR:user_script:1: bad argument #2 to 'unpack' (data string too short)"},
          {"struct.unpack('b', '', 1)",
           "ERR:user_script:1: bad argument #2 to 'unpack' (data string too short)"},
          {"struct.unpack('!8 b d', unhex('01000000000000'))",
           "ERR:user_script:1: bad argument #2 to 'unpack' (data string too short)"},
          {"struct.unpack('b c0', unhex('02'))",
           "ERR:user_script:1: bad argument #2 to 'unpack' (data string too short)"},
      });
}

TEST(Struct, UnpackStackLimit) {
  LuaSandbox lua;
  ExpectAll(
      lua,
      {
          {"select('#', struct.unpack(string.rep('b', 7997), string.rep('a', 7997)))", "7998"},
          {"select('#', struct.unpack(string.rep('b', 7998), string.rep('a', 7998)))",
           "ERR:user_script:1: stack overflow (too many results)"},
          {"select('#', struct.unpack(string.rep('x', 100000), string.rep('a', 100000)))", "1"},
      });
}

// size() skips unknown letters and digits, but not other unknown characters.
TEST(Struct, Size) {
  LuaSandbox lua;
  ExpectAll(
      lua,
      {
          {"struct.size('bhilT')", "23"},
          {"struct.size('!bhilT')", "24"},
          {"struct.size('!4bd')", "12"},
          {"struct.size('c5')", "5"},
          {"struct.size('z')", "0"},
          {"struct.size('zb')", "1"},
          {"struct.size('>4b')", "1"},
          {"struct.size('x!8d')", "16"},
          {"struct.size('')", "0"},
          {"struct.size('c2147483647c2147483647')", "4294967294"},
          {"struct.size(' <>')", "0"},
          {"struct.size('!8 b zi')", "8"},
          {"struct.size('i7 !8 i3 d f')", "28"},
          {"struct.size('s')",
           "ERR:user_script:1: bad argument #1 to 'size' (option 's' has no fixed size)"},
          {"struct.size('c0')",
           "ERR:user_script:1: bad argument #1 to 'size' (option 'c0' has no fixed size)"},
          {"struct.size('bc0')",
           "ERR:user_script:1: bad argument #1 to 'size' (option 'c0' has no fixed size)"},
          {"struct.size('i33')", "ERR:user_script:1: integral size 33 is larger than limit of 32"},
          {"struct.size('!3')", "ERR:user_script:1: alignment 3 is not a power of 2"},
          {"struct.size()",
           "ERR:user_script:1: bad argument #1 to 'size' (string expected, got no value)"},
          {"struct.size('bbs')",
           "ERR:user_script:1: bad argument #1 to 'size' (option 's' has no fixed size)"},
          {"struct.size('c99999999999')", "ERR:user_script:1: integral size overflow"},
          {"struct.size('{')",
           "ERR:user_script:1: bad argument #1 to 'size' (invalid format option '{')"},
          {"struct.size('!8 b s')",
           "ERR:user_script:1: bad argument #1 to 'size' (option 's' has no fixed size)"},
          {"struct.size('\\200')",
           "ERR:user_script:1: bad argument #1 to 'size' (invalid format option '\310')"},
      });
}
TEST(Struct, RoundTripsEveryOption) {
  LuaSandbox lua;
  ExpectAll(
      lua, {
               {"dump(struct.unpack('>bBhHiIlLTi3I5fdsc3 c4 x', struct.pack('>bBhHiIlLTi3I5fdsc3 "
                "c0 x', -5,"
                " 250, -300, 60000, -70000, 4000000000, -2^40, 2^50, 7, -8, 2^33, 1.5, 0.1, "
                "'zero', 'abc',"
                " 'rest')))",
                "17:-5 250 -300 60000 -70000 4000000000 -1099511627776 1125899906842624 7 -8 "
                "8589934592 1.5"
                " 0.10000000000000001 \"zero\" \"abc\" \"rest\" 72"},
               {"dump(struct.unpack('<!8 b d b i h', struct.pack('<!8 b d b i h', 1, 2, 3, 4, 5)))",
                "6:1 2 3 4 5 27"},
               {"dump(struct.unpack('b c0', struct.pack('b c0', 4, 'rest')))", "2:\"rest\" 6"},
           });
}

// Formats and data built to make a careless implementation read past the end,
// allocate from a size field, or wrap an offset.
TEST(Struct, HostileFormatsAndOffsetsAreRejected) {
  LuaSandbox lua;
  const char* kShort = "ERR:user_script:1: bad argument #2 to 'unpack' (data string too short)";
  for (const char* expr : {
           "struct.unpack('c2147483647', 'abc')",
           "struct.unpack('b c0', string.char(127))",
           "struct.unpack('>i c0', string.char(127, 255, 255, 255))",
           "struct.unpack('>d c0', struct.pack('>d', 2^63))",
           "struct.unpack('b', 'abc', 2^62)",
           "struct.unpack('i32', string.rep('a', 31))",
           "struct.unpack('!8 b l', string.rep('a', 15))",
       }) {
    SCOPED_TRACE(expr);
    EXPECT_EQ(lua.Eval(expr), kShort);
  }
  // A 'c0' length of 2^64 and up converts to 0, as on Redis's hardware.
  EXPECT_EQ(lua.Eval("dump(struct.unpack('>d c0', struct.pack('>d', 2^64) .. 'xy'))"), "2:\"\" 9");
  EXPECT_EQ(lua.Eval("struct.unpack('s', string.rep('a', 1000))"),
            "ERR:user_script:1: unfinished string in data");
  EXPECT_EQ(lua.Eval("struct.pack('c100000', 'a')"),
            "ERR:user_script:1: bad argument #3 to 'pack' (string too short)");
}

TEST(Struct, LibraryTable) {
  LuaSandbox lua;
  EXPECT_EQ(lua.Eval("type(struct.pack)..type(struct.unpack)..type(struct.size)"),
            "functionfunctionfunction");
}

}  // namespace
}  // namespace shoal::lualibs
