// XREAD and XREADGROUP, with BLOCK across workers.
//
// Parsing, error texts and their order are redis-server 7.0's xreadCommand:
// options up to STREAMS, then per key WRONGTYPE / NOGROUP / "$" / ">" / ID.
// A stream is served at once when it has entries above the requested ID (for
// a group: above its last-delivered ID, or any ID other than ">" — the
// consumer's own history); RESP2 replies [[key, entries]...], RESP3 a map.
//
// Blocking: with BLOCK and nothing to serve the client is parked in the
// BlockingRegistry on all its keys and writes no reply. XADD wakes every
// client blocked on the key (KeyReadyAll: XREAD readers do not consume) and
// each re-runs its command on its own worker. So that the re-run asks for
// what the original asked, the command kept for it is rewritten once, when
// the client first blocks: "$" becomes the ID it stood for, and a missing
// COUNT becomes Redis's 1000 for blocked reads. A re-run that finds nothing
// blocks again and keeps its place. ">" is re-read from the group each time,
// so a group's entries go to one consumer each. Inside MULTI or a script
// nothing blocks: a script gets Redis's "not allowed with BLOCK" error and
// MULTI the empty reply (null array).
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

constexpr int64_t kBlockedDefaultCount = 1000;

struct ReadArgs {
  int64_t timeout_ms = -1;  // -1: no BLOCK
  std::string_view timeout_arg;
  int64_t count = 0;
  bool count_given = false;
  bool noack = false;
  size_t streams_arg = 0;
  size_t nstreams = 0;
  std::string_view group;
  std::string_view consumer;
  bool has_group = false;
};

bool ParseTimeoutMs(CommandContext& ctx, std::string_view arg, int64_t* out) {
  int64_t t;
  if (!ParseInt(arg, &t)) {
    ctx.Error("ERR timeout is not an integer or out of range");
    return false;
  }
  if (t < 0) {
    ctx.Error("ERR timeout is negative");
    return false;
  }
  if (t > 0 && t > INT64_MAX - ctx.NowMs()) {
    ctx.Error("ERR timeout is out of range");
    return false;
  }
  *out = t;
  return true;
}

bool ParseReadArgs(CommandContext& ctx, CmdArgs args, bool xreadgroup, ReadArgs* a) {
  const size_t argc = args.size();
  for (size_t i = 1; i < argc; ++i) {
    const size_t moreargs = argc - i - 1;
    const std::string_view o = args[i];
    if (ArgIs(o, "block") && moreargs > 0) {
      if (ctx.in_script) {
        ctx.Error(StrCat("ERR ", args[0], " command is not allowed with BLOCK option from scripts"));
        return false;
      }
      ++i;
      a->timeout_arg = args[i];
      if (!ParseTimeoutMs(ctx, args[i], &a->timeout_ms)) return false;
    } else if (ArgIs(o, "count") && moreargs > 0) {
      ++i;
      if (!ParseLongLongOrReply(ctx, args[i], &a->count)) return false;
      if (a->count < 0) a->count = 0;
      a->count_given = true;
    } else if (ArgIs(o, "streams") && moreargs > 0) {
      a->streams_arg = i + 1;
      const size_t n = argc - a->streams_arg;
      if (n % 2 != 0) {
        // Redis 7.0 gives XREAD's text for XREADGROUP too.
        ctx.Error(
            "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
            "specified.");
        return false;
      }
      a->nstreams = n / 2;
      break;
    } else if (ArgIs(o, "group") && moreargs >= 2) {
      if (!xreadgroup) {
        ctx.Error("ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
        return false;
      }
      a->group = args[i + 1];
      a->consumer = args[i + 2];
      a->has_group = true;
      i += 2;
    } else if (ArgIs(o, "noack")) {
      if (!xreadgroup) {
        ctx.Error("ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
        return false;
      }
      a->noack = true;
    } else {
      ctx.Error(kErrSyntax);
      return false;
    }
  }
  if (a->streams_arg == 0) {
    ctx.Error(kErrSyntax);
    return false;
  }
  if (xreadgroup && !a->has_group) {
    ctx.Error("ERR Missing GROUP option for XREADGROUP");
    return false;
  }
  return true;
}

// One stream of the request, resolved.
struct Target {
  std::string_view key;
  StreamValue* stream = nullptr;
  StreamGroup* group = nullptr;
  StreamID gt;           // serve entries above this
  bool new_only = false;  // ">"
  std::string_view id_arg;
};

bool ResolveTargets(CommandContext& ctx, CmdArgs args, const ReadArgs& a, bool xreadgroup,
                    std::vector<Target>* out) {
  out->resize(a.nstreams);
  for (size_t k = 0; k < a.nstreams; ++k) {
    Target& t = (*out)[k];
    t.key = args[a.streams_arg + k];
    t.id_arg = args[a.streams_arg + a.nstreams + k];
    if (!FindStream(ctx, t.key, Store::Lookup::kRead, &t.stream)) return false;
    if (a.has_group) {
      if (t.stream != nullptr) t.group = t.stream->FindGroup(a.group);
      if (t.group == nullptr) {
        ctx.Error(StrCat("NOGROUP No such key '", t.key, "' or consumer group '", a.group,
                         "' in XREADGROUP with GROUP option"));
        return false;
      }
    }
    if (t.id_arg == "$") {
      if (xreadgroup) {
        ctx.Error(
            "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the "
            "history of this consumer by specifying a proper ID, or use the > ID to get new "
            "messages. The $ ID would just return an empty result set.");
        return false;
      }
      t.gt = t.stream != nullptr ? t.stream->last_id() : StreamID::Min();
      continue;
    }
    if (t.id_arg == ">") {
      if (!xreadgroup) {
        ctx.Error(
            "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
            "<consumer> option.");
        return false;
      }
      t.gt = StreamID::Max();
      t.new_only = true;
      continue;
    }
    if (!ParseIdOrReply(ctx, t.id_arg, &t.gt, 0, /*strict=*/true)) return false;
  }
  return true;
}

// The consumer's pending entries above `start`, as XREADGROUP with an ID.
void ReplyHistory(CommandContext& ctx, StreamValue& s, StreamGroup& g, StreamConsumer& c,
                  const StreamID& start, size_t count) {
  std::vector<StreamID> ids;
  for (auto it = c.pel.lower_bound(start); it != c.pel.end(); ++it) {
    if (count != 0 && ids.size() == count) break;
    ids.push_back(*it);
  }
  ctx.reply->ArrayHeader(static_cast<int64_t>(ids.size()));
  const int64_t now = ctx.NowMs();
  for (const StreamID& id : ids) {
    if (ReplyOneEntry(ctx, s, id)) {
      StreamNack* nack = g.FindNack(id);
      nack->delivery_time = now;
      ++nack->delivery_count;
    } else {  // acknowledged-later or deleted entry: ID with a nil body
      ctx.reply->ArrayHeader(2);
      ReplyId(ctx, id);
      ctx.reply->NullArray();
    }
  }
}

// New entries above the group's last ID, delivered to `c`.
void ReplyNew(CommandContext& ctx, StreamValue& s, StreamGroup& g, StreamConsumer& c,
              const StreamID& start, size_t count, bool noack) {
  ReplyBuilder body(ctx.reply->resp_version());
  ReplyBuilder* saved = ctx.reply;
  ctx.reply = &body;
  const int64_t now = ctx.NowMs();
  std::vector<StreamID> delivered;
  const size_t n = s.Range(start, StreamID::Max(), false, count,
                           [&](const StreamID& id, const StreamValue::Fields& fields) {
                             ReplyEntry(ctx, id, fields);
                             delivered.push_back(id);
                             return true;
                           });
  ctx.reply = saved;
  for (const StreamID& id : delivered) {
    if (id > g.last_id()) {
      if (g.entries_read() != kStreamInvalidEntriesRead && !s.RangeHasTombstones(&id, nullptr)) {
        g.set_entries_read(g.entries_read() + 1);
      } else if (s.entries_added() != 0) {
        g.set_entries_read(s.EstimateDistance(id));
      }
      g.set_last_id(id);
    }
    if (!noack) g.Deliver(id, &c, now);
  }
  if (n > 0) c.active_time = now;
  ctx.reply->ArrayHeader(static_cast<int64_t>(n));
  ctx.reply->Raw(body.buffer());
}

// The command a blocked client re-runs: "$" resolved, COUNT made explicit.
std::vector<std::string> BlockedCommand(CmdArgs args, const ReadArgs& a,
                                        const std::vector<Target>& targets) {
  std::vector<std::string> cmd;
  cmd.emplace_back(args[0]);
  if (a.has_group) {
    cmd.emplace_back("GROUP");
    cmd.emplace_back(a.group);
    cmd.emplace_back(a.consumer);
  }
  if (a.noack) cmd.emplace_back("NOACK");
  cmd.emplace_back("COUNT");
  cmd.emplace_back(std::to_string(a.count != 0 ? a.count : kBlockedDefaultCount));
  cmd.emplace_back("BLOCK");
  cmd.emplace_back(a.timeout_arg);
  cmd.emplace_back("STREAMS");
  for (const Target& t : targets) cmd.emplace_back(t.key);
  for (const Target& t : targets) {
    cmd.emplace_back(t.id_arg == "$" ? t.gt.ToString() : std::string(t.id_arg));
  }
  return cmd;
}

void ReadGeneric(CommandContext& ctx, CmdArgs args, bool xreadgroup) {
  ReadArgs a;
  if (!ParseReadArgs(ctx, args, xreadgroup, &a)) return;
  std::vector<Target> targets;
  if (!ResolveTargets(ctx, args, a, xreadgroup, &targets)) return;

  ReplyBuilder body(ctx.reply->resp_version());
  ReplyBuilder* saved = ctx.reply;
  ctx.reply = &body;
  int64_t served = 0;
  const int64_t now = ctx.NowMs();
  const size_t count = static_cast<size_t>(a.count);
  for (Target& t : targets) {
    if (t.stream == nullptr) continue;
    StreamValue& s = *t.stream;
    bool serve = false, history = false;
    StreamConsumer* consumer = nullptr;
    if (t.group != nullptr) {
      StreamID top;
      if (!t.new_only) {
        serve = history = true;
      } else if (s.length() > 0 && s.LastLiveID(&top) && top > t.group->last_id()) {
        serve = true;
        t.gt = t.group->last_id();
      }
    } else {
      StreamID top;
      serve = s.length() > 0 && s.LastLiveID(&top) && top > t.gt;
    }
    if (!serve) continue;
    if (t.group != nullptr) {  // the consumer exists from its first served read (7.0)
      consumer = t.group->FindConsumer(a.consumer);
      if (consumer == nullptr) {
        consumer = t.group->CreateConsumer(a.consumer, now);
        Notify(ctx, kNotifyStream, "xgroup-createconsumer", t.key);
      }
      consumer->seen_time = now;
    }
    ++served;
    if (ctx.reply->resp_version() == 2) ctx.reply->ArrayHeader(2);
    ctx.reply->Bulk(t.key);
    StreamID start = t.gt;
    StreamIncrID(&start);
    if (t.group == nullptr) {
      ReplyRange(ctx, s, start, StreamID::Max(), false, count);
    } else if (history) {
      ReplyHistory(ctx, s, *t.group, *consumer, start, count);
    } else {
      ReplyNew(ctx, s, *t.group, *consumer, start, count, a.noack);
    }
  }
  ctx.reply = saved;
  // Group state changed (PEL, consumers, last ID): not a modification for
  // WATCH, and accounted at the stream's next write (StreamValue's note).
  if (served > 0) {
    if (ctx.reply->resp_version() == 2) {
      ctx.reply->ArrayHeader(served);
    } else {
      ctx.reply->MapHeader(served);
    }
    ctx.reply->Raw(body.buffer());
    return;
  }
  if (a.timeout_ms < 0 || ctx.in_exec || ctx.server == nullptr) return ctx.reply->NullArray();
  const bool fresh = !ctx.client->block.blocked;
  std::vector<std::string_view> keys;
  for (const Target& t : targets) keys.push_back(t.key);
  ctx.server->blocking().Block(ctx, keys, a.timeout_ms, BlockedReply::kNullArray);
  if (fresh) ctx.client->block.args = BlockedCommand(args, a, targets);
}

// XREAD/XREADGROUP keys: after STREAMS, the first half of the arguments.
bool ReadKeys(CmdArgs args, std::vector<int>* out) {
  size_t streams_pos = 0;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (ArgIs(a, "block") || ArgIs(a, "count")) {
      ++i;
    } else if (ArgIs(a, "group")) {
      i += 2;
    } else if (ArgIs(a, "noack")) {
      continue;
    } else if (ArgIs(a, "streams")) {
      streams_pos = i;
      break;
    } else {
      break;
    }
  }
  if (streams_pos == 0) return true;
  const size_t num = args.size() - streams_pos - 1;
  if (num == 0 || num % 2 != 0) return true;  // the handler replies the error
  for (size_t k = 0; k < num / 2; ++k) out->push_back(static_cast<int>(streams_pos + 1 + k));
  return true;
}

}  // namespace

void CmdXRead(CommandContext& ctx, CmdArgs args) { ReadGeneric(ctx, args, false); }
void CmdXReadGroup(CommandContext& ctx, CmdArgs args) { ReadGeneric(ctx, args, true); }

void RegisterRead(CommandTable* table) {
  CommandSpec xread = MakeSpec(
      "xread", -4, kCmdReadOnly | kCmdBlocking | kCmdMovableKeys, {}, &CmdXRead,
      {.group = "stream",
       .since = "5.0.0",
       .summary = "Returns messages from multiple streams with IDs greater than the ones "
                  "requested. Blocks until a message is available otherwise.",
       .complexity = "",
       .syntax = "[COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]",
       .acl_categories = "@read @stream @slow @blocking"});
  xread.keys_finder = &ReadKeys;
  table->Register(std::move(xread));
  CommandSpec xreadgroup = MakeSpec(
      "xreadgroup", -7, kCmdWrite | kCmdBlocking | kCmdMovableKeys, {}, &CmdXReadGroup,
      {.group = "stream",
       .since = "5.0.0",
       .summary = "Returns new or historical messages from a stream for a consumer in a group. "
                  "Blocks until a message is available otherwise.",
       .complexity = "For each stream mentioned: O(M) with M being the number of elements "
                     "returned. If M is constant (e.g. always asking for the first 10 elements "
                     "with COUNT), you can consider it O(1). On the other side when XREADGROUP "
                     "blocks, XADD will pay the O(N) time in order to serve the N clients "
                     "blocked on the stream getting new data.",
       .syntax = "GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key "
                 "[key ...] id [id ...]",
       .acl_categories = "@write @stream @slow @blocking"});
  xreadgroup.keys_finder = &ReadKeys;
  table->Register(std::move(xreadgroup));
}

}  // namespace stream_family
}  // namespace shoal
