// The dump family: DUMP, RESTORE, RESTORE-ASKING (and MIGRATE, registered
// from migrate_family.cc). The bytes are the serializer's
// (server/serialize/value_dump.h); this file is argument parsing, the store
// and the replies, in redis-server 7's order of checks: options, BUSYKEY,
// TTL, payload footer, payload body.
//
// RESTORE's IDLETIME and FREQ are parsed and range-checked as Redis does and
// set the key's idle time or LFU counter for the policy in force
// (Store::SetAccessHistory).
#include <cstdint>
#include <string>
#include <string_view>

#include "base/strings.h"
#include "server/commands/dump_family.h"
#include "server/commands/families.h"
#include "server/commands/stream_settings.h"
#include "server/dispatch/arg_parse.h"
#include "server/events/blocking.h"
#include "server/events/notify.h"

namespace shoal {
namespace dump_family {

namespace {

StreamLimits CurrentStreamLimits() {
  const StreamSettings& s = ProcessStreamSettings();
  const int64_t bytes = s.node_max_bytes.load(std::memory_order_relaxed);
  const int64_t entries = s.node_max_entries.load(std::memory_order_relaxed);
  return {bytes < 0 ? 0 : static_cast<size_t>(bytes), entries < 0 ? 0 : static_cast<size_t>(entries)};
}

}  // namespace

DumpOptions CurrentDumpOptions(const CommandContext& ctx) {
  DumpOptions o;
  o.stream_limits = CurrentStreamLimits();
  if (ctx.server == nullptr) return o;
  o.compress = !EqualsIgnoreCase(ctx.server->config().Value("rdbcompression"), "no");
  o.list_fill = ctx.server->runtime().list_max_listpack_size.load(std::memory_order_relaxed);
  return o;
}

LoadLimits CurrentLoadLimits(const CommandContext& ctx) {
  LoadLimits l;
  l.stream = CurrentStreamLimits();
  if (ctx.server == nullptr) return l;
  const RuntimeConfig& rc = ctx.server->runtime();
  auto get = [](const std::atomic<int64_t>& v) {
    const int64_t x = v.load(std::memory_order_relaxed);
    return x < 0 ? size_t{0} : static_cast<size_t>(x);
  };
  l.hash.max_entries = get(rc.hash_max_listpack_entries);
  l.hash.max_value = get(rc.hash_max_listpack_value);
  l.set.max_intset_entries = get(rc.set_max_intset_entries);
  l.set.max_listpack_entries = get(rc.set_max_listpack_entries);
  l.set.max_listpack_value = get(rc.set_max_listpack_value);
  l.zset.max_listpack_entries = rc.zset_max_listpack_entries.load(std::memory_order_relaxed);
  l.zset.max_listpack_value = rc.zset_max_listpack_value.load(std::memory_order_relaxed);
  l.list = ListLimits::FromFill(rc.list_max_listpack_size.load(std::memory_order_relaxed));
  return l;
}

}  // namespace dump_family

namespace {

using dump_family::CurrentDumpOptions;
using dump_family::CurrentLoadLimits;

constexpr std::string_view kErrBusyKey = "BUSYKEY Target key name already exists.";
constexpr std::string_view kErrBadPayload = "ERR DUMP payload version or checksum are wrong";
constexpr std::string_view kErrBadData = "ERR Bad data format";

void CmdDump(CommandContext& ctx, CmdArgs args) {
  const Entry* e = ctx.store->Find(ctx.db(), args[1], Store::Lookup::kRead);
  if (e == nullptr) {
    ctx.reply->NullBulk();
    return;
  }
  const std::string payload = DumpValue(*e, CurrentDumpOptions(ctx));
  if (payload.empty()) {  // a value type the serializer does not know
    ctx.Error("ERR DUMP is not supported for this type");
    return;
  }
  ctx.reply->Bulk(payload);
}

struct RestoreOptions {
  bool replace = false;
  bool absttl = false;
  int64_t idle_s = -1;
  int64_t freq = -1;
};

// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f]: parsed
// as Redis parses them (IDLETIME and FREQ exclude each other: the second one
// is a syntax error). Replies the error and returns false on a bad option.
bool ParseRestoreOptions(CommandContext& ctx, CmdArgs args, RestoreOptions* o) {
  for (size_t j = 4; j < args.size(); ++j) {
    const size_t additional = args.size() - j - 1;
    if (ArgIs(args[j], "replace")) {
      o->replace = true;
    } else if (ArgIs(args[j], "absttl")) {
      o->absttl = true;
    } else if (ArgIs(args[j], "idletime") && additional >= 1 && o->freq == -1) {
      if (!ParseInt(args[j + 1], &o->idle_s)) {
        ctx.Error(kErrNotInteger);
        return false;
      }
      if (o->idle_s < 0) {
        ctx.Error("ERR Invalid IDLETIME value, must be >= 0");
        return false;
      }
      ++j;
    } else if (ArgIs(args[j], "freq") && additional >= 1 && o->idle_s == -1) {
      if (!ParseInt(args[j + 1], &o->freq)) {
        ctx.Error(kErrNotInteger);
        return false;
      }
      if (o->freq < 0 || o->freq > 255) {
        ctx.Error("ERR Invalid FREQ value, must be >= 0 and <= 255");
        return false;
      }
      ++j;
    } else {
      ctx.Error(kErrSyntax);
      return false;
    }
  }
  return true;
}

void CmdRestore(CommandContext& ctx, CmdArgs args) {
  RestoreOptions o;
  if (!ParseRestoreOptions(ctx, args, &o)) return;
  const int db = ctx.db();
  const std::string_view key = args[1];
  if (!o.replace && ctx.store->Find(db, key, Store::Lookup::kWrite) != nullptr) {
    ctx.Error(kErrBusyKey);
    return;
  }
  int64_t ttl;
  if (!ParseInt(args[2], &ttl)) {
    ctx.Error(kErrNotInteger);
    return;
  }
  if (ttl < 0) {
    ctx.Error("ERR Invalid TTL value, must be >= 0");
    return;
  }
  LoadedValue value;
  switch (LoadDumpPayload(args[3], CurrentLoadLimits(ctx), &value)) {
    case LoadStatus::kOk:
      break;
    case LoadStatus::kBadFooter:
      ctx.Error(kErrBadPayload);
      return;
    case LoadStatus::kBadData:
      ctx.Error(kErrBadData);
      return;
  }
  const bool deleted = o.replace && ctx.store->Erase(db, key);
  const int64_t now = ctx.NowMs();
  // A relative TTL is added with wrap-around, as Redis adds it: an absurd
  // TTL wraps into the past and the key is simply not created.
  if (ttl != 0 && !o.absttl) ttl = static_cast<int64_t>(static_cast<uint64_t>(ttl) + now);
  if (ttl != 0 && ttl <= now) {
    if (deleted && ctx.server != nullptr) Notify(ctx, kNotifyGeneric, "del", key);
    ctx.reply->Ok();
    return;
  }
  ctx.store->Put(db, value.ToEntry(key, ttl));
  if (o.idle_s >= 0 || o.freq >= 0) {
    Entry* e = ctx.store->Find(db, key, Store::Lookup::kWrite);
    if (e != nullptr) {
      ctx.store->SetAccessHistory(e, o.idle_s >= 0 ? o.idle_s * 1000 : -1, o.freq);
    }
  }
  if (ctx.server != nullptr) {
    // Redis deletes (REPLACE) and adds the key anew: "new" even over a value.
    Notify(ctx, kNotifyNew, "new", key);
    Notify(ctx, kNotifyGeneric, "restore", key);
    ctx.server->blocking().KeyReady(db, key);
  }
  ctx.reply->Ok();
}

}  // namespace

void RegisterDumpCommands(CommandTable* table) {
  table->Register(MakeSpec(
      "dump", 2, kCmdReadOnly, kOneKey, CmdDump,
      {.group = "generic",
       .since = "2.6.0",
       .summary = "Returns a serialized representation of the value stored at a key.",
       .complexity = "O(1) to access the key and additional O(N*M) to serialize it, where N is "
                     "the number of Redis objects composing the value and M their average size. "
                     "For small string values the time complexity is thus O(1)+O(1*M) where M is "
                     "small, so simply O(1).",
       .syntax = "key",
       .acl_categories = "@keyspace @read @slow"}));
  constexpr std::string_view kRestoreComplexity =
      "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, "
      "where N is the number of Redis objects composing the value and M their average size. For "
      "small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply "
      "O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting "
      "values into sorted sets is O(log(N)).";
  constexpr std::string_view kRestoreSyntax =
      "key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]";
  table->Register(MakeSpec("restore", -4, kCmdWrite | kCmdDenyOom, kOneKey, CmdRestore,
                           {.group = "generic",
                            .since = "2.6.0",
                            .summary = "Creates a key from the serialized representation of a "
                                       "value.",
                            .complexity = kRestoreComplexity,
                            .syntax = kRestoreSyntax,
                            .acl_categories = "@keyspace @write @slow @dangerous"}));
  table->Register(MakeSpec("restore-asking", -4, kCmdWrite | kCmdDenyOom | kCmdAsking, kOneKey, CmdRestore,
                           {.group = "server",
                            .since = "3.0.0",
                            .summary = "An internal command for migrating keys in a cluster.",
                            .complexity = kRestoreComplexity,
                            .syntax = kRestoreSyntax,
                            .acl_categories = "@keyspace @write @slow @dangerous"}));
  dump_family::RegisterMigrate(table);
}

}  // namespace shoal
