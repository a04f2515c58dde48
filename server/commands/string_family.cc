// The string family: GET SET SETNX SETEX PSETEX MGET MSET MSETNX GETSET GETDEL
// GETEX INCR DECR INCRBY DECRBY INCRBYFLOAT APPEND STRLEN GETRANGE SUBSTR
// SETRANGE LCS, with Redis 7.2's replies and error texts.
//
// Each handler goes parse -> operate -> reply, and the first error wins in
// the order Redis checks things (which is not always "arguments first": e.g.
// INCRBY rejects a bad increment before looking at the key, INCRBYFLOAT checks
// the key's type first, GETEX validates its expire only once the key is found
// to be a string). Those orders were checked against redis-server and are
// pinned by tests/test_strings.py.
//
// Hot paths do not allocate: GET formats int-encoded values into a stack
// buffer, INCR & co change an int-encoded entry in place (set_int_value +
// MarkModified), and SET of an integer over an int-encoded entry with the same
// TTL does the same. Everything else that changes a value's length builds a
// new entry (entries are immutable in size, see entry.h) and swaps it in with
// Store::Replace, carrying the old expire along where Redis keeps the TTL
// (INCR*, APPEND, SETRANGE) and dropping it where Redis does (SET without
// KEEPTTL, GETSET, MSET).
//
// Called on a worker thread by the Dispatcher, which has already checked
// arity and locked the stripes of every key argument.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "server/commands/arg_parse.h"
#include "server/commands/command_context.h"
#include "server/commands/errors.h"
#include "server/commands/families.h"
#include "server/store/entry.h"
#include "server/store/store.h"

namespace shoal {
namespace {

using Lookup = Store::Lookup;

// Large enough for any int64 in decimal (Entry::StringValue needs >= 24).
constexpr size_t kIntBufSize = 32;

constexpr std::string_view kErrOffsetRange = "ERR offset is out of range";
constexpr std::string_view kErrDecrOverflow = "ERR decrement would overflow";
constexpr std::string_view kErrLcsType = "ERR The specified keys must contain string values";
constexpr std::string_view kErrLcsLenAndIdx =
    "ERR If you want both the length and indexes, please just use IDX.";
constexpr std::string_view kErrLcsMemory =
    "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";

int64_t ProtoMaxBulkLen(const CommandContext& ctx) {
  if (ctx.server == nullptr) return 512LL * 1024 * 1024;
  return ctx.server->runtime().proto_max_bulk_len.load(std::memory_order_relaxed);
}

// Redis's checkStringLength: would a string of `base + add` bytes be too long?
bool ExceedsMaxLength(const CommandContext& ctx, int64_t base, int64_t add) {
  if (base > std::numeric_limits<int64_t>::max() - add) return true;
  return base + add > ProtoMaxBulkLen(ctx);
}

// A string entry's value, formatted into `buf` when int-encoded.
std::string_view ValueOf(const Entry* e, char* buf) { return e->StringValue(buf); }

// ---------------------------------------------------------------------------
// SET / GETEX options.

// Option bits, as Redis's parseExtendedStringArgumentsOrReply combines them.
enum StrOpt : uint32_t {
  kOptNx = 1u << 0,
  kOptXx = 1u << 1,
  kOptGet = 1u << 2,
  kOptKeepTtl = 1u << 3,
  kOptPersist = 1u << 4,
  kOptEx = 1u << 5,
  kOptPx = 1u << 6,
  kOptExAt = 1u << 7,
  kOptPxAt = 1u << 8,
};
constexpr uint32_t kOptAnyExpire = kOptEx | kOptPx | kOptExAt | kOptPxAt;

struct StrOptions {
  uint32_t flags = 0;
  uint32_t expire_kind = 0;       // one of kOptEx..kOptPxAt, 0 when none
  std::string_view expire_value;  // its argument (the last one given wins)
};

// Parses args[from..] for SET (is_set) or GETEX. Returns false on a syntax
// error. A repeated option is accepted (the last expire value wins); options
// that exclude each other are not, exactly as Redis.
bool ParseStrOptions(CmdArgs args, size_t from, bool is_set, StrOptions* out) {
  uint32_t& f = out->flags;
  for (size_t j = from; j < args.size(); ++j) {
    std::string_view a = args[j];
    const bool has_next = j + 1 < args.size();
    uint32_t expire_bit = 0;
    if (ArgIs(a, "EX")) {
      expire_bit = kOptEx;
    } else if (ArgIs(a, "PX")) {
      expire_bit = kOptPx;
    } else if (ArgIs(a, "EXAT")) {
      expire_bit = kOptExAt;
    } else if (ArgIs(a, "PXAT")) {
      expire_bit = kOptPxAt;
    }
    if (expire_bit != 0) {
      const uint32_t others = (kOptAnyExpire & ~expire_bit) | kOptKeepTtl | kOptPersist;
      if ((f & others) || !has_next) return false;
      f |= expire_bit;
      out->expire_kind = expire_bit;
      out->expire_value = args[++j];
    } else if (is_set && ArgIs(a, "NX") && !(f & kOptXx)) {
      f |= kOptNx;
    } else if (is_set && ArgIs(a, "XX") && !(f & kOptNx)) {
      f |= kOptXx;
    } else if (is_set && ArgIs(a, "GET")) {
      f |= kOptGet;
    } else if (is_set && ArgIs(a, "KEEPTTL") && !(f & (kOptAnyExpire | kOptPersist))) {
      f |= kOptKeepTtl;
    } else if (!is_set && ArgIs(a, "PERSIST") && !(f & (kOptAnyExpire | kOptKeepTtl))) {
      f |= kOptPersist;
    } else {
      return false;
    }
  }
  return true;
}

// Turns an expire argument into an absolute unix time in ms. `absolute` is
// EXAT/PXAT; `seconds` is EX/EXAT/SETEX. Fails with kNotInteger for a
// non-integer and kInvalidExpire for a value <= 0 or one that overflows.
OpStatus ResolveExpire(std::string_view arg, bool seconds, bool absolute, int64_t now_ms,
                       int64_t* when_ms) {
  int64_t v;
  if (!ParseInt(arg, &v)) return OpStatus::kNotInteger;
  if (v <= 0) return OpStatus::kInvalidExpire;
  if (seconds) {
    if (v > std::numeric_limits<int64_t>::max() / 1000) return OpStatus::kInvalidExpire;
    v *= 1000;
  }
  if (!absolute) {
    if (v > std::numeric_limits<int64_t>::max() - now_ms) return OpStatus::kInvalidExpire;
    v += now_ms;
  }
  *when_ms = v;
  return OpStatus::kOk;
}

OpStatus ResolveOptionExpire(const StrOptions& o, int64_t now_ms, int64_t* when_ms) {
  const bool seconds = o.expire_kind == kOptEx || o.expire_kind == kOptExAt;
  const bool absolute = o.expire_kind == kOptExAt || o.expire_kind == kOptPxAt;
  return ResolveExpire(o.expire_value, seconds, absolute, now_ms, when_ms);
}

void ReplyExpireError(CommandContext& ctx, OpStatus s) {
  if (s == OpStatus::kInvalidExpire) {
    ctx.Error(InvalidExpireText(ctx.spec->name));
  } else {
    ctx.Error(s);
  }
}

// ---------------------------------------------------------------------------
// Store operations shared by the handlers.

// Stores `value` at `key` with `expire_ms` (0: none), over `existing` (the
// live entry from Find, or null). An integer written over an int-encoded
// entry with the same expire is changed in place; an expire already in the
// past deletes the key instead (as if it had expired at once).
void WriteString(CommandContext& ctx, Entry* existing, std::string_view key,
                 std::string_view value, int64_t expire_ms) {
  const int db = ctx.db();
  if (expire_ms > 0 && expire_ms <= ctx.NowMs()) {
    if (existing != nullptr) ctx.store->Erase(db, key);
    return;
  }
  if (existing != nullptr && existing->type() == ValueType::kString &&
      existing->encoding() == Encoding::kInt && existing->expire_ms() == expire_ms) {
    int64_t v;
    if (value.size() <= 20 && ParseInt64Strict(value, &v)) {
      existing->set_int_value(v);
      ctx.store->MarkModified(db, key);
      return;
    }
  }
  Entry* e = Entry::NewString(key, value, expire_ms);
  if (existing != nullptr) {
    ctx.store->Replace(db, existing, e);
  } else {
    ctx.store->Put(db, e);
  }
}

// Replaces a string's value by `value`, keeping its TTL (APPEND, SETRANGE,
// INCRBYFLOAT), or creates the key without TTL when `existing` is null.
void OverwriteKeepTtl(CommandContext& ctx, Entry* existing, std::string_view key,
                      std::string_view value) {
  const int64_t expire = existing != nullptr ? existing->expire_ms() : 0;
  Entry* e = Entry::NewString(key, value, expire);
  if (existing != nullptr) {
    ctx.store->Replace(ctx.db(), existing, e);
  } else {
    ctx.store->Put(ctx.db(), e);
  }
}

// Adds `delta` to the integer at `key`, creating it at 0. Int-encoded values
// are updated in place.
OpStatus IncrementInt(CommandContext& ctx, std::string_view key, int64_t delta,
                      int64_t* result) {
  const int db = ctx.db();
  Entry* e = ctx.store->Find(db, key, Lookup::kWrite);
  if (e == nullptr) {
    ctx.store->Put(db, Entry::NewInt(key, delta));
    *result = delta;
    return OpStatus::kOk;
  }
  if (e->type() != ValueType::kString) return OpStatus::kWrongType;
  int64_t old;
  const bool is_int = e->encoding() == Encoding::kInt;
  if (is_int) {
    old = e->int_value();
  } else if (!ParseInt64Strict(e->raw_value(), &old)) {
    return OpStatus::kNotInteger;
  }
  if ((delta < 0 && old < 0 && delta < std::numeric_limits<int64_t>::min() - old) ||
      (delta > 0 && old > 0 && delta > std::numeric_limits<int64_t>::max() - old)) {
    return OpStatus::kOverflow;
  }
  *result = old + delta;
  if (is_int) {
    e->set_int_value(*result);
    ctx.store->MarkModified(db, key);
  } else {
    ctx.store->Replace(db, e, Entry::NewInt(key, *result, e->expire_ms()));
  }
  return OpStatus::kOk;
}

// Formats a long double as Redis's ld2string(LD_STR_HUMAN): fixed notation
// with 17 decimals, trailing zeros (and a bare '.') removed, "-0" as "0".
// Returns the length written into buf.
size_t FormatLongDoubleHuman(long double v, char* buf, size_t size) {
  int n = std::snprintf(buf, size, "%.17Lf", v);
  if (n < 0 || static_cast<size_t>(n) >= size) return 0;
  size_t len = static_cast<size_t>(n);
  if (std::memchr(buf, '.', len) != nullptr) {
    while (len > 0 && buf[len - 1] == '0') --len;
    if (len > 0 && buf[len - 1] == '.') --len;
  }
  if (len == 2 && buf[0] == '-' && buf[1] == '0') {
    buf[0] = '0';
    len = 1;
  }
  return len;
}

// ---------------------------------------------------------------------------
// GET SET and friends.

void CmdGet(CommandContext& ctx, CmdArgs args) {
  Entry* e = ctx.store->Find(ctx.db(), args[1], Lookup::kRead);
  if (e == nullptr) return ctx.reply->NullBulk();
  if (e->type() != ValueType::kString) return ctx.Error(OpStatus::kWrongType);
  char buf[kIntBufSize];
  ctx.reply->Bulk(ValueOf(e, buf));
}

// SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ts-ms | KEEPTTL]
void CmdSet(CommandContext& ctx, CmdArgs args) {
  StrOptions o;
  if (!ParseStrOptions(args, 3, /*is_set=*/true, &o)) return ctx.Error(OpStatus::kSyntax);
  int64_t when = 0;
  if (o.expire_kind != 0) {
    OpStatus s = ResolveOptionExpire(o, ctx.NowMs(), &when);
    if (s != OpStatus::kOk) return ReplyExpireError(ctx, s);
  }
  const std::string_view key = args[1];
  const bool get = o.flags & kOptGet;
  Entry* e = ctx.store->Find(ctx.db(), key, get ? Lookup::kRead : Lookup::kWrite);
  if (get) {
    if (e != nullptr && e->type() != ValueType::kString) return ctx.Error(OpStatus::kWrongType);
    char buf[kIntBufSize];
    if (e == nullptr) {
      ctx.reply->NullBulk();
    } else {
      ctx.reply->Bulk(ValueOf(e, buf));
    }
  }
  if (((o.flags & kOptNx) && e != nullptr) || ((o.flags & kOptXx) && e == nullptr)) {
    if (!get) ctx.reply->NullBulk();
    return;
  }
  if ((o.flags & kOptKeepTtl) && e != nullptr) when = e->expire_ms();
  WriteString(ctx, e, key, args[2], when);
  if (!get) ctx.reply->Ok();
}

void CmdSetNx(CommandContext& ctx, CmdArgs args) {
  Entry* e = ctx.store->Find(ctx.db(), args[1], Lookup::kWrite);
  if (e != nullptr) return ctx.reply->Integer(0);
  WriteString(ctx, nullptr, args[1], args[2], 0);
  ctx.reply->Integer(1);
}

// SETEX key seconds value / PSETEX key milliseconds value.
void SetWithExpire(CommandContext& ctx, CmdArgs args, bool seconds) {
  int64_t when;
  OpStatus s = ResolveExpire(args[2], seconds, /*absolute=*/false, ctx.NowMs(), &when);
  if (s != OpStatus::kOk) return ReplyExpireError(ctx, s);
  Entry* e = ctx.store->Find(ctx.db(), args[1], Lookup::kWrite);
  WriteString(ctx, e, args[1], args[3], when);
  ctx.reply->Ok();
}
void CmdSetEx(CommandContext& ctx, CmdArgs args) { SetWithExpire(ctx, args, true); }
void CmdPSetEx(CommandContext& ctx, CmdArgs args) { SetWithExpire(ctx, args, false); }

void CmdMGet(CommandContext& ctx, CmdArgs args) {
  ctx.reply->ArrayHeader(static_cast<int64_t>(args.size() - 1));
  char buf[kIntBufSize];
  for (size_t i = 1; i < args.size(); ++i) {
    Entry* e = ctx.store->Find(ctx.db(), args[i], Lookup::kRead);
    if (e == nullptr || e->type() != ValueType::kString) {
      ctx.reply->NullBulk();
    } else {
      ctx.reply->Bulk(ValueOf(e, buf));
    }
  }
}

void CmdMSet(CommandContext& ctx, CmdArgs args) {
  // Arity is -3; the pairs must be complete.
  if ((args.size() - 1) % 2 != 0) return ctx.Error(WrongArityText(ctx.spec->name));
  for (size_t i = 1; i + 1 < args.size(); i += 2) {
    Entry* e = ctx.store->Find(ctx.db(), args[i], Lookup::kWrite);
    WriteString(ctx, e, args[i], args[i + 1], 0);
  }
  ctx.reply->Ok();
}

void CmdMSetNx(CommandContext& ctx, CmdArgs args) {
  if ((args.size() - 1) % 2 != 0) return ctx.Error(WrongArityText(ctx.spec->name));
  for (size_t i = 1; i + 1 < args.size(); i += 2) {
    if (ctx.store->Find(ctx.db(), args[i], Lookup::kWrite) != nullptr) {
      return ctx.reply->Integer(0);
    }
  }
  for (size_t i = 1; i + 1 < args.size(); i += 2) {
    // A key may repeat: the later value wins, as in Redis.
    Entry* e = ctx.store->Find(ctx.db(), args[i], Lookup::kWrite);
    WriteString(ctx, e, args[i], args[i + 1], 0);
  }
  ctx.reply->Integer(1);
}

void CmdGetSet(CommandContext& ctx, CmdArgs args) {
  Entry* e = ctx.store->Find(ctx.db(), args[1], Lookup::kRead);
  if (e == nullptr) {
    ctx.reply->NullBulk();
  } else {
    if (e->type() != ValueType::kString) return ctx.Error(OpStatus::kWrongType);
    char buf[kIntBufSize];
    ctx.reply->Bulk(ValueOf(e, buf));  // copied out before the entry is replaced
  }
  WriteString(ctx, e, args[1], args[2], 0);
}

void CmdGetDel(CommandContext& ctx, CmdArgs args) {
  Entry* e = ctx.store->Find(ctx.db(), args[1], Lookup::kRead);
  if (e == nullptr) return ctx.reply->NullBulk();
  if (e->type() != ValueType::kString) return ctx.Error(OpStatus::kWrongType);
  char buf[kIntBufSize];
  ctx.reply->Bulk(ValueOf(e, buf));
  ctx.store->Erase(ctx.db(), args[1]);
}

// GETEX key [EX s | PX ms | EXAT ts | PXAT ts-ms | PERSIST]
void CmdGetEx(CommandContext& ctx, CmdArgs args) {
  StrOptions o;
  if (!ParseStrOptions(args, 2, /*is_set=*/false, &o)) return ctx.Error(OpStatus::kSyntax);
  const int db = ctx.db();
  Entry* e = ctx.store->Find(db, args[1], Lookup::kRead);
  if (e == nullptr) return ctx.reply->NullBulk();
  if (e->type() != ValueType::kString) return ctx.Error(OpStatus::kWrongType);
  int64_t when = 0;
  const int64_t now = ctx.NowMs();
  if (o.expire_kind != 0) {
    OpStatus s = ResolveOptionExpire(o, now, &when);
    if (s != OpStatus::kOk) return ReplyExpireError(ctx, s);
  }
  char buf[kIntBufSize];
  ctx.reply->Bulk(ValueOf(e, buf));
  if (o.expire_kind != 0) {
    if (when <= now) {
      ctx.store->Erase(db, args[1]);  // EXAT/PXAT in the past
    } else {
      ctx.store->SetExpire(db, e, when);
    }
  } else if ((o.flags & kOptPersist) && e->has_expire()) {
    ctx.store->SetExpire(db, e, 0);
  }
}

// ---------------------------------------------------------------------------
// Counters.

void ReplyIncrement(CommandContext& ctx, std::string_view key, int64_t delta) {
  int64_t result;
  OpStatus s = IncrementInt(ctx, key, delta, &result);
  if (s != OpStatus::kOk) return ctx.Error(s);
  ctx.reply->Integer(result);
}

void CmdIncr(CommandContext& ctx, CmdArgs args) { ReplyIncrement(ctx, args[1], 1); }
void CmdDecr(CommandContext& ctx, CmdArgs args) { ReplyIncrement(ctx, args[1], -1); }

void CmdIncrBy(CommandContext& ctx, CmdArgs args) {
  int64_t delta;
  if (!ParseInt(args[2], &delta)) return ctx.Error(OpStatus::kNotInteger);
  ReplyIncrement(ctx, args[1], delta);
}

void CmdDecrBy(CommandContext& ctx, CmdArgs args) {
  int64_t delta;
  if (!ParseInt(args[2], &delta)) return ctx.Error(OpStatus::kNotInteger);
  if (delta == std::numeric_limits<int64_t>::min()) return ctx.Error(kErrDecrOverflow);
  ReplyIncrement(ctx, args[1], -delta);
}

void CmdIncrByFloat(CommandContext& ctx, CmdArgs args) {
  Entry* e = ctx.store->Find(ctx.db(), args[1], Lookup::kWrite);
  if (e != nullptr && e->type() != ValueType::kString) return ctx.Error(OpStatus::kWrongType);
  long double value = 0;
  char ibuf[kIntBufSize];
  if (e != nullptr && !ParseLongDouble(ValueOf(e, ibuf), &value)) {
    return ctx.Error(OpStatus::kNotFloat);
  }
  long double incr;
  if (!ParseLongDouble(args[2], &incr)) return ctx.Error(OpStatus::kNotFloat);
  value += incr;
  if (std::isnan(value) || std::isinf(value)) return ctx.Error(OpStatus::kNanOrInf);
  // %.17Lf of the largest long double is ~4950 characters.
  char out[5 * 1024 + 64];
  const size_t len = FormatLongDoubleHuman(value, out, sizeof(out));
  if (len == 0) return ctx.Error(OpStatus::kNotFloat);
  const std::string_view result(out, len);
  OverwriteKeepTtl(ctx, e, args[1], result);
  ctx.reply->Bulk(result);
}

// ---------------------------------------------------------------------------
// Lengths and ranges.

void CmdAppend(CommandContext& ctx, CmdArgs args) {
  const std::string_view key = args[1], tail = args[2];
  Entry* e = ctx.store->Find(ctx.db(), key, Lookup::kWrite);
  if (e == nullptr) {
    ctx.store->Put(ctx.db(), Entry::NewString(key, tail));
    return ctx.reply->Integer(static_cast<int64_t>(tail.size()));
  }
  if (e->type() != ValueType::kString) return ctx.Error(OpStatus::kWrongType);
  char buf[kIntBufSize];
  const std::string_view old = ValueOf(e, buf);
  if (ExceedsMaxLength(ctx, static_cast<int64_t>(old.size()), static_cast<int64_t>(tail.size()))) {
    return ctx.Error(OpStatus::kStringTooLong);
  }
  const int64_t new_len = static_cast<int64_t>(old.size() + tail.size());
  if (!tail.empty()) {
    std::string joined;
    joined.reserve(old.size() + tail.size());
    joined.append(old).append(tail);
    OverwriteKeepTtl(ctx, e, key, joined);
  }
  ctx.reply->Integer(new_len);
}

void CmdStrLen(CommandContext& ctx, CmdArgs args) {
  Entry* e = ctx.store->Find(ctx.db(), args[1], Lookup::kRead);
  if (e == nullptr) return ctx.reply->Integer(0);
  if (e->type() != ValueType::kString) return ctx.Error(OpStatus::kWrongType);
  ctx.reply->Integer(static_cast<int64_t>(e->StringLength()));
}

// GETRANGE key start end (and SUBSTR). Both ends inclusive; negative indexes
// count from the end. Redis 7.2 clamps a negative end to 0 rather than
// returning nothing, so GETRANGE s -100 -90 returns the first byte.
void CmdGetRange(CommandContext& ctx, CmdArgs args) {
  int64_t start, end;
  if (!ParseInt(args[2], &start) || !ParseInt(args[3], &end)) {
    return ctx.Error(OpStatus::kNotInteger);
  }
  Entry* e = ctx.store->Find(ctx.db(), args[1], Lookup::kRead);
  if (e == nullptr) return ctx.reply->Bulk("");
  if (e->type() != ValueType::kString) return ctx.Error(OpStatus::kWrongType);
  char buf[kIntBufSize];
  const std::string_view s = ValueOf(e, buf);
  const int64_t len = static_cast<int64_t>(s.size());
  if (start < 0 && end < 0 && start > end) return ctx.reply->Bulk("");
  if (start < 0) start += len;
  if (end < 0) end += len;
  start = std::max<int64_t>(start, 0);
  end = std::max<int64_t>(end, 0);
  if (end >= len) end = len - 1;
  if (len == 0 || start > end) return ctx.reply->Bulk("");
  ctx.reply->Bulk(s.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
}

void CmdSetRange(CommandContext& ctx, CmdArgs args) {
  int64_t offset;
  if (!ParseInt(args[2], &offset)) return ctx.Error(OpStatus::kNotInteger);
  if (offset < 0) return ctx.Error(kErrOffsetRange);
  const std::string_view key = args[1], patch = args[3];
  Entry* e = ctx.store->Find(ctx.db(), key, Lookup::kWrite);
  if (e != nullptr && e->type() != ValueType::kString) return ctx.Error(OpStatus::kWrongType);
  char buf[kIntBufSize];
  const std::string_view old = e != nullptr ? ValueOf(e, buf) : std::string_view();
  // Writing nothing changes nothing (and creates no key).
  if (patch.empty()) return ctx.reply->Integer(static_cast<int64_t>(old.size()));
  if (ExceedsMaxLength(ctx, offset, static_cast<int64_t>(patch.size()))) {
    return ctx.Error(OpStatus::kStringTooLong);
  }
  const size_t off = static_cast<size_t>(offset);
  std::string value(std::max(old.size(), off + patch.size()), '\0');
  if (!old.empty()) std::memcpy(value.data(), old.data(), old.size());
  std::memcpy(value.data() + off, patch.data(), patch.size());
  OverwriteKeepTtl(ctx, e, key, value);
  ctx.reply->Integer(static_cast<int64_t>(value.size()));
}

// ---------------------------------------------------------------------------
// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]

struct LcsMatch {
  uint32_t a_start, a_end, b_start, b_end;
};

struct LcsResult {
  uint32_t length = 0;
  std::string text;              // the LCS itself, when wanted
  std::vector<LcsMatch> matches;  // last to first, as Redis lists them
};

// Classic dynamic programming over a (|a|+1) x (|b|+1) table, then a walk
// back from the end collecting contiguous runs. Ties step back in b first,
// which is what makes the chosen LCS (and its ranges) the same as Redis's.
void ComputeLcs(std::string_view a, std::string_view b, bool want_text, bool want_matches,
                uint32_t min_match_len, LcsResult* out) {
  const size_t alen = a.size(), blen = b.size(), cols = blen + 1;
  std::vector<uint32_t> dp((alen + 1) * cols, 0);
  for (size_t i = 1; i <= alen; ++i) {
    for (size_t j = 1; j <= blen; ++j) {
      dp[i * cols + j] = a[i - 1] == b[j - 1]
                             ? dp[(i - 1) * cols + j - 1] + 1
                             : std::max(dp[(i - 1) * cols + j], dp[i * cols + j - 1]);
    }
  }
  out->length = dp[alen * cols + blen];
  if (!want_text && !want_matches) return;
  if (want_text) out->text.assign(out->length, '\0');

  size_t i = alen, j = blen, idx = out->length;
  bool in_run = false;
  LcsMatch run{};
  while (i > 0 && j > 0) {
    bool emit = false;
    if (a[i - 1] == b[j - 1]) {
      if (want_text) out->text[idx - 1] = a[i - 1];
      if (!in_run) {
        in_run = true;
        run = {static_cast<uint32_t>(i - 1), static_cast<uint32_t>(i - 1),
               static_cast<uint32_t>(j - 1), static_cast<uint32_t>(j - 1)};
      } else {
        // After a match the walk always continues diagonally, so the run
        // extends backwards by one in both strings.
        run.a_start--;
        run.b_start--;
      }
      if (run.a_start == 0 || run.b_start == 0) emit = true;
      --idx;
      --i;
      --j;
    } else {
      if (dp[(i - 1) * cols + j] > dp[i * cols + j - 1]) {
        --i;
      } else {
        --j;
      }
      emit = in_run;
    }
    if (emit) {
      const uint32_t len = run.a_end - run.a_start + 1;
      if (want_matches && (min_match_len == 0 || len >= min_match_len)) {
        out->matches.push_back(run);
      }
      in_run = false;
    }
  }
}

void CmdLcs(CommandContext& ctx, CmdArgs args) {
  Entry* ea = ctx.store->Find(ctx.db(), args[1], Lookup::kRead);
  Entry* eb = ctx.store->Find(ctx.db(), args[2], Lookup::kRead);
  if ((ea != nullptr && ea->type() != ValueType::kString) ||
      (eb != nullptr && eb->type() != ValueType::kString)) {
    return ctx.Error(kErrLcsType);
  }
  bool get_len = false, get_idx = false, with_match_len = false;
  int64_t min_match_len = 0;
  for (size_t j = 3; j < args.size(); ++j) {
    if (ArgIs(args[j], "LEN")) {
      get_len = true;
    } else if (ArgIs(args[j], "IDX")) {
      get_idx = true;
    } else if (ArgIs(args[j], "WITHMATCHLEN")) {
      with_match_len = true;
    } else if (ArgIs(args[j], "MINMATCHLEN") && j + 1 < args.size()) {
      if (!ParseInt(args[++j], &min_match_len)) return ctx.Error(OpStatus::kNotInteger);
      if (min_match_len < 0) min_match_len = 0;
    } else {
      return ctx.Error(OpStatus::kSyntax);
    }
  }
  if (get_len && get_idx) return ctx.Error(kErrLcsLenAndIdx);

  char abuf[kIntBufSize], bbuf[kIntBufSize];
  const std::string_view a = ea != nullptr ? ValueOf(ea, abuf) : std::string_view();
  const std::string_view b = eb != nullptr ? ValueOf(eb, bbuf) : std::string_view();
  // The table is transient but may be large: bound it as Redis does.
  const uint64_t cells = static_cast<uint64_t>(a.size() + 1) * (b.size() + 1);
  if (cells * sizeof(uint32_t) > static_cast<uint64_t>(ProtoMaxBulkLen(ctx))) {
    return ctx.Error(kErrLcsMemory);
  }
  const uint32_t min_len = static_cast<uint32_t>(
      std::min<int64_t>(min_match_len, std::numeric_limits<uint32_t>::max()));
  LcsResult r;
  ComputeLcs(a, b, /*want_text=*/!get_len && !get_idx, get_idx, min_len, &r);

  if (get_len) return ctx.reply->Integer(r.length);
  if (!get_idx) return ctx.reply->Bulk(r.text);
  ReplyBuilder& out = *ctx.reply;
  out.MapHeader(2);
  out.Bulk("matches");
  out.ArrayHeader(static_cast<int64_t>(r.matches.size()));
  for (const LcsMatch& m : r.matches) {
    out.ArrayHeader(with_match_len ? 3 : 2);
    out.ArrayHeader(2);
    out.Integer(m.a_start);
    out.Integer(m.a_end);
    out.ArrayHeader(2);
    out.Integer(m.b_start);
    out.Integer(m.b_end);
    if (with_match_len) out.Integer(m.a_end - m.a_start + 1);
  }
  out.Bulk("len");
  out.Integer(r.length);
}

// ---------------------------------------------------------------------------
// Registration.

constexpr std::string_view kRangeComplexity =
    "O(N) where N is the length of the returned string. The complexity is ultimately "
    "determined by the returned length, but because creating a substring from an existing "
    "string is very cheap, it can be considered O(1) for small strings.";

// One key at position 1, as most string commands.
CommandSpec OneKey(std::string_view name, int arity, uint32_t flags, CommandHandler handler,
                   std::string_view acl, std::string_view since, std::string_view summary,
                   std::string_view syntax, std::string_view complexity = "O(1)") {
  CommandSpec s;
  s.name = name;
  s.arity = arity;
  s.flags = flags;
  s.first_key = 1;
  s.last_key = 1;
  s.key_step = 1;
  s.handler = handler;
  s.group = "string";
  s.summary = summary;
  s.since = since;
  s.complexity = complexity;
  s.syntax = syntax;
  s.acl_categories = acl;
  return s;
}

}  // namespace

void RegisterStringCommands(CommandTable* table) {
  constexpr uint32_t kRo = kCmdReadOnly, kW = kCmdWrite, kOom = kCmdDenyOom, kFast = kCmdFast;
  constexpr std::string_view kReadFast = "@read @string @fast";
  constexpr std::string_view kReadSlow = "@read @string @slow";
  constexpr std::string_view kWriteFast = "@write @string @fast";
  constexpr std::string_view kWriteSlow = "@write @string @slow";
  constexpr std::string_view kSetSyntax =
      "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | "
      "PXAT unix-time-milliseconds | KEEPTTL]";
  constexpr std::string_view kGetExSyntax =
      "key [EX seconds | PX milliseconds | EXAT unix-time-seconds | "
      "PXAT unix-time-milliseconds | PERSIST]";

  table->Register(OneKey("get", 2, kRo | kFast, &CmdGet, kReadFast, "1.0.0",
                         "Returns the string value of a key.", "key"));
  table->Register(OneKey(
      "set", -3, kW | kOom, &CmdSet, kWriteSlow, "1.0.0",
      "Sets the string value of a key, ignoring its type. The key is created if it doesn't "
      "exist.",
      kSetSyntax));
  table->Register(OneKey("setnx", 3, kW | kOom | kFast, &CmdSetNx, kWriteFast, "1.0.0",
                         "Set the string value of a key only when the key doesn't exist.",
                         "key value"));
  table->Register(OneKey("setex", 4, kW | kOom, &CmdSetEx, kWriteSlow, "2.0.0",
                         "Sets the string value and expiration time of a key. Creates the key "
                         "if it doesn't exist.",
                         "key seconds value"));
  table->Register(OneKey("psetex", 4, kW | kOom, &CmdPSetEx, kWriteSlow, "2.6.0",
                         "Sets both string value and expiration time in milliseconds of a "
                         "key. The key is created if it doesn't exist.",
                         "key milliseconds value"));

  CommandSpec mget = OneKey("mget", -2, kRo | kFast, &CmdMGet, kReadFast, "1.0.0",
                            "Atomically returns the string values of one or more keys.",
                            "key [key ...]", "O(N) where N is the number of keys to retrieve.");
  mget.last_key = -1;
  table->Register(std::move(mget));
  CommandSpec mset = OneKey("mset", -3, kW | kOom, &CmdMSet, kWriteSlow, "1.0.1",
                            "Atomically creates or modifies the string values of one or more "
                            "keys.",
                            "key value [key value ...]",
                            "O(N) where N is the number of keys to set.");
  mset.last_key = -1;
  mset.key_step = 2;
  table->Register(std::move(mset));
  CommandSpec msetnx = OneKey("msetnx", -3, kW | kOom, &CmdMSetNx, kWriteSlow, "1.0.1",
                              "Atomically modifies the string values of one or more keys only "
                              "when all keys don't exist.",
                              "key value [key value ...]",
                              "O(N) where N is the number of keys to set.");
  msetnx.last_key = -1;
  msetnx.key_step = 2;
  table->Register(std::move(msetnx));

  table->Register(OneKey("getset", 3, kW | kOom | kFast, &CmdGetSet, kWriteFast, "1.0.0",
                         "Returns the previous string value of a key after setting it to a "
                         "new value.",
                         "key value"));
  table->Register(OneKey("getdel", 2, kW | kFast, &CmdGetDel, kWriteFast, "6.2.0",
                         "Returns the string value of a key after deleting the key.", "key"));
  table->Register(OneKey("getex", -2, kW | kFast, &CmdGetEx, kWriteFast, "6.2.0",
                         "Returns the string value of a key after setting its expiration "
                         "time.",
                         kGetExSyntax));

  table->Register(OneKey("incr", 2, kW | kOom | kFast, &CmdIncr, kWriteFast, "1.0.0",
                         "Increments the integer value of a key by one. Uses 0 as initial "
                         "value if the key doesn't exist.",
                         "key"));
  table->Register(OneKey("decr", 2, kW | kOom | kFast, &CmdDecr, kWriteFast, "1.0.0",
                         "Decrements the integer value of a key by one. Uses 0 as initial "
                         "value if the key doesn't exist.",
                         "key"));
  table->Register(OneKey("incrby", 3, kW | kOom | kFast, &CmdIncrBy, kWriteFast, "1.0.0",
                         "Increments the integer value of a key by a number. Uses 0 as "
                         "initial value if the key doesn't exist.",
                         "key increment"));
  table->Register(OneKey("decrby", 3, kW | kOom | kFast, &CmdDecrBy, kWriteFast, "1.0.0",
                         "Decrements a number from the integer value of a key. Uses 0 as "
                         "initial value if the key doesn't exist.",
                         "key decrement"));
  table->Register(OneKey("incrbyfloat", 3, kW | kOom | kFast, &CmdIncrByFloat, kWriteFast,
                         "2.6.0",
                         "Increment the floating point value of a key by a number. Uses 0 as "
                         "initial value if the key doesn't exist.",
                         "key increment"));

  table->Register(OneKey(
      "append", 3, kW | kOom | kFast, &CmdAppend, kWriteFast, "2.0.0",
      "Appends a string to the value of a key. Creates the key if it doesn't exist.",
      "key value",
      "O(1). The amortized time complexity is O(1) assuming the appended value is small and "
      "the already present value is of any size, since the dynamic string library used by "
      "Redis will double the free space available on every reallocation."));
  table->Register(OneKey("strlen", 2, kRo | kFast, &CmdStrLen, kReadFast, "2.2.0",
                         "Returns the length of a string value.", "key"));
  table->Register(OneKey("getrange", 4, kRo, &CmdGetRange, kReadSlow, "2.4.0",
                         "Returns a substring of the string stored at a key.", "key start end",
                         kRangeComplexity));
  table->Register(OneKey("substr", 4, kRo, &CmdGetRange, kReadSlow, "1.0.0",
                         "Returns a substring from a string value.", "key start end",
                         kRangeComplexity));
  table->Register(OneKey(
      "setrange", 4, kW | kOom, &CmdSetRange, kWriteSlow, "2.2.0",
      "Overwrites a part of a string value with another by an offset. Creates the key if it "
      "doesn't exist.",
      "key offset value",
      "O(1), not counting the time taken to copy the new string in place. Usually, this "
      "string is very small so the amortized complexity is O(1). Otherwise, complexity is "
      "O(M) with M being the length of the value argument."));

  CommandSpec lcs = OneKey("lcs", -3, kRo, &CmdLcs, kReadSlow, "7.0.0",
                           "Finds the longest common substring.",
                           "key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]",
                           "O(N*M) where N and M are the lengths of s1 and s2, respectively");
  lcs.last_key = 2;
  table->Register(std::move(lcs));
}

}  // namespace shoal
