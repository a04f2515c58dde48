// FunctionRegistry implementation: copy-on-write library sets.
#include "server/scripting/function_registry.h"

#include "base/strings.h"

namespace shoal {

std::shared_ptr<const LibraryMap> FunctionRegistry::Snapshot() const {
  absl::MutexLock l(&mu_);
  return libs_;
}

bool FunctionRegistry::FindFunction(std::string_view name,
                                    std::shared_ptr<const FunctionInfo>* fn,
                                    std::string* library) const {
  std::shared_ptr<const LibraryMap> libs = Snapshot();
  for (const auto& [lib_name, lib] : *libs) {
    for (const auto& f : lib->functions) {
      if (EqualsIgnoreCase(f->name, name)) {
        *fn = f;
        *library = lib_name;
        return true;
      }
    }
  }
  return false;
}

bool FunctionRegistry::Replace(uint64_t expected_version, std::shared_ptr<const LibraryMap> libs) {
  absl::MutexLock l(&mu_);
  if (version_.load(std::memory_order_relaxed) != expected_version) return false;
  libs_ = std::move(libs);
  version_.fetch_add(1, std::memory_order_acq_rel);
  return true;
}

int64_t FunctionRegistry::function_count() const {
  int64_t n = 0;
  for (const auto& [name, lib] : *Snapshot()) n += static_cast<int64_t>(lib->functions.size());
  return n;
}

int64_t FunctionRegistry::library_count() const {
  return static_cast<int64_t>(Snapshot()->size());
}

int64_t FunctionRegistry::bytes() const {
  int64_t n = 0;
  for (const auto& [name, lib] : *Snapshot()) {
    n += static_cast<int64_t>(lib->code.size() + name.size()) + 64;
    for (const auto& f : lib->functions) n += static_cast<int64_t>(f->name.size() + 64);
  }
  return n;
}

}  // namespace shoal

