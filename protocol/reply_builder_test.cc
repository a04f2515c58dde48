// Tests for ReplyBuilder: every type byte-exact in RESP2 and RESP3, error
// code prefixing, and Redis 7.2's double formatting.
#include "protocol/reply_builder.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace shoal {
namespace {

using std::string_literals::operator""s;

template <typename Fn>
std::string Reply(int resp, Fn fn) {
  ReplyBuilder rb(resp);
  fn(rb);
  return rb.buffer();
}

TEST(ReplyBuilder, SimpleStringAndOk) {
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.Ok(); }), "+OK\r\n");
  EXPECT_EQ(Reply(3, [](ReplyBuilder& rb) { rb.SimpleString("PONG"); }), "+PONG\r\n");
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.SimpleString("a\r\nb"); }), "+a  b\r\n");
}

TEST(ReplyBuilder, ErrorWithoutCodeGetsErrPrefix) {
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.Error("unknown command 'foo'"); }),
            "-ERR unknown command 'foo'\r\n");
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.Error("Protocol error: x"); }),
            "-ERR Protocol error: x\r\n");
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.Error("A key"); }), "-ERR A key\r\n");
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.Error(""); }), "-ERR \r\n");
}

TEST(ReplyBuilder, ErrorWithCodeIsKept) {
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.Error("ERR syntax error"); }),
            "-ERR syntax error\r\n");
  EXPECT_EQ(Reply(3,
                  [](ReplyBuilder& rb) {
                    rb.Error("WRONGTYPE Operation against a key holding the wrong kind of value");
                  }),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.Error("MOVED 3999 127.0.0.1:6381"); }),
            "-MOVED 3999 127.0.0.1:6381\r\n");
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.Error("CROSSSLOT Keys in request"); }),
            "-CROSSSLOT Keys in request\r\n");
}

TEST(ReplyBuilder, ErrorDropsLeadingDashAndNewlines) {
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.Error("-NOAUTH Authentication required."); }),
            "-NOAUTH Authentication required.\r\n");
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.Error("bad\r\nthing"); }), "-ERR bad  thing\r\n");
}

TEST(ReplyBuilder, Integers) {
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.Integer(0); }), ":0\r\n");
  EXPECT_EQ(Reply(3, [](ReplyBuilder& rb) { rb.Integer(-42); }), ":-42\r\n");
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.Integer(INT64_MAX); }), ":9223372036854775807\r\n");
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.Integer(INT64_MIN); }), ":-9223372036854775808\r\n");
  // Below 1024 the bytes come from a table; at and above, from to_chars.
  for (int64_t v : {1, 9, 10, 99, 100, 999, 1000, 1023, 1024, 10000, -1}) {
    EXPECT_EQ(Reply(2, [v](ReplyBuilder& rb) { rb.Integer(v); }), ":" + std::to_string(v) + "\r\n");
    EXPECT_EQ(Reply(2, [v](ReplyBuilder& rb) { rb.ArrayHeader(v); }),
              "*" + std::to_string(v) + "\r\n");
  }
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.Bulk(std::string(1023, 'x')); }).substr(0, 7),
            "$1023\r\n");
}

TEST(ReplyBuilder, BulkStringsAreBinarySafe) {
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.Bulk("hello"); }), "$5\r\nhello\r\n");
  EXPECT_EQ(Reply(3, [](ReplyBuilder& rb) { rb.Bulk(""); }), "$0\r\n\r\n");
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.Bulk("a\r\n\0b"s); }), "$5\r\na\r\n\0b\r\n"s);
}

TEST(ReplyBuilder, NullsDependOnProtocol) {
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.NullBulk(); }), "$-1\r\n");
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.NullArray(); }), "*-1\r\n");
  EXPECT_EQ(Reply(3, [](ReplyBuilder& rb) { rb.NullBulk(); }), "_\r\n");
  EXPECT_EQ(Reply(3, [](ReplyBuilder& rb) { rb.NullArray(); }), "_\r\n");
}

TEST(ReplyBuilder, AggregateHeadersInResp2) {
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.ArrayHeader(3); }), "*3\r\n");
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.EmptyArray(); }), "*0\r\n");
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.MapHeader(2); }), "*4\r\n");
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.SetHeader(5); }), "*5\r\n");
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.PushHeader(3); }), "*3\r\n");
}

TEST(ReplyBuilder, AggregateHeadersInResp3) {
  EXPECT_EQ(Reply(3, [](ReplyBuilder& rb) { rb.ArrayHeader(3); }), "*3\r\n");
  EXPECT_EQ(Reply(3, [](ReplyBuilder& rb) { rb.MapHeader(2); }), "%2\r\n");
  EXPECT_EQ(Reply(3, [](ReplyBuilder& rb) { rb.SetHeader(5); }), "~5\r\n");
  EXPECT_EQ(Reply(3, [](ReplyBuilder& rb) { rb.PushHeader(3); }), ">3\r\n");
}

TEST(ReplyBuilder, DoubleIsBulkInResp2AndNativeInResp3) {
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.Double(1.5); }), "$3\r\n1.5\r\n");
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.Double(-INFINITY); }), "$4\r\n-inf\r\n");
  EXPECT_EQ(Reply(3, [](ReplyBuilder& rb) { rb.Double(1.5); }), ",1.5\r\n");
  EXPECT_EQ(Reply(3, [](ReplyBuilder& rb) { rb.Double(INFINITY); }), ",inf\r\n");
  EXPECT_EQ(Reply(3, [](ReplyBuilder& rb) { rb.Double(-INFINITY); }), ",-inf\r\n");
  EXPECT_EQ(Reply(3, [](ReplyBuilder& rb) { rb.Double(NAN); }), ",nan\r\n");
  EXPECT_EQ(Reply(3, [](ReplyBuilder& rb) { rb.Double(3); }), ",3\r\n");
}

TEST(ReplyBuilder, BooleanIsIntegerInResp2) {
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.Boolean(true); }), ":1\r\n");
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.Boolean(false); }), ":0\r\n");
  EXPECT_EQ(Reply(3, [](ReplyBuilder& rb) { rb.Boolean(true); }), "#t\r\n");
  EXPECT_EQ(Reply(3, [](ReplyBuilder& rb) { rb.Boolean(false); }), "#f\r\n");
}

TEST(ReplyBuilder, BigNumberIsBulkInResp2) {
  const char* kBig = "3492890328409238509324850943850943825024385";
  EXPECT_EQ(Reply(2, [&](ReplyBuilder& rb) { rb.BigNumber(kBig); }),
            "$43\r\n3492890328409238509324850943850943825024385\r\n");
  EXPECT_EQ(Reply(3, [&](ReplyBuilder& rb) { rb.BigNumber(kBig); }),
            "(3492890328409238509324850943850943825024385\r\n");
}

TEST(ReplyBuilder, VerbatimIsBulkInResp2) {
  EXPECT_EQ(Reply(2, [](ReplyBuilder& rb) { rb.Verbatim("txt", "Some string"); }),
            "$11\r\nSome string\r\n");
  EXPECT_EQ(Reply(3, [](ReplyBuilder& rb) { rb.Verbatim("txt", "Some string"); }),
            "=15\r\ntxt:Some string\r\n");
  EXPECT_EQ(Reply(3, [](ReplyBuilder& rb) { rb.Verbatim("markdown", "x"); }), "=5\r\ntxt:x\r\n");
}

TEST(ReplyBuilder, RepliesAppendAndClear) {
  ReplyBuilder rb;
  rb.ArrayHeader(2);
  rb.Bulk("a");
  rb.Integer(1);
  rb.Raw("+RAW\r\n");
  EXPECT_EQ(rb.buffer(), "*2\r\n$1\r\na\r\n:1\r\n+RAW\r\n");
  EXPECT_EQ(rb.size(), rb.buffer().size());
  rb.Clear();
  EXPECT_EQ(rb.size(), 0u);
  rb.set_resp_version(3);
  EXPECT_EQ(rb.resp_version(), 3);
  rb.NullBulk();
  EXPECT_EQ(rb.buffer(), "_\r\n");
}

TEST(ReplyBuilderFormatDouble, SpecialValues) {
  EXPECT_EQ(ReplyBuilder::FormatDouble(0.0), "0");
  EXPECT_EQ(ReplyBuilder::FormatDouble(-0.0), "-0");
  EXPECT_EQ(ReplyBuilder::FormatDouble(INFINITY), "inf");
  EXPECT_EQ(ReplyBuilder::FormatDouble(-INFINITY), "-inf");
  EXPECT_EQ(ReplyBuilder::FormatDouble(NAN), "nan");
  EXPECT_EQ(ReplyBuilder::FormatDouble(-NAN), "nan");
}

TEST(ReplyBuilderFormatDouble, IntegralValuesHaveNoFraction) {
  EXPECT_EQ(ReplyBuilder::FormatDouble(3.0), "3");
  EXPECT_EQ(ReplyBuilder::FormatDouble(-3.0), "-3");
  EXPECT_EQ(ReplyBuilder::FormatDouble(1e15), "1000000000000000");
  EXPECT_EQ(ReplyBuilder::FormatDouble(4611686018427387904.0), "4611686018427387904");
  // Past 2^62 Redis switches to fpconv_dtoa: shortest digits padded with zeros...
  EXPECT_EQ(ReplyBuilder::FormatDouble(9223372036854775808.0), "9223372036854776000");
  // ...or scientific once the zeros would be too many.
  EXPECT_EQ(ReplyBuilder::FormatDouble(1e19), "1e+19");
  EXPECT_EQ(ReplyBuilder::FormatDouble(1e20), "1e+20");
  EXPECT_EQ(ReplyBuilder::FormatDouble(-1.5e300), "-1.5e+300");
}

TEST(ReplyBuilderFormatDouble, FractionsUseShortestRoundTripDigits) {
  EXPECT_EQ(ReplyBuilder::FormatDouble(1.5), "1.5");
  EXPECT_EQ(ReplyBuilder::FormatDouble(-1.5), "-1.5");
  EXPECT_EQ(ReplyBuilder::FormatDouble(0.1), "0.1");
  EXPECT_EQ(ReplyBuilder::FormatDouble(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(ReplyBuilder::FormatDouble(2.0 / 3), "0.6666666666666666");
  EXPECT_EQ(ReplyBuilder::FormatDouble(123.456), "123.456");
  EXPECT_EQ(ReplyBuilder::FormatDouble(0.0001), "0.0001");
  EXPECT_EQ(ReplyBuilder::FormatDouble(1e-5), "0.00001");
  EXPECT_EQ(ReplyBuilder::FormatDouble(0.00123456789), "0.00123456789");
}

TEST(ReplyBuilderFormatDouble, SmallAndLongValuesUseRedisExponentForm) {
  EXPECT_EQ(ReplyBuilder::FormatDouble(1.5e-7), "1.5e-7");
  EXPECT_EQ(ReplyBuilder::FormatDouble(1e-7), "1e-7");
  EXPECT_EQ(ReplyBuilder::FormatDouble(5e-324), "5e-324");
  EXPECT_EQ(ReplyBuilder::FormatDouble(std::numeric_limits<double>::max()),
            "1.7976931348623157e+308");
  // fpconv_dtoa's thresholds: seven or more fraction digits and a leading
  // digit at 10^4 or beyond go to exponent form.
  EXPECT_EQ(ReplyBuilder::FormatDouble(12345.6789012), "1.23456789012e+4");
  EXPECT_EQ(ReplyBuilder::FormatDouble(1234.5678901), "1234.5678901");
}

TEST(ReplyBuilderFormatDouble, RoundTrips) {
  for (double d : {0.1, 1.0 / 3, 2.5e-9, 123456.789, 1e-300, 6.02214076e23, 12345.6789012}) {
    EXPECT_EQ(std::stod(ReplyBuilder::FormatDouble(d)), d) << ReplyBuilder::FormatDouble(d);
  }
}

}  // namespace
}  // namespace shoal
