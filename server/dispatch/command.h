// Command: the data that describes one Redis command — name, arity, flags,
// key positions, docs — and the handler that runs it.
//
// Commands are data (see CONVENTIONS.md): each family file registers its
// commands in the CommandTable; the Dispatcher checks arity, auth, OOM,
// transactions and takes stripe locks from these facts, and COMMAND / COMMAND
// DOCS / key routing read the same facts. Handlers never re-check them.
#ifndef SHOAL_SERVER_DISPATCH_COMMAND_H_
#define SHOAL_SERVER_DISPATCH_COMMAND_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/types/span.h"

namespace shoal {

struct CommandContext;
using CmdArgs = absl::Span<const std::string_view>;  // args[0] is the name
using CommandHandler = void (*)(CommandContext& ctx, CmdArgs args);
// Appends the indexes of key arguments (for commands whose keys move, e.g.
// a numkeys argument). Returns false on a malformed request.
using KeysFinder = bool (*)(CmdArgs args, std::vector<int>* key_indexes);

// Redis's command flags (COMMAND INFO names) plus Shoal's locking flags.
enum CommandFlag : uint32_t {
  kCmdWrite = 1u << 0,
  kCmdReadOnly = 1u << 1,
  kCmdDenyOom = 1u << 2,
  kCmdAdmin = 1u << 3,
  kCmdPubSub = 1u << 4,
  kCmdNoScript = 1u << 5,
  kCmdBlocking = 1u << 6,
  kCmdLoading = 1u << 7,
  kCmdStale = 1u << 8,
  kCmdSkipMonitor = 1u << 9,
  kCmdSkipSlowlog = 1u << 10,
  kCmdFast = 1u << 11,
  kCmdNoAuth = 1u << 12,
  // CLIENT PAUSE WRITE pauses it as a write (EVAL, PUBLISH, SCRIPT LOAD...).
  // Redis has this flag (may_replicate) but no 7.x command reports it, so
  // COMMAND INFO leaves it out.
  kCmdMayReplicate = 1u << 13,
  kCmdNoMulti = 1u << 14,
  kCmdAllowBusy = 1u << 15,
  kCmdMovableKeys = 1u << 16,
  // Served for an importing slot as if the client sent ASKING (RESTORE-ASKING).
  kCmdAsking = 1u << 17,
  // Its key arguments may be none (EVAL with numkeys 0): COMMAND INFO only.
  kCmdNoMandatoryKeys = 1u << 18,
  // Refused while a replica loads a sync in the background (Redis's
  // repl-diskless-load swapdb): Shoal loads in the foreground, so it only
  // shows in COMMAND INFO.
  kCmdNoAsyncLoading = 1u << 19,
  // Shoal: takes every stripe (FLUSHALL, SWAPDB...).
  kCmdLockAll = 1u << 24,
  // Shoal: the handler locks what it needs itself (SCAN, KEYS, DBSIZE, ...).
  kCmdSelfLocking = 1u << 25,
  // Shoal: allowed while the client is in RESP2 subscribed state.
  kCmdPubSubContext = 1u << 26,
  // Shoal: runs immediately even inside MULTI (EXEC, DISCARD, MULTI, WATCH...).
  kCmdTransactionControl = 1u << 27,
};

struct CommandSpec {
  std::string_view name;  // lower case; subcommands "container|sub"
  // rename-command gave clients another name for it (or none): lookups by
  // `name` are internal only (CommandTable::FindOriginal).
  bool renamed = false;
  int arity = 0;          // Redis convention: -N means at least N
  uint32_t flags = 0;
  int first_key = 0;      // 1-based as in COMMAND INFO; 0 = no keys
  int last_key = 0;       // -1 = last argument, -2 = the one before...
  int key_step = 0;
  CommandHandler handler = nullptr;
  std::string_view group;       // "string", "generic", "connection", ...
  std::string_view summary;
  std::string_view since;
  std::string_view complexity;
  // Argument syntax as Redis documents it, e.g. "key value [NX | XX]"; turned
  // into COMMAND DOCS arguments (redis-cli's hints).
  std::string_view syntax;
  std::string_view acl_categories;  // "@write @string @slow"
  KeysFinder keys_finder = nullptr;  // for kCmdMovableKeys
  std::vector<CommandSpec> subcommands;

  // Filled by the table.
  int id = -1;
  // Redis's key-spec flags (key_flags.h) of the first key and of the later
  // keys a request names: what ACL key permissions and GETKEYSANDFLAGS use.
  uint16_t key_flags = 0;
  uint16_t other_key_flags = 0;
};

// ---------------------------------------------------------------------------
// The spec builder every family registers its commands with:
//
//   table->Register(MakeSpec("hget", 3, kCmdReadOnly | kCmdFast, kOneKey, &CmdHGet,
//                            {.group = "hash",
//                             .since = "2.0.0",
//                             .summary = "Returns the value of a field in a hash.",
//                             .complexity = "O(1)",
//                             .syntax = "key field",
//                             .acl_categories = "@read @hash @fast"}));
//
// Containers get their subcommands afterwards (spec.subcommands = {...}), and
// commands with movable keys their keys_finder.

// Key positions as COMMAND INFO reports them (first, last, step); {} = none.
struct KeySpan {
  int first = 0;
  int last = 0;
  int step = 0;
};
inline constexpr KeySpan kNoKeys{};
inline constexpr KeySpan kOneKey{1, 1, 1};   // GET key
inline constexpr KeySpan kAllKeys{1, -1, 1}; // DEL key [key ...]

// What COMMAND DOCS and COMMAND INFO report beyond arity, flags and keys.
// Fields in declaration order, so designated initializers read as above.
struct SpecDocs {
  std::string_view group;
  std::string_view since;
  std::string_view summary;
  std::string_view complexity;
  std::string_view syntax;
  std::string_view acl_categories;
};

inline CommandSpec MakeSpec(std::string_view name, int arity, uint32_t flags, KeySpan keys,
                            CommandHandler handler, const SpecDocs& docs) {
  CommandSpec spec;
  spec.name = name;
  spec.arity = arity;
  spec.flags = flags;
  spec.first_key = keys.first;
  spec.last_key = keys.last;
  spec.key_step = keys.step;
  spec.handler = handler;
  spec.group = docs.group;
  spec.summary = docs.summary;
  spec.since = docs.since;
  spec.complexity = docs.complexity;
  spec.syntax = docs.syntax;
  spec.acl_categories = docs.acl_categories;
  return spec;
}

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_COMMAND_H_
