// ScriptCache: the EVAL scripts every worker can run by sha (SCRIPT LOAD on
// one connection serves EVALSHA on any). Shared by all workers; thread-safe.
//
// Entries are immutable once added except `lock_history`, which the
// workers learn (script_lock_history.h): which stripes the next run takes.
// SCRIPT FLUSH bumps the generation so that workers drop what they compiled.
#ifndef SHOAL_SERVER_SCRIPTING_SCRIPT_CACHE_H_
#define SHOAL_SERVER_SCRIPTING_SCRIPT_CACHE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "server/scripting/script_lock_history.h"

namespace shoal {

struct CachedScript {
  std::string sha;
  std::string body;
  uint32_t flags = 0;      // ScriptFlag bits from the shebang
  size_t shebang_len = 0;  // bytes of the shebang line (blanked when compiled)
  mutable ScriptLockHistory lock_history;
};

class ScriptCache {
 public:
  // Adds (or finds) the script; returns it.
  std::shared_ptr<const CachedScript> Add(std::string_view body, uint32_t flags,
                                          size_t shebang_len);
  std::shared_ptr<const CachedScript> Find(std::string_view sha) const;
  bool Exists(std::string_view sha) const;
  void Flush();

  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  int64_t count() const;
  int64_t bytes() const;  // bodies and their overhead (used_memory_scripts_eval)

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<const CachedScript>> scripts_
      ABSL_GUARDED_BY(mu_);
  int64_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<uint64_t> generation_{1};
};

}  // namespace shoal

#endif  // SHOAL_SERVER_SCRIPTING_SCRIPT_CACHE_H_
