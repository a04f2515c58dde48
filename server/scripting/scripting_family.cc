// The scripting family: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT *,
// FCALL, FCALL_RO, FUNCTION *. Handlers parse their arguments and hand the
// run to the worker's ScriptWorker; management commands go to the shared
// ScriptCache and FunctionRegistry. These commands are kCmdSelfLocking: the
// script takes its stripes itself (script_worker.h), and inside MULTI/EXEC
// the transaction holds every stripe.
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "base/strings.h"
#include "base/strings.h"
#include "base/strings.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/command_table.h"
#include "server/dispatch/glob_match.h"
#include "server/scripting/lua_values.h"
#include "server/scripting/script_engine.h"
#include "server/scripting/script_flags.h"
#include "server/scripting/script_worker.h"
#include "server/scripting/sha1_hex.h"
#include "server/serialize/function_payload.h"

namespace shoal {
namespace {

ScriptEngine& Engine(CommandContext& ctx) {
  return *static_cast<ScriptEngine*>(ctx.server->scripting);
}

// EVAL-style "<name> <script> numkeys key... arg...": splits keys and args.
// `fcall`: FCALL's wording for a non-integer numkeys.
bool SplitKeys(CommandContext& ctx, CmdArgs args, bool fcall, CmdArgs* keys, CmdArgs* rest) {
  int64_t numkeys;
  if (!ParseInt(args[2], &numkeys)) {
    ctx.Error(fcall ? "ERR Bad number of keys provided" : "ERR value is not an integer or out of range");
    return false;
  }
  if (numkeys < 0) {
    ctx.Error("ERR Number of keys can't be negative");
    return false;
  }
  if (numkeys > static_cast<int64_t>(args.size()) - 3) {
    ctx.Error("ERR Number of keys can't be greater than number of args");
    return false;
  }
  *keys = args.subspan(3, numkeys);
  *rest = args.subspan(3 + numkeys);
  return true;
}

// Keys of EVAL/EVALSHA/FCALL: numkeys at argument 2, keys right after it.
bool ScriptKeys(CmdArgs args, std::vector<int>* idx) {
  if (args.size() < 3) return false;
  int64_t numkeys;
  if (!ParseInt(args[2], &numkeys) || numkeys < 0 ||
      numkeys > static_cast<int64_t>(args.size()) - 3) {
    return false;
  }
  for (int64_t i = 0; i < numkeys; ++i) idx->push_back(static_cast<int>(3 + i));
  return true;
}

bool CheckShebang(CommandContext& ctx, std::string_view body, uint32_t* flags, size_t* len) {
  std::string err;
  if (body.substr(0, 2) == "#!" && body.find('\n') == std::string_view::npos) {
    ctx.Error("ERR Invalid script shebang");
    return false;
  }
  if (!ParseShebang(body, flags, len, &err)) {
    ctx.Error(err);
    return false;
  }
  return true;
}

// The cached script for `body`, compiled first so that a script that does
// not compile is never cached (null after replying the error).
std::shared_ptr<const CachedScript> CompileAndCache(CommandContext& ctx, std::string_view body,
                                                    uint32_t flags, size_t shebang_len) {
  ScriptEngine& engine = Engine(ctx);
  std::string sha = Sha1Hex(body);
  std::shared_ptr<const CachedScript> script = engine.cache().Find(sha);
  if (script != nullptr) return script;
  std::string err;
  if (!engine.worker(ctx.worker).Compile(sha, body, shebang_len, &err)) {
    ctx.Error(err);
    return nullptr;
  }
  return engine.cache().Add(body, flags, shebang_len);
}

void EvalGeneric(CommandContext& ctx, CmdArgs args, bool ro) {
  CmdArgs keys, rest;
  if (!SplitKeys(ctx, args, false, &keys, &rest)) return;
  uint32_t flags;
  size_t len;
  if (!CheckShebang(ctx, args[1], &flags, &len)) return;
  ScriptEngine& engine = Engine(ctx);
  std::shared_ptr<const CachedScript> script = CompileAndCache(ctx, args[1], flags, len);
  if (script != nullptr) engine.worker(ctx.worker).RunScript(ctx, *script, keys, rest, ro);
}

void EvalShaGeneric(CommandContext& ctx, CmdArgs args, bool ro) {
  CmdArgs keys, rest;
  if (!SplitKeys(ctx, args, false, &keys, &rest)) return;
  ScriptEngine& engine = Engine(ctx);
  std::shared_ptr<const CachedScript> script = engine.worker(ctx.worker).FindScript(args[1]);
  if (script == nullptr) return ctx.Error("NOSCRIPT No matching script. Please use EVAL.");
  engine.worker(ctx.worker).RunScript(ctx, *script, keys, rest, ro);
}

void CmdEval(CommandContext& ctx, CmdArgs args) { EvalGeneric(ctx, args, false); }
void CmdEvalRo(CommandContext& ctx, CmdArgs args) { EvalGeneric(ctx, args, true); }
void CmdEvalSha(CommandContext& ctx, CmdArgs args) { EvalShaGeneric(ctx, args, false); }
void CmdEvalShaRo(CommandContext& ctx, CmdArgs args) { EvalShaGeneric(ctx, args, true); }

void FcallGeneric(CommandContext& ctx, CmdArgs args, bool ro) {
  CmdArgs keys, rest;
  if (!SplitKeys(ctx, args, true, &keys, &rest)) return;
  Engine(ctx).worker(ctx.worker).RunFunction(ctx, args[1], keys, rest, ro);
}
void CmdFcall(CommandContext& ctx, CmdArgs args) { FcallGeneric(ctx, args, false); }
void CmdFcallRo(CommandContext& ctx, CmdArgs args) { FcallGeneric(ctx, args, true); }

// ---- SCRIPT

void CmdScriptLoad(CommandContext& ctx, CmdArgs args) {
  uint32_t flags;
  size_t len;
  if (!CheckShebang(ctx, args[2], &flags, &len)) return;
  std::shared_ptr<const CachedScript> script = CompileAndCache(ctx, args[2], flags, len);
  if (script != nullptr) ctx.reply->Bulk(script->sha);
}

void CmdScriptExists(CommandContext& ctx, CmdArgs args) {
  ScriptCache& cache = Engine(ctx).cache();
  ctx.reply->ArrayHeader(static_cast<int64_t>(args.size() - 2));
  for (size_t i = 2; i < args.size(); ++i) {
    std::string sha(args[i]);
    ctx.reply->Integer(NormalizeSha(&sha) && cache.Exists(sha) ? 1 : 0);
  }
}

bool FlushMode(CmdArgs args, size_t at) {
  if (args.size() <= at) return true;
  if (args.size() > at + 1) return false;
  return EqualsIgnoreCase(args[at], "sync") || EqualsIgnoreCase(args[at], "async");
}

void CmdScriptFlush(CommandContext& ctx, CmdArgs args) {
  if (!FlushMode(args, 2)) return ctx.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
  Engine(ctx).cache().Flush();
  ctx.reply->Ok();
}

void ReplyKill(CommandContext& ctx, KillResult r, bool functions) {
  switch (r) {
    case KillResult::kKilled:
      return ctx.reply->Ok();
    case KillResult::kNotBusy:
      return ctx.Error("NOTBUSY No scripts in execution right now.");
    case KillResult::kUnkillable:
      return ctx.Error(
          "UNKILLABLE Sorry the script already executed write commands against the dataset. You "
          "can either wait the script termination or kill the server in a hard way using the "
          "SHUTDOWN NOSAVE command.");
    case KillResult::kWrongKind:
      return ctx.Error(functions ? "BUSY Redis is busy running a script. You can only call "
                                   "SCRIPT KILL or SHUTDOWN NOSAVE."
                                 : "BUSY Redis is busy running a function. You can only call "
                                   "FUNCTION KILL or SHUTDOWN NOSAVE.");
  }
}

void CmdScriptKill(CommandContext& ctx, CmdArgs) {
  ReplyKill(ctx, Engine(ctx).Kill(false), false);
}

// SCRIPT DEBUG: Shoal has no Lua debugger (LDB); NO (the only mode it runs
// in) is accepted, YES and SYNC are refused with an explanation.
void CmdScriptDebug(CommandContext& ctx, CmdArgs args) {
  std::string mode = AsciiLower(args[2]);
  if (mode == "no") return ctx.reply->Ok();
  if (mode == "yes" || mode == "sync") {
    return ctx.Error("ERR Shoal has no Lua debugger: SCRIPT DEBUG supports only NO");
  }
  ctx.Error("ERR Use SCRIPT DEBUG YES/SYNC/NO");
}

void ReplyHelp(CommandContext& ctx, const std::vector<std::string_view>& lines) {
  ctx.reply->ArrayHeader(static_cast<int64_t>(lines.size()));
  for (std::string_view l : lines) ctx.reply->SimpleString(l);
}

void CmdScriptHelp(CommandContext& ctx, CmdArgs) {
  ReplyHelp(ctx, {
      "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DEBUG (YES|SYNC|NO)",
      "    Set the debug mode for subsequent scripts executed.",
      "EXISTS <sha1> [<sha1> ...]",
      "    Return information about the existence of the scripts in the script cache.",
      "FLUSH [ASYNC|SYNC]",
      "    Flush the Lua scripts cache. Very dangerous on replicas.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the scripts cache.",
      "    * SYNC: Synchronously flush the scripts cache.",
      "KILL",
      "    Kill the currently executing Lua script.",
      "LOAD <script>",
      "    Load a script into the scripts cache without executing it.",
      "HELP",
      "    Prints this help.",
  });
}

// ---- FUNCTION

// Redis's reply to a FUNCTION subcommand with too many arguments (it names
// the subcommand as the client typed it).
void WrongSubcommandArgs(CommandContext& ctx, CmdArgs args) {
  ctx.Error(StrCat("ERR unknown subcommand or wrong number of arguments for '", args[1],
                   "'. Try FUNCTION HELP."));
}

// Installs a library set computed from the current one; retries when
// another worker changed the registry meanwhile.
template <typename Fn>
void UpdateLibraries(CommandContext& ctx, CmdArgs args, Fn&& compute) {
  FunctionRegistry& reg = Engine(ctx).functions();
  for (;;) {
    uint64_t version = reg.version();
    auto libs = std::make_shared<LibraryMap>(*reg.Snapshot());
    std::string err;
    if (!compute(libs.get(), &err)) return ctx.Error(err);
    if (reg.Replace(version, libs)) break;
  }
  // Replicas follow: the new set of libraries ships in the stream.
  if (ctx.server->replication != nullptr) ctx.server->replication->NoteCommand(ctx, args);
}

// Adds `lib` to `libs`: fails on an existing library (unless replace) or a
// function name another library has.
bool AddLibrary(LibraryMap* libs, std::shared_ptr<const LibraryInfo> lib, bool replace,
                std::string* err) {
  if (libs->contains(lib->name) && !replace) {
    *err = StrCat("ERR Library '", lib->name, "' already exists");
    return false;
  }
  for (const auto& [name, other] : *libs) {
    if (name == lib->name) continue;
    for (const auto& f : other->functions) {
      for (const auto& g : lib->functions) {
        if (EqualsIgnoreCase(f->name, g->name)) {
          *err = StrCat("ERR Function ", g->name, " already exists");
          return false;
        }
      }
    }
  }
  (*libs)[lib->name] = std::move(lib);
  return true;
}

void CmdFunctionLoad(CommandContext& ctx, CmdArgs args) {
  bool replace = false;
  size_t i = 2;
  if (args.size() == 4) {
    if (!EqualsIgnoreCase(args[2], "replace")) {
      return ctx.Error(StrCat("ERR Unknown option given: ", args[2]));
    }
    replace = true;
    i = 3;
  } else if (args.size() != 3) {
    return WrongSubcommandArgs(ctx, args);
  }
  auto lib = std::make_shared<LibraryInfo>();
  std::string err;
  if (!Engine(ctx).worker(ctx.worker).LoadLibrary(args[i], lib.get(), &err)) {
    return ctx.Error(err);
  }
  std::string name = lib->name;
  bool ok = false;
  UpdateLibraries(ctx, args, [&](LibraryMap* libs, std::string* e) {
    return ok = AddLibrary(libs, lib, replace, e);
  });
  if (ok) ctx.reply->Bulk(name);
}

void CmdFunctionDelete(CommandContext& ctx, CmdArgs args) {
  bool ok = false;
  UpdateLibraries(ctx, args, [&](LibraryMap* libs, std::string* err) {
    if (libs->erase(std::string(args[2])) == 0) {
      *err = "ERR Library not found";
      return false;
    }
    return ok = true;
  });
  if (ok) ctx.reply->Ok();
}

void CmdFunctionFlush(CommandContext& ctx, CmdArgs args) {
  if (args.size() > 3) return WrongSubcommandArgs(ctx, args);
  if (!FlushMode(args, 2)) {
    return ctx.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
  }
  UpdateLibraries(ctx, args, [](LibraryMap* libs, std::string*) {
    libs->clear();
    return true;
  });
  ctx.reply->Ok();
}

void ReplyFlags(CommandContext& ctx, uint32_t flags) {
  int64_t n = 0;
  for (const ScriptFlagName& f : ScriptFlagNames()) n += (flags & f.flag) ? 1 : 0;
  ctx.reply->SetHeader(n);
  for (const ScriptFlagName& f : ScriptFlagNames()) {
    if (flags & f.flag) ctx.reply->SimpleString(f.name);
  }
}

void CmdFunctionList(CommandContext& ctx, CmdArgs args) {
  bool with_code = false;
  bool have_pattern = false;
  std::string_view pattern;
  for (size_t i = 2; i < args.size(); ++i) {
    if (!with_code && EqualsIgnoreCase(args[i], "withcode")) {
      with_code = true;
      continue;
    }
    if (!have_pattern && EqualsIgnoreCase(args[i], "libraryname")) {
      if (i + 1 >= args.size()) return ctx.Error("ERR library name argument was not given");
      pattern = args[++i];
      have_pattern = true;
      continue;
    }
    return ctx.Error(StrCat("ERR Unknown argument ", args[i]));
  }
  std::shared_ptr<const LibraryMap> libs = Engine(ctx).functions().Snapshot();
  std::vector<const LibraryInfo*> shown;
  for (const auto& [name, lib] : *libs) {
    if (!have_pattern || GlobMatch(pattern, name, false)) shown.push_back(lib.get());
  }
  ReplyBuilder& rb = *ctx.reply;
  rb.ArrayHeader(static_cast<int64_t>(shown.size()));
  for (const LibraryInfo* lib : shown) {
    rb.MapHeader(with_code ? 4 : 3);
    rb.Bulk("library_name");
    rb.Bulk(lib->name);
    rb.Bulk("engine");
    rb.Bulk("LUA");
    rb.Bulk("functions");
    rb.ArrayHeader(static_cast<int64_t>(lib->functions.size()));
    for (const auto& f : lib->functions) {
      rb.MapHeader(3);
      rb.Bulk("name");
      rb.Bulk(f->name);
      rb.Bulk("description");
      if (f->description.empty()) {
        rb.NullBulk();
      } else {
        rb.Bulk(f->description);
      }
      rb.Bulk("flags");
      ReplyFlags(ctx, f->flags);
    }
    if (with_code) {
      rb.Bulk("library_code");
      rb.Bulk(lib->code);
    }
  }
}

void CmdFunctionStats(CommandContext& ctx, CmdArgs) {
  ScriptEngine& engine = Engine(ctx);
  ReplyBuilder& rb = *ctx.reply;
  rb.MapHeader(2);
  rb.Bulk("running_script");
  RunningFunction running;
  if (engine.RunningFunctionInfo(&running)) {
    rb.MapHeader(3);
    rb.Bulk("name");
    rb.Bulk(running.name);
    rb.Bulk("command");
    rb.ArrayHeader(static_cast<int64_t>(running.command.size()));
    for (const std::string& a : running.command) rb.Bulk(a);
    rb.Bulk("duration_ms");
    rb.Integer(running.duration_ms);
  } else {
    rb.NullBulk();
  }
  rb.Bulk("engines");
  rb.MapHeader(1);
  rb.Bulk("LUA");
  rb.MapHeader(2);
  rb.Bulk("libraries_count");
  rb.Integer(engine.functions().library_count());
  rb.Bulk("functions_count");
  rb.Integer(engine.functions().function_count());
}

void CmdFunctionKill(CommandContext& ctx, CmdArgs) {
  ReplyKill(ctx, Engine(ctx).Kill(true), true);
}

void CmdFunctionDump(CommandContext& ctx, CmdArgs) {
  std::vector<std::string> codes;
  for (const auto& [name, lib] : *Engine(ctx).functions().Snapshot()) codes.push_back(lib->code);
  ctx.reply->Bulk(DumpFunctions(codes));
}

void CmdFunctionRestore(CommandContext& ctx, CmdArgs args) {
  if (args.size() > 4) return WrongSubcommandArgs(ctx, args);
  enum class Policy { kAppend, kReplace, kFlush } policy = Policy::kAppend;
  if (args.size() == 4) {
    if (EqualsIgnoreCase(args[3], "append")) {
      policy = Policy::kAppend;
    } else if (EqualsIgnoreCase(args[3], "replace")) {
      policy = Policy::kReplace;
    } else if (EqualsIgnoreCase(args[3], "flush")) {
      policy = Policy::kFlush;
    } else {
      return ctx.Error(
          "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
    }
  }
  std::vector<std::string> codes;
  std::string err;
  if (!ParseFunctionPayload(args[2], &codes, &err)) return ctx.Error(err);
  std::vector<std::shared_ptr<const LibraryInfo>> loaded;
  ScriptWorker& worker = Engine(ctx).worker(ctx.worker);
  for (const std::string& code : codes) {
    auto lib = std::make_shared<LibraryInfo>();
    if (!worker.LoadLibrary(code, lib.get(), &err)) return ctx.Error(err);
    loaded.push_back(std::move(lib));
  }
  bool ok = false;
  UpdateLibraries(ctx, args, [&](LibraryMap* libs, std::string* e) {
    if (policy == Policy::kFlush) libs->clear();
    for (const auto& lib : loaded) {
      if (policy == Policy::kAppend && libs->contains(lib->name)) {
        *e = StrCat("ERR Library ", lib->name, " already exists");
        return false;
      }
      if (!AddLibrary(libs, lib, true, e)) return false;
    }
    return ok = true;
  });
  if (ok) ctx.reply->Ok();
}

void CmdFunctionHelp(CommandContext& ctx, CmdArgs) {
  ReplyHelp(ctx, {
      "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "LOAD [REPLACE] <FUNCTION CODE>",
      "    Create a new library with the given library name and code.",
      "DELETE <LIBRARY NAME>",
      "    Delete the given library.",
      "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
      "    Return general information on all the libraries:",
      "    * Library name",
      "    * The engine used to run the Library",
      "    * Library description",
      "    * Functions list",
      "    * Library code (if WITHCODE is given)",
      "    It also possible to get only function that matches a pattern using LIBRARYNAME "
      "argument.",
      "STATS",
      "    Return information about the current function running:",
      "    * Function name",
      "    * Command used to run the function",
      "    * Duration in MS that the function is running",
      "    If no function is running, return nil",
      "    In addition, returns a list of available engines.",
      "KILL",
      "    Kill the current running function.",
      "FLUSH [ASYNC|SYNC]",
      "    Delete all the libraries.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the libraries.",
      "    * SYNC: Synchronously flush the libraries.",
      "DUMP",
      "    Return a serialized payload representing the current libraries, can be restored using "
      "FUNCTION RESTORE command",
      "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
      "    Restore the libraries represented by the given payload, it is possible to give a "
      "restore policy to",
      "    control how to handle existing libraries (default APPEND):",
      "    * FLUSH: delete all existing libraries.",
      "    * APPEND: appends the restored libraries to the existing libraries. On collision, "
      "abort.",
      "    * REPLACE: appends the restored libraries to the existing libraries, On collision, "
      "replace the old",
      "      libraries with the new libraries (notice that even on this option there is a "
      "chance of failure",
      "      in case of functions name collision with another library).",
      "HELP",
      "    Prints this help.",
  });
}

}  // namespace

void RegisterScriptingCommands(CommandTable* table) {
  // Redis 7's flags; kCmdSelfLocking: the script takes its own stripes.
  constexpr uint32_t kRun = kCmdNoScript | kCmdStale | kCmdSkipMonitor | kCmdMovableKeys |
                            kCmdNoMandatoryKeys | kCmdSelfLocking;
  constexpr uint32_t kMgmt = kCmdNoScript;
  auto spec = [](std::string_view name, int arity, uint32_t flags, CommandHandler handler,
                 std::string_view summary, std::string_view since, std::string_view syntax,
                 std::string_view acl) {
    CommandSpec s;
    s.name = name;
    s.arity = arity;
    s.flags = flags;
    s.handler = handler;
    s.group = "scripting";
    s.summary = summary;
    s.since = since;
    s.complexity = "Depends on the script that is executed.";
    s.syntax = syntax;
    s.acl_categories = acl;
    if (flags & kCmdMovableKeys) s.keys_finder = &ScriptKeys;
    return s;
  };
  constexpr std::string_view kScriptAcl = "@slow @scripting";
  table->Register(spec("eval", -3, kRun | kCmdMayReplicate, CmdEval,
                       "Executes a server-side Lua script.", "2.6.0",
                       "script numkeys [key [key ...]] [arg [arg ...]]", kScriptAcl));
  table->Register(spec("evalsha", -3, kRun | kCmdMayReplicate, CmdEvalSha,
                       "Executes a server-side Lua script by SHA1 digest.", "2.6.0",
                       "sha1 numkeys [key [key ...]] [arg [arg ...]]", kScriptAcl));
  table->Register(spec("eval_ro", -3, kRun | kCmdReadOnly, CmdEvalRo,
                       "Executes a read-only server-side Lua script.", "7.0.0",
                       "script numkeys [key [key ...]] [arg [arg ...]]", kScriptAcl));
  table->Register(spec("evalsha_ro", -3, kRun | kCmdReadOnly, CmdEvalShaRo,
                       "Executes a read-only server-side Lua script by SHA1 digest.", "7.0.0",
                       "sha1 numkeys [key [key ...]] [arg [arg ...]]", kScriptAcl));
  table->Register(spec("fcall", -3, kRun | kCmdMayReplicate, CmdFcall, "Invokes a function.",
                       "7.0.0", "function numkeys [key [key ...]] [arg [arg ...]]", kScriptAcl));
  table->Register(spec("fcall_ro", -3, kRun | kCmdReadOnly, CmdFcallRo,
                       "Invokes a read-only function.", "7.0.0",
                       "function numkeys [key [key ...]] [arg [arg ...]]", kScriptAcl));

  auto sub = [&](std::string_view name, int arity, uint32_t flags, CommandHandler handler,
                 std::string_view summary, std::string_view since, std::string_view syntax,
                 std::string_view acl) {
    CommandSpec s = spec(name, arity, flags, handler, summary, since, syntax, acl);
    s.complexity = "O(1)";
    return s;
  };
  // The containers themselves are only @slow, as in Redis.
  CommandSpec script = spec("script", -2, 0, nullptr, "A container for Lua scripts management commands.",
                            "2.6.0", "", "@slow");
  script.complexity = "Depends on subcommand.";
  script.subcommands = {
      sub("script|debug", 3, kMgmt, CmdScriptDebug, "Sets the debug mode of server-side Lua scripts.",
          "3.2.0", "<YES | SYNC | NO>", kScriptAcl),
      sub("script|exists", -3, kMgmt, CmdScriptExists,
          "Determines whether server-side Lua scripts exist in the script cache.", "2.6.0",
          "sha1 [sha1 ...]", kScriptAcl),
      sub("script|flush", -2, kMgmt | kCmdMayReplicate, CmdScriptFlush,
          "Removes all server-side Lua scripts from the script cache.", "2.6.0",
          "[ASYNC | SYNC]", kScriptAcl),
      sub("script|help", 2, kCmdLoading | kCmdStale, CmdScriptHelp,
          "Returns helpful text about the different subcommands.", "5.0.0", "", kScriptAcl),
      sub("script|kill", 2, kMgmt | kCmdAllowBusy, CmdScriptKill,
          "Terminates a server-side Lua script during execution.", "2.6.0", "", kScriptAcl),
      sub("script|load", 3, kMgmt | kCmdStale | kCmdMayReplicate, CmdScriptLoad,
          "Loads a server-side Lua script to the script cache.", "2.6.0", "script", kScriptAcl),
  };
  table->Register(std::move(script));

  CommandSpec function = spec("function", -2, 0, nullptr, "A container for function commands.",
                              "7.0.0", "", "@slow");
  function.complexity = "Depends on subcommand.";
  constexpr std::string_view kWriteAcl = "@write @slow @scripting";
  function.subcommands = {
      sub("function|delete", 3, kMgmt | kCmdWrite, CmdFunctionDelete,
          "Deletes a library and its functions.", "7.0.0", "library-name", kWriteAcl),
      sub("function|dump", 2, kMgmt, CmdFunctionDump,
          "Dumps all libraries into a serialized binary payload.", "7.0.0", "", kScriptAcl),
      sub("function|flush", -2, kMgmt | kCmdWrite, CmdFunctionFlush,
          "Deletes all libraries and functions.", "7.0.0", "[ASYNC | SYNC]", kWriteAcl),
      sub("function|help", 2, kCmdLoading | kCmdStale, CmdFunctionHelp,
          "Returns helpful text about the different subcommands.", "7.0.0", "", kScriptAcl),
      sub("function|kill", 2, kMgmt | kCmdAllowBusy, CmdFunctionKill,
          "Terminates a function during execution.", "7.0.0", "", kScriptAcl),
      sub("function|list", -2, kMgmt, CmdFunctionList, "Returns information about all libraries.",
          "7.0.0", "[LIBRARYNAME library-name-pattern] [WITHCODE]", kScriptAcl),
      sub("function|load", -3, kMgmt | kCmdWrite | kCmdDenyOom, CmdFunctionLoad,
          "Creates a library.", "7.0.0", "[REPLACE] function-code", kWriteAcl),
      sub("function|restore", -3, kMgmt | kCmdWrite | kCmdDenyOom, CmdFunctionRestore,
          "Restores all libraries from a payload.", "7.0.0",
          "serialized-value [FLUSH | APPEND | REPLACE]", kWriteAcl),
      sub("function|stats", 2, kMgmt | kCmdAllowBusy, CmdFunctionStats,
          "Returns information about a function during execution.", "7.0.0", "", kScriptAcl),
  };
  table->Register(std::move(function));
}

}  // namespace shoal
