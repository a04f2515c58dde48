// LATENCY (LATEST, HISTORY, GRAPH, RESET, HISTOGRAM, DOCTOR, HELP) and MONITOR:
// Redis 7.2's observability commands over the latency monitor
// (server/dispatch/latency_monitor.h), the per-command histograms
// (latency_histogram.h, merged across workers by CommandLatency) and the
// monitor feed (monitor.h).
#include "base/strings.h"
#include "server/commands/families.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/command_table.h"
#include "server/dispatch/errors.h"
#include "server/dispatch/info_section.h"
#include "server/dispatch/latency_histogram.h"
#include "server/dispatch/latency_monitor.h"
#include "server/dispatch/monitor.h"
#include "server/dispatch/slowlog.h"

namespace shoal {
namespace {

void LatencyContainer(CommandContext& ctx, CmdArgs) { ctx.Error(WrongArityText(ctx.spec->name)); }

void LatencyLatestCmd(CommandContext& ctx, CmdArgs) {
  std::vector<LatencyLatest> rows = ProcessLatencyMonitor().Latest();
  ctx.reply->ArrayHeader(static_cast<int64_t>(rows.size()));
  for (const LatencyLatest& r : rows) {
    ctx.reply->ArrayHeader(4);
    ctx.reply->Bulk(r.event);
    ctx.reply->Integer(r.unix_s);
    ctx.reply->Integer(r.latest_ms);
    ctx.reply->Integer(r.max_ms);
  }
}

void LatencyHistoryCmd(CommandContext& ctx, CmdArgs args) {
  std::vector<LatencySample> samples = ProcessLatencyMonitor().History(args[2]);
  ctx.reply->ArrayHeader(static_cast<int64_t>(samples.size()));
  for (const LatencySample& s : samples) {
    ctx.reply->ArrayHeader(2);
    ctx.reply->Integer(s.unix_s);
    ctx.reply->Integer(s.ms);
  }
}

void LatencyGraphCmd(CommandContext& ctx, CmdArgs args) {
  LatencyMonitor& monitor = ProcessLatencyMonitor();
  std::vector<LatencySample> samples = monitor.History(args[2]);
  if (samples.empty()) {
    return ctx.Error(StrCat("ERR No samples available for event '", args[2], "'"));
  }
  int64_t all_time_max = 0;
  for (const LatencyLatest& r : monitor.Latest()) {
    if (r.event == args[2]) all_time_max = r.max_ms;
  }
  ctx.reply->Verbatim("txt", RenderLatencyGraph(args[2], samples, all_time_max,
                                                ctx.NowMs() / 1000));
}

void LatencyResetCmd(CommandContext& ctx, CmdArgs args) {
  std::vector<std::string> events;
  for (size_t i = 2; i < args.size(); ++i) events.emplace_back(args[i]);
  ctx.reply->Integer(ProcessLatencyMonitor().Reset(events));
}

void LatencyDoctorCmd(CommandContext& ctx, CmdArgs) {
  std::string report = ProcessLatencyMonitor().Doctor(
      ctx.NowMs() / 1000, ProcessSlowLog().slower_than_us.load(std::memory_order_relaxed));
  ctx.reply->Verbatim("txt", report);
}

// One command's entry: {calls, histogram_usec: {edge_us: cumulative}}.
void ReplyCommandHistogram(ReplyBuilder* r, const CommandSpec& spec, const HistogramSnapshot& h) {
  r->Bulk(spec.name);
  r->MapHeader(2);
  r->Bulk("calls");
  r->Integer(static_cast<int64_t>(h.total()));
  r->Bulk("histogram_usec");
  std::vector<std::pair<int64_t, uint64_t>> rows = h.PowerOfTwoCumulative();
  r->MapHeader(static_cast<int64_t>(rows.size()));
  for (const auto& [edge, count] : rows) {
    r->Integer(edge);
    r->Integer(static_cast<int64_t>(count));
  }
}

// LATENCY HISTOGRAM [command ...]: every command with data, or the named
// ones (a container names all its subcommands with data; unknown names and
// commands without data are skipped), as a map keyed by full name.
void LatencyHistogramCmd(CommandContext& ctx, CmdArgs args) {
  ServerState& server = *ctx.server;
  const CommandTable& table = server.table();
  std::vector<std::pair<const CommandSpec*, HistogramSnapshot>> out;
  auto add = [&](const CommandSpec& spec) {
    HistogramSnapshot h;
    if (CommandLatency(server, spec.id, &h)) out.emplace_back(&spec, std::move(h));
  };
  auto add_with_subs = [&](const CommandSpec& spec) {
    add(spec);
    for (const CommandSpec& sub : spec.subcommands) add(sub);
  };
  if (args.size() == 2) {
    for (const CommandSpec* spec : table.all()) add_with_subs(*spec);
  } else {
    for (size_t i = 2; i < args.size(); ++i) {
      std::string_view name = args[i];
      const size_t bar = name.find('|');
      const CommandSpec* spec = table.Find(name.substr(0, bar));
      if (spec != nullptr && bar != std::string_view::npos) {
        spec = CommandTable::FindSub(*spec, name.substr(bar + 1));
      }
      if (spec != nullptr) add_with_subs(*spec);
    }
  }
  ctx.reply->MapHeader(static_cast<int64_t>(out.size()));
  for (const auto& [spec, h] : out) ReplyCommandHistogram(ctx.reply, *spec, h);
}

void LatencyHelpCmd(CommandContext& ctx, CmdArgs) {
  static const char* kLines[] = {
      "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return a human readable latency analysis report.",
      "GRAPH <event>",
      "    Return an ASCII latency graph for the <event> class.",
      "HISTORY <event>",
      "    Return time-latency samples for the <event> class.",
      "LATEST",
      "    Return the latest latency samples for all events.",
      "RESET [<event> ...]",
      "    Reset latency data of one or more <event> classes.",
      "    (default: reset all data for all event classes)",
      "HISTOGRAM [COMMAND ...]",
      "    Return a cumulative distribution of latencies in the format of a histogram for the "
      "specified command names.",
      "    If no commands are specified then all histograms are replied.",
      "HELP",
      "    Prints this help."};
  ctx.reply->ArrayHeader(static_cast<int64_t>(std::size(kLines)));
  for (const char* l : kLines) ctx.reply->SimpleString(l);
}

// MONITOR: +OK, then a line per command of any client (monitor.h). A second
// MONITOR is ignored without a reply, as Redis ignores it.
void MonitorCmd(CommandContext& ctx, CmdArgs) {
  if (ctx.in_exec) {
    ctx.Error("ERR MONITOR isn't allowed for DENY BLOCKING client");
    return;
  }
  ClientSession* c = ctx.client;
  if (c->monitor.load(std::memory_order_relaxed)) return;
  c->monitor.store(true, std::memory_order_relaxed);
  ctx.server->monitors().Add(c);
  ctx.reply->Ok();
}

}  // namespace

void RegisterLatencyCommands(CommandTable* table) {
  constexpr uint32_t kAdmin = kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale;
  constexpr std::string_view kAcl = "@admin @slow @dangerous";
  CommandSpec latency = MakeSpec("latency", -2, 0, {}, LatencyContainer,
                                 {.group = "server",
                                  .since = "2.8.13",
                                  .summary = "A container for latency diagnostics commands.",
                                  .complexity = "Depends on subcommand.",
                                  .acl_categories = "@slow"});
  latency.subcommands = {
      MakeSpec("latency|doctor", 2, kAdmin, {}, LatencyDoctorCmd,
               {.group = "server",
                .since = "2.8.13",
                .summary = "Returns a human-readable latency analysis report.",
                .complexity = "O(1)",
                .acl_categories = kAcl}),
      MakeSpec("latency|histogram", -2, kAdmin, {}, LatencyHistogramCmd,
               {.group = "server",
                .since = "7.0.0",
                .summary = "Returns the cumulative distribution of latencies of a subset or all "
                           "commands.",
                .complexity = "O(N) where N is the number of commands with latency information "
                              "being retrieved.",
                .syntax = "[command [command ...]]",
                .acl_categories = kAcl}),
      MakeSpec("latency|graph", 3, kAdmin, {}, LatencyGraphCmd,
               {.group = "server",
                .since = "2.8.13",
                .summary = "Returns a latency graph for an event.",
                .complexity = "O(1)",
                .syntax = "event",
                .acl_categories = kAcl}),
      MakeSpec("latency|history", 3, kAdmin, {}, LatencyHistoryCmd,
               {.group = "server",
                .since = "2.8.13",
                .summary = "Returns timestamp-latency samples for an event.",
                .complexity = "O(1)",
                .syntax = "event",
                .acl_categories = kAcl}),
      MakeSpec("latency|latest", 2, kAdmin, {}, LatencyLatestCmd,
               {.group = "server",
                .since = "2.8.13",
                .summary = "Returns the latest latency samples for all events.",
                .complexity = "O(1)",
                .acl_categories = kAcl}),
      MakeSpec("latency|reset", -2, kAdmin, {}, LatencyResetCmd,
               {.group = "server",
                .since = "2.8.13",
                .summary = "Resets the latency data for one or more events.",
                .complexity = "O(1)",
                .syntax = "[event [event ...]]",
                .acl_categories = kAcl}),
      MakeSpec("latency|help", 2, kCmdLoading | kCmdStale, {}, LatencyHelpCmd,
               {.group = "server",
                .since = "2.8.13",
                .summary = "Returns helpful text about the different subcommands.",
                .complexity = "O(1)",
                .acl_categories = "@slow"}),
  };
  table->Register(std::move(latency));
  table->Register(MakeSpec("monitor", 1, kAdmin, {}, MonitorCmd,
                           {.group = "server",
                            .since = "1.0.0",
                            .summary = "Listens for all requests received by the server in "
                                       "real-time.",
                            .complexity = "",
                            .acl_categories = kAcl}));
}

}  // namespace shoal
