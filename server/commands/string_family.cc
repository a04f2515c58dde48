// The string family: GET SET SETNX SETEX PSETEX MGET MSET MSETNX GETSET GETDEL
// GETEX INCR DECR INCRBY DECRBY INCRBYFLOAT, with Redis 7.2's replies and
// error texts; APPEND STRLEN GETRANGE SUBSTR SETRANGE are in
// string_range_family.cc and LCS in string_lcs_family.cc (string_family.h).
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
// MarkModified), SET of an integer over an int-encoded entry with the same
// TTL does the same, and a SET whose value fits the old entry's block is
// written into it (Store::OverwriteString). Everything else that changes a
// value's length builds a new entry (see entry.h) and swaps it in with
// Store::Replace, carrying the old expire along where Redis keeps the TTL
// (INCR*, APPEND, SETRANGE) and dropping it where Redis does (SET without
// KEEPTTL, GETSET, MSET). GET, SET and INCR hash their key once
// (CommandContext::Key) for all their store calls.
//
// Called on a worker thread by the Dispatcher, which has already checked
// arity and locked the stripes of every key argument.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string_view>

#include "server/commands/families.h"
#include "server/commands/key_batches.h"
#include "server/commands/string_family.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/command_context.h"
#include "server/events/notify.h"
#include "server/dispatch/errors.h"
#include "server/store/entry.h"
#include "server/store/store.h"

namespace shoal {

int64_t ProtoMaxBulkLen(const CommandContext& ctx) {
  if (ctx.server == nullptr) return 512LL * 1024 * 1024;
  return ctx.server->runtime().proto_max_bulk_len.load(std::memory_order_relaxed);
}

namespace string_family {

void NotifyWrite(CommandContext& ctx, std::string_view key, bool created,
                 std::string_view event, bool expire) {
  if (created) Notify(ctx, kNotifyNew, "new", key);
  Notify(ctx, kNotifyString, event, key);
  if (expire) Notify(ctx, kNotifyGeneric, "expire", key);
}

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

}  // namespace string_family

namespace {

using Lookup = Store::Lookup;
using string_family::NotifyWrite;
using string_family::OverwriteKeepTtl;

constexpr std::string_view kErrDecrOverflow = "ERR decrement would overflow";

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
// entry with the same expire is changed in place. An expire already in the
// past (SET ... EXAT/PXAT) is stored as it is, as redis-server does: the
// key is logically gone at once, and the next lookup or the expiry cycle
// deletes it with an `expired` event and counts it in expired_keys.
void WriteString(CommandContext& ctx, Entry* existing, const HashedKey& key,
                 std::string_view value, int64_t expire_ms) {
  const int db = ctx.db();
  if (existing != nullptr && existing->type() == ValueType::kString &&
      existing->encoding() == Encoding::kInt && existing->expire_ms() == expire_ms) {
    int64_t v;
    if (value.size() <= 20 && ParseInt64Strict(value, &v)) {
      existing->set_int_value(v);
      ctx.store->MarkModified(db, key);
      return;
    }
  }
  if (existing != nullptr && ctx.store->OverwriteString(db, key, existing, value, expire_ms)) {
    return;
  }
  Entry* e = Entry::NewString(key.key, value, expire_ms);
  if (existing != nullptr) {
    ctx.store->Replace(db, key, existing, e);
  } else {
    ctx.store->Put(db, key, e);
  }
}
void WriteString(CommandContext& ctx, Entry* existing, std::string_view key,
                 std::string_view value, int64_t expire_ms) {
  WriteString(ctx, existing, HashedKey(key), value, expire_ms);
}

// Adds `delta` to the integer at `key`, creating it at 0. Int-encoded values
// are updated in place.
OpStatus IncrementInt(CommandContext& ctx, std::string_view key_arg, int64_t delta,
                      int64_t* result) {
  const int db = ctx.db();
  const HashedKey key = ctx.Key(key_arg);
  Entry* e = ctx.store->Find(db, key, Lookup::kWrite);
  if (e == nullptr) {
    ctx.store->Put(db, key, Entry::NewInt(key_arg, delta));
    *result = delta;
    NotifyWrite(ctx, key_arg, /*created=*/true, "incrby");
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
    ctx.store->Replace(db, key, e, Entry::NewInt(key_arg, *result, e->expire_ms()));
  }
  NotifyWrite(ctx, key_arg, /*created=*/false, "incrby");
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
  Entry* e = ctx.store->Find(ctx.db(), ctx.Key(args[1]), Lookup::kRead);
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
  const HashedKey key = ctx.Key(args[1]);
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
  const bool created = e == nullptr;
  if ((o.flags & kOptKeepTtl) && e != nullptr) when = e->expire_ms();
  WriteString(ctx, e, key, args[2], when);
  NotifyWrite(ctx, args[1], created, "set", o.expire_kind != 0 && !(o.flags & kOptKeepTtl));
  if (!get) ctx.reply->Ok();
}

void CmdSetNx(CommandContext& ctx, CmdArgs args) {
  Entry* e = ctx.store->Find(ctx.db(), args[1], Lookup::kWrite);
  if (e != nullptr) return ctx.reply->Integer(0);
  WriteString(ctx, nullptr, args[1], args[2], 0);
  NotifyWrite(ctx, args[1], /*created=*/true, "set");
  ctx.reply->Integer(1);
}

// SETEX key seconds value / PSETEX key milliseconds value.
void SetWithExpire(CommandContext& ctx, CmdArgs args, bool seconds) {
  int64_t when;
  OpStatus s = ResolveExpire(args[2], seconds, /*absolute=*/false, ctx.NowMs(), &when);
  if (s != OpStatus::kOk) return ReplyExpireError(ctx, s);
  Entry* e = ctx.store->Find(ctx.db(), args[1], Lookup::kWrite);
  const bool created = e == nullptr;
  WriteString(ctx, e, args[1], args[3], when);
  NotifyWrite(ctx, args[1], created, "set", /*expire=*/true);
  ctx.reply->Ok();
}
void CmdSetEx(CommandContext& ctx, CmdArgs args) { SetWithExpire(ctx, args, true); }
void CmdPSetEx(CommandContext& ctx, CmdArgs args) { SetWithExpire(ctx, args, false); }

void CmdMGet(CommandContext& ctx, CmdArgs args) {
  ctx.reply->ArrayHeader(static_cast<int64_t>(args.size() - 1));
  char buf[kIntBufSize];
  ForEachKeyPrefetched(ctx, args, 1, 1, [&](size_t, const HashedKey& key) {
    Entry* e = ctx.store->Find(ctx.db(), key, Lookup::kRead);
    if (e == nullptr || e->type() != ValueType::kString) {
      ctx.reply->NullBulk();
    } else {
      ctx.reply->Bulk(ValueOf(e, buf));
    }
  });
}

void CmdMSet(CommandContext& ctx, CmdArgs args) {
  // Arity is -3; the pairs must be complete.
  if ((args.size() - 1) % 2 != 0) return ctx.Error(WrongArityText(ctx.spec->name));
  ForEachKeyPrefetched(ctx, args, 1, 2, [&](size_t i, const HashedKey& key) {
    Entry* e = ctx.store->Find(ctx.db(), key, Lookup::kWrite);
    const bool created = e == nullptr;
    WriteString(ctx, e, key, args[i + 1], 0);
    NotifyWrite(ctx, args[i], created, "set");
  });
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
    const bool created = e == nullptr;
    WriteString(ctx, e, args[i], args[i + 1], 0);
    NotifyWrite(ctx, args[i], created, "set");
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
  const bool created = e == nullptr;
  WriteString(ctx, e, args[1], args[2], 0);
  NotifyWrite(ctx, args[1], created, "set");
}

void CmdGetDel(CommandContext& ctx, CmdArgs args) {
  Entry* e = ctx.store->Find(ctx.db(), args[1], Lookup::kRead);
  if (e == nullptr) return ctx.reply->NullBulk();
  if (e->type() != ValueType::kString) return ctx.Error(OpStatus::kWrongType);
  char buf[kIntBufSize];
  ctx.reply->Bulk(ValueOf(e, buf));
  ctx.store->Erase(ctx.db(), args[1]);
  Notify(ctx, kNotifyGeneric, "del", args[1]);
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
      Notify(ctx, kNotifyGeneric, "del", args[1]);
    } else {
      ctx.store->SetExpire(db, e, when);
      Notify(ctx, kNotifyGeneric, "expire", args[1]);
    }
  } else if ((o.flags & kOptPersist) && e->has_expire()) {
    ctx.store->SetExpire(db, e, 0);
    Notify(ctx, kNotifyGeneric, "persist", args[1]);
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
  NotifyWrite(ctx, args[1], e == nullptr, "incrbyfloat");
  ctx.reply->Bulk(result);
}

}  // namespace

void RegisterStringCommands(CommandTable* table) {
  constexpr uint32_t kRo = kCmdReadOnly, kW = kCmdWrite, kOom = kCmdDenyOom, kFast = kCmdFast;
  constexpr std::string_view kReadFast = "@read @string @fast";
  constexpr std::string_view kWriteFast = "@write @string @fast";
  constexpr std::string_view kWriteSlow = "@write @string @slow";
  constexpr std::string_view kSetSyntax =
      "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | "
      "PXAT unix-time-milliseconds | KEEPTTL]";
  constexpr std::string_view kGetExSyntax =
      "key [EX seconds | PX milliseconds | EXAT unix-time-seconds | "
      "PXAT unix-time-milliseconds | PERSIST]";

  table->Register(MakeSpec("get", 2, kRo | kFast, kOneKey, &CmdGet,
                           {.group = "string",
                            .since = "1.0.0",
                            .summary = "Returns the string value of a key.",
                            .complexity = "O(1)",
                            .syntax = "key",
                            .acl_categories = kReadFast}));
  table->Register(MakeSpec(
      "set", -3, kW | kOom, kOneKey, &CmdSet,
      {.group = "string",
       .since = "1.0.0",
       .summary =
           "Sets the string value of a key, ignoring its type. The key is created if it doesn't "
           "exist.",
       .complexity = "O(1)",
       .syntax = kSetSyntax,
       .acl_categories = kWriteSlow}));
  table->Register(
      MakeSpec("setnx", 3, kW | kOom | kFast, kOneKey, &CmdSetNx,
               {.group = "string",
                .since = "1.0.0",
                .summary = "Set the string value of a key only when the key doesn't exist.",
                .complexity = "O(1)",
                .syntax = "key value",
                .acl_categories = kWriteFast}));
  table->Register(
      MakeSpec("setex", 4, kW | kOom, kOneKey, &CmdSetEx,
               {.group = "string",
                .since = "2.0.0",
                .summary = "Sets the string value and expiration time of a key. Creates the key "
                           "if it doesn't exist.",
                .complexity = "O(1)",
                .syntax = "key seconds value",
                .acl_categories = kWriteSlow}));
  table->Register(
      MakeSpec("psetex", 4, kW | kOom, kOneKey, &CmdPSetEx,
               {.group = "string",
                .since = "2.6.0",
                .summary = "Sets both string value and expiration time in milliseconds of a "
                           "key. The key is created if it doesn't exist.",
                .complexity = "O(1)",
                .syntax = "key milliseconds value",
                .acl_categories = kWriteSlow}));

  CommandSpec mget =
      MakeSpec("mget", -2, kRo | kFast, kOneKey, &CmdMGet,
               {.group = "string",
                .since = "1.0.0",
                .summary = "Atomically returns the string values of one or more keys.",
                .complexity = "O(N) where N is the number of keys to retrieve.",
                .syntax = "key [key ...]",
                .acl_categories = kReadFast});
  mget.last_key = -1;
  table->Register(std::move(mget));
  CommandSpec mset =
      MakeSpec("mset", -3, kW | kOom, kOneKey, &CmdMSet,
               {.group = "string",
                .since = "1.0.1",
                .summary = "Atomically creates or modifies the string values of one or more "
                           "keys.",
                .complexity = "O(N) where N is the number of keys to set.",
                .syntax = "key value [key value ...]",
                .acl_categories = kWriteSlow});
  mset.last_key = -1;
  mset.key_step = 2;
  table->Register(std::move(mset));
  CommandSpec msetnx =
      MakeSpec("msetnx", -3, kW | kOom, kOneKey, &CmdMSetNx,
               {.group = "string",
                .since = "1.0.1",
                .summary = "Atomically modifies the string values of one or more keys only "
                           "when all keys don't exist.",
                .complexity = "O(N) where N is the number of keys to set.",
                .syntax = "key value [key value ...]",
                .acl_categories = kWriteSlow});
  msetnx.last_key = -1;
  msetnx.key_step = 2;
  table->Register(std::move(msetnx));

  table->Register(
      MakeSpec("getset", 3, kW | kOom | kFast, kOneKey, &CmdGetSet,
               {.group = "string",
                .since = "1.0.0",
                .summary = "Returns the previous string value of a key after setting it to a "
                           "new value.",
                .complexity = "O(1)",
                .syntax = "key value",
                .acl_categories = kWriteFast}));
  table->Register(MakeSpec("getdel", 2, kW | kFast, kOneKey, &CmdGetDel,
                           {.group = "string",
                            .since = "6.2.0",
                            .summary = "Returns the string value of a key after deleting the key.",
                            .complexity = "O(1)",
                            .syntax = "key",
                            .acl_categories = kWriteFast}));
  table->Register(
      MakeSpec("getex", -2, kW | kFast, kOneKey, &CmdGetEx,
               {.group = "string",
                .since = "6.2.0",
                .summary = "Returns the string value of a key after setting its expiration "
                           "time.",
                .complexity = "O(1)",
                .syntax = kGetExSyntax,
                .acl_categories = kWriteFast}));

  table->Register(
      MakeSpec("incr", 2, kW | kOom | kFast, kOneKey, &CmdIncr,
               {.group = "string",
                .since = "1.0.0",
                .summary = "Increments the integer value of a key by one. Uses 0 as initial "
                           "value if the key doesn't exist.",
                .complexity = "O(1)",
                .syntax = "key",
                .acl_categories = kWriteFast}));
  table->Register(
      MakeSpec("decr", 2, kW | kOom | kFast, kOneKey, &CmdDecr,
               {.group = "string",
                .since = "1.0.0",
                .summary = "Decrements the integer value of a key by one. Uses 0 as initial "
                           "value if the key doesn't exist.",
                .complexity = "O(1)",
                .syntax = "key",
                .acl_categories = kWriteFast}));
  table->Register(
      MakeSpec("incrby", 3, kW | kOom | kFast, kOneKey, &CmdIncrBy,
               {.group = "string",
                .since = "1.0.0",
                .summary = "Increments the integer value of a key by a number. Uses 0 as "
                           "initial value if the key doesn't exist.",
                .complexity = "O(1)",
                .syntax = "key increment",
                .acl_categories = kWriteFast}));
  table->Register(
      MakeSpec("decrby", 3, kW | kOom | kFast, kOneKey, &CmdDecrBy,
               {.group = "string",
                .since = "1.0.0",
                .summary = "Decrements a number from the integer value of a key. Uses 0 as "
                           "initial value if the key doesn't exist.",
                .complexity = "O(1)",
                .syntax = "key decrement",
                .acl_categories = kWriteFast}));
  table->Register(
      MakeSpec("incrbyfloat", 3, kW | kOom | kFast, kOneKey, &CmdIncrByFloat,
               {.group = "string",
                .since = "2.6.0",
                .summary = "Increment the floating point value of a key by a number. Uses 0 as "
                           "initial value if the key doesn't exist.",
                .complexity = "O(1)",
                .syntax = "key increment",
                .acl_categories = kWriteFast}));

  RegisterStringRangeCommands(table);
  RegisterLcsCommand(table);
}

}  // namespace shoal
