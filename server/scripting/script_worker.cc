// ScriptWorker: running scripts and functions on one worker's Lua state, and
// redis.call. See script_worker.h for the locking rules and
// docs/scripting.md for the design.
#include "server/scripting/script_worker.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "absl/strings/ascii.h"
#include "base/strings.h"
#include "server/dispatch/command_table.h"
#include "server/dispatch/dispatcher.h"
#include "server/dispatch/info_section.h"  // kUsedMemoryBaseline
#include "server/scripting/lua_values.h"
#include "server/scripting/script_engine.h"
#include "server/scripting/script_flags.h"
#include "server/scripting/sha1_hex.h"
#include "server/store/slot_hash.h"

extern "C" {
#include <lauxlib.h>
}

namespace shoal {
namespace {

// A Lua state may use this much memory (Redis bounds it by maxmemory only).
constexpr int64_t kLuaMemoryLimit = 1LL << 30;
// Instructions between two looks at the clock and the kill flag.
constexpr int kHookInstructions = 100000;
// FUNCTION LOAD: library code must finish registering within this time.
constexpr int64_t kLoadTimeoutMs = 500;
// A script that wrote tries this long for a stripe below one it holds.
constexpr int64_t kOutOfOrderWaitMs = 20;

constexpr char kErrRoWriteFlag[] = "ERR Can not execute a script with write flag using *_ro command.";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return absl::ascii_isalnum(c) || c == '_'; });
}

}  // namespace

struct ScriptWorker::Run {
  CommandContext* caller = nullptr;
  std::string name;  // sha or function name, for error texts
  uint32_t flags = 0;
  bool read_only = false;
  bool oom = false;  // over maxmemory when the script started
  bool all_stripes = false;
  absl::InlinedVector<uint32_t, 8> stripes;  // held, sorted, unique
  std::vector<std::unique_ptr<StripeLocks>> extra;
  bool wrote = false;
  bool retry_all = false;
  bool undeclared = false;  // touched a key outside the declared stripes
  int resp = 2;
  int cluster_slot = -1;
  int64_t start_ms = 0;
  int64_t deadline_ms = 0;  // FUNCTION LOAD only
  bool loading = false;
};

ScriptWorker::ScriptWorker(ScriptEngine* engine, int index)
    : engine_(engine),
      index_(index),
      sandbox_(this,
               LuaHostFunctions{&ScriptWorker::LuaCall, &ScriptWorker::LuaPcall,
                                &ScriptWorker::LuaSetResp, &ScriptWorker::LuaRegisterFunction,
                                &ScriptWorker::LuaAclCheckCmd},
               kLuaMemoryLimit) {
  script_client_.id = 0;
  script_client_.authenticated = true;
  script_client_.worker = index;
  lua_sethook(sandbox_.state(), &ScriptWorker::Hook, LUA_MASKCOUNT, kHookInstructions);
}

ScriptWorker::~ScriptWorker() = default;

// ---------------------------------------------------------------------------
// EVAL / EVALSHA / FCALL

std::shared_ptr<const CachedScript> ScriptWorker::FindScript(std::string_view sha) {
  if (sha.size() != kSha1HexLen) return nullptr;
  char lower[kSha1HexLen];
  for (size_t i = 0; i < kSha1HexLen; ++i) lower[i] = absl::ascii_tolower(sha[i]);
  std::string_view key(lower, kSha1HexLen);
  uint64_t gen = engine_->cache().generation();
  if (gen != known_generation_) {
    known_.clear();
    known_generation_ = gen;
  }
  auto it = known_.find(ToAbsl(key));
  if (it != known_.end()) return it->second;
  std::shared_ptr<const CachedScript> s = engine_->cache().Find(key);
  if (s != nullptr) known_.emplace(std::string(key), s);
  return s;
}

bool ScriptWorker::Compile(const std::string& sha, std::string_view body, size_t shebang_len,
                           std::string* err) {
  lua_State* L = sandbox_.state();
  uint64_t gen = engine_->cache().generation();
  if (gen != cache_generation_) {
    for (auto& [s, ref] : compiled_) luaL_unref(L, LUA_REGISTRYINDEX, ref);
    compiled_.clear();
    cache_generation_ = gen;
    lua_gc(L, LUA_GCCOLLECT, 0);
  }
  if (compiled_.contains(sha)) return true;
  std::string text(body);
  // The shebang becomes a comment, so that line numbers stay the same.
  if (shebang_len > 0) text[0] = text[1] = '-';
  std::string lua_err;
  if (!sandbox_.Compile(text, "@user_script", &lua_err)) {
    *err = StrCat("ERR Error compiling script (new function): ", lua_err);
    return false;
  }
  compiled_[sha] = luaL_ref(L, LUA_REGISTRYINDEX);
  return true;
}

bool ScriptWorker::PushScriptFunction(const CachedScript& script, std::string* err) {
  if (!Compile(script.sha, script.body, script.shebang_len, err)) return false;
  lua_rawgeti(sandbox_.state(), LUA_REGISTRYINDEX, compiled_[script.sha]);
  return true;
}

void ScriptWorker::RunScript(CommandContext& ctx, const CachedScript& script, CmdArgs keys,
                             CmdArgs args, bool ro) {
  uint32_t flags = script.flags;
  bool legacy = flags & kScriptNoShebang;
  if (ro && !legacy && !(flags & kScriptNoWrites)) return ctx.Error(kErrRoWriteFlag);
  Run run;
  run.caller = &ctx;
  run.name = script.sha;
  run.flags = flags;
  run.read_only = ro || (flags & kScriptNoWrites);
  std::string err;
  if (!PushScriptFunction(script, &err)) return ctx.Error(err);
  Execute(ctx, run, keys, args, script.lock_history, false);
}

void ScriptWorker::RunFunction(CommandContext& ctx, std::string_view name, CmdArgs keys,
                               CmdArgs args, bool ro) {
  SyncLibraries();
  std::shared_ptr<const FunctionInfo> info;
  std::string library;
  auto ref = function_refs_.find(AsciiLower(name));
  if (ref == function_refs_.end() ||
      !engine_->functions().FindFunction(name, &info, &library)) {
    return ctx.Error("ERR Function not found");
  }
  if (ro && !(info->flags & kScriptNoWrites)) return ctx.Error(kErrRoWriteFlag);
  Run run;
  run.caller = &ctx;
  run.name = std::string(name);
  run.flags = info->flags;
  run.read_only = ro || (info->flags & kScriptNoWrites);
  {
    RunningScript& rs = engine_->running(index_);
    absl::MutexLock l(&rs.mu);
    rs.function_name = info->name;
    rs.command.assign({ro ? "fcall_ro" : "fcall", std::string(name), std::to_string(keys.size())});
    rs.command.insert(rs.command.end(), keys.begin(), keys.end());
    rs.command.insert(rs.command.end(), args.begin(), args.end());
  }
  lua_rawgeti(sandbox_.state(), LUA_REGISTRYINDEX, ref->second);
  Execute(ctx, run, keys, args, info->lock_history, true);
}

void ScriptWorker::Execute(CommandContext& ctx, Run& run, CmdArgs keys, CmdArgs args,
                           ScriptLockHistory& history, bool as_function) {
  lua_State* L = sandbox_.state();
  Store* store = ctx.store;
  ServerState* server = ctx.server;
  if (server->router != nullptr && (run.flags & kScriptNoCluster)) {
    lua_pop(L, 1);
    return ctx.Error("ERR Can not run script on cluster, 'no-cluster' flag is set.");
  }
  // Memory: Redis decides once, before the script runs.
  int64_t maxmemory = server->runtime().maxmemory.load(std::memory_order_relaxed);
  if (maxmemory > 0 && !ctx.in_exec) {
    bool may_write = !run.read_only;
    bool strict = !(run.flags & kScriptNoShebang);
    if (may_write && !(run.flags & kScriptAllowOom)) {
      run.oom = !store->EnsureMemory(std::max<int64_t>(0, maxmemory - kUsedMemoryBaseline));
    }
    if (run.oom && strict) {
      lua_pop(L, 1);
      return ctx.Error(kErrOom);
    }
  }
  int fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  for (;;) {
    bool all = ctx.in_exec || history.RunUnderAllStripes();
    StripeLocks locks(store);
    run.stripes.clear();  // the declared stripes (held unless `all`)
    for (std::string_view k : keys) run.stripes.push_back(store->StripeOfSlot(KeySlot(k)));
    if (!ctx.in_exec) {
      if (all) {
        locks.AddAll();
      } else {
        for (std::string_view k : keys) locks.AddKey(k);
      }
      locks.Acquire();
    }
    std::sort(run.stripes.begin(), run.stripes.end());
    run.stripes.erase(std::unique(run.stripes.begin(), run.stripes.end()), run.stripes.end());
    run.all_stripes = all;
    run.retry_all = false;
    run.wrote = false;
    run.undeclared = false;
    run.cluster_slot = keys.empty() ? -1 : KeySlot(keys[0]);
    bool ok = CallOnce(ctx, run, keys, args, as_function, fn_ref, ctx.reply);
    run.extra.clear();
    history.Record(run.undeclared, all);
    // Undeclared key before any write: nothing happened; run again under
    // every stripe (and, the history says, from now on always).
    if (!ok && run.retry_all && !all) continue;
    break;
  }
  luaL_unref(L, LUA_REGISTRYINDEX, fn_ref);
}

// Runs the function once; writes its reply unless the run must be retried
// (returns false then, with nothing written).
bool ScriptWorker::CallOnce(CommandContext& ctx, Run& run, CmdArgs keys, CmdArgs args,
                            bool as_function, int fn_ref, ReplyBuilder* out) {
  lua_State* L = sandbox_.state();
  RunningScript& rs = engine_->running(index_);
  script_client_.db.store(ctx.db(), std::memory_order_relaxed);
  script_client_.resp.store(2, std::memory_order_relaxed);
  run.resp = 2;
  run.start_ms = NowMs();
  rs.kill.store(false, std::memory_order_relaxed);
  rs.wrote.store(false, std::memory_order_relaxed);
  rs.is_function.store(as_function, std::memory_order_relaxed);
  rs.start_ms.store(run.start_ms, std::memory_order_relaxed);
  rs.running.store(true, std::memory_order_release);
  run_ = &run;

  lua_rawgeti(L, LUA_REGISTRYINDEX, fn_ref);
  int nargs = 0;
  if (as_function) {
    for (CmdArgs list : {keys, args}) {
      lua_createtable(L, static_cast<int>(list.size()), 0);
      for (size_t i = 0; i < list.size(); ++i) {
        lua_pushlstring(L, list[i].data(), list[i].size());
        lua_rawseti(L, -2, static_cast<int>(i + 1));
      }
    }
    nargs = 2;
    sandbox_.ClearGlobal("KEYS");  // functions get keys and args as parameters
    sandbox_.ClearGlobal("ARGV");
  } else {
    sandbox_.SetGlobalArray("KEYS", keys.data(), keys.size());
    sandbox_.SetGlobalArray("ARGV", args.data(), args.size());
  }
  int status;
  {
    ScopedFrozenTime frozen(ctx.store->clock().NowMs());
    status = sandbox_.CallProtected(nargs);
  }

  run_ = nullptr;
  rs.running.store(false, std::memory_order_release);
  engine_->ClearBusy(index_);
  bool retry = run.retry_all && !run.all_stripes;
  if (!retry) {
    if (status != 0) {
      std::string text = LuaSandbox::ErrorText(L, run.name);
      WriteRawError(out, text);
      ctx.NoteError(text);
    } else {
      WriteLuaAsReply(L, -1, out, run.resp);
      // A script that returns an error reply failed, as in Redis (its code
      // counts in INFO errorstats).
      if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "err");
        if (lua_type(L, -1) == LUA_TSTRING) ctx.NoteError(lua_tostring(L, -1));
        lua_pop(L, 1);
      }
    }
  }
  lua_pop(L, 1);
  if (lua_gc(L, LUA_GCCOUNT, 0) > 64 * 1024) lua_gc(L, LUA_GCSTEP, 0);
  return !retry;
}

// ---------------------------------------------------------------------------
// redis.call and friends

ScriptWorker* WorkerOf(lua_State* L) { return static_cast<ScriptWorker*>(LuaSandbox::Host(L)); }

int ScriptWorker::LuaCall(lua_State* L) { return WorkerOf(L)->Call(L, true); }
int ScriptWorker::LuaPcall(lua_State* L) { return WorkerOf(L)->Call(L, false); }

int ScriptWorker::LuaSetResp(lua_State* L) {
  ScriptWorker* w = WorkerOf(L);
  if (lua_gettop(L) != 1) return RaiseErrorTable(L, "redis.setresp() requires one argument.");
  int v = static_cast<int>(lua_tonumber(L, 1));
  if (v != 2 && v != 3) return RaiseErrorTable(L, "RESP version must be 2 or 3.");
  if (w->run_ != nullptr) {
    w->run_->resp = v;
    w->script_client_.resp.store(v, std::memory_order_relaxed);
  }
  return 0;
}

int ScriptWorker::LuaAclCheckCmd(lua_State* L) {
  ScriptWorker* w = WorkerOf(L);
  int argc = lua_gettop(L);
  if (argc < 1) return RaiseErrorTable(L, "Please specify at least one argument for this redis lib call");
  absl::InlinedVector<std::string_view, 8> argv;
  for (int i = 1; i <= argc; ++i) {
    int t = lua_type(L, i);
    if (t != LUA_TSTRING && t != LUA_TNUMBER) {
      return RaiseErrorTable(L, "Lua redis lib command arguments must be strings or integers");
    }
    if (t == LUA_TNUMBER) {
      char buf[64];
      int n = std::snprintf(buf, sizeof(buf), "%.17g", lua_tonumber(L, i));
      lua_pushlstring(L, buf, n);
      lua_replace(L, i);
    }
    size_t len;
    const char* s = lua_tolstring(L, i, &len);
    argv.emplace_back(s, len);
  }
  const CommandSpec* spec = w->engine_->server()->table().Find(argv[0]);
  if (spec != nullptr && !spec->subcommands.empty() && argv.size() >= 2) {
    spec = CommandTable::FindSub(*spec, argv[1]);
  }
  if (spec == nullptr) return RaiseErrorTable(L, "Invalid command passed to redis.acl_check_cmd()");
  // The calling client's user decides, as for redis.call (server/acl/).
  bool allowed = true;
  if (w->run_ != nullptr && w->run_->caller->dispatcher != nullptr) {
    allowed = w->run_->caller->dispatcher->CallerAclAllows(*spec, CmdArgs(argv.data(), argv.size()));
  }
  lua_pushboolean(L, allowed ? 1 : 0);
  return 1;
}

int ScriptWorker::Call(lua_State* L, bool raise) {
  int argc = lua_gettop(L);
  auto fail = [&](std::string_view text) {
    if (raise) return RaiseErrorTable(L, text);
    PushErrorTable(L, text);
    return 1;
  };
  if (run_ == nullptr) return fail("redis.call can only be called inside a script invocation");
  if (run_->retry_all) {
    // The run is being abandoned (undeclared key): nothing else may happen.
    return RaiseErrorTable(L, "script restarted");
  }
  if (argc == 0) return fail("Please specify at least one argument for this redis lib call");
  absl::InlinedVector<std::string_view, 8> argv;
  argv.reserve(argc);
  for (int i = 1; i <= argc; ++i) {
    int t = lua_type(L, i);
    if (t != LUA_TSTRING && t != LUA_TNUMBER) {
      return fail("Lua redis lib command arguments must be strings or integers");
    }
    if (t == LUA_TNUMBER) {
      // Redis 7.0 formats numbers with %.17g (exact for integers up to 2^53).
      char buf[64];
      int n = std::snprintf(buf, sizeof(buf), "%.17g", lua_tonumber(L, i));
      lua_pushlstring(L, buf, n);
      lua_replace(L, i);
    }
    size_t len;
    const char* s = lua_tolstring(L, i, &len);
    argv.emplace_back(s, len);
  }
  std::string err;
  call_reply_.Clear();
  call_reply_.set_resp_version(run_->resp);
  if (!Execute(CmdArgs(argv.data(), argv.size()), &err)) {
    if (run_->retry_all) return RaiseErrorTable(L, "script restarted");
    return fail(err);
  }
  lua_settop(L, 0);
  PushReplyAsLua(L, call_reply_.buffer());
  if (raise && lua_istable(L, -1)) {
    lua_pushstring(L, "err");
    lua_rawget(L, -2);
    bool is_err = lua_isstring(L, -1);
    lua_pop(L, 1);
    if (is_err) return lua_error(L);
  }
  return 1;
}

bool ScriptWorker::Execute(CmdArgs argv, std::string* err) {
  CommandContext& caller = *run_->caller;
  ServerState* server = caller.server;
  const CommandSpec* spec = server->table().Find(argv[0]);
  if (spec != nullptr && !spec->subcommands.empty() && argv.size() >= 2) {
    spec = CommandTable::FindSub(*spec, argv[1]);
  }
  if (spec == nullptr) {
    *err = "Unknown Redis command called from script";
    return false;
  }
  int n = static_cast<int>(argv.size());
  if (spec->arity >= 0 ? n != spec->arity : n < -spec->arity) {
    *err = "Wrong number of args calling Redis command from script";
    return false;
  }
  if (spec->flags & kCmdNoScript) {
    *err = "This Redis command is not allowed from script";
    return false;
  }
  bool write = spec->flags & kCmdWrite;
  if (write && run_->read_only) {
    *err = "Write commands are not allowed from read-only scripts.";
    return false;
  }
  if ((spec->flags & kCmdDenyOom) && run_->oom && !(run_->flags & kScriptAllowOom)) {
    *err = StrCat("-", kErrOom);
    return false;
  }
  if (!CheckKeys(*spec, argv, err)) return false;

  CommandContext inner;
  inner.store = caller.store;
  inner.reply = &call_reply_;
  inner.client = &script_client_;
  inner.server = server;
  inner.spec = spec;
  inner.worker = caller.worker;
  inner.dispatcher = caller.dispatcher;
  inner.in_exec = true;  // blocking commands do not block in scripts
  inner.in_script = true;
  caller.dispatcher->Call(inner, argv);
  if (write) {
    run_->wrote = true;
    engine_->running(index_).wrote.store(true, std::memory_order_relaxed);
  }
  return true;
}

bool ScriptWorker::StripeDeclared(uint32_t stripe) const {
  return std::binary_search(run_->stripes.begin(), run_->stripes.end(), stripe);
}

// Locks one more stripe for a script that already wrote: only where that
// cannot deadlock (see script_worker.h).
namespace {

// A stripe below one held cannot be waited for (its holder may be waiting
// for ours), but most holders are a command that ends within microseconds:
// retries the try-lock for up to `ms`, yielding the core in between.
bool TryAcquireFor(StripeLocks& locks, int64_t ms) {
  int64_t deadline = NowMs() + ms;
  while (!locks.TryAcquire()) {
    if (NowMs() >= deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

}  // namespace

bool ScriptWorker::AddStripe(uint32_t stripe) {
  Store* store = run_->caller->store;
  bool above_all = run_->stripes.empty() || stripe > run_->stripes.back();
  auto locks = std::make_unique<StripeLocks>(store);
  locks->AddSlot(static_cast<int>(stripe));  // slot s is in stripe s (s < stripes)
  if (above_all) {
    locks->Acquire();
  } else if (!TryAcquireFor(*locks, kOutOfOrderWaitMs)) {
    return false;
  }
  run_->extra.push_back(std::move(locks));
  run_->stripes.insert(std::upper_bound(run_->stripes.begin(), run_->stripes.end(), stripe),
                       stripe);
  return true;
}

bool ScriptWorker::CheckKeys(const CommandSpec& spec, CmdArgs argv, std::string* err) {
  ServerState* server = run_->caller->server;
  Store* store = run_->caller->store;
  bool needs_all = (spec.flags & (kCmdLockAll | kCmdSelfLocking)) != 0;
  std::vector<int>& idx = key_scratch_;
  idx.clear();
  if (!needs_all && !CommandTable::KeyIndexes(spec, argv, &idx)) {
    *err = "syntax error";
    return false;
  }
  if (server->router != nullptr) {
    for (int i : idx) {
      int slot = KeySlot(argv[i]);
      if (run_->cluster_slot < 0) run_->cluster_slot = slot;
      if (slot != run_->cluster_slot && !(run_->flags & kScriptAllowCrossSlot)) {
        *err = "Script attempted to access keys that do not hash to the same slot";
        return false;
      }
      if (server->router->Route(slot, spec, *run_->caller->client).has_value()) {
        *err = "Script attempted to access a non local key in a cluster node script";
        return false;
      }
    }
  }
  absl::InlinedVector<uint32_t, 4> missing;
  if (needs_all) {
    missing.push_back(UINT32_MAX);
  } else {
    for (int i : idx) {
      uint32_t st = store->StripeOfSlot(KeySlot(argv[i]));
      if (!StripeDeclared(st)) missing.push_back(st);
    }
  }
  if (missing.empty()) return true;
  run_->undeclared = true;
  if (run_->all_stripes) return true;
  if (!run_->wrote) {
    run_->retry_all = true;
    *err = "script restarted";
    return false;
  }
  std::sort(missing.begin(), missing.end());
  for (uint32_t st : missing) {
    if (st == UINT32_MAX || !AddStripe(st)) {
      *err =
          "Script attempted to access a key outside its declared keys after writing, while "
          "another client held it; declare every key in KEYS";
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------
// Busy scripts

void ScriptWorker::Hook(lua_State* L, lua_Debug*) {
  ScriptWorker* w = WorkerOf(L);
  Run* run = w->run_;
  if (run == nullptr) return;
  RunningScript& rs = w->engine_->running(w->index_);
  int64_t now = NowMs();
  if (run->loading) {
    if (now > run->deadline_ms) {
      lua_sethook(L, &ScriptWorker::Hook, LUA_MASKLINE, 0);
      RaiseErrorTable(L, "FUNCTION LOAD timeout");
    }
    return;
  }
  int64_t threshold =
      w->engine_->server()->runtime().busy_reply_threshold_ms.load(std::memory_order_relaxed);
  if (!rs.busy.load(std::memory_order_relaxed) && threshold > 0 &&
      now - run->start_ms >= threshold) {
    w->engine_->MarkBusy(w->index_);
  }
  if (rs.kill.load(std::memory_order_relaxed)) {
    // Raised at every line from now on, so that pcall cannot swallow it.
    lua_sethook(L, &ScriptWorker::Hook, LUA_MASKLINE, 0);
    RaiseErrorTable(L, "Script killed by user with SCRIPT KILL...");
  }
}

// ---------------------------------------------------------------------------
// Functions

namespace {

bool ParseLibraryMetadata(std::string_view code, std::string* name, size_t* shebang_len,
                          std::string* err) {
  if (code.substr(0, 2) != "#!") {
    *err = "ERR Missing library metadata";
    return false;
  }
  size_t eol = code.find('\n');
  std::string_view line = code.substr(0, eol == std::string_view::npos ? code.size() : eol);
  *shebang_len = line.size();
  size_t sp = line.find(' ');
  std::string_view engine = line.substr(2, sp == std::string_view::npos ? line.npos : sp - 2);
  if (engine != "lua") {
    *err = StrCat("ERR Engine '", engine, "' not found");
    return false;
  }
  name->clear();
  bool given = false;
  std::string_view rest = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
  while (!rest.empty()) {
    size_t next = rest.find(' ');
    std::string_view part = rest.substr(0, next);
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
    if (part.empty()) continue;
    if (part.substr(0, 5) != "name=") {
      *err = StrCat("ERR Invalid metadata value given: ", part);
      return false;
    }
    *name = std::string(part.substr(5));
    given = true;
  }
  if (!given) {
    *err = "ERR Library name was not given";
    return false;
  }
  if (!ValidName(*name)) {
    *err = "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";
    return false;
  }
  return true;
}

}  // namespace

// redis.register_function, only while library code loads.
int ScriptWorker::LuaRegisterFunction(lua_State* L) {
  ScriptWorker* w = WorkerOf(L);
  LibraryInfo* lib = w->loading_;
  if (lib == nullptr) return RaiseErrorTable(L, "redis.register_function can only be called on FUNCTION LOAD command");
  int argc = lua_gettop(L);
  auto info = std::make_shared<FunctionInfo>();
  int callback = 0;
  if (argc == 1) {
    if (!lua_istable(L, 1)) {
      return RaiseErrorTable(L, "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).");
    }
    lua_pushnil(L);
    while (lua_next(L, 1) != 0) {
      if (lua_type(L, -2) != LUA_TSTRING) {
        return RaiseErrorTable(L, "named argument key given to redis.register_function is not a string");
      }
      std::string key = lua_tostring(L, -2);
      if (key == "function_name") {
        if (!lua_isstring(L, -1)) return RaiseErrorTable(L, "function_name argument given to redis.register_function must be a string");
        info->name = lua_tostring(L, -1);
      } else if (key == "description") {
        if (lua_type(L, -1) != LUA_TSTRING) return RaiseErrorTable(L, "description argument given to redis.register_function must be a string");
        info->description = lua_tostring(L, -1);
      } else if (key == "callback") {
        if (lua_type(L, -1) != LUA_TFUNCTION) return RaiseErrorTable(L, "callback argument given to redis.register_function must be a function");
        callback = lua_gettop(L);
        lua_pushvalue(L, -1);  // keep a copy below the iteration pair
        lua_insert(L, 2);
        callback = 2;
      } else if (key == "flags") {
        if (!lua_istable(L, -1)) return RaiseErrorTable(L, "flags argument to redis.register_function must be a table representing function flags");
        int flags_idx = lua_gettop(L);
        for (int j = 1;; ++j) {
          lua_rawgeti(L, flags_idx, j);
          if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
          }
          uint32_t f = lua_type(L, -1) == LUA_TSTRING ? ScriptFlagByName(lua_tostring(L, -1)) : 0;
          if (f == 0) return RaiseErrorTable(L, "unknown flag given");
          info->flags |= f;
          lua_pop(L, 1);
        }
      } else {
        return RaiseErrorTable(L, "unknown argument given to redis.register_function");
      }
      lua_pop(L, 1);
    }
    if (info->name.empty()) return RaiseErrorTable(L, "redis.register_function must get a function name argument");
    if (callback == 0) return RaiseErrorTable(L, "redis.register_function must get a callback argument");
  } else if (argc == 2) {
    if (!lua_isstring(L, 1)) return RaiseErrorTable(L, "first argument to redis.register_function must be a string");
    if (lua_type(L, 2) != LUA_TFUNCTION) return RaiseErrorTable(L, "second argument to redis.register_function must be a function");
    info->name = lua_tostring(L, 1);
    callback = 2;
  } else {
    return RaiseErrorTable(L, "wrong number of arguments to redis.register_function");
  }
  if (!ValidName(info->name)) {
    // (Redis says "Library names" here too.)
    return RaiseErrorTable(L, "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long");
  }
  for (const auto& f : lib->functions) {
    if (f->name == info->name) return RaiseErrorTable(L, "Function already exists in the library");
  }
  lua_pushvalue(L, callback);
  w->pending_refs_.emplace_back(info->name, luaL_ref(L, LUA_REGISTRYINDEX));
  lib->functions.push_back(std::move(info));
  return 0;
}

bool ScriptWorker::LoadLibrary(std::string_view code, LibraryInfo* lib, std::string* err) {
  size_t shebang_len = 0;
  if (!ParseLibraryMetadata(code, &lib->name, &shebang_len, err)) return false;
  lib->code = std::string(code);
  lib->functions.clear();
  lua_State* L = sandbox_.state();
  std::string body(code);
  body[0] = body[1] = '-';
  std::string lua_err;
  if (!sandbox_.Compile(body, "@user_function", &lua_err)) {
    *err = StrCat("ERR Error compiling function: ", lua_err);
    return false;
  }
  Run run;
  run.loading = true;
  run.deadline_ms = NowMs() + kLoadTimeoutMs;
  Run* outer = run_;
  run_ = &run;
  loading_ = lib;
  pending_refs_.clear();
  sandbox_.set_loading(true);
  int status = sandbox_.CallProtected(0);
  sandbox_.set_loading(false);
  lua_sethook(L, &ScriptWorker::Hook, LUA_MASKCOUNT, kHookInstructions);
  loading_ = nullptr;
  run_ = outer;
  bool ok = status == 0;
  if (!ok) {
    lua_getfield(L, -1, "err");
    std::string msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "ERR unknown error";
    lua_pop(L, 1);
    *err = StrCat("ERR Error registering functions: ", msg);
  }
  lua_pop(L, 1);
  if (ok && lib->functions.empty()) {
    *err = "ERR No functions registered";
    ok = false;
  }
  if (!ok) {
    for (auto& [name, ref] : pending_refs_) luaL_unref(L, LUA_REGISTRYINDEX, ref);
    pending_refs_.clear();
  }
  return ok;
}

void ScriptWorker::SyncLibraries() {
  FunctionRegistry& registry = engine_->functions();
  uint64_t version = registry.version();
  if (version == libraries_version_) return;
  lua_State* L = sandbox_.state();
  for (auto& [name, ref] : function_refs_) luaL_unref(L, LUA_REGISTRYINDEX, ref);
  function_refs_.clear();
  std::shared_ptr<const LibraryMap> libs = registry.Snapshot();
  for (const auto& [name, lib] : *libs) {
    LibraryInfo scratch;
    std::string err;
    if (!LoadLibrary(lib->code, &scratch, &err)) continue;  // validated when loaded
    for (auto& [fn, ref] : pending_refs_) function_refs_[AsciiLower(fn)] = ref;
    pending_refs_.clear();
  }
  libraries_version_ = version;
  lua_gc(L, LUA_GCCOLLECT, 0);
}

}  // namespace shoal
