// Tests for the latency monitor: the threshold, one sample per second, the
// 160-sample history, LATEST, RESET and the doctor's report.
#include "server/dispatch/latency_monitor.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace shoal {
namespace {

TEST(LatencyMonitor, KeepsOnlySamplesAtTheThreshold) {
  LatencyMonitor m;
  m.AddSampleIfNeeded("command", 50, 1000);  // threshold 0: monitor off
  EXPECT_TRUE(m.Latest().empty());
  m.threshold_ms = 10;
  m.AddSampleIfNeeded("command", 9, 1000);
  EXPECT_TRUE(m.Latest().empty());
  m.AddSampleIfNeeded("command", 10, 1000);
  ASSERT_EQ(m.Latest().size(), 1u);
  EXPECT_EQ(m.Latest()[0].latest_ms, 10);
}

TEST(LatencyMonitor, OneSamplePerSecondTheLargest) {
  LatencyMonitor m;
  m.AddSample("command", 20, 1000);
  m.AddSample("command", 50, 1000);
  m.AddSample("command", 30, 1000);
  m.AddSample("command", 15, 1001);
  std::vector<LatencySample> h = m.History("command");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].unix_s, 1000);
  EXPECT_EQ(h[0].ms, 50);
  EXPECT_EQ(h[1].unix_s, 1001);
  EXPECT_EQ(h[1].ms, 15);
  LatencyLatest l = m.Latest()[0];
  EXPECT_EQ(l.event, "command");
  EXPECT_EQ(l.unix_s, 1001);
  EXPECT_EQ(l.latest_ms, 15);
  EXPECT_EQ(l.max_ms, 50);
  EXPECT_TRUE(m.History("nosuch").empty());
}

TEST(LatencyMonitor, HistoryKeepsTheNewest160OldestFirst) {
  LatencyMonitor m;
  for (int i = 0; i < 200; ++i) m.AddSample("expire-cycle", i + 1, 1000 + i);
  std::vector<LatencySample> h = m.History("expire-cycle");
  ASSERT_EQ(h.size(), static_cast<size_t>(LatencyMonitor::kHistoryLen));
  EXPECT_EQ(h.front().unix_s, 1040);
  EXPECT_EQ(h.back().unix_s, 1199);
  EXPECT_EQ(m.Latest()[0].max_ms, 200);
}

TEST(LatencyMonitor, ResetCountsEventsThatExisted) {
  LatencyMonitor m;
  m.AddSample("command", 5, 1);
  m.AddSample("fast-command", 5, 1);
  EXPECT_EQ(m.Reset({"nosuch", "command"}), 1);
  EXPECT_EQ(m.Latest().size(), 1u);
  EXPECT_EQ(m.Reset({}), 1);
  EXPECT_EQ(m.Reset({}), 0);
}

TEST(LatencyMonitor, DoctorReportsEachEvent) {
  LatencyMonitor m;
  EXPECT_NE(m.Doctor(2000, 10000).find("disabled"), std::string::npos);
  m.threshold_ms = 5;
  EXPECT_NE(m.Doctor(2000, 10000).find("No latency spike"), std::string::npos);
  m.AddSample("command", 10, 1990);
  m.AddSample("command", 30, 1995);
  std::string report = m.Doctor(2000, 10000);
  EXPECT_NE(report.find("1. command: 2 latency spikes (average 20ms, mean deviation 10ms, "
                        "period 5.00 sec). Worst all time event 30ms."),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("CONFIG SET slowlog-log-slower-than 5000"), std::string::npos);
}

// What redis-server 7.0.15 wrote for samples of 50, 200 and 120 ms taken 3,
// 2 and 0 seconds before (the bytes of its reply).
TEST(LatencyGraph, MatchesRedisServer) {
  const int64_t now = 1796684937;
  std::vector<LatencySample> samples = {{now - 3, 50}, {now - 2, 200}, {now, 120}};
  EXPECT_EQ(RenderLatencyGraph("command", samples, 200, now),
            "command - high 200 ms, low 50 ms (all time high 200 ms)\n" + std::string(80, '-') +
                "\n"
                " # \n"
                " | \n"
                " |#\n"
                "_||\n"
                "   \n"
                "320\n"
                "sss\n");
}

// One sample (high == low) sits on the bottom, as in redis-server's reply.
TEST(LatencyGraph, OneSampleSitsOnTheBottom) {
  const int64_t now = 1000000;
  std::vector<LatencySample> one = {{now, 157}};
  EXPECT_EQ(RenderLatencyGraph("command", one, 157, now),
            "command - high 157 ms, low 157 ms (all time high 157 ms)\n" + std::string(80, '-') +
                "\n \n \n \n_\n \n0\ns\n");
}

TEST(LatencyGraph, LabelsInMinutesHoursAndDays) {
  const int64_t now = 1000000;
  std::vector<LatencySample> old = {{now - 90, 10}, {now - 7200, 20}, {now - 3 * 86400, 30}};
  const std::string g = RenderLatencyGraph("e", old, 30, now);
  EXPECT_NE(g.find("\n123\nmhd\n"), std::string::npos) << g;
}

}  // namespace
}  // namespace shoal
