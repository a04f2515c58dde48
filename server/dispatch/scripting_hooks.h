// ScriptingHooks: what the dispatcher and INFO need from scripting, which
// sits above them (server/scripting implements it; null without it).
// While a script runs past busy-reply-threshold, other clients get -BUSY
// except for commands flagged allow-busy (SCRIPT KILL, FUNCTION KILL,
// SHUTDOWN NOSAVE...). Thread-safe: called from every worker.
#ifndef SHOAL_SERVER_DISPATCH_SCRIPTING_HOOKS_H_
#define SHOAL_SERVER_DISPATCH_SCRIPTING_HOOKS_H_

#include <string>

namespace shoal {

class ScriptingHooks {
 public:
  virtual ~ScriptingHooks() = default;
  // A script has run past busy-reply-threshold (one relaxed load).
  virtual bool Busy() const = 0;
  // The -BUSY reply text for the script that is busy.
  virtual std::string BusyText() const = 0;
  // INFO memory's scripting lines (used_memory_lua, number_of_cached_scripts...).
  virtual void AppendMemoryInfo(std::string* out) const = 0;
  // Shutdown: stops every running script at its next check.
  virtual void KillAll() = 0;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_SCRIPTING_HOOKS_H_
