// ReplicationLog: the primary's write stream and its backlog.
//
// The stream is RESP commands, as Redis's is: every batch a command (or a
// transaction) produced is appended whole, prefixed by SELECT when its
// database differs from the last one in the stream and wrapped in
// MULTI/EXEC when it holds more than one change. Offsets count stream bytes
// from 1 (the first byte appended has offset 1; master_repl_offset is the
// offset of the last byte), as Redis's do, so a replica that processed up to
// offset O asks for O+1 on a partial resync.
//
// The backlog keeps the last `capacity` bytes in a ring. Readers (one
// feeder thread per replica) copy from any offset still held; one that fell
// further behind has lost its place and must resync in full.
//
// Thread-safety: Append from any worker (with stripes held: lock order is
// stripe -> log); Read/WaitFor from feeder threads. One mutex, held only to
// copy bytes, never across I/O.
#ifndef SHOAL_SERVER_REPLICATION_REPL_LOG_H_
#define SHOAL_SERVER_REPLICATION_REPL_LOG_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace shoal {

// One change to ship: a RESP command for database `db` (-1: any database,
// e.g. FLUSHALL).
struct ReplRecord {
  int db = -1;
  std::string resp;
  // Needs no atomicity with the batch's changes (keyspace events): written
  // after the batch's EXEC rather than inside it.
  bool after_exec = false;
};

class ReplicationLog {
 public:
  explicit ReplicationLog(size_t capacity);

  // Appends the batch; returns the offset of its last byte (the offset a
  // WAIT for this write waits on). An empty batch returns Offset().
  int64_t Append(const std::vector<ReplRecord>& batch);
  // master_repl_offset.
  int64_t Offset() const;
  // The first offset still held (Offset() + 1 when the backlog is empty).
  int64_t FirstOffset() const;
  int64_t HistoryLength() const;
  size_t capacity() const { return capacity_; }

  // A replica's copy of its primary's stream, so that once promoted it can
  // continue its siblings from where they are (PSYNC with the old id):
  // Reset starts an empty backlog ending at `offset` (after a full sync),
  // AppendRaw adds stream bytes exactly as the primary sent them.
  void Reset(int64_t offset);
  void AppendRaw(std::string_view bytes);

  // A full sync starts at the current offset: the next batch re-selects its
  // database, since the replica's selected database is unknown there.
  int64_t MarkSyncPoint();

  enum class ReadStatus { kOk, kLost };
  // Copies up to `max` bytes from offset `from` (>= 1) into *out (replacing
  // it); kLost when `from` is no longer held. Copies nothing when `from` is
  // past the end.
  ReadStatus Read(int64_t from, size_t max, std::string* out) const;
  // Blocks until the stream ends past `from` - 1 and a Kick announced it,
  // or timeout_ms passed.
  void WaitFor(int64_t from, int64_t timeout_ms) const;
  // Wakes the waiting feeders if the stream grew since the last kick.
  // Appends do not wake them: workers kick once per loop turn, so a turn
  // that served many writes costs the feeders one wake-up and one send.
  void Kick();

 private:
  void AppendBytesLocked(std::string_view bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::vector<char> ring_ ABSL_GUARDED_BY(mu_);
  int64_t end_ ABSL_GUARDED_BY(mu_) = 0;    // offset of the last byte
  int64_t held_ ABSL_GUARDED_BY(mu_) = 0;   // bytes held (<= capacity)
  int last_db_ ABSL_GUARDED_BY(mu_) = -1;
  std::string scratch_ ABSL_GUARDED_BY(mu_);
  int64_t kicked_ ABSL_GUARDED_BY(mu_) = 0;  // end_ at the last kick
  mutable absl::CondVar grown_;
};

// RESP encoding of a command, for records.
std::string RespCommand(std::initializer_list<std::string_view> args);
void AppendRespCommand(std::initializer_list<std::string_view> args, std::string* out);

}  // namespace shoal

#endif  // SHOAL_SERVER_REPLICATION_REPL_LOG_H_
