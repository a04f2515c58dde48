// UringLoop implementation: ring set-up (with fallbacks for older
// kernels), the provided-buffer ring, and the submit/complete pump.
//
// Buffers: kBuffers of kBufferSize in one anonymous mapping, so only the
// pages the kernel wrote into count in RSS. A multishot recv that finds the
// ring empty ends with -ENOBUFS; its connection re-arms it, and by the time
// the re-arm is submitted the pump has recycled every buffer it handed out.
#include "server/net/uring_loop.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace shoal {
namespace {

constexpr unsigned kEntries = 256;       // SQ size; the CQ is 4x
constexpr unsigned kBuffers = 128;       // power of two
constexpr size_t kBufferSize = 4096;
constexpr uint16_t kBufferGroup = 0;
constexpr uintptr_t kOpMask = 7;         // low bits of user_data: the op
constexpr int kMaxPumpRounds = 4;

int InitRing(io_uring* ring) {
  io_uring_params p{};
  p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN;
  p.cq_entries = kEntries * 4;
  int rc = io_uring_queue_init_params(kEntries, ring, &p);
  if (rc == -EINVAL) {  // a kernel before 6.0: no SINGLE_ISSUER
    p = io_uring_params{};
    p.flags = IORING_SETUP_CQSIZE;
    p.cq_entries = kEntries * 4;
    rc = io_uring_queue_init_params(kEntries, ring, &p);
  }
  return rc;
}

uint64_t Tag(UringLoop::Handler* h, UringLoop::Op op) {
  return reinterpret_cast<uintptr_t>(h) | op;
}

}  // namespace

bool UringLoop::Probe(std::string* why) {
  // The real thing on a socketpair: a ring, a buffer ring, one multishot
  // recv that must come back with data in a provided buffer.
  uv_loop_t loop;
  if (uv_loop_init(&loop) != 0) {
    *why = "uv_loop_init failed";
    return false;
  }
  bool ok = false;
  {
    std::unique_ptr<UringLoop> u = Create(&loop, why);
    int sv[2];
    if (u != nullptr && socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0) {
      struct Probe : Handler {
        int32_t got = 0;
        bool buffered = false;
        void OnCompletion(Op op, int32_t res, bool, std::string_view data) override {
          if (op == kRecv && got == 0) {
            got = res;
            buffered = data == "ping";
          }
        }
      } probe;
      u->Recv(sv[0], &probe);
      u->Pump();
      if (write(sv[1], "ping", 4) == 4) {
        for (int i = 0; i < 100 && probe.got == 0; ++i) {
          u->Pump();
          if (probe.got == 0) usleep(1000);
        }
      }
      ok = probe.got == 4 && probe.buffered;
      if (!ok) *why = probe.got < 0 ? std::string("multishot recv: ") + strerror(-probe.got)
                                    : "multishot recv gave no data";
      // Cancel and drain before the handler goes out of scope.
      u->CancelAll(sv[0], &probe);
      u->Pump();
      close(sv[0]);
      close(sv[1]);
      u->Close();
    }
    uv_run(&loop, UV_RUN_DEFAULT);  // runs the poll handle's close callback
  }
  uv_loop_close(&loop);
  return ok;
}

std::unique_ptr<UringLoop> UringLoop::Create(uv_loop_t* loop, std::string* why) {
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
  if (uv_poll_init(loop, &u->poll_, u->ring_.ring_fd) != 0) {
    *why = "uv_poll_init on the ring fd failed";
    return nullptr;
  }
  u->poll_.data = u.get();
  uv_poll_start(&u->poll_, UV_READABLE, OnReadable);
  u->polling_ = true;
  return u;
}

UringLoop::~UringLoop() {
  if (ring_ready_) io_uring_queue_exit(&ring_);
  if (buf_ring_ != nullptr) munmap(buf_ring_, buf_ring_bytes_);
  if (buffers_ != nullptr) munmap(buffers_, kBuffers * kBufferSize);
}

void UringLoop::Close() {
  if (!polling_) return;
  polling_ = false;
  uv_poll_stop(&poll_);
  uv_close(reinterpret_cast<uv_handle_t*>(&poll_), nullptr);
}

io_uring_sqe* UringLoop::NextSqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  while (sqe == nullptr) {  // the SQ is full: hand it to the kernel now
    io_uring_submit(&ring_);
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

void UringLoop::Pump() {
  if (pumping_) return;  // a handler's Close() does not recurse into us
  pumping_ = true;
  for (int round = 0; round < kMaxPumpRounds; ++round) {
    if (io_uring_sq_ready(&ring_) > 0) io_uring_submit(&ring_);
    unsigned seen = 0;
    io_uring_cqe* cqe;
    // One CQE at a time and advanced before the handler runs: a handler
    // may queue SQEs, and a full SQ submits, which may post more CQEs.
    while (io_uring_peek_cqe(&ring_, &cqe) == 0) {
      io_uring_cqe copy = *cqe;
      io_uring_cqe_seen(&ring_, cqe);
      ++seen;
      Dispatch(&copy);
    }
    if (seen == 0 && io_uring_sq_ready(&ring_) == 0) break;
  }
  pumping_ = false;
}

void UringLoop::OnReadable(uv_poll_t* p, int status, int) {
  if (status < 0) return;
  static_cast<UringLoop*>(p->data)->Pump();
}

}  // namespace shoal
