// Tests for lua_cmsgpack. Every expected value below was observed from
// redis-server 7.0.15 running the same Lua expression under EVAL (bytes read
// off the wire as hex), so these tests pin compatibility, not just our intent.
#include "server/scripting/lualibs/lua_cmsgpack.h"

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

TEST(CmsgpackPack, IntegersUseTheSmallestWidth) {
  LuaSandbox lua;
  ExpectAll(
      lua,
      {
          {"hex(cmsgpack.pack(0,1,127,128,255,256,65535,65536,2^32-1,2^32,2^53))",
           "00017fcc80ccffcd0100cdffffce00010000ceffffffffcf0000000100000000cf0020000000000000"},
          {"hex(cmsgpack.pack(2^63, 2^63-1024, "
           "-1,-32,-33,-128,-129,-32768,-32769,-2^31,-2^31-1,-2^63))",
           "ca5f000000cf7ffffffffffffc00ffe0d0dfd080d1ff7fd18000d2ffff7fffd280000000d3ffffffff7ffff"
           "fff"
           "d38000000000000000"},
          {"hex(cmsgpack.pack({[2^40]=1}))", "81cf000001000000000001"},
      });
}

TEST(CmsgpackPack, NonIntegersAreFloat32WhenExactElseFloat64) {
  LuaSandbox lua;
  ExpectAll(lua, {
                     {"hex(cmsgpack.pack(1.5, 0.1))", "ca3fc00000cb3fb999999999999a"},
                     {"hex(cmsgpack.pack(2^64, 1e300, 0/0, 1/0, -1/0, -0.0, 0.5, -1.5, "
                      "3.4028234663852886e38, 2^-149, 2^-150))",
                      "ca5f800000cb7e37e43c8800759ccbfff8000000000000ca7f800000caff80000000ca3f0000"
                      "00cabfc00000"
                      "ca7f7fffffca00000001cb3690000000000000"},
                 });
}

TEST(CmsgpackPack, StringsBooleansNil) {
  LuaSandbox lua;
  ExpectAll(lua,
            {
                {"hex(cmsgpack.pack('', string.rep('a',31)))",
                 "a0bf61616161616161616161616161616161616161616161616161616161616161"},
                {"hex(string.sub(cmsgpack.pack(string.rep('a',32)),1,4))", "d9206161"},
                {"hex(string.sub(cmsgpack.pack(string.rep('a',255)),1,4))", "d9ff6161"},
                {"hex(string.sub(cmsgpack.pack(string.rep('a',256)),1,4))", "da010061"},
                {"hex(string.sub(cmsgpack.pack(string.rep('a',65535)),1,4))", "daffff61"},
                {"hex(string.sub(cmsgpack.pack(string.rep('a',65536)),1,6))", "db0001000061"},
                {"hex(cmsgpack.pack({1,2,3}, 'abc', true, false, nil))", "93010203a3616263c3c2c0"},
                {"hex(cmsgpack.pack(3, '5'))", "03a135"},
                {"hex(cmsgpack.pack(nil))", "c0"},
                {"hex(cmsgpack.pack(function() end, coroutine.create(function() end)))", "c0c0"},
            });
}

TEST(CmsgpackPack, TablesWithKeysOneToNAreArraysOthersMaps) {
  LuaSandbox lua;
  ExpectAll(lua,
            {
                {"hex(cmsgpack.pack({}, {1}, {a=1}, {[1]=1,[3]=3}, {[0]=1}, {[1.5]=1}, {[-1]=1}, "
                 "{1,2,nil,4}, {1, a=2}))",
                 "90910181a16101820101030381000181ca3fc000000181ff0183010102020404820101a16102"},
                {"hex(cmsgpack.pack({[true]=1, [false]=2}))", "82c202c301"},
                {"hex(cmsgpack.pack({x={y={1,2}}, [1]='a'}))", "8201a161a17881a179920102"},
                {"hex(cmsgpack.pack({[1]=1,[2^32+2]=2}))", "820101cf000000010000000202"},
            });
}

TEST(CmsgpackPack, ContainerHeaderWidths) {
  LuaSandbox lua;
  ExpectAll(
      lua,
      {
          {"(function() local t={} for i=1,15 do t[i]=i end local u={} for i=1,16 do u[i]=i end "
           "return hex(cmsgpack.pack(t,u)) end)()",
           "9f0102030405060708090a0b0c0d0e0fdc00100102030405060708090a0b0c0d0e0f10"},
          {"(function() local t={} for i=1,65535 do t[i]=0 end local u={} for i=1,65536 do u[i]=0 "
           "end "
           "return hex(string.sub(cmsgpack.pack(t),1,4)..'|'..string.sub(cmsgpack.pack(u),1,6)) "
           "end)()",
           "dcffff007cdd0001000000"},
          // Map order is lua_next order, which Redis's Lua and Debian's share.
          {"(function() local t={} for i=1,15 do t['k'..i]=i end return hex(cmsgpack.pack(t)) "
           "end)()",
           "8fa36b31320ca26b3909a26b3808a26b3101a36b31350fa26b3303a26b3202a36b31340ea36b31330da36b3"
           "130"
           "0aa36b31310ba26b3606a26b3707a26b3404a26b3505"},
          {"(function() local t={} for i=1,16 do t['k'..i]=i end return hex(cmsgpack.pack(t)) "
           "end)()",
           "de0010a36b31320ca36b313610a26b3909a26b3808a26b3101a36b31350fa26b3303a26b3202a36b31340ea"
           "36b"
           "31330da36b31300aa36b31310ba26b3606a26b3707a26b3404a26b3505"},
          {"(function() local t={} for i=1,65535 do t['k'..i]=i end local s=cmsgpack.pack(t) "
           "return hex(string.sub(s,1,8)..'|'..#s) end)()",
           "deffffa66b3333317c363433383635"},
          {"(function() local t={} for i=1,65536 do t['k'..i]=i end local s=cmsgpack.pack(t) "
           "return hex(string.sub(s,1,12)..'|'..#s) end)()",
           "df00010000a66b33333138377c363433383739"},
      });
}

TEST(CmsgpackPack, TablesPastSixteenLevelsBecomeNil) {
  LuaSandbox lua;
  lua.Exec(
      "function nest(n) local t = 'x' for i=1,n do t = {t} end return t end "
      "function nestkey(n) local t = 'x' for i=1,n do t = {[t]=1} end return t end");
  ExpectAll(lua, {
                     {"hex(cmsgpack.pack(nest(15), nest(16), nest(17), nest(18)))",
                      "919191919191919191919191919191a17891919191919191919191919191919191a178919191"
                      "919191919191"
                      "91919191919191c091919191919191919191919191919191c0"},
                     {"hex(cmsgpack.pack(nestkey(15), nestkey(16), nestkey(17)))",
                      "818181818181818181818181818181a178010101010101010101010101010101818181818181"
                      "81818181818181"
                      "818181a1780101010101010101010101010101010181818181818181818181818181818181c0"
                      "010101010101"
                      "01010101010101010101"},
                 });
}

TEST(CmsgpackPack, ArgumentErrors) {
  LuaSandbox lua;
  ExpectAll(lua,
            {
                {"cmsgpack.pack()",
                 "ERR:user_script:1: bad argument #0 to 'pack' (MessagePack pack needs input.)"},
                {"#cmsgpack.pack(unpack((function() local t={} for i=1,4000 do t[i]=i end return t "
                 "end)()))",
                 "11618"},
                {"#cmsgpack.pack(unpack((function() local t={} for i=1,4001 do t[i]=i end return t "
                 "end)()))",
                 "ERR:user_script:1: bad argument #0 to 'pack' (Too many arguments for MessagePack "
                 "pack.)"},
            });
}

// Which check fails first near Lua's 8000-slot limit depends on the slots each
// table level holds; the boundaries below are Redis's.
TEST(CmsgpackPack, StackLimitsMatchRedis) {
  LuaSandbox lua;
  lua.Exec(
      "function packlast(n, last) local t={} for i=1,n-1 do t[i]=i end t[n]=last "
      "return #cmsgpack.pack(unpack(t)) end");
  const std::string kArrayCheck = "stack overflow (in function table_is_an_array)";
  const std::string kMapCheck = "stack overflow (in function mp_encode_lua_table_as_map)";
  struct Boundary {
    const char* last;  // the table passed as the last argument
    int max_ok;        // most arguments that still pack
    std::string error;
  };
  for (const Boundary& b :
       {Boundary{"{}", 3999, kArrayCheck}, Boundary{"{1,2}", 3999, kArrayCheck},
        Boundary{"{a=1}", 3998, kMapCheck}, Boundary{"{{}}", 3998, kArrayCheck},
        Boundary{"{a={b={}}}", 3997, kMapCheck}, Boundary{"{[{}]=1}", 3997, kArrayCheck},
        Boundary{"{[{[{}]=1}]=1}", 3996, kArrayCheck}, Boundary{"{{a=1}}", 3998, kArrayCheck}}) {
    SCOPED_TRACE(b.last);
    auto call = [&](int n) {
      return lua.Eval("packlast(" + std::to_string(n) + ", " + b.last + ")");
    };
    EXPECT_EQ(call(b.max_ok).rfind("ERR", 0), std::string::npos) << call(b.max_ok);
    EXPECT_EQ(call(b.max_ok + 1), "ERR:user_script:1: " + b.error);
  }
}

TEST(CmsgpackUnpack, EveryType) {
  LuaSandbox lua;
  ExpectAll(
      lua,
      {
          {"dump(cmsgpack.unpack(unhex('')))", "0:"},
          {"dump(cmsgpack.unpack(unhex('00 7f ff e0')))", "4:0 127 -1 -32"},
          {"dump(cmsgpack.unpack(unhex('cc80 ccff cd0100 ceffffffff')))",
           "4:128 255 256 4294967295"},
          // uint64 comes back as int64, as in Redis.
          {"dump(cmsgpack.unpack(unhex('cfffffffffffffffff')))", "1:-1"},
          {"dump(cmsgpack.unpack(unhex('cf8000000000000000 cf7fffffffffffffff "
           "cf8000000000000400')))",
           "3:-9.2233720368547758e+18 9.2233720368547758e+18 -9.2233720368547748e+18"},
          {"dump(cmsgpack.unpack(unhex('cf0020000000000001')))", "1:9007199254740992"},
          {"dump(cmsgpack.unpack(unhex('d080 d1ff7f d2ffff7fff d3ffffffff7fffffff')))",
           "4:-128 -129 -32769 -2147483649"},
          {"dump(cmsgpack.unpack(unhex('d38000000000000000')))", "1:-9.2233720368547758e+18"},
          {"dump(cmsgpack.unpack(unhex('c0 c2 c3')))", "3:nil false true"},
          {"dump(cmsgpack.unpack(unhex('ca3fc00000 cb3fb999999999999a ca7fc00000')))",
           "3:1.5 0.10000000000000001 nan"},
          {"dump(cmsgpack.unpack(unhex('a0 a3616263 d903616263 da0003616263 db00000003616263')))",
           "5:\"\" \"abc\" \"abc\" \"abc\" \"abc\""},
          {"dump(cmsgpack.unpack(unhex('90 93010203 dc0002c0c0 dd00000001a178')))",
           "4:{} {1=1,2=2,3=3} {} {1=\"x\"}"},
          {"dump(cmsgpack.unpack(unhex('80 81a16101 de0001a16101 df00000001a16101 "
           "82a16101a16102')))",
           "5:{} {\"a\"=1} {\"a\"=1} {\"a\"=1} {\"a\"=2}"},
          {"dump(cmsgpack.unpack(unhex('929080 819001')))", "2:{1={},2={}} {{}=1}"},
          {"dump(cmsgpack.unpack(12))", "2:49 50"},
      });
  // pack(unpack(x)) is x for what pack produces.
  EXPECT_EQ(lua.Eval("hex(cmsgpack.pack(cmsgpack.unpack(cmsgpack.pack({1,{a={true,false}},"
                     "'s',-5,2^40,1.25,0.1}, nil, 7))))"),
            lua.Eval("hex(cmsgpack.pack({1,{a={true,false}},'s',-5,2^40,1.25,0.1}, nil, 7))"));
}

TEST(CmsgpackUnpack, BadAndTruncatedInput) {
  LuaSandbox lua;
  const char* kBad = "ERR:user_script:1: Bad data format in input.";
  const char* kMissing = "ERR:user_script:1: Missing bytes in input.";
  for (const char* h : {"c1", "c7", "d4", "d40100", "d50100ff", "c701ff00", "01c1", "c403616263",
                        "c50003616263", "c600000003616263", "81c0c1"}) {
    SCOPED_TRACE(h);
    EXPECT_EQ(lua.Eval(std::string("cmsgpack.unpack(unhex('") + h + "'))"), kBad);
  }
  for (const char* h : {"cc", "cd01", "a36162", "9301", "dcffff", "ddffffffff", "dfffffffff",
                        "dbffffffff", "d9", "da", "9181", "8101", "cb000000", "81c0"}) {
    SCOPED_TRACE(h);
    EXPECT_EQ(lua.Eval(std::string("cmsgpack.unpack(unhex('") + h + "'))"), kMissing);
  }
  ExpectAll(lua,
            {
                {"cmsgpack.unpack(unhex('82c0c0'))", "ERR:table index is nil"},
                {"cmsgpack.unpack(unhex('81cb7ff800000000000001'))", "ERR:table index is NaN"},
                {"cmsgpack.unpack()",
                 "ERR:user_script:1: bad argument #1 to 'unpack' (string expected, got no value)"},
                {"cmsgpack.unpack({})",
                 "ERR:user_script:1: bad argument #1 to 'unpack' (string expected, got table)"},
            });
}

TEST(CmsgpackUnpack, OneAndLimitReturnTheNextOffsetFirst) {
  LuaSandbox lua;
  lua.Exec("s = unhex('01a178c39201029100')");  // 1, "x", true, {1,2}, {0}
  ExpectAll(lua,
            {
                {"dump(cmsgpack.unpack_one(s))", "2:1 1"},
                {"dump(cmsgpack.unpack_one(s, 0))", "2:1 1"},
                {"dump(cmsgpack.unpack_one(s, 1))", "2:3 \"x\""},
                {"dump(cmsgpack.unpack_one(s, 4))", "2:7 {1=1,2=2}"},
                {"dump(cmsgpack.unpack_one(s, 5))", "2:6 1"},
                {"dump(cmsgpack.unpack_one(s, 8))", "2:-1 0"},
                {"dump(cmsgpack.unpack_one(s, 9))", "1:-1"},
                {"dump(cmsgpack.unpack_one(s, 2.7))", "2:3 120"},
                {"dump(cmsgpack.unpack_one(s, '3'))", "2:4 true"},
                {"dump(cmsgpack.unpack_one(s, nil))", "2:1 1"},
                {"dump(cmsgpack.unpack_one(s, 1, 'extra'))", "2:3 \"x\""},
                {"dump(cmsgpack.unpack_limit(s, 0))", "5:1 \"x\" true {1=1,2=2} {1=0}"},
                {"dump(cmsgpack.unpack_limit(s, 0, 0))", "5:1 \"x\" true {1=1,2=2} {1=0}"},
                {"dump(cmsgpack.unpack_limit(s, 0, 1))", "1:1"},
                {"dump(cmsgpack.unpack_limit(s, 1))", "2:1 1"},
                {"dump(cmsgpack.unpack_limit(s, 2))", "3:3 1 \"x\""},
                {"dump(cmsgpack.unpack_limit(s, 2, 1))", "3:4 \"x\" true"},
                {"dump(cmsgpack.unpack_limit(s, 100))", "6:-1 1 \"x\" true {1=1,2=2} {1=0}"},
                {"dump(cmsgpack.unpack_limit(s, 100, 3))", "4:-1 true {1=1,2=2} {1=0}"},
                {"dump(cmsgpack.unpack_limit(s, 2^31))", "6:-1 1 \"x\" true {1=1,2=2} {1=0}"},
                {"dump(cmsgpack.unpack_limit(s, 2^32 + 1))", "6:-1 1 \"x\" true {1=1,2=2} {1=0}"},
                {"dump(cmsgpack.unpack(s, 5))", "5:1 \"x\" true {1=1,2=2} {1=0}"},
                {"dump(cmsgpack.unpack_one(''))", "1:-1"},
                {"dump(cmsgpack.unpack_one('', 0))", "1:-1"},
                {"dump(cmsgpack.unpack_limit('', 3))", "1:-1"},
                {"dump(cmsgpack.unpack_one(string.sub(s,1,3)))", "2:1 1"},
                {"dump(cmsgpack.unpack_limit(string.sub(s,1,5), 3))", "4:4 1 \"x\" true"},
            });
}

TEST(CmsgpackUnpack, OffsetAndLimitErrors) {
  LuaSandbox lua;
  lua.Exec("s = unhex('01a178c39201029100')");
  ExpectAll(
      lua,
      {
          {"cmsgpack.unpack_one(s, 10)",
           "ERR:user_script:1: Start offset 10 greater than input length 9."},
          {"cmsgpack.unpack_one('', 1)",
           "ERR:user_script:1: Start offset 1 greater than input length 0."},
          // Redis prints the input length as "limit", and the low 32 bits of wide values.
          {"cmsgpack.unpack_one(s, -1)",
           "ERR:user_script:1: Invalid request to unpack with offset of -1 and limit of 9."},
          {"cmsgpack.unpack_limit(s, -1)",
           "ERR:user_script:1: Invalid request to unpack with offset of 0 and limit of 9."},
          {"cmsgpack.unpack_limit(s, -1, 3)",
           "ERR:user_script:1: Invalid request to unpack with offset of 3 and limit of 9."},
          {"cmsgpack.unpack_limit(s, 1, -5)",
           "ERR:user_script:1: Invalid request to unpack with offset of -5 and limit of 9."},
          {"cmsgpack.unpack_limit(s, 1, 100)",
           "ERR:user_script:1: Start offset 100 greater than input length 9."},
          {"cmsgpack.unpack_one(s, 2^32+1)",
           "ERR:user_script:1: Start offset 1 greater than input length 9."},
          {"cmsgpack.unpack_one(s, 1e10)",
           "ERR:user_script:1: Start offset 1410065408 greater than input length 9."},
          {"cmsgpack.unpack_one(s, -1e10)",
           "ERR:user_script:1: Invalid request to unpack with offset of -1410065408 and limit of "
           "9."},
          {"cmsgpack.unpack_one(s, 0/0)",
           "ERR:user_script:1: Invalid request to unpack with offset of 0 and limit of 9."},
          {"cmsgpack.unpack_one(s, 'x')",
           "ERR:user_script:1: bad argument #2 to 'unpack_one' (number expected, got string)"},
          {"cmsgpack.unpack_limit(s)",
           "ERR:user_script:1: bad argument #2 to 'unpack_limit' (number expected, got no value)"},
          {"cmsgpack.unpack_one()",
           "ERR:user_script:1: bad argument #1 to 'unpack_one' (string expected, got no value)"},
      });
}

TEST(CmsgpackUnpack, StackLimitsMatchRedis) {
  LuaSandbox lua;
  const std::string kTooMany =
      "ERR:user_script:1: stack overflow (too many return values at once; use unpack_one or "
      "unpack_limit instead.)";
  const std::string kArray =
      "ERR:user_script:1: stack overflow (in function mp_decode_to_lua_array)";
  ExpectAll(
      lua,
      {
          {"select('#', cmsgpack.unpack(string.rep(string.char(0), 7999)))", "7999"},
          {"select('#', cmsgpack.unpack(string.rep(string.char(0), 7996), 1, 2, 3))", "7996"},
          {"select('#', cmsgpack.unpack_limit(string.rep(string.char(0), 7998), 7998))", "7999"},
          {"select('#', cmsgpack.unpack(string.rep(string.char(0x91), 3999) .. string.char(0)))",
           "1"},
          {"select('#', cmsgpack.unpack(string.rep(string.char(0), 100) .. "
           "string.rep(string.char(0x91), 3949) .. string.char(0)))",
           "101"},
          {"select('#', cmsgpack.unpack(string.rep(string.char(0x81, 0), 3999) .. string.char(0)))",
           "1"},
          {"select('#', cmsgpack.unpack(string.rep(string.char(0x81), 7997) .. "
           "string.rep(string.char(0), 7998)))",
           "1"},
      });
  ExpectAll(lua,
            {
                {"cmsgpack.unpack(string.rep(string.char(0), 8000))", kTooMany.c_str()},
                {"cmsgpack.unpack(string.rep(string.char(0), 7997), 1, 2, 3)", kTooMany.c_str()},
                {"cmsgpack.unpack_limit(string.rep(string.char(0), 7999), 7999)",
                 "ERR:user_script:1: stack overflow (in function mp_unpack_full)"},
                {"cmsgpack.unpack(string.rep(string.char(0x91), 4000) .. string.char(0))",
                 kArray.c_str()},
                {"cmsgpack.unpack(string.rep(string.char(0x91), 100000) .. string.char(0))",
                 kArray.c_str()},
                {"cmsgpack.unpack(string.rep(string.char(0), 100) .. string.rep(string.char(0x91), "
                 "3950) .. "
                 "string.char(0))",
                 kArray.c_str()},
                {"cmsgpack.unpack(string.rep(string.char(0x81, 0), 4000) .. string.char(0))",
                 kTooMany.c_str()},
                {"cmsgpack.unpack(string.rep(string.char(0x81), 7998) .. "
                 "string.rep(string.char(0), 7999))",
                 kTooMany.c_str()},
            });
}

TEST(CmsgpackUnpack, HostileLengthsAllocateNothing) {
  LuaSandbox lua;
  // Counts and lengths of 4G with nothing behind them fail at once.
  for (const char* h :
       {"ddffffffff", "dfffffffff", "dbffffffff", "ddffffffff00", "dfffffffff0000"}) {
    SCOPED_TRACE(h);
    EXPECT_EQ(lua.Eval(std::string("cmsgpack.unpack(unhex('") + h + "'))"),
              "ERR:user_script:1: Missing bytes in input.");
  }
  // The state is still usable afterwards.
  EXPECT_EQ(lua.Eval("hex(cmsgpack.pack({1}))"), "9101");
}

// pack's scratch buffer is shared; a finalizer that runs inside pack's own
// allocation (possible where newproxy exists, which Redis's sandbox hides) and
// packs again must neither corrupt the outer result nor free its bytes.
TEST(CmsgpackPack, ReentryFromFinalizersIsSafe) {
  LuaSandbox lua;
  EXPECT_EQ(lua.Exec(R"lua(
    collectgarbage('setpause', 100)
    collectgarbage('setstepmul', 1000)
    local big_inner, big_outer = string.rep('y', 70000), string.rep('x', 70000)
    local want_inner = cmsgpack.pack(big_inner, {1, 2, 3})
    local want_outer = cmsgpack.pack(big_outer, 'z', big_outer)
    local bad, inner_runs = 0, 0
    for i = 1, 300 do
      for j = 1, 10 do
        local p = newproxy(true)
        getmetatable(p).__gc = function()
          inner_runs = inner_runs + 1
          if cmsgpack.pack(big_inner, {1, 2, 3}) ~= want_inner then bad = bad + 1 end
        end
      end
      if cmsgpack.pack(big_outer, 'z', big_outer) ~= want_outer then bad = bad + 1 end
    end
    collectgarbage()
    return bad .. ' ' .. tostring(inner_runs == 3000)
  )lua"),
            "0 true");
}

TEST(Cmsgpack, LibraryTable) {
  LuaSandbox lua;
  EXPECT_EQ(lua.Eval("cmsgpack._NAME .. '|' .. cmsgpack._VERSION .. '|' .. cmsgpack._DESCRIPTION"),
            "cmsgpack|lua-cmsgpack 0.4.0|MessagePack C implementation for Lua");
  EXPECT_EQ(lua.Eval("type(cmsgpack.pack)..type(cmsgpack.unpack)..type(cmsgpack.unpack_one)"
                     "..type(cmsgpack.unpack_limit)"),
            "functionfunctionfunctionfunction");
}

}  // namespace
}  // namespace shoal::lualibs
