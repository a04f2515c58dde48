// SlowLog implementation (see slowlog.h).
#include "server/dispatch/slowlog.h"

#include "base/strings.h"

namespace shoal {
namespace {

constexpr size_t kMaxArgs = 32;
constexpr size_t kMaxArgLen = 128;

}  // namespace

SlowLog& ProcessSlowLog() {
  static SlowLog* log = new SlowLog();
  return *log;
}

void SlowLog::Add(CmdArgs args, int64_t duration_us, int64_t unix_s, std::string client_addr,
                  std::string client_name) {
  SlowLogEntry e;
  e.duration_us = duration_us;
  e.unix_s = unix_s;
  e.client_addr = std::move(client_addr);
  e.client_name = std::move(client_name);
  const size_t n = std::min(args.size(), kMaxArgs);
  for (size_t i = 0; i < n; ++i) {
    if (i == kMaxArgs - 1 && args.size() > kMaxArgs) {
      e.args.push_back(StrCat("... (", args.size() - kMaxArgs + 1, " more arguments)"));
      break;
    }
    std::string_view a = args[i];
    if (a.size() > kMaxArgLen) {
      e.args.push_back(StrCat(a.substr(0, kMaxArgLen), "... (", a.size() - kMaxArgLen,
                              " more bytes)"));
    } else {
      e.args.emplace_back(a);
    }
  }
  absl::MutexLock l(&mu_);
  e.id = next_id_++;
  entries_.push_front(std::move(e));
  const int64_t max = max_len.load(std::memory_order_relaxed);
  while (static_cast<int64_t>(entries_.size()) > max) entries_.pop_back();
}

std::vector<SlowLogEntry> SlowLog::Get(int64_t count) const {
  absl::MutexLock l(&mu_);
  size_t n = count < 0 ? entries_.size() : std::min<size_t>(entries_.size(), count);
  return std::vector<SlowLogEntry>(entries_.begin(), entries_.begin() + n);
}

int64_t SlowLog::Len() const {
  absl::MutexLock l(&mu_);
  return static_cast<int64_t>(entries_.size());
}

void SlowLog::Reset() {
  absl::MutexLock l(&mu_);
  entries_.clear();
}

}  // namespace shoal
