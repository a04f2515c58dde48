// The replication commands: REPLICAOF / SLAVEOF, ROLE, WAIT, and the two a
// replica sends its primary, REPLCONF and PSYNC. Semantics and error texts
// are Redis 7's; the stream format is Shoal's own (repl_records.h), so a
// Shoal node replicates from a Shoal primary only.
#include "server/replication/replication_family.h"

#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "server/dispatch/arg_parse.h"
#include "server/events/blocking.h"
#include "server/replication/replication.h"

namespace shoal {
namespace {

ReplicationManager* Manager(CommandContext& ctx) {
  return static_cast<ReplicationManager*>(ctx.server->replication);
}

bool ClusterMode(CommandContext& ctx) { return ctx.server->router != nullptr; }

// REPLICAOF host port | REPLICAOF NO ONE
void CmdReplicaOf(CommandContext& ctx, CmdArgs args) {
  if (ClusterMode(ctx)) {
    ctx.Error("ERR REPLICAOF not allowed in cluster mode.");
    return;
  }
  ReplicationManager* m = Manager(ctx);
  if (EqualsIgnoreCase(args[1], "no") && EqualsIgnoreCase(args[2], "one")) {
    m->BecomePrimary();
    ctx.reply->SimpleString("OK");
    return;
  }
  int64_t port = 0;
  if (!SimpleAtoi(args[2], &port) || port < 0 || port > 65535) {
    ctx.Error("ERR Invalid master port");
    return;
  }
  ctx.reply->SimpleString(m->ReplicaOf(std::string(args[1]), static_cast<int>(port)));
}

void CmdRole(CommandContext& ctx, CmdArgs) {
  ReplicationManager* m = Manager(ctx);
  ReplyBuilder* r = ctx.reply;
  if (m->is_replica()) {
    PrimaryLinkStatus s = m->LinkStatus();
    r->ArrayHeader(5);
    r->Bulk("slave");
    r->Bulk(s.host);
    r->Integer(s.port);
    r->Bulk(s.state);
    r->Integer(s.offset);
    return;
  }
  std::vector<ReplicaStatus> reps = m->Replicas();
  r->ArrayHeader(3);
  r->Bulk("master");
  r->Integer(m->Offset());
  r->ArrayHeader(static_cast<int64_t>(reps.size()));
  for (const ReplicaStatus& s : reps) {
    r->ArrayHeader(3);
    r->Bulk(s.ip);
    r->Bulk(StrCat(s.port));
    r->Bulk(StrCat(s.ack_offset));
  }
}

// WAIT numreplicas timeout: blocks (as a blocked client, woken by the
// replication housekeeping) until `numreplicas` replicas acknowledged this
// client's last write, or the timeout; replies how many did.
void CmdWait(CommandContext& ctx, CmdArgs args) {
  ReplicationManager* m = Manager(ctx);
  ClientSession* c = ctx.client;
  if (m->is_replica()) {
    ctx.Error(
        "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 "
        "if a replica is configured to be writable (which is not the default) writes to "
        "replicas are just local and are not propagated.");
    return;
  }
  int64_t n = 0, timeout = 0;
  if (!SimpleAtoi(args[1], &n)) {
    ctx.Error(kErrNotInteger);
    return;
  }
  if (!SimpleAtoi(args[2], &timeout)) {
    ctx.Error("ERR timeout is not an integer or out of range");
    return;
  }
  if (timeout < 0) {
    ctx.Error("ERR timeout is negative");
    return;
  }
  const int acked = m->CountAcked(c->repl_offset);
  const bool rerun = c->block.blocked;
  const int64_t now = ctx.NowMs();
  if (!rerun) {
    c->wait_forever = timeout == 0;
    c->wait_deadline_ms = timeout == 0 ? 0 : now + timeout;
  }
  if (acked >= n || ctx.in_exec || (!c->wait_forever && now >= c->wait_deadline_ms)) {
    ctx.reply->Integer(acked);
    return;
  }
  m->AddWaiter(c, c->repl_offset, static_cast<int>(std::min<int64_t>(n, 1 << 20)),
               c->wait_forever ? 0 : c->wait_deadline_ms);
  ctx.server->blocking().Block(ctx, {}, 0, BlockedReply::kNullArray);
}

void CmdReplConf(CommandContext& ctx, CmdArgs args) {
  if (args.size() % 2 == 0) {
    ctx.Error(kErrSyntax);
    return;
  }
  for (size_t i = 1; i + 1 < args.size(); i += 2) {
    std::string_view opt = args[i];
    if (EqualsIgnoreCase(opt, "listening-port")) {
      int64_t port = 0;
      if (!SimpleAtoi(args[i + 1], &port) || port < 0 || port > 65535) {
        ctx.Error(kErrNotInteger);
        return;
      }
      Manager(ctx)->NoteListeningPort(ctx.client, static_cast<int>(port));
    } else if (EqualsIgnoreCase(opt, "ack") || EqualsIgnoreCase(opt, "getack")) {
      return;  // only meaningful on a replication link: no reply, as Redis
    } else if (!EqualsIgnoreCase(opt, "ip-address") && !EqualsIgnoreCase(opt, "capa") &&
               !EqualsIgnoreCase(opt, "rdb-only") && !EqualsIgnoreCase(opt, "rdb-filter-only")) {
      ctx.Error(StrCat("ERR Unrecognized REPLCONF option: ", opt));
      return;
    }
  }
  ctx.reply->SimpleString("OK");
}

// PSYNC replid offset: the connection becomes a replica link.
void CmdPsync(CommandContext& ctx, CmdArgs args) {
  ReplicationManager* m = Manager(ctx);
  if (m->is_replica()) {
    ctx.Error("ERR Shoal replicas do not serve replicas of their own: replicate from the primary");
    return;
  }
  if (std::optional<std::string> refusal = m->PsyncRefusal()) {
    ctx.Error(*refusal);
    return;
  }
  int64_t offset = -1;
  if (args[2] != "-1" && !SimpleAtoi(args[2], &offset)) {
    ctx.Error(kErrNotInteger);
    return;
  }
  m->AcceptReplica(ctx.client, std::string(args[1]), offset);
}

}  // namespace

void RegisterReplicationCommands(CommandTable* table) {
  const uint32_t kAdmin = kCmdAdmin | kCmdNoScript | kCmdStale;
  auto of = [&](std::string_view name, std::string_view summary) {
    return MakeSpec(name, 3, kAdmin, {}, CmdReplicaOf,
                    {.group = "server",
                     .since = name == "slaveof" ? "1.0.0" : "5.0.0",
                     .summary = summary,
                     .complexity = "O(1)",
                     .syntax = "host port",
                     .acl_categories = "@admin @slow @dangerous"});
  };
  table->Register(of("replicaof", "Configures a server as replica of another, or promotes it to a master."));
  table->Register(of("slaveof", "Sets a Redis server as a replica of another, or promotes it to being a master."));
  table->Register(MakeSpec("role", 1, kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast, {}, CmdRole,
                           {.group = "server",
                            .since = "2.8.12",
                            .summary = "Returns the replication role.",
                            .complexity = "O(1)",
                            .acl_categories = "@admin @fast @dangerous"}));
  table->Register(MakeSpec("wait", 3, kCmdNoScript, {}, CmdWait,
                           {.group = "generic",
                            .since = "3.0.0",
                            .summary = "Blocks until the asynchronous replication of all preceding "
                                       "write commands sent by the connection is completed.",
                            .complexity = "O(1)",
                            .syntax = "numreplicas timeout",
                            .acl_categories = "@slow @connection"}));
  table->Register(MakeSpec("replconf", -1, kAdmin | kCmdLoading | kCmdAllowBusy, {}, CmdReplConf,
                           {.group = "server",
                            .since = "3.0.0",
                            .summary = "An internal command for configuring the replication stream.",
                            .complexity = "O(1)",
                            .acl_categories = "@admin @slow @dangerous"}));
  table->Register(MakeSpec("psync", -3, kAdmin | kCmdNoMulti, {}, CmdPsync,
                           {.group = "server",
                            .since = "2.8.0",
                            .summary = "An internal command used in replication.",
                            .complexity = "",
                            .syntax = "replicationid offset",
                            .acl_categories = "@admin @slow @dangerous"}));
}

}  // namespace shoal
