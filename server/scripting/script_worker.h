// ScriptWorker: one worker thread's Lua state and the execution of scripts
// and functions on it. Used only by its worker thread (no lock on the hot
// path); the shared parts live in ScriptEngine.
//
// Atomicity (docs/scripting.md): a script runs holding every stripe until
// its history (script_lock_history.h) shows it touches only its declared
// keys (KEYS); then it holds just their stripes, so scripts on different
// stripes run in parallel and no other client sees part of a script's
// effects. A redis.call on a key outside those stripes (or a command that
// needs every stripe, like KEYS or SCAN) is "undeclared": the history marks
// the script to take every stripe from then on, and if the run has not
// written yet it is abandoned (it had no effects) and started again under
// every stripe. If it already wrote, the extra stripe is locked in place
// when that cannot deadlock (it is above every stripe held, or a try-lock
// gets it within kOutOfOrderWaitMs); otherwise the call fails with an
// error rather than risking a deadlock. Inside MULTI/EXEC the transaction
// already holds every stripe.
#ifndef SHOAL_SERVER_SCRIPTING_SCRIPT_WORKER_H_
#define SHOAL_SERVER_SCRIPTING_SCRIPT_WORKER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "protocol/reply_builder.h"
#include "server/dispatch/client_session.h"
#include "server/dispatch/command_context.h"
#include "server/scripting/function_registry.h"
#include "server/scripting/lua_sandbox.h"
#include "server/scripting/script_cache.h"

namespace shoal {

class ScriptEngine;

class ScriptWorker {
 public:
  ScriptWorker(ScriptEngine* engine, int index);
  ~ScriptWorker();

  // EVAL / EVALSHA (ro: the _RO variants). Replies on ctx.
  void RunScript(CommandContext& ctx, const CachedScript& script, CmdArgs keys, CmdArgs args,
                 bool ro);
  // FCALL / FCALL_RO.
  void RunFunction(CommandContext& ctx, std::string_view name, CmdArgs keys, CmdArgs args,
                   bool ro);
  // FUNCTION LOAD: runs `code` in load mode; on success fills *lib (name,
  // code, functions). On failure returns false with Redis's error text.
  bool LoadLibrary(std::string_view code, LibraryInfo* lib, std::string* err);

  // The cached script with this sha (any letter case), or null: looked up in
  // this worker's copy first (no lock), then in the shared cache.
  std::shared_ptr<const CachedScript> FindScript(std::string_view sha);

  // Compiles an EVAL body into this state (kept by sha); false with Redis's
  // error text when it does not compile.
  bool Compile(const std::string& sha, std::string_view body, size_t shebang_len,
               std::string* err);

  int64_t lua_memory() const { return sandbox_.memory_used(); }

 private:
  struct Run;
  // Lua entry points (static: Lua calls them; they find the worker through
  // the sandbox's host pointer).
  static int LuaCall(lua_State* L);
  static int LuaPcall(lua_State* L);
  static int LuaSetResp(lua_State* L);
  static int LuaRegisterFunction(lua_State* L);
  static int LuaAclCheckCmd(lua_State* L);
  static void Hook(lua_State* L, lua_Debug* ar);

  int Call(lua_State* L, bool raise);
  // Runs one command for the script; returns false with an error text (the
  // reply bytes are in call_reply_ otherwise).
  bool Execute(CmdArgs argv, std::string* err);
  bool CheckKeys(const CommandSpec& spec, CmdArgs argv, std::string* err);
  bool StripeDeclared(uint32_t stripe) const;
  bool AddStripe(uint32_t stripe);

  // Pushes the compiled function for `script` (compiling it on first use).
  bool PushScriptFunction(const CachedScript& script, std::string* err);
  // Makes this state's functions match the registry (after LOAD/DELETE...).
  void SyncLibraries();
  // The common part of RunScript / RunFunction: locks, runs the function on
  // the stack with (keys, args), replies. `history` decides the stripes
  // taken, and learns from the run.
  void Execute(CommandContext& ctx, Run& run, CmdArgs keys, CmdArgs args,
               ScriptLockHistory& history, bool as_function);
  bool CallOnce(CommandContext& ctx, Run& run, CmdArgs keys, CmdArgs args, bool as_function,
                int fn_ref, ReplyBuilder* out);

  ScriptEngine* engine_;
  int index_;
  LuaSandbox sandbox_;
  ClientSession script_client_;  // the client redis.call runs as
  ReplyBuilder call_reply_;
  std::vector<int> key_scratch_;  // key indexes of the command redis.call runs
  Run* run_ = nullptr;  // the run in progress (null between runs)
  uint64_t cache_generation_ = 0;
  uint64_t known_generation_ = 0;
  absl::flat_hash_map<std::string, int> compiled_;  // sha -> registry ref
  // Scripts this worker has looked up, for the current cache generation.
  absl::flat_hash_map<std::string, std::shared_ptr<const CachedScript>> known_;
  uint64_t libraries_version_ = 0;
  absl::flat_hash_map<std::string, int> function_refs_;  // name -> registry ref
  // During LoadLibrary: what register_function collected.
  LibraryInfo* loading_ = nullptr;
  std::vector<std::pair<std::string, int>> pending_refs_;  // name -> callback ref
  std::string load_error_;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_SCRIPTING_SCRIPT_WORKER_H_
