// Consumer groups: XGROUP CREATE / SETID / DESTROY / CREATECONSUMER /
// DELCONSUMER / HELP, XACK and XPENDING, as redis-server 7.0 has them.
//
// XGROUP is a container: the dispatcher resolves the subcommand and checks
// its arity; options (MKSTREAM, ENTRIESREAD) are parsed before the key is
// looked at, and a bad option answers Redis's "unknown subcommand or wrong
// number of arguments" text. Events: new (MKSTREAM), xgroup-create,
// xgroup-setid, xgroup-destroy, xgroup-createconsumer, xgroup-delconsumer.
// XGROUP DESTROY wakes the XREADGROUP clients blocked on the key, whose
// re-run then answers NOGROUP.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/strings.h"
#include "server/commands/stream_family.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/errors.h"
#include "server/events/blocking.h"
#include "server/events/notify.h"

namespace shoal {
namespace stream_family {
namespace {

struct GroupArgs {
  bool mkstream = false;
  int64_t entries_read = kStreamInvalidEntriesRead;
};

// The options of CREATE / SETID after the ID (argument 5 on).
bool ParseGroupOptions(CommandContext& ctx, CmdArgs args, bool create, GroupArgs* g) {
  const bool setid = !create;
  for (size_t i = 5; i < args.size();) {
    if (create && ArgIs(args[i], "mkstream")) {
      g->mkstream = true;
      ++i;
    } else if ((create || setid) && ArgIs(args[i], "entriesread") && i + 1 < args.size()) {
      if (!ParseLongLongOrReply(ctx, args[i + 1], &g->entries_read)) return false;
      if (g->entries_read < 0 && g->entries_read != kStreamInvalidEntriesRead) {
        ctx.Error("ERR value for ENTRIESREAD must be positive or -1");
        return false;
      }
      i += 2;
    } else {
      ReplySubcommandSyntaxError(ctx, args);
      return false;
    }
  }
  return true;
}

constexpr std::string_view kErrNeedsKey =
    "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to "
    "use the MKSTREAM option to create an empty stream automatically.";

std::string NoGroupText(std::string_view group, std::string_view key) {
  return StrCat("NOGROUP No such consumer group '", group, "' for key name '", key, "'");
}

// Opens the stream and the group of a subcommand that needs both.
bool OpenGroup(CommandContext& ctx, CmdArgs args, StreamWrite* w, StreamGroup** g) {
  if (!w->Open(/*create=*/false)) return false;
  if (w->stream() == nullptr) {
    ctx.Error(kErrNeedsKey);
    return false;
  }
  *g = w->stream()->FindGroup(args[3]);
  if (*g == nullptr) {
    ctx.Error(NoGroupText(args[3], args[2]));
    return false;
  }
  return true;
}

void CmdXGroupCreate(CommandContext& ctx, CmdArgs args) {
  GroupArgs g;
  if (!ParseGroupOptions(ctx, args, /*create=*/true, &g)) return;
  const std::string_view key = args[2];
  StreamWrite w(ctx, key);
  if (!w.Open(/*create=*/g.mkstream)) return;
  if (w.stream() == nullptr) return ctx.Error(kErrNeedsKey);
  StreamID id;
  if (args[4] == "$") {
    id = w.fresh() ? StreamID::Min() : w.stream()->last_id();
  } else if (!ParseIdOrReply(ctx, args[4], &id, 0, /*strict=*/true)) {
    return;
  }
  if (w.stream()->FindGroup(args[3]) != nullptr) {
    return ctx.Error("BUSYGROUP Consumer Group name already exists");
  }
  w.stream()->CreateGroup(args[3], id, g.entries_read);
  w.CommitGroups();
  ctx.reply->Ok();
  Notify(ctx, kNotifyStream, "xgroup-create", key);
}

void CmdXGroupSetId(CommandContext& ctx, CmdArgs args) {
  GroupArgs g;
  if (!ParseGroupOptions(ctx, args, /*create=*/false, &g)) return;
  StreamWrite w(ctx, args[2]);
  StreamGroup* group;
  if (!OpenGroup(ctx, args, &w, &group)) return;
  StreamID id;
  if (args[4] == "$") {
    id = w.stream()->last_id();
  } else if (!ParseIdOrReply(ctx, args[4], &id, 0, /*strict=*/false)) {
    return;
  }
  group->set_last_id(id);
  group->set_entries_read(g.entries_read);
  w.CommitGroups();
  ctx.reply->Ok();
  Notify(ctx, kNotifyStream, "xgroup-setid", args[2]);
}

void CmdXGroupDestroy(CommandContext& ctx, CmdArgs args) {
  const std::string_view key = args[2];
  StreamWrite w(ctx, key);
  if (!w.Open(/*create=*/false)) return;
  if (w.stream() == nullptr) return ctx.Error(kErrNeedsKey);
  if (!w.stream()->DestroyGroup(args[3])) return ctx.reply->Integer(0);
  w.CommitGroups();
  ctx.reply->Integer(1);
  Notify(ctx, kNotifyStream, "xgroup-destroy", key);
  if (ctx.server != nullptr) ctx.server->blocking().KeyReadyAll(ctx.db(), key);
}

void CmdXGroupCreateConsumer(CommandContext& ctx, CmdArgs args) {
  StreamWrite w(ctx, args[2]);
  StreamGroup* group;
  if (!OpenGroup(ctx, args, &w, &group)) return;
  const bool created = group->CreateConsumer(args[4], ctx.NowMs()) != nullptr;
  if (created) {
    w.CommitGroups();
    Notify(ctx, kNotifyStream, "xgroup-createconsumer", args[2]);
  }
  ctx.reply->Integer(created ? 1 : 0);
}

void CmdXGroupDelConsumer(CommandContext& ctx, CmdArgs args) {
  StreamWrite w(ctx, args[2]);
  StreamGroup* group;
  if (!OpenGroup(ctx, args, &w, &group)) return;
  const bool existed = group->FindConsumer(args[4]) != nullptr;
  const size_t pending = group->DeleteConsumer(args[4]);
  if (existed) {
    w.CommitGroups();
    Notify(ctx, kNotifyStream, "xgroup-delconsumer", args[2]);
  }
  ctx.reply->Integer(static_cast<int64_t>(pending));
}

void CmdXGroupHelp(CommandContext& ctx, CmdArgs args) {
  ReplyHelp(ctx, args[0],
            {"CREATE <key> <groupname> <id|$> [option]",
             "    Create a new consumer group. Options are:",
             "    * MKSTREAM",
             "      Create the empty stream if it does not exist.",
             "    * ENTRIESREAD entries_read",
             "      Set the group's entries_read counter (internal use).",
             "CREATECONSUMER <key> <groupname> <consumer>",
             "    Create a new consumer in the specified group.",
             "DELCONSUMER <key> <groupname> <consumer>",
             "    Remove the specified consumer.",
             "DESTROY <key> <groupname>",
             "    Remove the specified group.",
             "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
             "    Set the current group ID and entries_read counter."});
}

void CmdXGroup(CommandContext& ctx, CmdArgs args) { ReplySubcommandSyntaxError(ctx, args); }

// ---- XACK key group id [id ...] ----

void CmdXAck(CommandContext& ctx, CmdArgs args) {
  const std::string_view key = args[1];
  StreamWrite w(ctx, key);
  if (!w.Open(/*create=*/false)) return;
  StreamGroup* group = w.stream() == nullptr ? nullptr : w.stream()->FindGroup(args[2]);
  if (group == nullptr) return ctx.reply->Integer(0);
  std::vector<StreamID> ids(args.size() - 3);
  for (size_t j = 3; j < args.size(); ++j) {
    if (!ParseIdOrReply(ctx, args[j], &ids[j - 3], 0, /*strict=*/true)) return;
  }
  int64_t acked = 0;
  for (const StreamID& id : ids) acked += group->Ack(id) ? 1 : 0;
  if (acked > 0) w.CommitGroups();
  ctx.reply->Integer(acked);
}

// ---- XPENDING key group [[IDLE min-idle-time] start end count [consumer]] ----

void ReplyPendingSummary(CommandContext& ctx, const StreamGroup& g) {
  ctx.reply->ArrayHeader(4);
  ctx.reply->Integer(static_cast<int64_t>(g.pel().size()));
  if (g.pel().empty()) {
    ctx.reply->NullBulk();
    ctx.reply->NullBulk();
    ctx.reply->NullArray();
    return;
  }
  ReplyId(ctx, g.pel().begin()->first);
  ReplyId(ctx, std::prev(g.pel().end())->first);
  int64_t n = 0;
  for (const auto& [name, c] : g.consumers()) n += c->pel.empty() ? 0 : 1;
  ctx.reply->ArrayHeader(n);
  for (const auto& [name, c] : g.consumers()) {
    if (c->pel.empty()) continue;
    ctx.reply->ArrayHeader(2);
    ctx.reply->Bulk(name);
    ctx.reply->Bulk(std::to_string(c->pel.size()));
  }
}

void CmdXPending(CommandContext& ctx, CmdArgs args) {
  const size_t argc = args.size();
  if (argc != 3 && (argc < 6 || argc > 9)) return ctx.Error(kErrSyntax);
  StreamID start, end;
  int64_t count = 0, minidle = 0;
  std::string_view consumer_name;
  bool has_consumer = false;
  if (argc >= 6) {
    size_t startidx = 3;
    if (ArgIs(args[3], "idle")) {
      if (!ParseLongLongOrReply(ctx, args[4], &minidle)) return;
      if (argc < 8) return ctx.Error(kErrSyntax);
      startidx += 2;
    }
    if (!ParseLongLongOrReply(ctx, args[startidx + 2], &count)) return;
    if (count < 0) count = 0;
    if (!ParseRangeStart(ctx, args[startidx], &start)) return;
    if (!ParseRangeEnd(ctx, args[startidx + 1], &end)) return;
    if (startidx + 3 < argc) {
      consumer_name = args[startidx + 3];
      has_consumer = true;
    }
  }
  StreamValue* s;
  if (!FindStream(ctx, args[1], Store::Lookup::kRead, &s)) return;
  StreamGroup* g = s == nullptr ? nullptr : s->FindGroup(args[2]);
  if (g == nullptr) {
    return ctx.Error(
        StrCat("NOGROUP No such key '", args[1], "' or consumer group '", args[2], "'"));
  }
  if (argc == 3) return ReplyPendingSummary(ctx, *g);
  std::vector<std::pair<StreamID, const StreamNack*>> out;
  const int64_t now = ctx.NowMs();
  auto take = [&](const StreamID& id, const StreamNack* nack) {
    if (minidle != 0 && now - nack->delivery_time < minidle) return;
    out.emplace_back(id, nack);
  };
  if (has_consumer) {
    const StreamConsumer* c = g->FindConsumer(consumer_name);
    if (c == nullptr) return ctx.reply->EmptyArray();
    for (auto it = c->pel.lower_bound(start);
         it != c->pel.end() && *it <= end && static_cast<int64_t>(out.size()) < count; ++it) {
      take(*it, g->FindNack(*it));
    }
  } else {
    for (auto it = g->pel().lower_bound(start);
         it != g->pel().end() && it->first <= end && static_cast<int64_t>(out.size()) < count;
         ++it) {
      take(it->first, it->second.get());
    }
  }
  ctx.reply->ArrayHeader(static_cast<int64_t>(out.size()));
  for (const auto& [id, nack] : out) {
    ctx.reply->ArrayHeader(4);
    ReplyId(ctx, id);
    ctx.reply->Bulk(nack->consumer != nullptr ? std::string_view(nack->consumer->name) : "");
    const int64_t elapsed = now - nack->delivery_time;
    ctx.reply->Integer(elapsed < 0 ? 0 : elapsed);
    ctx.reply->Integer(static_cast<int64_t>(nack->delivery_count));
  }
}

}  // namespace

void RegisterGroups(CommandTable* table) {
  constexpr uint32_t kW = kCmdWrite, kOom = kCmdDenyOom;
  constexpr KeySpan kSubKey{2, 2, 1};
  constexpr std::string_view kAcl = "@write @stream @slow";
  CommandSpec xgroup = MakeSpec("xgroup", -2, 0, {}, &CmdXGroup,
                                {.group = "stream",
                                 .since = "5.0.0",
                                 .summary = "A container for consumer groups commands.",
                                 .complexity = "Depends on subcommand.",
                                 .syntax = "",
                                 .acl_categories = "@slow"});
  xgroup.subcommands = {
      MakeSpec("xgroup|create", -5, kW | kOom, kSubKey, &CmdXGroupCreate,
               {.group = "stream",
                .since = "5.0.0",
                .summary = "Creates a consumer group.",
                .complexity = "O(1)",
                .syntax = "key group <id | $> [MKSTREAM] [ENTRIESREAD entries-read]",
                .acl_categories = kAcl}),
      MakeSpec("xgroup|createconsumer", 5, kW | kOom, kSubKey, &CmdXGroupCreateConsumer,
               {.group = "stream",
                .since = "6.2.0",
                .summary = "Creates a consumer in a consumer group.",
                .complexity = "O(1)",
                .syntax = "key group consumer",
                .acl_categories = kAcl}),
      MakeSpec("xgroup|delconsumer", 5, kW, kSubKey, &CmdXGroupDelConsumer,
               {.group = "stream",
                .since = "5.0.0",
                .summary = "Deletes a consumer from a consumer group.",
                .complexity = "O(1)",
                .syntax = "key group consumer",
                .acl_categories = kAcl}),
      MakeSpec("xgroup|destroy", 4, kW, kSubKey, &CmdXGroupDestroy,
               {.group = "stream",
                .since = "5.0.0",
                .summary = "Destroys a consumer group.",
                .complexity = "O(N) where N is the number of entries in the group's pending "
                              "entries list (PEL).",
                .syntax = "key group",
                .acl_categories = kAcl}),
      MakeSpec("xgroup|help", 2, kCmdLoading | kCmdStale, {}, &CmdXGroupHelp,
               {.group = "stream",
                .since = "5.0.0",
                .summary = "Returns helpful text about the different subcommands.",
                .complexity = "O(1)",
                .syntax = "",
                .acl_categories = "@stream @slow"}),
      MakeSpec("xgroup|setid", -5, kW, kSubKey, &CmdXGroupSetId,
               {.group = "stream",
                .since = "5.0.0",
                .summary = "Sets the last-delivered ID of a consumer group.",
                .complexity = "O(1)",
                .syntax = "key group <id | $> [ENTRIESREAD entries-read]",
                .acl_categories = kAcl}),
  };
  table->Register(std::move(xgroup));
  table->Register(MakeSpec(
      "xack", -4, kW | kCmdFast, kOneKey, &CmdXAck,
      {.group = "stream",
       .since = "5.0.0",
       .summary = "Returns the number of messages that were successfully acknowledged by the "
                  "consumer group member of a stream.",
       .complexity = "O(1) for each message ID processed.",
       .syntax = "key group id [id ...]",
       .acl_categories = "@write @stream @fast"}));
  table->Register(MakeSpec(
      "xpending", -3, kCmdReadOnly, kOneKey, &CmdXPending,
      {.group = "stream",
       .since = "5.0.0",
       .summary = "Returns the information and entries from a stream consumer group's pending "
                  "entries list.",
       .complexity = "O(N) with N being the number of elements returned, so asking for a small "
                     "fixed number of entries per call is O(1). O(M), where M is the total "
                     "number of entries scanned when used with the IDLE filter. When the "
                     "command returns just the summary and the list of consumers is small, it "
                     "runs in O(1) time; otherwise, an additional O(N) time for iterating every "
                     "consumer.",
       .syntax = "key group [[IDLE min-idle-time] start end count [consumer]]",
       .acl_categories = "@read @stream @slow"}));
}

}  // namespace stream_family
}  // namespace shoal
