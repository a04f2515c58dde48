// Generic key commands that treat a key as a whole: DEL UNLINK EXISTS TOUCH
// TYPE RENAME RENAMENX COPY MOVE OBJECT. See keys_family.h for how the
// family is split.
//
// Locking: the dispatcher holds the stripes of every key argument. RENAME and
// COPY name two keys, so both stripes are held. MOVE and COPY ... DB n reach
// another database with the same key bytes or the destination key, whose
// stripe is already held: a stripe is a function of the slot alone, the same
// in every database.
//
// Values move rather than copy where they can: MOVE hands the very entry to
// the other database (same key, so the allocation fits as it is); RENAME
// rebuilds the entry under the new key and steals the compound value; only
// COPY clones one.
//
// Error order follows redis-server: options are parsed first, then the keys
// are looked up; the first error wins.
#include "server/commands/keys_family.h"

#include <cstdint>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>

#include "absl/strings/match.h"
#include "server/commands/families.h"
#include "server/commands/key_batches.h"
#include "server/events/blocking.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/command_context.h"
#include "server/events/notify.h"
#include "server/store/compound_value.h"

namespace shoal {
namespace {

// Redis's OBJ_SHARED_INTEGERS: small integers are one shared object there,
// which OBJECT REFCOUNT reports as INT_MAX.
constexpr int64_t kSharedIntegers = 10000;
constexpr int64_t kSharedRefcount = std::numeric_limits<int32_t>::max();
// Strings up to this length are "embstr" in Redis (one allocation with the
// object header), longer ones "raw".
constexpr size_t kEmbstrMaxLen = 44;

// A database index argument, parsed as Redis's getIntFromObjectOrReply does.
// Replies the error and returns false when it is not an int32.
bool ParseDbIndex(CommandContext& ctx, std::string_view arg, int* out) {
  int64_t v;
  if (!ParseInt(arg, &v)) {
    ctx.Error(kErrNotInteger);
    return false;
  }
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
    ctx.Error("ERR value is out of range, value must between -2147483648 and 2147483647");
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

bool ClusterEnabled(const CommandContext& ctx) {
  return ctx.server->runtime().cluster_enabled.load(std::memory_order_relaxed);
}

// ---- DEL / UNLINK / EXISTS / TOUCH / TYPE ----

// UNLINK shares DEL: values are freed inline. Freeing is proportional to the
// value's allocations, which for Shoal's compact encodings stays small; a
// background reclaimer would be the place to change that.
void CmdDel(CommandContext& ctx, CmdArgs args) {
  int64_t removed = 0;
  ForEachKeyPrefetched(ctx, args, 1, 1, [&](size_t i, const HashedKey& key) {
    if (!ctx.store->Erase(ctx.db(), key)) return;
    ++removed;
    Notify(ctx, kNotifyGeneric, "del", args[i]);
  });
  ctx.reply->Integer(removed);
}

// EXISTS and TOUCH: the number of arguments naming a live key (a key given
// twice counts twice). The lookup itself is the "touch".
void CmdExists(CommandContext& ctx, CmdArgs args) {
  int64_t found = 0;
  ForEachKeyPrefetched(ctx, args, 1, 1, [&](size_t, const HashedKey& key) {
    if (ctx.store->Find(ctx.db(), key, Store::Lookup::kRead) != nullptr) ++found;
  });
  ctx.reply->Integer(found);
}

void CmdType(CommandContext& ctx, CmdArgs args) {
  const Entry* e = ctx.store->Find(ctx.db(), args[1], Store::Lookup::kRead);
  ctx.reply->SimpleString(e == nullptr ? "none" : TypeName(e->type()));
}

// A value arrived at a key by RENAME, COPY or MOVE: clients blocked on it
// (BLPOP, BZPOPMIN, XREAD...) re-run their command, as after a push.
void KeyArrived(CommandContext& ctx, int db, std::string_view key) {
  if (ctx.server != nullptr) ctx.server->blocking().KeyReady(db, key);
}

// ---- RENAME / RENAMENX ----

void RenameGeneric(CommandContext& ctx, CmdArgs args, bool nx) {
  const int db = ctx.db();
  std::string_view src = args[1], dst = args[2];
  Entry* e = ctx.store->Find(db, src, Store::Lookup::kWrite);
  if (e == nullptr) {
    ctx.Error(OpStatus::kNoSuchKey);
    return;
  }
  if (src == dst) {  // nothing to do, but only for a key that exists
    if (nx) {
      ctx.reply->Integer(0);
    } else {
      ctx.reply->Ok();
    }
    return;
  }
  if (nx && ctx.store->Find(db, dst, Store::Lookup::kWrite) != nullptr) {
    ctx.reply->Integer(0);
    return;
  }
  Entry* old = ctx.store->Detach(db, src);
  Entry* moved = Entry::Rebuild(old, dst, old->expire_ms(), /*steal=*/true);
  Entry::FreeShell(old);
  ctx.store->Put(db, moved);  // replaces (and frees) any value at dst
  // Redis deletes dst and adds it anew, so "new" comes even over a live dst.
  Notify(ctx, kNotifyNew, "new", dst);
  Notify(ctx, kNotifyGeneric, "rename_from", src);
  Notify(ctx, kNotifyGeneric, "rename_to", dst);
  KeyArrived(ctx, db, dst);
  if (nx) {
    ctx.reply->Integer(1);
  } else {
    ctx.reply->Ok();
  }
}

void CmdRename(CommandContext& ctx, CmdArgs args) { RenameGeneric(ctx, args, /*nx=*/false); }
void CmdRenameNx(CommandContext& ctx, CmdArgs args) { RenameGeneric(ctx, args, /*nx=*/true); }

// ---- COPY source destination [DB destination-db] [REPLACE] ----

void CmdCopy(CommandContext& ctx, CmdArgs args) {
  const int src_db = ctx.db();
  int dst_db = src_db;
  bool replace = false;
  for (size_t i = 3; i < args.size(); ++i) {
    if (ArgIs(args[i], "replace")) {
      replace = true;
    } else if (ArgIs(args[i], "db") && i + 1 < args.size()) {
      if (!ParseDbIndex(ctx, args[++i], &dst_db)) return;
      if (dst_db < 0 || dst_db >= ctx.store->databases()) {
        ctx.Error(OpStatus::kDbIndexOutOfRange);
        return;
      }
    } else {
      ctx.Error(kErrSyntax);
      return;
    }
  }
  if (ClusterEnabled(ctx) && (src_db != 0 || dst_db != 0)) {
    ctx.Error("ERR Copying to another database is not allowed in cluster mode");
    return;
  }
  std::string_view src = args[1], dst = args[2];
  if (src_db == dst_db && src == dst) {
    ctx.Error(OpStatus::kSameObject);
    return;
  }
  const Entry* e = ctx.store->Find(src_db, src, Store::Lookup::kRead);
  if (e == nullptr) {
    ctx.reply->Integer(0);
    return;
  }
  if (!replace && ctx.store->Find(dst_db, dst, Store::Lookup::kWrite) != nullptr) {
    ctx.reply->Integer(0);
    return;
  }
  ctx.store->Put(dst_db, Entry::Rebuild(e, dst, e->expire_ms(), /*steal=*/false));
  NotifyInDb(ctx, dst_db, kNotifyNew, "new", dst);
  NotifyInDb(ctx, dst_db, kNotifyGeneric, "copy_to", dst);
  KeyArrived(ctx, dst_db, dst);
  ctx.reply->Integer(1);
}

// ---- MOVE key db ----

void CmdMove(CommandContext& ctx, CmdArgs args) {
  if (ClusterEnabled(ctx)) {
    ctx.Error("ERR MOVE is not allowed in cluster mode");
    return;
  }
  int dst_db;
  if (!ParseDbIndex(ctx, args[2], &dst_db)) return;
  if (dst_db < 0 || dst_db >= ctx.store->databases()) {
    ctx.Error(OpStatus::kDbIndexOutOfRange);
    return;
  }
  const int src_db = ctx.db();
  if (src_db == dst_db) {
    ctx.Error(OpStatus::kSameObject);
    return;
  }
  std::string_view key = args[1];
  if (ctx.store->Find(src_db, key, Store::Lookup::kWrite) == nullptr ||
      ctx.store->Find(dst_db, key, Store::Lookup::kWrite) != nullptr) {
    ctx.reply->Integer(0);
    return;
  }
  ctx.store->Put(dst_db, ctx.store->Detach(src_db, key));
  NotifyInDb(ctx, dst_db, kNotifyNew, "new", key);
  Notify(ctx, kNotifyGeneric, "move_from", key);
  NotifyInDb(ctx, dst_db, kNotifyGeneric, "move_to", key);
  KeyArrived(ctx, dst_db, key);
  ctx.reply->Integer(1);
}

// ---- OBJECT ----

const char* EncodingName(const Entry& e) {
  switch (e.encoding()) {
    case Encoding::kInt:
      return "int";
    case Encoding::kRaw:
      return e.raw_value().size() <= kEmbstrMaxLen ? "embstr" : "raw";
    case Encoding::kObject:
      return e.object()->EncodingName();
  }
  return "unknown";
}

// OBJECT's subcommands reply nil for a missing key (found == nullptr).
const Entry* ObjectLookup(CommandContext& ctx, CmdArgs args) {
  // No touch: inspecting a key must not change its LRU/LFU data (Redis).
  const Entry* e = ctx.store->Find(ctx.db(), args[2], Store::Lookup::kReadNoTouch);
  if (e == nullptr) ctx.reply->NullBulk();
  return e;
}

void CmdObjectEncoding(CommandContext& ctx, CmdArgs args) {
  const Entry* e = ObjectLookup(ctx, args);
  if (e != nullptr) ctx.reply->Bulk(EncodingName(*e));
}

// Shoal has no shared objects; it reports what Redis reports for the same
// value so that tools comparing the two see no difference: INT_MAX for the
// integers Redis shares (0..9999, unless an LRU/LFU policy disables sharing
// under maxmemory), 1 otherwise.
void CmdObjectRefcount(CommandContext& ctx, CmdArgs args) {
  const Entry* e = ObjectLookup(ctx, args);
  if (e == nullptr) return;
  bool shared = false;
  if (e->encoding() == Encoding::kInt && e->int_value() >= 0 &&
      e->int_value() < kSharedIntegers) {
    const bool maxmemory = ctx.server->runtime().maxmemory.load(std::memory_order_relaxed) > 0;
    const std::string policy = maxmemory ? ctx.server->config().Value("maxmemory-policy") : "";
    shared = !absl::StrContains(policy, "lru") && !absl::StrContains(policy, "lfu");
  }
  ctx.reply->Integer(shared ? kSharedRefcount : 1);
}

// OBJECT FREQ / OBJECT IDLETIME read the eviction metadata through the store,
// which asks the active policy: LFU (and S3-FIFO) track a frequency, every
// other policy an access time, and the wrong question gets Redis's error.
// The lookup does not touch the key (Redis's LOOKUP_NOTOUCH).
constexpr std::string_view kErrNoLfu =
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
    "that when switching between policies at runtime LRU and LFU data will take some time to "
    "adjust.";
constexpr std::string_view kErrNoLru =
    "ERR An LRU maxmemory policy is not selected, access time not tracked. Please note that "
    "when switching between policies at runtime LRU and LFU data will take some time to adjust.";

void CmdObjectFreq(CommandContext& ctx, CmdArgs args) {
  const Entry* e = ObjectLookup(ctx, args);
  if (e == nullptr) return;
  int64_t freq = 0;
  if (!ctx.store->Frequency(*e, &freq)) {
    ctx.Error(kErrNoLfu);
    return;
  }
  ctx.reply->Integer(freq);
}

void CmdObjectIdletime(CommandContext& ctx, CmdArgs args) {
  const Entry* e = ObjectLookup(ctx, args);
  if (e == nullptr) return;
  int64_t idle_ms = 0;
  if (!ctx.store->IdleTimeMs(*e, &idle_ms)) {
    ctx.Error(kErrNoLru);
    return;
  }
  ctx.reply->Integer(idle_ms / 1000);
}

void CmdObjectHelp(CommandContext& ctx, CmdArgs) {
  static constexpr std::string_view kLines[] = {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply->ArrayHeader(std::size(kLines));
  for (std::string_view line : kLines) ctx.reply->SimpleString(line);
}

// The dispatcher resolves OBJECT's subcommands itself (and rejects a bare
// OBJECT on arity); this only runs if a caller bypasses it.
void CmdObject(CommandContext& ctx, CmdArgs args) {
  std::string sub(args.size() > 1 ? args[1] : std::string_view());
  ctx.Error("ERR unknown subcommand '" + sub + "'. Try OBJECT HELP.");
}

}  // namespace

void RegisterKeyCommands(CommandTable* table) {
  constexpr KeySpan kTwoKeys{1, 2, 1};
  table->Register(MakeSpec(
      "del", -2, kCmdWrite, kAllKeys, CmdDel,
      {.group = "generic",
       .since = "1.0.0",
       .summary = "Deletes one or more keys.",
       .complexity =
           "O(N) where N is the number of keys that will be removed. When a key to remove holds "
           "a value other than a string, the individual complexity for this key is O(M) where M "
           "is the number of elements in the list, set, sorted set or hash. Removing a single "
           "key that holds a string value is O(1).",
       .syntax = "key [key ...]",
       .acl_categories = "@keyspace @write @slow"}));
  table->Register(MakeSpec(
      "unlink", -2, kCmdWrite | kCmdFast, kAllKeys, CmdDel,
      {.group = "generic",
       .since = "4.0.0",
       .summary = "Asynchronously deletes one or more keys.",
       .complexity =
           "O(1) for each key removed regardless of its size. Then the command does O(N) work in "
           "a different thread in order to reclaim memory, where N is the number of allocations "
           "the deleted objects where composed of.",
       .syntax = "key [key ...]",
       .acl_categories = "@keyspace @write @fast"}));
  table->Register(MakeSpec("exists", -2, kCmdReadOnly | kCmdFast, kAllKeys, CmdExists,
                           {.group = "generic",
                            .since = "1.0.0",
                            .summary = "Determines whether one or more keys exist.",
                            .complexity = "O(N) where N is the number of keys to check.",
                            .syntax = "key [key ...]",
                            .acl_categories = "@keyspace @read @fast"}));
  table->Register(MakeSpec(
      "touch", -2, kCmdReadOnly | kCmdFast, kAllKeys, CmdExists,
      {.group = "generic",
       .since = "3.2.1",
       .summary = "Returns the number of existing keys out of those specified after updating the "
                  "time they were last accessed.",
       .complexity = "O(N) where N is the number of keys that will be touched.",
       .syntax = "key [key ...]",
       .acl_categories = "@keyspace @read @fast"}));
  table->Register(MakeSpec("type", 2, kCmdReadOnly | kCmdFast, kOneKey, CmdType,
                           {.group = "generic",
                            .since = "1.0.0",
                            .summary = "Determines the type of value stored at a key.",
                            .complexity = "O(1)",
                            .syntax = "key",
                            .acl_categories = "@keyspace @read @fast"}));
  table->Register(MakeSpec("rename", 3, kCmdWrite, kTwoKeys, CmdRename,
                           {.group = "generic",
                            .since = "1.0.0",
                            .summary = "Renames a key and overwrites the destination.",
                            .complexity = "O(1)",
                            .syntax = "key newkey",
                            .acl_categories = "@keyspace @write @slow"}));
  table->Register(
      MakeSpec("renamenx", 3, kCmdWrite | kCmdFast, kTwoKeys, CmdRenameNx,
               {.group = "generic",
                .since = "1.0.0",
                .summary = "Renames a key only when the target key name doesn't exist.",
                .complexity = "O(1)",
                .syntax = "key newkey",
                .acl_categories = "@keyspace @write @fast"}));
  table->Register(MakeSpec("copy", -3, kCmdWrite | kCmdDenyOom, kTwoKeys, CmdCopy,
                           {.group = "generic",
                            .since = "6.2.0",
                            .summary = "Copies the value of a key to a new key.",
                            .complexity = "O(N) worst case for collections, where N is the "
                                          "number of nested items. O(1) for string values.",
                            .syntax = "source destination [DB destination-db] [REPLACE]",
                            .acl_categories = "@keyspace @write @slow"}));
  table->Register(MakeSpec("move", 3, kCmdWrite | kCmdFast, kOneKey, CmdMove,
                           {.group = "generic",
                            .since = "1.0.0",
                            .summary = "Moves a key to another database.",
                            .complexity = "O(1)",
                            .syntax = "key db",
                            .acl_categories = "@keyspace @write @fast"}));

  CommandSpec object = MakeSpec("object", -2, 0, {}, CmdObject,
                                {.group = "generic",
                                 .since = "2.2.3",
                                 .summary = "A container for object introspection commands.",
                                 .complexity = "Depends on subcommand.",
                                 .syntax = "",
                                 .acl_categories = "@slow"});
  constexpr KeySpan kSubKey{2, 2, 1};
  object.subcommands.push_back(
      MakeSpec("object|encoding", 3, kCmdReadOnly, kSubKey, CmdObjectEncoding,
               {.group = "generic",
                .since = "2.2.3",
                .summary = "Returns the internal encoding of a Redis object.",
                .complexity = "O(1)",
                .syntax = "key",
                .acl_categories = "@keyspace @read @slow"}));
  object.subcommands.push_back(
      MakeSpec("object|freq", 3, kCmdReadOnly, kSubKey, CmdObjectFreq,
               {.group = "generic",
                .since = "4.0.0",
                .summary = "Returns the logarithmic access frequency counter of a Redis object.",
                .complexity = "O(1)",
                .syntax = "key",
                .acl_categories = "@keyspace @read @slow"}));
  object.subcommands.push_back(
      MakeSpec("object|idletime", 3, kCmdReadOnly, kSubKey, CmdObjectIdletime,
               {.group = "generic",
                .since = "2.2.3",
                .summary = "Returns the time since the last access to a Redis object.",
                .complexity = "O(1)",
                .syntax = "key",
                .acl_categories = "@keyspace @read @slow"}));
  object.subcommands.push_back(
      MakeSpec("object|refcount", 3, kCmdReadOnly, kSubKey, CmdObjectRefcount,
               {.group = "generic",
                .since = "2.2.3",
                .summary = "Returns the reference count of a value of a key.",
                .complexity = "O(1)",
                .syntax = "key",
                .acl_categories = "@keyspace @read @slow"}));
  object.subcommands.push_back(
      MakeSpec("object|help", 2, kCmdLoading | kCmdStale, {}, CmdObjectHelp,
               {.group = "generic",
                .since = "6.2.0",
                .summary = "Returns helpful text about the different subcommands.",
                .complexity = "O(1)",
                .syntax = "",
                .acl_categories = "@keyspace @slow"}));
  table->Register(std::move(object));

  RegisterExpireCommands(table);
  RegisterKeyspaceCommands(table);
}

}  // namespace shoal
