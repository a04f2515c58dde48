// Test support for COMMAND DOCS: shared by the docs parser's tests
// (command_table_test.cc) and the check of every registered syntax
// (server/commands/families_test.cc). Not linked into the server.
#ifndef SHOAL_SERVER_DISPATCH_COMMAND_DOCS_TEST_UTIL_H_
#define SHOAL_SERVER_DISPATCH_COMMAND_DOCS_TEST_UTIL_H_

#include <string>
#include <string_view>

namespace shoal {

// What redis-cli would show for a syntax string as Redis docs print it:
// no spaces around '|', no angle brackets.
inline std::string Normalize(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '<' || c == '>') continue;
    if (c == ' ' && (out.empty() || out.back() == ' ' || out.back() == '|')) continue;
    if (c == '|' && !out.empty() && out.back() == ' ') out.pop_back();
    out.push_back(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_COMMAND_DOCS_TEST_UTIL_H_
