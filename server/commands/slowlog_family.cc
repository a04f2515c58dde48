// SLOWLOG GET / LEN / RESET / HELP over the process's SlowLog
// (server/dispatch/slowlog.h), with Redis 7's replies and errors.
#include "base/strings.h"
#include "server/commands/families.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/command_table.h"
#include "server/dispatch/errors.h"
#include "server/dispatch/slowlog.h"

namespace shoal {
namespace {

void SlowlogContainer(CommandContext& ctx, CmdArgs) {
  ctx.Error(WrongArityText(ctx.spec->name));
}

void SlowlogGet(CommandContext& ctx, CmdArgs args) {
  int64_t count = 10;
  if (args.size() == 3 && (!SimpleAtoi(args[2], &count) || count < -1)) {
    ctx.Error("ERR count should be greater than or equal to -1");
    return;
  }
  std::vector<SlowLogEntry> entries = ProcessSlowLog().Get(count);
  ReplyBuilder* r = ctx.reply;
  r->ArrayHeader(static_cast<int64_t>(entries.size()));
  for (const SlowLogEntry& e : entries) {
    r->ArrayHeader(6);
    r->Integer(e.id);
    r->Integer(e.unix_s);
    r->Integer(e.duration_us);
    r->ArrayHeader(static_cast<int64_t>(e.args.size()));
    for (const std::string& a : e.args) r->Bulk(a);
    r->Bulk(e.client_addr);
    r->Bulk(e.client_name);
  }
}

void SlowlogLen(CommandContext& ctx, CmdArgs) { ctx.reply->Integer(ProcessSlowLog().Len()); }

void SlowlogReset(CommandContext& ctx, CmdArgs) {
  ProcessSlowLog().Reset();
  ctx.reply->Ok();
}

void SlowlogHelp(CommandContext& ctx, CmdArgs) {
  static const char* kLines[] = {
      "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET [<count>]",
      "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
      "    Entries are made of:",
      "    id, timestamp, time in microseconds, arguments array, client IP and port,",
      "    client name",
      "LEN",
      "    Return the length of the slowlog.",
      "RESET",
      "    Reset the slowlog.",
      "HELP",
      "    Prints this help."};
  ctx.reply->ArrayHeader(static_cast<int64_t>(std::size(kLines)));
  for (const char* l : kLines) ctx.reply->SimpleString(l);
}

}  // namespace

void RegisterSlowlogCommands(CommandTable* table) {
  constexpr uint32_t kAdmin = kCmdAdmin | kCmdLoading | kCmdStale;
  CommandSpec slowlog = MakeSpec("slowlog", -2, 0, {}, SlowlogContainer,
                                 {.group = "server",
                                  .since = "2.2.12",
                                  .summary = "A container for slow log commands.",
                                  .complexity = "Depends on subcommand.",
                                  .acl_categories = "@slow"});
  slowlog.subcommands = {
      MakeSpec("slowlog|get", -2, kAdmin, {}, SlowlogGet,
               {.group = "server",
                .since = "2.2.12",
                .summary = "Returns the slow log's entries.",
                .complexity = "O(N) where N is the number of entries returned",
                .syntax = "[count]",
                .acl_categories = "@admin @slow @dangerous"}),
      MakeSpec("slowlog|len", 2, kAdmin, {}, SlowlogLen,
               {.group = "server",
                .since = "2.2.12",
                .summary = "Returns the number of entries in the slow log.",
                .complexity = "O(1)",
                .acl_categories = "@admin @slow @dangerous"}),
      MakeSpec("slowlog|reset", 2, kAdmin, {}, SlowlogReset,
               {.group = "server",
                .since = "2.2.12",
                .summary = "Clears all entries from the slow log.",
                .complexity = "O(N) where N is the number of entries in the slowlog",
                .acl_categories = "@admin @slow @dangerous"}),
      MakeSpec("slowlog|help", 2, kCmdLoading | kCmdStale, {}, SlowlogHelp,
               {.group = "server",
                .since = "6.2.0",
                .summary = "Show helpful text about the different subcommands",
                .complexity = "O(1)",
                .acl_categories = "@slow"}),
  };
  table->Register(std::move(slowlog));
}

}  // namespace shoal
