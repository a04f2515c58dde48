// Tests for GlobMatch: Redis's glob rules (every case below was checked
// against redis-server's KEYS), case folding, binary subjects, and that a
// hostile pattern cannot make the matcher backtrack exponentially.
#include "server/dispatch/glob_match.h"

#include <chrono>
#include <string>

#include "gtest/gtest.h"

namespace shoal {
namespace {

using std::string_literals::operator""s;

struct Case {
  const char* pattern;
  const char* subject;
  bool match;
};

void ExpectCases(std::initializer_list<Case> cases) {
  for (const Case& c : cases) {
    EXPECT_EQ(GlobMatch(c.pattern, c.subject), c.match)
        << "pattern '" << c.pattern << "' subject '" << c.subject << "'";
  }
}

TEST(GlobMatch, LiteralsAndEmptyStrings) {
  ExpectCases({{"", "", true},
               {"", "a", false},
               {"a", "a", true},
               {"a", "b", false},
               {"abc", "abc", true},
               {"abc", "abcd", false},
               {"abcd", "abc", false}});
}

TEST(GlobMatch, StarMatchesAnyRunIncludingEmpty) {
  ExpectCases({{"*", "", false},  // Redis: only KEYS/SCAN special-case a lone "*"
               {"**", "", false},
               {"*", "anything", true},
               {"**", "x", true},
               {"h*llo", "hllo", true},
               {"h*llo", "heeeello", true},
               {"h*llo", "hello!", false},
               {"*o", "hello", true},
               {"he*", "hello", true},
               {"*ll*", "hello", true},
               {"*x*", "hello", false},
               {"a*b*c", "axxbyyc", true},
               {"a*b*c", "axxbyy", false},
               {"*a*a*b", "aaab", true},
               {"*a*a*b", "aab", true},
               {"*a*a*b", "ab", false},
               {"user:*:name", "user:12:name", true},
               {"user:*:name", "user:12:age", false}});
}

TEST(GlobMatch, QuestionMarkMatchesExactlyOneByte) {
  ExpectCases({{"a?c", "abc", true},
               {"a?c", "ac", false},
               {"?", "", false},
               {"??", "ab", true},
               {"??", "abc", false}});
}

TEST(GlobMatch, ClassesNegationAndRanges) {
  ExpectCases({{"h[ae]llo", "hello", true},
               {"h[ae]llo", "hallo", true},
               {"h[ae]llo", "hillo", false},
               {"h[^e]llo", "hallo", true},
               {"h[^e]llo", "hello", false},
               {"h[a-b]llo", "hbllo", true},
               {"h[a-b]llo", "hcllo", false},
               {"h[b-a]llo", "hallo", true},  // reversed ranges are swapped
               {"[0-9]*", "7up", true},
               {"[0-9]*", "up7", false},
               {"[a-cx-z]", "y", true},
               {"[a-cx-z]", "m", false},
               {"*[0-9]", "key9", true},
               {"*[0-9]", "key", false}});
}

TEST(GlobMatch, UnclosedClassRunsToTheEnd) {
  ExpectCases({{"[abc", "a", true}, {"[abc", "d", false}});
}

TEST(GlobMatch, BackslashEscapesTheNextByte) {
  ExpectCases({{"\\*", "*", true},
               {"\\*", "a", false},
               {"a\\?b", "a?b", true},
               {"a\\?b", "axb", false},
               {"\\[a]", "[a]", true},
               {"\\[a]", "a", false},
               {"[\\]]", "]", true},
               {"[\\-]", "-", true},
               {"[\\-]", "a", false},
               {"a*\\*", "abc*", true},
               {"a*\\*", "abc", false},
               // A trailing backslash is a literal backslash.
               {"a\\", "a\\", true},
               {"a\\", "a", false}});
}

TEST(GlobMatch, NocaseFoldsLiteralsClassesAndRanges) {
  EXPECT_TRUE(GlobMatch("HeLLo", "hello", /*nocase=*/true));
  EXPECT_FALSE(GlobMatch("HeLLo", "hello", /*nocase=*/false));
  EXPECT_TRUE(GlobMatch("max*", "MAXMEMORY", true));
  EXPECT_TRUE(GlobMatch("h[AE]llo", "hello", true));
  EXPECT_TRUE(GlobMatch("h[A-F]llo", "hello", true));
  EXPECT_FALSE(GlobMatch("h[A-F]llo", "hello", false));
  EXPECT_TRUE(GlobMatch("h[^A]llo", "hello", true));
  EXPECT_FALSE(GlobMatch("h[^E]llo", "hello", true));
}

TEST(GlobMatch, SubjectsAreBinarySafe) {
  EXPECT_TRUE(GlobMatch("a?b", "a\0b"s));
  EXPECT_TRUE(GlobMatch("a*", "a\0\xff\r\n"s));
  EXPECT_TRUE(GlobMatch("a\0*"s, "a\0b"s));
  EXPECT_FALSE(GlobMatch("a\0*"s, "ab"s));
}

TEST(GlobMatch, PathologicalPatternFinishesQuickly) {
  // A naive backtracking matcher needs ~n^6 steps here.
  std::string subject(20000, 'a');
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(GlobMatch("a*a*a*a*a*a*b", subject));
  EXPECT_FALSE(GlobMatch("*a*a*a*a*a*a*a*a*a*a*b", subject));
  EXPECT_TRUE(GlobMatch("a*a*a*a*a*a*", subject));
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 500);
}

}  // namespace
}  // namespace shoal
