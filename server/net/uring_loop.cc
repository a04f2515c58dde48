// UringLoop implementation: ring set-up (SINGLE_ISSUER + DEFER_TASKRUN, or
// nothing: the server then uses epoll), the provided-buffer ring, and the
// submit/wait/dispatch cycle.
//
// Buffers: up to kMaxBuffers of kBufferSize in one anonymous mapping, so
// only the pages the kernel wrote into count in RSS. The kernel takes them
// from the ring in order and Recycle puts each back at the tail, so every
// buffer in the ring is written sooner or later: RSS follows how many are
// provided, not how many a turn needs. So the ring starts with
// kFirstBuffers and grows when multishot recvs find it empty (-ENOBUFS,
// seen in Dispatch before the handler; RanDry): a worker holds about as many
// buffers as its busiest turn took, e.g. 8 (32 KB) for a few pipelining
// clients, ~50 for 50 clients at P=1, against 128 (512 KB) always. The recv
// that ran out is re-armed by its connection; by the time the re-arm is
// submitted the pump has recycled every buffer it handed out. And a ring
// that took no data for a while (a bulk load over, clients gone quiet)
// gives its buffers' pages back (ReleaseIdleBuffers): the next recvs fault
// in fresh zero pages, a few microseconds once per idle spell.
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
constexpr unsigned kMaxBuffers = 128;    // the ring's entries; power of two
constexpr unsigned kFirstBuffers = 8;    // provided at start
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
  // The buffer ring: kMaxBuffers io_uring_buf entries, page-aligned.
  u->buf_ring_bytes_ = kMaxBuffers * sizeof(io_uring_buf);
  void* ring_mem = mmap(nullptr, u->buf_ring_bytes_, PROT_READ | PROT_WRITE,
                        MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  void* bufs = mmap(nullptr, kMaxBuffers * kBufferSize, PROT_READ | PROT_WRITE,
                    MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (ring_mem == MAP_FAILED || bufs == MAP_FAILED) {
    if (ring_mem != MAP_FAILED) munmap(ring_mem, u->buf_ring_bytes_);
    if (bufs != MAP_FAILED) munmap(bufs, kMaxBuffers * kBufferSize);
    *why = "mmap of the buffer ring failed";
    return nullptr;
  }
  u->buf_ring_ = static_cast<io_uring_buf_ring*>(ring_mem);
  u->buffers_ = static_cast<char*>(bufs);
  io_uring_buf_ring_init(u->buf_ring_);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uintptr_t>(ring_mem);
  reg.ring_entries = kMaxBuffers;
  reg.bgid = kBufferGroup;
  rc = io_uring_register_buf_ring(&u->ring_, &reg, 0);
  if (rc < 0) {
    *why = std::string("provided buffer ring: ") + strerror(-rc);
    return nullptr;
  }
  u->AddBuffers(kFirstBuffers);
  return u;
}

void UringLoop::AddBuffers(unsigned n) {
  n = std::min(n, kMaxBuffers - provided_);
  const int mask = io_uring_buf_ring_mask(kMaxBuffers);
  for (unsigned i = 0; i < n; ++i) {
    const uint16_t bid = static_cast<uint16_t>(provided_ + i);
    io_uring_buf_ring_add(buf_ring_, buffers_ + static_cast<size_t>(bid) * kBufferSize,
                          kBufferSize, bid, mask, static_cast<int>(i));
  }
  io_uring_buf_ring_advance(buf_ring_, static_cast<int>(n));
  provided_ += n;
}

UringLoop::~UringLoop() {
  if (ring_ready_) io_uring_queue_exit(&ring_);
  if (buf_ring_ != nullptr) munmap(buf_ring_, buf_ring_bytes_);
  if (buffers_ != nullptr) munmap(buffers_, kMaxBuffers * kBufferSize);
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

void UringLoop::Timeout(int ms, Handler* h) {
  // The kernel reads the timespec when the SQE is submitted (the next
  // Wait), so one slot per call is enough while calls alternate with waits.
  __kernel_timespec& ts = timeouts_[next_timeout_++ % kTimeoutSlots];
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = static_cast<long long>(ms % 1000) * 1000000;
  io_uring_sqe* sqe = NextSqe();
  io_uring_prep_timeout(sqe, &ts, 0, 0);
  io_uring_sqe_set_data64(sqe, Tag(h, kTimeout));
}

void UringLoop::CancelTimeout(Handler* h) {
  io_uring_sqe* sqe = NextSqe();
  io_uring_prep_timeout_remove(sqe, Tag(h, kTimeout), 0);
  io_uring_sqe_set_data64(sqe, Tag(h, kCancel));
}

void UringLoop::Recycle(uint16_t bid) {
  io_uring_buf_ring_add(buf_ring_, buffers_ + static_cast<size_t>(bid) * kBufferSize, kBufferSize,
                        bid, io_uring_buf_ring_mask(kMaxBuffers), 0);
  io_uring_buf_ring_advance(buf_ring_, 1);
}

void UringLoop::RanDry() {
  // Each recv that found the ring empty this turn gets a buffer of its own
  // before its handler re-arms it, and the first doubles the ring (a large
  // upload, one recv running dry turn after turn, grows it as fast as 50
  // clients at once do).
  ++dry_this_turn_;
  const unsigned want = std::max(dry_this_turn_, provided_at_turn_);
  if (added_this_turn_ < want) {
    const unsigned before = provided_;
    AddBuffers(want - added_this_turn_);
    added_this_turn_ += provided_ - before;
  }
}

void UringLoop::ReleaseIdleBuffers() {
  // Outside Wait no buffer is lent, so every provided one sits in the ring
  // holding nothing; the kernel writes into them only within this thread's
  // io_uring_enter (DEFER_TASKRUN), so it cannot race the madvise.
  if (reaping_) return;
  if (took_buffers_) {
    took_buffers_ = false;  // busy since the last call
    return;
  }
  if (released_) return;
  madvise(buffers_, static_cast<size_t>(provided_) * kBufferSize, MADV_DONTNEED);
  released_ = true;
}

void UringLoop::Dispatch(io_uring_cqe* cqe) {
  uint64_t tag = io_uring_cqe_get_data64(cqe);
  auto* h = reinterpret_cast<Handler*>(tag & ~kOpMask);
  auto op = static_cast<Op>(tag & kOpMask);
  const int32_t res = cqe->res;
  const uint32_t flags = cqe->flags;
  const bool more = (flags & IORING_CQE_F_MORE) != 0;
  if (op == kRecv && res == -ENOBUFS) RanDry();
  if (flags & IORING_CQE_F_BUFFER) {
    uint16_t bid = static_cast<uint16_t>(flags >> IORING_CQE_BUFFER_SHIFT);
    took_buffers_ = true;
    released_ = false;
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
  // queue SQEs, and a full SQ submits, which may post more CQEs. The ready
  // count is read first: liburing's peek calls into the library when the
  // CQ is empty.
  while (io_uring_cq_ready(&ring_) > 0 && io_uring_peek_cqe(&ring_, &cqe) == 0) {
    io_uring_cqe copy = *cqe;
    io_uring_cqe_seen(&ring_, cqe);
    ++seen;
    Dispatch(&copy);
  }
  return seen;
}

unsigned UringLoop::FlushSq() {
  io_uring_sq* sq = &ring_.sq;
  if (sq->sqe_head != sq->sqe_tail) {
    sq->sqe_head = sq->sqe_tail;
    io_uring_smp_store_release(sq->ktail, sq->sqe_tail);
  }
  return sq->sqe_tail - io_uring_smp_load_acquire(sq->khead);
}

bool UringLoop::Wait(int timeout_ms) {
  if (reaping_) return true;  // a handler's Close() does not recurse here
  reaping_ = true;
  provided_at_turn_ = provided_;
  dry_this_turn_ = 0;
  added_this_turn_ = 0;
  // One io_uring_enter: submit, run the deferred completion work, wait.
  // (Called directly, not through liburing's submit-and-wait, which costs
  // a few hundred instructions a turn in its CQ bookkeeping.)
  io_uring_getevents_arg arg{};
  arg.sigmask_sz = _NSIG / 8;
  __kernel_timespec ts{};
  if (timeout_ms > 0) {
    ts.tv_sec = timeout_ms / 1000;
    ts.tv_nsec = static_cast<long long>(timeout_ms % 1000) * 1000000;
    arg.ts = reinterpret_cast<uintptr_t>(&ts);
  }
  const unsigned submit = FlushSq();
  int rc = io_uring_enter2(ring_.ring_fd, submit, timeout_ms == 0 ? 0 : 1,
                           IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG,
                           reinterpret_cast<sigset_t*>(&arg), sizeof(arg));
  // A wait that also submitted returns the number submitted, not -ETIME,
  // when its time runs out: the caller's timers catch that case.
  bool any = Reap() > 0;
  reaping_ = false;
  return any || rc != -ETIME;
}

}  // namespace shoal
