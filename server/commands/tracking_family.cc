// CLIENT TRACKING, CLIENT CACHING, CLIENT GETREDIR, CLIENT TRACKINGINFO:
// server-assisted client-side caching, with redis-server 7.2's options,
// checks (in its order, so the first error is the same) and replies. The
// table and the invalidations are server/events/tracking.h; this file parses
// and replies. All four run on the client's own worker and change only its
// own session.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "base/strings.h"
#include "server/commands/client_family.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/errors.h"
#include "server/events/tracking.h"

namespace shoal {
namespace {

struct TrackingRequest {
  uint64_t redirect = 0;
  uint32_t options = 0;
  std::vector<std::string> prefixes;
};

// One of the two is a prefix of the other (Redis: they overlap).
bool Overlap(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  return a.substr(0, n) == b.substr(0, n);
}

// The options after ON|OFF; false after replying an error.
bool ParseTrackingOptions(CommandContext& ctx, CmdArgs args, TrackingRequest* req) {
  for (size_t j = 3; j < args.size(); ++j) {
    const bool more = j + 1 < args.size();
    if (ArgIs(args[j], "redirect") && more) {
      ++j;
      if (req->redirect != 0) {
        ctx.Error("ERR A client can only redirect to a single other client");
        return false;
      }
      int64_t id = 0;
      if (!ParseInt(args[j], &id)) {
        ctx.Error(kErrNotInteger);
        return false;
      }
      // The target must exist now (it may leave later: the client is then
      // marked broken when an invalidation finds it gone).
      if (id <= 0 ||
          !ctx.server->clients().With(static_cast<uint64_t>(id), [](ClientSession&) {})) {
        ctx.Error("ERR The client ID you want redirect to does not exist");
        return false;
      }
      req->redirect = static_cast<uint64_t>(id);
    } else if (ArgIs(args[j], "bcast")) {
      req->options |= kTrackingBcast;
    } else if (ArgIs(args[j], "optin")) {
      req->options |= kTrackingOptin;
    } else if (ArgIs(args[j], "optout")) {
      req->options |= kTrackingOptout;
    } else if (ArgIs(args[j], "noloop")) {
      req->options |= kTrackingNoloop;
    } else if (ArgIs(args[j], "prefix") && more) {
      ++j;
      req->prefixes.emplace_back(args[j]);
    } else {
      ctx.Error(kErrSyntax);
      return false;
    }
  }
  return true;
}

// Redis's checks for ON, in its order: the reply text of the first that
// fails, or "" when the request may go ahead.
std::string CheckTrackingOn(const ClientSession& c, const TrackingRequest& req) {
  const uint32_t now = c.tracking.load(std::memory_order_relaxed);
  const uint32_t opt = req.options;
  if (!(opt & kTrackingBcast) && !req.prefixes.empty()) {
    return "ERR PREFIX option requires BCAST mode to be enabled";
  }
  if ((now & kTrackingOn) && ((now & kTrackingBcast) != 0) != ((opt & kTrackingBcast) != 0)) {
    return "ERR You can't switch BCAST mode on/off before disabling tracking for this client, "
           "and then re-enabling it with a different mode.";
  }
  if ((opt & kTrackingBcast) && (opt & (kTrackingOptin | kTrackingOptout))) {
    return "ERR OPTIN and OPTOUT are not compatible with BCAST";
  }
  if ((opt & kTrackingOptin) && (opt & kTrackingOptout)) {
    return "ERR You can't specify both OPTIN mode and OPTOUT mode";
  }
  if (((opt & kTrackingOptin) && (now & kTrackingOptout)) ||
      ((opt & kTrackingOptout) && (now & kTrackingOptin))) {
    return "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, "
           "and then re-enabling it with a different mode.";
  }
  if (opt & kTrackingBcast) {
    for (size_t i = 0; i < req.prefixes.size(); ++i) {
      const std::string& p = req.prefixes[i];
      for (const std::string& have : c.tracking_prefixes) {
        if (Overlap(have, p)) {
          return StrCat("ERR Prefix '", p, "' overlaps with an existing prefix '", have,
                        "'. Prefixes for a single client must not overlap.");
        }
      }
      for (size_t j = i + 1; j < req.prefixes.size(); ++j) {
        if (Overlap(p, req.prefixes[j])) {
          return StrCat("ERR Prefix '", p, "' overlaps with another provided prefix '",
                        req.prefixes[j], "'. Prefixes for a single client must not overlap.");
        }
      }
    }
  }
  return "";
}

void ClientTrackingCmd(CommandContext& ctx, CmdArgs args) {
  TrackingRequest req;
  if (!ParseTrackingOptions(ctx, args, &req)) return;
  ClientTracking* tracking = TrackingOf(*ctx.server);
  if (ArgIs(args[2], "on")) {
    std::string err = CheckTrackingOn(*ctx.client, req);
    if (!err.empty()) return ctx.Error(err);
    if (tracking == nullptr) return ctx.Error("ERR client tracking is not available");
    tracking->Enable(ctx.client, req.redirect, req.options, req.prefixes);
  } else if (ArgIs(args[2], "off")) {
    if (tracking != nullptr) tracking->Disable(ctx.client);
  } else {
    return ctx.Error(kErrSyntax);
  }
  ctx.reply->Ok();
}

void ClientCachingCmd(CommandContext& ctx, CmdArgs args) {
  ClientSession* c = ctx.client;
  const uint32_t f = c->tracking.load(std::memory_order_relaxed);
  if (!(f & kTrackingOn)) {
    return ctx.Error(
        "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "
        "OPTOUT mode enabled");
  }
  if (ArgIs(args[2], "yes")) {
    if (!(f & kTrackingOptin)) {
      return ctx.Error(
          "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
    }
  } else if (ArgIs(args[2], "no")) {
    if (!(f & kTrackingOptout)) {
      return ctx.Error(
          "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
    }
  } else {
    return ctx.Error(kErrSyntax);
  }
  // Covers the next command, or the next MULTI ... EXEC (the dispatcher
  // ends it: Dispatcher::EndTrackingCaching).
  c->tracking_caching = true;
  ctx.reply->Ok();
}

int64_t RedirectOf(const ClientSession& c) {
  if (!(c.tracking.load(std::memory_order_relaxed) & kTrackingOn)) return -1;
  return static_cast<int64_t>(c.tracking_redirect.load(std::memory_order_relaxed));
}

void ClientGetRedirCmd(CommandContext& ctx, CmdArgs) {
  ctx.reply->Integer(RedirectOf(*ctx.client));
}

void ClientTrackingInfoCmd(CommandContext& ctx, CmdArgs) {
  const ClientSession& c = *ctx.client;
  const uint32_t f = c.tracking.load(std::memory_order_relaxed);
  std::vector<std::string_view> flags;
  flags.push_back((f & kTrackingOn) ? "on" : "off");
  if (f & kTrackingBcast) flags.push_back("bcast");
  if (f & kTrackingOptin) {
    flags.push_back("optin");
    if (c.tracking_caching) flags.push_back("caching-yes");
  }
  if (f & kTrackingOptout) {
    flags.push_back("optout");
    if (c.tracking_caching) flags.push_back("caching-no");
  }
  if (f & kTrackingNoloop) flags.push_back("noloop");
  if (f & kTrackingBrokenRedir) flags.push_back("broken_redirect");
  ReplyBuilder& rb = *ctx.reply;
  rb.MapHeader(3);
  rb.Bulk("flags");
  rb.SetHeader(static_cast<int64_t>(flags.size()));
  for (std::string_view fl : flags) rb.Bulk(fl);
  rb.Bulk("redirect");
  rb.Integer(RedirectOf(c));
  rb.Bulk("prefixes");
  // In byte order, as Redis lists its radix tree.
  std::vector<std::string> prefixes = c.tracking_prefixes;
  std::sort(prefixes.begin(), prefixes.end());
  rb.ArrayHeader(static_cast<int64_t>(prefixes.size()));
  for (const std::string& p : prefixes) rb.Bulk(p);
}

constexpr uint32_t kSubFlags = kCmdNoScript | kCmdLoading | kCmdStale;
constexpr std::string_view kConnAcl = "@slow @connection";

}  // namespace

void AddTrackingSubcommands(std::vector<CommandSpec>* subs) {
  subs->push_back(MakeSpec(
      "client|tracking", -3, kSubFlags, {}, ClientTrackingCmd,
      {.group = "connection",
       .since = "6.0.0",
       .summary = "Controls server-assisted client-side caching for the connection.",
       .complexity = "O(1). Some options may introduce additional complexity.",
       .syntax = "<ON | OFF> [REDIRECT client-id] [PREFIX prefix [PREFIX prefix ...]] [BCAST] "
                 "[OPTIN] [OPTOUT] [NOLOOP]",
       .acl_categories = kConnAcl}));
  subs->push_back(
      MakeSpec("client|caching", 3, kSubFlags, {}, ClientCachingCmd,
               {.group = "connection",
                .since = "6.0.0",
                .summary = "Instructs the server whether to track the keys in the next request.",
                .complexity = "O(1)",
                .syntax = "<YES | NO>",
                .acl_categories = kConnAcl}));
  subs->push_back(MakeSpec(
      "client|getredir", 2, kSubFlags, {}, ClientGetRedirCmd,
      {.group = "connection",
       .since = "6.0.0",
       .summary = "Returns the client ID to which the connection's tracking notifications are "
                  "redirected.",
       .complexity = "O(1)",
       .acl_categories = kConnAcl}));
  subs->push_back(
      MakeSpec("client|trackinginfo", 2, kSubFlags, {}, ClientTrackingInfoCmd,
               {.group = "connection",
                .since = "6.2.0",
                .summary = "Returns information about server-assisted client-side caching for the "
                           "connection.",
                .complexity = "O(1)",
                .acl_categories = kConnAcl}));
}

}  // namespace shoal
