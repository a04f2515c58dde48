// UringLoop: one io_uring beside a worker's libuv loop (--io-engine uring).
//
// The connections of the worker do their socket I/O through the ring: a
// multishot recv per connection that picks its buffers from a ring of
// provided buffers, and sends. libuv keeps the timers, the async wake-ups
// and the wait: the ring's fd is polled by the loop, and Pump() — called
// when that fd is readable and once at the end of every loop turn — submits
// every SQE queued since the last call with one io_uring_enter and hands
// each completion to its Handler. So a turn that served 50 clients costs one
// epoll_wait and one io_uring_enter, not 50 reads and 50 writes.
//
// Invariants: only the thread that created the ring touches it (the worker
// thread; the ring is set up with SINGLE_ISSUER where the kernel has it).
// Each SQE carries its Handler and an op code in user_data; a Handler must
// stay alive until the last CQE of every op it submitted has been handed to
// it (Connection counts its ops for that). A provided buffer is lent to the
// handler for the duration of OnCompletion only: Pump recycles it after.
#ifndef SHOAL_SERVER_NET_URING_LOOP_H_
#define SHOAL_SERVER_NET_URING_LOOP_H_

#include <liburing.h>
#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace shoal {

class UringLoop {
 public:
  enum Op : uint8_t { kRecv = 1, kSend = 2, kCancel = 3 };

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
  // Sets up a ring polled by `loop`; null (and `why`) when it cannot.
  // Call on the loop's thread.
  static std::unique_ptr<UringLoop> Create(uv_loop_t* loop, std::string* why);
  ~UringLoop();

  // Queue an op (submitted by the next Pump).
  void Recv(int fd, Handler* h);  // multishot, buffers from the ring
  void Send(int fd, const char* data, size_t n, Handler* h);
  // Cancels h's multishot recv / every op on `fd`; the cancel's own CQE
  // has op kCancel.
  void CancelRecv(Handler* h);
  void CancelAll(int fd, Handler* h);

  // Submits what is queued and dispatches completions until both are
  // empty (a few rounds at most: completions may queue new sends).
  void Pump();
  // Stops polling the ring's fd, so the loop can end; Pump still works.
  void Close();

 private:
  UringLoop() = default;
  static void OnReadable(uv_poll_t* p, int status, int events);
  io_uring_sqe* NextSqe();
  void Dispatch(io_uring_cqe* cqe);
  // Gives buffer `bid` back to the kernel.
  void Recycle(uint16_t bid);

  io_uring ring_{};
  bool ring_ready_ = false;
  uv_poll_t poll_{};
  bool polling_ = false;
  io_uring_buf_ring* buf_ring_ = nullptr;  // mmap'd, page-aligned
  size_t buf_ring_bytes_ = 0;
  char* buffers_ = nullptr;  // kBuffers × kBufferSize, mmap'd
  bool pumping_ = false;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_NET_URING_LOOP_H_
