// Pop commands of the sorted-set family: ZPOPMIN ZPOPMAX ZMPOP and their
// blocking forms BZPOPMIN BZPOPMAX BZMPOP.
//
// The reply shapes differ by command and protocol exactly as in Redis 7.2:
//   ZPOPMIN key           [member, score]                 (both protocols)
//   ZPOPMIN key count     RESP2 flat [m, s, m, s ...]; RESP3 [[m, s], ...]
//   BZPOPMIN ...          [key, member, score]            (both protocols)
//   ZMPOP / BZMPOP        [key, [[m, s], ...]]            (both protocols)
// Blocking: when no key has members, the command parks the client with the
// BlockingRegistry (blocking.h) and writes nothing; the connection re-runs it
// when a key becomes ready (ZADD, ZINCRBY, a STORE destination), or answers
// the null-array timeout reply. Inside MULTI it answers that reply at once.
#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "server/commands/zset_family.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/errors.h"
#include "server/events/blocking.h"
#include "server/events/notify.h"
#include "server/types/zset_value.h"

namespace shoal {
namespace {

using Lookup = Store::Lookup;

enum class PopShape {
  kFlat,       // ZPOPMIN (RESP2, or RESP3 without count)
  kNested,     // ZPOPMIN with count in RESP3
  kKeyFlat,    // BZPOPMIN
  kKeyNested,  // ZMPOP, BZMPOP
};

// Pops min(count, size) elements from the non-empty set `k` at `key`.
void PopAndReply(CommandContext& ctx, std::string_view key, const ZKey& k, bool max, int64_t count,
                 PopShape shape) {
  ZSetValue* z = k.z;
  const size_t n = z->Size();
  const size_t m = std::min(n, static_cast<size_t>(count));
  const bool nested = shape == PopShape::kNested || shape == PopShape::kKeyNested;
  switch (shape) {
    case PopShape::kFlat:
      ctx.reply->ArrayHeader(static_cast<int64_t>(2 * m));
      break;
    case PopShape::kNested:
      ctx.reply->ArrayHeader(static_cast<int64_t>(m));
      break;
    case PopShape::kKeyFlat:
      ctx.reply->ArrayHeader(static_cast<int64_t>(2 * m + 1));
      ctx.reply->Bulk(key);
      break;
    case PopShape::kKeyNested:
      ctx.reply->ArrayHeader(2);
      ctx.reply->Bulk(key);
      ctx.reply->ArrayHeader(static_cast<int64_t>(m));
      break;
  }
  const size_t first = max ? n - m : 0;
  const size_t last = max ? n : m;
  z->Visit(first, last, max, [&](std::string_view member, double score) {
    if (nested) ctx.reply->ArrayHeader(2);
    ctx.reply->Bulk(member);
    ctx.reply->Double(score);
  });
  const size_t before = z->MemoryBytes();
  z->EraseRanks(first, last);
  Notify(ctx, kNotifyZset, max ? "zpopmax" : "zpopmin", key);
  ZSetChanged(ctx, key, z, before);
}

// ZPOPMIN / ZPOPMAX key [count]
void ZPopGeneric(CommandContext& ctx, CmdArgs args, bool max) {
  if (args.size() > 3) {
    ctx.Error(kErrSyntax);
    return;
  }
  int64_t count = -1;
  if (args.size() == 3 && (!ParseInt(args[2], &count) || count < 0)) {
    ctx.Error("ERR value is out of range, must be positive");
    return;
  }
  ZKey k;
  if (!LookupZSet(ctx, args[1], Lookup::kWrite, &k)) return;
  if (k.z == nullptr || count == 0) {
    ctx.reply->EmptyArray();
    return;
  }
  const PopShape shape =
      ctx.reply->resp_version() >= 3 && count != -1 ? PopShape::kNested : PopShape::kFlat;
  PopAndReply(ctx, args[1], k, max, count == -1 ? 1 : count, shape);
}

void CmdZPopMin(CommandContext& ctx, CmdArgs args) { ZPopGeneric(ctx, args, false); }
void CmdZPopMax(CommandContext& ctx, CmdArgs args) { ZPopGeneric(ctx, args, true); }

// Pops from the first key holding a non-empty set, or blocks on all of them.
// Another type on a key before that one is an error.
void BlockingPop(CommandContext& ctx, CmdArgs keys, std::string_view timeout_arg, bool max,
                 int64_t count, PopShape shape) {
  int64_t timeout_ms;
  if (!ParseZTimeout(ctx, timeout_arg, &timeout_ms)) return;
  for (std::string_view key : keys) {
    ZKey k;
    if (!LookupZSet(ctx, key, Lookup::kWrite, &k)) return;
    if (k.z == nullptr) continue;
    PopAndReply(ctx, key, k, max, count, shape);
    return;
  }
  if (ctx.in_exec || ctx.server == nullptr) {
    ctx.reply->NullArray();
    return;
  }
  std::vector<std::string_view> wait(keys.begin(), keys.end());
  ctx.server->blocking().Block(ctx, wait, timeout_ms, BlockedReply::kNullArray);
}

// BZPOPMIN / BZPOPMAX key [key ...] timeout
void BZPopGeneric(CommandContext& ctx, CmdArgs args, bool max) {
  BlockingPop(ctx, args.subspan(1, args.size() - 2), args.back(), max, 1, PopShape::kKeyFlat);
}

void CmdBZPopMin(CommandContext& ctx, CmdArgs args) { BZPopGeneric(ctx, args, false); }
void CmdBZPopMax(CommandContext& ctx, CmdArgs args) { BZPopGeneric(ctx, args, true); }

struct MPopArgs {
  CmdArgs keys;
  bool max = false;
  int64_t count = 1;
};

// "numkeys key [key ...] MIN|MAX [COUNT count]" from args[numkeys_at].
bool ParseMPop(CommandContext& ctx, CmdArgs args, size_t numkeys_at, MPopArgs* out) {
  int64_t numkeys;
  if (!ParseInt(args[numkeys_at], &numkeys) || numkeys < 1) {
    ctx.Error("ERR numkeys should be greater than 0");
    return false;
  }
  const size_t after = args.size() - numkeys_at - 1;  // arguments after numkeys
  if (static_cast<uint64_t>(numkeys) >= after) {
    ctx.Error(kErrSyntax);
    return false;
  }
  const size_t where_at = numkeys_at + 1 + static_cast<size_t>(numkeys);
  out->keys = args.subspan(numkeys_at + 1, static_cast<size_t>(numkeys));
  if (ArgIs(args[where_at], "min")) {
    out->max = false;
  } else if (ArgIs(args[where_at], "max")) {
    out->max = true;
  } else {
    ctx.Error(kErrSyntax);
    return false;
  }
  bool has_count = false;
  for (size_t j = where_at + 1; j < args.size(); ++j) {
    const bool more = j + 1 < args.size();
    if (!has_count && ArgIs(args[j], "count") && more) {
      ++j;
      if (!ParseInt(args[j], &out->count) || out->count < 1) {
        ctx.Error("ERR count should be greater than 0");
        return false;
      }
      has_count = true;
    } else {
      ctx.Error(kErrSyntax);
      return false;
    }
  }
  return true;
}

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
void CmdZMPop(CommandContext& ctx, CmdArgs args) {
  MPopArgs a;
  if (!ParseMPop(ctx, args, 1, &a)) return;
  for (std::string_view key : a.keys) {
    ZKey k;
    if (!LookupZSet(ctx, key, Lookup::kWrite, &k)) return;
    if (k.z == nullptr) continue;
    PopAndReply(ctx, key, k, a.max, a.count, PopShape::kKeyNested);
    return;
  }
  ctx.reply->NullArray();
}

// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]
void CmdBZMPop(CommandContext& ctx, CmdArgs args) {
  MPopArgs a;
  if (!ParseMPop(ctx, args, 2, &a)) return;
  BlockingPop(ctx, a.keys, args[1], a.max, a.count, PopShape::kKeyNested);
}

bool ZMPopKeys(CmdArgs args, std::vector<int>* out) { return ZNumKeysFinder(args, 1, 0, out); }
bool BZMPopKeys(CmdArgs args, std::vector<int>* out) { return ZNumKeysFinder(args, 2, 0, out); }

}  // namespace

void RegisterZSetPopCommands(CommandTable* table) {
  constexpr uint32_t kW = kCmdWrite, kFast = kCmdFast, kBlock = kCmdBlocking;
  constexpr std::string_view kPopCost =
      "O(log(N)*M) with N being the number of elements in the sorted set, and M being the "
      "number of elements popped.";
  constexpr std::string_view kMPopCost =
      "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of "
      "elements in the sorted set, and M being the number of elements popped.";

  table->Register(
      MakeSpec("zpopmin", -2, kW | kFast, kOneKey, &CmdZPopMin,
               {.group = "sorted-set",
                .since = "5.0.0",
                .summary = "Returns the lowest-scoring members from a sorted set after removing "
                           "them. Deletes the sorted set if the last member was popped.",
                .complexity = kPopCost,
                .syntax = "key [count]",
                .acl_categories = "@write @sortedset @fast"}));
  table->Register(
      MakeSpec("zpopmax", -2, kW | kFast, kOneKey, &CmdZPopMax,
               {.group = "sorted-set",
                .since = "5.0.0",
                .summary = "Returns the highest-scoring members from a sorted set after removing "
                           "them. Deletes the sorted set if the last member was popped.",
                .complexity = kPopCost,
                .syntax = "key [count]",
                .acl_categories = "@write @sortedset @fast"}));
  table->Register(
      MakeSpec("bzpopmin", -3, kW | kCmdNoScript | kBlock | kFast, {1, -2, 1}, &CmdBZPopMin,
               {.group = "sorted-set",
                .since = "5.0.0",
                .summary = "Removes and returns the member with the lowest score from one or more "
                           "sorted sets. Blocks until a member is available otherwise. Deletes the "
                           "sorted set if the last element was popped.",
                .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
                .syntax = "key [key ...] timeout",
                .acl_categories = "@write @sortedset @fast @blocking"}));
  table->Register(
      MakeSpec("bzpopmax", -3, kW | kCmdNoScript | kBlock | kFast, {1, -2, 1}, &CmdBZPopMax,
               {.group = "sorted-set",
                .since = "5.0.0",
                .summary = "Removes and returns the member with the highest score from one or "
                           "more sorted sets. Blocks until a member available otherwise.  Deletes "
                           "the sorted set if the last element was popped.",
                .complexity = "O(log(N)) with N being the number of elements in the sorted set.",
                .syntax = "key [key ...] timeout",
                .acl_categories = "@write @sortedset @fast @blocking"}));
  CommandSpec zmpop = MakeSpec(
      "zmpop", -4, kW, {}, &CmdZMPop,
      {.group = "sorted-set",
       .since = "7.0.0",
       .summary =
           "Returns the highest- or lowest-scoring members from one or more sorted sets after "
           "removing them. Deletes the sorted set if the last member was popped.",
       .complexity = kMPopCost,
       .syntax = "numkeys key [key ...] <MIN | MAX> [COUNT count]",
       .acl_categories = "@write @sortedset @slow"});
  zmpop.keys_finder = &ZMPopKeys;
  table->Register(std::move(zmpop));
  CommandSpec bzmpop = MakeSpec(
      "bzmpop", -5, kW | kBlock, {}, &CmdBZMPop,
      {.group = "sorted-set",
       .since = "7.0.0",
       .summary =
           "Removes and returns a member by score from one or more sorted sets. Blocks until a "
           "member is available otherwise. Deletes the sorted set if the last element was "
           "popped.",
       .complexity = kMPopCost,
       .syntax = "timeout numkeys key [key ...] <MIN | MAX> [COUNT count]",
       .acl_categories = "@write @sortedset @slow @blocking"});
  bzmpop.keys_finder = &BZMPopKeys;
  table->Register(std::move(bzmpop));
}

}  // namespace shoal
