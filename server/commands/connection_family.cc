// The connection family: PING, ECHO, QUIT, HELLO, AUTH, SELECT, RESET, and
// the CLIENT container (client_family.cc).
//
// Authentication goes through the ACL users (server/acl): AUTH <password>
// is AUTH default <password>; a failed attempt lands in ACL LOG. The
// default user's password is requirepass. Every handler here runs on the
// client's own worker and touches only its own session.
#include <string>

#include "base/strings.h"
#include "server/acl/acl_family.h"
#include "server/commands/client_family.h"
#include "server/commands/families.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/dispatcher.h"
#include "server/dispatch/errors.h"
#include "server/events/pubsub.h"
#include "server/events/tracking.h"

namespace shoal {
namespace {

constexpr std::string_view kRedisVersion = "7.2.4";
constexpr std::string_view kErrWrongPass =
    "WRONGPASS invalid username-password pair or user is disabled.";

void SetResp(CommandContext& ctx, int version) {
  ctx.reply->set_resp_version(version);
  ctx.client->resp.store(version, std::memory_order_relaxed);
}

void Ping(CommandContext& ctx, CmdArgs args) {
  if (args.size() > 2) return ctx.Error(WrongArityText("ping"));
  if (ctx.client->subscriptions.load(std::memory_order_relaxed) > 0 &&
      ctx.client->resp.load(std::memory_order_relaxed) == 2) {
    // RESP2 subscribed state: PING answers as a pub/sub message does.
    ctx.reply->ArrayHeader(2);
    ctx.reply->Bulk("pong");
    ctx.reply->Bulk(args.size() == 2 ? args[1] : std::string_view());
    return;
  }
  if (args.size() == 2) return ctx.reply->Bulk(args[1]);
  ctx.reply->SimpleString("PONG");
}

void Echo(CommandContext& ctx, CmdArgs args) { ctx.reply->Bulk(args[1]); }

void Quit(CommandContext& ctx, CmdArgs) {
  ctx.client->close_after_reply = true;
  ctx.reply->Ok();
}

// AUTH [username] password
void Auth(CommandContext& ctx, CmdArgs args) {
  if (args.size() > 3) return ctx.Error(kErrSyntax);
  if (args.size() == 2 && ProcessAcl().default_user()->Rules().nopass()) {
    return ctx.Error(
        "ERR AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?");
  }
  std::string_view user = args.size() == 3 ? args[1] : std::string_view("default");
  if (!AclAuthenticate(ctx, args[0], user, args.back())) return ctx.Error(kErrWrongPass);
  ctx.reply->Ok();
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
void Hello(CommandContext& ctx, CmdArgs args) {
  int64_t version = 0;
  if (args.size() >= 2) {
    if (!ParseInt(args[1], &version)) {
      return ctx.Error("ERR Protocol version is not an integer or out of range");
    }
    if (version < 2 || version > 3) return ctx.Error("NOPROTO unsupported protocol version");
  }
  bool has_auth = false, has_name = false;
  std::string_view user, pass, name;
  for (size_t i = 2; i < args.size(); ++i) {
    size_t more = args.size() - 1 - i;
    if (ArgIs(args[i], "auth") && more >= 2) {
      has_auth = true;
      user = args[i + 1];
      pass = args[i + 2];
      i += 2;
    } else if (ArgIs(args[i], "setname") && more >= 1) {
      has_name = true;
      name = args[i + 1];
      i += 1;
    } else {
      return ctx.Error(StrCat("ERR Syntax error in HELLO option '", args[i], "'"));
    }
  }
  if (has_auth && !AclAuthenticate(ctx, args[0], user, pass)) return ctx.Error(kErrWrongPass);
  if (!ctx.client->authenticated && ctx.server->runtime().AuthRequired()) {
    return ctx.Error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
        "HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and "
        "select the RESP protocol version at the same time");
  }
  if (has_name) {
    if (!IsValidClientAttr(name)) return ctx.Error(kErrClientName);
    absl::MutexLock l(&ctx.client->names_mu);
    ctx.client->name.assign(name);
  }
  if (version != 0) SetResp(ctx, static_cast<int>(version));

  ReplyBuilder* r = ctx.reply;
  r->MapHeader(7);
  r->Bulk("server");
  r->Bulk("redis");
  r->Bulk("version");
  r->Bulk(kRedisVersion);
  r->Bulk("proto");
  r->Integer(ctx.client->resp.load(std::memory_order_relaxed));
  r->Bulk("id");
  r->Integer(static_cast<int64_t>(ctx.client->id));
  r->Bulk("mode");
  r->Bulk(ctx.server->runtime().cluster_enabled.load(std::memory_order_relaxed) ? "cluster"
                                                                                 : "standalone");
  r->Bulk("role");
  r->Bulk("master");
  r->Bulk("modules");
  r->ArrayHeader(0);
}

void Select(CommandContext& ctx, CmdArgs args) {
  int64_t index;
  if (!ParseInt(args[1], &index)) return ctx.Error(kErrNotInteger);
  if (index < INT32_MIN || index > INT32_MAX) {
    return ctx.Error("ERR value is out of range, value must between -2147483648 and 2147483647");
  }
  if (ctx.server->runtime().cluster_enabled.load(std::memory_order_relaxed) && index != 0) {
    return ctx.Error(OpStatus::kNotAllowedInCluster);
  }
  if (index < 0 || index >= ctx.store->databases()) {
    return ctx.Error(OpStatus::kDbIndexOutOfRange);
  }
  ctx.client->db.store(static_cast<int>(index), std::memory_order_relaxed);
  ctx.reply->Ok();
}

// RESET: back to a fresh connection's state. Library attributes (SETINFO)
// are kept, as Redis keeps them.
void Reset(CommandContext& ctx, CmdArgs) {
  ClientSession* c = ctx.client;
  ctx.dispatcher->DiscardTransaction(c);
  ctx.server->pubsub().RemoveAll(c);
  if (ClientTracking* t = TrackingOf(*ctx.server)) t->Disable(c);
  c->db.store(0, std::memory_order_relaxed);
  SetResp(ctx, 2);
  {
    absl::MutexLock l(&c->names_mu);
    c->name.clear();
  }
  c->no_evict = false;
  c->no_touch = false;
  if (c->monitor.load(std::memory_order_relaxed)) {
    ctx.server->monitors().Remove(c);
    c->monitor.store(false, std::memory_order_relaxed);
  }
  AclResetClient(c);
  ctx.reply->SimpleString("RESET");
}

constexpr std::string_view kConnAcl = "@fast @connection";

}  // namespace

void RegisterConnectionCommands(CommandTable* table) {
  constexpr uint32_t kHandshake = kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast |
                                  kCmdNoAuth | kCmdAllowBusy;
  table->Register(MakeSpec("ping", -1, kCmdFast | kCmdPubSubContext, {}, Ping,
                           {.group = "connection",
                            .since = "1.0.0",
                            .summary = "Returns the server's liveliness response.",
                            .complexity = "O(1)",
                            .syntax = "[message]",
                            .acl_categories = kConnAcl}));
  table->Register(MakeSpec("echo", 2, kCmdLoading | kCmdStale | kCmdFast, {}, Echo,
                           {.group = "connection",
                            .since = "1.0.0",
                            .summary = "Returns the given string.",
                            .complexity = "O(1)",
                            .syntax = "message",
                            .acl_categories = kConnAcl}));
  table->Register(MakeSpec("quit", -1, kHandshake | kCmdTransactionControl | kCmdPubSubContext, {},
                           Quit,
                           {.group = "connection",
                            .since = "1.0.0",
                            .summary = "Closes the connection.",
                            .complexity = "O(1)",
                            .acl_categories = kConnAcl}));
  table->Register(MakeSpec("hello", -1, kHandshake, {}, Hello,
                           {.group = "connection",
                            .since = "6.0.0",
                            .summary = "Handshakes with the Redis server.",
                            .complexity = "O(1)",
                            .syntax = "[protover [AUTH username password] [SETNAME clientname]]",
                            .acl_categories = kConnAcl}));
  table->Register(
      MakeSpec("auth", -2, kHandshake, {}, Auth,
               {.group = "connection",
                .since = "1.0.0",
                .summary = "Authenticates the connection.",
                .complexity = "O(N) where N is the number of passwords defined for the user",
                .syntax = "[username] password",
                .acl_categories = kConnAcl}));
  table->Register(MakeSpec("select", 2, kCmdLoading | kCmdStale | kCmdFast, {}, Select,
                           {.group = "connection",
                            .since = "1.0.0",
                            .summary = "Changes the selected database.",
                            .complexity = "O(1)",
                            .syntax = "index",
                            .acl_categories = kConnAcl}));
  table->Register(MakeSpec("reset", 1, kHandshake | kCmdTransactionControl | kCmdPubSubContext, {},
                           Reset,
                           {.group = "connection",
                            .since = "6.2.0",
                            .summary = "Resets the connection.",
                            .complexity = "O(1)",
                            .acl_categories = kConnAcl}));
  RegisterClientCommands(table);
}

}  // namespace shoal
