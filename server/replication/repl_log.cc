// ReplicationLog implementation: a byte ring indexed by stream offset.
#include "server/replication/repl_log.h"

#include <algorithm>
#include <cstring>

#include "base/strings.h"
#include "absl/strings/str_cat.h"

namespace shoal {

void AppendRespCommand(std::initializer_list<std::string_view> args, std::string* out) {
  StrAppend(out, "*", args.size(), "\r\n");
  for (std::string_view a : args) {
    StrAppend(out, "$", a.size(), "\r\n");
    out->append(a.data(), a.size());
    out->append("\r\n");
  }
}

std::string RespCommand(std::initializer_list<std::string_view> args) {
  std::string out;
  AppendRespCommand(args, &out);
  return out;
}

ReplicationLog::ReplicationLog(size_t capacity) : capacity_(std::max<size_t>(capacity, 16)) {
  absl::MutexLock l(&mu_);
  ring_.resize(capacity_);
}

void ReplicationLog::AppendBytesLocked(std::string_view bytes) {
  // Only the last capacity_ bytes can be held.
  if (bytes.size() > capacity_) {
    end_ += static_cast<int64_t>(bytes.size() - capacity_);
    bytes.remove_prefix(bytes.size() - capacity_);
  }
  size_t pos = static_cast<size_t>(end_ % static_cast<int64_t>(capacity_));  // of byte end_+1
  size_t first = std::min(bytes.size(), capacity_ - pos);
  memcpy(ring_.data() + pos, bytes.data(), first);
  memcpy(ring_.data(), bytes.data() + first, bytes.size() - first);
  end_ += static_cast<int64_t>(bytes.size());
  held_ = std::min<int64_t>(held_ + static_cast<int64_t>(bytes.size()),
                            static_cast<int64_t>(capacity_));
}

int64_t ReplicationLog::Append(const std::vector<ReplRecord>& batch) {
  absl::MutexLock l(&mu_);
  if (batch.empty()) return end_;
  std::string& s = scratch_;
  s.clear();
  const bool multi =
      std::count_if(batch.begin(), batch.end(), [](const ReplRecord& r) { return !r.after_exec; }) > 1;
  auto write = [&](const ReplRecord& r) {
    if (r.db >= 0 && r.db != last_db_) {
      AppendRespCommand({"SELECT", StrCat(r.db)}, &s);
      last_db_ = r.db;
    }
    s.append(r.resp);
  };
  if (multi) AppendRespCommand({"MULTI"}, &s);
  for (const ReplRecord& r : batch) {
    if (!r.after_exec) write(r);
  }
  if (multi) AppendRespCommand({"EXEC"}, &s);
  for (const ReplRecord& r : batch) {
    if (r.after_exec) write(r);
  }
  AppendBytesLocked(s);
  if (s.capacity() > (1u << 20)) std::string().swap(s);
  return end_;
}

int64_t ReplicationLog::Offset() const {
  absl::MutexLock l(&mu_);
  return end_;
}

int64_t ReplicationLog::FirstOffset() const {
  absl::MutexLock l(&mu_);
  return end_ - held_ + 1;
}

int64_t ReplicationLog::HistoryLength() const {
  absl::MutexLock l(&mu_);
  return held_;
}

void ReplicationLog::Reset(int64_t offset) {
  absl::MutexLock l(&mu_);
  end_ = offset;
  held_ = 0;
  kicked_ = offset;
  last_db_ = -1;
}

void ReplicationLog::AppendRaw(std::string_view bytes) {
  absl::MutexLock l(&mu_);
  AppendBytesLocked(bytes);
  last_db_ = -1;  // the primary's stream may have selected any database
}

int64_t ReplicationLog::MarkSyncPoint() {
  absl::MutexLock l(&mu_);
  last_db_ = -1;
  return end_;
}

ReplicationLog::ReadStatus ReplicationLog::Read(int64_t from, size_t max, std::string* out) const {
  out->clear();
  absl::MutexLock l(&mu_);
  if (from < end_ - held_ + 1) return ReadStatus::kLost;
  if (from > end_) return ReadStatus::kOk;
  size_t n = static_cast<size_t>(std::min<int64_t>(end_ - from + 1, static_cast<int64_t>(max)));
  size_t pos = static_cast<size_t>((from - 1) % static_cast<int64_t>(capacity_));
  size_t first = std::min(n, capacity_ - pos);
  out->append(ring_.data() + pos, first);
  out->append(ring_.data(), n - first);
  return ReadStatus::kOk;
}

void ReplicationLog::WaitFor(int64_t from, int64_t timeout_ms) const {
  absl::MutexLock l(&mu_);
  if (kicked_ >= from) return;
  grown_.WaitWithTimeout(&mu_, absl::Milliseconds(timeout_ms));
}

void ReplicationLog::Kick() {
  absl::MutexLock l(&mu_);
  if (end_ == kicked_) return;
  kicked_ = end_;
  grown_.SignalAll();
}

}  // namespace shoal
