// Worker implementation: the loop thread, its inbox, and its cron timer
// (active expiry share, idle timeouts, kill requests).
#include "server/net/worker.h"

#include <openssl/ssl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "server/dispatch/info_section.h"
#include "server/dispatch/latency_monitor.h"
#include "server/net/connection.h"
#include "server/net/tls_context.h"

namespace shoal {
namespace {
constexpr int kCronIntervalMs = 10;

int64_t MonotonicNowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

Worker::Worker(int index, int count, Store* store, ServerState* server, const NetOptions& options)
    : index_(index),
      count_(count),
      store_(store),
      server_(server),
      options_(options),
      dispatcher_(store, server, index) {
  uv_loop_init(&loop_);
  wall_offset_ms_ = store_->clock().NowMs() - static_cast<int64_t>(uv_now(&loop_));
  uv_async_init(&loop_, &async_, OnAsync);
  async_.data = this;
  uv_timer_init(&loop_, &cron_);
  cron_.data = this;
  uv_prepare_init(&loop_, &turn_end_);
  turn_end_.data = this;
}

Worker::~Worker() { uv_loop_close(&loop_); }

void Worker::Start() {
  uv_timer_start(&cron_, OnCron, kCronIntervalMs, kCronIntervalMs);
  thread_ = std::thread([this] {
    if (options_.io_engine == IoEngine::kUring) {
      std::string why;
      uring_ = UringLoop::Create(&why);
      if (uring_ == nullptr) {
        fprintf(stderr, "worker %d: io_uring unavailable (%s), using epoll\n", index_, why.c_str());
      }
    }
    if (uring_ != nullptr) {
      RunUring();
      uring_.reset();
      return;
    }
    if (server_->replication != nullptr) uv_prepare_start(&turn_end_, OnTurnEnd);
    uv_run(&loop_, UV_RUN_DEFAULT);
  });
}

void Worker::Stop() {
  {
    absl::MutexLock l(&mu_);
    stop_ = true;
  }
  uv_async_send(&async_);
}

void Worker::Join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::Post(Message m) {
  {
    absl::MutexLock l(&mu_);
    inbox_.push_back(std::move(m));
  }
  uv_async_send(&async_);
}

// Counted at once, on the acceptor's thread: a burst of connections (or a
// worker busy in a long script) must not make this worker look idle while
// its adoptions wait in the queue, or it would get every new connection.
void Worker::Adopt(int fd, uint64_t client_id, bool tls) {
  live_.fetch_add(1, std::memory_order_relaxed);
  Post({Message::kAdopt, fd, client_id, tls, {}});
}

void Worker::Deliver(uint64_t client_id, std::string bytes) {
  Post({Message::kDeliver, -1, client_id, false, std::move(bytes)});
}

void Worker::WakeBlocked(uint64_t client_id) { Post({Message::kWakeBlocked, -1, client_id, false, {}}); }

void Worker::SetBlocked(Connection* c, bool blocked) {
  if (blocked) {
    blocked_.insert(c);
  } else {
    blocked_.erase(c);
  }
}

void Worker::Wake() {
  kill_requests_.fetch_add(1, std::memory_order_relaxed);
  uv_async_send(&async_);
}

void Worker::Forget(Connection* c) {
  conns_.erase(c);
  by_id_.erase(c->session().id);
  blocked_.erase(c);
  live_.fetch_sub(1, std::memory_order_relaxed);
}

// The worker's loop on the uring engine: the thread waits in the ring (one
// io_uring_enter per turn submits the turn's sends and waits for the next
// completions, with no timeout); libuv runs without blocking when its epoll
// fd has events (the async wake-up) or its next timer is due. That time is
// a timeout op on the ring, armed after each libuv run: libuv's timers
// change only while it runs (a worker's only timer is the cron), so a turn
// that just serves sockets reads no clock. Ends when libuv has no handles
// left and every connection has been released (their cancelled ops done).
void Worker::RunUring() {
  struct LoopWatch : UringLoop::Handler {
    bool fired = true;  // run libuv once first
    bool armed = false;
    void OnCompletion(UringLoop::Op op, int32_t, bool more, std::string_view) override {
      if (op != UringLoop::kPoll) return;  // the final cancel's own CQE
      fired = true;
      if (!more) armed = false;
    }
  } watch;
  // libuv's next timer: a timeout op, armed for the earliest due time.
  struct TimerWatch : UringLoop::Handler {
    bool fired = false;
    int pending = 0;          // timeout ops not yet completed
    uint64_t due = 0;         // uv_now() when the newest one fires
    void OnCompletion(UringLoop::Op op, int32_t res, bool, std::string_view) override {
      if (op != UringLoop::kTimeout) return;  // a remove's own CQE
      --pending;
      if (res == -ETIME) fired = true;
    }
  } timer;
  const int backend_fd = uv_backend_fd(&loop_);
  bool alive = true;
  bool again = false;  // libuv has work due now (closing handles, a timer)
  for (;;) {
    if (!watch.armed) {
      uring_->WatchReadable(backend_fd, &watch);
      watch.armed = true;
    }
    if (watch.fired || timer.fired || again) {
      watch.fired = timer.fired = false;
      uv_run(&loop_, UV_RUN_NOWAIT);
      alive = uv_loop_alive(&loop_);
      uv_update_time(&loop_);
      const int timeout = alive ? uv_backend_timeout(&loop_) : -1;
      again = timeout == 0;
      if (timeout > 0) {
        const uint64_t due = uv_now(&loop_) + timeout;
        // One armed op for the earliest due time: a later one (the cron
        // armed again while its op still waits) needs nothing; an earlier
        // one replaces it.
        if (timer.pending > 0 && due < timer.due) uring_->CancelTimeout(&timer);
        if (timer.pending == 0 || due < timer.due) {
          uring_->Timeout(timeout, &timer);
          ++timer.pending;
          timer.due = due;
        }
      }
    }
    if (!alive && conns_.empty()) break;
    if (server_->replication != nullptr) server_->replication->LoopTurnEnd();
    uring_->Wait(again ? 0 : -1);
  }
  // The poll and the timeout are still armed: cancel them before they go.
  uring_->CancelAll(backend_fd, &watch);
  if (timer.pending > 0) uring_->CancelTimeout(&timer);
  while ((watch.armed || timer.pending > 0) && uring_->Wait(100)) {
  }
}

void Worker::OnAsync(uv_async_t* a) { static_cast<Worker*>(a->data)->DrainInbox(); }

void Worker::DrainInbox() {
  std::vector<Message> inbox;
  bool stop;
  {
    absl::MutexLock l(&mu_);
    inbox.swap(inbox_);
    stop = stop_;
  }
  for (Message& m : inbox) {
    if (m.kind == Message::kAdopt) {
      if (stop) {
        ::close(m.fd);
        live_.fetch_sub(1, std::memory_order_relaxed);
        continue;
      }
      auto* c = new Connection(this, m.client_id);
      conns_.insert(c);
      // A TLS connection takes the context current now: a reload later
      // (CONFIG SET tls-*) applies to the connections that follow.
      SSL_CTX* tls_ctx = nullptr;
      if (m.tls && options_.tls != nullptr) tls_ctx = options_.tls->Acquire();
      bool opened = false;
      if (m.tls && tls_ctx == nullptr) {
        ::close(m.fd);  // no TLS context: cannot serve it
      } else {
        opened = c->Open(m.fd, tls_ctx);
      }
      if (tls_ctx != nullptr) SSL_CTX_free(tls_ctx);  // the session holds its own reference
      if (!opened) {
        conns_.erase(c);
        live_.fetch_sub(1, std::memory_order_relaxed);
        delete c;
        continue;
      }
      by_id_[c->session().id] = c;
      continue;
    }
    auto it = by_id_.find(m.client_id);
    if (it == by_id_.end()) continue;  // the client is gone
    if (m.kind == Message::kDeliver) {
      it->second->Deliver(m.bytes);
    } else {
      it->second->RetryBlocked();
    }
  }
  // Kill requests from other threads (CLIENT KILL): scan only when one came.
  int64_t kills = kill_requests_.load(std::memory_order_relaxed);
  std::vector<Connection*> snapshot;
  if (kills != kills_seen_ || stop) {
    kills_seen_ = kills;
    snapshot.assign(conns_.begin(), conns_.end());
    for (Connection* c : snapshot) c->CheckKill();
  }
  if (stop) {
    for (Connection* c : snapshot) c->Close();
    // On io_uring the connections go when their cancelled ops are done
    // (RunUring waits for that).
    uv_timer_stop(&cron_);
    uv_close(reinterpret_cast<uv_handle_t*>(&cron_), nullptr);
    uv_prepare_stop(&turn_end_);
    uv_close(reinterpret_cast<uv_handle_t*>(&turn_end_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
  }
}

uv_buf_t Worker::TlsScratch() {
  constexpr size_t kScratch = 64 * 1024;  // four full TLS records
  if (tls_scratch_ == nullptr) tls_scratch_.reset(new char[kScratch]);
  return uv_buf_init(tls_scratch_.get(), kScratch);
}

void Worker::LogTlsFailure(bool handshake_done, const std::string& error,
                           const std::string& addr) {
  constexpr int kLinesPerSecond = 5;
  int64_t second = store_->clock().NowMs() / 1000;
  if (second != tls_log_second_) {
    tls_log_second_ = second;
    tls_logged_ = 0;
  }
  if (tls_logged_ >= kLinesPerSecond) {
    ++tls_unlogged_;
    return;
  }
  ++tls_logged_;
  std::string more;
  if (tls_unlogged_ > 0) {
    more = " (" + std::to_string(tls_unlogged_) + " more TLS failures not logged)";
    tls_unlogged_ = 0;
  }
  fprintf(stderr, "%s: %s (addr=%s)%s\n",
          handshake_done ? "Error on a TLS client connection" : "Error accepting a client connection",
          error.c_str(), addr.c_str(), more.c_str());
}

void Worker::OnCron(uv_timer_t* t) { static_cast<Worker*>(t->data)->Cron(); }

void Worker::OnTurnEnd(uv_prepare_t* p) {
  static_cast<Worker*>(p->data)->server_->replication->LoopTurnEnd();
}

void Worker::Cron() {
  int64_t now = store_->clock().NowMs();
  wall_offset_ms_ = now - static_cast<int64_t>(uv_now(&loop_));
  // Active expiry runs `hz` times per second, each worker on its share of
  // the slots. Its budget grows while many sampled keys turn out expired
  // (up to 25% of a period), and stays small otherwise.
  int64_t hz = std::max<int64_t>(1, std::min<int64_t>(500, server_->runtime().hz.load()));
  int64_t period_us = 1'000'000 / hz;
  static thread_local int64_t next_expire_ms = 0;
  if (now >= next_expire_ms) {
    next_expire_ms = now + period_us / 1000;
    StoreStats st = store_->Stats();
    bool busy = st.expired_stale_perc_x100 > 1000;  // > 10% of sampled were stale
    int64_t budget = busy ? period_us / 4 : std::max<int64_t>(200, period_us / 100);
    const int64_t started_us = MonotonicNowUs();
    store_->ActiveExpireCycle(index_, count_, budget);
    // LATENCY: a cycle at least latency-monitor-threshold long is an event.
    ProcessLatencyMonitor().AddSampleIfNeeded("expire-cycle",
                                              (MonotonicNowUs() - started_us) / 1000, now / 1000);
  }
  if (!blocked_.empty()) {
    std::vector<Connection*> due;
    for (Connection* c : blocked_) {
      if (c->BlockDeadlinePassed(now)) due.push_back(c);
    }
    for (Connection* c : due) c->TimeoutBlocked();
  }
  // Worker 0 samples the instantaneous_* figures of INFO every 100 ms.
  static thread_local int64_t next_sample_ms = 0;
  if (index_ == 0 && now >= next_sample_ms) {
    next_sample_ms = now + 100;
    SampleInstantaneousMetrics(*server_, store_->clock().NowUs());
  }
  // The uring engine's receive buffers go back to the kernel after
  // 100-200 ms without data (UringLoop::ReleaseIdleBuffers).
  static thread_local int64_t next_buffer_check_ms = 0;
  if (uring_ != nullptr && now >= next_buffer_check_ms) {
    next_buffer_check_ms = now + 100;
    uring_->ReleaseIdleBuffers();
  }
  int64_t timeout_s = server_->runtime().timeout_s.load(std::memory_order_relaxed);
  static thread_local int64_t next_idle_check_ms = 0;
  if (timeout_s > 0 && now >= next_idle_check_ms) {
    next_idle_check_ms = now + 1000;
    std::vector<Connection*> snapshot(conns_.begin(), conns_.end());
    for (Connection* c : snapshot) c->CheckIdle(now, timeout_s);
  }
}

}  // namespace shoal
