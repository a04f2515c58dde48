// ReplicaFeeder: the primary's side of one replica link, on two threads of
// its own. The sender waits until the worker let go of the socket, answers
// PSYNC (+CONTINUE from the backlog, or +FULLRESYNC and a snapshot), then
// streams the log. The reader takes REPLCONF ACK <offset> for WAIT and lag.
//
// The snapshot is interleaved with the stream, one slot at a time: under a
// slot's stripe it notes the log's end E and encodes the slot's keys; it
// sends the log up to E, then the slot. Every record of a key of that slot
// older than the encoding is therefore applied before it and every newer
// one after it, so the replica converges however long the snapshot takes,
// and the backlog only has to cover the send rate, not the whole sync.
#ifndef SHOAL_SERVER_REPLICATION_REPL_FEEDER_H_
#define SHOAL_SERVER_REPLICATION_REPL_FEEDER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "server/replication/repl_stream.h"
#include "server/replication/replication.h"

namespace shoal {

class ReplicaFeeder {
 public:
  // Takes ownership of fd (a dup of client `client_id`'s socket). With
  // `tls` (a connection on the TLS port) the stream continues the session
  // the worker leaves there when it lets go.
  ReplicaFeeder(ReplicationManager* m, int fd, std::shared_ptr<TlsHandoff> tls,
                uint64_t client_id, std::string replid, int64_t offset, int listening_port);
  ~ReplicaFeeder();  // stops and joins
  void Start();
  void Stop();
  bool done() const { return done_.load(); }
  ReplicaStatus Status() const;
  int64_t ack_offset() const { return ack_.load(std::memory_order_acquire); }

 private:
  void SendLoop();
  void ReadLoop();
  bool WaitHandoff();
  // Sends the log from pos_ through `until` (inclusive); false on error.
  bool SendLogThrough(int64_t until, std::string* buf);
  bool SendSnapshot();

  ReplicationManager* m_;
  int fd_;
  std::shared_ptr<TlsHandoff> tls_handoff_;
  std::unique_ptr<ReplStream> stream_;  // set by WaitHandoff, before the reader starts
  uint64_t client_id_;
  std::string want_replid_;
  int64_t want_offset_;
  std::string ip_;
  int port_;
  int64_t pos_ = 1;  // next stream offset to send
  std::atomic<int64_t> ack_{0};
  std::atomic<int64_t> last_ack_ms_{0};
  std::atomic<int64_t> online_ms_{0};
  std::atomic<int> state_{0};  // 0 wait_bgsave, 1 send_bulk, 2 online
  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{false};
  bool wants_events_ = false;  // reader thread, then the sender once it joined
  std::thread sender_, reader_;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_REPLICATION_REPL_FEEDER_H_
