// The sorted-set family's shared helpers (zset_family.h) and its
// single-member commands: ZADD ZINCRBY ZREM ZSCORE ZMSCORE ZCARD ZRANK
// ZREVRANK ZRANDMEMBER ZSCAN. RegisterZSetCommands registers the whole
// family, including the range, pop and store parts.
//
// ZADD follows Redis's zaddGenericCommand step by step: options, then the
// pair count, then option conflicts, then every score (so a bad score changes
// nothing), then the key's type; a set that the command's pair count would
// push past zset-max-listpack-entries converts before the first insertion.
#include "server/commands/zset_family.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "server/commands/families.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/errors.h"
#include "server/dispatch/glob_match.h"
#include "server/events/blocking.h"
#include "server/events/notify.h"
#include "server/store/entry.h"
#include "server/types/zset_value.h"

namespace shoal {

// ---------------------------------------------------------------------------
// Shared helpers (zset_family.h).

ZSetLimits ZLimits(const CommandContext& ctx) {
  ZSetLimits l;
  if (ctx.server != nullptr) {
    RuntimeConfig& rc = ctx.server->runtime();
    l.max_listpack_entries = rc.zset_max_listpack_entries.load(std::memory_order_relaxed);
    l.max_listpack_value = rc.zset_max_listpack_value.load(std::memory_order_relaxed);
  }
  return l;
}

bool LookupZSet(CommandContext& ctx, std::string_view key, Store::Lookup mode, ZKey* out) {
  Entry* e = ctx.store->Find(ctx.db(), key, mode);
  out->entry = e;
  out->z = nullptr;
  if (e == nullptr) return true;
  if (e->type() != ValueType::kZSet) {
    ctx.Error(kErrWrongType);
    return false;
  }
  out->z = static_cast<ZSetValue*>(e->object());
  return true;
}

bool ZSetChanged(CommandContext& ctx, std::string_view key, ZSetValue* z, size_t bytes_before) {
  const int64_t delta = static_cast<int64_t>(z->MemoryBytes()) - static_cast<int64_t>(bytes_before);
  ctx.store->MarkModified(ctx.db(), key, delta);
  if (z->Size() != 0) return false;
  ctx.store->Erase(ctx.db(), key);
  Notify(ctx, kNotifyGeneric, "del", key);
  return true;
}

void StoreZSet(CommandContext& ctx, std::string_view key, ZSetValue* z, std::string_view event) {
  if (z->Size() == 0) {
    delete z;
    if (ctx.store->Erase(ctx.db(), key)) Notify(ctx, kNotifyGeneric, "del", key);
    return;
  }
  const bool created = ctx.store->Find(ctx.db(), key, Store::Lookup::kWrite) == nullptr;
  ctx.store->Put(ctx.db(), Entry::NewObject(key, ValueType::kZSet, z, 0));
  if (created) Notify(ctx, kNotifyNew, "new", key);
  Notify(ctx, kNotifyZset, event, key);
  if (ctx.server != nullptr) ctx.server->blocking().KeyReady(ctx.db(), key);
}

namespace {

// strtod over the whole argument as a C string, as zslParseRange reads it:
// leading spaces and the empty string (0) are accepted, NaN is not, and the
// parse stops at an embedded NUL.
bool ParseRangeDouble(std::string_view s, double* out) {
  std::string buf(s);
  char* end = nullptr;
  double v = std::strtod(buf.c_str(), &end);
  if (*end != '\0' || std::isnan(v)) return false;
  *out = v;
  return true;
}

bool ParseScoreBound(std::string_view s, double* v, bool* exclusive) {
  *exclusive = !s.empty() && s[0] == '(';
  if (*exclusive) s.remove_prefix(1);
  return ParseRangeDouble(s, v);
}

bool ParseLexBound(std::string_view s, ZLexBound* out) {
  if (s.empty()) return false;
  switch (s[0]) {
    case '+':
      if (s.size() != 1) return false;
      out->kind = ZLexBound::kPosInf;
      return true;
    case '-':
      if (s.size() != 1) return false;
      out->kind = ZLexBound::kNegInf;
      return true;
    case '(':
      out->kind = ZLexBound::kExclusive;
      out->s = s.substr(1);
      return true;
    case '[':
      out->kind = ZLexBound::kInclusive;
      out->s = s.substr(1);
      return true;
    default:
      return false;
  }
}

}  // namespace

bool ParseScoreRange(std::string_view min, std::string_view max, ZScoreRange* out) {
  return ParseScoreBound(min, &out->min, &out->minex) &&
         ParseScoreBound(max, &out->max, &out->maxex);
}

bool ParseLexRange(std::string_view min, std::string_view max, ZLexRange* out) {
  return ParseLexBound(min, &out->min) && ParseLexBound(max, &out->max);
}

void ZReplyHeader(CommandContext& ctx, int64_t n, bool withscores) {
  const bool pairs = withscores && ctx.reply->resp_version() >= 3;
  ctx.reply->ArrayHeader(withscores && !pairs ? 2 * n : n);
}

void ZReplyElement(CommandContext& ctx, std::string_view member, double score, bool withscores) {
  if (withscores && ctx.reply->resp_version() >= 3) ctx.reply->ArrayHeader(2);
  ctx.reply->Bulk(member);
  if (withscores) ctx.reply->Double(score);
}

bool ZNumKeysFinder(CmdArgs args, int numkeys_at, int fixed, std::vector<int>* out) {
  for (int i = 1; i <= fixed; ++i) out->push_back(i);
  int64_t n;
  if (numkeys_at >= static_cast<int>(args.size()) || !ParseInt(args[numkeys_at], &n) || n < 1 ||
      n > static_cast<int64_t>(args.size()) - numkeys_at - 1) {
    return true;
  }
  for (int64_t k = 0; k < n; ++k) out->push_back(numkeys_at + 1 + static_cast<int>(k));
  return true;
}

bool ParseZTimeout(CommandContext& ctx, std::string_view arg, int64_t* timeout_ms) {
  long double secs;
  if (!ParseLongDouble(arg, &secs)) {
    ctx.Error("ERR timeout is not a float or out of range");
    return false;
  }
  long double ms = secs * 1000.0L;
  if (ms > static_cast<long double>(std::numeric_limits<int64_t>::max())) {
    ctx.Error("ERR timeout is out of range");
    return false;
  }
  int64_t t = static_cast<int64_t>(std::ceil(ms));
  if (t < 0) {
    ctx.Error("ERR timeout is negative");
    return false;
  }
  if (t > 0 && t > std::numeric_limits<int64_t>::max() - ctx.NowMs()) {
    ctx.Error("ERR timeout is out of range");
    return false;
  }
  *timeout_ms = t;
  return true;
}


namespace {

using Lookup = Store::Lookup;

// ---------------------------------------------------------------------------
// ZADD / ZINCRBY

constexpr std::string_view kErrXxNx = "ERR XX and NX options at the same time are not compatible";
constexpr std::string_view kErrGtLtNx =
    "ERR GT, LT, and/or NX options at the same time are not compatible";
constexpr std::string_view kErrIncrPair =
    "ERR INCR option supports a single increment-element pair";

// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...], and
// ZINCRBY (which is ZADD INCR without options to parse beyond Redis's own).
void ZAddGeneric(CommandContext& ctx, CmdArgs args, int flags) {
  bool ch = false;
  size_t j = 2;
  for (; j < args.size(); ++j) {
    std::string_view a = args[j];
    if (ArgIs(a, "nx")) {
      flags |= kZAddNx;
    } else if (ArgIs(a, "xx")) {
      flags |= kZAddXx;
    } else if (ArgIs(a, "gt")) {
      flags |= kZAddGt;
    } else if (ArgIs(a, "lt")) {
      flags |= kZAddLt;
    } else if (ArgIs(a, "ch")) {
      ch = true;
    } else if (ArgIs(a, "incr")) {
      flags |= kZAddIncr;
    } else {
      break;
    }
  }
  const size_t pairs_args = args.size() - j;
  if (pairs_args == 0 || pairs_args % 2 != 0) {
    ctx.Error(kErrSyntax);
    return;
  }
  const size_t elements = pairs_args / 2;
  const bool incr = flags & kZAddIncr;
  if ((flags & kZAddNx) && (flags & kZAddXx)) {
    ctx.Error(kErrXxNx);
    return;
  }
  const int gtltnx = !!(flags & kZAddGt) + !!(flags & kZAddLt) + !!(flags & kZAddNx);
  if (gtltnx > 1) {
    ctx.Error(kErrGtLtNx);
    return;
  }
  if (incr && elements > 1) {
    ctx.Error(kErrIncrPair);
    return;
  }
  absl::InlinedVector<double, 8> scores(elements);
  size_t max_len = 0;
  for (size_t i = 0; i < elements; ++i) {
    if (!ParseDouble(args[j + 2 * i], &scores[i])) {
      ctx.Error(kErrNotFloat);
      return;
    }
    max_len = std::max(max_len, args[j + 2 * i + 1].size());
  }

  std::string_view key = args[1];
  ZKey k;
  if (!LookupZSet(ctx, key, Lookup::kWrite, &k)) return;
  const ZSetLimits limits = ZLimits(ctx);
  ZSetValue* z = k.z;
  const bool created = z == nullptr;
  size_t bytes_before = 0;
  if (created) {
    if (flags & kZAddXx) {
      // No key and XX: nothing to do.
      if (incr) {
        ctx.reply->NullBulk();
      } else {
        ctx.reply->Integer(0);
      }
      return;
    }
    z = ZSetValue::Create(elements, max_len, limits);
  } else {
    bytes_before = z->MemoryBytes();
    z->ReserveFor(elements, limits);
  }

  int64_t added = 0, updated = 0, processed = 0;
  double score = 0;
  bool nan = false;
  for (size_t i = 0; i < elements; ++i) {
    double newscore = 0;
    ZAddResult r = z->Add(args[j + 2 * i + 1], scores[i], flags, limits, &newscore);
    if (r == ZAddResult::kNaN) {
      nan = true;
      break;
    }
    if (r == ZAddResult::kAdded) ++added;
    if (r == ZAddResult::kUpdated) ++updated;
    if (r != ZAddResult::kNop) {
      ++processed;
      score = newscore;
    }
  }

  if (created) {
    if (z->Size() == 0) {
      delete z;
    } else {
      ctx.store->Put(ctx.db(), Entry::NewObject(key, ValueType::kZSet, z, 0));
      Notify(ctx, kNotifyNew, "new", key);
      if (ctx.server != nullptr) ctx.server->blocking().KeyReady(ctx.db(), key);
    }
  } else if (added + updated > 0 || z->MemoryBytes() != bytes_before) {
    ZSetChanged(ctx, key, z, bytes_before);
  }
  if (added + updated > 0) Notify(ctx, kNotifyZset, incr ? "zincr" : "zadd", key);

  if (nan) {
    ctx.Error(kErrZNaN);
  } else if (incr) {
    if (processed > 0) {
      ctx.reply->Double(score);
    } else {
      ctx.reply->NullBulk();
    }
  } else {
    ctx.reply->Integer(ch ? added + updated : added);
  }
}

void CmdZAdd(CommandContext& ctx, CmdArgs args) { ZAddGeneric(ctx, args, 0); }
void CmdZIncrBy(CommandContext& ctx, CmdArgs args) { ZAddGeneric(ctx, args, kZAddIncr); }

// ---------------------------------------------------------------------------
// ZREM ZSCORE ZMSCORE ZCARD

void CmdZRem(CommandContext& ctx, CmdArgs args) {
  std::string_view key = args[1];
  ZKey k;
  if (!LookupZSet(ctx, key, Lookup::kWrite, &k)) return;
  if (k.z == nullptr) {
    ctx.reply->Integer(0);
    return;
  }
  const size_t before = k.z->MemoryBytes();
  int64_t deleted = 0;
  for (size_t i = 2; i < args.size(); ++i) {
    if (k.z->Remove(args[i])) {
      ++deleted;
      if (k.z->Size() == 0) break;
    }
  }
  if (deleted > 0) {
    Notify(ctx, kNotifyZset, "zrem", key);
    ZSetChanged(ctx, key, k.z, before);
  }
  ctx.reply->Integer(deleted);
}

void CmdZScore(CommandContext& ctx, CmdArgs args) {
  ZKey k;
  if (!LookupZSet(ctx, args[1], Lookup::kRead, &k)) return;
  double score;
  if (k.z == nullptr || !k.z->Score(args[2], &score)) {
    ctx.reply->NullBulk();
    return;
  }
  ctx.reply->Double(score);
}

void CmdZMScore(CommandContext& ctx, CmdArgs args) {
  ZKey k;
  if (!LookupZSet(ctx, args[1], Lookup::kRead, &k)) return;
  ctx.reply->ArrayHeader(static_cast<int64_t>(args.size() - 2));
  for (size_t i = 2; i < args.size(); ++i) {
    double score;
    if (k.z != nullptr && k.z->Score(args[i], &score)) {
      ctx.reply->Double(score);
    } else {
      ctx.reply->NullBulk();
    }
  }
}

void CmdZCard(CommandContext& ctx, CmdArgs args) {
  ZKey k;
  if (!LookupZSet(ctx, args[1], Lookup::kRead, &k)) return;
  ctx.reply->Integer(k.z == nullptr ? 0 : static_cast<int64_t>(k.z->Size()));
}

// ---------------------------------------------------------------------------
// ZRANK / ZREVRANK key member [WITHSCORE]

void ZRankGeneric(CommandContext& ctx, CmdArgs args, bool reverse) {
  if (args.size() > 4) {
    ctx.Error(WrongArityText(ctx.spec != nullptr ? ctx.spec->name : "zrank"));
    return;
  }
  bool withscore = false;
  if (args.size() == 4) {
    if (!ArgIs(args[3], "withscore")) {
      ctx.Error(kErrSyntax);
      return;
    }
    withscore = true;
  }
  ZKey k;
  if (!LookupZSet(ctx, args[1], Lookup::kRead, &k)) return;
  double score = 0;
  int64_t rank = k.z == nullptr ? -1 : k.z->Rank(args[2], &score);
  if (rank < 0) {
    if (withscore) {
      ctx.reply->NullArray();
    } else {
      ctx.reply->NullBulk();
    }
    return;
  }
  if (reverse) rank = static_cast<int64_t>(k.z->Size()) - 1 - rank;
  if (withscore) ctx.reply->ArrayHeader(2);
  ctx.reply->Integer(rank);
  if (withscore) ctx.reply->Double(score);
}

void CmdZRank(CommandContext& ctx, CmdArgs args) { ZRankGeneric(ctx, args, false); }
void CmdZRevRank(CommandContext& ctx, CmdArgs args) { ZRankGeneric(ctx, args, true); }

// ---------------------------------------------------------------------------
// ZRANDMEMBER key [count [WITHSCORES]]

// One random stream per worker thread; not cryptographic.
std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return rng;
}

size_t RandomBelow(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(Rng()); }

void ZRandMemberWithCount(CommandContext& ctx, const ZSetValue& z, int64_t count, bool withscores) {
  const size_t size = z.Size();
  const bool unique = count >= 0;
  const uint64_t n = unique ? static_cast<uint64_t>(count) : 0 - static_cast<uint64_t>(count);

  // Random access to elements: a compact set is walked once into views (its
  // entries do not move while the command runs); a tree set is indexed.
  std::vector<std::pair<std::string_view, double>> snapshot;
  if (z.compact()) {
    snapshot.reserve(size);
    z.Visit(0, size, false, [&](std::string_view m, double s) { snapshot.emplace_back(m, s); });
  }
  auto emit_rank = [&](size_t r) {
    if (z.compact()) {
      ZReplyElement(ctx, snapshot[r].first, snapshot[r].second, withscores);
    } else {
      z.Visit(r, r + 1, false,
              [&](std::string_view m, double s) { ZReplyElement(ctx, m, s, withscores); });
    }
  };

  if (!unique) {
    // Repetitions allowed: exactly n picks.
    ZReplyHeader(ctx, static_cast<int64_t>(n), withscores);
    for (uint64_t i = 0; i < n; ++i) emit_rank(RandomBelow(size));
    return;
  }
  if (n >= size) {
    ZReplyHeader(ctx, static_cast<int64_t>(size), withscores);
    z.Visit(0, size, false,
            [&](std::string_view m, double s) { ZReplyElement(ctx, m, s, withscores); });
    return;
  }
  // n distinct ranks: a partial shuffle when n is a large part of the set,
  // else Floyd's sampling.
  std::vector<size_t> ranks;
  ranks.reserve(n);
  if (n * 3 > size) {
    std::vector<size_t> all(size);
    for (size_t i = 0; i < size; ++i) all[i] = i;
    for (size_t i = 0; i < n; ++i) std::swap(all[i], all[i + RandomBelow(size - i)]);
    ranks.assign(all.begin(), all.begin() + n);
  } else {
    absl::flat_hash_set<size_t> chosen;
    for (size_t j = size - n; j < size; ++j) {
      size_t t = RandomBelow(j + 1);
      if (!chosen.insert(t).second) {
        chosen.insert(j);
        ranks.push_back(j);
      } else {
        ranks.push_back(t);
      }
    }
  }
  ZReplyHeader(ctx, static_cast<int64_t>(n), withscores);
  for (size_t r : ranks) emit_rank(r);
}

void CmdZRandMember(CommandContext& ctx, CmdArgs args) {
  if (args.size() == 2) {
    ZKey k;
    if (!LookupZSet(ctx, args[1], Lookup::kRead, &k)) return;
    if (k.z == nullptr) {
      ctx.reply->NullBulk();
      return;
    }
    size_t r = RandomBelow(k.z->Size());
    k.z->Visit(r, r + 1, false, [&](std::string_view m, double) { ctx.reply->Bulk(m); });
    return;
  }
  int64_t count;
  if (!ParseInt(args[2], &count)) {
    ctx.Error(kErrNotInteger);
    return;
  }
  if (count == std::numeric_limits<int64_t>::min()) {
    ctx.Error(
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
    return;
  }
  bool withscores = false;
  if (args.size() > 4 || (args.size() == 4 && !ArgIs(args[3], "withscores"))) {
    ctx.Error(kErrSyntax);
    return;
  }
  if (args.size() == 4) {
    withscores = true;
    constexpr int64_t kHalf = std::numeric_limits<int64_t>::max() / 2;
    if (count < -kHalf || count > kHalf) {
      ctx.Error("ERR value is out of range");
      return;
    }
  }
  ZKey k;
  if (!LookupZSet(ctx, args[1], Lookup::kRead, &k)) return;
  if (k.z == nullptr || count == 0) {
    ctx.reply->EmptyArray();
    return;
  }
  ZRandMemberWithCount(ctx, *k.z, count, withscores);
}

// ---------------------------------------------------------------------------
// ZSCAN key cursor [MATCH pattern] [COUNT count]

// A cursor as Redis reads it (strtoul on the whole argument).
bool ParseCursor(std::string_view s, uint64_t* out) {
  size_t i = 0;
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    i = 1;
    if (s.size() == 1) return false;
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

void CmdZScan(CommandContext& ctx, CmdArgs args) {
  uint64_t cursor;
  if (!ParseCursor(args[2], &cursor)) {
    ctx.Error("ERR invalid cursor");
    return;
  }
  ZKey k;
  if (!LookupZSet(ctx, args[1], Lookup::kRead, &k)) return;
  if (k.z == nullptr) {
    ctx.reply->ArrayHeader(2);
    ctx.reply->Bulk("0");
    ctx.reply->EmptyArray();
    return;
  }
  int64_t count = 10;
  std::string_view pattern;
  bool use_pattern = false;
  for (size_t i = 3; i < args.size(); i += 2) {
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
      pattern = args[i + 1];
      use_pattern = pattern != "*";
    } else {
      ctx.Error(kErrSyntax);
      return;
    }
  }
  std::vector<std::pair<std::string_view, double>> found;
  uint64_t next = k.z->Scan(cursor, static_cast<size_t>(count), [&](std::string_view m, double s) {
    if (!use_pattern || GlobMatch(pattern, m)) found.emplace_back(m, s);
  });
  ctx.reply->ArrayHeader(2);
  ctx.reply->Bulk(std::to_string(next));
  ctx.reply->ArrayHeader(static_cast<int64_t>(found.size() * 2));
  for (const auto& [m, s] : found) {
    ctx.reply->Bulk(m);
    ctx.reply->Bulk(ReplyBuilder::FormatDouble(s));
  }
}

}  // namespace

void RegisterZSetCommands(CommandTable* table) {
  constexpr uint32_t kW = kCmdWrite, kRo = kCmdReadOnly, kOom = kCmdDenyOom, kFast = kCmdFast;
  constexpr std::string_view kWriteFast = "@write @sortedset @fast";
  constexpr std::string_view kReadFast = "@read @sortedset @fast";
  constexpr std::string_view kReadSlow = "@read @sortedset @slow";

  table->Register(
      MakeSpec("zadd", -4, kW | kOom | kFast, kOneKey, &CmdZAdd,
               {.group = "sorted-set",
                .since = "1.2.0",
                .summary = "Adds one or more members to a sorted set, or updates their scores. "
                           "Creates the key if it doesn't exist.",
                .complexity = "O(log(N)) for each item added, where N is the number of elements in "
                              "the sorted set.",
                .syntax = "key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]",
                .acl_categories = kWriteFast}));
  table->Register(
      MakeSpec("zincrby", 4, kW | kOom | kFast, kOneKey, &CmdZIncrBy,
               {.group = "sorted-set",
                .since = "1.2.0",
                .summary = "Increments the score of a member in a sorted set.",
                .complexity = "O(log(N)) where N is the number of elements in the sorted set.",
                .syntax = "key increment member",
                .acl_categories = kWriteFast}));
  table->Register(MakeSpec(
      "zrem", -3, kW | kFast, kOneKey, &CmdZRem,
      {.group = "sorted-set",
       .since = "1.2.0",
       .summary = "Removes one or more members from a sorted set. Deletes the sorted set "
                  "if all members were removed.",
       .complexity = "O(M*log(N)) with N being the number of elements in the sorted set and "
                     "M the number of elements to be removed.",
       .syntax = "key member [member ...]",
       .acl_categories = kWriteFast}));
  table->Register(MakeSpec("zscore", 3, kRo | kFast, kOneKey, &CmdZScore,
                           {.group = "sorted-set",
                            .since = "1.2.0",
                            .summary = "Returns the score of a member in a sorted set.",
                            .complexity = "O(1)",
                            .syntax = "key member",
                            .acl_categories = kReadFast}));
  table->Register(MakeSpec("zmscore", -3, kRo | kFast, kOneKey, &CmdZMScore,
                           {.group = "sorted-set",
                            .since = "6.2.0",
                            .summary = "Returns the score of one or more members in a sorted set.",
                            .complexity = "O(N) where N is the number of members being requested.",
                            .syntax = "key member [member ...]",
                            .acl_categories = kReadFast}));
  table->Register(MakeSpec("zcard", 2, kRo | kFast, kOneKey, &CmdZCard,
                           {.group = "sorted-set",
                            .since = "1.2.0",
                            .summary = "Returns the number of members in a sorted set.",
                            .complexity = "O(1)",
                            .syntax = "key",
                            .acl_categories = kReadFast}));
  table->Register(
      MakeSpec("zrank", -3, kRo | kFast, kOneKey, &CmdZRank,
               {.group = "sorted-set",
                .since = "2.0.0",
                .summary = "Returns the index of a member in a sorted set ordered by ascending "
                           "scores.",
                .complexity = "O(log(N))",
                .syntax = "key member [WITHSCORE]",
                .acl_categories = kReadFast}));
  table->Register(
      MakeSpec("zrevrank", -3, kRo | kFast, kOneKey, &CmdZRevRank,
               {.group = "sorted-set",
                .since = "2.0.0",
                .summary = "Returns the index of a member in a sorted set ordered by descending "
                           "scores.",
                .complexity = "O(log(N))",
                .syntax = "key member [WITHSCORE]",
                .acl_categories = kReadFast}));
  table->Register(MakeSpec("zrandmember", -2, kRo, kOneKey, &CmdZRandMember,
                           {.group = "sorted-set",
                            .since = "6.2.0",
                            .summary = "Returns one or more random members from a sorted set.",
                            .complexity = "O(N) where N is the number of members returned",
                            .syntax = "key [count [WITHSCORES]]",
                            .acl_categories = kReadSlow}));
  table->Register(MakeSpec(
      "zscan", -3, kRo, kOneKey, &CmdZScan,
      {.group = "sorted-set",
       .since = "2.8.0",
       .summary = "Iterates over members and scores of a sorted set.",
       .complexity = "O(1) for every call. O(N) for a complete iteration, including enough "
                     "command calls for the cursor to return back to 0. N is the number of "
                     "elements inside the collection.",
       .syntax = "key cursor [MATCH pattern] [COUNT count]",
       .acl_categories = kReadSlow}));
  RegisterZSetRangeCommands(table);
  RegisterZSetPopCommands(table);
  RegisterZSetStoreCommands(table);
}

}  // namespace shoal
