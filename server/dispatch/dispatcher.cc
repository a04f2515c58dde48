// Dispatcher implementation. The order of checks follows redis-server's
// processCommand so that error replies match: unknown command / arity →
// auth → ACL → OOM → MULTI queueing → run. Errors met while queueing inside MULTI
// flag the transaction, and EXEC then aborts with EXECABORT.
#include "server/dispatch/dispatcher.h"
#include "base/strings.h"

#include <time.h>

#include <algorithm>
#include <cassert>

#include "absl/base/optimization.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/dispatch/command_clock.h"
#include "server/dispatch/errors.h"
#include "server/dispatch/info_section.h"  // kUsedMemoryBaseline
#include "server/dispatch/latency_histogram.h"
#include "server/dispatch/latency_monitor.h"
#include "server/dispatch/monitor.h"
#include "server/dispatch/slowlog.h"

namespace shoal {
namespace {

constexpr std::string_view kErrCrossSlot = "CROSSSLOT Keys in request don't hash to the same slot";

// Process-wide observability settings, bound once (no static-guard check per
// command).
LatencyTracking& g_latency_tracking = ProcessLatencyTracking();
LatencyMonitor& g_latency_monitor = ProcessLatencyMonitor();

bool ArityOk(const CommandSpec& spec, size_t argc) {
  int n = static_cast<int>(argc);
  return spec.arity >= 0 ? n == spec.arity : n >= -spec.arity;
}

std::string UnknownCommandText(CmdArgs args) {
  std::string list;
  for (size_t i = 1; i < args.size() && list.size() < 128; ++i) {
    size_t room = 128 - list.size();
    StrAppend(&list, "'", args[i].substr(0, room), "' ");
  }
  return StrCat("ERR unknown command '", args[0].substr(0, 128),
                      "', with args beginning with: ", list);
}

}  // namespace

Dispatcher::Dispatcher(Store* store, ServerState* server, int worker)
    : store_(store), server_(server), worker_(worker), stats_(&server->worker_stats(worker)) {
  const CommandSpec* exec = server->table().FindOriginal("exec");
  exec_handler_ = exec != nullptr ? exec->handler : nullptr;
  CommandClock::Now();  // its one-time set-up (a few ms) before any command
}

void Dispatcher::Reject(CommandContext& ctx, std::string_view text) {
  const bool exec = ctx.spec != nullptr && ctx.spec->handler == exec_handler_;
  stats_->CountError(exec ? std::string_view("EXECABORT") : ErrorCode(text));
  if (exec) {
    // Redis ends the transaction when EXEC itself is rejected.
    if (text.substr(0, 4) == "ERR ") text.remove_prefix(4);
    DiscardTransaction(ctx.client);
    ctx.Error(StrCat("EXECABORT Transaction discarded because of: ", text));
    return;
  }
  ctx.Error(text);
  if (ctx.client->in_multi) ctx.client->multi_error = true;
}

namespace {

// Whether `name` is `lower` (a registered name, lower case) in any case.
// Inline and byte by byte: names are a few bytes long, and the common miss
// differs in length.
inline bool NameMatches(std::string_view name, std::string_view lower) {
  if (name.size() != lower.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (absl::ascii_tolower(static_cast<unsigned char>(name[i])) != lower[i]) return false;
  }
  return true;
}

}  // namespace

const CommandSpec* Dispatcher::Resolve(CommandContext& ctx, CmdArgs args) {
  const CommandSpec* spec = last_spec_;
  if (spec == nullptr || !NameMatches(args[0], spec->name)) {
    // The slot mover speaks Shoal's own names, whatever rename-command did.
    const CommandTable& table = server_->table();
    spec = ctx.client->slot_mover ? table.FindOriginal(args[0]) : table.Find(args[0]);
    // A renamed command is not cached: its registered name must not match.
    if (spec != nullptr && !spec->renamed) last_spec_ = spec;
  }
  if (spec == nullptr) {
    Reject(ctx, UnknownCommandText(args));
    return nullptr;
  }
  if (!spec->subcommands.empty() && args.size() >= 2) {
    const CommandSpec* sub = CommandTable::FindSub(*spec, args[1]);
    if (sub == nullptr) {
      std::string upper = AsciiUpper(spec->name);
      Reject(ctx, StrCat("ERR unknown subcommand '", args[1].substr(0, 128), "'. Try ",
                               upper, " HELP."));
      stats_->commands[spec->id].rejected.fetch_add(1, std::memory_order_relaxed);
      return nullptr;
    }
    spec = sub;
  }
  ctx.spec = spec;
  if (!ArityOk(*spec, args.size())) {
    Reject(ctx, WrongArityText(spec->name));
    stats_->commands[spec->id].rejected.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  return spec;
}

// CRC16 runs here once per key of a request; routing, locking and the
// handler (ctx.slot, CommandContext::Key) all use what this found.
void Dispatcher::FindKeys(const CommandSpec& spec, CmdArgs args, const HashedKey* key_hint) {
  key_scratch_.clear();
  key_slots_.clear();
  keys_slot_ = -1;
  keys_ok_ = true;
  if (spec.flags & kCmdLockAll) return;  // keyless, or takes every stripe anyway
  if (spec.first_key == 1 && spec.last_key == 1 && spec.keys_finder == nullptr &&
      args.size() >= 2) {
    // One key at argument 1 (GET, SET, INCR, ...): what the general path
    // below finds, without its calls and loops.
    key_scratch_.push_back(1);
    keys_slot_ = key_hint != nullptr ? key_hint->slot : KeySlot(args[1]);
    key_slots_.push_back(keys_slot_);
    return;
  }
  keys_ok_ = CommandTable::KeyIndexes(spec, args, &key_scratch_);
  if (!keys_ok_) return;
  for (int i : key_scratch_) key_slots_.push_back(KeySlot(args[i]));
  if (!key_slots_.empty() &&
      std::all_of(key_slots_.begin() + 1, key_slots_.end(),
                  [this](int s) { return s == key_slots_[0]; })) {
    keys_slot_ = key_slots_[0];
  }
}

bool Dispatcher::LockFoundKeys(const CommandSpec& spec, StripeLocks* locks) {
  if (spec.flags & kCmdLockAll) {
    locks->AddAll();
    return true;
  }
  if (spec.flags & kCmdSelfLocking) return true;
  if (!keys_ok_) return false;
  for (int slot : key_slots_) locks->AddSlot(slot);
  return true;
}

bool Dispatcher::LockKeys(const CommandSpec& spec, CmdArgs args, StripeLocks* locks) {
  FindKeys(spec, args, /*key_hint=*/nullptr);
  return LockFoundKeys(spec, locks);
}

// Redis Cluster's rules (getNodeByQuery): all keys of a request in one slot,
// served here. Keyless commands run anywhere. Inside MULTI each command is
// checked as it is queued (a redirect flags the transaction: EXECABORT);
// EXEC checks the keys of the whole transaction together and, when they span
// slots or the slot moved meanwhile, discards it and replies the plain
// -CROSSSLOT / -MOVED, as Redis does. Blocked clients re-run their command
// through here when the slot map changes, so they get -MOVED too.
bool Dispatcher::RouteHere(CommandContext& ctx, const CommandSpec& spec) {
  routed_slot_ = -1;
  if (spec.handler == exec_handler_) return RouteExec(ctx);
  if ((spec.flags & kCmdLockAll) || !keys_ok_ || key_scratch_.empty()) return true;
  const int slot = keys_slot_;
  if (slot < 0) {
    Reject(ctx, kErrCrossSlot);
    return false;
  }
  std::optional<std::string> err = server_->router->Route(slot, spec, *ctx.client);
  if (err.has_value()) {
    Reject(ctx, *err);
    return false;
  }
  routed_slot_ = slot;
  return true;
}

std::optional<std::string> Dispatcher::MovingSlotVerdict(int db, CmdArgs args,
                                                         const std::vector<int>& keys) {
  if (keys.empty() || !server_->router->SlotInMotion(routed_slot_)) return std::nullopt;
  size_t present = 0;
  for (int i : keys) {
    if (store_->Find(db, args[i], Store::Lookup::kWrite) != nullptr) ++present;
  }
  if (present == keys.size()) return std::nullopt;
  if (present > 0) return std::string("TRYAGAIN Multiple keys request during rehashing of slot");
  return std::string("TRYAGAIN Hash slot is moving to another node; try again shortly");
}

bool Dispatcher::RouteExec(CommandContext& ctx) {
  ClientSession* client = ctx.client;
  if (!client->in_multi) return true;  // EXEC replies the error
  int slot = -1;
  const CommandSpec* first = nullptr;
  std::vector<int> indexes;  // key_scratch_ keeps what FindKeys found for EXEC itself
  for (const QueuedCommand& q : client->queued) {
    if (q.spec->flags & kCmdLockAll) continue;
    std::vector<std::string_view> views(q.args.begin(), q.args.end());
    indexes.clear();
    if (!CommandTable::KeyIndexes(*q.spec, CmdArgs(views), &indexes)) continue;
    for (int i : indexes) {
      int s = KeySlot(views[i]);
      if (slot < 0) {
        slot = s;
        first = q.spec;
      } else if (s != slot) {
        RejectExec(ctx, kErrCrossSlot);
        return false;
      }
    }
  }
  if (slot < 0) return true;
  std::optional<std::string> err = server_->router->Route(slot, *first, *client);
  if (err.has_value()) {
    RejectExec(ctx, *err);
    return false;
  }
  routed_slot_ = slot;
  return true;
}

void Dispatcher::RejectExec(CommandContext& ctx, std::string_view text) {
  stats_->CountError(ErrorCode(text));
  DiscardTransaction(ctx.client);
  ctx.Error(text);
}

void Dispatcher::Call(CommandContext& ctx, CmdArgs args) {
  // redis.call runs with the permissions of the client that ran the script.
  ClientSession* caller =
      ctx.in_script && running_client_ != nullptr ? running_client_ : ctx.client;
  AclPrincipal* user = caller->user.get();
  if (ABSL_PREDICT_FALSE(user != nullptr && !user->unrestricted())) {
    CommandContext as_caller = ctx;
    as_caller.client = caller;
    AclVerdict v = user->Check(as_caller, *ctx.spec, args,
                               ctx.in_script ? AclContext::kLua : AclContext::kToplevel);
    if (!v.allowed()) {
      ctx.failed = true;
      ctx.Error(StrCat("ERR ACL failure in script: ", v.message));
      return;
    }
  }
  if (ABSL_PREDICT_FALSE(server_->replication != nullptr &&
                         server_->replication->refuses_stale()) &&
      !(ctx.spec->flags & kCmdStale)) {
    ctx.failed = true;
    ctx.Error(kErrMasterDown);
    return;
  }
  if (server_->replication != nullptr && (ctx.spec->flags & kCmdWrite) &&
      !ctx.client->is_primary_link) {
    std::optional<std::string> refuse = server_->replication->RefuseWrite(*ctx.spec);
    if (refuse.has_value()) {
      ctx.failed = true;
      ctx.Error(*refuse);
      return;
    }
  }
  Run(ctx, args);
}

void Dispatcher::Run(CommandContext& ctx, CmdArgs args) {
  const CommandSpec& spec = *ctx.spec;
  // MONITOR (one relaxed load when nobody monitors). A blocked command that
  // is re-run was shown when it first ran. Script runners (skip_monitor:
  // EVAL, FCALL) are shown before the commands they run, the rest after
  // they ran (so SELECT shows its new db); admin commands never, as Redis.
  const bool monitored =
      ABSL_PREDICT_FALSE(server_->monitors().active()) && !ctx.client->block.blocked;
  if (ABSL_PREDICT_FALSE(monitored) && (spec.flags & kCmdSkipMonitor) &&
      !(spec.flags & kCmdAdmin)) {
    FeedMonitors(ctx, args);
  }
  const uint64_t start = CommandClock::Now();
  ctx.failed = false;
  // Client-side caching: keys a tracking client reads (self-locking commands
  // note them first: their stripes are released before they return).
  // The writer is the client that sent the command (NOLOOP).
  ClientSession* reader = running_client_ != nullptr ? running_client_ : ctx.client;
  const bool tracks = reader->tracking.load(std::memory_order_relaxed) != 0;
  if (ABSL_PREDICT_FALSE(tracks) && (spec.flags & kCmdSelfLocking)) TrackRead(ctx, *reader, args);
  const uint64_t outer_writer = TrackingHooks::CurrentWriter();
  TrackingHooks::CurrentWriter() = reader->id;
  spec.handler(ctx, args);
  TrackingHooks::CurrentWriter() = outer_writer;
  if (ABSL_PREDICT_FALSE(tracks)) TrackReadAfter(ctx, *reader, args);
  // BCAST invalidations of what the command (with what EXEC or a script ran)
  // changed: one batch, once the outermost command is done.
  if (ABSL_PREDICT_FALSE(TrackingHooks::BroadcastPending()) && outer_writer == 0) {
    server_->tracking->FlushBroadcast();
  }
  if (ABSL_PREDICT_FALSE((spec.flags & (kCmdLockAll | kCmdPubSub)) != 0) &&
      server_->replication != nullptr && !ctx.failed) {
    server_->replication->NoteCommand(ctx, args);
  }
  const int64_t elapsed = CommandClock::ElapsedUs(start, CommandClock::Now());
  SlowLog& slowlog = ProcessSlowLog();
  if (ABSL_PREDICT_FALSE(slowlog.ShouldLog(elapsed)) && !(spec.flags & kCmdSkipSlowlog)) {
    slowlog.Add(args, elapsed, ctx.NowMs() / 1000, ctx.client->addr, ctx.client->Name());
  }
  CommandCounters& c = stats_->commands[spec.id];
  c.calls.fetch_add(1, std::memory_order_relaxed);
  c.usec.fetch_add(elapsed, std::memory_order_relaxed);
  if (ctx.failed) {
    c.failed.fetch_add(1, std::memory_order_relaxed);
    stats_->CountError(ctx.error_code_len > 0 ? ctx.LastErrorCode() : std::string_view("ERR"));
  }
  stats_->commands_processed.fetch_add(1, std::memory_order_relaxed);
  ctx.client->last_command.store(&spec, std::memory_order_relaxed);
  // latency-tracking: this worker's histogram of the command (no lock).
  if (ABSL_PREDICT_TRUE(g_latency_tracking.enabled.load(std::memory_order_relaxed))) {
    stats_->latency.Record(spec.id, elapsed);
  }
  if (ABSL_PREDICT_FALSE(g_latency_monitor.ShouldSample(elapsed / 1000))) {
    g_latency_monitor.AddSample((spec.flags & kCmdFast) ? "fast-command" : "command",
                                elapsed / 1000, ctx.NowMs() / 1000);
  }
  if (ABSL_PREDICT_FALSE(monitored) && !(spec.flags & (kCmdSkipMonitor | kCmdAdmin))) {
    FeedMonitors(ctx, args);
  }
}

void Dispatcher::FeedMonitors(CommandContext& ctx, CmdArgs args) {
  server_->monitors().Feed(*ctx.client, ctx.client->db.load(std::memory_order_relaxed),
                           ctx.in_script, args);
}

void Dispatcher::Dispatch(ClientSession* client, ReplyBuilder* reply, CmdArgs args,
                          const HashedKey* key_hint) {
  assert(key_hint == nullptr ||
         (args.size() >= 2 && key_hint->key.data() == args[1].data() &&
          key_hint->key.size() == args[1].size()));
  using Mode = ClientSession::ReplyMode;
  const Mode before = client->reply_mode;
  running_client_ = client;
  if (before == Mode::kOn) {
    DispatchOne(client, reply, args, key_hint);
    running_client_ = nullptr;
    if (ABSL_PREDICT_FALSE(client->asking > 0)) --client->asking;
    if (ABSL_PREDICT_FALSE(client->tracking_caching)) EndTrackingCaching(client, args);
    return;
  }
  const size_t mark = reply->size();
  DispatchOne(client, reply, args, key_hint);
  running_client_ = nullptr;
  if (client->asking > 0) --client->asking;
  if (client->tracking_caching) EndTrackingCaching(client, args);
  // OFF drops every reply until CLIENT REPLY ON (whose OK is sent); SKIP
  // drops the next command's reply only.
  if (before == Mode::kOff && client->reply_mode == Mode::kOff) reply->buffer().resize(mark);
  if (before == Mode::kSkipNext) {
    reply->buffer().resize(mark);
    if (client->reply_mode == Mode::kSkipNext) client->reply_mode = Mode::kOn;
  }
}

void Dispatcher::DispatchOne(ClientSession* client, ReplyBuilder* reply, CmdArgs args,
                             const HashedKey* key_hint) {
  CommandContext ctx;
  ctx.store = store_;
  ctx.reply = reply;
  ctx.client = client;
  ctx.server = server_;
  ctx.worker = worker_;
  ctx.dispatcher = this;

  const CommandSpec* spec = Resolve(ctx, args);
  if (spec == nullptr) return;
  ctx.spec = spec;
  RuntimeConfig& rc = server_->runtime();

  if (!client->authenticated && !(spec->flags & kCmdNoAuth) && rc.AuthRequired()) {
    Reject(ctx, "NOAUTH Authentication required.");
    return;
  }
  // ACL: users with +@all ~* &* (the default user, unless configured
  // otherwise) pay this one test.
  AclPrincipal* user = client->user.get();
  if (ABSL_PREDICT_FALSE(user != nullptr && !user->unrestricted())) {
    AclVerdict v = user->Check(ctx, *spec, args,
                               client->in_multi ? AclContext::kMulti : AclContext::kToplevel);
    if (!v.allowed()) {
      Reject(ctx, StrCat("NOPERM ", v.message));
      stats_->commands[spec->id].rejected.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
  // MONITOR: the client is a replica to Redis, kept off the keyspace.
  if (ABSL_PREDICT_FALSE(client->monitor.load(std::memory_order_relaxed)) &&
      (spec->flags & (kCmdWrite | kCmdReadOnly | kCmdMayReplicate))) {
    Reject(ctx, "ERR Replica can't interact with the keyspace");
    return;
  }
  if (client->subscriptions.load(std::memory_order_relaxed) > 0 &&
      client->resp.load(std::memory_order_relaxed) == 2 && !(spec->flags & kCmdPubSubContext)) {
    Reject(ctx, StrCat("ERR Can't execute '", spec->name,
                       "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
                       "allowed in this context"));
    return;
  }
  // A script ran past busy-reply-threshold on another worker.
  if (server_->scripting != nullptr && server_->scripting->Busy() &&
      !(spec->flags & kCmdAllowBusy)) {
    Reject(ctx, server_->scripting->BusyText());
    return;
  }
  // The keys' positions and slots, for routing, locking and the handler.
  FindKeys(*spec, args, key_hint);
  ctx.slot = keys_slot_;
  ctx.key_hint = key_hint;
  if (server_->router != nullptr && !RouteHere(ctx, *spec)) return;
  // replica-serve-stale-data no, while the link is not synced: -MASTERDOWN.
  if (ABSL_PREDICT_FALSE(server_->replication != nullptr &&
                         server_->replication->refuses_stale()) &&
      !(spec->flags & kCmdStale)) {
    Reject(ctx, kErrMasterDown);
    return;
  }
  // A read-only replica: -READONLY for writes of normal clients.
  if (server_->replication != nullptr && (spec->flags & kCmdWrite) && !client->is_primary_link) {
    std::optional<std::string> refuse = server_->replication->RefuseWrite(*spec);
    if (refuse.has_value()) {
      Reject(ctx, *refuse);
      return;
    }
  }
  if (client->in_multi && !(spec->flags & kCmdTransactionControl)) {
    if (spec->flags & kCmdNoMulti) {
      Reject(ctx, "ERR Command not allowed inside a transaction");
      return;
    }
    // maxmemory: as Redis, nothing is queued while over the limit.
    int64_t maxmemory = rc.maxmemory.load(std::memory_order_relaxed);
    if (maxmemory > 0 &&
        !store_->EnsureMemory(std::max<int64_t>(0, maxmemory - kUsedMemoryBaseline))) {
      Reject(ctx, kErrOom);
      return;
    }
    QueuedCommand q;
    q.spec = spec;
    q.args.assign(args.begin(), args.end());
    client->queued.push_back(std::move(q));
    reply->SimpleString("QUEUED");
    return;
  }
  // CLIENT PAUSE: hold the command back (the connection runs it again when
  // the pause ends). EXEC waits if it holds a write, under WRITE pauses.
  if (server_->pause_mode.load(std::memory_order_relaxed) != ServerState::kPauseNone &&
      server_->PausedFor(*spec,
                         spec->handler == exec_handler_ &&
                             std::any_of(client->queued.begin(), client->queued.end(),
                                         [](const QueuedCommand& q) {
                                           return (q.spec->flags &
                                                   (kCmdWrite | kCmdMayReplicate)) != 0;
                                         }),
                         store_->clock().NowMs())) {
    client->postponed = true;
    return;
  }
  // maxmemory (limit = maxmemory less the baseline INFO adds to used_memory):
  // evict through the policy before a denyoom command (or an EXEC holding
  // one); -OOM when that cannot get under the limit. Reads and DEL run.
  int64_t maxmemory = rc.maxmemory.load(std::memory_order_relaxed);
  if (maxmemory > 0 &&
      ((spec->flags & kCmdDenyOom) ||
       (spec->handler == exec_handler_ &&
        std::any_of(client->queued.begin(), client->queued.end(),
                    [](const QueuedCommand& q) { return q.spec->flags & kCmdDenyOom; }))) &&
      !store_->EnsureMemory(std::max<int64_t>(0, maxmemory - kUsedMemoryBaseline))) {
    Reject(ctx, kErrOom);
    return;
  }
  StripeLocks locks(store_);
  if (!LockFoundKeys(*spec, &locks)) {
    Reject(ctx, kErrSyntax);
    return;
  }
  locks.Acquire();
  // A slot moving away: only the keys still here are served here.
  if (ABSL_PREDICT_FALSE(routed_slot_ >= 0) && spec->handler != exec_handler_ &&
      !(spec->flags & kCmdSelfLocking) && !client->slot_mover) {
    std::optional<std::string> err = MovingSlotVerdict(ctx.db(), args, key_scratch_);
    if (err.has_value()) {
      locks.Release();
      if (client->block.blocked) {
        // A blocked client re-run because another slot flipped: its own
        // slot is still on its way, and it keeps waiting until that one
        // flips too (then -MOVED), as Redis keeps blocked clients during a
        // resharding. Only a new command is told -TRYAGAIN.
        client->block.reblocked = true;
        return;
      }
      Reject(ctx, *err);
      return;
    }
  }
  ReplicationHooks* repl = server_->replication;
  if (repl == nullptr) return Run(ctx, args);
  // What the command changed ships to replicas while its stripes are still
  // held (self-locking commands released theirs: the hook relocks).
  repl->BeginCommand();
  Run(ctx, args);
  repl->EndCommand(ctx, !(spec->flags & kCmdSelfLocking) || locks.holds_all());
}

void Dispatcher::Exec(CommandContext& ctx) {
  ClientSession* client = ctx.client;
  if (client->multi_error) {
    DiscardTransaction(client);
    ctx.Error("EXECABORT Transaction discarded because of previous errors.");
    return;
  }
  if (client->watcher.dirty.load()) {
    DiscardTransaction(client);
    ctx.reply->NullArray();
    return;
  }
  std::vector<QueuedCommand> queued = std::move(client->queued);
  client->queued.clear();
  client->in_multi = false;
  client->in_multi_flag.store(false, std::memory_order_relaxed);

  // One lock set for the whole transaction: the stripes of every key of every
  // queued command, or all stripes if any command needs them.
  StripeLocks locks(store_);
  for (const QueuedCommand& q : queued) {
    std::vector<std::string_view> views(q.args.begin(), q.args.end());
    if (!LockKeys(*q.spec, CmdArgs(views), &locks) || (q.spec->flags & kCmdSelfLocking)) {
      locks.AddAll();
    }
  }
  // The WATCH check must happen under the locks: a write racing in between
  // the check above and here would otherwise go unnoticed.
  locks.Acquire();
  if (client->watcher.dirty.load()) {
    locks.Release();
    UnwatchAll(client);
    ctx.reply->NullArray();
    return;
  }
  if (ABSL_PREDICT_FALSE(routed_slot_ >= 0)) {
    // The moving-slot rule over every key of the transaction.
    std::vector<std::string_view> keys;
    for (const QueuedCommand& q : queued) {
      std::vector<std::string_view> views(q.args.begin(), q.args.end());
      key_scratch_.clear();
      if (!CommandTable::KeyIndexes(*q.spec, CmdArgs(views), &key_scratch_)) continue;
      for (int i : key_scratch_) keys.push_back(q.args[i]);
    }
    std::vector<int> indexes(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) indexes[i] = static_cast<int>(i);
    std::optional<std::string> err = MovingSlotVerdict(ctx.db(), CmdArgs(keys), indexes);
    if (err.has_value()) {
      // The transaction is discarded with the redirect, as Redis does.
      locks.Release();
      UnwatchAll(client);
      stats_->CountError(ErrorCode(*err));
      ctx.Error(*err);
      return;
    }
  }
  ctx.reply->ArrayHeader(static_cast<int64_t>(queued.size()));
  CommandContext inner = ctx;
  inner.in_exec = true;
  inner.slot = -1;  // each queued command's keys are its own
  AclPrincipal* user = client->user.get();
  const bool check_acl = user != nullptr && !user->unrestricted();
  for (const QueuedCommand& q : queued) {
    std::vector<std::string_view> views(q.args.begin(), q.args.end());
    inner.spec = q.spec;
    // Rules may have changed since the command was queued (as Redis).
    if (ABSL_PREDICT_FALSE(check_acl) && !ExecAclAllows(inner, *user, CmdArgs(views))) continue;
    Run(inner, CmdArgs(views));
  }
  // The transaction's effects ship as one batch, under its locks.
  if (server_->replication != nullptr) server_->replication->FlushCommand(ctx, true);
  locks.Release();
  UnwatchAll(client);
}

bool Dispatcher::CallerAclAllows(const CommandSpec& spec, CmdArgs args) const {
  const AclPrincipal* user = running_client_ != nullptr ? running_client_->user.get() : nullptr;
  return user == nullptr || user->unrestricted() || user->Allows(spec, args);
}

bool Dispatcher::ExecAclAllows(CommandContext& ctx, AclPrincipal& user, CmdArgs args) {
  AclVerdict v = user.Check(ctx, *ctx.spec, args, AclContext::kMulti);
  if (v.allowed()) return true;
  std::string_view why = v.reason == AclVerdict::kCommand
                             ? "no permission to execute the command or subcommand"
                         : v.reason == AclVerdict::kKey
                             ? "no permission to touch the specified keys"
                             : "no permission to access one of the channels used as arguments";
  ctx.Error(StrCat("NOPERM ACLs rules changed between the moment the transaction was accumulated "
                   "and the EXEC call. This command is no longer allowed for the following "
                   "reason: ",
                   why));
  return false;
}

void Dispatcher::UnwatchAll(ClientSession* client) {
  for (const auto& [db, key] : client->watched) store_->Unwatch(db, key, &client->watcher);
  client->watched.clear();
  client->watcher.dirty.store(false);
}

void Dispatcher::DiscardTransaction(ClientSession* client) {
  client->queued.clear();
  client->in_multi = false;
  client->in_multi_flag.store(false, std::memory_order_relaxed);
  client->multi_error = false;
  UnwatchAll(client);
}

// CLIENT TRACKING (server/events/tracking.h): Redis notes the keys of every
// read-only command a tracking client runs (also inside EXEC and scripts,
// but not EVAL_RO & co themselves, whose keys are only declared).
void Dispatcher::TrackRead(CommandContext& ctx, ClientSession& reader, CmdArgs args) {
  const CommandSpec& spec = *ctx.spec;
  if (!(spec.flags & kCmdReadOnly) || (spec.flags & kCmdPubSub) || server_->tracking == nullptr) {
    return;
  }
  if (spec.name == "eval_ro" || spec.name == "evalsha_ro" || spec.name == "fcall_ro") return;
  server_->tracking->RememberKeys(reader, spec, args);
}

// After each command of a tracking client: the keys it read (self-locking
// commands noted theirs before they ran).
void Dispatcher::TrackReadAfter(CommandContext& ctx, ClientSession& reader, CmdArgs args) {
  if (!(ctx.spec->flags & kCmdSelfLocking)) TrackRead(ctx, reader, args);
}

// CLIENT CACHING yes|no covers the next command, or the next MULTI ... EXEC,
// as in Redis, whose resetClient drops it after every command, refused ones
// too, but CLIENT and commands queued in a transaction. A command held back
// by CLIENT PAUSE has not run yet.
void Dispatcher::EndTrackingCaching(ClientSession* client, CmdArgs args) {
  if (client->in_multi || client->postponed) return;
  if (!args.empty() && EqualsIgnoreCase(args[0], "client")) return;
  client->tracking_caching = false;
}

}  // namespace shoal
