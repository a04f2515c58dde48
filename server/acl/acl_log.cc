// AclLog implementation: grouping of repeated events, trimming to max_len.
#include "server/acl/acl_log.h"

#include <algorithm>

namespace shoal {

void AclLog::Add(std::string_view reason, std::string_view context, std::string_view object,
                 std::string_view username, std::string client_info, int64_t now_ms) {
  absl::MutexLock l(&mu_);
  const size_t scan = std::min<size_t>(10, entries_.size());
  for (size_t i = 0; i < scan; ++i) {
    AclLogEntry& e = entries_[i];
    if (e.reason == reason && e.context == context && e.object == object &&
        e.username == username && now_ms - e.updated_ms <= kGroupingMs) {
      AclLogEntry moved = std::move(e);
      entries_.erase(entries_.begin() + i);
      moved.count++;
      moved.updated_ms = now_ms;
      moved.client_info = std::move(client_info);
      entries_.push_front(std::move(moved));
      return;
    }
  }
  AclLogEntry e;
  e.reason = std::string(reason);
  e.context = std::string(context);
  e.object = std::string(object);
  e.username = std::string(username);
  e.client_info = std::move(client_info);
  e.entry_id = next_id_++;
  e.created_ms = e.updated_ms = now_ms;
  entries_.push_front(std::move(e));
  const int64_t cap = std::max<int64_t>(0, max_len.load(std::memory_order_relaxed));
  while (static_cast<int64_t>(entries_.size()) > cap) entries_.pop_back();
}

std::vector<AclLogEntry> AclLog::Get(int64_t count) const {
  absl::MutexLock l(&mu_);
  size_t n = entries_.size();
  if (count >= 0) n = std::min<size_t>(n, static_cast<size_t>(count));
  return std::vector<AclLogEntry>(entries_.begin(), entries_.begin() + n);
}

void AclLog::Reset() {
  absl::MutexLock l(&mu_);
  entries_.clear();
}

}  // namespace shoal
