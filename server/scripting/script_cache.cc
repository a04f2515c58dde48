// ScriptCache implementation.
#include "server/scripting/script_cache.h"

#include "base/strings.h"
#include "server/scripting/sha1_hex.h"

namespace shoal {
namespace {
constexpr int64_t kEntryOverhead = 128;
}

std::shared_ptr<const CachedScript> ScriptCache::Add(std::string_view body, uint32_t flags,
                                                     size_t shebang_len) {
  std::string sha = Sha1Hex(body);
  absl::MutexLock l(&mu_);
  auto it = scripts_.find(sha);
  if (it != scripts_.end()) return it->second;
  auto s = std::make_shared<CachedScript>();
  s->sha = sha;
  s->body = std::string(body);
  s->flags = flags;
  s->shebang_len = shebang_len;
  bytes_ += static_cast<int64_t>(body.size()) + kEntryOverhead;
  scripts_.emplace(sha, s);
  return s;
}

std::shared_ptr<const CachedScript> ScriptCache::Find(std::string_view sha) const {
  absl::MutexLock l(&mu_);
  auto it = scripts_.find(ToAbsl(sha));
  return it == scripts_.end() ? nullptr : it->second;
}

bool ScriptCache::Exists(std::string_view sha) const {
  absl::MutexLock l(&mu_);
  return scripts_.contains(ToAbsl(sha));
}

void ScriptCache::Flush() {
  absl::MutexLock l(&mu_);
  scripts_.clear();
  bytes_ = 0;
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

int64_t ScriptCache::count() const {
  absl::MutexLock l(&mu_);
  return static_cast<int64_t>(scripts_.size());
}

int64_t ScriptCache::bytes() const {
  absl::MutexLock l(&mu_);
  return bytes_;
}

}  // namespace shoal
