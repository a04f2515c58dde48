// Time-to-live commands: EXPIRE PEXPIRE EXPIREAT PEXPIREAT (with NX XX GT
// LT), TTL PTTL EXPIRETIME PEXPIRETIME, PERSIST.
//
// Expire times are absolute unix milliseconds everywhere (Entry, Store);
// relative arguments are turned into absolute ones against the injected clock
// (ctx.NowMs()), with Redis's overflow rules: a seconds argument must survive
// the multiplication by 1000 and a relative one the addition of now, else
// "invalid expire time". A time at or before now deletes the key at once and
// still replies 1, as Redis does.
//
// A key without a TTL counts as an infinite TTL for GT and LT: GT never
// applies to it, LT always does.
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "server/commands/keys_family.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/command_context.h"
#include "server/events/notify.h"

namespace shoal {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

enum ExpireFlag : uint32_t { kNx = 1, kXx = 2, kGt = 4, kLt = 8 };

// Parses [NX | XX | GT | LT] from args[3...]; replies and returns false on an
// unknown or incompatible option.
bool ParseExpireFlags(CommandContext& ctx, CmdArgs args, uint32_t* flags) {
  *flags = 0;
  for (size_t i = 3; i < args.size(); ++i) {
    if (ArgIs(args[i], "nx")) {
      *flags |= kNx;
    } else if (ArgIs(args[i], "xx")) {
      *flags |= kXx;
    } else if (ArgIs(args[i], "gt")) {
      *flags |= kGt;
    } else if (ArgIs(args[i], "lt")) {
      *flags |= kLt;
    } else {
      ctx.Error("ERR Unsupported option " + std::string(args[i]));
      return false;
    }
  }
  if ((*flags & kNx) && (*flags & (kXx | kGt | kLt))) {
    ctx.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
    return false;
  }
  if ((*flags & kGt) && (*flags & kLt)) {
    ctx.Error("ERR GT and LT options at the same time are not compatible");
    return false;
  }
  return true;
}

// Whether the flags allow replacing `current` (-1 = no TTL) by `when`.
bool FlagsAllow(uint32_t flags, int64_t current, int64_t when) {
  if ((flags & kNx) && current != -1) return false;
  if ((flags & kXx) && current == -1) return false;
  if ((flags & kGt) && (current == -1 || when <= current)) return false;
  if ((flags & kLt) && current != -1 && when >= current) return false;
  return true;
}

// EXPIRE & co: `relative` adds now, `seconds` scales by 1000.
void ExpireGeneric(CommandContext& ctx, CmdArgs args, bool relative, bool seconds) {
  uint32_t flags;
  if (!ParseExpireFlags(ctx, args, &flags)) return;
  int64_t when;
  if (!ParseInt(args[2], &when)) {
    ctx.Error(kErrNotInteger);
    return;
  }
  if (seconds) {
    if (when > kMax / 1000 || when < kMin / 1000) {
      ctx.Error(InvalidExpireText(ctx.spec->name));
      return;
    }
    when *= 1000;
  }
  const int64_t now = ctx.NowMs();
  if (relative) {
    if (when > kMax - now) {
      ctx.Error(InvalidExpireText(ctx.spec->name));
      return;
    }
    when += now;
  }
  const int db = ctx.db();
  Entry* e = ctx.store->Find(db, args[1], Store::Lookup::kWrite);
  if (e == nullptr) {
    ctx.reply->Integer(0);
    return;
  }
  const int64_t current = e->has_expire() ? e->expire_ms() : -1;
  if (!FlagsAllow(flags, current, when)) {
    ctx.reply->Integer(0);
    return;
  }
  // A time already past deletes the key: Redis publishes "del", not "expire".
  if (when <= now) {
    ctx.store->Erase(db, args[1]);
    Notify(ctx, kNotifyGeneric, "del", args[1]);
  } else {
    ctx.store->SetExpire(db, e, when);
    Notify(ctx, kNotifyGeneric, "expire", args[1]);
  }
  ctx.reply->Integer(1);
}

void CmdExpire(CommandContext& ctx, CmdArgs args) { ExpireGeneric(ctx, args, true, true); }
void CmdPExpire(CommandContext& ctx, CmdArgs args) { ExpireGeneric(ctx, args, true, false); }
void CmdExpireAt(CommandContext& ctx, CmdArgs args) { ExpireGeneric(ctx, args, false, true); }
void CmdPExpireAt(CommandContext& ctx, CmdArgs args) { ExpireGeneric(ctx, args, false, false); }

// Milliseconds to seconds rounded to the nearest (half up), without the
// overflow of (ms + 500) / 1000 near INT64_MAX. ms >= 0.
int64_t RoundToSeconds(int64_t ms) { return ms / 1000 + (ms % 1000 >= 500 ? 1 : 0); }

// TTL & co: -2 for a missing key, -1 for a key without TTL; `absolute` gives
// the expire time instead of the time left.
void TtlGeneric(CommandContext& ctx, CmdArgs args, bool in_ms, bool absolute) {
  const Entry* e = ctx.store->Find(ctx.db(), args[1], Store::Lookup::kRead);
  if (e == nullptr) {
    ctx.reply->Integer(-2);
    return;
  }
  if (!e->has_expire()) {
    ctx.reply->Integer(-1);
    return;
  }
  int64_t t = absolute ? e->expire_ms() : e->expire_ms() - ctx.NowMs();
  if (t < 0) t = 0;
  ctx.reply->Integer(in_ms ? t : RoundToSeconds(t));
}

void CmdTtl(CommandContext& ctx, CmdArgs args) { TtlGeneric(ctx, args, false, false); }
void CmdPTtl(CommandContext& ctx, CmdArgs args) { TtlGeneric(ctx, args, true, false); }
void CmdExpireTime(CommandContext& ctx, CmdArgs args) { TtlGeneric(ctx, args, false, true); }
void CmdPExpireTime(CommandContext& ctx, CmdArgs args) { TtlGeneric(ctx, args, true, true); }

void CmdPersist(CommandContext& ctx, CmdArgs args) {
  const int db = ctx.db();
  Entry* e = ctx.store->Find(db, args[1], Store::Lookup::kWrite);
  if (e == nullptr || !e->has_expire()) {
    ctx.reply->Integer(0);
    return;
  }
  ctx.store->SetExpire(db, e, 0);
  Notify(ctx, kNotifyGeneric, "persist", args[1]);
  ctx.reply->Integer(1);
}

// The four setters and the four getters differ only in name and docs.
CommandSpec Setter(std::string_view name, CommandHandler handler, std::string_view since,
                   std::string_view summary, std::string_view syntax) {
  return MakeSpec(name, -3, kCmdWrite | kCmdFast, {1, 1, 1}, handler,
                  {.group = "generic",
                   .since = since,
                   .summary = summary,
                   .complexity = "O(1)",
                   .syntax = syntax,
                   .acl_categories = "@keyspace @write @fast"});
}

CommandSpec Getter(std::string_view name, CommandHandler handler, std::string_view since,
                   std::string_view summary) {
  return MakeSpec(name, 2, kCmdReadOnly | kCmdFast, {1, 1, 1}, handler,
                  {.group = "generic",
                   .since = since,
                   .summary = summary,
                   .complexity = "O(1)",
                   .syntax = "key",
                   .acl_categories = "@keyspace @read @fast"});
}

}  // namespace

void RegisterExpireCommands(CommandTable* table) {
  table->Register(Setter("expire", CmdExpire, "1.0.0",
                         "Sets the expiration time of a key in seconds.",
                         "key seconds [NX | XX | GT | LT]"));
  table->Register(Setter("pexpire", CmdPExpire, "2.6.0",
                         "Sets the expiration time of a key in milliseconds.",
                         "key milliseconds [NX | XX | GT | LT]"));
  table->Register(Setter("expireat", CmdExpireAt, "1.2.0",
                         "Sets the expiration time of a key to a Unix timestamp.",
                         "key unix-time-seconds [NX | XX | GT | LT]"));
  table->Register(Setter("pexpireat", CmdPExpireAt, "2.6.0",
                         "Sets the expiration time of a key to a Unix milliseconds timestamp.",
                         "key unix-time-milliseconds [NX | XX | GT | LT]"));
  table->Register(
      Getter("ttl", CmdTtl, "1.0.0", "Returns the expiration time in seconds of a key."));
  table->Register(Getter("pttl", CmdPTtl, "2.6.0",
                         "Returns the expiration time in milliseconds of a key."));
  table->Register(Getter("expiretime", CmdExpireTime, "7.0.0",
                         "Returns the expiration time of a key as a Unix timestamp."));
  table->Register(Getter("pexpiretime", CmdPExpireTime, "7.0.0",
                         "Returns the expiration time of a key as a Unix milliseconds timestamp."));
  table->Register(MakeSpec("persist", 2, kCmdWrite | kCmdFast, {1, 1, 1}, CmdPersist,
                           {.group = "generic",
                            .since = "2.2.0",
                            .summary = "Removes the expiration time of a key.",
                            .complexity = "O(1)",
                            .syntax = "key",
                            .acl_categories = "@keyspace @write @fast"}));
}

}  // namespace shoal
