// ScriptEngine: scripting's shared state — the EVAL script cache, the
// function libraries, one ScriptWorker (Lua state) per worker thread, and
// the busy-script state that other workers consult (-BUSY, SCRIPT KILL,
// FUNCTION KILL). Created once at start-up; implements the dispatcher's
// ScriptingHooks. Design and invariants: docs/scripting.md.
#ifndef SHOAL_SERVER_SCRIPTING_SCRIPT_ENGINE_H_
#define SHOAL_SERVER_SCRIPTING_SCRIPT_ENGINE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/dispatch/scripting_hooks.h"
#include "server/dispatch/server_state.h"
#include "server/scripting/function_registry.h"
#include "server/scripting/script_cache.h"
#include "server/store/store.h"

namespace shoal {

class ScriptWorker;

// What one worker is running, as other workers see it.
struct RunningScript {
  std::atomic<bool> running{false};
  std::atomic<bool> busy{false};      // ran past busy-reply-threshold
  std::atomic<bool> is_function{false};
  std::atomic<bool> wrote{false};
  std::atomic<bool> kill{false};      // SCRIPT KILL / FUNCTION KILL / shutdown
  std::atomic<int64_t> start_ms{0};
  // The running function, for FUNCTION STATS.
  mutable absl::Mutex mu;
  std::string function_name ABSL_GUARDED_BY(mu);
  std::vector<std::string> command ABSL_GUARDED_BY(mu);
};

struct RunningFunction {
  std::string name;
  std::vector<std::string> command;
  int64_t duration_ms = 0;
};

enum class KillResult { kKilled, kNotBusy, kUnkillable, kWrongKind };

class ScriptEngine : public ScriptingHooks {
 public:
  ScriptEngine(Store* store, ServerState* server, int workers);
  ~ScriptEngine() override;

  ScriptCache& cache() { return cache_; }
  FunctionRegistry& functions() { return functions_; }
  ScriptWorker& worker(int i) { return *workers_[i]; }
  Store* store() const { return store_; }
  ServerState* server() const { return server_; }
  RunningScript& running(int worker) { return running_[worker]; }

  // Called by a worker's Lua hook when its script passed the threshold.
  void MarkBusy(int worker);
  void ClearBusy(int worker);
  // SCRIPT KILL (functions == false) / FUNCTION KILL (true).
  KillResult Kill(bool functions);
  // A function running on some worker (FUNCTION STATS); false if none.
  bool RunningFunctionInfo(RunningFunction* out) const;
  // Shutdown: every running script stops at its next hook.
  void KillAll() override;

  // ScriptingHooks.
  bool Busy() const override { return busy_count_.load(std::memory_order_relaxed) > 0; }
  std::string BusyText() const override;
  void AppendMemoryInfo(std::string* out) const override;

  int64_t lua_memory() const;

  // Replication of functions (a replica follows its primary's libraries):
  // every library as a FUNCTION DUMP payload, and the replica's side, which
  // replaces every library by those of such a payload. ReplaceLibraries
  // runs on the replication link's thread, in a Lua state of its own.
  std::string DumpLibraries() const;
  bool ReplaceLibraries(std::string_view payload, std::string* err);

 private:
  Store* store_;
  ServerState* server_;
  ScriptCache cache_;
  FunctionRegistry functions_;
  std::unique_ptr<RunningScript[]> running_;
  std::vector<std::unique_ptr<ScriptWorker>> workers_;
  std::atomic<int> busy_count_{0};
  // ReplaceLibraries' Lua state (index `workers`), made on first use.
  absl::Mutex loader_mu_;
  std::unique_ptr<ScriptWorker> loader_ ABSL_GUARDED_BY(loader_mu_);
  int loader_index_;
};

// Registers EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT, FUNCTION, FCALL and
// FCALL_RO; their handlers find the engine through ServerState::scripting.
void RegisterScriptingCommands(CommandTable* table);

}  // namespace shoal

#endif  // SHOAL_SERVER_SCRIPTING_SCRIPT_ENGINE_H_
