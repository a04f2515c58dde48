// XCLAIM and XAUTOCLAIM: moving pending entries between consumers of a group,
// with redis-server 7.0's semantics:
//   - XCLAIM parses IDs until the first argument that is not one, then the
//     options (IDLE, TIME, RETRYCOUNT, FORCE, JUSTID, LASTID); the claiming
//     consumer is created at the first entry it claims (none for no claim);
//   - an ID whose entry no longer exists in the stream is dropped from the
//     PEL and not returned (XAUTOCLAIM lists such IDs in its third reply
//     element);
//   - XAUTOCLAIM scans the PEL from <start> with at most COUNT claims and
//     10*COUNT attempts and returns the next cursor (0-0 at the end).
// Events: xgroup-createconsumer when a consumer is created.
#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/strings.h"
#include "server/commands/stream_family.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/errors.h"
#include "server/events/notify.h"

namespace shoal {
namespace stream_family {
namespace {

// The consumer that claims, looked up (or created and announced) at the
// first entry it claims, as Redis 7.0 does: a claim of nothing creates none.
class Claimer {
 public:
  Claimer(CommandContext& ctx, StreamGroup* g, std::string_view key, std::string_view name)
      : ctx_(ctx), g_(g), key_(key), name_(name) {}
  StreamConsumer* get() {
    if (c_ != nullptr) return c_;
    const int64_t now = ctx_.NowMs();
    c_ = g_->FindConsumer(name_);
    if (c_ == nullptr) {
      c_ = g_->CreateConsumer(name_, now);
      Notify(ctx_, kNotifyStream, "xgroup-createconsumer", key_);
    }
    c_->seen_time = now;
    return c_;
  }
  // After a claim of at least one entry (Redis 7.2's active-time).
  void MarkActive() {
    if (c_ != nullptr) c_->active_time = ctx_.NowMs();
  }

 private:
  CommandContext& ctx_;
  StreamGroup* g_;
  std::string_view key_;
  std::string_view name_;
  StreamConsumer* c_ = nullptr;
};

bool OpenForClaim(CommandContext& ctx, CmdArgs args, StreamWrite* w, StreamGroup** g) {
  if (!w->Open(/*create=*/false)) return false;
  *g = w->stream() == nullptr ? nullptr : w->stream()->FindGroup(args[2]);
  if (*g == nullptr) {
    ctx.Error(StrCat("NOGROUP No such key '", args[1], "' or consumer group '", args[2], "'"));
    return false;
  }
  return true;
}

struct ClaimOptions {
  int64_t minidle = 0;
  int64_t retrycount = -1;     // -1: not given
  int64_t deliverytime = -1;   // -1: IDLE / TIME not given
  bool force = false;
  bool justid = false;
  StreamID last_id;
};

bool ParseClaimOptions(CommandContext& ctx, CmdArgs args, size_t j, int64_t now,
                       ClaimOptions* o) {
  for (; j < args.size(); ++j) {
    const bool more = j + 1 < args.size();
    const std::string_view opt = args[j];
    if (ArgIs(opt, "force")) {
      o->force = true;
    } else if (ArgIs(opt, "justid")) {
      o->justid = true;
    } else if (ArgIs(opt, "idle") && more) {
      if (!ParseLongLongOrReply(ctx, args[++j], &o->deliverytime,
                                "Invalid IDLE option argument for XCLAIM")) {
        return false;
      }
      o->deliverytime = now - o->deliverytime;
    } else if (ArgIs(opt, "time") && more) {
      if (!ParseLongLongOrReply(ctx, args[++j], &o->deliverytime,
                                "Invalid TIME option argument for XCLAIM")) {
        return false;
      }
    } else if (ArgIs(opt, "retrycount") && more) {
      if (!ParseLongLongOrReply(ctx, args[++j], &o->retrycount,
                                "Invalid RETRYCOUNT option argument for XCLAIM")) {
        return false;
      }
    } else if (ArgIs(opt, "lastid") && more) {
      if (!ParseIdOrReply(ctx, args[++j], &o->last_id, 0, /*strict=*/true)) return false;
    } else {
      ctx.Error(StrCat("ERR Unrecognized XCLAIM option '", opt, "'"));
      return false;
    }
  }
  return true;
}

// XCLAIM key group consumer min-idle-time id [id ...] [options]
void CmdXClaim(CommandContext& ctx, CmdArgs args) {
  const std::string_view key = args[1];
  StreamWrite w(ctx, key);
  StreamGroup* g;
  if (!OpenForClaim(ctx, args, &w, &g)) return;
  StreamValue& s = *w.stream();
  ClaimOptions o;
  if (!ParseLongLongOrReply(ctx, args[4], &o.minidle, "Invalid min-idle-time argument for XCLAIM")) {
    return;
  }
  if (o.minidle < 0) o.minidle = 0;
  std::vector<StreamID> ids;
  size_t j = 5;
  for (; j < args.size(); ++j) {
    StreamID id;
    if (!ParseStreamID(args[j], &id, 0, /*strict=*/true)) break;
    ids.push_back(id);
  }
  const int64_t now = ctx.NowMs();
  if (!ParseClaimOptions(ctx, args, j, now, &o)) return;
  if (o.last_id > g->last_id()) g->set_last_id(o.last_id);
  if (o.deliverytime == -1 || o.deliverytime < 0 || o.deliverytime > now) o.deliverytime = now;

  Claimer consumer(ctx, g, key, args[3]);
  ReplyBuilder body(ctx.reply->resp_version());
  ReplyBuilder* saved = ctx.reply;
  ctx.reply = &body;
  int64_t claimed = 0;
  for (const StreamID& id : ids) {
    StreamNack* nack = g->FindNack(id);
    if (!s.Contains(id)) {  // the entry is gone: forget it
      if (nack != nullptr) g->Ack(id);
      continue;
    }
    if (nack == nullptr) {
      if (!o.force) continue;
      nack = g->AddOrphanNack(id, now);
    } else if (o.minidle != 0 && now - nack->delivery_time < o.minidle) {
      continue;
    }
    nack->delivery_time = o.deliverytime;
    if (o.retrycount >= 0) {
      nack->delivery_count = static_cast<uint64_t>(o.retrycount);
    } else if (!o.justid) {
      ++nack->delivery_count;
    }
    g->Assign(id, nack, consumer.get());
    if (o.justid) {
      ReplyId(ctx, id);
    } else {
      ReplyOneEntry(ctx, s, id);
    }
    ++claimed;
  }
  ctx.reply = saved;
  consumer.MarkActive();
  w.CommitGroups();
  ctx.reply->ArrayHeader(claimed);
  ctx.reply->Raw(body.buffer());
}

// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
void CmdXAutoClaim(CommandContext& ctx, CmdArgs args) {
  int64_t minidle;
  if (!ParseLongLongOrReply(ctx, args[4], &minidle,
                            "Invalid min-idle-time argument for XAUTOCLAIM")) {
    return;
  }
  if (minidle < 0) minidle = 0;
  StreamID start;
  if (!ParseRangeStart(ctx, args[5], &start)) return;
  constexpr int64_t kAttemptsFactor = 10;
  constexpr int64_t kMaxCount = LONG_MAX / 16;  // LONG_MAX / max(sizeof(streamID), factor)
  int64_t count = 100;
  bool justid = false;
  for (size_t j = 6; j < args.size(); ++j) {
    if (ArgIs(args[j], "count") && j + 1 < args.size()) {
      if (!ParseInt(args[j + 1], &count) || count < 1 || count > kMaxCount) {
        return ctx.Error("ERR COUNT must be > 0");
      }
      ++j;
    } else if (ArgIs(args[j], "justid")) {
      justid = true;
    } else {
      return ctx.Error(kErrSyntax);
    }
  }
  const std::string_view key = args[1];
  StreamWrite w(ctx, key);
  StreamGroup* g;
  if (!OpenForClaim(ctx, args, &w, &g)) return;
  StreamValue& s = *w.stream();
  Claimer consumer(ctx, g, key, args[3]);
  const int64_t now = ctx.NowMs();

  ReplyBuilder body(ctx.reply->resp_version());
  ReplyBuilder* saved = ctx.reply;
  ctx.reply = &body;
  std::vector<StreamID> deleted;
  int64_t claimed = 0;
  int64_t attempts = count * kAttemptsFactor;
  // Walks the PEL by ID (a NACK may be dropped on the way).
  StreamID next = start;
  bool at_end = false;
  while (attempts-- > 0 && count > 0) {
    auto it = g->pel().lower_bound(next);
    if (it == g->pel().end()) {
      at_end = true;
      break;
    }
    const StreamID id = it->first;
    StreamNack* nack = it->second.get();
    next = id;
    if (!StreamIncrID(&next)) at_end = true;
    if (!s.Contains(id)) {
      g->Ack(id);
      deleted.push_back(id);
      --count;
      if (at_end) break;
      continue;
    }
    if (minidle != 0 && now - nack->delivery_time < minidle) {
      if (at_end) break;
      continue;
    }
    nack->delivery_time = now;
    if (!justid) ++nack->delivery_count;
    g->Assign(id, nack, consumer.get());
    if (justid) {
      ReplyId(ctx, id);
    } else {
      ReplyOneEntry(ctx, s, id);
    }
    ++claimed;
    --count;
    if (at_end) break;
  }
  ctx.reply = saved;
  StreamID cursor;
  if (!at_end) {
    auto it = g->pel().lower_bound(next);
    if (it != g->pel().end()) cursor = it->first;
  }
  consumer.MarkActive();
  w.CommitGroups();
  ctx.reply->ArrayHeader(3);
  ReplyId(ctx, cursor);
  ctx.reply->ArrayHeader(claimed);
  ctx.reply->Raw(body.buffer());
  ctx.reply->ArrayHeader(static_cast<int64_t>(deleted.size()));
  for (const StreamID& id : deleted) ReplyId(ctx, id);
}

}  // namespace

void RegisterClaim(CommandTable* table) {
  table->Register(MakeSpec(
      "xclaim", -6, kCmdWrite | kCmdFast, kOneKey, &CmdXClaim,
      {.group = "stream",
       .since = "5.0.0",
       .summary = "Changes, or acquires, ownership of a message in a consumer group, as if the "
                  "message was delivered a consumer group member.",
       .complexity = "O(log N) with N being the number of messages in the PEL of the consumer "
                     "group.",
       .syntax = "key group consumer min-idle-time id [id ...] [IDLE ms] "
                 "[TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] "
                 "[LASTID lastid]",
       .acl_categories = "@write @stream @fast"}));
  table->Register(MakeSpec(
      "xautoclaim", -6, kCmdWrite | kCmdFast, kOneKey, &CmdXAutoClaim,
      {.group = "stream",
       .since = "6.2.0",
       .summary = "Changes, or acquires, ownership of messages in a consumer group, as if the "
                  "messages were delivered to as consumer group member.",
       .complexity = "O(1) if COUNT is small.",
       .syntax = "key group consumer min-idle-time start [COUNT count] [JUSTID]",
       .acl_categories = "@write @stream @fast"}));
}

}  // namespace stream_family
}  // namespace shoal
