// FunctionRegistry: the libraries loaded with FUNCTION LOAD, shared by every
// worker. A library is its code plus what its load registered (functions,
// their flags and descriptions). Workers compile libraries into their own
// Lua states lazily: each remembers the version it loaded and reloads when
// the registry's version moved on. Thread-safe.
#ifndef SHOAL_SERVER_SCRIPTING_FUNCTION_REGISTRY_H_
#define SHOAL_SERVER_SCRIPTING_FUNCTION_REGISTRY_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/scripting/script_lock_history.h"

namespace shoal {

struct FunctionInfo {
  std::string name;
  std::string description;  // empty: none
  uint32_t flags = 0;       // ScriptFlag bits
  mutable ScriptLockHistory lock_history;
};

struct LibraryInfo {
  std::string name;
  std::string code;
  std::vector<std::shared_ptr<const FunctionInfo>> functions;
};

using LibraryMap = std::map<std::string, std::shared_ptr<const LibraryInfo>>;

class FunctionRegistry {
 public:
  // A consistent view of every library.
  std::shared_ptr<const LibraryMap> Snapshot() const;
  uint64_t version() const { return version_.load(std::memory_order_acquire); }

  // Finds a function: its info and its library's name.
  bool FindFunction(std::string_view name, std::shared_ptr<const FunctionInfo>* fn,
                    std::string* library) const;

  // Installs `libs` as the new set of libraries (LOAD, DELETE, FLUSH and
  // RESTORE build the new set from Snapshot() and swap it in). Returns false
  // if the version changed since `expected_version` (a concurrent change:
  // the caller retries).
  bool Replace(uint64_t expected_version, std::shared_ptr<const LibraryMap> libs);

  int64_t function_count() const;
  int64_t library_count() const;
  int64_t bytes() const;

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const LibraryMap> libs_ ABSL_GUARDED_BY(mu_) = std::make_shared<LibraryMap>();
  std::atomic<uint64_t> version_{1};
};

}  // namespace shoal

#endif  // SHOAL_SERVER_SCRIPTING_FUNCTION_REGISTRY_H_
