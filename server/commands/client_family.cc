// The CLIENT container: ID, SETNAME, GETNAME, SETINFO, LIST, INFO, KILL,
// NO-EVICT, NO-TOUCH, HELP.
//
// Sessions of other connections live on other workers. This file reads only
// their "any thread" fields (atomics, and the names under names_mu), always
// inside ClientRegistry::ForEach, which keeps every listed session alive for
// the duration of the callback. Fields owned by a worker (no_evict, queued...)
// are shown for the calling client only.
//
// CLIENT KILL never closes another worker's socket itself: it raises the
// target's kill_requested flag and wakes its loop, which closes it there.
// A client that kills itself gets its reply first and is closed after it.
#include "server/commands/client_family.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "server/acl/acl_registry.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/errors.h"

namespace shoal {

bool IsValidClientAttr(std::string_view s) {
  for (char ch : s) {
    if (ch < '!' || ch > '~') return false;
  }
  return true;
}

namespace {

// Redis's client types. Shoal has no replicas or masters among its clients,
// and subscriptions are not visible here, so every client is "normal".
enum class ClientType { kNormal, kReplica, kMaster, kPubSub, kUnknown };

ClientType ParseClientType(std::string_view s) {
  if (ArgIs(s, "normal")) return ClientType::kNormal;
  if (ArgIs(s, "slave") || ArgIs(s, "replica")) return ClientType::kReplica;
  if (ArgIs(s, "master")) return ClientType::kMaster;
  if (ArgIs(s, "pubsub")) return ClientType::kPubSub;
  return ClientType::kUnknown;
}

ClientType TypeOf(const ClientSession& /*s*/) { return ClientType::kNormal; }

std::string UnknownTypeText(std::string_view s) {
  return StrCat("ERR Unknown client type '", s, "'");
}

// One CLIENT LIST line (without the trailing newline), in redis-server 7.2's
// field order. `self` is the calling client, whose worker-owned fields and
// current command may be read.
void AppendClientLine(const CommandContext& ctx, const ClientSession& s, CmdArgs args,
                      std::string* out) {
  const bool self = &s == ctx.client;
  const int64_t now = ctx.NowMs();
  const int64_t age = std::max<int64_t>(0, now - s.created_ms) / 1000;
  const int64_t idle =
      self ? 0
           : std::max<int64_t>(0, now - s.last_interaction_ms.load(std::memory_order_relaxed)) /
                 1000;

  std::string flags;
  if (s.monitor.load(std::memory_order_relaxed)) flags += 'O';
  if (s.in_multi_flag.load(std::memory_order_relaxed)) flags += 'x';
  const uint32_t tracking = s.tracking.load(std::memory_order_relaxed);
  if (tracking & kTrackingOn) flags += 't';
  if (tracking & kTrackingBrokenRedir) flags += 'R';
  if (tracking & kTrackingBcast) flags += 'B';
  if (s.watcher.dirty.load(std::memory_order_relaxed)) flags += 'd';
  if (self && s.close_after_reply) flags += 'c';
  if (s.kill_requested.load(std::memory_order_relaxed)) flags += 'A';
  if (s.unix_socket) flags += 'U';
  if (self && s.no_evict) flags += 'e';
  if (self && s.no_touch) flags += 'T';
  if (flags.empty()) flags = "N";

  // The queue length is worker-owned: exact for the caller, 0 for another
  // client that is inside MULTI.
  int64_t multi = -1;
  if (s.in_multi_flag.load(std::memory_order_relaxed) || (self && s.in_multi)) {
    multi = self ? static_cast<int64_t>(s.queued.size()) : 0;
  }
  int64_t argv_mem = 0;
  if (self) {
    for (std::string_view a : args) argv_mem += static_cast<int64_t>(a.size());
  }
  const int64_t qbuf = s.query_buffer_bytes.load(std::memory_order_relaxed);
  const int64_t obuf = s.output_buffer_bytes.load(std::memory_order_relaxed);
  const int64_t tot_mem = static_cast<int64_t>(sizeof(ClientSession)) + qbuf + obuf + argv_mem;

  std::string_view cmd = "NULL";
  if (self && ctx.spec != nullptr) {
    cmd = ctx.spec->name;
  } else if (const CommandSpec* last = s.last_command.load(std::memory_order_relaxed)) {
    cmd = last->name;
  }

  std::string name, lib_name, lib_ver, user;
  {
    absl::MutexLock l(&s.names_mu);
    name = s.name;
    lib_name = s.lib_name;
    lib_ver = s.lib_ver;
    user = s.user_name;
  }

  StrAppend(out, "id=", s.id, " addr=", s.addr, " laddr=", s.laddr, " fd=", s.fd,
                  " name=", name, " age=", age, " idle=", idle, " flags=", flags);
  StrAppend(out, " db=", s.db.load(std::memory_order_relaxed),
                  " sub=0 psub=0 ssub=0 multi=", multi, " qbuf=", qbuf,
                  " qbuf-free=0 argv-mem=", argv_mem, " multi-mem=0 rbs=", qbuf,
                  " rbp=0 obl=", obuf, " oll=0 omem=0 tot-mem=", tot_mem);
  StrAppend(out, " events=", obuf > 0 ? "rw" : "r", " cmd=", cmd,
                  " user=", user, " redir=",
                  (tracking & kTrackingOn)
                      ? static_cast<int64_t>(s.tracking_redirect.load(std::memory_order_relaxed))
                      : int64_t{-1},
                  " resp=", s.resp.load(std::memory_order_relaxed),
                  " lib-name=", lib_name, " lib-ver=", lib_ver);
}

// The client-info field of ACL LOG entries (server/acl asks through
// AclRegistry::SetClientInfo).
std::string AclClientInfo(const CommandContext& ctx, const ClientSession& s) {
  std::string line;
  AppendClientLine(ctx, s, {}, &line);
  return line;
}

void ClientId(CommandContext& ctx, CmdArgs) {
  ctx.reply->Integer(static_cast<int64_t>(ctx.client->id));
}

void ClientSetName(CommandContext& ctx, CmdArgs args) {
  if (!IsValidClientAttr(args[2])) return ctx.Error(kErrClientName);
  {
    absl::MutexLock l(&ctx.client->names_mu);
    ctx.client->name.assign(args[2]);
  }
  ctx.reply->Ok();
}

void ClientGetName(CommandContext& ctx, CmdArgs) {
  std::string name = ctx.client->Name();
  if (name.empty()) return ctx.reply->NullBulk();
  ctx.reply->Bulk(name);
}

void ClientSetInfo(CommandContext& ctx, CmdArgs args) {
  std::string ClientSession::*field = nullptr;
  if (ArgIs(args[2], "lib-name")) {
    field = &ClientSession::lib_name;
  } else if (ArgIs(args[2], "lib-ver")) {
    field = &ClientSession::lib_ver;
  } else {
    return ctx.Error(StrCat("ERR Unrecognized option '", args[2], "'"));
  }
  if (!IsValidClientAttr(args[3])) {
    return ctx.Error(
        StrCat("ERR ", args[2], " cannot contain spaces, newlines or special characters."));
  }
  {
    absl::MutexLock l(&ctx.client->names_mu);
    (ctx.client->*field).assign(args[3]);
  }
  ctx.reply->Ok();
}

// CLIENT LIST [TYPE type] | [ID id [id ...]] — the two forms do not combine,
// as in redis-server 7.2.
void ClientList(CommandContext& ctx, CmdArgs args) {
  std::string out;
  if (args.size() == 4 && ArgIs(args[2], "type")) {
    ClientType type = ParseClientType(args[3]);
    if (type == ClientType::kUnknown) return ctx.Error(UnknownTypeText(args[3]));
    std::vector<std::pair<uint64_t, std::string>> lines;
    ctx.server->clients().ForEach([&](ClientSession& s) {
      if (TypeOf(s) != type) return;
      std::string line;
      AppendClientLine(ctx, s, args, &line);
      lines.emplace_back(s.id, std::move(line));
    });
    std::sort(lines.begin(), lines.end());
    for (auto& [id, line] : lines) StrAppend(&out, line, "\n");
  } else if (args.size() > 3 && ArgIs(args[2], "id")) {
    std::vector<int64_t> ids;
    for (size_t i = 3; i < args.size(); ++i) {
      int64_t id;
      if (!ParseInt(args[i], &id)) return ctx.Error("ERR Invalid client ID");
      ids.push_back(id);
    }
    std::vector<std::pair<uint64_t, std::string>> found;
    ctx.server->clients().ForEach([&](ClientSession& s) {
      if (std::find(ids.begin(), ids.end(), static_cast<int64_t>(s.id)) == ids.end()) return;
      std::string line;
      AppendClientLine(ctx, s, args, &line);
      found.emplace_back(s.id, std::move(line));
    });
    // In the order asked, repeats included.
    for (int64_t id : ids) {
      for (const auto& [fid, line] : found) {
        if (static_cast<int64_t>(fid) == id) StrAppend(&out, line, "\n");
      }
    }
  } else if (args.size() != 2) {
    return ctx.Error(kErrSyntax);
  } else {
    std::vector<std::pair<uint64_t, std::string>> lines;
    ctx.server->clients().ForEach([&](ClientSession& s) {
      std::string line;
      AppendClientLine(ctx, s, args, &line);
      lines.emplace_back(s.id, std::move(line));
    });
    std::sort(lines.begin(), lines.end());
    for (auto& [id, line] : lines) StrAppend(&out, line, "\n");
  }
  ctx.reply->Verbatim("txt", out);
}

void ClientInfo(CommandContext& ctx, CmdArgs args) {
  std::string out;
  AppendClientLine(ctx, *ctx.client, args, &out);
  out += '\n';
  ctx.reply->Verbatim("txt", out);
}

struct KillFilter {
  uint64_t id = 0;  // 0: any
  ClientType type = ClientType::kUnknown;  // kUnknown: any
  bool has_addr = false;
  std::string_view addr;
  bool has_laddr = false;
  std::string_view laddr;
  bool has_user = false;
  std::string_view user;
  bool skipme = true;

  bool Matches(const ClientSession& s) const {
    if (has_user) {
      absl::MutexLock l(&s.names_mu);
      if (s.user_name != user) return false;
    }
    if (id != 0 && s.id != id) return false;
    if (type != ClientType::kUnknown && TypeOf(s) != type) return false;
    if (has_addr && s.addr != addr) return false;
    if (has_laddr && s.laddr != laddr) return false;
    return true;
  }
};

// Parses the filter form (CLIENT KILL <option> <value> ...). Replies the
// error and returns false on a bad filter.
bool ParseKillFilter(CommandContext& ctx, CmdArgs args, KillFilter* f) {
  for (size_t i = 2; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) {
      ctx.Error(kErrSyntax);
      return false;
    }
    std::string_view opt = args[i], val = args[i + 1];
    if (ArgIs(opt, "id")) {
      int64_t id;
      if (!ParseInt(val, &id) || id < 1) {
        ctx.Error("ERR client-id should be greater than 0");
        return false;
      }
      f->id = static_cast<uint64_t>(id);
    } else if (ArgIs(opt, "type")) {
      f->type = ParseClientType(val);
      if (f->type == ClientType::kUnknown) {
        ctx.Error(UnknownTypeText(val));
        return false;
      }
    } else if (ArgIs(opt, "addr")) {
      f->has_addr = true;
      f->addr = val;
    } else if (ArgIs(opt, "laddr")) {
      f->has_laddr = true;
      f->laddr = val;
    } else if (ArgIs(opt, "user")) {
      if (ProcessAcl().Find(val) == nullptr) {
        ctx.Error(StrCat("ERR No such user '", val, "'"));
        return false;
      }
      f->has_user = true;
      f->user = val;
    } else if (ArgIs(opt, "skipme")) {
      if (ArgIs(val, "yes")) {
        f->skipme = true;
      } else if (ArgIs(val, "no")) {
        f->skipme = false;
      } else {
        ctx.Error(kErrSyntax);
        return false;
      }
    } else {
      ctx.Error(kErrSyntax);
      return false;
    }
  }
  return true;
}

// CLIENT KILL ip:port (replies OK or "No such client") or CLIENT KILL
// <filters> (replies the number of clients killed).
void ClientKill(CommandContext& ctx, CmdArgs args) {
  const bool old_form = args.size() == 3;
  KillFilter f;
  if (old_form) {
    f.has_addr = true;
    f.addr = args[2];
    f.skipme = false;
  } else if (!ParseKillFilter(ctx, args, &f)) {
    return;
  }
  int64_t killed = 0;
  bool self_killed = false;
  ctx.server->clients().ForEach([&](ClientSession& s) {
    if (!f.Matches(s)) return;
    if (&s == ctx.client) {
      if (f.skipme) return;
      self_killed = true;
      ++killed;
      return;
    }
    ++killed;
    if (!s.kill_requested.exchange(true) && s.waker != nullptr) s.waker->Wake();
  });
  if (self_killed) ctx.client->close_after_reply = true;
  if (old_form) {
    if (killed == 0) return ctx.Error("ERR No such client");
    return ctx.reply->Ok();
  }
  ctx.reply->Integer(killed);
}

// CLIENT NO-EVICT / NO-TOUCH on|off.
bool ParseOnOff(CommandContext& ctx, std::string_view arg, bool* out) {
  if (ArgIs(arg, "on")) {
    *out = true;
  } else if (ArgIs(arg, "off")) {
    *out = false;
  } else {
    ctx.Error(kErrSyntax);
    return false;
  }
  return true;
}

void ClientNoEvict(CommandContext& ctx, CmdArgs args) {
  bool on;
  if (!ParseOnOff(ctx, args[2], &on)) return;
  ctx.client->no_evict = on;
  ctx.reply->Ok();
}

// CLIENT REPLY ON|OFF|SKIP: only ON answers (the dispatcher drops the rest).
void ClientReply(CommandContext& ctx, CmdArgs args) {
  using Mode = ClientSession::ReplyMode;
  if (ArgIs(args[2], "on")) {
    ctx.client->reply_mode = Mode::kOn;
    ctx.reply->Ok();
  } else if (ArgIs(args[2], "off")) {
    ctx.client->reply_mode = Mode::kOff;
  } else if (ArgIs(args[2], "skip")) {
    if (ctx.client->reply_mode != Mode::kOff) ctx.client->reply_mode = Mode::kSkipNext;
  } else {
    ctx.Error(kErrSyntax);
  }
}

// CLIENT UNBLOCK id [TIMEOUT|ERROR]: ends another client's blocking command
// on its own worker (the connection acts on unblock_request when woken).
void ClientUnblock(CommandContext& ctx, CmdArgs args) {
  int64_t id;
  if (!ParseInt(args[2], &id)) return ctx.Error(kErrNotInteger);
  int request = ClientSession::kUnblockTimeout;
  if (args.size() == 4) {
    if (ArgIs(args[3], "error")) {
      request = ClientSession::kUnblockError;
    } else if (!ArgIs(args[3], "timeout")) {
      return ctx.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
    }
  }
  bool done = false;
  ctx.server->clients().ForEach([&](ClientSession& c) {
    if (static_cast<int64_t>(c.id) != id || !c.blocked_flag.load()) return;
    c.unblock_request.store(request);
    c.waker->WakeBlocked(c.id);
    done = true;
  });
  ctx.reply->Integer(done ? 1 : 0);
}

// CLIENT PAUSE timeout [WRITE|ALL]: a pause already in effect keeps the
// later end and the stronger mode, as in Redis.
void ClientPause(CommandContext& ctx, CmdArgs args) {
  int64_t ms;
  if (!ParseInt(args[2], &ms)) return ctx.Error("ERR timeout is not an integer or out of range");
  if (ms < 0) return ctx.Error("ERR timeout is negative");
  int mode = ServerState::kPauseAll;
  if (args.size() == 4) {
    if (ArgIs(args[3], "write")) {
      mode = ServerState::kPauseWrite;
    } else if (!ArgIs(args[3], "all")) {
      return ctx.Error("ERR CLIENT PAUSE mode must be WRITE or ALL");
    }
  } else if (args.size() > 4) {
    return ctx.Error(kErrSyntax);
  }
  ServerState& s = *ctx.server;
  int64_t now = ctx.NowMs();
  int64_t until = now + ms;
  bool active = s.pause_mode.load() != ServerState::kPauseNone && now < s.pause_until_ms.load();
  if (active) {
    until = std::max(until, s.pause_until_ms.load());
    mode = std::max(mode, s.pause_mode.load());
  }
  s.pause_until_ms.store(until);
  s.pause_mode.store(mode);
  ctx.reply->Ok();
}

// CLIENT UNPAUSE: ends the pause and wakes every held-back client.
void ClientUnpause(CommandContext& ctx, CmdArgs) {
  ctx.server->Unpause();
  ctx.reply->Ok();
}

void ClientNoTouch(CommandContext& ctx, CmdArgs args) {
  bool on;
  if (!ParseOnOff(ctx, args[2], &on)) return;
  ctx.client->no_touch = on;
  ctx.reply->Ok();
}

void ClientHelp(CommandContext& ctx, CmdArgs) {
  static constexpr std::string_view kLines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CACHING (YES|NO)",
      "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
      "GETREDIR",
      "    Return the client ID we are redirecting to when tracking is enabled.",
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are:",
      "    * ADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made from the specified address",
      "    * LADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made to specified local address",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Kill connections by type.",
      "    * USER <username>",
      "      Kill connections authenticated by <username>.",
      "    * SKIPME (YES|NO)",
      "      Skip killing current connection (default: yes).",
      "    * ID <client-id>",
      "      Kill connections by client id.",
      "LIST [options ...]",
      "    Return information about client connections. Options:",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Return clients of specified type.",
      "    * ID <client-id> [<client-id> ...]",
      "      Return clients with the given ids.",
      "PAUSE <timeout> [WRITE|ALL]",
      "    Suspend all, or just write, clients for <timeout> milliseconds.",
      "UNPAUSE",
      "    Stop the current client pause, resuming traffic.",
      "REPLY (ON|OFF|SKIP)",
      "    Control the replies sent to the current connection.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "UNBLOCK <clientid> [TIMEOUT|ERROR]",
      "    Unblock the specified blocked client.",
      "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
      "         [OPTIN] [OPTOUT] [NOLOOP]",
      "    Control server assisted client side caching.",
      "TRACKINGINFO",
      "    Report tracking status for the current connection.",
      "SETINFO <option> <value>",
      "    Set client meta attr. Options are:",
      "    * LIB-NAME: the client lib name.",
      "    * LIB-VER: the client lib version.",
      "NO-EVICT (ON|OFF)",
      "    Protect current client connection from eviction.",
      "NO-TOUCH (ON|OFF)",
      "    Will not touch LRU/LFU stats when this mode is on.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply->ArrayHeader(std::size(kLines));
  for (std::string_view line : kLines) ctx.reply->SimpleString(line);
}

constexpr uint32_t kSubFlags = kCmdNoScript | kCmdLoading | kCmdStale;
constexpr uint32_t kAdminSubFlags = kCmdAdmin | kSubFlags;
constexpr std::string_view kConnAcl = "@slow @connection";
constexpr std::string_view kAdminAcl = "@admin @slow @dangerous @connection";

}  // namespace

void RegisterClientCommands(CommandTable* table) {
  ProcessAcl().SetClientInfo(&AclClientInfo);
  CommandSpec client = MakeSpec("client", -2, 0, {}, nullptr,
                                {.group = "connection",
                                 .since = "2.4.0",
                                 .summary = "A container for client connection commands.",
                                 .complexity = "Depends on subcommand.",
                                 .acl_categories = "@slow"});
  client.subcommands = {
      MakeSpec("client|id", 2, kSubFlags, {}, ClientId,
               {.group = "connection",
                .since = "5.0.0",
                .summary = "Returns the unique client ID of the connection.",
                .complexity = "O(1)",
                .acl_categories = kConnAcl}),
      MakeSpec("client|setname", 3, kSubFlags, {}, ClientSetName,
               {.group = "connection",
                .since = "2.6.9",
                .summary = "Sets the connection name.",
                .complexity = "O(1)",
                .syntax = "connection-name",
                .acl_categories = kConnAcl}),
      MakeSpec("client|getname", 2, kSubFlags, {}, ClientGetName,
               {.group = "connection",
                .since = "2.6.9",
                .summary = "Returns the name of the connection.",
                .complexity = "O(1)",
                .acl_categories = kConnAcl}),
      MakeSpec("client|setinfo", 4, kSubFlags, {}, ClientSetInfo,
               {.group = "connection",
                .since = "7.2.0",
                .summary = "Sets information specific to the client or connection.",
                .complexity = "O(1)",
                .syntax = "<LIB-NAME libname | LIB-VER libver>",
                .acl_categories = kConnAcl}),
      MakeSpec(
          "client|list", -2, kAdminSubFlags, {}, ClientList,
          {.group = "connection",
           .since = "2.4.0",
           .summary = "Lists open connections.",
           .complexity = "O(N) where N is the number of client connections",
           .syntax = "[TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]",
           .acl_categories = kAdminAcl}),
      MakeSpec("client|info", 2, kSubFlags, {}, ClientInfo,
               {.group = "connection",
                .since = "6.2.0",
                .summary = "Returns information about the connection.",
                .complexity = "O(1)",
                .acl_categories = kConnAcl}),
      MakeSpec(
          "client|kill", -3, kAdminSubFlags, {}, ClientKill,
          {.group = "connection",
           .since = "2.4.0",
           .summary = "Terminates open connections.",
           .complexity = "O(N) where N is the number of client connections",
           .syntax =
               "<ip:port | <[ID client-id] | [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] | "
               "[USER username] | [ADDR ip:port] | [LADDR ip:port] | [SKIPME <YES | NO>]> "
               "[[ID client-id] | [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] | "
               "[USER username] | [ADDR ip:port] | [LADDR ip:port] | [SKIPME <YES | NO>] ...]>",
           .acl_categories = kAdminAcl}),
      MakeSpec("client|reply", 3, kSubFlags, {}, ClientReply,
               {.group = "connection",
                .since = "3.2.0",
                .summary = "Instructs the server whether to reply to commands.",
                .complexity = "O(1)",
                .syntax = "<ON | OFF | SKIP>",
                .acl_categories = kConnAcl}),
      MakeSpec("client|unblock", -3, kAdminSubFlags, {}, ClientUnblock,
               {.group = "connection",
                .since = "5.0.0",
                .summary = "Unblocks a client blocked by a blocking command from a different connection.",
                .complexity = "O(log N) where N is the number of client connections",
                .syntax = "client-id [TIMEOUT | ERROR]",
                .acl_categories = kAdminAcl}),
      MakeSpec("client|pause", -3, kAdminSubFlags, {}, ClientPause,
               {.group = "connection",
                .since = "3.0.0",
                .summary = "Suspends commands processing.",
                .complexity = "O(1)",
                .syntax = "timeout [WRITE | ALL]",
                .acl_categories = kAdminAcl}),
      MakeSpec("client|unpause", 2, kAdminSubFlags, {}, ClientUnpause,
               {.group = "connection",
                .since = "6.2.0",
                .summary = "Resumes processing commands from paused clients.",
                .complexity = "O(N) Where N is the number of paused clients",
                .syntax = "",
                .acl_categories = kAdminAcl}),
      MakeSpec("client|no-evict", 3, kAdminSubFlags, {}, ClientNoEvict,
               {.group = "connection",
                .since = "7.0.0",
                .summary = "Sets the client eviction mode of the connection.",
                .complexity = "O(1)",
                .syntax = "<ON | OFF>",
                .acl_categories = kAdminAcl}),
      MakeSpec(
          "client|no-touch", 3, kSubFlags, {}, ClientNoTouch,
          {.group = "connection",
           .since = "7.2.0",
           .summary =
               "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.",
           .complexity = "O(1)",
           .syntax = "<ON | OFF>",
           .acl_categories = kConnAcl}),
      MakeSpec("client|help", 2, kCmdLoading | kCmdStale, {}, ClientHelp,
               {.group = "connection",
                .since = "5.0.0",
                .summary = "Returns helpful text about the different subcommands.",
                .complexity = "O(1)",
                .acl_categories = kConnAcl}),
  };
  AddTrackingSubcommands(&client.subcommands);
  table->Register(std::move(client));
}

}  // namespace shoal
