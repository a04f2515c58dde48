// Range commands of the sorted-set family: ZRANGE (BYSCORE BYLEX REV LIMIT
// WITHSCORES), ZRANGESTORE, the legacy ZREVRANGE ZRANGEBYSCORE
// ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX, the counts ZCOUNT ZLEXCOUNT,
// and ZREMRANGEBYSCORE ZREMRANGEBYRANK ZREMRANGEBYLEX.
//
// Every variant goes through one parser, as in Redis's zrangeGenericCommand:
// the legacy commands are ZRANGE with the range type and direction preset,
// which is why "ZRANGEBYSCORE ... REV" is a syntax error while "ZRANGE ...
// BYSCORE REV" is not. A parsed range then becomes a rank interval of the set
// (ZSetValue::ScoreRanks / LexRanks, O(log n) in the tree encoding) to which
// LIMIT applies arithmetically — an offset costs nothing to skip.
#include <algorithm>
#include <cstdint>
#include <string_view>
#include <tuple>

#include "server/commands/zset_family.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/errors.h"
#include "server/events/notify.h"
#include "server/types/zset_value.h"

namespace shoal {
namespace {

using Lookup = Store::Lookup;

enum class RangeType { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

struct RangeArgs {
  RangeType type = RangeType::kAuto;
  bool reverse = false;
  bool withscores = false;
  int64_t offset = 0;
  int64_t limit = -1;  // -1: no limit
  int64_t start = 0;   // kRank
  int64_t end = 0;
  ZScoreRange score;  // kScore
  ZLexRange lex;      // kLex
};

// Parses "src min max [options]" with src at args[src_at]. Replies the error
// and returns false on bad input.
bool ParseRangeArgs(CommandContext& ctx, CmdArgs args, size_t src_at, RangeType type, Direction dir,
                    bool store, RangeArgs* out) {
  for (size_t j = src_at + 3; j < args.size(); ++j) {
    const size_t left = args.size() - j - 1;
    std::string_view a = args[j];
    if (!store && ArgIs(a, "withscores")) {
      out->withscores = true;
    } else if (ArgIs(a, "limit") && left >= 2) {
      if (!ParseInt(args[j + 1], &out->offset) || !ParseInt(args[j + 2], &out->limit)) {
        ctx.Error(kErrNotInteger);
        return false;
      }
      j += 2;
    } else if (dir == Direction::kAuto && ArgIs(a, "rev")) {
      dir = Direction::kReverse;
    } else if (type == RangeType::kAuto && ArgIs(a, "bylex")) {
      type = RangeType::kLex;
    } else if (type == RangeType::kAuto && ArgIs(a, "byscore")) {
      type = RangeType::kScore;
    } else {
      ctx.Error(kErrSyntax);
      return false;
    }
  }
  if (type == RangeType::kAuto) type = RangeType::kRank;
  out->type = type;
  out->reverse = dir == Direction::kReverse;
  // Redis checks the count only: "LIMIT 5 -1" passes with a rank range.
  if (out->limit != -1 && type == RangeType::kRank) {
    ctx.Error(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    return false;
  }
  if (out->withscores && type == RangeType::kLex) {
    ctx.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    return false;
  }
  std::string_view min = args[src_at + 1], max = args[src_at + 2];
  // Reversed score and lex ranges are written max first.
  if (out->reverse && type != RangeType::kRank) std::swap(min, max);
  switch (type) {
    case RangeType::kAuto:
    case RangeType::kRank:
      if (!ParseInt(min, &out->start) || !ParseInt(max, &out->end)) {
        ctx.Error(kErrNotInteger);
        return false;
      }
      break;
    case RangeType::kScore:
      if (!ParseScoreRange(min, max, &out->score)) {
        ctx.Error(kErrZMinMaxNotFloat);
        return false;
      }
      break;
    case RangeType::kLex:
      if (!ParseLexRange(min, max, &out->lex)) {
        ctx.Error(kErrZLexRange);
        return false;
      }
      break;
  }
  return true;
}

// Ascending ranks [first, last), walked in `reverse` order.
struct RankSpan {
  size_t first = 0;
  size_t last = 0;
  size_t size() const { return last - first; }
};

// Redis's index normalization (negative from the end, clamped); false when
// the range is empty.
bool NormalizeIndexes(int64_t start, int64_t end, size_t n, RankSpan* out) {
  const int64_t len = static_cast<int64_t>(n);
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) return false;
  if (end >= len) end = len - 1;
  out->first = static_cast<size_t>(start);
  out->last = static_cast<size_t>(end) + 1;
  return true;
}

RankSpan ResolveRange(const ZSetValue& z, const RangeArgs& a) {
  RankSpan s;
  const size_t n = z.Size();
  if (a.type == RangeType::kRank) {
    if (!NormalizeIndexes(a.start, a.end, n, &s)) return {};
    // Reverse indexes count from the top.
    if (a.reverse) s = {n - s.last, n - s.first};
    return s;
  }
  auto [first, last] = a.type == RangeType::kScore ? z.ScoreRanks(a.score) : z.LexRanks(a.lex);
  // LIMIT in the walking direction; a negative offset skips everything (as
  // Redis's "while (offset--)" does), a negative count means all.
  const size_t len = last - first;
  if (a.offset < 0 || static_cast<uint64_t>(a.offset) >= len) return {};
  const size_t avail = len - static_cast<size_t>(a.offset);
  const size_t count = a.limit < 0 ? avail : std::min(avail, static_cast<size_t>(a.limit));
  if (!a.reverse) {
    s.first = first + static_cast<size_t>(a.offset);
    s.last = s.first + count;
  } else {
    s.last = last - static_cast<size_t>(a.offset);
    s.first = s.last - count;
  }
  return s;
}

// The ZRANGE family's common body: `src_at` is the source key's index;
// `store` is ZRANGESTORE (destination at args[1]).
void ZRangeGeneric(CommandContext& ctx, CmdArgs args, size_t src_at, RangeType type, Direction dir,
                   bool store) {
  RangeArgs a;
  if (!ParseRangeArgs(ctx, args, src_at, type, dir, store, &a)) return;
  ZKey k;
  if (!LookupZSet(ctx, args[src_at], Lookup::kRead, &k)) return;
  RankSpan span;
  if (k.z != nullptr) span = ResolveRange(*k.z, a);

  if (store) {
    ZSetValue* dst = nullptr;
    if (span.size() == 0) {
      dst = ZSetValue::Create(0, 0, ZLimits(ctx));
    } else {
      size_t max_len = 0;
      k.z->Visit(span.first, span.last, false,
                 [&](std::string_view m, double) { max_len = std::max(max_len, m.size()); });
      dst = ZSetValue::Create(span.size(), max_len, ZLimits(ctx));
      k.z->Visit(span.first, span.last, false,
                 [&](std::string_view m, double s) { dst->AppendLargest(m, s); });
    }
    StoreZSet(ctx, args[1], dst, "zrangestore");
    ctx.reply->Integer(static_cast<int64_t>(span.size()));
    return;
  }
  ZReplyHeader(ctx, static_cast<int64_t>(span.size()), a.withscores);
  if (span.size() == 0) return;
  k.z->Visit(span.first, span.last, a.reverse,
             [&](std::string_view m, double s) { ZReplyElement(ctx, m, s, a.withscores); });
}

void CmdZRange(CommandContext& ctx, CmdArgs args) {
  ZRangeGeneric(ctx, args, 1, RangeType::kAuto, Direction::kAuto, false);
}
void CmdZRangeStore(CommandContext& ctx, CmdArgs args) {
  ZRangeGeneric(ctx, args, 2, RangeType::kAuto, Direction::kAuto, true);
}
void CmdZRevRange(CommandContext& ctx, CmdArgs args) {
  ZRangeGeneric(ctx, args, 1, RangeType::kRank, Direction::kReverse, false);
}
void CmdZRangeByScore(CommandContext& ctx, CmdArgs args) {
  ZRangeGeneric(ctx, args, 1, RangeType::kScore, Direction::kForward, false);
}
void CmdZRevRangeByScore(CommandContext& ctx, CmdArgs args) {
  ZRangeGeneric(ctx, args, 1, RangeType::kScore, Direction::kReverse, false);
}
void CmdZRangeByLex(CommandContext& ctx, CmdArgs args) {
  ZRangeGeneric(ctx, args, 1, RangeType::kLex, Direction::kForward, false);
}
void CmdZRevRangeByLex(CommandContext& ctx, CmdArgs args) {
  ZRangeGeneric(ctx, args, 1, RangeType::kLex, Direction::kReverse, false);
}

// ---------------------------------------------------------------------------
// ZCOUNT / ZLEXCOUNT

void CmdZCount(CommandContext& ctx, CmdArgs args) {
  ZScoreRange range;
  if (!ParseScoreRange(args[2], args[3], &range)) {
    ctx.Error(kErrZMinMaxNotFloat);
    return;
  }
  ZKey k;
  if (!LookupZSet(ctx, args[1], Lookup::kRead, &k)) return;
  if (k.z == nullptr) {
    ctx.reply->Integer(0);
    return;
  }
  auto [first, last] = k.z->ScoreRanks(range);
  ctx.reply->Integer(static_cast<int64_t>(last - first));
}

void CmdZLexCount(CommandContext& ctx, CmdArgs args) {
  ZLexRange range;
  if (!ParseLexRange(args[2], args[3], &range)) {
    ctx.Error(kErrZLexRange);
    return;
  }
  ZKey k;
  if (!LookupZSet(ctx, args[1], Lookup::kRead, &k)) return;
  if (k.z == nullptr) {
    ctx.reply->Integer(0);
    return;
  }
  auto [first, last] = k.z->LexRanks(range);
  ctx.reply->Integer(static_cast<int64_t>(last - first));
}

// ---------------------------------------------------------------------------
// ZREMRANGEBYSCORE / ZREMRANGEBYRANK / ZREMRANGEBYLEX key min max

void ZRemRangeGeneric(CommandContext& ctx, CmdArgs args, RangeType type) {
  int64_t start = 0, end = 0;
  ZScoreRange score;
  ZLexRange lex;
  switch (type) {
    case RangeType::kScore:
      if (!ParseScoreRange(args[2], args[3], &score)) {
        ctx.Error(kErrZMinMaxNotFloat);
        return;
      }
      break;
    case RangeType::kLex:
      if (!ParseLexRange(args[2], args[3], &lex)) {
        ctx.Error(kErrZLexRange);
        return;
      }
      break;
    default:
      if (!ParseInt(args[2], &start) || !ParseInt(args[3], &end)) {
        ctx.Error(kErrNotInteger);
        return;
      }
  }
  std::string_view key = args[1];
  ZKey k;
  if (!LookupZSet(ctx, key, Lookup::kWrite, &k)) return;
  if (k.z == nullptr) {
    ctx.reply->Integer(0);
    return;
  }
  RankSpan span;
  if (type == RangeType::kScore) {
    std::tie(span.first, span.last) = k.z->ScoreRanks(score);
  } else if (type == RangeType::kLex) {
    std::tie(span.first, span.last) = k.z->LexRanks(lex);
  } else if (!NormalizeIndexes(start, end, k.z->Size(), &span)) {
    span = {};
  }
  const size_t removed = span.size();
  if (removed > 0) {
    const size_t before = k.z->MemoryBytes();
    k.z->EraseRanks(span.first, span.last);
    const char* event = type == RangeType::kScore ? "zremrangebyscore"
                        : type == RangeType::kLex ? "zremrangebylex"
                                                  : "zremrangebyrank";
    Notify(ctx, kNotifyZset, event, key);
    ZSetChanged(ctx, key, k.z, before);
  }
  ctx.reply->Integer(static_cast<int64_t>(removed));
}

void CmdZRemRangeByScore(CommandContext& ctx, CmdArgs args) {
  ZRemRangeGeneric(ctx, args, RangeType::kScore);
}
void CmdZRemRangeByRank(CommandContext& ctx, CmdArgs args) {
  ZRemRangeGeneric(ctx, args, RangeType::kRank);
}
void CmdZRemRangeByLex(CommandContext& ctx, CmdArgs args) {
  ZRemRangeGeneric(ctx, args, RangeType::kLex);
}

}  // namespace

void RegisterZSetRangeCommands(CommandTable* table) {
  constexpr uint32_t kW = kCmdWrite, kRo = kCmdReadOnly, kOom = kCmdDenyOom, kFast = kCmdFast;
  constexpr std::string_view kReadFast = "@read @sortedset @fast";
  constexpr std::string_view kReadSlow = "@read @sortedset @slow";
  constexpr std::string_view kWriteSlow = "@write @sortedset @slow";
  constexpr std::string_view kRangeCost =
      "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
      "elements returned.";
  constexpr std::string_view kLimitCost =
      "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
      "elements being returned. If M is constant (e.g. always asking for the first 10 elements "
      "with LIMIT), you can consider it O(log(N)).";
  constexpr std::string_view kRemoveCost =
      "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
      "elements removed by the operation.";
  constexpr std::string_view kCountCost =
      "O(log(N)) with N being the number of elements in the sorted set.";

  table->Register(MakeSpec("zrange", -4, kRo, kOneKey, &CmdZRange,
                           {.group = "sorted-set",
                            .since = "1.2.0",
                            .summary = "Returns members in a sorted set within a range of indexes.",
                            .complexity = kRangeCost,
                            .syntax = "key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] "
                                      "[WITHSCORES]",
                            .acl_categories = kReadSlow}));
  table->Register(MakeSpec(
      "zrangestore", -5, kW | kOom, {1, 2, 1}, &CmdZRangeStore,
      {.group = "sorted-set",
       .since = "6.2.0",
       .summary = "Stores a range of members from sorted set in a key.",
       .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and "
                     "M the number of elements stored into the destination key.",
       .syntax = "dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]",
       .acl_categories = kWriteSlow}));
  table->Register(
      MakeSpec("zrevrange", -4, kRo, kOneKey, &CmdZRevRange,
               {.group = "sorted-set",
                .since = "1.2.0",
                .summary = "Returns members in a sorted set within a range of indexes in reverse "
                           "order.",
                .complexity = kRangeCost,
                .syntax = "key start stop [WITHSCORES]",
                .acl_categories = kReadSlow}));
  table->Register(MakeSpec("zrangebyscore", -4, kRo, kOneKey, &CmdZRangeByScore,
                           {.group = "sorted-set",
                            .since = "1.0.5",
                            .summary = "Returns members in a sorted set within a range of scores.",
                            .complexity = kLimitCost,
                            .syntax = "key min max [WITHSCORES] [LIMIT offset count]",
                            .acl_categories = kReadSlow}));
  table->Register(
      MakeSpec("zrevrangebyscore", -4, kRo, kOneKey, &CmdZRevRangeByScore,
               {.group = "sorted-set",
                .since = "2.2.0",
                .summary = "Returns members in a sorted set within a range of scores in reverse "
                           "order.",
                .complexity = kLimitCost,
                .syntax = "key max min [WITHSCORES] [LIMIT offset count]",
                .acl_categories = kReadSlow}));
  table->Register(
      MakeSpec("zrangebylex", -4, kRo, kOneKey, &CmdZRangeByLex,
               {.group = "sorted-set",
                .since = "2.8.9",
                .summary = "Returns members in a sorted set within a lexicographical range.",
                .complexity = kLimitCost,
                .syntax = "key min max [LIMIT offset count]",
                .acl_categories = kReadSlow}));
  table->Register(
      MakeSpec("zrevrangebylex", -4, kRo, kOneKey, &CmdZRevRangeByLex,
               {.group = "sorted-set",
                .since = "2.8.9",
                .summary = "Returns members in a sorted set within a lexicographical range in "
                           "reverse order.",
                .complexity = kLimitCost,
                .syntax = "key max min [LIMIT offset count]",
                .acl_categories = kReadSlow}));
  table->Register(
      MakeSpec("zcount", 4, kRo | kFast, kOneKey, &CmdZCount,
               {.group = "sorted-set",
                .since = "2.0.0",
                .summary = "Returns the count of members in a sorted set that have scores within "
                           "a range.",
                .complexity = kCountCost,
                .syntax = "key min max",
                .acl_categories = kReadFast}));
  table->Register(
      MakeSpec("zlexcount", 4, kRo | kFast, kOneKey, &CmdZLexCount,
               {.group = "sorted-set",
                .since = "2.8.9",
                .summary = "Returns the number of members in a sorted set within a lexicographical "
                           "range.",
                .complexity = kCountCost,
                .syntax = "key min max",
                .acl_categories = kReadFast}));
  table->Register(
      MakeSpec("zremrangebyscore", 4, kW, kOneKey, &CmdZRemRangeByScore,
               {.group = "sorted-set",
                .since = "1.2.0",
                .summary = "Removes members in a sorted set within a range of scores. Deletes the "
                           "sorted set if all members were removed.",
                .complexity = kRemoveCost,
                .syntax = "key min max",
                .acl_categories = kWriteSlow}));
  table->Register(
      MakeSpec("zremrangebyrank", 4, kW, kOneKey, &CmdZRemRangeByRank,
               {.group = "sorted-set",
                .since = "2.0.0",
                .summary = "Removes members in a sorted set within a range of indexes. Deletes "
                           "the sorted set if all members were removed.",
                .complexity = kRemoveCost,
                .syntax = "key start stop",
                .acl_categories = kWriteSlow}));
  table->Register(
      MakeSpec("zremrangebylex", 4, kW, kOneKey, &CmdZRemRangeByLex,
               {.group = "sorted-set",
                .since = "2.8.9",
                .summary = "Removes members in a sorted set within a lexicographical range. "
                           "Deletes the sorted set if all members were removed.",
                .complexity = kRemoveCost,
                .syntax = "key min max",
                .acl_categories = kWriteSlow}));
}

}  // namespace shoal
