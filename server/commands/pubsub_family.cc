// Pub/sub commands: SUBSCRIBE & co (channel, pattern and shard variants),
// PUBLISH / SPUBLISH and PUBSUB introspection. Subscription replies are push
// frames in RESP3 and arrays in RESP2, one per channel, as Redis sends them.
#include "base/strings.h"
#include "server/commands/families.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/command_context.h"
#include "server/events/pubsub.h"

namespace shoal {
namespace {

const char* SubVerb(SubKind kind) {
  switch (kind) {
    case SubKind::kChannel:
      return "subscribe";
    case SubKind::kPattern:
      return "psubscribe";
    case SubKind::kShard:
      return "ssubscribe";
  }
  return "";
}

const char* UnsubVerb(SubKind kind) {
  switch (kind) {
    case SubKind::kChannel:
      return "unsubscribe";
    case SubKind::kPattern:
      return "punsubscribe";
    case SubKind::kShard:
      return "sunsubscribe";
  }
  return "";
}

// The count Redis reports after (un)subscribing: channels + patterns, or
// shard channels for the shard variants.
int64_t ReportedCount(CommandContext& ctx, SubKind kind) {
  PubSubRegistry& ps = ctx.server->pubsub();
  if (kind == SubKind::kShard) return ps.CountOf(ctx.client, SubKind::kShard);
  return ps.CountOf(ctx.client, SubKind::kChannel) + ps.CountOf(ctx.client, SubKind::kPattern);
}

void ReplySubEvent(CommandContext& ctx, const char* verb, const std::string_view* name,
                   int64_t count) {
  ctx.reply->PushHeader(3);
  ctx.reply->Bulk(verb);
  if (name != nullptr) {
    ctx.reply->Bulk(*name);
  } else {
    ctx.reply->NullBulk();
  }
  ctx.reply->Integer(count);
}

template <SubKind kKind>
void CmdSubscribe(CommandContext& ctx, CmdArgs args) {
  for (size_t i = 1; i < args.size(); ++i) {
    ctx.server->pubsub().Subscribe(ctx.client, kKind, args[i]);
    ReplySubEvent(ctx, SubVerb(kKind), &args[i], ReportedCount(ctx, kKind));
  }
}

template <SubKind kKind>
void CmdUnsubscribe(CommandContext& ctx, CmdArgs args) {
  PubSubRegistry& ps = ctx.server->pubsub();
  if (args.size() == 1) {
    std::vector<std::string> names = ps.SubscriptionsOf(ctx.client, kKind);
    if (names.empty()) {
      ReplySubEvent(ctx, UnsubVerb(kKind), nullptr, ReportedCount(ctx, kKind));
      return;
    }
    for (const std::string& n : names) {
      ps.Unsubscribe(ctx.client, kKind, n);
      std::string_view v = n;
      ReplySubEvent(ctx, UnsubVerb(kKind), &v, ReportedCount(ctx, kKind));
    }
    return;
  }
  for (size_t i = 1; i < args.size(); ++i) {
    ps.Unsubscribe(ctx.client, kKind, args[i]);
    ReplySubEvent(ctx, UnsubVerb(kKind), &args[i], ReportedCount(ctx, kKind));
  }
}

template <SubKind kKind>
void CmdPublish(CommandContext& ctx, CmdArgs args) {
  ctx.reply->Integer(ctx.server->pubsub().Publish(kKind, args[1], args[2], ctx.client, ctx.reply));
  // Cluster mode: PUBLISH reaches every node (the reply counts local
  // receivers, as in Redis); SPUBLISH stays on the slot's shard.
  if (kKind == SubKind::kChannel && ctx.server->router != nullptr) {
    ctx.server->router->Published(args[1], args[2]);
  }
}

void ReplyChannels(CommandContext& ctx, CmdArgs args, SubKind kind) {
  bool has_pattern = args.size() > 2;
  std::vector<std::string> names =
      ctx.server->pubsub().ActiveChannels(kind, has_pattern ? args[2] : std::string_view(), has_pattern);
  ctx.reply->ArrayHeader(names.size());
  for (const std::string& n : names) ctx.reply->Bulk(n);
}

void ReplyNumSub(CommandContext& ctx, CmdArgs args, SubKind kind) {
  ctx.reply->MapHeader(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) {
    ctx.reply->Bulk(args[i]);
    ctx.reply->Integer(ctx.server->pubsub().NumSubscribers(kind, args[i]));
  }
}

void CmdPubsubChannels(CommandContext& ctx, CmdArgs args) {
  ReplyChannels(ctx, args, SubKind::kChannel);
}
void CmdPubsubShardChannels(CommandContext& ctx, CmdArgs args) {
  ReplyChannels(ctx, args, SubKind::kShard);
}
void CmdPubsubNumSub(CommandContext& ctx, CmdArgs args) { ReplyNumSub(ctx, args, SubKind::kChannel); }
void CmdPubsubShardNumSub(CommandContext& ctx, CmdArgs args) {
  ReplyNumSub(ctx, args, SubKind::kShard);
}
void CmdPubsubNumPat(CommandContext& ctx, CmdArgs) {
  ctx.reply->Integer(ctx.server->pubsub().NumPatterns());
}

void CmdPubsubHelp(CommandContext& ctx, CmdArgs) {
  static constexpr const char* kLines[] = {
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply->ArrayHeader(std::size(kLines));
  for (const char* l : kLines) ctx.reply->SimpleString(l);
}

// The PUBSUB subcommands share everything but name, arity and docs.
CommandSpec Sub(std::string_view name, int arity, CommandHandler h, std::string_view summary,
                std::string_view syntax) {
  return MakeSpec(name, arity, kCmdPubSub | kCmdLoading | kCmdStale, {}, h,
                  {.group = "pubsub",
                   .since = "2.8.0",
                   .summary = summary,
                   .complexity = "O(N) for the number of channels",
                   .syntax = syntax,
                   .acl_categories = "@pubsub @slow"});
}

}  // namespace

void RegisterPubSubCommands(CommandTable* table) {
  constexpr uint32_t kSubFlags = kCmdPubSub | kCmdNoScript | kCmdLoading | kCmdStale |
                                 kCmdPubSubContext;
  // PUBLISH and SPUBLISH are fast (@fast, as in Redis); the others @slow.
  auto reg = [&](std::string_view name, int arity, uint32_t flags, CommandHandler h,
                 std::string_view summary, std::string_view since, std::string_view syntax,
                 int first_key = 0, int last_key = 0) {
    table->Register(MakeSpec(name, arity, flags, {first_key, last_key, first_key ? 1 : 0}, h,
                             {.group = "pubsub",
                              .since = since,
                              .summary = summary,
                              .complexity = "O(N) where N is the number of channels",
                              .syntax = syntax,
                              .acl_categories = (flags & kCmdFast) ? "@pubsub @fast"
                                                                   : "@pubsub @slow"}));
  };
  reg("subscribe", -2, kSubFlags, CmdSubscribe<SubKind::kChannel>,
      "Listens for messages published to channels.", "2.0.0", "channel [channel ...]");
  reg("unsubscribe", -1, kSubFlags, CmdUnsubscribe<SubKind::kChannel>,
      "Stops listening to messages posted to channels.", "2.0.0", "[channel [channel ...]]");
  reg("psubscribe", -2, kSubFlags, CmdSubscribe<SubKind::kPattern>,
      "Listens for messages published to channels that match one or more patterns.", "2.0.0",
      "pattern [pattern ...]");
  reg("punsubscribe", -1, kSubFlags, CmdUnsubscribe<SubKind::kPattern>,
      "Stops listening to messages published to channels that match one or more patterns.",
      "2.0.0", "[pattern [pattern ...]]");
  // Shard channels: in standalone mode they behave as channels of their own
  // namespace; the channel is the "key" for cluster routing.
  reg("ssubscribe", -2, kSubFlags, CmdSubscribe<SubKind::kShard>,
      "Listens for messages published to shard channels.", "7.0.0", "shardchannel [shardchannel ...]",
      1, -1);
  reg("sunsubscribe", -1, kSubFlags, CmdUnsubscribe<SubKind::kShard>,
      "Stops listening to messages posted to shard channels.", "7.0.0",
      "[shardchannel [shardchannel ...]]", 1, -1);
  reg("publish", 3, kCmdPubSub | kCmdLoading | kCmdStale | kCmdFast | kCmdMayReplicate,
      CmdPublish<SubKind::kChannel>, "Posts a message to a channel.", "2.0.0", "channel message");
  reg("spublish", 3, kCmdPubSub | kCmdLoading | kCmdStale | kCmdFast | kCmdMayReplicate,
      CmdPublish<SubKind::kShard>, "Post a message to a shard channel", "7.0.0",
      "shardchannel message", 1, 1);

  CommandSpec pubsub = MakeSpec("pubsub", -2, 0, {}, nullptr,
                                {.group = "pubsub",
                                 .since = "2.8.0",
                                 .summary = "A container for Pub/Sub commands.",
                                 .complexity = "Depends on subcommand.",
                                 .acl_categories = "@slow"});
  pubsub.subcommands = {
      Sub("pubsub|channels", -2, CmdPubsubChannels, "Returns the active channels.", "[pattern]"),
      Sub("pubsub|numsub", -2, CmdPubsubNumSub,
          "Returns a count of subscribers to channels.", "[channel [channel ...]]"),
      Sub("pubsub|numpat", 2, CmdPubsubNumPat, "Returns a count of unique pattern subscriptions.",
          ""),
      Sub("pubsub|shardchannels", -2, CmdPubsubShardChannels, "Returns the active shard channels.",
          "[pattern]"),
      Sub("pubsub|shardnumsub", -2, CmdPubsubShardNumSub,
          "Returns the count of subscribers of shard channels.", "[shardchannel [shardchannel ...]]"),
      Sub("pubsub|help", 2, CmdPubsubHelp, "Returns helpful text about the different subcommands.",
          ""),
  };
  // PUBSUB HELP is no pub/sub command (Redis: loading stale, @slow only).
  CommandSpec& help = pubsub.subcommands.back();
  help.flags &= ~kCmdPubSub;
  help.acl_categories = "@slow";
  table->Register(std::move(pubsub));
}

}  // namespace shoal
