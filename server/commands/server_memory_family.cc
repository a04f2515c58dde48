// The server family's diagnostics of memory and modules: MEMORY USAGE /
// STATS / DOCTOR / MALLOC-STATS / PURGE / HELP, MODULE LIST / HELP.
// RegisterServerCommands (server_family.cc) registers them.
//
// Shoal loads no Redis modules (they are C against redis-server's internal
// API): MODULE LIST answers, truthfully, an empty list, which is what tools
// that probe for RedisJSON or RediSearch at connect time ask; MODULE LOAD,
// LOADEX and UNLOAD are not served (unknown subcommand).
//
// Only MEMORY USAGE touches a key; the dispatcher holds its stripe.
#include <malloc.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "server/commands/server_family.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/info_section.h"

namespace shoal {
namespace {

using server_family::ContainerArity;
using server_family::kLoadingStale;
using server_family::ReplyHelp;

// Per-key bytes a slot table spends beside the entry itself (slot pointer,
// control byte, load-factor slack): MEMORY USAGE's table overhead estimate.
constexpr int64_t kTableOverheadPerKey = 16;

// ---------------------------------------------------------------- MEMORY

void MemoryUsage(CommandContext& ctx, CmdArgs args) {
  for (size_t i = 3; i < args.size(); ++i) {
    if (ArgIs(args[i], "samples") && i + 1 < args.size()) {
      int64_t samples;
      if (!ParseInt(args[i + 1], &samples)) return ctx.Error(kErrNotInteger);
      if (samples < 0) return ctx.Error(kErrSyntax);
      ++i;  // values are measured whole: sampling changes nothing
    } else {
      return ctx.Error(kErrSyntax);
    }
  }
  const Entry* e = ctx.store->Find(ctx.db(), args[2], Store::Lookup::kWrite);
  if (e == nullptr) return ctx.reply->NullBulk();
  ctx.reply->Integer(static_cast<int64_t>(e->MemoryBytes()) + kTableOverheadPerKey);
}

// As Redis's: one db.<n> map per db with keys (overhead.hashtable.main is
// the db's slot tables; Shoal keeps expire times in the entries, so no
// expires table), overhead.total = startup + those + the eviction policy's
// side structures (eviction.policy, Shoal's own field), dataset = total -
// overhead, and keys.bytes-per-key = (total - startup) / keys.
void MemoryStats(CommandContext& ctx, CmdArgs args) {
  Store& store = *ctx.store;
  const MemoryOverview mem = ComputeMemoryOverview(store);
  const int64_t used = mem.used;
  int64_t peak = PeakUsedMemory();
  int64_t rss = ProcessRssBytes();
  int64_t keys = 0;
  std::vector<std::pair<int, int64_t>> dbs;  // (db, table bytes) of dbs with keys
  for (int db = 0; db < store.databases(); ++db) {
    const int64_t n = store.Counts(db).keys;
    keys += n;
    if (n > 0) dbs.emplace_back(db, mem.detail.table_bytes[static_cast<size_t>(db)]);
  }
  ReplyBuilder* rb = ctx.reply;
  rb->MapHeader(12 + static_cast<int64_t>(dbs.size()));
  auto integer = [rb](std::string_view k, int64_t v) {
    rb->Bulk(k);
    rb->Integer(v);
  };
  auto dbl = [rb](std::string_view k, double v) {
    rb->Bulk(k);
    rb->Double(v);
  };
  integer("peak.allocated", peak);
  integer("total.allocated", used);
  integer("startup.allocated", kUsedMemoryBaseline);
  integer("eviction.policy", mem.detail.policy_bytes);
  for (const auto& [db, bytes] : dbs) {
    rb->Bulk("db." + std::to_string(db));
    rb->MapHeader(2);
    integer("overhead.hashtable.main", bytes);
    integer("overhead.hashtable.expires", 0);
  }
  integer("overhead.total", mem.overhead);
  integer("keys.count", keys);
  integer("keys.bytes-per-key", keys ? mem.net / keys : 0);
  integer("dataset.bytes", mem.dataset);
  dbl("dataset.percentage", 100.0 * static_cast<double>(mem.dataset) / static_cast<double>(mem.net));
  dbl("peak.percentage", peak ? 100.0 * used / peak : 0);
  dbl("fragmentation", used ? static_cast<double>(rss) / used : 0);
  integer("fragmentation.bytes", rss - used);
}

void MemoryDoctor(CommandContext& ctx, CmdArgs args) {
  int64_t used = ReportedUsedMemory(*ctx.store);
  int64_t rss = ProcessRssBytes();
  double frag = used ? static_cast<double>(rss) / used : 0;
  std::string report;
  if (used < 5 * 1024 * 1024) {
    report = "This instance holds too little data for a meaningful memory diagnosis.\n";
  } else if (frag > 1.4) {
    char buf[160];
    snprintf(buf, sizeof(buf),
             "High fragmentation: the process holds %.2f times the memory its data uses "
             "(RSS %s, data %s).\n",
             frag, BytesToHuman(rss).c_str(), BytesToHuman(used).c_str());
    report = buf;
  } else {
    report = "No memory problems detected.\n";
  }
  ctx.reply->Verbatim("txt", report);
}

void MemoryMallocStats(CommandContext& ctx, CmdArgs args) {
  ctx.reply->Verbatim("txt", "Stats not supported for the current allocator");
}

void MemoryPurge(CommandContext& ctx, CmdArgs args) {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
  ctx.reply->Ok();
}

void MemoryHelp(CommandContext& ctx, CmdArgs args) {
  // redis-server 7.0.15's text, line for line.
  ReplyHelp(ctx, "MEMORY",
            {"DOCTOR", "    Return memory problems reports.", "MALLOC-STATS",
             "    Return internal statistics report from the memory allocator.", "PURGE",
             "    Attempt to purge dirty pages for reclamation by the allocator.", "STATS",
             "    Return information about the memory usage of the server.",
             "USAGE <key> [SAMPLES <count>]",
             "    Return memory in bytes used by <key> and its value. Nested values are",
             "    sampled up to <count> times (default: 5, 0 means sample all)."});
}

// MODULE LIST: the loaded modules, one map each; none here.
void ModuleList(CommandContext& ctx, CmdArgs) { ctx.reply->ArrayHeader(0); }

void ModuleHelp(CommandContext& ctx, CmdArgs) {
  ReplyHelp(ctx, "MODULE", {"LIST", "    Return a list of loaded modules."});
}

}  // namespace

namespace server_family {

void RegisterServerMemoryCommands(CommandTable* table) {
  CommandSpec memory = MakeSpec("memory", -2, 0, {}, ContainerArity,
                                {.group = "server",
                                 .since = "4.0.0",
                                 .summary = "A container for memory diagnostics commands.",
                                 .complexity = "Depends on subcommand.",
                                 .acl_categories = "@slow"});
  CommandSpec usage = MakeSpec("memory|usage", -3, kCmdReadOnly, {}, MemoryUsage,
                               {.group = "server",
                                .since = "4.0.0",
                                .summary = "Estimates the memory usage of a key.",
                                .complexity = "O(N) where N is the number of samples.",
                                .syntax = "key [SAMPLES count]",
                                .acl_categories = "@read @slow"});
  usage.first_key = 2;
  usage.last_key = 2;
  usage.key_step = 1;
  memory.subcommands = {
      MakeSpec("memory|doctor", 2, 0, {}, MemoryDoctor,
               {.group = "server",
                .since = "4.0.0",
                .summary = "Outputs a memory problems report.",
                .complexity = "O(1)",
                .acl_categories = "@slow"}),
      MakeSpec("memory|help", 2, kLoadingStale, {}, MemoryHelp,
               {.group = "server",
                .since = "4.0.0",
                .summary = "Returns helpful text about the different subcommands.",
                .complexity = "O(1)",
                .acl_categories = "@slow"}),
      MakeSpec("memory|malloc-stats", 2, 0, {}, MemoryMallocStats,
               {.group = "server",
                .since = "4.0.0",
                .summary = "Returns the allocator statistics.",
                .complexity = "Depends on how much memory is allocated, could be slow",
                .acl_categories = "@slow"}),
      MakeSpec("memory|purge", 2, 0, {}, MemoryPurge,
               {.group = "server",
                .since = "4.0.0",
                .summary = "Asks the allocator to release memory.",
                .complexity = "Depends on how much memory is allocated, could be slow",
                .acl_categories = "@slow"}),
      MakeSpec("memory|stats", 2, 0, {}, MemoryStats,
               {.group = "server",
                .since = "4.0.0",
                .summary = "Returns details about memory usage.",
                .complexity = "O(1)",
                .acl_categories = "@slow"}),
      std::move(usage),
  };
  table->Register(std::move(memory));

  CommandSpec module = MakeSpec("module", -2, 0, {}, ContainerArity,
                                {.group = "server",
                                 .since = "4.0.0",
                                 .summary = "A container for module commands.",
                                 .complexity = "Depends on subcommand.",
                                 .acl_categories = "@slow"});
  module.subcommands = {
      MakeSpec("module|help", 2, kLoadingStale, {}, ModuleHelp,
               {.group = "server",
                .since = "5.0.0",
                .summary = "Returns helpful text about the different subcommands.",
                .complexity = "O(1)",
                .acl_categories = "@slow"}),
      MakeSpec("module|list", 2, kCmdAdmin | kCmdNoScript, {}, ModuleList,
               {.group = "server",
                .since = "4.0.0",
                .summary = "Returns all loaded modules.",
                .complexity = "O(N) where N is the number of loaded modules.",
                .acl_categories = "@admin @slow @dangerous"}),
  };
  table->Register(std::move(module));
}

}  // namespace server_family
}  // namespace shoal
