// Dispatcher: runs one client request through the checks every command
// shares — lookup, arity, auth, ACL, OOM, MULTI queueing, stripe locking — then
// the handler, and records command statistics. Handlers never repeat these
// checks. One Dispatcher per worker thread.
#ifndef SHOAL_SERVER_DISPATCH_DISPATCHER_H_
#define SHOAL_SERVER_DISPATCH_DISPATCHER_H_

#include <optional>
#include <string>
#include <vector>

#include "protocol/reply_builder.h"
#include "server/dispatch/client_session.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/server_state.h"
#include "server/store/store.h"

namespace shoal {

class Dispatcher {
 public:
  Dispatcher(Store* store, ServerState* server, int worker);

  // Executes one request and appends its reply (unless CLIENT REPLY OFF or
  // SKIP drops it). `key_hint`, when given, is args[1] already hashed (the
  // connection's pipeline look ahead did): its view must be args[1]'s.
  void Dispatch(ClientSession* client, ReplyBuilder* reply, CmdArgs args,
                const HashedKey* key_hint = nullptr);

  // Runs one resolved command whose checks the caller made and whose stripes
  // it holds (redis.call from a script), counting it in commandstats.
  // A replica refuses a script's writes as it refuses a client's (-READONLY).
  void Call(CommandContext& ctx, CmdArgs args);

  // Whether the client whose request runs now (the caller of a script) may
  // run `spec` with `args` under ACL; nothing is logged (redis.acl_check_cmd).
  bool CallerAclAllows(const CommandSpec& spec, CmdArgs args) const;
  // The client whose request runs now (a script's caller), or null.
  ClientSession* running_client() const { return running_client_; }

  // EXEC: runs the client's queued commands atomically (called by the EXEC
  // handler). Replies the array of results or the abort reply.
  void Exec(CommandContext& ctx);

  // Drops the client's MULTI state and WATCHed keys (EXEC, DISCARD, RESET,
  // disconnect).
  void DiscardTransaction(ClientSession* client);
  void UnwatchAll(ClientSession* client);

 private:
  void DispatchOne(ClientSession* client, ReplyBuilder* reply, CmdArgs args,
                   const HashedKey* key_hint);
  // Resolves container subcommands; replies an error and returns null when
  // the request cannot run (unknown command, arity).
  const CommandSpec* Resolve(CommandContext& ctx, CmdArgs args);
  void Run(CommandContext& ctx, CmdArgs args);
  // Sends the command's MONITOR line (server/dispatch/monitor.h).
  void FeedMonitors(CommandContext& ctx, CmdArgs args);
  // CLIENT TRACKING: the keys `reader` read, and the end of CLIENT CACHING.
  void TrackRead(CommandContext& ctx, ClientSession& reader, CmdArgs args);
  void TrackReadAfter(CommandContext& ctx, ClientSession& reader, CmdArgs args);
  void EndTrackingCaching(ClientSession* client, CmdArgs args);
  // Cluster mode: CROSSSLOT / MOVED / CLUSTERDOWN checks; false if rejected.
  // Uses the keys FindKeys found.
  bool RouteHere(CommandContext& ctx, const CommandSpec& spec);
  // EXEC in cluster mode: every queued key in one slot, served here.
  bool RouteExec(CommandContext& ctx);
  // Cluster mode, with the command's stripes held: a slot being copied away
  // from this node serves requests whose keys are all still here; any other
  // gets -TRYAGAIN until the slot flips (then -MOVED sends the client to
  // the new owner). No -ASK: a client may not know the new owner yet
  // (redis-py follows -ASK only to nodes it knows; docs/cluster.md). The
  // error to reply, or nullopt to serve here.
  std::optional<std::string> MovingSlotVerdict(int db, CmdArgs args,
                                               const std::vector<int>& keys);
  // Discards the transaction and replies `text` as is (no EXECABORT prefix).
  void RejectExec(CommandContext& ctx, std::string_view text);
  void Reject(CommandContext& ctx, std::string_view text);
  // The positions of the command's keys in args (key_scratch_), their slots
  // (key_slots_) and the slot they all share (keys_slot_: -1 when they span
  // slots or there are none); keys_ok_ false when the key spec does not fit
  // args (a bad numkeys). kCmdLockAll commands have no keys here.
  void FindKeys(const CommandSpec& spec, CmdArgs args, const HashedKey* key_hint);
  // Adds the stripes of the keys FindKeys found (or all, for kCmdLockAll);
  // false when the keys could not be found.
  bool LockFoundKeys(const CommandSpec& spec, StripeLocks* locks);
  // FindKeys, then LockFoundKeys (EXEC's queued commands).
  bool LockKeys(const CommandSpec& spec, CmdArgs args, StripeLocks* locks);
  // EXEC: checks a queued command again; replies Redis's NOPERM text if the
  // user's rules no longer allow it.
  bool ExecAclAllows(CommandContext& ctx, AclPrincipal& user, CmdArgs args);

  Store* store_;
  ServerState* server_;
  int worker_;
  WorkerStats* stats_;
  // FindKeys' results for the request being dispatched.
  std::vector<int> key_scratch_;
  std::vector<int> key_slots_;
  int keys_slot_ = -1;
  bool keys_ok_ = true;
  CommandHandler exec_handler_ = nullptr;
  // Cluster mode: the slot of the keyed command being run (RouteHere), or -1.
  int routed_slot_ = -1;
  // The client whose request runs now: redis.call checks ACL as this client.
  ClientSession* running_client_ = nullptr;
  // The top-level spec Resolve found last. Clients tend to repeat a command,
  // so one case-insensitive compare of its name usually replaces the table's
  // lower-case-and-hash lookup. Specs live as long as the table, which no one
  // changes once workers run; this Dispatcher's thread alone reads it.
  const CommandSpec* last_spec_ = nullptr;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_DISPATCHER_H_
