// Metrics exposition (see metrics_exposition.h): the table from INFO fields to
// metric families, the parsing of INFO's text and the writing of the
// exposition format.
#include "server/dispatch/metrics_exposition.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "base/strings.h"

namespace shoal {
namespace {

enum class Type { kGauge, kCounter };

// Where a field shows up, for MappedInfoFields.
enum class Source {
  kInfo,         // every INFO of a standalone primary
  kReplicaInfo,  // INFO of a replica only
  kClusterInfo,  // CLUSTER INFO (cluster mode)
};

// One INFO field, one unlabelled sample.
struct Scalar {
  std::string_view field;
  std::string_view metric;
  Type type;
  std::string_view help;
  Source source = Source::kInfo;
  // A text field: the sample is 1 when it reads this, else 0.
  std::string_view one_when = {};
};

constexpr Type kGauge = Type::kGauge;
constexpr Type kCounter = Type::kCounter;

constexpr Scalar kScalars[] = {
    // Server, clients.
    {"uptime_in_seconds", "shoal_uptime_seconds", kGauge, "Seconds since the server started."},
    {"connected_clients", "shoal_connected_clients", kGauge, "Client connections open."},
    {"maxclients", "shoal_maxclients", kGauge, "The maxclients setting."},
    {"blocked_clients", "shoal_blocked_clients", kGauge,
     "Clients waiting in a blocking command (BLPOP, XREAD BLOCK...)."},
    {"tracking_clients", "shoal_tracking_clients", kGauge, "Clients with CLIENT TRACKING on."},
    {"pubsub_clients", "shoal_pubsub_clients", kGauge, "Clients with pub/sub subscriptions."},
    // Memory and eviction.
    {"used_memory", "shoal_used_memory_bytes", kGauge,
     "Memory the keyspace accounts for (what maxmemory is compared with)."},
    {"used_memory_rss", "shoal_used_memory_rss_bytes", kGauge, "Resident set size of the process."},
    {"used_memory_peak", "shoal_used_memory_peak_bytes", kGauge,
     "Highest used_memory seen since start-up or CONFIG RESETSTAT."},
    {"maxmemory", "shoal_maxmemory_bytes", kGauge,
     "The maxmemory limit (0: none); above it keys are evicted or writes refused."},
    {"mem_fragmentation_ratio", "shoal_mem_fragmentation_ratio", kGauge,
     "used_memory_rss / used_memory."},
    {"evicted_keys", "shoal_evicted_keys_total", kCounter, "Keys evicted to stay under maxmemory."},
    // Stats.
    {"total_connections_received", "shoal_connections_received_total", kCounter,
     "Connections accepted."},
    {"rejected_connections", "shoal_rejected_connections_total", kCounter,
     "Connections refused for maxclients."},
    {"total_commands_processed", "shoal_commands_processed_total", kCounter, "Commands run."},
    {"total_net_input_bytes", "shoal_net_input_bytes_total", kCounter, "Bytes read from clients."},
    {"total_net_output_bytes", "shoal_net_output_bytes_total", kCounter,
     "Bytes written to clients."},
    {"keyspace_hits", "shoal_keyspace_hits_total", kCounter, "Key lookups that found the key."},
    {"keyspace_misses", "shoal_keyspace_misses_total", kCounter, "Key lookups that found nothing."},
    {"expired_keys", "shoal_expired_keys_total", kCounter,
     "Keys removed because their TTL ran out."},
    {"total_error_replies", "shoal_error_replies_total", kCounter, "Error replies sent."},
    {"acl_access_denied_auth", "shoal_acl_access_denied_auth_total", kCounter,
     "AUTH and HELLO AUTH attempts refused."},
    {"acl_access_denied_cmd", "shoal_acl_access_denied_cmd_total", kCounter,
     "Commands refused by the user's ACL rules."},
    {"acl_access_denied_key", "shoal_acl_access_denied_key_total", kCounter,
     "Commands refused for a key the user may not touch."},
    {"acl_access_denied_channel", "shoal_acl_access_denied_channel_total", kCounter,
     "Commands refused for a channel the user may not use."},
    {"pubsub_channels", "shoal_pubsub_channels", kGauge, "Channels with subscribers."},
    {"pubsub_patterns", "shoal_pubsub_patterns", kGauge, "Pattern subscriptions."},
    {"tracking_total_keys", "shoal_tracking_keys", kGauge,
     "Keys in the client-side caching table."},
    // Replication.
    {"connected_slaves", "shoal_connected_slaves", kGauge, "Replicas connected to this primary."},
    {"master_repl_offset", "shoal_master_repl_offset", kGauge,
     "Replication offset of this node's stream."},
    {"slave_repl_offset", "shoal_slave_repl_offset", kGauge,
     "Replication offset a replica has processed.", Source::kReplicaInfo},
    {"master_link_status", "shoal_master_link_up", kGauge,
     "1 while a replica's link to its primary is up.", Source::kReplicaInfo, "up"},
    // CPU.
    {"used_cpu_sys", "shoal_cpu_sys_seconds_total", kCounter, "System CPU time of the process."},
    {"used_cpu_user", "shoal_cpu_user_seconds_total", kCounter, "User CPU time of the process."},
    // Cluster (the cluster section of INFO, and CLUSTER INFO in cluster mode).
    {"cluster_enabled", "shoal_cluster_enabled", kGauge, "1 in cluster mode."},
    {"cluster_state", "shoal_cluster_state", kGauge,
     "1 when every slot is served (cluster_state:ok), else 0.", Source::kClusterInfo, "ok"},
    {"cluster_slots_assigned", "shoal_cluster_slots_assigned", kGauge,
     "Slots that belong to a shard.", Source::kClusterInfo},
    {"cluster_slots_ok", "shoal_cluster_slots_ok", kGauge, "Slots whose primary is alive.",
     Source::kClusterInfo},
    {"cluster_slots_pfail", "shoal_cluster_slots_pfail", kGauge,
     "Slots whose primary is suspected to have failed.", Source::kClusterInfo},
    {"cluster_slots_fail", "shoal_cluster_slots_fail", kGauge, "Slots whose primary is dead.",
     Source::kClusterInfo},
    {"cluster_known_nodes", "shoal_cluster_known_nodes", kGauge, "Members this node knows of.",
     Source::kClusterInfo},
    {"cluster_size", "shoal_cluster_size", kGauge, "Shards that serve slots.",
     Source::kClusterInfo},
    {"cluster_current_epoch", "shoal_cluster_current_epoch", kGauge,
     "Highest configuration epoch seen.", Source::kClusterInfo},
    {"cluster_my_epoch", "shoal_cluster_my_epoch", kGauge,
     "Configuration epoch of this node's shard.", Source::kClusterInfo},
    {"cluster_stats_messages_sent", "shoal_cluster_messages_sent_total", kCounter,
     "Cluster bus messages sent.", Source::kClusterInfo},
    {"cluster_stats_messages_received", "shoal_cluster_messages_received_total", kCounter,
     "Cluster bus messages received.", Source::kClusterInfo},
    {"cluster_migration_plan", "shoal_cluster_migration_plan", kGauge,
     "Id of the slot migration under way (0: none).", Source::kClusterInfo},
    {"cluster_migration_slots_migrating", "shoal_cluster_migration_slots_migrating", kGauge,
     "Slots this node is handing to another shard.", Source::kClusterInfo},
    {"cluster_migration_slots_importing", "shoal_cluster_migration_slots_importing", kGauge,
     "Slots this node is taking over.", Source::kClusterInfo},
    {"cluster_migration_slots_moved", "shoal_cluster_migration_slots_moved_total", kCounter,
     "Slots this node emptied into their new shard.", Source::kClusterInfo},
    {"cluster_migration_keys_remaining", "shoal_cluster_migration_keys_remaining", kGauge,
     "Keys still on this node in the slots it is handing off.", Source::kClusterInfo},
    {"cluster_migration_keys_moved", "shoal_cluster_migration_keys_moved_total", kCounter,
     "Keys this node sent to their new shard.", Source::kClusterInfo},
    {"cluster_migration_bytes_moved", "shoal_cluster_migration_bytes_moved_total", kCounter,
     "Bytes of keys this node sent to their new shard.", Source::kClusterInfo},
    {"cluster_migration_errors", "shoal_cluster_migration_errors_total", kCounter,
     "Migration batches that failed (and were retried).", Source::kClusterInfo},
};

// One INFO text field as a label of a sample that is always 1.
struct InfoLabel {
  std::string_view field;
  std::string_view metric;
  std::string_view label;
  std::string_view help;
};

constexpr InfoLabel kInfoLabels[] = {
    {"role", "shoal_replication_role", "role", "This node's role (master or slave); always 1."},
    {"maxmemory_policy", "shoal_maxmemory_policy", "policy",
     "The maxmemory-policy in force; always 1."},
};

// ------------------------------------------------------------- writing

std::string_view TypeName(Type t) { return t == Type::kCounter ? "counter" : "gauge"; }

// Label values: printable ASCII only (the format wants UTF-8; error codes
// can hold any byte), with \ " escaped.
std::string LabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c < 0x20 || c > 0x7e) {
      out += '?';
    } else {
      out += c;
    }
  }
  return out;
}

// A decimal number as INFO prints them: -?digits(.digits)?
bool IsNumber(std::string_view v) {
  if (!v.empty() && v[0] == '-') v.remove_prefix(1);
  size_t digits = 0;
  while (digits < v.size() && v[digits] >= '0' && v[digits] <= '9') ++digits;
  if (digits == 0) return false;
  if (digits == v.size()) return true;
  if (v[digits] != '.') return false;
  std::string_view frac = v.substr(digits + 1);
  return !frac.empty() &&
         std::all_of(frac.begin(), frac.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Microseconds as seconds, exactly: 1500 -> "0.0015", 2000000 -> "2".
std::string MicrosAsSeconds(int64_t us) {
  const bool negative = us < 0;
  const uint64_t u = negative ? 0 - static_cast<uint64_t>(us) : static_cast<uint64_t>(us);
  char buf[48];
  int n = snprintf(buf, sizeof(buf), "%s%llu.%06llu", negative ? "-" : "",
                   static_cast<unsigned long long>(u / 1'000'000),
                   static_cast<unsigned long long>(u % 1'000'000));
  while (n > 0 && buf[n - 1] == '0') --n;
  if (n > 0 && buf[n - 1] == '.') --n;
  return std::string(buf, static_cast<size_t>(n));
}

class Writer {
 public:
  void Family(std::string_view name, std::string_view type, std::string_view help) {
    StrAppend(&out_, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
  }
  // `labels` is empty or `k="v",...` (already escaped); `value` a number.
  void Sample(std::string_view name, std::string_view labels, std::string_view value) {
    out_ += name;
    if (!labels.empty()) StrAppend(&out_, "{", labels, "}");
    StrAppend(&out_, " ", value, "\n");
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// ------------------------------------------------------------- reading INFO

using Fields = std::map<std::string, std::string, std::less<>>;

Fields ParseInfo(std::string_view text) {
  Fields f;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    // Error codes may hold ':' (a script picks its own): those lines split
    // at their ":count=".
    size_t colon = StartsWith(line, "errorstat_") ? line.rfind(":count=") : line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    f.emplace(std::string(line.substr(0, colon)), std::string(line.substr(colon + 1)));
  }
  return f;
}

// "calls=3,usec=12,..." -> the value of `key`, empty if absent.
std::string_view SubField(std::string_view value, std::string_view key) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view part = value.substr(0, comma);
    if (part.size() > key.size() && part.substr(0, key.size()) == key && part[key.size()] == '=') {
      return part.substr(key.size() + 1);
    }
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return {};
}

// Entries whose field starts with `prefix`, as (rest of the name, value).
std::vector<std::pair<std::string_view, std::string_view>> WithPrefix(const Fields& f,
                                                                      std::string_view prefix) {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  for (auto it = f.lower_bound(prefix); it != f.end(); ++it) {
    std::string_view name = it->first;
    if (name.substr(0, prefix.size()) != prefix) break;
    if (name.size() > prefix.size()) out.emplace_back(name.substr(prefix.size()), it->second);
  }
  return out;
}

void WriteScalars(const Fields& f, Writer* w) {
  for (const Scalar& s : kScalars) {
    auto it = f.find(s.field);
    if (it == f.end()) continue;
    std::string_view value = it->second;
    if (!s.one_when.empty()) {
      value = value == s.one_when ? "1" : "0";
    } else if (!IsNumber(value)) {
      continue;
    }
    w->Family(s.metric, TypeName(s.type), s.help);
    w->Sample(s.metric, "", value);
  }
  for (const InfoLabel& l : kInfoLabels) {
    auto it = f.find(l.field);
    if (it == f.end()) continue;
    w->Family(l.metric, "gauge", l.help);
    w->Sample(l.metric, StrCat(l.label, "=\"", LabelValue(it->second), "\""), "1");
  }
}

// cmdstat_<cmd>:calls=N,usec=N,usec_per_call=F,rejected_calls=N,failed_calls=N
void WriteCommandStats(const Fields& f, Writer* w) {
  auto stats = WithPrefix(f, "cmdstat_");
  if (stats.empty()) return;
  struct Column {
    std::string_view key;
    std::string_view metric;
    std::string_view help;
    bool micros;
  };
  static constexpr Column kColumns[] = {
      {"calls", "shoal_command_calls_total", "Calls of each command (INFO commandstats).", false},
      {"usec", "shoal_command_duration_seconds_total",
       "Time spent running each command, in seconds (usec in INFO commandstats).", true},
      {"rejected_calls", "shoal_command_rejected_calls_total",
       "Calls refused before running (arity, auth, OOM...).", false},
      {"failed_calls", "shoal_command_failed_calls_total",
       "Calls that ran and replied with an error.", false},
  };
  for (const Column& c : kColumns) {
    bool header = false;
    for (const auto& [cmd, value] : stats) {
      std::string_view v = SubField(value, c.key);
      int64_t n;
      if (!SimpleAtoi(v, &n)) continue;
      if (!header) {
        w->Family(c.metric, "counter", c.help);
        header = true;
      }
      w->Sample(c.metric, StrCat("cmd=\"", LabelValue(cmd), "\""),
                c.micros ? MicrosAsSeconds(n) : std::to_string(n));
    }
  }
}

// errorstat_<CODE>:count=N. Codes that read the same once made printable
// are summed, so that no two samples share a label set.
void WriteErrorStats(const Fields& f, Writer* w) {
  std::map<std::string, int64_t> codes;
  for (const auto& [code, value] : WithPrefix(f, "errorstat_")) {
    int64_t n;
    if (SimpleAtoi(SubField(value, "count"), &n)) codes[LabelValue(code)] += n;
  }
  if (codes.empty()) return;
  constexpr std::string_view kName = "shoal_errors_total";
  w->Family(kName, "counter", "Error replies by error code (INFO errorstats).");
  for (const auto& [code, n] : codes) {
    w->Sample(kName, StrCat("code=\"", code, "\""), std::to_string(n));
  }
}

// db<N>:keys=N,expires=N,avg_ttl=N; databases without keys read 0.
void WriteKeyspace(const Fields& f, int databases, Writer* w) {
  std::map<int, std::pair<int64_t, int64_t>> dbs;
  for (int db = 0; db < databases; ++db) dbs[db] = {0, 0};
  for (const auto& [suffix, value] : WithPrefix(f, "db")) {
    int db;
    int64_t keys, expires;
    if (!SimpleAtoi(suffix, &db) || db < 0 || !SimpleAtoi(SubField(value, "keys"), &keys) ||
        !SimpleAtoi(SubField(value, "expires"), &expires)) {
      continue;
    }
    dbs[db] = {keys, expires};
  }
  if (dbs.empty()) return;
  w->Family("shoal_db_keys", "gauge", "Keys in each database.");
  for (const auto& [db, c] : dbs) {
    w->Sample("shoal_db_keys", StrCat("db=\"", db, "\""), std::to_string(c.first));
  }
  w->Family("shoal_db_keys_expiring", "gauge", "Keys with a TTL in each database.");
  for (const auto& [db, c] : dbs) {
    w->Sample("shoal_db_keys_expiring", StrCat("db=\"", db, "\""), std::to_string(c.second));
  }
}

// "0.000001" ... "1": a bound as the `le` label.
std::string BoundLabel(int64_t us) { return MicrosAsSeconds(us); }

void WriteLatency(const std::vector<LatencySeries>& series, Writer* w) {
  if (series.empty()) return;
  constexpr std::string_view kName = "shoal_command_latency_seconds";
  w->Family(kName, "histogram",
            "Latency of each command (latency-tracking), in seconds; buckets from the same "
            "histograms as LATENCY HISTOGRAM.");
  const std::string bucket = StrCat(kName, "_bucket");
  const std::string sum = StrCat(kName, "_sum");
  const std::string count = StrCat(kName, "_count");
  for (const LatencySeries& s : series) {
    const std::string cmd = StrCat("cmd=\"", LabelValue(s.cmd), "\"");
    for (size_t i = 0; i < kLatencyBoundsUs.size(); ++i) {
      w->Sample(bucket, StrCat(cmd, ",le=\"", BoundLabel(kLatencyBoundsUs[i]), "\""),
                std::to_string(s.cumulative[i]));
    }
    w->Sample(bucket, StrCat(cmd, ",le=\"+Inf\""), std::to_string(s.count));
    w->Sample(sum, cmd, MicrosAsSeconds(s.sum_us));
    w->Sample(count, cmd, std::to_string(s.count));
  }
}

}  // namespace

LatencySeries FoldLatency(std::string cmd, const HistogramSnapshot& h) {
  LatencySeries s;
  s.cmd = std::move(cmd);
  std::array<uint64_t, kLatencyBoundsUs.size()> per_bound{};
  for (int i = 0; i < LatencyBuckets::kCount; ++i) {
    const uint64_t n = h.count(i);
    if (n == 0) continue;
    const int64_t lowest = LatencyBuckets::ValueAt(i);
    const int64_t highest_us = LatencyBuckets::HighestEquivalent(lowest) / 1000;
    // 0 us is recorded as 1 ns: the only bucket without a whole microsecond.
    const int64_t lowest_us = std::min((lowest + 999) / 1000, highest_us);
    s.count += n;
    s.sum_us += static_cast<int64_t>(n) * ((lowest_us + highest_us) / 2);
    // Everything from 1 s up is recorded as 1 s: that bucket is +Inf's alone.
    if (LatencyBuckets::HighestEquivalent(lowest) >= LatencyBuckets::kMaxNs) {
      continue;
    }
    auto bound = std::lower_bound(kLatencyBoundsUs.begin(), kLatencyBoundsUs.end(), lowest_us);
    if (bound != kLatencyBoundsUs.end()) per_bound[bound - kLatencyBoundsUs.begin()] += n;
  }
  uint64_t running = 0;
  for (size_t i = 0; i < per_bound.size(); ++i) {
    running += per_bound[i];
    s.cumulative[i] = running;
  }
  return s;
}

std::string FormatMetrics(const MetricsInput& input) {
  const Fields fields = ParseInfo(input.info);
  Writer w;
  WriteScalars(fields, &w);
  WriteKeyspace(fields, input.databases, &w);
  WriteCommandStats(fields, &w);
  WriteErrorStats(fields, &w);
  WriteLatency(input.latency, &w);
  return w.Take();
}

std::string BuildMetrics(ServerState& server, Store& store, const EventCounts& events,
                         std::string_view extra_info) {
  static constexpr std::string_view kSections[] = {
      "server", "clients",      "memory",     "stats",   "replication",
      "cpu",    "commandstats", "errorstats", "cluster", "keyspace"};
  std::string info = BuildInfo(server, store, events, CmdArgs(kSections));
  info += "\r\n";
  info += extra_info;
  MetricsInput input;
  input.info = info;
  // Cluster mode serves db 0 only.
  input.databases =
      server.runtime().cluster_enabled.load(std::memory_order_relaxed) ? 1 : store.databases();
  const CommandTable& table = server.table();
  for (int id = 0; id < table.spec_count(); ++id) {
    // Most commands never ran: skip them before building a 24 KB snapshot.
    bool ran = false;
    for (int w = 0; w < server.workers() && !ran; ++w) {
      ran = server.worker_stats(w).latency.Get(id) != nullptr;
    }
    if (!ran) continue;
    HistogramSnapshot h;
    if (CommandLatency(server, id, &h)) {
      input.latency.push_back(FoldLatency(std::string(table.ById(id)->name), h));
    }
  }
  return FormatMetrics(input);
}

std::vector<std::string_view> MappedInfoFields() {
  std::vector<std::string_view> out;
  for (const Scalar& s : kScalars) {
    if (s.source == Source::kInfo) out.push_back(s.field);
  }
  for (const InfoLabel& l : kInfoLabels) out.push_back(l.field);
  return out;
}

}  // namespace shoal
