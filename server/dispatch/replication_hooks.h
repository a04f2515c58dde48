// ReplicationHooks: what the dispatcher needs from replication, which sits
// above it (server/replication implements it; null without it).
//
// Around every command the dispatcher calls BeginCommand, then, once the
// handler ran, EndCommand with whether it still holds the stripes of the
// keys the command touched (false for self-locking commands, which released
// theirs). EXEC also calls FlushCommand under its lock set, so that a
// transaction's effects ship as one batch. Thread-safe: every worker calls
// these for its own commands.
#ifndef SHOAL_SERVER_DISPATCH_REPLICATION_HOOKS_H_
#define SHOAL_SERVER_DISPATCH_REPLICATION_HOOKS_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/dispatch/command.h"  // CmdArgs

namespace shoal {

struct CommandContext;
struct CommandSpec;

class ReplicationHooks {
 public:
  virtual ~ReplicationHooks() = default;
  virtual void BeginCommand() = 0;
  // Ships what the command changed (if anything and if replicas may be
  // listening) and records the stream offset on the client, for WAIT.
  virtual void FlushCommand(CommandContext& ctx, bool stripes_held) = 0;
  virtual void EndCommand(CommandContext& ctx, bool stripes_held) = 0;
  // Every command that ran with kCmdLockAll or kCmdPubSub (Dispatcher::Run):
  // FLUSHALL, FLUSHDB, SWAPDB and PUBLISH ship as themselves.
  virtual void NoteCommand(CommandContext& ctx, CmdArgs args) = 0;
  // A worker's loop turn ended: wake the feeders for what it wrote.
  virtual void LoopTurnEnd() = 0;
  // A replica refuses writes from normal clients: the error text, or
  // nullopt when `spec` may run here.
  virtual std::optional<std::string> RefuseWrite(const CommandSpec& spec) const = 0;
  // INFO replication's fields.
  virtual void AppendInfo(std::string* out) const = 0;
  // A blocked client stopped waiting without WAIT's own reply (CLIENT
  // UNBLOCK, disconnect): drop its WAIT waiter, if it has one, which would
  // otherwise stay (with no deadline, for ever).
  virtual void ForgetWaiter(uint64_t client_id) = 0;
  // A keyspace event of a change (server/events/notify.h), whatever this
  // server's notify-keyspace-events: replicas publish what their primary's
  // changes would, under their own flags (a Redis replica publishes the
  // events of the commands it executes). Ships after the key states of the
  // command that raised it, or at once outside a command; only while a
  // replica wants events (ships_key_events).
  virtual void NoteKeyEvent(int db, uint32_t cls, std::string_view event,
                            std::string_view key) = 0;
  // Whether this server follows a primary (REPLICAOF).
  virtual bool is_replica() const = 0;
  // Replicas online that have not acknowledged everything written so far
  // (SHUTDOWN waits for them).
  virtual int LaggingReplicas() const = 0;
  // Whether keyspace events ship to replicas: a replica asked for them
  // (REPLCONF KEYSPACE-EVENTS 1: its own notify-keyspace-events, or a
  // replica of its own, wants them). NoteKeyEvent is a no-op otherwise, and
  // callers on the write path check this first (one load, no call).
  bool ships_key_events() const { return key_events_.load(std::memory_order_relaxed); }
  // A replica without a synced link to its primary, with
  // replica-serve-stale-data no: commands without the stale flag get
  // kErrMasterDown. One load per command, checked by the dispatcher.
  bool refuses_stale() const { return refuse_stale_.load(std::memory_order_relaxed); }

 protected:
  std::atomic<bool> key_events_{false};
  std::atomic<bool> refuse_stale_{false};
};

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_REPLICATION_HOOKS_H_
