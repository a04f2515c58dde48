// Connection: one client socket on one worker loop — read buffer, RESP parser,
// reply builder, session — and the write path with backpressure.
//
// Life cycle: created by the Worker from an accepted fd; reads, parses every
// complete request in the buffer, dispatches each, then sends all replies of
// the batch with one write (uv_try_write first, a queued uv_write for the
// rest). While more than NetOptions::pause_reading_over bytes wait to be
// sent, it stops reading, so a client that never reads cannot grow memory.
// Closed on EOF, error, protocol error (after the error reply), QUIT, CLIENT
// KILL, idle timeout or an output buffer over its hard limit. Touched only by
// its worker's thread; the session's atomics are read by others.
//
// TLS (a connection accepted on --tls-port): the same path with a TlsSession
// between the socket and the buffers. Ciphertext is read into the worker's
// scratch buffer, fed to the session, and decrypted straight into the read
// buffer the parser works on; replies are encrypted out of the reply buffer
// and the ciphertext goes through the same try-write / queued-write path.
// The plain path only pays a null check of tls_ in OnAlloc, OnRead and
// Flush.
//
// io_uring (--io-engine uring, the worker has a UringLoop): the socket is
// not a libuv handle. A multishot recv delivers bytes in provided buffers
// (copied into the read buffer, or fed to the TLS session); Send hands the
// reply buffer to one send op at a time (replies made meanwhile queue
// behind it), submitted with every other connection's at the end of the
// loop turn. Close cancels every op on the fd; the connection is deleted
// when the last of its ops has completed (uring_ops_ == 0), never before,
// since each CQE carries a pointer to it. connection_uring.cc.
#ifndef SHOAL_SERVER_NET_CONNECTION_H_
#define SHOAL_SERVER_NET_CONNECTION_H_

#include <uv.h>

#include <memory>
#include <string>
#include <vector>

#include "protocol/reply_builder.h"
#include "protocol/request_parser.h"
#include "server/dispatch/client_session.h"
#include "server/net/tls_session.h"
#include "server/net/uring_loop.h"

namespace shoal {

class Worker;

class Connection : public UringLoop::Handler {
 public:
  Connection(Worker* worker, uint64_t id);
  ~Connection() override;

  // Adopts an accepted socket; false if libuv refuses it (the fd is
  // closed). With `tls_ctx` (a TLS port) the connection speaks TLS.
  bool Open(int fd, SSL_CTX* tls_ctx = nullptr);
  void Close();
  bool closing() const { return closing_; }
  ClientSession& session() { return session_; }
  // Called by the worker when another thread asked to kill this client.
  void CheckKill();
  // Idle timeout check (seconds; 0 = never).
  void CheckIdle(int64_t now_ms, int64_t timeout_s);
  // Appends pub/sub bytes from another client's PUBLISH and sends them.
  void Deliver(std::string_view bytes);
  // A key this client is blocked on may have data: re-run the command.
  void RetryBlocked();
  bool BlockDeadlinePassed(int64_t now_ms) const;
  // The blocking command's timeout passed: answer its timeout reply.
  void TimeoutBlocked();
  void NotePostponed(CmdArgs args);
  void ResumePostponed();
  // Ends the blocked command: its timeout reply, or -UNBLOCKED (error).
  void EndBlocked(bool error);
  // Runs the blocked command again; it replies, or blocks once more.
  void RerunBlocked();
  // io_uring: one completion of this connection's ops (UringLoop::Handler).
  void OnCompletion(UringLoop::Op op, int32_t res, bool more, std::string_view data) override;

 private:
  static constexpr size_t kReadChunk = 16 * 1024;
  static constexpr size_t kIdleBufferCap = 64 * 1024;

  static void OnAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void OnWrite(uv_write_t* req, int status);
  static void OnClosed(uv_handle_t* h);

  // Makes room at rbuf_[rend_] for the next read (at least a chunk).
  void ReserveRead();
  void ProcessInput();
  // Prefetch hints for the keys of the request just parsed (args_) and of
  // the complete ones behind it in the read buffer (a pipeline's;
  // protocol/pipeline_scan.h). Returns how many requests they cover,
  // SIZE_MAX when none behind is complete (nothing to overlap). Keeps the
  // keys it hashed in key_hints_.
  size_t PrefetchAhead();
  // The hashed key PrefetchAhead kept for args_[1] (the same bytes of the
  // read buffer), or null.
  const HashedKey* TakeKeyHint();
  // After new bytes landed in the read buffer: parse and run, then check
  // the query buffer limit.
  void AfterInput(size_t nread);
  void Flush();
  // Sends `out` (try-write, then a queued write of the rest; `out` is left
  // empty). False if the connection was closed.
  bool Send(std::string& out);
  void OnTlsRead(const char* data, size_t n);
  // io_uring (connection_uring.cc): open the socket without libuv, bytes
  // of a recv, start/stop the multishot recv, the send path, and the end.
  bool OpenUring(int fd);
  void OnUringData(std::string_view data);
  void UpdateReadingUring(bool want);
  bool SendUring(std::string& out);
  void OnSendDone(int32_t res);
  void CloseUring();
  void Release();
  // Encrypts the pending replies and sends them with any handshake output.
  bool FlushTls();
  // A TLS failure: logs one line and closes.
  void FailTls();
  void MaybeFinish();
  void UpdateReading();
  // After a command ran: enter the blocked state if it blocked.
  void NoteBlocked(CmdArgs args);
  void LeaveBlocked();
  int64_t OutputLimit() const;
  int64_t BulkHeadroom() const;
  size_t PendingOutput() const { return inflight_bytes_ + reply_.size(); }

  Worker* worker_;
  uv_tcp_t handle_;
  ClientSession session_;
  RequestParser parser_;
  ReplyBuilder reply_;
  std::vector<std::string_view> args_;
  // Keys of the requests PrefetchAhead looked at, hashed, in request order;
  // [hint_next_, hint_end_) not yet taken. Their views point into rbuf_,
  // which does not change while ProcessInput runs; it empties them on entry
  // (so a hint never outlives the bytes it describes).
  static constexpr size_t kPrefetchAhead = 16;
  HashedKey key_hints_[kPrefetchAhead + 1];
  size_t hint_next_ = 0, hint_end_ = 0;

  // Read buffer: unconsumed bytes are rbuf_[rstart_, rend_).
  std::unique_ptr<char[]> rbuf_;
  size_t rcap_ = 0, rstart_ = 0, rend_ = 0;

  std::unique_ptr<TlsSession> tls_;  // null on the plain port
  std::string tls_out_;              // ciphertext on its way to the socket

  size_t inflight_bytes_ = 0;  // bytes handed to uv_write, not yet done
  int inflight_writes_ = 0;
  bool reading_ = false;
  bool closing_ = false;
  bool open_ = false;

  // io_uring transport (null uring_: the libuv path above).
  UringLoop* uring_ = nullptr;
  int fd_ = -1;
  int uring_ops_ = 0;       // ops submitted whose last CQE has not come
  bool recv_armed_ = false;
  bool recv_cancelling_ = false;
  std::string sending_;     // the bytes of the send op in flight
  size_t sent_ = 0;         // of sending_, already taken by the socket
  std::string send_queue_;  // replies waiting behind that send
};

}  // namespace shoal

#endif  // SHOAL_SERVER_NET_CONNECTION_H_
