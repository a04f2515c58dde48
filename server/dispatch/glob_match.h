// Glob-style pattern matching with Redis's rules (KEYS, SCAN MATCH, CONFIG
// GET, PSUBSCRIBE): '*' any run, '?' one byte, '[abc]', '[^a]', '[a-z]',
// and '\' escaping the next byte. Binary-safe. Backtracking is bounded: the
// matcher is linear in pattern × subject, so hostile patterns cannot stall a
// worker.
#ifndef SHOAL_SERVER_DISPATCH_GLOB_MATCH_H_
#define SHOAL_SERVER_DISPATCH_GLOB_MATCH_H_

#include <string_view>

namespace shoal {

bool GlobMatch(std::string_view pattern, std::string_view subject, bool nocase = false);

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_GLOB_MATCH_H_
