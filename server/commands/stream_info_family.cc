// XINFO STREAM [FULL [COUNT n]] / GROUPS / CONSUMERS / HELP.
//
// Fields and their order are Redis 7.2's (a superset of 7.0's): XINFO
// CONSUMERS adds "inactive" and the FULL form's consumers "active-time".
// "radix-tree-keys" is the number of nodes; "radix-tree-nodes" reports
// nodes + 1, the size of Redis's radix tree for a few keys (Shoal's index is
// a B-tree and has no radix nodes to count). Maps are RESP3 maps, flat arrays
// in RESP2.
#include <cstdint>
#include <string>
#include <string_view>

#include "base/strings.h"
#include "server/commands/stream_family.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/errors.h"

namespace shoal {
namespace stream_family {
namespace {

bool OpenForInfo(CommandContext& ctx, std::string_view key, StreamValue** s) {
  if (!FindStream(ctx, key, Store::Lookup::kRead, s)) return false;
  if (*s == nullptr) {
    ctx.Error(kErrNoSuchKey);
    return false;
  }
  return true;
}

void ReplyEntriesRead(CommandContext& ctx, const StreamGroup& g) {
  if (g.entries_read() != kStreamInvalidEntriesRead) {
    ctx.reply->Integer(g.entries_read());
  } else {
    ctx.reply->NullBulk();
  }
}

void ReplyLag(CommandContext& ctx, const StreamValue& s, const StreamGroup& g) {
  int64_t lag;
  if (s.GroupLag(g, &lag)) {
    ctx.reply->Integer(lag);
  } else {
    ctx.reply->NullBulk();
  }
}

void ReplyFullGroup(CommandContext& ctx, const StreamValue& s, std::string_view name,
                    const StreamGroup& g, int64_t count) {
  ctx.reply->MapHeader(7);
  ctx.reply->Bulk("name");
  ctx.reply->Bulk(name);
  ctx.reply->Bulk("last-delivered-id");
  ReplyId(ctx, g.last_id());
  ctx.reply->Bulk("entries-read");
  ReplyEntriesRead(ctx, g);
  ctx.reply->Bulk("lag");
  ReplyLag(ctx, s, g);
  ctx.reply->Bulk("pel-count");
  ctx.reply->Integer(static_cast<int64_t>(g.pel().size()));
  ctx.reply->Bulk("pending");
  const int64_t pel_n = count == 0 ? static_cast<int64_t>(g.pel().size())
                                   : std::min<int64_t>(count, g.pel().size());
  ctx.reply->ArrayHeader(pel_n);
  int64_t i = 0;
  for (auto it = g.pel().begin(); i < pel_n; ++it, ++i) {
    ctx.reply->ArrayHeader(4);
    ReplyId(ctx, it->first);
    ctx.reply->Bulk(it->second->consumer->name);
    ctx.reply->Integer(it->second->delivery_time);
    ctx.reply->Integer(static_cast<int64_t>(it->second->delivery_count));
  }
  ctx.reply->Bulk("consumers");
  ctx.reply->ArrayHeader(static_cast<int64_t>(g.consumers().size()));
  for (const auto& [cname, c] : g.consumers()) {
    ctx.reply->MapHeader(5);
    ctx.reply->Bulk("name");
    ctx.reply->Bulk(cname);
    ctx.reply->Bulk("seen-time");
    ctx.reply->Integer(c->seen_time);
    ctx.reply->Bulk("active-time");
    ctx.reply->Integer(c->active_time);
    ctx.reply->Bulk("pel-count");
    ctx.reply->Integer(static_cast<int64_t>(c->pel.size()));
    ctx.reply->Bulk("pending");
    const int64_t n = count == 0 ? static_cast<int64_t>(c->pel.size())
                                 : std::min<int64_t>(count, c->pel.size());
    ctx.reply->ArrayHeader(n);
    int64_t k = 0;
    for (auto it = c->pel.begin(); k < n; ++it, ++k) {
      const StreamNack* nack = g.FindNack(*it);
      ctx.reply->ArrayHeader(3);
      ReplyId(ctx, *it);
      ctx.reply->Integer(nack->delivery_time);
      ctx.reply->Integer(static_cast<int64_t>(nack->delivery_count));
    }
  }
}

void CmdXInfoStream(CommandContext& ctx, CmdArgs args) {
  StreamValue* s;
  if (!OpenForInfo(ctx, args[2], &s)) return;  // the key before the options, as Redis
  bool full = false;
  int64_t count = 10;
  const size_t optc = args.size() - 3;
  if (optc != 0) {
    if ((optc != 1 && optc != 3) || !ArgIs(args[3], "full") ||
        (optc == 3 && !ArgIs(args[4], "count"))) {
      return ReplySubcommandSyntaxError(ctx, args);
    }
    full = true;
    if (optc == 3) {
      if (!ParseLongLongOrReply(ctx, args[5], &count)) return;
      if (count < 0) count = 10;
    }
  }
  ctx.reply->MapHeader(full ? 9 : 10);
  ctx.reply->Bulk("length");
  ctx.reply->Integer(static_cast<int64_t>(s->length()));
  ctx.reply->Bulk("radix-tree-keys");
  ctx.reply->Integer(static_cast<int64_t>(s->node_count()));
  ctx.reply->Bulk("radix-tree-nodes");
  ctx.reply->Integer(static_cast<int64_t>(s->node_count() + 1));
  ctx.reply->Bulk("last-generated-id");
  ReplyId(ctx, s->last_id());
  ctx.reply->Bulk("max-deleted-entry-id");
  ReplyId(ctx, s->max_deleted_id());
  ctx.reply->Bulk("entries-added");
  ctx.reply->Integer(static_cast<int64_t>(s->entries_added()));
  ctx.reply->Bulk("recorded-first-entry-id");
  ReplyId(ctx, s->first_id());
  const StreamGroups* groups = s->groups();
  if (!full) {
    ctx.reply->Bulk("groups");
    ctx.reply->Integer(groups == nullptr ? 0 : static_cast<int64_t>(groups->size()));
    ctx.reply->Bulk("first-entry");
    if (s->Range(StreamID::Min(), StreamID::Max(), false, 1,
                 [&](const StreamID& id, const StreamValue::Fields& f) {
                   ReplyEntry(ctx, id, f);
                   return true;
                 }) == 0) {
      ctx.reply->NullBulk();
    }
    ctx.reply->Bulk("last-entry");
    if (s->Range(StreamID::Min(), StreamID::Max(), true, 1,
                 [&](const StreamID& id, const StreamValue::Fields& f) {
                   ReplyEntry(ctx, id, f);
                   return true;
                 }) == 0) {
      ctx.reply->NullBulk();
    }
    return;
  }
  ctx.reply->Bulk("entries");
  ReplyRange(ctx, *s, StreamID::Min(), StreamID::Max(), false, static_cast<size_t>(count));
  ctx.reply->Bulk("groups");
  ctx.reply->ArrayHeader(groups == nullptr ? 0 : static_cast<int64_t>(groups->size()));
  if (groups == nullptr) return;
  for (const auto& [name, g] : *groups) ReplyFullGroup(ctx, *s, name, *g, count);
}

void CmdXInfoGroups(CommandContext& ctx, CmdArgs args) {
  StreamValue* s;
  if (!OpenForInfo(ctx, args[2], &s)) return;
  const StreamGroups* groups = s->groups();
  ctx.reply->ArrayHeader(groups == nullptr ? 0 : static_cast<int64_t>(groups->size()));
  if (groups == nullptr) return;
  for (const auto& [name, g] : *groups) {
    ctx.reply->MapHeader(6);
    ctx.reply->Bulk("name");
    ctx.reply->Bulk(name);
    ctx.reply->Bulk("consumers");
    ctx.reply->Integer(static_cast<int64_t>(g->consumers().size()));
    ctx.reply->Bulk("pending");
    ctx.reply->Integer(static_cast<int64_t>(g->pel().size()));
    ctx.reply->Bulk("last-delivered-id");
    ReplyId(ctx, g->last_id());
    ctx.reply->Bulk("entries-read");
    ReplyEntriesRead(ctx, *g);
    ctx.reply->Bulk("lag");
    ReplyLag(ctx, *s, *g);
  }
}

void CmdXInfoConsumers(CommandContext& ctx, CmdArgs args) {
  StreamValue* s;
  if (!OpenForInfo(ctx, args[2], &s)) return;
  const StreamGroup* g = s->FindGroup(args[3]);
  if (g == nullptr) {
    return ctx.Error(StrCat("NOGROUP No such consumer group '", args[3], "' for key name '",
                            args[2], "'"));
  }
  const int64_t now = ctx.NowMs();
  ctx.reply->ArrayHeader(static_cast<int64_t>(g->consumers().size()));
  for (const auto& [name, c] : g->consumers()) {
    const int64_t idle = std::max<int64_t>(0, now - c->seen_time);
    const int64_t inactive =
        c->active_time == -1 ? -1 : std::max<int64_t>(0, now - c->active_time);
    ctx.reply->MapHeader(4);
    ctx.reply->Bulk("name");
    ctx.reply->Bulk(name);
    ctx.reply->Bulk("pending");
    ctx.reply->Integer(static_cast<int64_t>(c->pel.size()));
    ctx.reply->Bulk("idle");
    ctx.reply->Integer(idle);
    ctx.reply->Bulk("inactive");
    ctx.reply->Integer(inactive);
  }
}

void CmdXInfoHelp(CommandContext& ctx, CmdArgs args) {
  ReplyHelp(ctx, args[0],
            {"CONSUMERS <key> <groupname>", "    Show consumers of <groupname>.", "GROUPS <key>",
             "    Show the stream consumer groups.", "STREAM <key> [FULL [COUNT <count>]",
             "    Show information about the stream."});
}

void CmdXInfo(CommandContext& ctx, CmdArgs args) { ReplySubcommandSyntaxError(ctx, args); }

}  // namespace

void RegisterInfo(CommandTable* table) {
  constexpr uint32_t kRo = kCmdReadOnly;
  constexpr KeySpan kSubKey{2, 2, 1};
  CommandSpec xinfo = MakeSpec("xinfo", -2, 0, {}, &CmdXInfo,
                               {.group = "stream",
                                .since = "5.0.0",
                                .summary = "A container for stream introspection commands.",
                                .complexity = "Depends on subcommand.",
                                .syntax = "",
                                .acl_categories = "@slow"});
  xinfo.subcommands = {
      MakeSpec("xinfo|consumers", 4, kRo, kSubKey, &CmdXInfoConsumers,
               {.group = "stream",
                .since = "5.0.0",
                .summary = "Returns a list of the consumers in a consumer group.",
                .complexity = "O(1)",
                .syntax = "key group",
                .acl_categories = "@read @stream @slow"}),
      MakeSpec("xinfo|groups", 3, kRo, kSubKey, &CmdXInfoGroups,
               {.group = "stream",
                .since = "5.0.0",
                .summary = "Returns a list of the consumer groups of a stream.",
                .complexity = "O(1)",
                .syntax = "key",
                .acl_categories = "@read @stream @slow"}),
      MakeSpec("xinfo|help", 2, kCmdLoading | kCmdStale, {}, &CmdXInfoHelp,
               {.group = "stream",
                .since = "5.0.0",
                .summary = "Returns helpful text about the different subcommands.",
                .complexity = "O(1)",
                .syntax = "",
                .acl_categories = "@stream @slow"}),
      MakeSpec("xinfo|stream", -3, kRo, kSubKey, &CmdXInfoStream,
               {.group = "stream",
                .since = "5.0.0",
                .summary = "Returns information about a stream.",
                .complexity = "O(1)",
                .syntax = "key [FULL [COUNT count]]",
                .acl_categories = "@read @stream @slow"}),
  };
  table->Register(std::move(xinfo));
}

}  // namespace stream_family
}  // namespace shoal
