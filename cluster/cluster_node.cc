// The membership runtime on its libuv thread; see cluster_node.h.
#include "cluster/cluster_node.h"

#include <netdb.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <random>

#include "base/strings.h"
#include "cluster/coordinator.h"

namespace shoal {
namespace {

bool IsWildcard(const std::string& ip) { return ip.empty() || ip == "0.0.0.0" || ip == "::"; }

bool IsLoopback(const std::string& ip) {
  return ip == "::1" || StartsWith(ip, "127.");
}

// A literal address stays as it is; a name resolves (IPv4 preferred).
absl::StatusOr<std::string> ResolveHost(const std::string& host) {
  sockaddr_storage probe;
  if (ToSockaddr(host, 0, &probe)) return host;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0 || res == nullptr) {
    return absl::InvalidArgumentError(StrCat("cannot resolve '", host, "': ", gai_strerror(rc)));
  }
  std::string best;
  for (addrinfo* a = res; a; a = a->ai_next) {
    std::string ip = IpOf(a->ai_addr);
    if (ip.empty()) continue;
    if (best.empty() || (a->ai_family == AF_INET && best.find(':') != std::string::npos)) {
      best = ip;
    }
  }
  ::freeaddrinfo(res);
  if (best.empty()) return absl::InvalidArgumentError(StrCat("cannot resolve '", host, "'"));
  return best;
}

}  // namespace

ClusterNode::ClusterNode(ClusterOptions options, ClusterState* state)
    : options_(std::move(options)),
      state_(state),
      clock_(options_.clock ? options_.clock : SystemClock::Get()) {}

ClusterNode::~ClusterNode() { Stop(); }

int64_t ClusterNode::MonoMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

absl::Status ClusterNode::LoadIdentity(SwimSelf* self, std::optional<NodesFileData>* saved) {
  absl::StatusOr<NodesFileData> file = LoadNodesFile(options_.config_file);
  if (file.ok()) {
    self->id = file->my_id;
    self->joined_ms = file->joined_ms;
    self->incarnation = file->incarnation + 1;  // outbid whatever peers remember of us
    *saved = std::move(*file);
    return absl::OkStatus();
  }
  if (!absl::IsNotFound(file.status())) return file.status();
  ClusterRng rng(std::random_device{}() ^ static_cast<uint64_t>(MonoMs()) << 20);
  self->id = NewNodeId(rng);
  self->joined_ms = clock_->NowMs();
  self->incarnation = 0;
  return absl::OkStatus();
}

bool ClusterNode::IsMyself(const Endpoint& ep) const {
  if (ep.port != bus_port_) return false;
  if (ep.ip == bind_ip_ || ep.ip == options_.announce_ip) return true;
  if (!IsWildcard(bind_ip_)) return false;
  if (IsLoopback(ep.ip)) return true;
  for (const std::string& ip : local_ips_) {
    if (ip == ep.ip) return true;
  }
  return false;
}

absl::StatusOr<std::vector<Endpoint>> ClusterNode::ResolveSeeds() const {
  std::vector<Endpoint> out;
  for (const std::string& text : options_.seeds) {
    absl::StatusOr<SeedAddress> a = ParseSeedAddress(text);
    if (!a.ok()) return a.status();
    absl::StatusOr<std::string> ip = ResolveHost(a->host);
    if (!ip.ok()) return ip.status();
    Endpoint ep{*ip, a->bus_port};
    if (!IsMyself(ep)) out.push_back(ep);  // one --join list for every host is fine
  }
  return out;
}

absl::Status ClusterNode::Start() {
  if (running_) return absl::FailedPreconditionError("cluster node already started");
  bind_ip_ = IsWildcard(options_.ip) ? (options_.ip == "::" ? "::" : "0.0.0.0") : options_.ip;
  bus_port_ = options_.bus_port ? options_.bus_port : options_.port + kBusPortOffset;
  if (bus_port_ <= 0 || bus_port_ > 65535) {
    return absl::InvalidArgumentError(StrCat("bad cluster bus port ", bus_port_));
  }
  uv_interface_address_t* ifs = nullptr;
  int nifs = 0;
  if (uv_interface_addresses(&ifs, &nifs) == 0) {
    for (int i = 0; i < nifs; ++i) {
      local_ips_.push_back(IpOf(reinterpret_cast<const sockaddr*>(&ifs[i].address)));
    }
    uv_free_interface_addresses(ifs, nifs);
  }

  if (absl::Status s = lock_.Acquire(options_.config_file); !s.ok()) return s;
  SwimSelf self;
  std::optional<NodesFileData> saved;
  if (absl::Status s = LoadIdentity(&self, &saved); !s.ok()) return s;
  absl::StatusOr<std::vector<Endpoint>> seeds = ResolveSeeds();
  if (!seeds.ok()) return seeds.status();
  my_id_ = self.id;
  self.ip = !options_.announce_ip.empty() ? options_.announce_ip
                                          : (IsWildcard(options_.ip) ? "" : options_.ip);
  self.port = options_.announce_port ? options_.announce_port : options_.port;
  self.bus_port = options_.announce_bus_port ? options_.announce_bus_port : bus_port_;

  uint64_t seed = options_.rng_seed;
  if (seed == 0) seed = (uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
  options_.swim.replicas = options_.replicas;
  options_.swim.vnodes = options_.vnodes;
  core_ = std::make_unique<Membership>(options_.swim, self, options_.secret, seed);
  if (saved) core_->Restore(*saved);

  uv_loop_init(&loop_);
  loop_inited_ = true;
  transport_ = std::make_unique<BusTransport>(
      &loop_, [this](const std::string& ip, std::string_view bytes, BusChannel ch) {
        core_->Receive(ip, bytes, ch, MonoMs());
        AfterEvent(false);
      });
  if (options_.tls_contexts) transport_->SetTls(options_.tls_contexts);
  if (absl::Status s = transport_->Listen(bind_ip_, bus_port_); !s.ok()) {
    transport_->Close();
    uv_run(&loop_, UV_RUN_DEFAULT);
    transport_.reset();
    uv_loop_close(&loop_);
    loop_inited_ = false;
    lock_.Release();
    return s;
  }
  uv_async_init(&loop_, &async_, OnAsync);
  async_.data = this;
  uv_timer_init(&loop_, &tick_);
  tick_.data = this;
  uv_timer_start(&tick_, OnTick, options_.tick_ms, options_.tick_ms);

  {
    absl::MutexLock l(&mu_);
    stop_requested_ = false;
  }
  core_->Start(*seeds, MonoMs());
  Save();
  AfterEvent(true);  // publishes the first view and sends the first join messages
  running_ = true;
  thread_ = std::thread([this] { uv_run(&loop_, UV_RUN_DEFAULT); });
  return absl::OkStatus();
}

void ClusterNode::Stop() {
  leave_cancel_.store(true);
  if (leave_thread_.joinable() && leave_thread_.get_id() != std::this_thread::get_id()) {
    leave_thread_.join();
  }
  if (!running_.exchange(false)) return;
  {
    absl::MutexLock l(&mu_);
    stop_requested_ = true;
    uv_async_send(&async_);
  }
  thread_.join();
  uv_loop_close(&loop_);
  loop_inited_ = false;
  Save();
  transport_.reset();
  lock_.Release();
}

bool ClusterNode::WaitShardless() {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(options_.leave_handoff_timeout_ms);
  while (!leave_cancel_.load() && std::chrono::steady_clock::now() < deadline) {
    std::shared_ptr<const ClusterView> v = state_->Get();
    if (v != nullptr && ShardOfNode(v->table, my_id()) == nullptr) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // Linger so the news spreads (and the last handoff reaches everyone).
  const auto linger_end = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(options_.leave_linger_ms);
  while (!leave_cancel_.load() && std::chrono::steady_clock::now() < linger_end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return !leave_cancel_.load();
}

void ClusterNode::BeginLeave(std::function<void()> done) {
  if (!running_ || leave_started_.exchange(true)) return;
  Post([this] { core_->Leave(MonoMs()); });
  leave_thread_ = std::thread([this, done = std::move(done)] {
    if (WaitShardless()) done();
  });
}

void ClusterNode::Leave() {
  if (!running_) return;
  if (leave_started_.exchange(true)) {
    // CLUSTER LEAVE began it; its thread asked for this shutdown.
    if (leave_thread_.joinable()) leave_thread_.join();
  } else {
    Post([this] { core_->Leave(MonoMs()); });
    WaitShardless();
  }
  Stop();
}

absl::Status ClusterNode::Meet(const std::string& host, int port, int bus_port) {
  if (port <= 0 || port > 65535 || bus_port < 0 || bus_port > 65535 ||
      (bus_port == 0 && port + kBusPortOffset > 65535)) {
    return absl::InvalidArgumentError("Invalid node address specified");
  }
  absl::StatusOr<std::string> ip = ResolveHost(host);
  if (!ip.ok()) return ip.status();
  Endpoint ep{*ip, bus_port ? bus_port : port + kBusPortOffset};
  if (!running_) return absl::FailedPreconditionError("cluster node not running");
  Post([this, ep] { core_->Meet(ep, MonoMs()); });
  return absl::OkStatus();
}

void ClusterNode::Broadcast(std::string payload) {
  if (!running_) return;
  Post([this, p = std::move(payload)] { core_->Broadcast(p, MonoMs()); });
}

ClusterStats ClusterNode::stats() const {
  absl::MutexLock l(&mu_);
  return stats_;
}

void ClusterNode::Post(std::function<void()> task) {
  // Under the lock: once Stop has set stop_requested_ the loop may close
  // async_, and no Post may touch it after that.
  absl::MutexLock l(&mu_);
  if (stop_requested_) return;
  inbox_.push_back(std::move(task));
  uv_async_send(&async_);
}

void ClusterNode::OnAsync(uv_async_t* a) { static_cast<ClusterNode*>(a->data)->Drain(); }

void ClusterNode::OnTick(uv_timer_t* t) {
  auto* self = static_cast<ClusterNode*>(t->data);
  if (self->repl_status_) {
    ReplicationStatus st = self->repl_status_();
    self->core_->SetReplicationStatus(st.offset, st.wants_promotion);
    self->core_->SetMigrationStatus(st.migration_plan, st.handoff);
  } else {
    // A node without a data layer (tests) holds no keys: its handoff of
    // any plan is complete at once.
    const uint64_t plan = self->core_->table().migration;
    self->core_->SetMigrationStatus(plan, plan != 0 ? kClusterSlots - 1 : -1);
  }
  self->core_->Tick(self->MonoMs());
  self->AfterEvent(true);
}

void ClusterNode::Drain() {
  std::vector<std::function<void()>> tasks;
  bool stop;
  {
    absl::MutexLock l(&mu_);
    tasks.swap(inbox_);
    stop = stop_requested_;
  }
  for (auto& t : tasks) t();
  AfterEvent(false);
  if (stop) {
    uv_timer_stop(&tick_);
    uv_close(reinterpret_cast<uv_handle_t*>(&tick_), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
    transport_->Close();  // the loop returns once every handle is closed
  }
}

void ClusterNode::AfterEvent(bool tick) {
  for (BusOutgoing& out : core_->TakeOutbox()) {
    transport_->Send(out.to, out.channel, std::move(out.bytes));
  }
  for (const std::string& b : core_->TakeBroadcasts()) {
    if (on_broadcast_) on_broadcast_(b);
  }
  int64_t now = MonoMs();
  // Membership changes publish at once; ping/pong times refresh every second.
  if (core_->view_version() != published_version_ || (tick && now - published_ms_ >= 1000)) {
    Publish();
    published_ms_ = now;
  }
  if (core_->persist_version() != saved_version_ && now - saved_ms_ >= 200) {
    Save();
    saved_ms_ = now;
  }
  if (!tick) return;
  if (now - sweep_ms_ >= 10'000) {
    transport_->Sweep(options_.idle_connection_ms);
    sweep_ms_ = now;
  }
  ClusterStats s;
  s.swim = core_->stats();
  s.transport = transport_->stats();
  s.known_nodes = core_->Records().size();
  s.alive_nodes = core_->alive_count();
  s.current_epoch = core_->table().epoch;
  s.my_state = core_->state();
  s.coordinator = core_->Coordinator() == my_id_;
  absl::MutexLock l(&mu_);
  stats_ = s;
}

void ClusterNode::Publish() {
  published_version_ = core_->view_version();
  std::shared_ptr<ClusterView> v = core_->BuildView(options_.vnodes);
  // The protocol keeps monotonic times; views show wall-clock milliseconds.
  int64_t offset = clock_->NowMs() - MonoMs();
  for (NodeInfo& n : v->nodes) {
    if (n.ping_sent_ms) n.ping_sent_ms += offset;
    if (n.pong_received_ms) n.pong_received_ms += offset;
  }
  if (state_) state_->Set(std::move(v));
}

void ClusterNode::Save() {
  absl::Status s = SaveFile();
  if (!s.ok()) std::fprintf(stderr, "cluster: %s\n", std::string(s.message()).c_str());
}

absl::Status ClusterNode::SaveFile() {
  saved_version_ = core_->persist_version();
  return SaveNodesFile(options_.config_file, core_->Persistent());
}

absl::Status ClusterNode::SaveNow(int64_t timeout_ms) {
  if (!running_) return absl::FailedPreconditionError("cluster node not running");
  // Shared with the task: a caller that timed out leaves it to the loop.
  struct Result {
    absl::Mutex mu;
    bool done = false;
    absl::Status status;
  };
  auto result = std::make_shared<Result>();
  Post([this, result] {
    absl::Status st = SaveFile();
    absl::MutexLock l(&result->mu);
    result->status = std::move(st);
    result->done = true;
  });
  absl::MutexLock l(&result->mu);
  if (!result->mu.AwaitWithTimeout(absl::Condition(&result->done),
                                   absl::Milliseconds(timeout_ms))) {
    return absl::DeadlineExceededError("timed out waiting for the cluster thread");
  }
  return result->status;
}

}  // namespace shoal
