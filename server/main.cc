// shoal: the server binary. Reads flags and config (redis-server style),
// builds the keyspace, the command table and the network layer, serves until
// SIGINT/SIGTERM or SHUTDOWN, then stops gracefully.
//
// This is the only file that reads flags (CONVENTIONS.md): modules take
// Options structs.
#include <gflags/gflags.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/strings.h"
#include "cluster/cluster_family.h"
#include "cluster/cluster_node.h"
#include "cluster/cluster_router.h"
#include "cluster/hash_ring.h"
#include "cluster/shard_role.h"
#include "cluster/slot_keeper.h"
#include "cluster/slot_mover.h"
#include "server/commands/families.h"
#include "server/config.h"
#include "server/process_settings.h"
#include "server/dispatch/command_table.h"
#include "server/dispatch/latency_monitor.h"
#include "server/dispatch/metrics_exposition.h"
#include "server/dispatch/server_state.h"
#include "server/dispatch/version.h"
#include "server/events/blocking.h"
#include "server/events/notify.h"
#include "server/events/pubsub.h"
#include "server/events/tracking.h"
#include "server/net/acceptor.h"
#include "server/net/metrics_http.h"
#include "server/net/tls_context.h"
#include "server/replication/replication.h"
#include "server/replication/replication_family.h"
#include "server/scripting/script_engine.h"
#include "server/store/store.h"

DEFINE_int32(port, 6379, "TCP port for clients");
DEFINE_string(bind, "127.0.0.1 -::1",
              "addresses to listen on, space separated; '-' marks one optional, '*' = all IPv4");
DEFINE_int32(threads, 0, "worker threads (0 = number of cores)");
DEFINE_int32(stripes, 256, "lock stripes over the 16384 slots (power of two)");
DEFINE_int32(databases, 16, "number of databases (SELECT 0..n-1)");
DEFINE_int32(tcp_backlog, 511, "listen backlog");
DEFINE_string(io_engine, "uring",
              "socket I/O of the workers: uring (io_uring; epoll where the kernel lacks it) "
              "or epoll");
DEFINE_int32(tls_port, 0, "TLS port for clients (0: none; --port 0 serves TLS only)");
DEFINE_int32(metrics_port, 0,
             "HTTP port for Prometheus's GET /metrics, on the bind addresses (0: none)");

// Cluster mode (--cluster-enabled yes is a config parameter; docs/cluster.md).
DEFINE_string(join, "", "cluster members to join: host:port[@busport][,...] (client ports)");
DEFINE_int32(cluster_port, 0, "cluster bus port (0: port + 10000)");
DEFINE_string(cluster_config_file, "", "nodes file (default nodes-<port>.conf)");
DEFINE_string(announce_ip, "", "address announced to peers and clients");
DEFINE_int32(announce_port, 0, "client port announced (0: --port)");
DEFINE_int32(announce_bus_port, 0, "bus port announced (0: the bus port)");
DEFINE_string(cluster_secret, "", "shared secret: HMAC on every bus message");
DEFINE_int32(vnodes, shoal::kDefaultVnodes, "placement ring tokens per shard");
DEFINE_int32(replicas, 1, "replicas per shard (cluster mode; 0: every node is a primary)");
DEFINE_int64(cluster_probe_interval_ms, 300, "SWIM probe interval");
DEFINE_int64(cluster_probe_timeout_ms, 150, "SWIM direct probe timeout before indirect probes");
DEFINE_int32(cluster_indirect_probes, 3, "SWIM indirect probes (k)");
DEFINE_double(cluster_suspicion_mult, 4, "suspicion timeout in probe intervals x max(1, log10 N)");
DEFINE_int64(cluster_gossip_interval_ms, 200, "gossip interval");
DEFINE_int64(cluster_push_pull_interval_ms, 10000, "full state push-pull interval");
DEFINE_string(cluster_leave_on_shutdown, "no",
              "yes: SIGTERM/SIGINT leave the cluster gracefully (the shard hands its slots "
              "off with their keys, or a replica takes over, then the node exits); "
              "no: it is a restart (the shard keeps its id and slots)");
DEFINE_string(cluster_migration_bandwidth, "64mb",
              "warm slot migration: bytes of keys a node sends per second (0: unbounded)");

namespace shoal {
namespace {

std::string RandomHex(int n) {
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd() ^ getpid());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(kHex[rng() % 16]);
  return s;
}

// PUBLISH over the cluster bus: 'P', channel length (4 bytes, little
// endian), channel, message.
std::string EncodePublish(std::string_view channel, std::string_view message) {
  std::string out;
  out.reserve(5 + channel.size() + message.size());
  out.push_back('P');
  uint32_t n = static_cast<uint32_t>(channel.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out.append(channel);
  out.append(message);
  return out;
}

bool DecodePublish(std::string_view payload, std::string_view* channel,
                   std::string_view* message) {
  if (payload.size() < 5 || payload[0] != 'P') return false;
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n |= static_cast<uint32_t>(static_cast<uint8_t>(payload[1 + i])) << (8 * i);
  if (n > payload.size() - 5) return false;
  *channel = payload.substr(5, n);
  *message = payload.substr(5 + n);
  return true;
}

// What the CLUSTER commands ask of the membership runtime.
class NodeControl : public ClusterControl {
 public:
  NodeControl(ClusterNode* node, ServerState* server) : node_(node), server_(server) {}
  // Set once replication exists (before clients are served).
  void SetRoleKeeper(ShardRoleKeeper* keeper) { roles_.store(keeper); }
  void SetSlotMover(SlotMover* mover) { mover_.store(mover); }
  ReplicationStatus ReplStatus() const {
    ShardRoleKeeper* k = roles_.load();
    ReplicationStatus st = k != nullptr ? k->Status() : ReplicationStatus{};
    if (SlotMover* m = mover_.load()) {
      SlotMover::Progress p = m->progress();
      st.migration_plan = p.plan;
      st.handoff = p.handoff;
    }
    return st;
  }
  absl::Status Leave() override {
    if (node_->leaving()) return absl::FailedPreconditionError("ERR this node is already leaving");
    ServerState* server = server_;
    node_->BeginLeave([server] {
      if (server->request_shutdown) server->request_shutdown();
    });
    return absl::OkStatus();
  }
  SlotMoverStats MigrationStats() const override {
    SlotMover* m = mover_.load();
    return m != nullptr ? m->stats() : SlotMoverStats{};
  }
  absl::Status Failover(FailoverMode mode) override {
    ShardRoleKeeper* k = roles_.load();
    if (k == nullptr) return absl::FailedPreconditionError("ERR You should send CLUSTER FAILOVER to a replica");
    return k->Failover(mode);
  }
  absl::Status Meet(const std::string& host, int port, int bus_port) override {
    return node_->Meet(host, port, bus_port);
  }
  absl::Status SaveConfig() override { return node_->SaveNow(); }
  void BroadcastPublish(std::string_view channel, std::string_view message) override {
    node_->Broadcast(EncodePublish(channel, message));
  }
  ClusterBusStats BusStats() const override {
    ClusterStats st = node_->stats();
    ClusterBusStats out;
    out.sent = {{"ping", static_cast<int64_t>(st.swim.pings_sent)},
                {"pingreq", static_cast<int64_t>(st.swim.ping_reqs_sent)},
                {"pushpull", static_cast<int64_t>(st.swim.push_pulls_sent)},
                {"publish", static_cast<int64_t>(st.swim.broadcasts_sent)}};
    out.received = {{"pong", static_cast<int64_t>(st.swim.acks_received)},
                    {"publish", static_cast<int64_t>(st.swim.broadcasts_received)}};
    out.total_sent = static_cast<int64_t>(st.swim.messages_sent);
    out.total_received = static_cast<int64_t>(st.swim.messages_received);
    return out;
  }

 private:
  ClusterNode* node_;
  ServerState* server_;
  std::atomic<ShardRoleKeeper*> roles_{nullptr};
  std::atomic<SlotMover*> mover_{nullptr};
};

// Wakes blocked clients when the slot map changes, so that the ones whose
// slots moved get -MOVED (ClusterState has no callback: a light poll).
class BlockedClientRerouter {
 public:
  BlockedClientRerouter(const ClusterState* state, ServerState* server)
      : state_(state), server_(server), thread_([this] { Run(); }) {}
  ~BlockedClientRerouter() {
    stop_.store(true);
    thread_.join();
  }

 private:
  void Run() {
    uint64_t seen = 0;
    std::shared_ptr<const ClusterView> prev;
    while (!stop_.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      uint64_t v = state_->version();
      if (v == seen) continue;
      seen = v;
      std::shared_ptr<const ClusterView> cur = state_->Get();
      if (cur == nullptr) continue;
      if (prev != nullptr && SlotMapChanged(prev.get(), *cur)) RerouteBlockedClients(*server_);
      prev = std::move(cur);
    }
  }

  const ClusterState* state_;
  ServerState* server_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// As redis-server at start-up: raise RLIMIT_NOFILE toward maxclients plus
// a reserve, or lower maxclients to what the limit allows (server/config.h);
// from then on CONFIG SET maxclients checks the limit too. False when not
// even one client fits.
bool AdjustOpenFilesLimit(RuntimeConfig* rc, int threads) {
  OpenFilesFit fit = FitOpenFilesLimit(rc->maxclients.load(), threads);
  for (const std::string& line : fit.log) {
    fprintf(fit.fatal ? stderr : stdout, "%s\n", line.c_str());
  }
  if (fit.fatal) return false;
  rc->maxclients.store(fit.maxclients);
  CheckOpenFilesOnMaxclientsSet(threads);
  return true;
}

// The cluster bus listens where the client port does. It takes one address
// (cluster/bus_transport): a wildcard if the client port has one, else the
// first address that is not loopback (what peers on other hosts reach, and
// what the node announces), else the first one.
std::string BusAddress(const std::vector<std::string>& bind) {
  std::vector<std::string> hosts;
  for (const std::string& entry : bind) {
    bool optional = false;
    hosts.push_back(BindHost(entry, &optional));
  }
  if (hosts.empty()) return "127.0.0.1";
  for (const std::string& h : hosts) {
    if (h == "0.0.0.0" || h == "::") return h;
  }
  for (const std::string& h : hosts) {
    if (h != "::1" && h != "localhost" && h.rfind("127.", 0) != 0) return h;
  }
  return hosts.front();
}

int Fail(const std::string& msg) {
  fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR (Shoal %s) ***\n%s\n", kShoalVersion,
          msg.c_str());
  return 1;
}

int Main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "-v" || a == "--version") {
      printf("Shoal server v=%s (Redis %s compatible)\n", kShoalVersion, kRedisVersion);
      return 0;
    }
    if (a == "-h" || a == "--help") {
      printf("Usage: shoal [/path/to/shoal.conf] [--name value]...\n"
             "Options take Redis's names (--port, --bind, --maxclients, --requirepass,\n"
             "--maxmemory, --hz, --timeout ...) plus --threads and --stripes.\n"
             "Cluster mode: --cluster-enabled yes [--join host:port,...] (docs/cluster.md).\n"
             "See docs/configuration.md.\n");
      return 0;
    }
  }
  std::string conf_file;
  auto args = ParseArgs(argc - 1, argv + 1, &conf_file);
  if (!args.ok()) return Fail(std::string(args.status().message()));
  std::vector<Directive> directives;
  if (!conf_file.empty()) {
    auto file = ParseConfigFile(conf_file);
    if (!file.ok()) return Fail(std::string(file.status().message()));
    directives = *std::move(file);
  }
  directives.insert(directives.end(), args->begin(), args->end());

  // Start-up options go to gflags; everything else to the registry below.
  std::vector<Directive> runtime;
  for (const Directive& d : directives) {
    std::string flag = d.name;
    for (char& c : flag) {
      if (c == '-') c = '_';
    }
    // redis.conf's names for Shoal's flags.
    if (flag == "io_threads") flag = "threads";
    if (flag == "cluster_announce_ip") flag = "announce_ip";
    if (flag == "cluster_announce_port") flag = "announce_port";
    if (flag == "cluster_announce_bus_port") flag = "announce_bus_port";
    gflags::CommandLineFlagInfo info;
    if (flag == "flagfile") {
      for (const std::string& f : d.values) gflags::ReadFromFlagsFile(f, argv[0], true);
    } else if (gflags::GetCommandLineFlagInfo(flag.c_str(), &info)) {
      std::string value = absl::StrJoin(d.values, " ");
      if (gflags::SetCommandLineOption(flag.c_str(), value.c_str()).empty()) {
        return Fail(StrCat("Invalid value '", value, "' for '", d.name, "'"));
      }
    } else {
      runtime.push_back(d);
    }
  }

  int threads = FLAGS_threads > 0 ? FLAGS_threads
                                  : std::max(1u, std::thread::hardware_concurrency());
  int stripes = FLAGS_stripes;
  if (stripes < 1 || stripes > 16384 || (stripes & (stripes - 1)) != 0) {
    return Fail("--stripes must be a power of two between 1 and 16384");
  }
  if (FLAGS_databases < 1 || FLAGS_databases > 16) return Fail("--databases must be 1..16");
  if (FLAGS_io_engine != "uring" && FLAGS_io_engine != "epoll") {
    return Fail("--io-engine must be uring or epoll");
  }
  std::vector<std::string> bind = absl::StrSplit(FLAGS_bind, ' ', absl::SkipEmpty());

  CommandTable table;
  RegisterAllCommands(&table);
  RegisterClusterCommands(&table);  // replies "cluster support disabled" in standalone mode
  RegisterScriptingCommands(&table);
  RegisterReplicationCommands(&table);
  RuntimeConfig rc;
  rc.databases = FLAGS_databases;
  // tls-* parameters and the OpenSSL context (server/net/tls_context.h).
  TlsContextHolder tls;
  // What crosses workers (server/events): parked clients and subscriptions.
  BlockingRegistry blocking;
  PubSubRegistry pubsub;
  ServerState server(&table, &rc, threads, &blocking, &pubsub);
  // Client-side caching (CLIENT TRACKING): the tracking table.
  ClientTracking tracking(&server.clients());
  server.tracking = &tracking;
  ConfigRegistry& reg = server.config();
  tracking.RegisterConfig(&reg);
  RegisterConfigParams(&reg, FLAGS_port, bind, threads, FLAGS_tcp_backlog);
  RegisterProcessParams(&reg);
  RegisterReplicationParams(&reg);
  RegisterTlsConfig(&reg, &tls, FLAGS_tls_port);
  reg.AddString("metrics-port", StrCat(FLAGS_metrics_port), false);
  for (const Directive& d : runtime) {
    // Immutable at run time, so the registry will not set it: read it here.
    if (EqualsIgnoreCase(d.name, "cluster-enabled") || EqualsIgnoreCase(d.name, "cluster_enabled")) {
      std::string v = AsciiLower(absl::StrJoin(d.values, " "));
      if (v != "yes" && v != "no") return Fail("'cluster-enabled': argument must be 'yes' or 'no'");
      rc.cluster_enabled.store(v == "yes");
      continue;
    }
    // rename-command old new (new "" removes it), as redis.conf.
    if (EqualsIgnoreCase(d.name, "rename-command")) {
      if (d.values.size() != 2) {
        return Fail("Bad directive or wrong number of arguments: 'rename-command'");
      }
      absl::Status rst = table.Rename(d.values[0], d.values[1]);
      if (!rst.ok()) return Fail(StrCat("'rename-command ", d.values[0], "': ", rst.message()));
      continue;
    }
    if (!reg.Known(d.name)) {
      return Fail(StrCat("Bad directive or wrong number of arguments: '", d.name, "'"));
    }
    std::string value = absl::StrJoin(d.values, " ");
    absl::Status st = reg.Set(d.name, value);
    // A read-only parameter is accepted at start-up only with the value Shoal
    // already has (e.g. "daemonize no"): anything else would be ignored.
    if (absl::IsFailedPrecondition(st) && AsciiLower(value) == AsciiLower(reg.Value(d.name))) {
      continue;
    }
    if (!st.ok()) {
      return Fail(StrCat("'", d.name, " ", value, "': ", st.message()));
    }
  }

  if (rc.cluster_enabled.load() && tls.options().replication && !tls.options().cluster) {
    return Fail("tls-replication yes in cluster mode needs tls-cluster yes (replicas follow the "
                "port the cluster announces)");
  }
  if (FLAGS_tls_port != 0 || tls.options().replication || tls.options().cluster) {
    absl::Status tst = tls.Activate();
    if (!tst.ok()) return Fail(StrCat("Failed to configure TLS: ", tst.message()));
  }
  if (!AdjustOpenFilesLimit(&rc, threads)) return 1;

  // Log file, daemon, THP: before any thread starts (a daemon forks).
  if (absl::Status pst = EnterProcessSettings(reg); !pst.ok()) {
    return Fail(std::string(pst.message()));
  }
  StoreOptions so;
  so.databases = FLAGS_databases;
  so.stripes = stripes;
  Store store(so);
  // Keys the store removes by itself become "expired" / "evicted" keyspace
  // events when notify-keyspace-events enables them.
  store.SetRemovalListener([&server](int db, std::string_view key, KeyRemoval why) {
    bool expired = why == KeyRemoval::kExpired;
    if (server.replication != nullptr) {
      // A replica's own expiry is its primary's to announce: the primary's
      // "del" follows (a Redis replica deletes nothing by itself and
      // publishes no "expired").
      if (expired && server.replication->is_replica()) return;
      // The primary deletes the key on its replicas: a Redis replica runs
      // the DEL it is sent and publishes "del" (docs/keyspace-events.md).
      if (server.replication->ships_key_events()) {
        server.replication->NoteKeyEvent(db, kNotifyGeneric, "del", key);
      }
    }
    NotifyEvent(server.pubsub(),
                server.runtime().notify_keyspace_events.load(std::memory_order_relaxed),
                expired ? kNotifyExpired : kNotifyEvicted, db, expired ? "expired" : "evicted", key);
  });
  // A read of a missing key: "keymiss" (class m, not part of A).
  store.SetMissListener([&server](int db, std::string_view key) {
    const uint32_t enabled =
        server.runtime().notify_keyspace_events.load(std::memory_order_relaxed);
    if (enabled & kNotifyKeyMiss) {
      NotifyEvent(server.pubsub(), enabled, kNotifyKeyMiss, db, "keymiss", key);
    }
  });

  ServerInfo& info = server.info();
  info.run_id = RandomHex(40);
  info.port = FLAGS_port != 0 ? FLAGS_port : FLAGS_tls_port;  // as Redis's tcp_port
  info.threads = threads;
  info.start_ms = store.clock().NowMs();
  info.config_file = conf_file;
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  info.executable = n > 0 ? std::string(exe, n) : std::string(argv[0]);
  // LATENCY: an eviction run at least latency-monitor-threshold long.
  store.set_eviction_observer([&store](int64_t us) {
    ProcessLatencyMonitor().AddSampleIfNeeded("eviction-cycle", us / 1000,
                                              store.clock().NowMs() / 1000);
  });

  // Cluster mode: the membership runtime publishes views into cluster_state;
  // the router reads them for every keyed command and the CLUSTER commands.
  ClusterState cluster_state;
  std::unique_ptr<ClusterNode> cluster_node;
  std::unique_ptr<NodeControl> cluster_control;
  std::unique_ptr<ClusterRouter> cluster_router;
  int64_t migration_bandwidth = 0;
  if (rc.cluster_enabled.load()) {
    // The port the cluster announces (peers, MOVED, replication, MIGRATE):
    // the plain one, or with tls-cluster yes the TLS one, and then every
    // link between members speaks TLS.
    const bool tls_cluster = tls.options().cluster;
    if (tls_cluster && FLAGS_tls_port == 0) {
      return Fail("tls-cluster yes needs --tls-port: the port the cluster announces");
    }
    const int cluster_port = tls_cluster ? FLAGS_tls_port : FLAGS_port;
    if (cluster_port == 0) {
      return Fail("cluster mode needs a plain --port, or --tls-port with tls-cluster yes");
    }
    if (FLAGS_cluster_leave_on_shutdown != "yes" && FLAGS_cluster_leave_on_shutdown != "no") {
      return Fail("--cluster-leave-on-shutdown: argument must be 'yes' or 'no'");
    }
    if (FLAGS_replicas < 0 || FLAGS_replicas > 15) return Fail("--replicas must be 0..15");
    if (!ConfigRegistry::ParseMemory(FLAGS_cluster_migration_bandwidth, &migration_bandwidth) ||
        migration_bandwidth < 0) {
      return Fail("--cluster-migration-bandwidth: argument must be a memory value (per second)");
    }
    if (FLAGS_vnodes < 1 || FLAGS_vnodes > 4096) return Fail("--vnodes must be 1..4096");
    ClusterOptions co;
    co.ip = BusAddress(bind);
    co.port = cluster_port;
    co.bus_port = FLAGS_cluster_port;
    co.announce_ip = FLAGS_announce_ip;
    co.announce_port = FLAGS_announce_port;
    co.announce_bus_port = FLAGS_announce_bus_port;
    co.seeds = absl::StrSplit(FLAGS_join, ',', absl::SkipWhitespace());
    co.config_file = FLAGS_cluster_config_file.empty()
                         ? StrCat("nodes-", cluster_port, ".conf")
                         : FLAGS_cluster_config_file;
    co.secret = FLAGS_cluster_secret;
    if (tls_cluster) {
      co.tls_contexts = [&tls](bool client) { return client ? tls.AcquireClient() : tls.Acquire(); };
      server.cluster_tls_client = [&tls] { return tls.AcquireClient(); };
    }
    co.vnodes = FLAGS_vnodes;
    co.replicas = FLAGS_replicas;
    co.swim.probe_interval_ms = FLAGS_cluster_probe_interval_ms;
    co.swim.probe_timeout_ms = FLAGS_cluster_probe_timeout_ms;
    co.swim.indirect_probes = FLAGS_cluster_indirect_probes;
    co.swim.suspicion_mult = FLAGS_cluster_suspicion_mult;
    co.swim.gossip_interval_ms = FLAGS_cluster_gossip_interval_ms;
    co.swim.push_pull_interval_ms = FLAGS_cluster_push_pull_interval_ms;
    cluster_node = std::make_unique<ClusterNode>(co, &cluster_state);
    cluster_node->SetBroadcastHandler([&pubsub](std::string_view payload) {
      std::string_view channel, message;
      if (DecodePublish(payload, &channel, &message)) {
        pubsub.Publish(SubKind::kChannel, channel, message, nullptr, nullptr);
      }
    });
    cluster_control = std::make_unique<NodeControl>(cluster_node.get(), &server);
    cluster_node->SetReplicationStatusSource(
        [control = cluster_control.get()] { return control->ReplStatus(); });
    cluster_router = std::make_unique<ClusterRouter>(&cluster_state, cluster_control.get());
    server.router = cluster_router.get();
  }

  NetOptions no;
  no.bind = bind;
  no.port = FLAGS_port;
  no.threads = threads;
  no.tcp_backlog = FLAGS_tcp_backlog;
  no.io_engine = FLAGS_io_engine == "epoll" ? IoEngine::kEpoll : IoEngine::kUring;
  no.protected_mode = &ProtectedModeSetting();
  no.tls_port = FLAGS_tls_port;
  no.tls = &tls;
  no.unixsocket = reg.Value("unixsocket");
  no.unixsocket_perm = static_cast<int>(std::strtol(reg.Value("unixsocketperm").c_str(), nullptr, 8));
  // Empties slots this node stopped owning (and stale leftovers of slots
  // that arrive) before the first view is published.
  std::unique_ptr<SlotKeeper> slot_keeper;
  if (cluster_node != nullptr) slot_keeper = std::make_unique<SlotKeeper>(&cluster_state, &store);
  // The bus first: a bus port in use must fail before workers start.
  if (cluster_node != nullptr) {
    absl::Status cst = cluster_node->Start();
    if (!cst.ok()) {
      fprintf(stderr, "cluster: %s\n", std::string(cst.message()).c_str());
      return 1;
    }
    // Without a secret anyone who reaches the bus can join or poison the
    // membership (docs/security.md): say so when it is reachable from
    // other hosts.
    const std::string bus_ip = BusAddress(bind);
    const bool loopback_only = bus_ip == "::1" || bus_ip == "localhost" || bus_ip.rfind("127.", 0) == 0;
    if (FLAGS_cluster_secret.empty() && !tls.options().cluster && !loopback_only) {
      fprintf(stderr,
              "WARNING: the cluster bus listens on %s without --cluster-secret: anyone who can "
              "reach port %d can join this cluster or forge its membership. Set the same "
              "--cluster-secret on every node (or tls-cluster yes), or keep the bus on a trusted "
              "network.\n",
              bus_ip.c_str(), cluster_node->bus_port());
    }
  }
  // Scripting: one Lua state per worker, a script cache shared by all.
  ScriptEngine scripting(&store, &server, threads);
  server.scripting = &scripting;
  // Replication: records writes once a replica connects; REPLICAOF.
  ReplicationManager replication(&store, &server);
  replication.SetFunctionHooks(
      [&scripting] { return scripting.DumpLibraries(); },
      [&scripting](std::string_view payload, std::string* err) {
        return scripting.ReplaceLibraries(payload, err);
      });
  replication.SetTls(&tls);
  server.replication = &replication;
  // Client-side caching hears of every key the store changes (written,
  // deleted, expired, evicted) through the store's change listener, after
  // replication, which set it first.
  struct ChangeFanout {
    Store::ChangeListener first;
    void* first_arg;
    ClientTracking* tracking;
  } fanout{store.change_listener(), store.change_listener_arg(), &tracking};
  store.SetChangeListener(
      [](void* arg, int db, std::string_view key) {
        auto* f = static_cast<ChangeFanout*>(arg);
        if (f->first != nullptr) f->first(f->first_arg, db, key);
        InvalidateChangedKey(f->tracking, db, key);
      },
      &fanout);
  // Cluster mode: replication follows this node's role in the shard table.
  std::unique_ptr<ShardRoleKeeper> role_keeper;
  // Cluster mode: warm migration, the source side (slot_mover.h).
  std::unique_ptr<SlotMover> slot_mover;
  if (cluster_node != nullptr) {
    role_keeper = std::make_unique<ShardRoleKeeper>(&cluster_state, &replication);
    replication.SetPsyncGate([&cluster_state]() -> std::optional<std::string> {
      std::shared_ptr<const ClusterView> v = cluster_state.Get();
      if (v != nullptr && v->stepping_down) return std::string(kSteppingDownError);
      return std::nullopt;
    });
    cluster_control->SetRoleKeeper(role_keeper.get());
    SlotMoverOptions mo;
    mo.bandwidth_bytes_per_sec = migration_bandwidth;
    slot_mover = std::make_unique<SlotMover>(&cluster_state, &store, &server, mo);
    cluster_control->SetSlotMover(slot_mover.get());
    server.cluster_info = [&cluster_state, control = cluster_control.get()](std::string* out) {
      std::shared_ptr<const ClusterView> v = cluster_state.Get();
      if (v != nullptr) *out += MigrationInfoText(*v, control->MigrationStats());
    };
    if (FLAGS_cluster_leave_on_shutdown == "yes") {
      // The first SIGTERM/SIGINT starts the leave (serving on while the
      // shard hands off); a second one stops at once.
      server.intercept_stop_signal = [node = cluster_node.get(), control = cluster_control.get()] {
        if (node->leaving()) return false;
        return control->Leave().ok();
      };
    }
  }
  // The Prometheus endpoint (server/net/metrics_http.h): its own thread,
  // reading what INFO reads, plus CLUSTER INFO's figures in cluster mode.
  std::unique_ptr<MetricsHttpServer> metrics;
  if (FLAGS_metrics_port != 0) {
    if (FLAGS_metrics_port < 0 || FLAGS_metrics_port > 65535 ||
        FLAGS_metrics_port == FLAGS_port || FLAGS_metrics_port == FLAGS_tls_port) {
      return Fail("--metrics-port must be 1..65535 and differ from the client ports");
    }
    MetricsHttpOptions mo;
    mo.bind = bind;
    mo.port = FLAGS_metrics_port;
    mo.render = [&server, &store, &cluster_state, control = cluster_control.get()] {
      std::string cluster_text;
      if (control != nullptr) {
        std::shared_ptr<const ClusterView> v = cluster_state.Get();
        if (v != nullptr) {
          cluster_text = ClusterInfoText(*v, control->BusStats(), control->MigrationStats());
        }
      }
      return BuildMetrics(server, store, CountEvents(server), cluster_text);
    };
    metrics = std::make_unique<MetricsHttpServer>(std::move(mo));
    absl::Status mst = metrics->Start();
    if (!mst.ok()) {
      fprintf(stderr, "%s\n", std::string(mst.message()).c_str());
      return 1;
    }
    printf("Metrics on port %d (GET /metrics)\n", FLAGS_metrics_port);
  }
  NetServer net(&store, &server, no);
  absl::Status st = net.Start();
  if (!st.ok()) {
    fprintf(stderr, "%s\n", std::string(st.message()).c_str());
    return 1;
  }
  std::unique_ptr<BlockedClientRerouter> rerouter;
  if (cluster_node != nullptr) {
    rerouter = std::make_unique<BlockedClientRerouter>(&cluster_state, &server);
    printf("Cluster node %s, bus port %d\n", cluster_node->my_id().c_str(),
           cluster_node->bus_port());
  }
  if (FLAGS_tls_port != 0) printf("TLS on port %d\n", FLAGS_tls_port);
  if (!no.unixsocket.empty()) printf("Unix socket at %s\n", no.unixsocket.c_str());
  printf("Shoal %s (Redis %s compatible) ready to accept connections on port %d, %d threads\n",
         kShoalVersion, kRedisVersion, FLAGS_port, threads);
  fflush(stdout);
  AnnounceReady(reg);
  replication.Start();
  net.Run();
  // First: the page reads the hooks torn down below.
  metrics.reset();
  // A graceful stop is a restart unless told to leave: the node stops
  // quietly, peers keep its shard, and it serves the same slots when it
  // comes back with its nodes file. A leave (CLUSTER LEAVE, or SIGTERM with
  // --cluster-leave-on-shutdown yes) waits until the shard handed its slots
  // off (the slot mover and replication still run) or a replica took over.
  if (cluster_node != nullptr &&
      (cluster_node->leaving() || FLAGS_cluster_leave_on_shutdown == "yes")) {
    cluster_node->Leave();
  }
  if (cluster_control != nullptr) {
    cluster_control->SetSlotMover(nullptr);
    cluster_control->SetRoleKeeper(nullptr);
  }
  server.cluster_info = nullptr;
  slot_mover.reset();
  role_keeper.reset();
  replication.Stop();
  rerouter.reset();
  if (cluster_node != nullptr) cluster_node->Stop();
  slot_keeper.reset();
  RemovePidFile();
  printf("Shoal is now ready to exit, bye bye...\n");
  return 0;
}

}  // namespace
}  // namespace shoal

int main(int argc, char** argv) { return shoal::Main(argc, argv); }
