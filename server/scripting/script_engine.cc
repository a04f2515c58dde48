// ScriptEngine: shared scripting state and the busy-script protocol.
#include "server/scripting/script_engine.h"

#include <chrono>

#include "base/strings.h"
#include "server/scripting/script_worker.h"
#include "server/serialize/function_payload.h"

namespace shoal {

ScriptEngine::ScriptEngine(Store* store, ServerState* server, int workers)
    : store_(store),
      server_(server),
      running_(new RunningScript[workers + 1]),
      loader_index_(workers) {
  workers_.reserve(workers);
  for (int i = 0; i < workers; ++i) workers_.push_back(std::make_unique<ScriptWorker>(this, i));
}

ScriptEngine::~ScriptEngine() = default;

std::string ScriptEngine::DumpLibraries() const {
  std::vector<std::string> codes;
  for (const auto& [name, lib] : *functions_.Snapshot()) codes.push_back(lib->code);
  return DumpFunctions(codes);
}

bool ScriptEngine::ReplaceLibraries(std::string_view payload, std::string* err) {
  std::vector<std::string> codes;
  if (!ParseFunctionPayload(payload, &codes, err)) return false;
  auto libs = std::make_shared<LibraryMap>();
  {
    absl::MutexLock l(&loader_mu_);
    if (loader_ == nullptr) loader_ = std::make_unique<ScriptWorker>(this, loader_index_);
    for (const std::string& code : codes) {
      auto lib = std::make_shared<LibraryInfo>();
      if (!loader_->LoadLibrary(code, lib.get(), err)) return false;
      (*libs)[lib->name] = std::move(lib);
    }
  }
  while (!functions_.Replace(functions_.version(), libs)) {
  }
  return true;
}

void ScriptEngine::MarkBusy(int worker) {
  if (!running_[worker].busy.exchange(true)) busy_count_.fetch_add(1);
}

void ScriptEngine::ClearBusy(int worker) {
  if (running_[worker].busy.exchange(false)) busy_count_.fetch_sub(1);
}

KillResult ScriptEngine::Kill(bool functions) {
  KillResult result = KillResult::kNotBusy;
  for (size_t i = 0; i < workers_.size(); ++i) {
    RunningScript& rs = running_[i];
    if (!rs.running.load() || !rs.busy.load()) continue;
    if (rs.is_function.load() != functions) {
      result = KillResult::kWrongKind;
      continue;
    }
    if (rs.wrote.load()) return KillResult::kUnkillable;
    rs.kill.store(true);
    return KillResult::kKilled;
  }
  return result;
}

bool ScriptEngine::RunningFunctionInfo(RunningFunction* out) const {
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now().time_since_epoch())
                    .count();
  for (size_t i = 0; i < workers_.size(); ++i) {
    const RunningScript& rs = running_[i];
    if (!rs.running.load() || !rs.is_function.load()) continue;
    absl::MutexLock l(&rs.mu);
    out->name = rs.function_name;
    out->command = rs.command;
    out->duration_ms = now - rs.start_ms.load();
    return true;
  }
  return false;
}

void ScriptEngine::KillAll() {
  for (size_t i = 0; i < workers_.size(); ++i) running_[i].kill.store(true);
}

std::string ScriptEngine::BusyText() const {
  for (size_t i = 0; i < workers_.size(); ++i) {
    if (running_[i].busy.load() && running_[i].is_function.load()) {
      return "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN "
             "NOSAVE.";
    }
  }
  return "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
}

int64_t ScriptEngine::lua_memory() const {
  int64_t n = 0;
  for (const auto& w : workers_) n += w->lua_memory();
  return n;
}

void ScriptEngine::AppendMemoryInfo(std::string* out) const {
  int64_t lua = lua_memory();
  int64_t scripts = cache_.bytes();
  int64_t funcs = functions_.bytes();
  StrAppend(out, "used_memory_lua:", lua, "\r\n");
  StrAppend(out, "used_memory_vm_eval:", lua, "\r\n");
  StrAppend(out, "used_memory_lua_human:", lua / 1024, "K\r\n");
  StrAppend(out, "used_memory_scripts_eval:", scripts, "\r\n");
  StrAppend(out, "number_of_cached_scripts:", cache_.count(), "\r\n");
  StrAppend(out, "number_of_functions:", functions_.function_count(), "\r\n");
  StrAppend(out, "number_of_libraries:", functions_.library_count(), "\r\n");
  StrAppend(out, "used_memory_vm_functions:", funcs, "\r\n");
  StrAppend(out, "used_memory_vm_total:", lua + funcs, "\r\n");
  StrAppend(out, "used_memory_functions:", funcs, "\r\n");
  StrAppend(out, "used_memory_scripts:", scripts + funcs, "\r\n");
  StrAppend(out, "used_memory_scripts_human:", (scripts + funcs) / 1024, "K\r\n");
}

}  // namespace shoal
