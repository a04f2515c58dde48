// The ACL command: CAT, DELUSER, DRYRUN, GENPASS, GETUSER, LIST, LOAD, LOG,
// SAVE, SETUSER, USERS, WHOAMI, HELP, with Redis 7.2's replies and errors;
// and the authentication helpers AUTH, HELLO and RESET use.
//
// Handlers run on the caller's worker; the registry and the log are
// thread-safe. Other clients are touched only through their kill flag.
#include "server/acl/acl_family.h"

#include <algorithm>
#include <string>
#include <vector>

#include "base/strings.h"
#include "server/acl/acl_password.h"
#include "server/dispatch/command_docs.h"
#include "server/dispatch/errors.h"
#include "server/dispatch/server_state.h"
#include "server/events/pubsub.h"

namespace shoal {
namespace {

std::vector<std::string_view> Rest(CmdArgs args, size_t from) {
  return std::vector<std::string_view>(args.begin() + from, args.end());
}

void AclContainer(CommandContext& ctx, CmdArgs) { ctx.Error(WrongArityText(ctx.spec->name)); }

void AclCat(CommandContext& ctx, CmdArgs args) {
  AclRegistry& acl = ProcessAcl();
  const AclCommandIndex& index = acl.index();
  if (args.size() == 2) {
    const auto& names = AclCommandIndex::CategoryNames();
    ctx.reply->ArrayHeader(static_cast<int64_t>(names.size()));
    for (std::string_view n : names) ctx.reply->Bulk(n);
    return;
  }
  if (args.size() != 3) return ctx.Error(WrongArityText(ctx.spec->name));
  uint64_t bit = AclCommandIndex::CategoryBit(args[2]);
  if (bit == 0) return ctx.Error(StrCat("ERR Unknown category '", args[2], "'"));
  std::vector<std::string_view> names;
  for (const CommandSpec* spec : index.all()) {
    if (index.categories(spec->id) & bit) names.push_back(spec->name);
  }
  ctx.reply->ArrayHeader(static_cast<int64_t>(names.size()));
  for (std::string_view n : names) ctx.reply->Bulk(n);
}

void AclSetUser(CommandContext& ctx, CmdArgs args) {
  absl::Status st = ProcessAcl().SetUser(args[2], Rest(args, 3));
  if (!st.ok()) return ctx.Error(ToStd(st.message()));
  if (std::shared_ptr<AclUser> u = ProcessAcl().Find(args[2])) {
    AclDisconnectSubscribersIfNeeded(ctx, *u);
  }
  ctx.reply->Ok();
}

void AclDelUser(CommandContext& ctx, CmdArgs args) {
  std::vector<std::string> deleted;
  absl::Status st = ProcessAcl().DelUsers(Rest(args, 2), &deleted);
  if (!st.ok()) return ctx.Error(ToStd(st.message()));
  for (const std::string& name : deleted) AclDisconnectUser(ctx, name);
  ctx.reply->Integer(static_cast<int64_t>(deleted.size()));
}

void ReplySelector(ReplyBuilder* r, const AclSelector& s) {
  r->MapHeader(3);
  r->Bulk("commands");
  r->Bulk(s.DescribeCommands());
  r->Bulk("keys");
  r->Bulk(s.DescribeKeys());
  r->Bulk("channels");
  r->Bulk(s.DescribeChannels());
}

void AclGetUser(CommandContext& ctx, CmdArgs args) {
  AclRegistry& acl = ProcessAcl();
  acl.index();
  std::shared_ptr<AclUser> u = acl.Find(args[2]);
  if (u == nullptr) return ctx.reply->NullBulk();
  AclRules rules = u->Rules();
  ReplyBuilder* r = ctx.reply;
  const AclSelector& root = rules.selectors()[0];
  r->MapHeader(6);
  r->Bulk("flags");
  std::vector<std::string_view> flags = rules.FlagNames();
  r->SetHeader(static_cast<int64_t>(flags.size()));
  for (std::string_view f : flags) r->Bulk(f);
  r->Bulk("passwords");
  r->ArrayHeader(static_cast<int64_t>(rules.passwords().size()));
  for (const std::string& p : rules.passwords()) r->Bulk(p);
  r->Bulk("commands");
  r->Bulk(root.DescribeCommands());
  r->Bulk("keys");
  r->Bulk(root.DescribeKeys());
  r->Bulk("channels");
  r->Bulk(root.DescribeChannels());
  r->Bulk("selectors");
  r->ArrayHeader(static_cast<int64_t>(rules.selectors().size() - 1));
  for (size_t i = 1; i < rules.selectors().size(); ++i) ReplySelector(r, rules.selectors()[i]);
}

void AclList(CommandContext& ctx, CmdArgs) {
  std::vector<std::string> lines = ProcessAcl().Describe();
  ctx.reply->ArrayHeader(static_cast<int64_t>(lines.size()));
  for (const std::string& l : lines) ctx.reply->Bulk(l);
}

void AclUsers(CommandContext& ctx, CmdArgs) {
  std::vector<std::string> names = ProcessAcl().Names();
  ctx.reply->ArrayHeader(static_cast<int64_t>(names.size()));
  for (const std::string& n : names) ctx.reply->Bulk(n);
}

void AclWhoAmI(CommandContext& ctx, CmdArgs) { ctx.reply->Bulk(ctx.client->UserName()); }

void AclGenPass(CommandContext& ctx, CmdArgs args) {
  int64_t bits = 256;
  if (args.size() == 3 && (!SimpleAtoi(args[2], &bits) || bits <= 0 || bits > 4096)) {
    return ctx.Error(
        "ERR ACL GENPASS argument must be the number of bits for the output password, a "
        "positive number up to 4096");
  }
  if (args.size() > 3) return ctx.Error(WrongArityText(ctx.spec->name));
  std::string hex = RandomHex(static_cast<int>(bits));
  if (hex.empty()) return ctx.Error("ERR Failed to generate random bytes");
  ctx.reply->Bulk(hex);
}

void AclLoad(CommandContext& ctx, CmdArgs) {
  std::vector<std::string> removed;
  absl::Status st = ProcessAcl().Load(&removed);
  if (!st.ok()) return ctx.Error(ToStd(st.message()));
  for (const std::string& name : removed) AclDisconnectUser(ctx, name);
  for (const std::string& name : ProcessAcl().Names()) {
    if (std::shared_ptr<AclUser> u = ProcessAcl().Find(name)) {
      AclDisconnectSubscribersIfNeeded(ctx, *u);
    }
  }
  ctx.reply->Ok();
}

void AclSave(CommandContext& ctx, CmdArgs) {
  absl::Status st = ProcessAcl().Save();
  if (!st.ok()) return ctx.Error(ToStd(st.message()));
  ctx.reply->Ok();
}

void AclLogCmd(CommandContext& ctx, CmdArgs args) {
  AclLog& log = ProcessAcl().log();
  int64_t count = 10;
  if (args.size() == 3) {
    if (EqualsIgnoreCase(args[2], "reset")) {
      log.Reset();
      return ctx.reply->Ok();
    }
    if (!SimpleAtoi(args[2], &count)) return ctx.Error(kErrNotInteger);
  } else if (args.size() > 3) {
    return ctx.Error(
        "ERR unknown subcommand or wrong number of arguments for 'log'. Try ACL HELP.");
  }
  if (count < 0) count = 0;
  std::vector<AclLogEntry> entries = log.Get(count);
  const int64_t now = ctx.NowMs();
  ReplyBuilder* r = ctx.reply;
  r->ArrayHeader(static_cast<int64_t>(entries.size()));
  for (const AclLogEntry& e : entries) {
    r->MapHeader(10);
    r->Bulk("count");
    r->Integer(e.count);
    r->Bulk("reason");
    r->Bulk(e.reason);
    r->Bulk("context");
    r->Bulk(e.context);
    r->Bulk("object");
    r->Bulk(e.object);
    r->Bulk("username");
    r->Bulk(e.username);
    r->Bulk("age-seconds");
    r->Double(static_cast<double>(std::max<int64_t>(0, now - e.updated_ms)) / 1000.0);
    r->Bulk("client-info");
    r->Bulk(e.client_info);
    r->Bulk("entry-id");
    r->Integer(e.entry_id);
    r->Bulk("timestamp-created");
    r->Integer(e.created_ms);
    r->Bulk("timestamp-last-updated");
    r->Integer(e.updated_ms);
  }
}

void AclDryRun(CommandContext& ctx, CmdArgs args) {
  AclRegistry& acl = ProcessAcl();
  acl.index();
  std::shared_ptr<AclUser> u = acl.Find(args[2]);
  if (u == nullptr) return ctx.Error(StrCat("ERR User '", args[2], "' not found"));
  CmdArgs cmd = args.subspan(3);
  const CommandSpec* spec = ctx.server->table().Find(cmd[0]);
  if (spec != nullptr && !spec->subcommands.empty() && cmd.size() >= 2) {
    spec = CommandTable::FindSub(*spec, cmd[1]);
  }
  if (spec == nullptr) return ctx.Error(StrCat("ERR Command '", cmd[0], "' not found"));
  const int n = static_cast<int>(cmd.size());
  if (spec->arity >= 0 ? n != spec->arity : n < -spec->arity) {
    return ctx.Error(WrongArityText(spec->name));
  }
  AclVerdict v = u->DryRun(*spec, cmd);
  if (v.allowed()) return ctx.reply->Ok();
  ctx.reply->Bulk(v.message);
}

void AclHelp(CommandContext& ctx, CmdArgs) {
  static const char* kLines[] = {
      "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CAT [<category>]",
      "    List all commands that belong to <category>, or all command categories",
      "    when no category is specified.",
      "DELUSER <username> [<username> ...]",
      "    Delete a list of users.",
      "DRYRUN <username> <command> [<arg> ...]",
      "    Returns whether the user can execute the given command without executing the command.",
      "GETUSER <username>",
      "    Get the user's details.",
      "GENPASS [<bits>]",
      "    Generate a secure 256-bit user password. The optional `bits` argument can",
      "    be used to specify a different size.",
      "LIST",
      "    Show users details in config file format.",
      "LOAD",
      "    Reload users from the ACL file.",
      "LOG [<count> | RESET]",
      "    Show the ACL log entries.",
      "SAVE",
      "    Save the current config to the ACL file.",
      "SETUSER <username> <attribute> [<attribute> ...]",
      "    Create or modify a user with the specified attributes.",
      "USERS",
      "    List all the registered usernames.",
      "WHOAMI",
      "    Return the current connection username.",
      "HELP",
      "    Prints this help."};
  ctx.reply->ArrayHeader(static_cast<int64_t>(std::size(kLines)));
  for (const char* l : kLines) ctx.reply->SimpleString(l);
}

}  // namespace

bool AclAuthenticate(CommandContext& ctx, std::string_view command, std::string_view user,
                     std::string_view password) {
  AclRegistry& acl = ProcessAcl();
  std::shared_ptr<AclUser> u = acl.Authenticate(user, password);
  ClientSession* c = ctx.client;
  if (u == nullptr) {
    // The object is the command that tried, as the client spelled it (as
    // Redis logs it).
    acl.log().Add("auth", c->in_multi ? "multi" : "toplevel", command, user,
                  acl.ClientInfo(ctx, *c), ctx.NowMs());
    if (ctx.server != nullptr) ctx.server->acl_denied_auth.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  {
    absl::MutexLock l(&c->names_mu);
    c->user_name = u->name();
  }
  c->user = std::move(u);
  c->authenticated = true;
  return true;
}

void AclResetClient(ClientSession* c) {
  AclRegistry& acl = ProcessAcl();
  {
    absl::MutexLock l(&c->names_mu);
    c->user_name = "default";
  }
  c->user = acl.default_user();
  c->authenticated = !acl.AuthRequired();
}

void AclDisconnectUser(CommandContext& ctx, std::string_view name) {
  ctx.server->clients().ForEach([&](ClientSession& s) {
    if (s.id == 0) return;  // not a connection
    {
      absl::MutexLock l(&s.names_mu);
      if (s.user_name != name) return;
    }
    if (&s == ctx.client) {
      s.close_after_reply = true;
    } else if (!s.kill_requested.exchange(true) && s.waker != nullptr) {
      s.waker->Wake();
    }
  });
}

void AclDisconnectSubscribersIfNeeded(CommandContext& ctx, const AclUser& user) {
  const AclRules rules = user.Rules();
  PubSubRegistry& pubsub = ctx.server->pubsub();
  ctx.server->clients().ForEach([&](ClientSession& s) {
    if (s.id == 0 || s.subscriptions.load(std::memory_order_relaxed) == 0) return;
    {
      absl::MutexLock l(&s.names_mu);
      if (s.user_name != user.name()) return;
    }
    bool kill = false;
    for (SubKind kind : {SubKind::kChannel, SubKind::kPattern, SubKind::kShard}) {
      for (const std::string& name : pubsub.SubscriptionsOf(&s, kind)) {
        kill = kill || !rules.ChannelAllowed(name, kind == SubKind::kPattern);
      }
    }
    if (!kill) return;
    if (&s == ctx.client) {
      s.close_after_reply = true;
    } else if (!s.kill_requested.exchange(true) && s.waker != nullptr) {
      s.waker->Wake();
    }
  });
}

void RegisterAclCommands(CommandTable* table) {
  ProcessAcl().SetTable(table);
  constexpr uint32_t kAdmin = kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale;
  constexpr uint32_t kPlain = kCmdNoScript | kCmdLoading | kCmdStale;
  constexpr std::string_view kAdminCats = "@admin @slow @dangerous";
  auto sub = [](std::string_view name, int arity, uint32_t flags, CommandHandler h,
                std::string_view summary, std::string_view syntax, std::string_view cats,
                std::string_view since = "6.0.0") {
    return MakeSpec(name, arity, flags, {}, h,
                    {.group = "server",
                     .since = since,
                     .summary = summary,
                     .complexity = "O(1)",
                     .syntax = syntax,
                     .acl_categories = cats});
  };
  CommandSpec acl = MakeSpec("acl", -2, 0, {}, AclContainer,
                             {.group = "server",
                              .since = "6.0.0",
                              .summary = "A container for Access List Control commands.",
                              .complexity = "Depends on subcommand.",
                              .acl_categories = "@slow"});
  acl.subcommands = {
      sub("acl|cat", -2, kPlain, AclCat,
          "Lists the ACL categories, or the commands inside a category.", "[category]", "@slow"),
      sub("acl|deluser", -3, kAdmin, AclDelUser,
          "Deletes ACL users, and terminates their connections.", "username [username ...]",
          kAdminCats),
      sub("acl|dryrun", -4, kAdmin, AclDryRun,
          "Simulates the execution of a command by a user, without executing the command.",
          "username command [arg [arg ...]]", kAdminCats, "7.0.0"),
      sub("acl|genpass", -2, kPlain, AclGenPass,
          "Generates a pseudorandom, secure password that can be used to identify ACL users.",
          "[bits]", "@slow"),
      sub("acl|getuser", 3, kAdmin, AclGetUser, "Lists the ACL rules of a user.", "username",
          kAdminCats),
      sub("acl|list", 2, kAdmin, AclList, "Dumps the effective rules in ACL file format.", "",
          kAdminCats),
      sub("acl|load", 2, kAdmin, AclLoad, "Reloads the rules from the configured ACL file.", "",
          kAdminCats),
      sub("acl|log", -2, kAdmin, AclLogCmd,
          "Lists recent security events generated due to ACL rules.", "[count | RESET]",
          kAdminCats),
      sub("acl|save", 2, kAdmin, AclSave,
          "Saves the effective ACL rules in the configured ACL file.", "", kAdminCats),
      sub("acl|setuser", -3, kAdmin, AclSetUser, "Creates and modifies an ACL user and its rules.",
          "username [rule [rule ...]]", kAdminCats),
      sub("acl|users", 2, kAdmin, AclUsers, "Lists all ACL users.", "", kAdminCats),
      sub("acl|whoami", 2, kPlain, AclWhoAmI,
          "Returns the authenticated username of the current connection.", "", "@slow"),
      sub("acl|help", 2, kCmdLoading | kCmdStale, AclHelp,
          "Returns helpful text about the different subcommands.", "", "@slow"),
  };
  table->Register(std::move(acl));
}

}  // namespace shoal
