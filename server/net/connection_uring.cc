// Connection's io_uring transport (--io-engine uring): what replaces the
// libuv stream when the worker has a UringLoop. Everything above the socket
// — parsing, dispatch, backpressure, TLS, blocking — is connection.cc's.
//
// Op accounting: every op submitted (the multishot recv while armed, the
// send in flight, a cancel) counts in uring_ops_ until its last CQE. Close
// only submits a cancel of every op on the fd; Release (close the fd,
// forget, delete) runs from the CQE that brings the count to zero, so no
// CQE can name a deleted connection and nothing is freed under a caller.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "server/net/connection.h"
#include "server/net/worker.h"

namespace shoal {

bool Connection::OpenUring(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  fd_ = fd;
  return true;
}

void Connection::UpdateReadingUring(bool want) {
  if (want && !reading_) {
    reading_ = true;
    // A recv being cancelled re-arms when its last CQE comes.
    if (!recv_armed_) {
      uring_->Recv(fd_, this);
      recv_armed_ = true;
      ++uring_ops_;
    }
  } else if (!want && reading_) {
    reading_ = false;
    if (recv_armed_ && !recv_cancelling_) {
      // Bytes that arrive before the cancel lands are still taken (a
      // buffer or two): the pause bounds memory, not the exact byte.
      uring_->CancelRecv(this);
      recv_cancelling_ = true;
      ++uring_ops_;
    }
  }
}

void Connection::OnUringData(std::string_view data) {
  if (tls_ != nullptr) return OnTlsRead(data.data(), data.size());
  size_t left = data.size();
  const char* p = data.data();
  while (left > 0) {
    ReserveRead();
    size_t n = std::min(left, rcap_ - rend_);
    std::memcpy(rbuf_.get() + rend_, p, n);
    rend_ += n;
    p += n;
    left -= n;
  }
  AfterInput(data.size());
  if (closing_) return;
  Flush();
}

bool Connection::SendUring(std::string& out) {
  inflight_bytes_ += out.size();
  if (inflight_writes_ == 0) {
    // The reply buffer becomes the send's, and the (empty) buffer of the
    // last send becomes the reply buffer: no copy, no allocation.
    sending_.swap(out);
    out.clear();
    sent_ = 0;
    uring_->Send(fd_, sending_.data(), sending_.size(), this);
    ++inflight_writes_;
    ++uring_ops_;
  } else {
    send_queue_.append(out);
    out.clear();
  }
  return true;
}

void Connection::OnSendDone(int32_t res) {
  --inflight_writes_;
  if (closing_) return;
  if (res < 0) {
    Close();
    return;
  }
  inflight_bytes_ -= res;
  sent_ += res;
  if (sent_ < sending_.size()) {  // the socket took part of it: the rest
    uring_->Send(fd_, sending_.data() + sent_, sending_.size() - sent_, this);
    ++inflight_writes_;
    ++uring_ops_;
    return;
  }
  sending_.clear();
  sent_ = 0;
  if (sending_.capacity() > kIdleBufferCap) std::string().swap(sending_);
  if (!send_queue_.empty()) {
    sending_.swap(send_queue_);
    uring_->Send(fd_, sending_.data(), sending_.size(), this);
    ++inflight_writes_;
    ++uring_ops_;
  }
  // As OnWrite: replies made meanwhile go out, paused input resumes.
  Flush();
  if (!closing_ && reading_ && rend_ > rstart_) {
    ProcessInput();
    Flush();
  }
}

void Connection::OnCompletion(UringLoop::Op op, int32_t res, bool more, std::string_view data) {
  switch (op) {
    case UringLoop::kRecv:
      if (!more) {
        recv_armed_ = false;
        --uring_ops_;
      }
      if (closing_) break;
      if (res > 0) {
        OnUringData(data);
      } else if (res == 0 || (res != -ENOBUFS && res != -ECANCELED)) {
        Close();  // EOF, or a socket error
      }
      // Ended (out of buffers, cancelled for a pause that is over, or
      // after its last data): arm again while reading is wanted.
      if (!closing_ && !recv_armed_ && reading_) {
        uring_->Recv(fd_, this);
        recv_armed_ = true;
        ++uring_ops_;
      }
      break;
    case UringLoop::kSend:
      --uring_ops_;
      OnSendDone(res);
      break;
    case UringLoop::kCancel:
      --uring_ops_;
      recv_cancelling_ = false;
      break;
    case UringLoop::kPoll:  // a connection submits neither
    case UringLoop::kTimeout:
      break;
  }
  if (closing_ && uring_ops_ == 0) Release();  // last: deletes this
}

void Connection::CloseUring() {
  // Every op on the fd ends (a send stuck on a client that never reads
  // included); the cancel's CQE, or a later one, releases.
  uring_->CancelAll(fd_, this);
  ++uring_ops_;
}

void Connection::Release() {
  ::close(fd_);
  fd_ = -1;
  worker_->Forget(this);
  delete this;
}

}  // namespace shoal
