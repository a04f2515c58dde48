// INFO text builder. Each section is one function appending its lines; the
// selection logic maps INFO's arguments to a set of sections and the output
// keeps Redis's fixed order whatever order they were asked in.
#include "server/dispatch/info_section.h"

#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <mutex>

#include "base/strings.h"
#include "server/dispatch/version.h"

// Allocator detection without a build dependency: these symbols exist only
// when jemalloc or mimalloc is linked in.
extern "C" {
int mallctl(const char*, void*, size_t*, void*, size_t) __attribute__((weak));
int mi_version(void) __attribute__((weak));
}

namespace shoal {
namespace {

enum Section : uint32_t {
  kServer = 1u << 0,
  kClients = 1u << 1,
  kMemory = 1u << 2,
  kPersistence = 1u << 3,
  kStats = 1u << 4,
  kReplication = 1u << 5,
  kCpu = 1u << 6,
  kModules = 1u << 7,
  kCommandStats = 1u << 8,
  kCluster = 1u << 9,
  kKeyspace = 1u << 10,
  kErrorStats = 1u << 11,
  kLatencyStats = 1u << 12,
};
constexpr uint32_t kEverything = (1u << 13) - 1;
constexpr uint32_t kDefault = kEverything & ~(kCommandStats | kLatencyStats);

uint32_t SelectSections(CmdArgs args) {
  if (args.empty()) return kDefault;
  static constexpr std::pair<std::string_view, uint32_t> kNames[] = {
      {"server", kServer},
      {"clients", kClients},
      {"memory", kMemory},
      {"persistence", kPersistence},
      {"stats", kStats},
      {"replication", kReplication},
      {"cpu", kCpu},
      {"modules", kModules},
      {"commandstats", kCommandStats},
      {"errorstats", kErrorStats},
      {"latencystats", kLatencyStats},
      {"cluster", kCluster},
      {"keyspace", kKeyspace},
      {"default", kDefault},
      {"all", kEverything},
      {"everything", kEverything}};
  uint32_t mask = 0;
  for (std::string_view a : args) {
    for (const auto& [name, bits] : kNames) {
      if (EqualsIgnoreCase(a, name)) mask |= bits;
    }
  }
  return mask;
}

std::string Fixed2(double d) {
  char buf[64];
  snprintf(buf, sizeof(buf), "%.2f", d);
  return buf;
}

template <typename T>
void Field(std::string* out, std::string_view key, const T& value) {
  StrAppend(out, key, ":", value, "\r\n");
}

// ------------------------------------------------ history (process-wide)

std::atomic<int64_t> g_peak_memory{0};

// Cumulative counters at one instant.
struct MetricSample {
  int64_t time_us = 0;
  int64_t ops = 0;
  int64_t net_in = 0;
  int64_t net_out = 0;
};

class RateSampler {
 public:
  void Add(const MetricSample& s) {
    std::lock_guard<std::mutex> l(mu_);
    if (count_ > 0 && s.time_us - samples_[Newest()].time_us < 100'000) return;
    samples_[next_] = s;
    next_ = (next_ + 1) % kSlots;
    count_ = std::min(count_ + 1, kSlots);
  }

  // Rates per second between `now` and the newest sample at least one second
  // older (or the oldest kept when none is).
  MetricSample RatesSince(const MetricSample& now) {
    std::lock_guard<std::mutex> l(mu_);
    MetricSample base = now;
    for (int i = 0; i < count_; ++i) {
      const MetricSample& s = samples_[(Newest() - i + kSlots) % kSlots];
      base = s;
      if (now.time_us - s.time_us >= 1'000'000) break;
    }
    MetricSample rate;
    int64_t dt = now.time_us - base.time_us;
    if (dt <= 0) return rate;
    rate.ops = (now.ops - base.ops) * 1'000'000 / dt;
    rate.net_in = (now.net_in - base.net_in) * 1'000'000 / dt;
    rate.net_out = (now.net_out - base.net_out) * 1'000'000 / dt;
    return rate;
  }

  void Reset() {
    std::lock_guard<std::mutex> l(mu_);
    count_ = 0;
    next_ = 0;
  }

 private:
  static constexpr int kSlots = 16;
  int Newest() const { return (next_ - 1 + kSlots) % kSlots; }
  std::mutex mu_;
  std::array<MetricSample, kSlots> samples_{};
  int next_ = 0;
  int count_ = 0;
};

RateSampler& Sampler() {
  static RateSampler* s = new RateSampler();
  return *s;
}

// ------------------------------------------------------------- counters

struct Totals {
  int64_t ops = 0;
  int64_t net_in = 0;
  int64_t net_out = 0;
  int64_t errors = 0;
};

Totals SumWorkers(ServerState& server) {
  Totals t;
  for (int w = 0; w < server.workers(); ++w) {
    WorkerStats& s = server.worker_stats(w);
    t.ops += s.commands_processed.load(std::memory_order_relaxed);
    t.net_in += s.net_input_bytes.load(std::memory_order_relaxed);
    t.net_out += s.net_output_bytes.load(std::memory_order_relaxed);
    t.errors += s.error_replies.load(std::memory_order_relaxed);
  }
  return t;
}

MetricSample SampleNow(ServerState& server, int64_t now_us) {
  Totals t = SumWorkers(server);
  return MetricSample{now_us, t.ops, t.net_in, t.net_out};
}

// ------------------------------------------------------------- sections

void ServerSection(ServerState& server, Store& store, std::string* out) {
  ServerInfo& info = server.info();
  int64_t now_us = store.clock().NowUs();
  int64_t uptime_s = std::max<int64_t>(0, (now_us / 1000 - info.start_ms) / 1000);
  struct utsname name;
  std::string os = "unknown";
  if (uname(&name) == 0) os = StrCat(name.sysname, " ", name.release, " ", name.machine);
  Field(out, "redis_version", kRedisVersion);
  Field(out, "redis_git_sha1", "00000000");
  Field(out, "redis_git_dirty", 0);
  Field(out, "redis_build_id", "0");
  Field(out, "shoal_version", kShoalVersion);
  Field(
      out, "redis_mode",
      server.runtime().cluster_enabled.load(std::memory_order_relaxed) ? "cluster" : "standalone");
  Field(out, "os", os);
  Field(out, "arch_bits", sizeof(void*) * 8);
  Field(out, "monotonic_clock", "POSIX clock_gettime");
  Field(out, "multiplexing_api", info.multiplexing_api);
  Field(out, "atomicvar_api", "c11-builtin");
#ifdef __GNUC__
  Field(out, "gcc_version", StrCat(__GNUC__, ".", __GNUC_MINOR__, ".", __GNUC_PATCHLEVEL__));
#endif
  Field(out, "process_id", static_cast<int64_t>(getpid()));
  Field(out, "process_supervised", "no");
  Field(out, "run_id", info.run_id);
  Field(out, "tcp_port", info.port);
  Field(out, "server_time_usec", now_us);
  Field(out, "uptime_in_seconds", uptime_s);
  Field(out, "uptime_in_days", uptime_s / 86400);
  int64_t hz = server.runtime().hz.load(std::memory_order_relaxed);
  Field(out, "hz", hz);
  Field(out, "configured_hz", hz);
  Field(out, "lru_clock", (now_us / 1'000'000) & ((1 << 24) - 1));
  Field(out, "executable", info.executable);
  Field(out, "config_file", info.config_file);
  Field(out, "io_threads_active", 0);
  Field(out, "shoal_threads", info.threads);
}

void ClientsSection(ServerState& server, const EventCounts& events, std::string* out) {
  int64_t max_in = 0, max_out = 0, pubsub_clients = 0;
  server.clients().ForEach([&](ClientSession& c) {
    max_in = std::max(max_in, c.query_buffer_bytes.load(std::memory_order_relaxed));
    max_out = std::max(max_out, c.output_buffer_bytes.load(std::memory_order_relaxed));
    if (c.subscriptions.load(std::memory_order_relaxed) > 0) ++pubsub_clients;
  });
  Field(out, "connected_clients", server.clients().Count());
  Field(out, "cluster_connections", 0);
  Field(out, "maxclients", server.runtime().maxclients.load(std::memory_order_relaxed));
  Field(out, "client_recent_max_input_buffer", max_in);
  Field(out, "client_recent_max_output_buffer", max_out);
  Field(out, "blocked_clients", events.blocked_clients);
  Field(out, "tracking_clients", events.tracking_clients);
  Field(out, "pubsub_clients", pubsub_clients);
  Field(out, "clients_in_timeout_table", 0);
}

int64_t TotalSystemMemory() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<int64_t>(pages) * page : 0;
}

void MemorySection(ServerState& server, Store& store, std::string* out) {
  const MemoryOverview mem = ComputeMemoryOverview(store);
  const int64_t used = mem.used;
  int64_t peak = PeakUsedMemory();
  int64_t rss = ProcessRssBytes();
  int64_t sysmem = TotalSystemMemory();
  int64_t maxmemory = server.runtime().maxmemory.load(std::memory_order_relaxed);
  Field(out, "used_memory", used);
  Field(out, "used_memory_human", BytesToHuman(used));
  Field(out, "used_memory_rss", rss);
  Field(out, "used_memory_rss_human", BytesToHuman(rss));
  Field(out, "used_memory_peak", peak);
  Field(out, "used_memory_peak_human", BytesToHuman(peak));
  Field(out, "used_memory_peak_perc", StrCat(Fixed2(peak ? 100.0 * used / peak : 0), "%"));
  Field(out, "used_memory_overhead", mem.overhead);
  Field(out, "used_memory_startup", kUsedMemoryBaseline);
  Field(out, "used_memory_dataset", mem.dataset);
  Field(out, "used_memory_dataset_perc",
        StrCat(Fixed2(100.0 * static_cast<double>(mem.dataset) / static_cast<double>(mem.net)), "%"));
  Field(out, "total_system_memory", sysmem);
  Field(out, "total_system_memory_human", BytesToHuman(sysmem));
  Field(out, "maxmemory", maxmemory);
  Field(out, "maxmemory_human", BytesToHuman(maxmemory));
  Field(out, "maxmemory_policy", server.config().Value("maxmemory-policy"));
  Field(out, "mem_fragmentation_ratio", Fixed2(used ? static_cast<double>(rss) / used : 0));
  Field(out, "mem_fragmentation_bytes", rss - used);
  Field(out, "mem_not_counted_for_evict", 0);
  Field(out, "mem_clients_normal", 0);
  Field(out, "mem_allocator", AllocatorName());
  Field(out, "lazyfree_pending_objects", 0);
  if (server.scripting != nullptr) server.scripting->AppendMemoryInfo(out);
}

void PersistenceSection(ServerState& server, std::string* out) {
  Field(out, "loading", 0);
  Field(out, "async_loading", 0);
  Field(out, "rdb_changes_since_last_save", 0);
  Field(out, "rdb_bgsave_in_progress", 0);
  Field(out, "rdb_last_save_time", server.info().start_ms / 1000);
  Field(out, "rdb_last_bgsave_status", "ok");
  Field(out, "rdb_last_bgsave_time_sec", -1);
  Field(out, "rdb_current_bgsave_time_sec", -1);
  Field(out, "rdb_saves", 0);
  Field(out, "aof_enabled", 0);
  Field(out, "aof_rewrite_in_progress", 0);
  Field(out, "aof_rewrite_scheduled", 0);
  Field(out, "aof_last_rewrite_time_sec", -1);
  Field(out, "aof_current_rewrite_time_sec", -1);
  Field(out, "aof_last_bgrewrite_status", "ok");
  Field(out, "aof_rewrites", 0);
  Field(out, "aof_last_write_status", "ok");
  Field(out, "module_fork_in_progress", 0);
}

void StatsSection(ServerState& server, Store& store, const EventCounts& events,
                  std::string* out) {
  MetricSample now = SampleNow(server, store.clock().NowUs());
  Sampler().Add(now);
  MetricSample rate = Sampler().RatesSince(now);
  Totals t = SumWorkers(server);
  StoreStats ss = store.Stats();
  Field(out, "total_connections_received", server.total_connections_received.load());
  Field(out, "total_commands_processed", t.ops);
  Field(out, "instantaneous_ops_per_sec", rate.ops);
  Field(out, "total_net_input_bytes", t.net_in);
  Field(out, "total_net_output_bytes", t.net_out);
  Field(out, "instantaneous_input_kbps", Fixed2(rate.net_in / 1024.0));
  Field(out, "instantaneous_output_kbps", Fixed2(rate.net_out / 1024.0));
  Field(out, "rejected_connections", server.rejected_connections.load());
  Field(out, "sync_full", 0);
  Field(out, "sync_partial_ok", 0);
  Field(out, "sync_partial_err", 0);
  Field(out, "expired_keys", ss.expired_keys);
  Field(out, "expired_stale_perc", Fixed2(ss.expired_stale_perc_x100 / 100.0));
  Field(out, "expired_time_cap_reached_count", 0);
  Field(out, "evicted_keys", ss.evicted_keys);
  Field(out, "evicted_clients", 0);
  Field(out, "keyspace_hits", ss.keyspace_hits);
  Field(out, "keyspace_misses", ss.keyspace_misses);
  Field(out, "pubsub_channels", events.pubsub_channels);
  Field(out, "pubsub_patterns", events.pubsub_patterns);
  Field(out, "pubsubshard_channels", events.pubsubshard_channels);
  Field(out, "latest_fork_usec", 0);
  Field(out, "total_forks", 0);
  Field(out, "tracking_total_keys", events.tracking_total_keys);
  Field(out, "tracking_total_items", events.tracking_total_items);
  Field(out, "tracking_total_prefixes", events.tracking_total_prefixes);
  Field(out, "total_error_replies", t.errors);
  Field(out, "acl_access_denied_auth", server.acl_denied_auth.load());
  Field(out, "acl_access_denied_cmd", server.acl_denied_cmd.load());
  Field(out, "acl_access_denied_key", server.acl_denied_key.load());
  Field(out, "acl_access_denied_channel", server.acl_denied_channel.load());
}

// errorstat_<CODE>:count=N, codes sorted as Redis prints them.
void ErrorStatsSection(ServerState& server, std::string* out) {
  std::map<std::string, int64_t> codes;
  for (int w = 0; w < server.workers(); ++w) {
    WorkerStats& s = server.worker_stats(w);
    absl::MutexLock l(&s.error_mu);
    for (const auto& [code, n] : s.error_codes) codes[code] += n;
  }
  for (const auto& [code, n] : codes) StrAppend(out, "errorstat_", code, ":count=", n, "\r\n");
}

void ReplicationSection(ServerState& server, std::string* out) {
  if (server.replication != nullptr) {
    server.replication->AppendInfo(out);
    return;
  }
  Field(out, "role", "master");
  Field(out, "connected_slaves", 0);
  Field(out, "master_failover_state", "no-failover");
  Field(out, "master_replid", server.info().run_id);
  Field(out, "master_replid2", std::string(40, '0'));
  Field(out, "master_repl_offset", 0);
  Field(out, "second_repl_offset", -1);
  Field(out, "repl_backlog_active", 0);
  Field(out, "repl_backlog_size", 1048576);
  Field(out, "repl_backlog_first_byte_offset", 0);
  Field(out, "repl_backlog_histlen", 0);
}

std::string Seconds(const timeval& tv) {
  char buf[64];
  snprintf(buf, sizeof(buf), "%ld.%06ld", static_cast<long>(tv.tv_sec),
           static_cast<long>(tv.tv_usec));
  return buf;
}

void CpuSection(std::string* out) {
  struct rusage self, children;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  Field(out, "used_cpu_sys", Seconds(self.ru_stime));
  Field(out, "used_cpu_user", Seconds(self.ru_utime));
  Field(out, "used_cpu_sys_children", Seconds(children.ru_stime));
  Field(out, "used_cpu_user_children", Seconds(children.ru_utime));
}

void CommandStatsSection(ServerState& server, std::string* out) {
  const CommandTable& table = server.table();
  for (int id = 0; id < table.spec_count(); ++id) {
    int64_t calls = 0, usec = 0, rejected = 0, failed = 0;
    for (int w = 0; w < server.workers(); ++w) {
      const CommandCounters& c = server.worker_stats(w).commands[id];
      calls += c.calls.load(std::memory_order_relaxed);
      usec += c.usec.load(std::memory_order_relaxed);
      rejected += c.rejected.load(std::memory_order_relaxed);
      failed += c.failed.load(std::memory_order_relaxed);
    }
    if (calls == 0 && rejected == 0 && failed == 0) continue;
    StrAppend(out, "cmdstat_", table.ById(id)->name, ":calls=", calls, ",usec=", usec,
              ",usec_per_call=", Fixed2(calls ? static_cast<double>(usec) / calls : 0),
              ",rejected_calls=", rejected, ",failed_calls=", failed, "\r\n");
  }
}

// latency_percentiles_usec_<cmd>:p50=1.003,p99=2.007,p99.9=2.007 for each
// command with a histogram, at the latency-tracking-info-percentiles.
void LatencyStatsSection(ServerState& server, std::string* out) {
  const std::vector<double> percentiles = ProcessLatencyTracking().Percentiles();
  std::vector<std::string> labels;
  for (double p : percentiles) labels.push_back(LatencyTracking::PercentileLabel(p));
  const CommandTable& table = server.table();
  for (int id = 0; id < table.spec_count(); ++id) {
    HistogramSnapshot h;
    if (!CommandLatency(server, id, &h)) continue;
    StrAppend(out, "latency_percentiles_usec_", table.ById(id)->name, ":");
    for (size_t i = 0; i < percentiles.size(); ++i) {
      char buf[64];
      snprintf(buf, sizeof(buf), "%.3f",
               static_cast<double>(h.ValueAtPercentile(percentiles[i])) / 1000.0);
      StrAppend(out, i ? "," : "", "p", labels[i], "=", buf);
    }
    *out += "\r\n";
  }
}

void KeyspaceSection(ServerState& server, Store& store, std::string* out) {
  for (int db = 0; db < store.databases(); ++db) {
    KeyspaceCounts c = store.Counts(db);
    if (c.keys <= 0) continue;
    StrAppend(out, "db", db, ":keys=", c.keys, ",expires=", c.volatile_keys, ",avg_ttl=0\r\n");
  }
}

}  // namespace

bool CommandLatency(ServerState& server, int spec_id, HistogramSnapshot* out) {
  bool any = false;
  for (int w = 0; w < server.workers(); ++w) {
    const LatencyHistogram* h = server.worker_stats(w).latency.Get(spec_id);
    if (h == nullptr) continue;
    out->Add(*h);
    any = true;
  }
  return any && out->total() > 0;
}

std::string BytesToHuman(int64_t n) {
  if (n < 0) return StrCat("-", BytesToHuman(-n));
  static constexpr const char* kUnits[] = {"K", "M", "G", "T", "P"};
  if (n < 1024) return StrCat(n, "B");
  double d = static_cast<double>(n) / 1024;
  int u = 0;
  while (d >= 1024 && u < 4) {
    d /= 1024;
    ++u;
  }
  return StrCat(Fixed2(d), kUnits[u]);
}

int64_t ReportedUsedMemory(Store& store) {
  int64_t used = store.UsedMemory() + kUsedMemoryBaseline;
  int64_t peak = g_peak_memory.load(std::memory_order_relaxed);
  while (used > peak && !g_peak_memory.compare_exchange_weak(peak, used)) {
  }
  return used;
}

int64_t PeakUsedMemory() { return g_peak_memory.load(std::memory_order_relaxed); }

MemoryOverview ComputeMemoryOverview(Store& store) {
  MemoryOverview m;
  m.detail = store.MemoryOverheads();
  m.used = ReportedUsedMemory(store);
  m.overhead = kUsedMemoryBaseline + m.detail.policy_bytes;
  for (int64_t bytes : m.detail.table_bytes) m.overhead += bytes;
  m.dataset = std::max<int64_t>(0, m.used - m.overhead);
  m.net = std::max<int64_t>(1, m.used - kUsedMemoryBaseline);
  return m;
}

int64_t ProcessRssBytes() {
  FILE* f = fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  long size = 0, resident = 0;
  int n = fscanf(f, "%ld %ld", &size, &resident);
  fclose(f);
  if (n != 2) return 0;
  return static_cast<int64_t>(resident) * sysconf(_SC_PAGESIZE);
}

std::string AllocatorName() {
  if (mi_version != nullptr) {
    int v = mi_version();
    return StrCat("mimalloc-", v / 100, ".", (v / 10) % 10, ".", v % 10);
  }
  if (mallctl != nullptr) {
    const char* version = nullptr;
    size_t len = sizeof(version);
    if (mallctl("version", &version, &len, nullptr, 0) == 0 && version != nullptr) {
      std::string_view v = version;
      return StrCat("jemalloc-", v.substr(0, v.find('-')));
    }
    return "jemalloc";
  }
  return "libc";
}

void SampleInstantaneousMetrics(ServerState& server, int64_t now_us) {
  Sampler().Add(SampleNow(server, now_us));
}

void ResetInfoHistory() {
  g_peak_memory.store(0, std::memory_order_relaxed);
  Sampler().Reset();
}

std::string BuildInfo(ServerState& server, Store& store, const EventCounts& events,
                      CmdArgs sections) {
  uint32_t mask = SelectSections(sections);
  std::string out;
  out.reserve(4096);
  auto header = [&](std::string_view title) {
    if (!out.empty()) out += "\r\n";
    StrAppend(&out, "# ", title, "\r\n");
  };
  if (mask & kServer) {
    header("Server");
    ServerSection(server, store, &out);
  }
  if (mask & kClients) {
    header("Clients");
    ClientsSection(server, events, &out);
  }
  if (mask & kMemory) {
    header("Memory");
    MemorySection(server, store, &out);
  }
  if (mask & kPersistence) {
    header("Persistence");
    PersistenceSection(server, &out);
  }
  if (mask & kStats) {
    header("Stats");
    StatsSection(server, store, events, &out);
  }
  if (mask & kReplication) {
    header("Replication");
    ReplicationSection(server, &out);
  }
  if (mask & kCpu) {
    header("CPU");
    CpuSection(&out);
  }
  if (mask & kModules) header("Modules");
  if (mask & kCommandStats) {
    header("Commandstats");
    CommandStatsSection(server, &out);
  }
  if (mask & kErrorStats) {
    header("Errorstats");
    ErrorStatsSection(server, &out);
  }
  if (mask & kLatencyStats) {
    header("Latencystats");
    LatencyStatsSection(server, &out);
  }
  if (mask & kCluster) {
    header("Cluster");
    Field(&out, "cluster_enabled",
          server.runtime().cluster_enabled.load(std::memory_order_relaxed) ? 1 : 0);
    if (server.cluster_info) server.cluster_info(&out);
  }
  if (mask & kKeyspace) {
    header("Keyspace");
    KeyspaceSection(server, store, &out);
  }
  return out;
}

}  // namespace shoal
