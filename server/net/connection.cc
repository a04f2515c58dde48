// Connection implementation. The read buffer grows with the bytes that have
// arrived (at most doubling what it already holds, toward the end of the
// pending bulk), never from a header alone: `$536870000` costs 16 KB until
// 512 MB really arrive. It shrinks back when idle; a query buffer over
// client-query-buffer-limit closes the connection, as redis-server does.
//
// Input bounds (docs/security.md): before AUTH (requirepass set) the parser
// takes at most 10 arguments of 16 KB each, as Redis; under maxmemory, a
// denyoom command's bulk larger than the memory headroom is refused with
// -OOM from its header and dropped as it arrives instead of being buffered.
//
// TLS: see connection.h. A TLS failure (plain text on the TLS port, a
// client certificate missing or not signed by the CA, a broken record)
// logs one line through the worker (rate-limited) and closes this
// connection only; its alert is sent if the socket takes it at once.
#include "server/net/connection.h"
#include "base/strings.h"

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "eviction/settings.h"
#include "protocol/pipeline_scan.h"
#include "server/dispatch/errors.h"
#include "server/dispatch/info_section.h"
#include "server/events/blocking.h"
#include "server/events/pubsub.h"
#include "server/events/tracking.h"
#include "server/net/worker.h"

namespace shoal {
namespace {

// tcp-keepalive: probes after `idle_s` seconds of silence, then every third
// of that, and the connection is dropped after three unanswered (Redis's
// choice), so a peer that vanished without a FIN is noticed.
void SetKeepAlive(int fd, int64_t idle_s) {
  if (idle_s <= 0) return;
  int on = 1;
  int idle = static_cast<int>(std::min<int64_t>(idle_s, 32767));  // the kernel's TCP_KEEPIDLE cap
  int intvl = std::max(1, idle / 3);
  int cnt = 3;
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

// Bulks up to this size are left to the dispatcher's exact -OOM check;
// bigger ones are weighed against the memory headroom from their header.
constexpr int64_t kOomCheckFloor = 1024 * 1024;

struct WriteReq {
  uv_write_t req;
  std::string data;
  Connection* conn;
};

std::string AddrString(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
    port = ntohs(a->sin6_port);
  } else if (ss.ss_family == AF_UNIX) {
    // The socket's path and port 0, as Redis shows a unixsocket client.
    const auto* a = reinterpret_cast<const sockaddr_un*>(&ss);
    return StrCat(std::string_view(a->sun_path, strnlen(a->sun_path, sizeof(a->sun_path))), ":0");
  }
  return StrCat(host, ":", port);
}

}  // namespace

Connection::Connection(Worker* worker, uint64_t id) : worker_(worker) {
  session_.id = id;
  session_.worker = worker->index();
  session_.waker = worker;
  session_.created_ms = worker->store()->clock().NowMs();
  session_.last_interaction_ms = session_.created_ms;
  handle_.data = this;
  ParserLimits limits;
  limits.max_bulk_len = worker->server()->runtime().proto_max_bulk_len.load();
  const CommandTable* table = &worker->server()->table();
  limits.admit_bulk = [table](std::string_view first_arg, int64_t) {
    // Only called for a bulk over the headroom: refuse it for commands that
    // -OOM would refuse anyway (reads and DEL still run when memory is full).
    const CommandSpec* spec = table->Find(first_arg);
    return spec == nullptr || (spec->flags & kCmdDenyOom) == 0;
  };
  parser_.set_limits(limits);
}

// The largest bulk a denyoom command may announce now: maxmemory less used
// memory under noeviction; maxmemory itself under an eviction policy (the
// store could evict everything else for it). Unlimited without maxmemory.
int64_t Connection::BulkHeadroom() const {
  int64_t maxmemory = worker_->server()->runtime().maxmemory.load(std::memory_order_relaxed);
  if (maxmemory <= 0) return INT64_MAX;
  Store* store = worker_->store();
  int64_t limit = std::max<int64_t>(0, maxmemory - kUsedMemoryBaseline);
  if (store->eviction_settings().kind() == PolicyKind::kNoEviction) {
    limit = std::max<int64_t>(0, limit - store->UsedMemoryApprox());
  }
  return std::max(limit, kOomCheckFloor);
}

Connection::~Connection() = default;

bool Connection::Open(int fd, SSL_CTX* tls_ctx) {
  if (tls_ctx != nullptr) {
    tls_ = TlsSession::Create(tls_ctx);
    if (tls_ == nullptr) {
      ::close(fd);
      return false;
    }
  }
  uring_ = worker_->uring();
  if (uring_ != nullptr) {
    if (!OpenUring(fd)) return false;
  } else {
    uv_tcp_init(worker_->loop(), &handle_);
    if (uv_tcp_open(&handle_, fd) != 0) {
      ::close(fd);
      return false;
    }
    uv_tcp_nodelay(&handle_, 1);
  }
  open_ = true;
  session_.fd = fd;
  session_.tls = tls_ != nullptr;
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) session_.laddr = AddrString(ss);
  if (ss.ss_family == AF_UNIX) {
    // A unixsocket client: its own end has no name; both show the path.
    session_.unix_socket = true;
    session_.addr = session_.laddr;
  } else {
    SetKeepAlive(fd, worker_->server()->runtime().tcp_keepalive_s.load(std::memory_order_relaxed));
    len = sizeof(ss);
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) session_.addr = AddrString(ss);
  }
  session_.authenticated = !worker_->server()->runtime().AuthRequired();
  worker_->server()->clients().Add(&session_);
  UpdateReading();
  return true;
}

void Connection::UpdateReading() {
  if (closing_) return;
  bool want = PendingOutput() < worker_->options().pause_reading_over &&
              !session_.close_after_reply;
  if (uring_ != nullptr) return UpdateReadingUring(want);
  if (want && !reading_) {
    uv_read_start(reinterpret_cast<uv_stream_t*>(&handle_), OnAlloc, OnRead);
    reading_ = true;
  } else if (!want && reading_) {
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&handle_));
    reading_ = false;
  }
}

void Connection::ReserveRead() {
  size_t used = rend_ - rstart_;
  // Room for the next read: a chunk, or toward the end of the pending bulk
  // but never more than the bytes already held (so memory follows the data
  // that arrived, and a big bulk is still copied O(1) times per byte).
  size_t need = kReadChunk;
  size_t expected = parser_.ExpectedBytes();
  if (expected > used + kReadChunk) need = std::min(expected - used, std::max(kReadChunk, used));
  if (rcap_ - rend_ < need) {
    if (rstart_ > 0 && rcap_ - used >= need) {
      std::memmove(rbuf_.get(), rbuf_.get() + rstart_, used);
    } else {
      // Doubling what is held keeps a long pipeline or a command of many
      // arguments at O(1) copies per byte; memory stays within twice the
      // bytes that arrived. Not value-initialized: pages are touched only as
      // data is written.
      size_t cap = std::max(used + need, 2 * used);
      std::unique_ptr<char[]> fresh(new char[cap]);
      if (used) std::memcpy(fresh.get(), rbuf_.get() + rstart_, used);
      rbuf_ = std::move(fresh);
      rcap_ = cap;
    }
    rstart_ = 0;
    rend_ = used;
  }
}

void Connection::OnAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(h->data);
  if (c->tls_ != nullptr) {
    // Ciphertext: decrypted into rbuf_ by OnTlsRead right after.
    *buf = c->worker_->TlsScratch();
    return;
  }
  c->ReserveRead();
  buf->base = c->rbuf_.get() + c->rend_;
  buf->len = c->rcap_ - c->rend_;
}

void Connection::OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(s->data);
  if (nread < 0) {
    c->Close();
    return;
  }
  if (nread == 0) return;
  if (c->tls_ != nullptr) return c->OnTlsRead(buf->base, nread);
  c->rend_ += nread;
  c->AfterInput(nread);
  if (c->closing_) return;
  c->Flush();
}

void Connection::AfterInput(size_t nread) {
  worker_->server()->worker_stats(worker_->index()).net_input_bytes.fetch_add(
      nread, std::memory_order_relaxed);
  ProcessInput();
  if (closing_) return;
  int64_t qlimit = worker_->server()->runtime().client_query_buffer_limit.load();
  if (static_cast<int64_t>(rend_ - rstart_) > qlimit) {
    Close();  // query buffer overflow: redis-server closes without reply
  }
}

// Decrypts everything the session can out of this read (the handshake
// advances here too), then runs it as the plain path does; Flush sends the
// handshake's answer and the replies.
void Connection::OnTlsRead(const char* data, size_t n) {
  tls_->FeedInput(data, n);
  size_t plain = 0;
  bool peer_closed = false;
  for (;;) {
    ReserveRead();
    size_t got = 0;
    TlsSession::ReadResult r = tls_->Read(rbuf_.get() + rend_, rcap_ - rend_, &got);
    if (r == TlsSession::ReadResult::kData) {
      rend_ += got;
      plain += got;
      continue;
    }
    if (r == TlsSession::ReadResult::kError) return FailTls();
    peer_closed = r == TlsSession::ReadResult::kClosed;
    break;
  }
  if (plain > 0) {
    AfterInput(plain);
    if (closing_) return;
  }
  Flush();
  // close_notify: what came before it was answered (as far as the socket
  // takes it now); the peer reads nothing more.
  if (peer_closed) Close();
}

void Connection::FailTls() {
  worker_->LogTlsFailure(tls_->handshake_done(), tls_->error(), session_.addr);
  Close();
}

void Connection::ProcessInput() {
  session_.last_interaction_ms.store(worker_->LoopNowMs(), std::memory_order_relaxed);
  parser_.set_admit_check_over(BulkHeadroom());
  size_t until_prefetch = 0;  // commands to run before the next look ahead
  hint_next_ = hint_end_ = 0;
  while (rstart_ < rend_ && !session_.close_after_reply && !session_.block.blocked) {
    if (session_.kill_requested.load(std::memory_order_relaxed)) {
      Close();
      return;
    }
    size_t consumed = 0;
    std::string_view buf(rbuf_.get() + rstart_, rend_ - rstart_);
    parser_.set_unauthenticated(!session_.authenticated &&
                                worker_->server()->runtime().AuthRequired());
    ParseStatus st = parser_.Parse(buf, &consumed, &args_);
    if (st == ParseStatus::kError) {
      reply_.Error(parser_.ErrorText());
      session_.close_after_reply = true;
      break;
    }
    rstart_ += consumed;
    if (st == ParseStatus::kRefused) {
      // A bulk over the memory headroom: answered now, its bytes dropped as
      // they arrive (the parser discards the rest of the command).
      reply_.Error(kErrOom);
      if (session_.in_multi) session_.multi_error = true;
      continue;
    }
    if (st == ParseStatus::kNeedMore) {
      if (consumed == 0) break;
      continue;
    }
    // More requests behind this one (a pipeline): hint their keys' memory
    // now, so that the lookups' cache misses overlap.
    if (until_prefetch == 0) until_prefetch = rstart_ < rend_ ? PrefetchAhead() : SIZE_MAX;
    --until_prefetch;
    worker_->dispatcher()->Dispatch(&session_, &reply_, CmdArgs(args_), TakeKeyHint());
    if (session_.postponed) {
      NotePostponed(CmdArgs(args_));
      break;
    }
    if (session_.block.blocked) {
      NoteBlocked(CmdArgs(args_));
      break;
    }
    if (PendingOutput() > worker_->options().pause_reading_over) {
      // The client is not reading fast enough: stop executing its pipeline
      // until the socket drains (OnWrite resumes), so replies cannot pile up.
      Flush();
      if (closing_ || PendingOutput() > worker_->options().pause_reading_over) return;
    }
  }
  if (rstart_ == rend_) {
    rstart_ = rend_ = 0;
    if (rcap_ > kIdleBufferCap) {
      rbuf_.reset();
      rcap_ = 0;
    }
  }
  session_.query_buffer_bytes.store(rend_ - rstart_, std::memory_order_relaxed);
}

size_t Connection::PrefetchAhead() {
  std::string_view keys[kPrefetchAhead + 1];
  size_t n = 0;
  if (args_.size() >= 2) keys[n++] = args_[1];  // the request about to run
  const size_t behind = ScanPipelineKeys(std::string_view(rbuf_.get() + rstart_, rend_ - rstart_),
                                         keys + n, kPrefetchAhead);
  if (behind == 0) return SIZE_MAX;
  static_assert(kPrefetchAhead + 1 <= Store::kPrefetchBatch);
  worker_->store()->PrefetchLookups(session_.db.load(std::memory_order_relaxed), keys, n + behind,
                                    key_hints_);
  hint_next_ = 0;
  hint_end_ = n + behind;
  return behind + 1;
}

const HashedKey* Connection::TakeKeyHint() {
  if (args_.size() < 2) return nullptr;
  const std::string_view key = args_[1];
  // Usually the first one left; requests with one argument left theirs
  // (an empty view) behind.
  for (size_t i = hint_next_; i < hint_end_; ++i) {
    if (key_hints_[i].key.data() == key.data() && key_hints_[i].key.size() == key.size()) {
      hint_next_ = i + 1;
      return &key_hints_[i];
    }
  }
  return nullptr;
}

bool Connection::Send(std::string& out) {
  if (uring_ != nullptr) return SendUring(out);
  size_t written = 0;
  if (inflight_writes_ == 0) {
    uv_buf_t b = uv_buf_init(out.data(), out.size());
    int n = uv_try_write(reinterpret_cast<uv_stream_t*>(&handle_), &b, 1);
    if (n > 0) written = n;
    else if (n < 0 && n != UV_EAGAIN) {
      Close();
      return false;
    }
  }
  if (written == out.size()) {
    out.clear();
    return true;
  }
  auto* w = new WriteReq;
  w->conn = this;
  if (written == 0) {
    w->data.swap(out);
  } else {
    w->data.assign(out, written);
    out.clear();
  }
  w->req.data = w;
  uv_buf_t b = uv_buf_init(w->data.data(), w->data.size());
  inflight_bytes_ += w->data.size();
  ++inflight_writes_;
  if (uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&handle_), &b, 1, OnWrite) != 0) {
    inflight_bytes_ -= w->data.size();
    --inflight_writes_;
    delete w;
    Close();
    return false;
  }
  return true;
}

bool Connection::FlushTls() {
  std::string& plain = reply_.buffer();
  if (!plain.empty()) {
    size_t taken = tls_->Write(plain, &tls_out_);
    if (tls_->failed()) {
      FailTls();
      return false;
    }
    // 0 taken: the handshake is not finished, the replies wait for it.
    if (taken > 0) {
      worker_->server()->worker_stats(worker_->index()).net_output_bytes.fetch_add(
          taken, std::memory_order_relaxed);
      if (taken == plain.size()) {
        plain.clear();
      } else {
        plain.erase(0, taken);
      }
      if (plain.capacity() > kIdleBufferCap) std::string().swap(plain);
    }
  }
  tls_->TakeOutput(&tls_out_);
  if (tls_out_.empty()) return true;
  if (!Send(tls_out_)) return false;
  if (tls_out_.capacity() > kIdleBufferCap) std::string().swap(tls_out_);
  return true;
}

void Connection::Flush() {
  if (closing_) return;
  if (tls_ != nullptr) {
    if (!FlushTls()) return;
  } else if (!reply_.buffer().empty()) {
    std::string& out = reply_.buffer();
    worker_->server()->worker_stats(worker_->index()).net_output_bytes.fetch_add(
        out.size(), std::memory_order_relaxed);
    if (!Send(out)) return;
    if (out.capacity() > kIdleBufferCap) std::string().swap(out);
  }
  int64_t hard = OutputLimit();
  session_.output_buffer_bytes.store(PendingOutput(), std::memory_order_relaxed);
  if (hard > 0 && static_cast<int64_t>(PendingOutput()) > hard) {
    Close();
    return;
  }
  MaybeFinish();
  UpdateReading();
}

void Connection::OnWrite(uv_write_t* req, int status) {
  auto* w = static_cast<WriteReq*>(req->data);
  Connection* c = w->conn;
  c->inflight_bytes_ -= w->data.size();
  --c->inflight_writes_;
  delete w;
  if (c->closing_) return;
  if (status < 0) {
    c->Close();
    return;
  }
  // Replies produced while this write was in flight go out now; input that
  // waited for the buffer to drain is processed.
  c->Flush();
  if (!c->closing_ && c->reading_ && c->rend_ > c->rstart_) {
    c->ProcessInput();
    c->Flush();
  }
}

void Connection::MaybeFinish() {
  if (session_.close_after_reply && PendingOutput() == 0) Close();
}

void Connection::CheckKill() {
  if (!closing_ && session_.kill_requested.load()) {
    if (session_.close_after_reply) return;  // killed itself: reply first
    Close();
  }
}

void Connection::CheckIdle(int64_t now_ms, int64_t timeout_s) {
  if (closing_ || timeout_s <= 0) return;
  if (now_ms - session_.last_interaction_ms.load(std::memory_order_relaxed) > timeout_s * 1000) {
    Close();
  }
}

int64_t Connection::OutputLimit() const {
  const RuntimeConfig& rc = worker_->server()->runtime();
  if (session_.subscriptions.load(std::memory_order_relaxed) > 0) {
    return rc.obuf_pubsub_hard.load(std::memory_order_relaxed);
  }
  return rc.obuf_normal_hard.load(std::memory_order_relaxed);
}

void Connection::NoteBlocked(CmdArgs args) {
  BlockState& b = session_.block;
  if (b.args.empty()) b.args.assign(args.begin(), args.end());
  worker_->SetBlocked(this, true);
}

void Connection::LeaveBlocked() {
  BlockState& b = session_.block;
  int db = b.db;
  std::vector<std::string> keys = b.keys;  // a copy: Unblock walks b.keys
  worker_->server()->blocking().Unblock(&session_);
  worker_->SetBlocked(this, false);
  // The key may hold more than this client took: pass the turn on.
  for (const std::string& k : keys) worker_->server()->blocking().KeyReady(db, k);
}

void Connection::NotePostponed(CmdArgs args) {
  session_.block.args.assign(args.begin(), args.end());
  worker_->SetBlocked(this, true);
}

// Runs the command CLIENT PAUSE held back (again held if still paused).
void Connection::ResumePostponed() {
  session_.postponed = false;
  std::vector<std::string> args = std::move(session_.block.args);
  session_.block.args.clear();
  std::vector<std::string_view> views(args.begin(), args.end());
  worker_->dispatcher()->Dispatch(&session_, &reply_, CmdArgs(views));
  if (session_.postponed) {
    session_.block.args = std::move(args);
    return;
  }
  worker_->SetBlocked(this, false);
  if (session_.block.blocked) {
    NoteBlocked(CmdArgs(views));
    Flush();
    return;
  }
  Flush();
  if (!closing_ && rend_ > rstart_) {
    ProcessInput();
    Flush();
  }
}

void Connection::RetryBlocked() {
  if (closing_) return;
  if (session_.postponed) return ResumePostponed();
  if (!session_.block.blocked) return;
  int unblock = session_.unblock_request.exchange(ClientSession::kUnblockNone);
  if (unblock != ClientSession::kUnblockNone) return EndBlocked(unblock == ClientSession::kUnblockError);
  RerunBlocked();
}

void Connection::RerunBlocked() {
  BlockState& b = session_.block;
  b.reblocked = false;
  std::vector<std::string_view> views(b.args.begin(), b.args.end());
  worker_->dispatcher()->Dispatch(&session_, &reply_, CmdArgs(views));
  if (b.reblocked) return;  // someone else took the data: keep waiting
  LeaveBlocked();
  Flush();
  if (!closing_ && rend_ > rstart_) {
    ProcessInput();
    Flush();
  }
}

bool Connection::BlockDeadlinePassed(int64_t now_ms) const {
  if (session_.postponed) {
    const ServerState* s = worker_->server();
    return s->pause_mode.load() == ServerState::kPauseNone || now_ms >= s->pause_until_ms.load();
  }
  const BlockState& b = session_.block;
  return b.blocked && b.deadline_ms > 0 && now_ms >= b.deadline_ms;
}

void Connection::TimeoutBlocked() {
  if (closing_) return;
  if (session_.postponed) return ResumePostponed();
  if (!session_.block.blocked) return;
  EndBlocked(/*error=*/false);
}

void Connection::EndBlocked(bool error) {
  BlockedReply kind = session_.block.timeout_reply;
  if (ReplicationHooks* r = worker_->server()->replication) r->ForgetWaiter(session_.id);
  if (!error && kind == BlockedReply::kRerun) {
    session_.wait_forever = false;
    session_.wait_deadline_ms = 0;  // passed: the re-run replies what it has
    return RerunBlocked();
  }
  worker_->server()->blocking().Unblock(&session_);
  worker_->SetBlocked(this, false);
  if (error) {
    reply_.Error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
  } else if (kind == BlockedReply::kNullArray) {
    reply_.NullArray();
  } else {
    reply_.NullBulk();
  }
  Flush();
  if (!closing_ && rend_ > rstart_) {
    ProcessInput();
    Flush();
  }
}

void Connection::Deliver(std::string_view bytes) {
  if (closing_) return;
  reply_.Raw(bytes);
  Flush();
}

void Connection::Close() {
  if (closing_) return;
  closing_ = true;
  // A replica link: the feeder carries on with this session (before the
  // client leaves the registry, which is what the feeder waits for).
  if (tls_ != nullptr && open_ && session_.tls_handoff) session_.tls_handoff(std::move(tls_));
  if (open_) worker_->server()->clients().Remove(&session_);
  if (session_.monitor.load(std::memory_order_relaxed)) {
    worker_->server()->monitors().Remove(&session_);
  }
  if (session_.block.blocked) {
    if (ReplicationHooks* r = worker_->server()->replication) r->ForgetWaiter(session_.id);
  }
  worker_->server()->blocking().Unblock(&session_);
  worker_->server()->pubsub().RemoveAll(&session_);
  if (ClientTracking* t = TrackingOf(*worker_->server())) t->Disable(&session_);
  worker_->dispatcher()->DiscardTransaction(&session_);
  if (tls_ != nullptr && open_) {
    // close_notify, or the alert of a failed handshake: best effort, only
    // if the socket takes it now and nothing queued is still ahead of it.
    if (!tls_->failed()) tls_->Shutdown();
    std::string tail;
    tls_->TakeOutput(&tail);
    if (!tail.empty() && inflight_writes_ == 0) {
      ::send(session_.fd, tail.data(), tail.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    }
  }
  if (uring_ != nullptr) return CloseUring();
  uv_close(reinterpret_cast<uv_handle_t*>(&handle_), OnClosed);
}

void Connection::OnClosed(uv_handle_t* h) {
  auto* c = static_cast<Connection*>(h->data);
  c->worker_->Forget(c);
  delete c;
}

}  // namespace shoal
