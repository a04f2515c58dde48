// ReplicationManager implementation: recording, role changes, WAIT waiters,
// INFO replication (see replication.h).
#include "server/replication/replication.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/strings.h"
#include "server/replication/repl_feeder.h"
#include "server/net/tls_context.h"
#include "server/replication/repl_stream.h"
#include "server/replication/repl_link.h"
#include "server/replication/repl_records.h"

namespace shoal {
namespace {

constexpr int64_t kDefaultBacklog = 16LL * 1024 * 1024;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string NewReplId() {
  std::random_device rd;
  std::mt19937_64 g((static_cast<uint64_t>(rd()) << 32) ^ rd() ^ NowMs());
  static const char* kHex = "0123456789abcdef";
  std::string s(40, '0');
  for (char& c : s) c = kHex[g() & 15];
  return s;
}

// The keys a command changed, and the keyspace events it raised (as
// KEYEVENT records, repl_records.h), collected per thread while it runs.
struct PendingChanges {
  int depth = 0;
  bool shipping = false;
  std::vector<std::pair<int, std::string>> keys;
  std::vector<std::pair<int, KeyEvent>> events;  // (db, event)
  std::vector<ReplRecord> batch;
};
thread_local PendingChanges tl_pending;

void Field(std::string* out, std::string_view name, std::string_view value) {
  StrAppend(out, name, ":", value, "\r\n");
}
void Field(std::string* out, std::string_view name, int64_t value) {
  StrAppend(out, name, ":", value, "\r\n");
}

}  // namespace

// min-replicas-to-write / min-replicas-max-lag (Redis's names and
// defaults): a primary refuses writes while fewer replicas than the first
// acknowledged within the second's seconds; 0 = no check.
namespace {
std::atomic<int64_t> g_min_replicas_to_write{0};
std::atomic<int64_t> g_min_replicas_max_lag{10};
// repl-timeout and repl-ping-replica-period, seconds (Redis's defaults).
std::atomic<int64_t> g_repl_timeout{60};
std::atomic<int64_t> g_repl_ping_period{10};
// replica-serve-stale-data: whether a replica whose link is down (or still
// syncing) answers from the data it has.
std::atomic<bool> g_serve_stale{true};
}  // namespace

int64_t ReplicationManager::TimeoutMs() { return g_repl_timeout.load() * 1000; }

void RegisterReplicationParams(ConfigRegistry* reg) {
  reg->AddInt("min-replicas-to-write", &g_min_replicas_to_write, 0, INT32_MAX);
  reg->AddAlias("min-replicas-to-write", "min-slaves-to-write");
  reg->AddBool("replica-serve-stale-data", &g_serve_stale);
  reg->AddAlias("replica-serve-stale-data", "slave-serve-stale-data");
  reg->AddInt("repl-timeout", &g_repl_timeout, 1, INT32_MAX);
  reg->AddInt("repl-ping-replica-period", &g_repl_ping_period, 1, INT32_MAX);
  reg->AddAlias("repl-ping-replica-period", "repl-ping-slave-period");
  reg->AddInt("min-replicas-max-lag", &g_min_replicas_max_lag, 0, INT32_MAX);
  reg->AddAlias("min-replicas-max-lag", "min-slaves-max-lag");
  reg->AddString("masterauth", "");
  reg->AddString("masteruser", "");
  reg->AddStartupString("replicaof", "", [](std::string_view v) -> absl::Status {
    std::vector<std::string> parts = absl::StrSplit(ToAbsl(v), ' ', absl::SkipEmpty());
    int port = 0;
    if (parts.empty() || (parts.size() == 2 && SimpleAtoi(parts[1], &port) && port > 0 &&
                          port < 65536)) {
      return absl::OkStatus();
    }
    if (parts.size() == 2 && EqualsIgnoreCase(parts[0], "no") && EqualsIgnoreCase(parts[1], "one")) {
      return absl::OkStatus();  // a primary, as with none
    }
    return absl::InvalidArgumentError("argument must be 'host port'");
  });
  reg->AddAlias("replicaof", "slaveof");
  // Memory forms ("1mb") are read as Redis reads them; CONFIG GET answers bytes.
  static std::atomic<int64_t> backlog_size{kDefaultBacklog};
  reg->AddInt("repl-backlog-size", &backlog_size, 16 * 1024, INT64_MAX, /*is_memory=*/true);
  reg->MarkStartupOnly("repl-backlog-size");
  reg->AddString("replica-read-only", "yes", true, [](std::string_view v) {
    if (EqualsIgnoreCase(v, "yes") || EqualsIgnoreCase(v, "no")) return absl::OkStatus();
    return absl::InvalidArgumentError("argument must be 'yes' or 'no'");
  });
  reg->AddAlias("replica-read-only", "slave-read-only");
}

ReplicationManager::ReplicationManager(Store* store, ServerState* server)
    : store_(store), server_(server) {
  replid_ = NewReplId();
  store_->SetChangeListener(&ReplicationManager::OnStoreChange, this);
}

ReplicationManager::~ReplicationManager() {
  Stop();
  store_->SetChangeListener(nullptr, nullptr);  // the store outlives us
}

void ReplicationManager::Start() {
  const std::string of = server_->config().Value("replicaof");
  if (!of.empty()) {
    std::vector<std::string> parts = absl::StrSplit(of, ' ', absl::SkipEmpty());
    int port = 0;
    if (parts.size() == 2 && SimpleAtoi(parts[1], &port)) ReplicaOf(parts[0], port);
  }
  housekeeping_ = std::thread([this] { Housekeeping(); });
}

void ReplicationManager::Stop() {
  if (stop_.exchange(true)) return;
  if (housekeeping_.joinable()) housekeeping_.join();
  std::unique_ptr<PrimaryLink> link;
  std::vector<std::unique_ptr<ReplicaFeeder>> feeders;
  {
    absl::MutexLock l(&mu_);
    link = std::move(link_);
    feeders = std::move(feeders_);
  }
  link.reset();
  feeders.clear();
}

// ---------------------------------------------------------------------------
// Recording

void ReplicationManager::OnStoreChange(void* self, int db, std::string_view key) {
  auto* m = static_cast<ReplicationManager*>(self);
  if (!m->recording_.load(std::memory_order_relaxed)) return;
  PendingChanges& p = tl_pending;
  if (p.shipping) return;
  if (p.depth > 0) {
    p.keys.emplace_back(db, std::string(key));
    return;
  }
  // Outside a command: the store expired, evicted or dropped the key, with
  // its stripe held. Ship its state now.
  ReplRecord r;
  r.db = db;
  AppendStateRecord(key, m->store_->Peek(db, key), &r.resp);
  p.batch.clear();
  p.batch.push_back(std::move(r));
  m->log_->Append(p.batch);
  p.batch.clear();
}

void ReplicationManager::AddEventWanter(int delta) {
  absl::MutexLock l(&wanters_mu_);
  event_wanters_ += delta;
  key_events_.store(event_wanters_ > 0, std::memory_order_relaxed);
}

void ReplicationManager::NoteKeyEvent(int db, uint32_t cls, std::string_view event,
                                      std::string_view key) {
  if (!recording_.load(std::memory_order_relaxed) || !ships_key_events()) return;
  PendingChanges& p = tl_pending;
  if (p.shipping) return;
  // Redis propagates these as the command that sets the result, and its
  // replicas publish that command's event.
  if (event == "incrbyfloat") event = "set";
  if (event == "hincrbyfloat") event = "hset";
  KeyEvent ev{cls, std::string(event), std::string(key)};
  if (p.depth > 0) {
    p.events.emplace_back(db, std::move(ev));
    return;
  }
  // Outside a command (the store expired or evicted the key): its state
  // record went out as it was removed (OnStoreChange); the event follows.
  ReplRecord r;
  r.db = db;
  AppendKeyEventRecord(&ev, 1, &r.resp);
  p.batch.clear();
  p.batch.push_back(std::move(r));
  log_->Append(p.batch);
  p.batch.clear();
}

void ReplicationManager::BeginCommand() { ++tl_pending.depth; }

int64_t ReplicationManager::ShipPending(bool held, const ReplRecord* extra) {
  PendingChanges& p = tl_pending;
  if (p.keys.empty() && p.events.empty() && extra == nullptr) return -1;
  std::sort(p.keys.begin(), p.keys.end());
  p.keys.erase(std::unique(p.keys.begin(), p.keys.end()), p.keys.end());
  StripeLocks locks(store_);
  if (!held && !p.keys.empty()) {
    for (const auto& [db, key] : p.keys) locks.AddKey(key);
    locks.Acquire();
  }
  p.shipping = true;
  p.batch.clear();
  for (const auto& [db, key] : p.keys) {
    ReplRecord r;
    r.db = db;
    AppendStateRecord(key, store_->Peek(db, key), &r.resp);
    p.batch.push_back(std::move(r));
  }
  // The events after the states (and after their EXEC), so that a
  // replica's subscriber who reads the key on an event sees the change; one
  // record per run of events in one database.
  std::vector<KeyEvent> run;
  for (size_t i = 0; i < p.events.size(); ++i) {
    run.push_back(std::move(p.events[i].second));
    if (i + 1 < p.events.size() && p.events[i + 1].first == p.events[i].first) continue;
    ReplRecord r;
    r.db = p.events[i].first;
    r.after_exec = true;
    AppendKeyEventRecord(run.data(), run.size(), &r.resp);
    p.batch.push_back(std::move(r));
    run.clear();
  }
  if (extra != nullptr) p.batch.push_back(*extra);
  const int64_t offset = log_->Append(p.batch);
  p.shipping = false;
  p.keys.clear();
  p.events.clear();
  p.batch.clear();
  return offset;
}

void ReplicationManager::FlushCommand(CommandContext& ctx, bool stripes_held) {
  if (!recording_.load(std::memory_order_relaxed) ||
      (tl_pending.keys.empty() && tl_pending.events.empty())) {
    return;
  }
  const int64_t offset = ShipPending(stripes_held, nullptr);
  if (offset > 0) ctx.client->repl_offset = offset;
}

void ReplicationManager::EndCommand(CommandContext& ctx, bool stripes_held) {
  FlushCommand(ctx, stripes_held);
  PendingChanges& p = tl_pending;
  if (--p.depth <= 0) {
    p.depth = 0;
    p.keys.clear();
    p.events.clear();
  }
}

void ReplicationManager::NoteCommand(CommandContext& ctx, CmdArgs args) {
  if (!recording_.load(std::memory_order_relaxed) || args.empty()) return;
  ReplRecord r;
  const std::string_view name = ctx.spec->name;
  if (name == "flushall") {
    AppendRespCommand({"FLUSHALL"}, &r.resp);
  } else if (name == "flushdb") {
    r.db = ctx.db();
    AppendRespCommand({"FLUSHDB"}, &r.resp);
  } else if (name == "swapdb" && args.size() == 3) {
    AppendRespCommand({"SWAPDB", args[1], args[2]}, &r.resp);
  } else if (name == "publish" && args.size() == 3 && server_->router == nullptr) {
    AppendRespCommand({"PUBLISH", args[1], args[2]}, &r.resp);
  } else if (name.starts_with("function|") && dump_functions_) {
    // FUNCTION LOAD, DELETE, FLUSH, RESTORE: the new set of libraries.
    AppendRespCommand({"FUNCTION.SET", dump_functions_()}, &r.resp);
  } else {
    return;
  }
  // The keys changed so far ship first (their stripes are held: these
  // commands run under every stripe, or touch no key).
  const int64_t offset = ShipPending(true, &r);
  if (offset > 0) ctx.client->repl_offset = offset;
}

void ReplicationManager::ReplaceFunctions(std::string_view payload) {
  if (!replace_functions_) return;
  std::string err;
  if (!replace_functions_(payload, &err)) {
    fprintf(stderr, "replication: the primary's functions do not load here: %s\n", err.c_str());
  }
}

std::optional<std::string> ReplicationManager::RefuseWrite(const CommandSpec&) const {
  if (!replica_.load(std::memory_order_relaxed)) {
    const int64_t need = g_min_replicas_to_write.load(std::memory_order_relaxed);
    if (need > 0 && g_min_replicas_max_lag.load(std::memory_order_relaxed) > 0 &&
        good_replicas_.load(std::memory_order_relaxed) < need) {
      return std::string("NOREPLICAS Not enough good replicas to write.");
    }
    return std::nullopt;
  }
  if (EqualsIgnoreCase(server_->config().Value("replica-read-only"), "no")) return std::nullopt;
  return std::string("READONLY You can't write against a read only replica.");
}

void ReplicationManager::CreateLogLocked() {
  if (log_ != nullptr) return;
  int64_t size = kDefaultBacklog;
  ConfigRegistry::ParseMemory(server_->config().Value("repl-backlog-size"), &size);
  log_ = std::make_unique<ReplicationLog>(static_cast<size_t>(size));
}

void ReplicationManager::EnsureLog() {
  absl::MutexLock l(&mu_);
  CreateLogLocked();
  recording_.store(true, std::memory_order_release);
}

void ReplicationManager::StreamCopyAt(int64_t offset) {
  absl::MutexLock l(&mu_);
  CreateLogLocked();
  if (log_->Offset() != offset) log_->Reset(offset);
}

void ReplicationManager::CopyStream(std::string_view bytes) {
  // The log exists: StreamCopyAt ran when the link (re)started.
  log_->AppendRaw(bytes);
}

bool ReplicationManager::LinksUseTls() const {
  if (tls_ == nullptr) return false;
  const TlsOptions o = tls_->options();
  return o.replication || (o.cluster && server_->runtime().cluster_enabled.load());
}

bool ReplicationManager::CanContinue(const std::string& replid, int64_t offset) const {
  absl::MutexLock l(&mu_);
  return replid == replid_ || (replid == replid2_ && offset <= second_offset_);
}

// ---------------------------------------------------------------------------
// Role

std::string ReplicationManager::replid() const {
  absl::MutexLock l(&mu_);
  return replid_;
}

int64_t ReplicationManager::Offset() const {
  absl::MutexLock l(&mu_);
  if (link_ != nullptr) return link_->offset();
  return log_ != nullptr ? log_->Offset() : replica_offset_base_;
}

void ReplicationManager::AdoptPrimaryId(const std::string& replid) {
  absl::MutexLock l(&mu_);
  replid_ = replid;
}

std::string ReplicationManager::ReplicaOf(const std::string& host, int port) {
  std::unique_ptr<PrimaryLink> old;
  std::vector<std::unique_ptr<ReplicaFeeder>> feeders;
  {
    absl::MutexLock l(&mu_);
    if (link_ != nullptr && link_->host() == host && link_->port() == port) {
      return "OK Already connected to specified master";
    }
    old = std::move(link_);
    feeders = std::move(feeders_);  // no chained replicas
  }
  // A replica moving to another primary (a sibling promoted after a
  // failover) asks to continue from where it is: the promoted node accepts
  // its old primary's id up to its promotion offset. A primary turned
  // replica starts over with a full sync (in cluster mode its data may have
  // been cleaned outside the stream).
  std::string resume_id;
  int64_t resume_offset = 0;
  if (old != nullptr) {
    old->StopAndJoin();
    resume_id = old->ResumeId();
    resume_offset = resume_id.empty() ? 0 : old->offset();
  }
  old.reset();
  feeders.clear();
  recording_.store(false, std::memory_order_release);
  replica_.store(true, std::memory_order_release);
  {
    absl::MutexLock l(&mu_);
    link_ = std::make_unique<PrimaryLink>(this, host, port, resume_id, resume_offset);
    link_->Start();
  }
  RefreshStaleRefusal();  // from this reply on, not at the next tick
  fprintf(stderr, "replication: following primary %s:%d\n", host.c_str(), port);
  return "OK";
}

void ReplicationManager::BecomePrimary() {
  std::unique_ptr<PrimaryLink> old;
  {
    absl::MutexLock l(&mu_);
    old = std::move(link_);
  }
  if (old == nullptr) return;
  old->StopAndJoin();  // every record it copied to the log is counted in its offset
  const int64_t offset = old->offset();
  const bool synced = !old->ResumeId().empty();
  old.reset();
  replica_.store(false, std::memory_order_release);
  RefreshStaleRefusal();
  absl::MutexLock l(&mu_);
  // Replicas of the old primary may continue from here up to where this
  // node stopped following it; the backlog holds that stream (CopyStream).
  // (Only after a completed sync: a half-loaded snapshot matches no offset.)
  replid2_ = synced ? replid_ : std::string(40, '0');
  second_offset_ = synced ? offset + 1 : -1;
  replid_ = NewReplId();
  replica_offset_base_ = offset;
  if (log_ != nullptr && log_->Offset() == offset) {
    // Record from now on, so a replica that continues misses no write.
    recording_.store(true, std::memory_order_release);
  } else if (log_ != nullptr) {
    log_->Reset(offset);
    recording_.store(true, std::memory_order_release);
  }
  fprintf(stderr, "replication: now a primary\n");
}

PrimaryLinkStatus ReplicationManager::LinkStatus() const {
  absl::MutexLock l(&mu_);
  return link_ != nullptr ? link_->Status() : PrimaryLinkStatus{};
}

// ---------------------------------------------------------------------------
// Serving replicas

void ReplicationManager::NoteListeningPort(ClientSession* client, int port) {
  absl::MutexLock l(&mu_);
  listening_ports_.emplace_back(client->id, port);
  if (listening_ports_.size() > 64) listening_ports_.erase(listening_ports_.begin());
}

void ReplicationManager::AcceptReplica(ClientSession* client, std::string replid, int64_t offset) {
  EnsureLog();
  int fd = dup(client->fd);
  if (fd < 0) {
    client->close_after_reply = true;
    return;
  }
  client->close_after_reply = true;  // the worker lets go once its replies are out
  std::shared_ptr<TlsHandoff> tls;
  if (client->tls) {
    // The TLS session goes with the socket: the replica negotiated it.
    tls = std::make_shared<TlsHandoff>();
    client->tls_handoff = [tls](std::unique_ptr<TlsSession> s) {
      absl::MutexLock l(&tls->mu);
      tls->session = std::move(s);
    };
  }
  absl::MutexLock l(&mu_);
  int port = 0;
  for (const auto& [id, p] : listening_ports_) {
    if (id == client->id) port = p;
  }
  ReapFeeders(false);
  feeders_.push_back(std::make_unique<ReplicaFeeder>(this, fd, std::move(tls), client->id,
                                                     std::move(replid), offset, port));
  feeders_.back()->Start();
}

void ReplicationManager::ReapFeeders(bool all) {
  std::vector<std::unique_ptr<ReplicaFeeder>> keep;
  for (auto& f : feeders_) {
    if (all || f->done()) {
      f->Stop();
      // Joined off the lock below would be nicer; feeders are done here.
      f.reset();
    } else {
      keep.push_back(std::move(f));
    }
  }
  feeders_ = std::move(keep);
}

int ReplicationManager::CountAcked(int64_t offset) const {
  absl::MutexLock l(&mu_);
  int n = 0;
  for (const auto& f : feeders_) {
    if (!f->done() && f->Status().state == "online" && f->ack_offset() >= offset) ++n;
  }
  return n;
}

int ReplicationManager::ConnectedReplicas() const {
  absl::MutexLock l(&mu_);
  int n = 0;
  for (const auto& f : feeders_) n += f->done() ? 0 : 1;
  return n;
}

std::vector<ReplicaStatus> ReplicationManager::Replicas() const {
  absl::MutexLock l(&mu_);
  std::vector<ReplicaStatus> out;
  for (const auto& f : feeders_) {
    if (!f->done()) out.push_back(f->Status());
  }
  return out;
}

void ReplicationManager::AddWaiter(ClientSession* client, int64_t offset, int n,
                                   int64_t deadline_ms) {
  absl::MutexLock l(&waiters_mu_);
  waiters_.push_back({client->id, client->waker, offset, n, deadline_ms});
}

void ReplicationManager::ForgetWaiter(uint64_t client_id) {
  absl::MutexLock l(&waiters_mu_);
  std::erase_if(waiters_, [&](const Waiter& w) { return w.client_id == client_id; });
}

void ReplicationManager::WakeWaiters() {
  std::vector<Waiter> due;
  {
    absl::MutexLock l(&waiters_mu_);
    if (waiters_.empty()) return;
    const int64_t now = NowMs();
    std::vector<Waiter> keep;
    for (const Waiter& w : waiters_) {
      if ((w.deadline_ms > 0 && now >= w.deadline_ms) || CountAcked(w.offset) >= w.n) {
        due.push_back(w);
      } else {
        keep.push_back(w);
      }
    }
    waiters_ = std::move(keep);
  }
  for (const Waiter& w : due) {
    if (w.waker != nullptr) w.waker->WakeBlocked(w.client_id);
  }
}

void ReplicationManager::RefreshStaleRefusal() {
  bool refuse = false;
  if (!g_serve_stale.load(std::memory_order_relaxed) && is_replica()) {
    const PrimaryLinkStatus s = LinkStatus();
    refuse = !s.up || s.sync_in_progress;
  }
  refuse_stale_.store(refuse, std::memory_order_relaxed);
}

int ReplicationManager::LaggingReplicas() const {
  const int64_t offset = Offset();
  int lagging = 0;
  for (const ReplicaStatus& r : Replicas()) {
    if (r.state == "online" && r.ack_offset < offset) ++lagging;
  }
  return lagging;
}

void ReplicationManager::CountGoodReplicas() {
  const int64_t max_lag_ms = g_min_replicas_max_lag.load(std::memory_order_relaxed) * 1000;
  const int64_t now = NowMs();
  int good = 0;
  for (const ReplicaStatus& r : Replicas()) {
    if (r.state == "online" && r.last_ack_ms > 0 && now - r.last_ack_ms <= max_lag_ms) ++good;
  }
  good_replicas_.store(good, std::memory_order_relaxed);
}

void ReplicationManager::DropSilentReplicas(int64_t now) {
  const int64_t timeout_ms = TimeoutMs();
  absl::MutexLock l(&mu_);
  for (auto& f : feeders_) {
    if (f->done()) continue;
    const ReplicaStatus st = f->Status();
    if (st.online_ms == 0) continue;
    const int64_t heard = std::max(st.last_ack_ms, st.online_ms);
    if (now - heard > timeout_ms) {
      fprintf(stderr, "replication: replica %s:%d silent for over %lld s (repl-timeout): "
              "disconnecting it\n", st.ip.c_str(), st.port,
              static_cast<long long>(timeout_ms / 1000));
      f->Stop();
    }
  }
}

void ReplicationManager::PingReplicas() {
  // A replica passes its primary's stream on as it came (and with it the
  // primary's pings): only the top of a chain pings.
  if (is_replica()) return;
  ReplicationLog* log = nullptr;
  {
    absl::MutexLock l(&mu_);
    bool online = false;
    for (auto& f : feeders_) online = online || (!f->done() && f->Status().online_ms > 0);
    if (online) log = log_.get();
  }
  if (log == nullptr) return;
  std::vector<ReplRecord> batch(1);
  AppendRespCommand({"PING"}, &batch[0].resp);
  log->Append(batch);
}

void ReplicationManager::Housekeeping() {
  int64_t last_ping = NowMs();
  int64_t last_count = 0;
  int64_t last_repl_ping = NowMs();
  while (!stop_.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    LoopTurnEnd();  // what threads other than workers wrote (expiry, eviction)
    WakeWaiters();
    const int64_t now = NowMs();
    if (now - last_count >= 100) {
      last_count = now;
      CountGoodReplicas();
    }
    RefreshStaleRefusal();
    if (now - last_repl_ping >= g_repl_ping_period.load() * 1000) {
      last_repl_ping = now;
      PingReplicas();
    }
    if (now - last_ping >= 1000) {
      last_ping = now;
      DropSilentReplicas(now);
      std::vector<std::unique_ptr<ReplicaFeeder>> done;
      {
        absl::MutexLock l(&mu_);
        std::vector<std::unique_ptr<ReplicaFeeder>> keep;
        for (auto& f : feeders_) (f->done() ? done : keep).push_back(std::move(f));
        feeders_ = std::move(keep);
      }
      done.clear();  // joins outside the lock
    }
  }
}

// ---------------------------------------------------------------------------
// INFO replication

void ReplicationManager::AppendInfo(std::string* out) const {
  const bool replica = is_replica();
  const int64_t offset = Offset();
  if (replica) {
    PrimaryLinkStatus s = LinkStatus();
    Field(out, "role", "slave");
    Field(out, "master_host", s.host);
    Field(out, "master_port", s.port);
    Field(out, "master_link_status", s.up ? "up" : "down");
    Field(out, "master_last_io_seconds_ago",
          s.last_io_ms > 0 ? (NowMs() - s.last_io_ms) / 1000 : -1);
    Field(out, "master_sync_in_progress", s.sync_in_progress ? 1 : 0);
    Field(out, "slave_read_repl_offset", s.offset);
    Field(out, "slave_repl_offset", s.offset);
    Field(out, "slave_priority", server_->config().Value("replica-priority"));
    Field(out, "slave_read_only",
          EqualsIgnoreCase(server_->config().Value("replica-read-only"), "no") ? 0 : 1);
    Field(out, "replica_announced", 1);
  } else {
    Field(out, "role", "master");
  }
  std::vector<ReplicaStatus> reps = Replicas();
  Field(out, "connected_slaves", static_cast<int64_t>(reps.size()));
  if (g_min_replicas_to_write.load() > 0 && g_min_replicas_max_lag.load() > 0) {
    Field(out, "min_slaves_good_slaves", good_replicas_.load(std::memory_order_relaxed));
  }
  const int64_t now = NowMs();
  for (size_t i = 0; i < reps.size(); ++i) {
    const ReplicaStatus& r = reps[i];
    StrAppend(out, "slave", i, ":ip=", r.ip, ",port=", r.port, ",state=", r.state,
                    ",offset=", r.ack_offset,
                    ",lag=", r.last_ack_ms > 0 ? (now - r.last_ack_ms) / 1000 : 0, "\r\n");
  }
  Field(out, "master_failover_state", "no-failover");
  Field(out, "master_replid", replid());
  std::string replid2;
  int64_t second_offset;
  {
    absl::MutexLock l(&mu_);
    replid2 = replid2_;
    second_offset = second_offset_;
  }
  Field(out, "master_replid2", replid2);
  Field(out, "master_repl_offset", offset);
  Field(out, "second_repl_offset", second_offset);
  ReplicationLog* log = log_.get();
  Field(out, "repl_backlog_active", log != nullptr ? 1 : 0);
  int64_t size = kDefaultBacklog;
  ConfigRegistry::ParseMemory(server_->config().Value("repl-backlog-size"), &size);
  Field(out, "repl_backlog_size", log != nullptr ? static_cast<int64_t>(log->capacity()) : size);
  Field(out, "repl_backlog_first_byte_offset", log != nullptr ? log->FirstOffset() : 0);
  Field(out, "repl_backlog_histlen", log != nullptr ? log->HistoryLength() : 0);
}

}  // namespace shoal
