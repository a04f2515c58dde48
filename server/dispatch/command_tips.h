// CommandTipsOf: the "tips" COMMAND INFO reports for a command, as Redis
// 7.2 gives them. They tell cluster clients how to route and merge what
// no single key decides: `request_policy:all_shards` (DBSIZE, KEYS,
// FLUSHALL: send to every primary), `response_policy:agg_sum` (add the
// replies up), `multi_shard` (MGET, DEL: split by slot), and which replies
// are `nondeterministic_output` (TIME, RANDOMKEY) or come in no fixed order
// (SMEMBERS, HGETALL), for tools that compare replies.
//
// Invariant: only commands Shoal serves are listed, and a command's tips
// equal redis-server's (tests/test_differential.py compares them all).
#ifndef SHOAL_SERVER_DISPATCH_COMMAND_TIPS_H_
#define SHOAL_SERVER_DISPATCH_COMMAND_TIPS_H_

#include <string_view>
#include <vector>

namespace shoal {

// The tips of command `name` (lower case; "container|sub" for a
// subcommand); empty for a command without tips.
const std::vector<std::string_view>& CommandTipsOf(std::string_view name);

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_COMMAND_TIPS_H_
