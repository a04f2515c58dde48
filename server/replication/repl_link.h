// PrimaryLink: a replica's connection to its primary, on a thread of its
// own. Connects (over TLS with tls-replication yes), authenticates (masterauth / masteruser), announces its
// listening port, asks PSYNC <replid> <offset+1> (a partial resync after a
// short disconnect, `?` -1 the first time), applies the snapshot and the
// stream through a ReplApplier, and acknowledges its offset after every
// read and once a second. On any error it reconnects after a short pause.
#ifndef SHOAL_SERVER_REPLICATION_REPL_LINK_H_
#define SHOAL_SERVER_REPLICATION_REPL_LINK_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "server/replication/repl_apply.h"
#include "server/replication/repl_stream.h"
#include "server/replication/replication.h"

namespace shoal {

class PrimaryLink {
 public:
  // Resumes from (replid, offset) when they are known ("" / 0 otherwise).
  PrimaryLink(ReplicationManager* m, std::string host, int port, std::string replid,
              int64_t offset);
  ~PrimaryLink();  // stops and joins
  void Start();
  void Stop();
  // Stops and waits for the link's thread: offset() is final afterwards.
  void StopAndJoin();
  // The primary's replication id if the link completed a sync (its data
  // then matches (id, offset()), so a new link may ask to continue from
  // there); "" otherwise.
  std::string ResumeId() const;
  PrimaryLinkStatus Status() const;
  const std::string& host() const { return host_; }
  int port() const { return port_; }
  int64_t offset() const { return offset_.load(std::memory_order_acquire); }

 private:
  void Run();
  // One connection's life; returns when it fails or Stop is called.
  void Session(int fd);
  // The stream over fd: plain, or TLS after a handshake (tls-replication);
  // null if the handshake failed.
  std::unique_ptr<ReplStream> OpenStream(int fd);
  bool ReadLine(ReplStream& s, std::string* in, std::string* line);
  bool Command(ReplStream& s, std::string* in, std::string_view cmd, std::string* reply);
  void SetState(const char* s, bool up);
  void SleepMs(int ms);

  ReplicationManager* m_;
  const std::string host_;
  const int port_;
  ReplApplier applier_;
  std::atomic<int64_t> offset_{0};
  std::atomic<int64_t> last_io_ms_{0};
  std::atomic<bool> stop_{false};
  std::atomic<int> fd_{-1};
  mutable absl::Mutex mu_;
  std::string replid_;           // guarded by mu_
  std::string state_ = "connect";  // guarded by mu_
  bool up_ = false;                // guarded by mu_
  bool syncing_ = false;           // guarded by mu_
  std::thread thread_;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_REPLICATION_REPL_LINK_H_
