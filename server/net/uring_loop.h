// UringLoop: one io_uring per worker (--io-engine uring), and the wait of
// the worker's loop.
//
// The connections of the worker do their socket I/O through the ring: a
// multishot recv per connection that picks its buffers from a ring of
// provided buffers, and sends. The worker's thread waits in the ring, not in
// epoll: Wait() submits every SQE queued since the last call and waits for
// completions in one io_uring_enter, then hands each to its Handler. libuv
// keeps the timers and the async wake-ups; its epoll fd is watched by a
// multishot poll on the ring (WatchReadable), and the worker runs the libuv
// loop without blocking only when that fires or a timer is due (Worker::
// RunUring). So a loop turn that served 50 clients costs one system call,
// not 50 reads and 50 writes.
//
// The ring is set up with SINGLE_ISSUER and DEFER_TASKRUN (Linux 6.1):
// completion work runs only when this thread asks for completions, in
// batches, instead of interrupting it. Without them the engine is not used
// (Probe fails and the server uses epoll).
//
// Invariants: only the thread that created the ring touches it.
// Each SQE carries its Handler and an op code in user_data; a Handler must
// stay alive until the last CQE of every op it submitted has been handed to
// it (Connection counts its ops for that). A provided buffer is lent to the
// handler for the duration of OnCompletion only: Pump recycles it after.
#ifndef SHOAL_SERVER_NET_URING_LOOP_H_
#define SHOAL_SERVER_NET_URING_LOOP_H_

#include <liburing.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace shoal {

class UringLoop {
 public:
  enum Op : uint8_t { kRecv = 1, kSend = 2, kCancel = 3, kPoll = 4, kTimeout = 5 };

  class Handler {
   public:
    virtual ~Handler() = default;
    // One CQE of an op this handler submitted. `data` holds the received
    // bytes of a kRecv CQE with res > 0 (valid only during the call).
    // `more`: the op stays armed (a multishot recv that goes on).
    virtual void OnCompletion(Op op, int32_t res, bool more, std::string_view data) = 0;
  };

  // Whether this kernel gives what the engine needs (a ring, provided
  // buffer rings, multishot recv); `why` says what is missing.
  static bool Probe(std::string* why);
  // Sets up a ring; null (and `why`) when it cannot. Call on the thread
  // that will use it.
  static std::unique_ptr<UringLoop> Create(std::string* why);
  ~UringLoop();

  // Queue an op (submitted by the next Pump).
  void Recv(int fd, Handler* h);  // multishot, buffers from the ring
  void Send(int fd, const char* data, size_t n, Handler* h);
  // Cancels h's multishot recv / every op on `fd`; the cancel's own CQE
  // has op kCancel.
  void CancelRecv(Handler* h);
  void CancelAll(int fd, Handler* h);
  // Multishot poll for POLLIN on `fd` (kPoll CQEs while it stays armed).
  void WatchReadable(int fd, Handler* h);
  // A timer: one kTimeout CQE, res -ETIME, `ms` after the next Wait submits
  // it (-ECANCELED when removed first). CancelTimeout removes h's pending
  // timeouts' first (its own CQE has op kCancel).
  void Timeout(int ms, Handler* h);
  void CancelTimeout(Handler* h);

  // Submits what is queued, waits up to `timeout_ms` (-1: no limit) for a
  // completion, and dispatches every completion there is. False when the
  // time ran out with none (not always: a wait that also submitted returns
  // the submit count, not -ETIME).
  bool Wait(int timeout_ms);
  // The same without waiting.
  void Pump() { Wait(0); }

  // Buffers provided to the kernel so far (they grow as turns need more;
  // each costs 4 KB of RSS once written).
  unsigned provided_buffers() const { return provided_; }
  // Gives the buffers' pages back to the kernel (MADV_DONTNEED) if no
  // buffer was taken since the previous call; call between turns, e.g.
  // from a timer every 100 ms. The buffers stay provided.
  void ReleaseIdleBuffers();

 private:
  UringLoop() = default;
  io_uring_sqe* NextSqe();
  // Dispatches the completions in the CQ; how many.
  unsigned Reap();
  void Dispatch(io_uring_cqe* cqe);
  // Gives buffer `bid` back to the kernel.
  void Recycle(uint16_t bid);
  // Publishes the queued SQEs to the kernel; how many it has not consumed.
  unsigned FlushSq();
  // Provides up to `n` buffers never provided before (up to kMaxBuffers).
  void AddBuffers(unsigned n);
  // A recv ended with -ENOBUFS: grow the ring for its re-arm.
  void RanDry();

  io_uring ring_{};
  bool ring_ready_ = false;
  io_uring_buf_ring* buf_ring_ = nullptr;  // mmap'd, page-aligned
  size_t buf_ring_bytes_ = 0;
  char* buffers_ = nullptr;  // kMaxBuffers × kBufferSize, mmap'd (reserved)
  unsigned provided_ = 0;    // buffers [0, provided_) are in use
  // This turn (one Wait): provided_ at its start, recvs that ran dry,
  // buffers added for them.
  unsigned provided_at_turn_ = 0;
  unsigned dry_this_turn_ = 0;
  unsigned added_this_turn_ = 0;
  bool took_buffers_ = false;  // since the last ReleaseIdleBuffers
  bool released_ = true;       // no buffer page written since the last release
  bool reaping_ = false;
  static constexpr unsigned kTimeoutSlots = 4;
  __kernel_timespec timeouts_[kTimeoutSlots] = {};  // read by the kernel at submit
  unsigned next_timeout_ = 0;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_NET_URING_LOOP_H_
