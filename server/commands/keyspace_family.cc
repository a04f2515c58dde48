// Whole-database commands: KEYS SCAN RANDOMKEY DBSIZE (self-locking: they
// call the store's methods that lock one slot's stripe at a time) and
// FLUSHDB FLUSHALL SWAPDB (kCmdLockAll: the dispatcher holds every stripe).
//
// SCAN's cursor is the store's: the index of the next slot to visit. Unlike
// Redis's reverse-binary cursor over one hash table, it needs no care for
// rehashing: a slot is visited whole in one call, so a key present from the
// first call to the last is returned exactly once, however the tables grow
// or shrink in between. Keys added or removed meanwhile may or may not be
// returned, as in Redis.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/commands/keys_family.h"
#include "server/events/blocking.h"
#include "server/events/tracking.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/glob_match.h"
#include "server/dispatch/worker_random.h"

namespace shoal {
namespace {

// A SCAN cursor as Redis 7.2 reads it (strtoul on the whole argument): no
// leading space, an optional sign ("-1" wraps to 2^64-1), decimal digits, no
// overflow. The empty string reads as 0, as strtoul makes it.
bool ParseScanCursor(std::string_view s, uint64_t* out) {
  size_t i = 0;
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    i = 1;
    if (s.size() == 1) return false;  // a sign without digits
  }
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    unsigned d = static_cast<unsigned char>(s[i]) - '0';
    if (d > 9) return false;
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = negative ? 0 - v : v;
  return true;
}

// Filters of SCAN (and KEYS, which is an unbounded SCAN with MATCH).
struct KeyFilter {
  std::string_view pattern;
  bool has_pattern = false;  // a lone "*" is no filter, as in Redis
  std::string_view type;     // empty: none
  bool Accepts(const Entry& e) const {
    if (!type.empty() && !ArgIs(type, TypeName(e.type()))) return false;
    return !has_pattern || GlobMatch(pattern, e.key());
  }
};

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
void CmdScan(CommandContext& ctx, CmdArgs args) {
  uint64_t cursor;
  if (!ParseScanCursor(args[1], &cursor)) {
    ctx.Error("ERR invalid cursor");
    return;
  }
  KeyFilter filter;
  int64_t count = 10;
  for (size_t i = 2; i < args.size(); i += 2) {
    const bool has_value = i + 1 < args.size();
    if (ArgIs(args[i], "count") && has_value) {
      if (!ParseInt(args[i + 1], &count)) {
        ctx.Error(kErrNotInteger);
        return;
      }
      if (count < 1) {
        ctx.Error(kErrSyntax);
        return;
      }
    } else if (ArgIs(args[i], "match") && has_value) {
      filter.pattern = args[i + 1];
      filter.has_pattern = args[i + 1] != "*";
    } else if (ArgIs(args[i], "type") && has_value) {
      // An unknown type name matches nothing (Redis keeps this for
      // compatibility rather than erroring).
      filter.type = args[i + 1];
    } else {
      ctx.Error(kErrSyntax);
      return;
    }
  }
  std::vector<std::string> keys;
  uint64_t next = ctx.store->Scan(ctx.db(), cursor, static_cast<size_t>(count),
                                  [&](const Entry& e) {
                                    if (filter.Accepts(e)) keys.emplace_back(e.key());
                                  });
  ctx.reply->ArrayHeader(2);
  ctx.reply->Bulk(std::to_string(next));
  ctx.reply->ArrayHeader(static_cast<int64_t>(keys.size()));
  for (const std::string& k : keys) ctx.reply->Bulk(k);
}

// KEYS pattern: a full SCAN. Each step locks one slot's stripe at a time, so
// a large keyspace never blocks other clients for the whole walk.
void CmdKeys(CommandContext& ctx, CmdArgs args) {
  KeyFilter filter;
  filter.pattern = args[1];
  filter.has_pattern = args[1] != "*";
  std::vector<std::string> keys;
  uint64_t cursor = 0;
  do {
    cursor = ctx.store->Scan(ctx.db(), cursor, 1024, [&](const Entry& e) {
      if (filter.Accepts(e)) keys.emplace_back(e.key());
    });
  } while (cursor != 0);
  ctx.reply->ArrayHeader(static_cast<int64_t>(keys.size()));
  for (const std::string& k : keys) ctx.reply->Bulk(k);
}

// RANDOMKEY's randomness (worker_random.h).
uint64_t NextRandom(const CommandContext& ctx) { return WorkerRandom<0x9E3779B97F4A7C15ULL>(ctx); }

void CmdRandomKey(CommandContext& ctx, CmdArgs) {
  std::string key;
  if (ctx.store->RandomKey(ctx.db(), &key, NextRandom(ctx))) {
    ctx.reply->Bulk(key);
  } else {
    ctx.reply->NullBulk();
  }
}

void CmdDbSize(CommandContext& ctx, CmdArgs) { ctx.reply->Integer(ctx.store->DbSize(ctx.db())); }

// [ASYNC | SYNC]: both flush inline (freeing is bounded by the keyspace and
// the dispatcher holds every stripe either way).
bool ParseFlushMode(CommandContext& ctx, CmdArgs args) {
  if (args.size() > 2 || (args.size() == 2 && !ArgIs(args[1], "async") && !ArgIs(args[1], "sync"))) {
    ctx.Error(kErrSyntax);
    return false;
  }
  return true;
}

void CmdFlushDb(CommandContext& ctx, CmdArgs args) {
  if (!ParseFlushMode(ctx, args)) return;
  ctx.store->FlushDb(ctx.db());
  InvalidateTrackedAll(ctx);
  ctx.reply->Ok();
}

void CmdFlushAll(CommandContext& ctx, CmdArgs args) {
  if (!ParseFlushMode(ctx, args)) return;
  ctx.store->FlushAll();
  InvalidateTrackedAll(ctx);
  ctx.reply->Ok();
}

// SWAPDB index1 index2: parsed as ints (a non-int32 is "invalid ... DB
// index"), then range-checked.
void CmdSwapDb(CommandContext& ctx, CmdArgs args) {
  if (ctx.server->runtime().cluster_enabled.load(std::memory_order_relaxed)) {
    ctx.Error("ERR SWAPDB is not allowed in cluster mode");
    return;
  }
  int64_t a, b;
  if (!ParseInt(args[1], &a) || a < INT32_MIN || a > INT32_MAX) {
    ctx.Error("ERR invalid first DB index");
    return;
  }
  if (!ParseInt(args[2], &b) || b < INT32_MIN || b > INT32_MAX) {
    ctx.Error("ERR invalid second DB index");
    return;
  }
  const int64_t n = ctx.store->databases();
  if (a < 0 || a >= n || b < 0 || b >= n) {
    ctx.Error(OpStatus::kDbIndexOutOfRange);
    return;
  }
  if (a != b) {
    ctx.store->SwapDb(static_cast<int>(a), static_cast<int>(b));
    // Clients blocked in either db may now find their keys.
    ctx.server->blocking().DbReady(static_cast<int>(a));
    ctx.server->blocking().DbReady(static_cast<int>(b));
  }
  ctx.reply->Ok();
}

}  // namespace

void RegisterKeyspaceCommands(CommandTable* table) {
  table->Register(MakeSpec(
      "keys", 2, kCmdReadOnly | kCmdSelfLocking, {}, CmdKeys,
      {.group = "generic",
       .since = "1.0.0",
       .summary = "Returns all key names that match a pattern.",
       .complexity = "O(N) with N being the number of keys in the database, under the "
                     "assumption that the key names in the database and the given pattern have "
                     "limited length.",
       .syntax = "pattern",
       .acl_categories = "@keyspace @read @slow @dangerous"}));
  table->Register(MakeSpec(
      "scan", -2, kCmdReadOnly | kCmdSelfLocking, {}, CmdScan,
      {.group = "generic",
       .since = "2.8.0",
       .summary = "Iterates over the key names in the database.",
       .complexity = "O(1) for every call. O(N) for a complete iteration, including enough "
                     "command calls for the cursor to return back to 0. N is the number of "
                     "elements inside the collection.",
       .syntax = "cursor [MATCH pattern] [COUNT count] [TYPE type]",
       .acl_categories = "@keyspace @read @slow"}));
  table->Register(MakeSpec("randomkey", 1, kCmdReadOnly | kCmdSelfLocking, {}, CmdRandomKey,
                           {.group = "generic",
                            .since = "1.0.0",
                            .summary = "Returns a random key name from the database.",
                            .complexity = "O(1)",
                            .syntax = "",
                            .acl_categories = "@keyspace @read @slow"}));
  table->Register(MakeSpec("dbsize", 1, kCmdReadOnly | kCmdFast | kCmdSelfLocking, {}, CmdDbSize,
                           {.group = "server",
                            .since = "1.0.0",
                            .summary = "Returns the number of keys in the database.",
                            .complexity = "O(1)",
                            .syntax = "",
                            .acl_categories = "@keyspace @read @fast"}));
  table->Register(MakeSpec(
      "flushdb", -1, kCmdWrite | kCmdLockAll, {}, CmdFlushDb,
      {.group = "server",
       .since = "1.0.0",
       .summary = "Removes all keys from the current database.",
       .complexity = "O(N) where N is the number of keys in the selected database",
       .syntax = "[ASYNC | SYNC]",
       .acl_categories = "@keyspace @write @slow @dangerous"}));
  table->Register(MakeSpec(
      "flushall", -1, kCmdWrite | kCmdLockAll, {}, CmdFlushAll,
      {.group = "server",
       .since = "1.0.0",
       .summary = "Removes all keys from all databases.",
       .complexity = "O(N) where N is the total number of keys in all databases",
       .syntax = "[ASYNC | SYNC]",
       .acl_categories = "@keyspace @write @slow @dangerous"}));
  table->Register(MakeSpec(
      "swapdb", 3, kCmdWrite | kCmdFast | kCmdLockAll, {}, CmdSwapDb,
      {.group = "server",
       .since = "4.0.0",
       .summary = "Swaps two Redis databases.",
       .complexity = "O(N) where N is the count of clients watching or blocking on keys from "
                     "both databases.",
       .syntax = "index1 index2",
       .acl_categories = "@keyspace @write @fast @dangerous"}));
}

}  // namespace shoal
