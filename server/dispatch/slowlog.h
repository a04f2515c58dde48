// SlowLog: the commands that ran longer than slowlog-log-slower-than
// microseconds (-1: none, 0: all), newest first, at most slowlog-max-len of
// them, as Redis keeps them: id, unix time, duration, the arguments (at most
// 32, each at most 128 bytes, with Redis's "... (N more ...)" markers), the
// client's address and name.
//
// Process-wide, like the config it reads. The dispatcher checks the
// threshold with one relaxed load per command and takes the mutex only for a
// slow one. Thread-safe.
#ifndef SHOAL_SERVER_DISPATCH_SLOWLOG_H_
#define SHOAL_SERVER_DISPATCH_SLOWLOG_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/dispatch/command.h"

namespace shoal {

struct SlowLogEntry {
  int64_t id = 0;
  int64_t unix_s = 0;
  int64_t duration_us = 0;
  std::vector<std::string> args;
  std::string client_addr;
  std::string client_name;
};

class SlowLog {
 public:
  std::atomic<int64_t> slower_than_us{10000};
  std::atomic<int64_t> max_len{128};

  bool ShouldLog(int64_t duration_us) const {
    const int64_t t = slower_than_us.load(std::memory_order_relaxed);
    return t >= 0 && duration_us >= t;
  }
  void Add(CmdArgs args, int64_t duration_us, int64_t unix_s, std::string client_addr,
           std::string client_name);
  // The newest `count` entries (-1: all).
  std::vector<SlowLogEntry> Get(int64_t count) const;
  int64_t Len() const;
  void Reset();

 private:
  mutable absl::Mutex mu_;
  std::deque<SlowLogEntry> entries_ ABSL_GUARDED_BY(mu_);  // newest first
  int64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
};

SlowLog& ProcessSlowLog();

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_SLOWLOG_H_
