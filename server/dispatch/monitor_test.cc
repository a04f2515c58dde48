// Tests for MONITOR's line format: Redis's quoting and its redaction of
// passwords.
#include "server/dispatch/monitor.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace shoal {
namespace {

std::string Line(int db, std::string_view origin, std::vector<std::string_view> args) {
  return MonitorFeed::FormatArgs(db, origin, CmdArgs(args));
}

TEST(MonitorFeed, QuotesArgumentsAsRedis) {
  EXPECT_EQ(Line(0, "127.0.0.1:5000", {"SET", "k", "v"}), R"x([0 127.0.0.1:5000] "SET" "k" "v")x");
  std::string binary("a\x00\x01\"\\\n\t\xff" "z", 9);
  binary += "\r\a\b";
  EXPECT_EQ(Line(3, "lua", {"set", binary}),
            R"x([3 lua] "set" "a\x00\x01\"\\\n\t\xffz\r\a\b")x");
  EXPECT_EQ(Line(0, "x", {"ECHO", ""}), R"x([0 x] "ECHO" "")x");
}

TEST(MonitorFeed, RedactsCredentials) {
  EXPECT_EQ(Line(0, "c", {"AUTH", "pw"}), R"x([0 c] "AUTH" "(redacted)")x");
  EXPECT_EQ(Line(0, "c", {"auth", "user", "pw"}), R"x([0 c] "auth" "(redacted)" "(redacted)")x");
  EXPECT_EQ(Line(0, "c", {"HELLO", "3", "AUTH", "u", "p", "SETNAME", "n"}),
            R"x([0 c] "HELLO" "3" "AUTH" "(redacted)" "(redacted)" "SETNAME" "n")x");
  EXPECT_EQ(Line(0, "c", {"HELLO", "3", "SETNAME", "auth"}),
            R"x([0 c] "HELLO" "3" "SETNAME" "auth")x");
  EXPECT_EQ(Line(0, "c", {"MIGRATE", "h", "1", "", "0", "5", "AUTH", "p", "KEYS", "auth"}),
            R"x([0 c] "MIGRATE" "h" "1" "" "0" "5" "AUTH" "(redacted)" "KEYS" "auth")x");
  EXPECT_EQ(Line(0, "c", {"MIGRATE", "h", "1", "k", "0", "5", "COPY", "AUTH2", "u", "p"}),
            R"x([0 c] "MIGRATE" "h" "1" "k" "0" "5" "COPY" "AUTH2" "(redacted)" "(redacted)")x");
  EXPECT_EQ(Line(0, "c", {"GET", "auth"}), R"x([0 c] "GET" "auth")x");
}

TEST(MonitorFeed, CountsMonitors) {
  MonitorFeed feed;
  EXPECT_FALSE(feed.active());
  ClientSession* fake = reinterpret_cast<ClientSession*>(0x10);
  EXPECT_TRUE(feed.Add(fake));
  EXPECT_FALSE(feed.Add(fake));
  EXPECT_TRUE(feed.active());
  feed.Remove(fake);
  feed.Remove(fake);
  EXPECT_FALSE(feed.active());
}

}  // namespace
}  // namespace shoal
