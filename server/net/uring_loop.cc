// UringLoop implementation: ring set-up (SINGLE_ISSUER + DEFER_TASKRUN, or
// nothing: the server then uses epoll), the provided-buffer ring, and the
// submit/wait/dispatch cycle.
//
// Buffers: kBuffers of kBufferSize in one anonymous mapping, so only the
// pages the kernel wrote into count in RSS. A multishot recv that finds the
// ring empty ends with -ENOBUFS; its connection re-arms it, and by the time
// the re-arm is submitted the pump has recycled every buffer it handed out.
#include "server/net/uring_loop.h"

#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace shoal {
namespace {

constexpr unsigned kEntries = 256;       // SQ size; the CQ is 8x
constexpr unsigned kBuffers = 128;       // power of two
constexpr size_t kBufferSize = 4096;
constexpr uint16_t kBufferGroup = 0;
constexpr uintptr_t kOpMask = 7;         // low bits of user_data: the op

int InitRing(io_uring* ring) {
  io_uring_params p{};
  p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  p.cq_entries = kEntries * 8;
  return io_uring_queue_init_params(kEntries, ring, &p);
}

uint64_t Tag(UringLoop::Handler* h, UringLoop::Op op) {
  return reinterpret_cast<uintptr_t>(h) | op;
}

}  // namespace

bool UringLoop::Probe(std::string* why) {
  // The real thing on a socketpair: a ring, a buffer ring, one multishot
  // recv that must come back with data in a provided buffer.
  std::unique_ptr<UringLoop> u = Create(why);
  if (u == nullptr) return false;
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0) {
    *why = std::string("socketpair: ") + strerror(errno);
    return false;
  }
  struct Probe : Handler {
    int32_t got = 0;
    bool buffered = false;
    bool ended = false;  // the recv's last CQE came
    void OnCompletion(Op op, int32_t res, bool more, std::string_view data) override {
      if (op != kRecv) return;
      if (got == 0) {
        got = res;
        buffered = data == "ping";
      }
      if (!more) ended = true;
    }
  } probe;
  u->Recv(sv[0], &probe);
  u->Pump();
  if (write(sv[1], "ping", 4) == 4) {
    for (int i = 0; i < 10 && probe.got == 0; ++i) u->Wait(100);
  }
  bool ok = probe.got == 4 && probe.buffered;
  if (!ok) {
    *why = probe.got < 0 ? std::string("multishot recv: ") + strerror(-probe.got)
                         : "multishot recv gave no data";
  }
  // Cancel and drain before the handler goes out of scope.
  u->CancelAll(sv[0], &probe);
  for (int i = 0; i < 10 && !probe.ended; ++i) u->Wait(100);
  close(sv[0]);
  close(sv[1]);
  return ok;
}

std::unique_ptr<UringLoop> UringLoop::Create(std::string* why) {
  std::unique_ptr<UringLoop> u(new UringLoop);
  int rc = InitRing(&u->ring_);
  if (rc < 0) {
    *why = std::string("io_uring_setup: ") + strerror(-rc);
    return nullptr;
  }
  u->ring_ready_ = true;
  // The buffer ring: kBuffers io_uring_buf entries, page-aligned.
  u->buf_ring_bytes_ = kBuffers * sizeof(io_uring_buf);
  void* ring_mem = mmap(nullptr, u->buf_ring_bytes_, PROT_READ | PROT_WRITE,
                        MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  void* bufs = mmap(nullptr, kBuffers * kBufferSize, PROT_READ | PROT_WRITE,
                    MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (ring_mem == MAP_FAILED || bufs == MAP_FAILED) {
    if (ring_mem != MAP_FAILED) munmap(ring_mem, u->buf_ring_bytes_);
    if (bufs != MAP_FAILED) munmap(bufs, kBuffers * kBufferSize);
    *why = "mmap of the buffer ring failed";
    return nullptr;
  }
  u->buf_ring_ = static_cast<io_uring_buf_ring*>(ring_mem);
  u->buffers_ = static_cast<char*>(bufs);
  io_uring_buf_ring_init(u->buf_ring_);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uintptr_t>(ring_mem);
  reg.ring_entries = kBuffers;
  reg.bgid = kBufferGroup;
  rc = io_uring_register_buf_ring(&u->ring_, &reg, 0);
  if (rc < 0) {
    *why = std::string("provided buffer ring: ") + strerror(-rc);
    return nullptr;
  }
  const int mask = io_uring_buf_ring_mask(kBuffers);
  for (unsigned i = 0; i < kBuffers; ++i) {
    io_uring_buf_ring_add(u->buf_ring_, u->buffers_ + i * kBufferSize, kBufferSize, i, mask, i);
  }
  io_uring_buf_ring_advance(u->buf_ring_, kBuffers);
  return u;
}

UringLoop::~UringLoop() {
  if (ring_ready_) io_uring_queue_exit(&ring_);
  if (buf_ring_ != nullptr) munmap(buf_ring_, buf_ring_bytes_);
  if (buffers_ != nullptr) munmap(buffers_, kBuffers * kBufferSize);
}

io_uring_sqe* UringLoop::NextSqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  while (sqe == nullptr) {
    // The SQ is full: hand it to the kernel now. -EBUSY: completions wait
    // in the kernel's overflow list; taking them into the CQ (Reap marks
    // each CQE seen before its handler runs, so there is room) lets the
    // submission go on.
    int rc = io_uring_submit(&ring_);
    if (rc == -EBUSY || rc == -EAGAIN) io_uring_get_events(&ring_);
    sqe = io_uring_get_sqe(&ring_);
  }
  return sqe;
}

void UringLoop::Recv(int fd, Handler* h) {
  io_uring_sqe* sqe = NextSqe();
  io_uring_prep_recv_multishot(sqe, fd, nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = kBufferGroup;
  io_uring_sqe_set_data64(sqe, Tag(h, kRecv));
}

void UringLoop::Send(int fd, const char* data, size_t n, Handler* h) {
  // An SQE's length is 32 bits: a bigger reply goes in several sends (the
  // connection sends the rest when this one completes).
  n = std::min<size_t>(n, size_t{1} << 30);
  io_uring_sqe* sqe = NextSqe();
  io_uring_prep_send(sqe, fd, data, n, MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, Tag(h, kSend));
}

void UringLoop::CancelRecv(Handler* h) {
  io_uring_sqe* sqe = NextSqe();
  io_uring_prep_cancel64(sqe, Tag(h, kRecv), 0);
  io_uring_sqe_set_data64(sqe, Tag(h, kCancel));
}

void UringLoop::CancelAll(int fd, Handler* h) {
  io_uring_sqe* sqe = NextSqe();
  io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
  io_uring_sqe_set_data64(sqe, Tag(h, kCancel));
}

void UringLoop::WatchReadable(int fd, Handler* h) {
  io_uring_sqe* sqe = NextSqe();
  io_uring_prep_poll_multishot(sqe, fd, POLLIN);
  io_uring_sqe_set_data64(sqe, Tag(h, kPoll));
}

void UringLoop::Recycle(uint16_t bid) {
  io_uring_buf_ring_add(buf_ring_, buffers_ + static_cast<size_t>(bid) * kBufferSize, kBufferSize,
                        bid, io_uring_buf_ring_mask(kBuffers), 0);
  io_uring_buf_ring_advance(buf_ring_, 1);
}

void UringLoop::Dispatch(io_uring_cqe* cqe) {
  uint64_t tag = io_uring_cqe_get_data64(cqe);
  auto* h = reinterpret_cast<Handler*>(tag & ~kOpMask);
  auto op = static_cast<Op>(tag & kOpMask);
  const int32_t res = cqe->res;
  const uint32_t flags = cqe->flags;
  const bool more = (flags & IORING_CQE_F_MORE) != 0;
  if (flags & IORING_CQE_F_BUFFER) {
    uint16_t bid = static_cast<uint16_t>(flags >> IORING_CQE_BUFFER_SHIFT);
    std::string_view data;
    if (res > 0) data = std::string_view(buffers_ + static_cast<size_t>(bid) * kBufferSize, res);
    h->OnCompletion(op, res, more, data);
    Recycle(bid);
    return;
  }
  h->OnCompletion(op, res, more, {});
}

unsigned UringLoop::Reap() {
  unsigned seen = 0;
  io_uring_cqe* cqe;
  // One CQE at a time, marked seen before its handler runs: a handler may
  // queue SQEs, and a full SQ submits, which may post more CQEs.
  while (io_uring_peek_cqe(&ring_, &cqe) == 0) {
    io_uring_cqe copy = *cqe;
    io_uring_cqe_seen(&ring_, cqe);
    ++seen;
    Dispatch(&copy);
  }
  return seen;
}

bool UringLoop::Wait(int timeout_ms) {
  if (reaping_) return true;  // a handler's Close() does not recurse here
  reaping_ = true;
  io_uring_cqe* cqe = nullptr;
  int rc;
  if (timeout_ms < 0) {
    rc = io_uring_submit_and_wait(&ring_, 1);
  } else if (timeout_ms == 0) {
    rc = io_uring_submit_and_get_events(&ring_);
  } else {
    __kernel_timespec ts{};
    ts.tv_sec = timeout_ms / 1000;
    ts.tv_nsec = static_cast<long long>(timeout_ms % 1000) * 1000000;
    rc = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
  }
  // What the handlers queue (sends, re-arms) goes out with the next Wait:
  // its sends mostly complete at once, so that call returns at once too,
  // often with the next requests already in. (liburing 2.3 returns the
  // number submitted, not -ETIME, when it submitted and then timed out;
  // the caller's next look at its timers catches that case.)
  bool any = Reap() > 0;
  reaping_ = false;
  return any || rc != -ETIME;
}

}  // namespace shoal
