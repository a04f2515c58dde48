// The sorted-set family, split by what the commands do:
//   zset_family.cc        single members: ZADD ZINCRBY ZREM ZSCORE ZMSCORE
//                         ZCARD ZRANK ZREVRANK ZRANDMEMBER ZSCAN
//   zset_range_family.cc  ranges: ZRANGE ZRANGESTORE ZREVRANGE ZRANGEBYSCORE
//                         ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX ZCOUNT
//                         ZLEXCOUNT ZREMRANGEBYSCORE ZREMRANGEBYRANK
//                         ZREMRANGEBYLEX
//   zset_pop_family.cc    pops: ZPOPMIN ZPOPMAX BZPOPMIN BZPOPMAX ZMPOP BZMPOP
//   zset_store_family.cc  set algebra: ZUNION ZINTER ZDIFF ZUNIONSTORE
//                         ZINTERSTORE ZDIFFSTORE ZINTERCARD
// RegisterZSetCommands (families.h) registers all four. This header is
// internal to the family: the helpers every part shares.
//
// All handlers run on a worker thread with the stripes of their keys locked
// by the dispatcher; they follow Redis 7.2's order of checks (parse errors vs.
// WRONGTYPE vs. missing keys), which tests/test_zsets.py pins.
#ifndef SHOAL_SERVER_COMMANDS_ZSET_FAMILY_H_
#define SHOAL_SERVER_COMMANDS_ZSET_FAMILY_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "server/dispatch/command_context.h"
#include "server/dispatch/command_table.h"
#include "server/store/store.h"
#include "server/types/zset_value.h"

namespace shoal {

inline constexpr std::string_view kErrZMinMaxNotFloat = "ERR min or max is not a float";
inline constexpr std::string_view kErrZLexRange = "ERR min or max not valid string range item";
inline constexpr std::string_view kErrZNaN = "ERR resulting score is not a number (NaN)";

// The encoding thresholds in force (CONFIG SET zset-max-listpack-*).
ZSetLimits ZLimits(const CommandContext& ctx);

// A sorted-set key looked up for a command.
struct ZKey {
  Entry* entry = nullptr;  // nullptr: no such key
  ZSetValue* z = nullptr;
};

// Looks `key` up; false (after replying WRONGTYPE) when it holds another type.
bool LookupZSet(CommandContext& ctx, std::string_view key, Store::Lookup mode, ZKey* out);

// After changing a stored set in place: memory accounting and WATCH
// (MarkModified with the value's size change since `bytes_before`), and the
// key's deletion (with a "del" event) when the set became empty. Returns true
// when the key was deleted.
bool ZSetChanged(CommandContext& ctx, std::string_view key, ZSetValue* z, size_t bytes_before);

// Stores `z` (taking ownership) at `key`, replacing whatever was there and
// dropping its TTL, and wakes clients blocked on the key. An empty `z` deletes
// the key instead (with a "del" event when it existed). For STORE commands.
void StoreZSet(CommandContext& ctx, std::string_view key, ZSetValue* z, std::string_view event);

// Range parsing with Redis's rules (zslParseRange / zslParseLexRange).
bool ParseScoreRange(std::string_view min, std::string_view max, ZScoreRange* out);
bool ParseLexRange(std::string_view min, std::string_view max, ZLexRange* out);

// Element replies: WITHSCORES is a flat array in RESP2 and an array of
// [member, score] pairs in RESP3, as Redis 7.2 replies.
void ZReplyHeader(CommandContext& ctx, int64_t n, bool withscores);
void ZReplyElement(CommandContext& ctx, std::string_view member, double score, bool withscores);

// Key finder for commands with a numkeys argument at `numkeys_at` followed by
// the keys; `fixed` leading key positions (a STORE destination) come first.
// A malformed numkeys yields only the fixed keys: the handler then replies
// Redis's own error text (the dispatcher would say "syntax error").
bool ZNumKeysFinder(CmdArgs args, int numkeys_at, int fixed, std::vector<int>* out);

// A blocking command's timeout (seconds, a double) in ms; false after
// replying Redis's error.
bool ParseZTimeout(CommandContext& ctx, std::string_view arg, int64_t* timeout_ms);


void RegisterZSetRangeCommands(CommandTable* table);
void RegisterZSetPopCommands(CommandTable* table);
void RegisterZSetStoreCommands(CommandTable* table);

}  // namespace shoal

#endif  // SHOAL_SERVER_COMMANDS_ZSET_FAMILY_H_
