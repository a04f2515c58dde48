// The replication commands: REPLICAOF / SLAVEOF, ROLE, WAIT, WAITAOF, and the two a
// replica sends its primary, REPLCONF and PSYNC. Semantics and error texts
// are Redis 7's; the stream format is Shoal's own (repl_records.h), so a
// Shoal node replicates from a Shoal primary only.
#include "server/replication/replication_family.h"

#include <algorithm>

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

// WAIT / WAITAOF: on the first run, notes when `timeout` (ms, 0: never)
// ends; on every run, whether it has. A re-run after a wake-up or a CLIENT
// UNBLOCK (which clears the deadline, connection.cc) sees the same deadline.
bool WaitTimedOut(CommandContext& ctx, int64_t timeout) {
  ClientSession* c = ctx.client;
  const int64_t now = ctx.NowMs();
  if (!c->block.blocked) {
    c->wait_forever = timeout == 0;
    c->wait_deadline_ms = timeout == 0 ? 0 : now + timeout;
  }
  return !c->wait_forever && now >= c->wait_deadline_ms;
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
  if (acked >= n || ctx.in_exec || WaitTimedOut(ctx, timeout)) {
    ctx.reply->Integer(acked);
    return;
  }
  m->AddWaiter(c, c->repl_offset, static_cast<int>(std::min<int64_t>(n, 1 << 20)),
               c->wait_forever ? 0 : c->wait_deadline_ms);
  ctx.server->blocking().Block(ctx, {}, 0, BlockedReply::kRerun);
}

// WAITAOF numlocal numreplicas timeout (Redis 7.2). Shoal keeps no AOF, so
// it answers as a redis-server with appendonly off does: numlocal > 0 is
// refused, and no write a client made is ever fsynced to a replica's AOF
// either (Shoal replicas keep none). Only a client that has written nothing
// yet is covered, by every online replica (their AOF offset, 0, reaches
// its write offset, 0). So the reply is [0, replicas] at once when that
// meets numreplicas (or in MULTI), else [0, 0] when the timeout passes
// (0: never, until CLIENT UNBLOCK).
void CmdWaitAof(CommandContext& ctx, CmdArgs args) {
  ReplicationManager* m = Manager(ctx);
  ClientSession* c = ctx.client;
  int64_t numlocal = 0, numreplicas = 0, timeout = 0;
  for (auto [arg, out] : {std::pair{args[1], &numlocal}, std::pair{args[2], &numreplicas}}) {
    if (!SimpleAtoi(arg, out)) return ctx.Error(kErrNotInteger);
    if (*out < 0) return ctx.Error("ERR value is out of range, must be positive");
  }
  if (!SimpleAtoi(args[3], &timeout)) {
    return ctx.Error("ERR timeout is not an integer or out of range");
  }
  if (timeout < 0) return ctx.Error("ERR timeout is negative");
  if (m->is_replica()) {
    return ctx.Error(
        "ERR WAITAOF cannot be used with replica instances. Please also note that writes to "
        "replicas are just local and are not propagated.");
  }
  if (numlocal > 0) {
    return ctx.Error("ERR WAITAOF cannot be used when numlocal is set but appendonly is disabled.");
  }
  const int64_t acked = c->repl_offset > 0 ? 0 : m->CountAcked(0);
  if (acked >= numreplicas || ctx.in_exec || WaitTimedOut(ctx, timeout)) {
    ctx.reply->ArrayHeader(2);
    ctx.reply->Integer(0);
    ctx.reply->Integer(acked);
    return;
  }
  // Nothing can arrive that would change the answer: wait out the timeout.
  // (At least 1 ms: 0 would mean forever.)
  const int64_t left = c->wait_forever ? 0 : std::max<int64_t>(1, c->wait_deadline_ms - ctx.NowMs());
  ctx.server->blocking().Block(ctx, {}, left, BlockedReply::kRerun);
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
    return MakeSpec(name, 3, kAdmin | kCmdNoAsyncLoading, {}, CmdReplicaOf,
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
  table->Register(MakeSpec("waitaof", 4, kCmdNoScript, {}, CmdWaitAof,
                           {.group = "generic",
                            .since = "7.2.0",
                            .summary = "Blocks until all of the preceding write commands sent by "
                                       "the connection are written to the append-only file of "
                                       "the master and/or replicas.",
                            .complexity = "O(1)",
                            .syntax = "numlocal numreplicas timeout",
                            .acl_categories = "@slow @connection"}));
  table->Register(MakeSpec("replconf", -1, kAdmin | kCmdLoading | kCmdAllowBusy, {}, CmdReplConf,
                           {.group = "server",
                            .since = "3.0.0",
                            .summary = "An internal command for configuring the replication stream.",
                            .complexity = "O(1)",
                            .acl_categories = "@admin @slow @dangerous"}));
  table->Register(MakeSpec("psync", -3, kAdmin | kCmdNoAsyncLoading | kCmdNoMulti, {}, CmdPsync,
                           {.group = "server",
                            .since = "2.8.0",
                            .summary = "An internal command used in replication.",
                            .complexity = "",
                            .syntax = "replicationid offset",
                            .acl_categories = "@admin @slow @dangerous"}));
}

}  // namespace shoal
