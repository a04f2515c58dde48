// AclLog: the security log behind ACL LOG — failed AUTHs and commands,
// keys and channels refused by ACL — newest first, at most acllog-max-len
// entries, with Redis 7.2's fields. A new event that matches a recent entry
// (same reason, context, object and user, within 60 s of its last update;
// among the 10 newest) counts into it instead of adding one.
//
// Thread-safe: workers add entries, any worker reads or resets.
#ifndef SHOAL_SERVER_ACL_ACL_LOG_H_
#define SHOAL_SERVER_ACL_ACL_LOG_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace shoal {

struct AclLogEntry {
  int64_t count = 1;
  std::string reason;   // command, key, channel, auth
  std::string context;  // toplevel, multi, lua
  std::string object;   // the command, key or channel; AUTH/HELLO as sent for auth
  std::string username;
  std::string client_info;  // CLIENT LIST line of the client
  int64_t entry_id = 0;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

class AclLog {
 public:
  static constexpr int64_t kGroupingMs = 60000;
  std::atomic<int64_t> max_len{128};

  void Add(std::string_view reason, std::string_view context, std::string_view object,
           std::string_view username, std::string client_info, int64_t now_ms);
  // The newest `count` entries (-1: all).
  std::vector<AclLogEntry> Get(int64_t count) const;
  void Reset();

 private:
  mutable absl::Mutex mu_;
  std::deque<AclLogEntry> entries_ ABSL_GUARDED_BY(mu_);  // newest first
  int64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_ACL_ACL_LOG_H_
