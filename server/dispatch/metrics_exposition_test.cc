// Tests for the Prometheus exposition of INFO's figures: the text is valid
// exposition format line by line, fields map to the right families and
// types, odd input (missing, non-numeric, hostile label values) is left out
// or escaped, latency histograms fold into cumulative buckets, and every
// field the table reads is still in INFO (so a renamed INFO field cannot
// silently drop a metric).
#include "server/dispatch/metrics_exposition.h"

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace shoal {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

// Checks the text line by line against the exposition format (0.0.4):
// HELP/TYPE comments, one TYPE per family before its samples, sample syntax,
// counters ending in _total, and every sample belonging to a declared family.
void ExpectValidExposition(const std::string& text) {
  ASSERT_FALSE(text.empty());
  ASSERT_EQ(text.back(), '\n');
  static const std::regex kHelp(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) [^\n]*)");
  static const std::regex kType(
      R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
  static const std::regex kSample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*")(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*")*\})? (-?[0-9]+(\.[0-9]+)?|\+Inf))");
  std::map<std::string, std::string> types;
  std::set<std::string> helped;
  std::string current;  // family whose samples may follow
  for (const std::string& line : Lines(text)) {
    std::smatch m;
    if (std::regex_match(line, m, kHelp)) {
      EXPECT_TRUE(helped.insert(m[1]).second) << "second HELP: " << line;
      continue;
    }
    if (std::regex_match(line, m, kType)) {
      EXPECT_TRUE(types.emplace(m[1], m[2]).second) << "second TYPE: " << line;
      EXPECT_TRUE(helped.count(m[1])) << "TYPE before HELP: " << line;
      current = m[1];
      if (m[2] == "counter") {
        EXPECT_TRUE(current.ends_with("_total")) << line;
      }
      continue;
    }
    ASSERT_TRUE(std::regex_match(line, m, kSample)) << "not a sample: " << line;
    std::string name = m[1];
    std::string family = name;
    if (types[current] == "histogram") {
      for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        if (name == current + suffix) family = current;
      }
    }
    EXPECT_EQ(family, current) << "sample outside its family: " << line;
  }
}

// The value of the sample written exactly as `series` (name and labels).
std::string Sample(const std::string& text, const std::string& series) {
  for (const std::string& line : Lines(text)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return line.substr(series.size() + 1);
    }
  }
  return "<absent>";
}

constexpr char kInfo[] =
    "# Server\r\n"
    "redis_version:7.2.4\r\n"
    "uptime_in_seconds:42\r\n"
    "\r\n# Clients\r\n"
    "connected_clients:3\r\n"
    "blocked_clients:1\r\n"
    "\r\n# Memory\r\n"
    "used_memory:1048576\r\n"
    "maxmemory:0\r\n"
    "maxmemory_policy:allkeys-lru\r\n"
    "mem_fragmentation_ratio:1.25\r\n"
    "\r\n# Stats\r\n"
    "total_connections_received:7\r\n"
    "total_commands_processed:100\r\n"
    "keyspace_hits:5\r\n"
    "keyspace_misses:nope\r\n"
    "evicted_keys:2\r\n"
    "\r\n# Replication\r\n"
    "role:master\r\n"
    "connected_slaves:0\r\n"
    "slave0:ip=127.0.0.1,port=7000,state=online,offset=5,lag=0\r\n"
    "\r\n# CPU\r\n"
    "used_cpu_sys:0.012000\r\n"
    "\r\n# Commandstats\r\n"
    "cmdstat_get:calls=10,usec=25,usec_per_call=2.50,rejected_calls=1,failed_calls=0\r\n"
    "cmdstat_client|list:calls=2,usec=3000001,usec_per_call=1500000.50,rejected_calls=0,"
    "failed_calls=0\r\n"
    "\r\n# Errorstats\r\n"
    "errorstat_ERR:count=4\r\n"
    "errorstat_WRONGTYPE:count=1\r\n"
    "\r\n# Cluster\r\n"
    "cluster_enabled:0\r\n"
    "\r\n# Keyspace\r\n"
    "db0:keys=12,expires=3,avg_ttl=0\r\n"
    "db2:keys=1,expires=0,avg_ttl=0\r\n";

TEST(MetricsExposition, MapsInfoFieldsToFamilies) {
  MetricsInput in;
  in.info = kInfo;
  in.databases = 4;
  std::string text = FormatMetrics(in);
  ExpectValidExposition(text);
  EXPECT_EQ(Sample(text, "shoal_uptime_seconds"), "42");
  EXPECT_EQ(Sample(text, "shoal_connected_clients"), "3");
  EXPECT_EQ(Sample(text, "shoal_blocked_clients"), "1");
  EXPECT_EQ(Sample(text, "shoal_used_memory_bytes"), "1048576");
  EXPECT_EQ(Sample(text, "shoal_mem_fragmentation_ratio"), "1.25");
  EXPECT_EQ(Sample(text, "shoal_connections_received_total"), "7");
  EXPECT_EQ(Sample(text, "shoal_commands_processed_total"), "100");
  EXPECT_EQ(Sample(text, "shoal_keyspace_hits_total"), "5");
  EXPECT_EQ(Sample(text, "shoal_evicted_keys_total"), "2");
  EXPECT_EQ(Sample(text, "shoal_cpu_sys_seconds_total"), "0.012000");
  EXPECT_EQ(Sample(text, "shoal_cluster_enabled"), "0");
  EXPECT_EQ(Sample(text, "shoal_replication_role{role=\"master\"}"), "1");
  EXPECT_EQ(Sample(text, "shoal_maxmemory_policy{policy=\"allkeys-lru\"}"), "1");
  EXPECT_NE(text.find("# TYPE shoal_evicted_keys_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE shoal_used_memory_bytes gauge\n"), std::string::npos);
}

TEST(MetricsExposition, LeavesOutMissingAndNonNumericFields) {
  MetricsInput in;
  in.info = kInfo;
  std::string text = FormatMetrics(in);
  // keyspace_misses:nope is not a number; cluster_state is not in INFO.
  EXPECT_EQ(text.find("shoal_keyspace_misses_total"), std::string::npos);
  EXPECT_EQ(text.find("shoal_cluster_state"), std::string::npos);
  EXPECT_EQ(text.find("shoal_master_link_up"), std::string::npos);
  EXPECT_EQ(FormatMetrics(MetricsInput{}), "");
}

TEST(MetricsExposition, CommandStatsBecomeLabelledCounters) {
  MetricsInput in;
  in.info = kInfo;
  std::string text = FormatMetrics(in);
  EXPECT_EQ(Sample(text, "shoal_command_calls_total{cmd=\"get\"}"), "10");
  EXPECT_EQ(Sample(text, "shoal_command_calls_total{cmd=\"client|list\"}"), "2");
  EXPECT_EQ(Sample(text, "shoal_command_duration_seconds_total{cmd=\"get\"}"), "0.000025");
  EXPECT_EQ(Sample(text, "shoal_command_duration_seconds_total{cmd=\"client|list\"}"), "3.000001");
  EXPECT_EQ(Sample(text, "shoal_command_rejected_calls_total{cmd=\"get\"}"), "1");
  EXPECT_EQ(Sample(text, "shoal_command_failed_calls_total{cmd=\"get\"}"), "0");
  EXPECT_EQ(Sample(text, "shoal_errors_total{code=\"ERR\"}"), "4");
  EXPECT_EQ(Sample(text, "shoal_errors_total{code=\"WRONGTYPE\"}"), "1");
}

TEST(MetricsExposition, EveryDatabaseHasKeyGauges) {
  MetricsInput in;
  in.info = kInfo;
  in.databases = 4;
  std::string text = FormatMetrics(in);
  EXPECT_EQ(Sample(text, "shoal_db_keys{db=\"0\"}"), "12");
  EXPECT_EQ(Sample(text, "shoal_db_keys_expiring{db=\"0\"}"), "3");
  EXPECT_EQ(Sample(text, "shoal_db_keys{db=\"1\"}"), "0");
  EXPECT_EQ(Sample(text, "shoal_db_keys{db=\"2\"}"), "1");
  EXPECT_EQ(Sample(text, "shoal_db_keys{db=\"3\"}"), "0");
  EXPECT_EQ(Sample(text, "shoal_db_keys{db=\"4\"}"), "<absent>");
}

// Scripts choose their error codes: any byte may reach a label value.
TEST(MetricsExposition, EscapesAndMergesHostileLabelValues) {
  MetricsInput in;
  std::string info =
      "errorstat_A\"B:count=1\r\n"
      "errorstat_C\\D:count=2\r\n"
      "errorstat_E\x01:count=3\r\n"
      "errorstat_E\x02:count=4\r\n"
      "errorstat_F:G:count=5\r\n";
  in.info = info;
  std::string text = FormatMetrics(in);
  ExpectValidExposition(text);
  EXPECT_EQ(Sample(text, "shoal_errors_total{code=\"A\\\"B\"}"), "1");
  EXPECT_EQ(Sample(text, "shoal_errors_total{code=\"C\\\\D\"}"), "2");
  EXPECT_EQ(Sample(text, "shoal_errors_total{code=\"E?\"}"), "7");
  EXPECT_EQ(Sample(text, "shoal_errors_total{code=\"F:G\"}"), "5");
}

TEST(MetricsExposition, ClusterGauges) {
  MetricsInput in;
  in.info =
      "cluster_enabled:1\r\n"
      "cluster_state:ok\r\n"
      "cluster_slots_assigned:16384\r\n"
      "cluster_slots_ok:16384\r\n"
      "cluster_slots_pfail:0\r\n"
      "cluster_slots_fail:0\r\n"
      "cluster_known_nodes:3\r\n"
      "cluster_size:3\r\n"
      "cluster_stats_messages_sent:120\r\n"
      "cluster_migration_plan:0\r\n"
      "cluster_migration_keys_moved:17\r\n"
      "cluster_migration_plan:9\r\n";  // a later duplicate does not override
  std::string text = FormatMetrics(in);
  ExpectValidExposition(text);
  EXPECT_EQ(Sample(text, "shoal_cluster_state"), "1");
  EXPECT_EQ(Sample(text, "shoal_cluster_slots_assigned"), "16384");
  EXPECT_EQ(Sample(text, "shoal_cluster_known_nodes"), "3");
  EXPECT_EQ(Sample(text, "shoal_cluster_size"), "3");
  EXPECT_EQ(Sample(text, "shoal_cluster_messages_sent_total"), "120");
  EXPECT_EQ(Sample(text, "shoal_cluster_migration_plan"), "0");
  EXPECT_EQ(Sample(text, "shoal_cluster_migration_keys_moved_total"), "17");
  in.info = "cluster_state:fail\n";  // LF line ends work too
  EXPECT_EQ(Sample(FormatMetrics(in), "shoal_cluster_state"), "0");
}

TEST(MetricsExposition, FoldsLatencyIntoCumulativeBuckets) {
  HistogramSnapshot h;
  for (int64_t us : {0, 1, 1, 2, 3, 100, 1000, 999'999, 2'000'000}) h.Record(us);
  LatencySeries s = FoldLatency("get", h);
  EXPECT_EQ(s.count, 9u);
  // le=1us: 0, 1, 1; le=2us: + 2; le=5us: + 3; le=100us: + 100.
  EXPECT_EQ(s.cumulative[0], 3u);
  EXPECT_EQ(s.cumulative[1], 4u);
  EXPECT_EQ(s.cumulative[2], 5u);
  EXPECT_EQ(s.cumulative[5], 5u);  // le=50us
  EXPECT_EQ(s.cumulative[6], 6u);  // le=100us
  EXPECT_EQ(s.cumulative[9], 7u);  // le=1ms: HDR counts 1000 us exactly
  // 999999 us shares an HDR bucket with values past 1 s, and 2 s is capped
  // at 1 s by the histogram: both only under +Inf.
  EXPECT_EQ(s.cumulative.back(), 7u);
  for (size_t i = 1; i < s.cumulative.size(); ++i) EXPECT_LE(s.cumulative[i - 1], s.cumulative[i]);
  // Exact for the small ones, within 1% for the rest; the histogram holds
  // 2 s as 1 s.
  EXPECT_GE(s.sum_us, 0 + 1 + 1 + 2 + 3 + 100 + 1000 + 2 * 990'000);
  EXPECT_LE(s.sum_us, 1107 + 2 * 1'010'000);

  MetricsInput in;
  in.latency.push_back(s);
  std::string text = FormatMetrics(in);
  ExpectValidExposition(text);
  EXPECT_NE(text.find("# TYPE shoal_command_latency_seconds histogram\n"), std::string::npos);
  EXPECT_EQ(Sample(text, "shoal_command_latency_seconds_bucket{cmd=\"get\",le=\"0.000001\"}"), "3");
  EXPECT_EQ(Sample(text, "shoal_command_latency_seconds_bucket{cmd=\"get\",le=\"0.00025\"}"), "6");
  EXPECT_EQ(Sample(text, "shoal_command_latency_seconds_bucket{cmd=\"get\",le=\"1\"}"), "7");
  EXPECT_EQ(Sample(text, "shoal_command_latency_seconds_bucket{cmd=\"get\",le=\"+Inf\"}"), "9");
  EXPECT_EQ(Sample(text, "shoal_command_latency_seconds_count{cmd=\"get\"}"), "9");
  EXPECT_NE(Sample(text, "shoal_command_latency_seconds_sum{cmd=\"get\"}"), "<absent>");
}

TEST(MetricsExposition, EmptyHistogramFoldsToZero) {
  LatencySeries s = FoldLatency("ping", HistogramSnapshot());
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.sum_us, 0);
  EXPECT_EQ(s.cumulative.back(), 0u);
}

void Noop(CommandContext&, CmdArgs) {}

// The real INFO of a standalone server still has every field the table
// reads, and BuildMetrics turns a recorded command into a valid page.
TEST(MetricsExposition, BuildMetricsReadsTheRealInfo) {
  CommandTable table;
  CommandSpec get;
  get.name = "get";
  get.arity = 2;
  get.handler = Noop;
  table.Register(std::move(get));
  RuntimeConfig rc;
  ServerState server(&table, &rc, 2, nullptr, nullptr);
  StoreOptions so;
  so.databases = 16;
  Store store(so);

  std::string info = BuildInfo(server, store, EventCounts{}, CmdArgs());
  for (std::string_view field : MappedInfoFields()) {
    EXPECT_NE(info.find("\r\n" + std::string(field) + ":"), std::string::npos)
        << field << " is no longer in INFO";
  }

  const int id = table.Find("get")->id;
  for (int w = 0; w < 2; ++w) {
    server.worker_stats(w).commands[id].calls.store(3);
    server.worker_stats(w).commands[id].usec.store(6);
    for (int i = 0; i < 3; ++i) server.worker_stats(w).latency.Record(id, 2);
  }
  std::string text = BuildMetrics(server, store, EventCounts{}, "cluster_state:ok\r\n");
  ExpectValidExposition(text);
  EXPECT_EQ(Sample(text, "shoal_command_calls_total{cmd=\"get\"}"), "6");
  EXPECT_EQ(Sample(text, "shoal_command_duration_seconds_total{cmd=\"get\"}"), "0.000012");
  EXPECT_EQ(Sample(text, "shoal_command_latency_seconds_count{cmd=\"get\"}"), "6");
  EXPECT_EQ(Sample(text, "shoal_command_latency_seconds_bucket{cmd=\"get\",le=\"0.000002\"}"), "6");
  EXPECT_EQ(Sample(text, "shoal_command_latency_seconds_sum{cmd=\"get\"}"), "0.000012");
  EXPECT_EQ(Sample(text, "shoal_db_keys{db=\"15\"}"), "0");
  EXPECT_EQ(Sample(text, "shoal_cluster_state"), "1");
  EXPECT_EQ(Sample(text, "shoal_replication_role{role=\"master\"}"), "1");
}

}  // namespace
}  // namespace shoal
