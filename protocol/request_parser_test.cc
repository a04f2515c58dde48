// Tests for RequestParser: framing under every split of the input, Redis's
// inline splitting rules, the exact protocol error texts, and resumption.
#include "protocol/request_parser.h"

#include <algorithm>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace shoal {
namespace {

using ::testing::ElementsAre;
using Command = std::vector<std::string>;
using std::string_literals::operator""s;

// Drives a parser the way a connection does: appends each chunk to its
// buffer, parses until more bytes are needed, drops what was consumed.
struct Feed {
  std::vector<Command> commands;
  ParseStatus last = ParseStatus::kNeedMore;
  std::string error;
  std::string leftover;
  size_t max_buffered = 0;  // the most bytes the caller had to keep
};

Feed FeedChunks(const std::vector<std::string_view>& chunks,
                const ParserLimits& limits = ParserLimits()) {
  RequestParser parser(limits);
  Feed feed;
  std::string buf;
  std::vector<std::string_view> args;
  for (std::string_view chunk : chunks) {
    buf.append(chunk);
    while (true) {
      size_t consumed = 0;
      feed.last = parser.Parse(buf, &consumed, &args);
      if (feed.last == ParseStatus::kError) {
        feed.error = parser.ErrorText();
        return feed;
      }
      if (feed.last == ParseStatus::kOk) feed.commands.emplace_back(args.begin(), args.end());
      if (feed.last == ParseStatus::kRefused) feed.commands.push_back({"<refused>"});
      buf.erase(0, consumed);
      feed.max_buffered = std::max(feed.max_buffered, buf.size());
      if (feed.last == ParseStatus::kNeedMore) break;
    }
  }
  feed.leftover = buf;
  return feed;
}

Feed FeedAll(std::string_view data, const ParserLimits& limits = ParserLimits()) {
  return FeedChunks({data}, limits);
}

// Parses `data` in one call and returns the error text ("" if none).
std::string ErrorOf(std::string_view data, const ParserLimits& limits = ParserLimits()) {
  return FeedAll(data, limits).error;
}

// Multibulk and inline commands, a binary bulk with CR/LF and NUL inside,
// skipped empty commands, and an empty argument.
const std::string kPipeline =
    "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"
    "PING\r\n"
    "*2\r\n$3\r\nGET\r\n$8\r\nb\r\nx\0y\r\n\r\n"
    "\r\n"
    "*0\r\n"
    "set \"a b\" 'c\\'d' \"\\x41\\r\\n\"\n"
    "*1\r\n$0\r\n\r\n"
    "ECHO  hi\r\n"s;

const std::vector<Command> kPipelineCommands = {
    {"SET", "key", "value"},        {"PING"}, {"GET", "b\r\nx\0y\r\n"s},
    {"set", "a b", "c'd", "A\r\n"}, {""},     {"ECHO", "hi"},
};

TEST(RequestParser, ParsesPipelineInOneGo) {
  Feed feed = FeedAll(kPipeline);
  EXPECT_EQ(feed.last, ParseStatus::kNeedMore);
  EXPECT_EQ(feed.commands, kPipelineCommands);
  EXPECT_EQ(feed.leftover, "");
}

TEST(RequestParser, EverySplitPointGivesSameCommands) {
  std::string_view all = kPipeline;
  for (size_t i = 0; i <= all.size(); ++i) {
    Feed feed = FeedChunks({all.substr(0, i), all.substr(i)});
    EXPECT_EQ(feed.commands, kPipelineCommands) << "split at " << i;
    EXPECT_EQ(feed.leftover, "") << "split at " << i;
  }
}

TEST(RequestParser, EveryPairOfSplitPointsGivesSameCommands) {
  std::string_view all = kPipeline;
  for (size_t i = 0; i <= all.size(); ++i) {
    for (size_t j = i; j <= all.size(); ++j) {
      Feed feed = FeedChunks({all.substr(0, i), all.substr(i, j - i), all.substr(j)});
      ASSERT_EQ(feed.commands, kPipelineCommands) << "splits at " << i << ", " << j;
    }
  }
}

TEST(RequestParser, ByteAtATimeGivesSameCommands) {
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < kPipeline.size(); ++i)
    bytes.push_back(std::string_view(kPipeline).substr(i, 1));
  Feed feed = FeedChunks(bytes);
  EXPECT_EQ(feed.commands, kPipelineCommands);
  EXPECT_EQ(feed.leftover, "");
}

TEST(RequestParser, ReturnsOneCommandPerCallWithItsSize) {
  RequestParser parser;
  std::string buf = "*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n";
  std::vector<std::string_view> args;
  size_t consumed = 0;
  ASSERT_EQ(parser.Parse(buf, &consumed, &args), ParseStatus::kOk);
  EXPECT_EQ(consumed, 14u);
  EXPECT_THAT(args, ElementsAre("PING"));
  ASSERT_EQ(parser.Parse(std::string_view(buf).substr(14), &consumed, &args), ParseStatus::kOk);
  EXPECT_EQ(consumed, buf.size() - 14);
  EXPECT_THAT(args, ElementsAre("ECHO", "x"));
}

TEST(RequestParser, MultibulkArgsAreViewsIntoTheBuffer) {
  RequestParser parser;
  std::string buf = "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n";
  std::vector<std::string_view> args;
  size_t consumed = 0;
  ASSERT_EQ(parser.Parse(buf, &consumed, &args), ParseStatus::kOk);
  EXPECT_EQ(args[0].data(), buf.data() + 8);
  EXPECT_EQ(args[1].data(), buf.data() + 17);
}

TEST(RequestParser, UnquotedInlineArgsAreViewsIntoTheBuffer) {
  RequestParser parser;
  std::string buf = "GET key\r\n";
  std::vector<std::string_view> args;
  size_t consumed = 0;
  ASSERT_EQ(parser.Parse(buf, &consumed, &args), ParseStatus::kOk);
  EXPECT_EQ(consumed, buf.size());
  EXPECT_EQ(args[0].data(), buf.data());
  EXPECT_EQ(args[1].data(), buf.data() + 4);
}

TEST(RequestParser, PartialCommandSurvivesBufferMove) {
  RequestParser parser;
  std::vector<std::string_view> args;
  size_t consumed = 0;
  std::string first = "*2\r\n$3\r\nGET\r\n$3\r\nk";
  ASSERT_EQ(parser.Parse(first, &consumed, &args), ParseStatus::kNeedMore);
  EXPECT_EQ(consumed, 0u);
  std::string moved = first + "ey\r\n";  // A different allocation.
  first.assign(first.size(), 'Z');
  ASSERT_EQ(parser.Parse(moved, &consumed, &args), ParseStatus::kOk);
  EXPECT_THAT(args, ElementsAre("GET", "key"));
}

TEST(RequestParser, ManyArgumentsInSmallChunks) {
  std::string cmd = "*10001\r\n$5\r\nRPUSH\r\n";
  Command expected = {"RPUSH"};
  for (int i = 0; i < 10000; ++i) {
    std::string v = std::to_string(i);
    cmd += "$" + std::to_string(v.size()) + "\r\n" + v + "\r\n";
    expected.push_back(v);
  }
  std::vector<std::string_view> chunks;
  for (size_t i = 0; i < cmd.size(); i += 1000)
    chunks.push_back(std::string_view(cmd).substr(i, 1000));
  Feed feed = FeedChunks(chunks);
  ASSERT_EQ(feed.commands.size(), 1u);
  EXPECT_EQ(feed.commands[0], expected);
}

TEST(RequestParser, ExpectedBytesCoversALargeBulkOnceItsHeaderIsRead) {
  RequestParser parser;
  std::vector<std::string_view> args;
  size_t consumed = 0;
  std::string buf = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n";
  ASSERT_EQ(parser.Parse(buf, &consumed, &args), ParseStatus::kNeedMore);
  EXPECT_EQ(parser.ExpectedBytes(), 0u);
  buf += "$536870912\r\nabc";
  ASSERT_EQ(parser.Parse(buf, &consumed, &args), ParseStatus::kNeedMore);
  EXPECT_EQ(consumed, 0u);
  EXPECT_EQ(parser.ExpectedBytes(), 32u + 536870912u + 2u);
}

TEST(RequestParser, ExpectedBytesResetsAfterTheCommand) {
  RequestParser parser;
  std::vector<std::string_view> args;
  size_t consumed = 0;
  std::string buf = "*1\r\n$4\r\nPI";
  ASSERT_EQ(parser.Parse(buf, &consumed, &args), ParseStatus::kNeedMore);
  EXPECT_EQ(parser.ExpectedBytes(), 14u);
  buf += "NG\r\n";
  ASSERT_EQ(parser.Parse(buf, &consumed, &args), ParseStatus::kOk);
  EXPECT_EQ(parser.ExpectedBytes(), 0u);
}

TEST(RequestParser, SkipsEmptyMultibulkCounts) {
  Feed feed = FeedAll("*0\r\n*-1\r\n*-5\r\n*1\r\n$4\r\nPING\r\n*0\r\n");
  EXPECT_EQ(feed.commands, std::vector<Command>{{"PING"}});
  EXPECT_EQ(feed.leftover, "");
}

TEST(RequestParser, SkipsEmptyInlineLinesAndReportsThemConsumed) {
  RequestParser parser;
  std::vector<std::string_view> args;
  size_t consumed = 0;
  EXPECT_EQ(parser.Parse("\r\n\n   \t\r\n", &consumed, &args), ParseStatus::kNeedMore);
  EXPECT_EQ(consumed, 9u);
  EXPECT_TRUE(args.empty());
  EXPECT_EQ(parser.Parse("\r\n*0\r\nPI", &consumed, &args), ParseStatus::kNeedMore);
  EXPECT_EQ(consumed, 6u);
}

TEST(RequestParser, InlineLineMayEndInBareNewline) {
  Feed feed = FeedAll("GET a\nGET b\r\n");
  EXPECT_EQ(feed.commands, (std::vector<Command>{{"GET", "a"}, {"GET", "b"}}));
}

TEST(RequestParser, InlineDoubleQuotesUnescape) {
  Feed feed = FeedAll("X \"\\x41\\x6a\\n\\r\\t\\b\\a\\\\\\\"\\q\\xZZ\" \"\"\r\n");
  ASSERT_EQ(feed.commands.size(), 1u);
  EXPECT_EQ(feed.commands[0], (Command{"X", "Aj\n\r\t\b\a\\\"qxZZ", ""}));
}

TEST(RequestParser, InlineSingleQuotesOnlyUnescapeQuote) {
  Feed feed = FeedAll("X 'it\\'s \\n'\r\n");
  ASSERT_EQ(feed.commands.size(), 1u);
  EXPECT_EQ(feed.commands[0], (Command{"X", "it's \\n"}));
}

TEST(RequestParser, InlineQuoteInsideTokenJoinsIt) {
  Feed feed = FeedAll("SET foo\"bar baz\" v\r\n");
  ASSERT_EQ(feed.commands.size(), 1u);
  EXPECT_EQ(feed.commands[0], (Command{"SET", "foobar baz", "v"}));
}

TEST(RequestParser, InlineSplitsOnTabsAndKeepsVerticalTabInTokens) {
  Feed feed = FeedAll(
      "\x0b"
      "A\tB\x0b"
      "C\r\n");
  ASSERT_EQ(feed.commands.size(), 1u);
  EXPECT_EQ(feed.commands[0], (Command{"A",
                                       "B\x0b"
                                       "C"}));
}

TEST(RequestParser, InlineNulByteEndsTheLine) {
  Feed feed = FeedAll(std::string_view("GET a\0 b\r\nPING\r\n", 16));
  EXPECT_EQ(feed.commands, (std::vector<Command>{{"GET", "a"}, {"PING"}}));
}

TEST(RequestParser, BulkTrailerIsSkippedUncheckedAsRedisDoes) {
  Feed feed = FeedAll("*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n");
  EXPECT_EQ(feed.commands, (std::vector<Command>{{"PING"}, {"PING"}}));
}

TEST(RequestParser, UnbalancedQuotesAreAnError) {
  const char* kErr = "ERR Protocol error: unbalanced quotes in request";
  EXPECT_EQ(ErrorOf("SET \"foo\r\n"), kErr);
  EXPECT_EQ(ErrorOf("SET 'foo\r\n"), kErr);
  EXPECT_EQ(ErrorOf("SET \"foo\\\"\r\n"), kErr);
  EXPECT_EQ(ErrorOf("SET \"foo\"bar\r\n"), kErr);
  EXPECT_EQ(ErrorOf("SET 'foo'bar\r\n"), kErr);
  EXPECT_EQ(ErrorOf(std::string_view("SET \"a\0b\"\r\n", 11)), kErr);
}

TEST(RequestParser, InvalidMultibulkLengths) {
  const char* kErr = "ERR Protocol error: invalid multibulk length";
  EXPECT_EQ(ErrorOf("*abc\r\n"), kErr);
  EXPECT_EQ(ErrorOf("*\r\n"), kErr);
  EXPECT_EQ(ErrorOf("*+1\r\n"), kErr);
  EXPECT_EQ(ErrorOf("*01\r\n"), kErr);
  EXPECT_EQ(ErrorOf("*-0\r\n"), kErr);
  EXPECT_EQ(ErrorOf("*1 \r\n"), kErr);
  EXPECT_EQ(ErrorOf("*1048577\r\n"), kErr);
  EXPECT_EQ(ErrorOf("*99999999999999999999\r\n"), kErr);
  EXPECT_EQ(ErrorOf("*1048576\r\n"), "");
  ParserLimits small;
  small.max_multibulk_len = 2;
  EXPECT_EQ(ErrorOf("*3\r\n", small), kErr);
}

TEST(RequestParser, InvalidBulkLengths) {
  const char* kErr = "ERR Protocol error: invalid bulk length";
  EXPECT_EQ(ErrorOf("*1\r\n$-1\r\n"), kErr);
  EXPECT_EQ(ErrorOf("*1\r\n$abc\r\n"), kErr);
  EXPECT_EQ(ErrorOf("*1\r\n$\r\n"), kErr);
  EXPECT_EQ(ErrorOf("*1\r\n$03\r\n"), kErr);
  EXPECT_EQ(ErrorOf("*1\r\n$3x\r\n"), kErr);
  EXPECT_EQ(ErrorOf("*1\r\n$9223372036854775808\r\n"), kErr);
  EXPECT_EQ(ErrorOf("*1\r\n$536870913\r\n"), kErr);
  EXPECT_EQ(ErrorOf("*1\r\n$536870912\r\n"), "");
}

// Whole commands in one buffer take the one-pass path; these are the
// cases it hands to the general one, with the same outcome.
TEST(RequestParser, WholeCommandsOutsideTheOnePassPathParseAlike) {
  // More arguments than the one-pass path takes.
  std::string many = "*100\r\n";
  Command want;
  for (int i = 0; i < 100; ++i) {
    std::string a = "a" + std::to_string(i);
    many += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
    want.push_back(a);
  }
  Feed feed = FeedAll(many);
  ASSERT_EQ(feed.commands.size(), 1u);
  EXPECT_EQ(feed.commands[0], want);
  // Errors inside a complete command.
  EXPECT_EQ(ErrorOf("*2\r\n$3\r\nGET\r\n$03\r\nkey\r\n"),
            "ERR Protocol error: invalid bulk length");
  EXPECT_EQ(ErrorOf("*2\r\n$3\r\nGET\r\n$1234567890123456789\r\nkey\r\n"),
            "ERR Protocol error: invalid bulk length");
  EXPECT_EQ(ErrorOf("*2\r\n$3\r\nGET\r\n:3\r\nkey\r\n"),
            "ERR Protocol error: expected '$', got ':'");
  // An empty bulk and a zero count.
  feed = FeedAll("*0\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"s);
  ASSERT_EQ(feed.commands.size(), 1u);
  EXPECT_EQ(feed.commands[0], (Command{"ECHO", ""}));
}

TEST(RequestParser, BulkLengthOverConfiguredLimit) {
  ParserLimits limits;
  limits.max_bulk_len = 10;
  EXPECT_EQ(ErrorOf("*1\r\n$11\r\n", limits), "ERR Protocol error: invalid bulk length");
  Feed ok = FeedAll("*1\r\n$10\r\n0123456789\r\n", limits);
  EXPECT_EQ(ok.commands, std::vector<Command>{{"0123456789"}});
}

TEST(RequestParser, MissingDollarNamesTheByteFound) {
  EXPECT_EQ(ErrorOf("*1\r\nfoo\r\n"), "ERR Protocol error: expected '$', got 'f'");
  EXPECT_EQ(ErrorOf("*2\r\n$1\r\na\r\n:1\r\n"), "ERR Protocol error: expected '$', got ':'");
}

TEST(RequestParser, MissingDollarErrorHasNoLineBreak) {
  EXPECT_EQ(ErrorOf("*1\r\n\r\n"), "ERR Protocol error: expected '$', got ' '");
}

TEST(RequestParser, TooBigInlineRequest) {
  ParserLimits limits;
  limits.max_inline_len = 16;
  EXPECT_EQ(ErrorOf(std::string(17, 'a'), limits), "ERR Protocol error: too big inline request");
  Feed waiting = FeedAll(std::string(16, 'a'), limits);
  EXPECT_EQ(waiting.last, ParseStatus::kNeedMore);
  EXPECT_EQ(ErrorOf(std::string(65 * 1024, 'a')), "ERR Protocol error: too big inline request");
}

TEST(RequestParser, TooBigCountStrings) {
  EXPECT_EQ(ErrorOf("*" + std::string(64 * 1024, '1')),
            "ERR Protocol error: too big mbulk count string");
  EXPECT_EQ(ErrorOf("*1\r\n$" + std::string(64 * 1024, '1')),
            "ERR Protocol error: too big bulk count string");
  EXPECT_EQ(FeedAll("*1\r\n$" + std::string(1000, '1')).last, ParseStatus::kNeedMore);
}

TEST(RequestParser, TooBigCountStringDetectedAcrossChunks) {
  std::string line(70 * 1024, '1');
  std::vector<std::string_view> chunks = {"*"};
  for (size_t i = 0; i < line.size(); i += 4096)
    chunks.push_back(std::string_view(line).substr(i, 4096));
  EXPECT_EQ(FeedChunks(chunks).error, "ERR Protocol error: too big mbulk count string");
}

// Mutated pipelines (valid or not) give the same commands and the same error
// however they are cut into reads.
TEST(RequestParser, RandomMutationsParseAlikeInAnyChunking) {
  std::mt19937 rng(20240601);
  const std::string alphabet = "*$\r\n0123-\"' \\xa";
  for (int round = 0; round < 3000; ++round) {
    std::string data = kPipeline;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % data.size();
      char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0:
          data[at] = c;
          break;
        case 1:
          data.insert(data.begin() + at, c);
          break;
        default:
          data.erase(at, 1);
          break;
      }
    }
    Feed whole = FeedAll(data);
    std::vector<std::string_view> chunks;
    for (size_t i = 0; i < data.size();) {
      size_t n = 1 + rng() % 12;
      chunks.push_back(std::string_view(data).substr(i, n));
      i += n;
    }
    Feed cut = FeedChunks(chunks);
    ASSERT_EQ(cut.commands, whole.commands) << "round " << round;
    ASSERT_EQ(cut.error, whole.error) << "round " << round;
  }
}

TEST(RequestParser, ErrorIsStickyUntilReset) {
  RequestParser parser;
  std::vector<std::string_view> args;
  size_t consumed = 0;
  ASSERT_EQ(parser.Parse("*x\r\n", &consumed, &args), ParseStatus::kError);
  EXPECT_EQ(parser.Parse("PING\r\n", &consumed, &args), ParseStatus::kError);
  EXPECT_EQ(parser.ErrorText(), "ERR Protocol error: invalid multibulk length");
  parser.Reset();
  EXPECT_EQ(parser.Parse("PING\r\n", &consumed, &args), ParseStatus::kOk);
  EXPECT_EQ(parser.ErrorText(), "");
}

TEST(RequestParser, ResetForgetsPartialCommand) {
  RequestParser parser;
  std::vector<std::string_view> args;
  size_t consumed = 0;
  ASSERT_EQ(parser.Parse("*2\r\n$3\r\nGET\r\n", &consumed, &args), ParseStatus::kNeedMore);
  parser.Reset();
  ASSERT_EQ(parser.Parse("PING\r\n", &consumed, &args), ParseStatus::kOk);
  EXPECT_THAT(args, ElementsAre("PING"));
}

}  // namespace
}  // namespace shoal

namespace shoal {
namespace {

ParserLimits Unauthenticated() {
  ParserLimits l;
  l.unauthenticated = true;
  return l;
}

TEST(RequestParser, UnauthenticatedMultibulkOverTenArgumentsIsAnError) {
  EXPECT_EQ(ErrorOf("*11\r\n", Unauthenticated()),
            "ERR Protocol error: unauthenticated multibulk length");
  EXPECT_EQ(ErrorOf("*11\r\n"), "");
  std::string ten = "*10\r\n";
  for (int i = 0; i < 10; ++i) ten += "$1\r\na\r\n";
  Feed ok = FeedAll(ten, Unauthenticated());
  EXPECT_EQ(ok.error, "");
  ASSERT_EQ(ok.commands.size(), 1u);
  EXPECT_EQ(ok.commands[0].size(), 10u);
}

TEST(RequestParser, UnauthenticatedBulkOver16KIsAnError) {
  EXPECT_EQ(ErrorOf("*2\r\n$4\r\nAUTH\r\n$16385\r\n", Unauthenticated()),
            "ERR Protocol error: unauthenticated bulk length");
  // The 512 MB header of the issue: refused from the header alone.
  EXPECT_EQ(ErrorOf("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870000\r\nx", Unauthenticated()),
            "ERR Protocol error: unauthenticated bulk length");
  // An invalid length is reported as invalid first, as Redis does.
  EXPECT_EQ(ErrorOf("*1\r\n$-5\r\n", Unauthenticated()),
            "ERR Protocol error: invalid bulk length");
  std::string big(16384, 'v');
  Feed ok = FeedAll("*2\r\n$4\r\nECHO\r\n$16384\r\n" + big + "\r\n", Unauthenticated());
  EXPECT_EQ(ok.error, "");
  ASSERT_EQ(ok.commands.size(), 1u);
  EXPECT_EQ(ok.commands[0][1], big);
}

TEST(RequestParser, UnauthenticatedBoundsCanBeLiftedMidStream) {
  RequestParser parser(Unauthenticated());
  std::vector<std::string_view> args;
  size_t consumed = 0;
  std::string buf = "*2\r\n$4\r\nAUTH\r\n$1\r\np\r\n*11\r\n";
  ASSERT_EQ(parser.Parse(buf, &consumed, &args), ParseStatus::kOk);
  buf.erase(0, consumed);
  parser.set_unauthenticated(false);
  EXPECT_EQ(parser.Parse(buf, &consumed, &args), ParseStatus::kNeedMore);
}

ParserLimits RefuseBigSet() {
  ParserLimits l;
  l.admit_check_over = 100;
  l.admit_bulk = [](std::string_view first, int64_t len) {
    EXPECT_GT(len, 100);
    return first != "SET";
  };
  return l;
}

TEST(RequestParser, RefusedBulkIsDroppedAsItArrivesUnderEverySplit) {
  std::string big(5000, 'x');
  std::string input = "*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$5000\r\n" + big +
                      "\r\n$2\r\nEX\r\n$3\r\n100\r\n*1\r\n$4\r\nPING\r\n"
                      "*2\r\n$3\r\nGET\r\n$200\r\n" + std::string(200, 'g') + "\r\n";
  for (size_t step : {size_t{1}, size_t{3}, size_t{7}, size_t{64}, size_t{1000}, input.size()}) {
    std::vector<std::string_view> chunks;
    for (size_t i = 0; i < input.size(); i += step) {
      chunks.push_back(std::string_view(input).substr(i, step));
    }
    Feed feed = FeedChunks(chunks, RefuseBigSet());
    ASSERT_EQ(feed.error, "") << step;
    ASSERT_EQ(feed.commands.size(), 3u) << step;
    EXPECT_EQ(feed.commands[0], Command{"<refused>"});
    EXPECT_EQ(feed.commands[1], Command{"PING"});
    EXPECT_EQ(feed.commands[2][0], "GET");  // a big argument of another command is admitted
    EXPECT_EQ(feed.leftover, "");
    // The refused payload never had to be held whole.
    if (step < 1000) EXPECT_LT(feed.max_buffered, 1000u) << step;
  }
}

TEST(RequestParser, RefusedCommandStillChecksItsOtherHeaders) {
  std::string input = "*3\r\n$3\r\nSET\r\n$200\r\n" + std::string(200, 'k') + "\r\n:1\r\n";
  EXPECT_EQ(FeedAll(input, RefuseBigSet()).error, "ERR Protocol error: expected '$', got ':'");
}

}  // namespace
}  // namespace shoal
