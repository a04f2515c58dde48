// The transaction family: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//
// Queueing happens in the Dispatcher (every command that is not transaction
// control is queued while the client is in MULTI), and EXEC's atomic run is
// Dispatcher::Exec. This file holds the client-visible state changes and the
// WATCH bookkeeping:
//
// - WATCH is per key (Store::Watch registers the client's Watcher on the key
//   itself, not on its stripe), so a write to another key of the same stripe
//   never aborts a transaction. A key is registered once per client.
// - Expiry counts as a change, as in Redis: a watched key that was live at
//   WATCH time and has expired by EXEC time aborts the EXEC. A key that was
//   already expired at WATCH time is reaped first, so its later reclamation
//   is not mistaken for a change.
//
// WATCH is kCmdSelfLocking: Store::Watch takes the key's stripe itself, so
// the dispatcher must not hold it. UNWATCH run inside EXEC leaves the
// unwatching to Dispatcher::Exec, which does it after releasing its locks.
#include <algorithm>

#include "server/commands/families.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/dispatcher.h"

namespace shoal {
namespace {

// Deletes the key if it is expired (which marks its watchers dirty). Takes
// the key's stripe.
void ReapIfExpired(Store* store, int db, std::string_view key) {
  StripeLocks locks(store);
  locks.AddKey(key);
  locks.Acquire();
  store->Find(db, key, Store::Lookup::kWrite);
}

void Multi(CommandContext& ctx, CmdArgs) {
  ClientSession* c = ctx.client;
  if (c->in_multi) return ctx.Error("ERR MULTI calls can not be nested");
  c->in_multi = true;
  c->in_multi_flag.store(true, std::memory_order_relaxed);
  c->multi_error = false;
  c->queued.clear();
  ctx.reply->Ok();
}

void Exec(CommandContext& ctx, CmdArgs) {
  ClientSession* c = ctx.client;
  if (!c->in_multi) return ctx.Error("ERR EXEC without MULTI");
  // Watched keys that expired since WATCH: reaping them now marks the
  // watcher dirty, so Exec sees the change.
  if (!c->multi_error && !c->watcher.dirty.load()) {
    for (const auto& [db, key] : c->watched) ReapIfExpired(ctx.store, db, key);
  }
  ctx.dispatcher->Exec(ctx);
}

void Discard(CommandContext& ctx, CmdArgs) {
  if (!ctx.client->in_multi) return ctx.Error("ERR DISCARD without MULTI");
  ctx.dispatcher->DiscardTransaction(ctx.client);
  ctx.reply->Ok();
}

void Watch(CommandContext& ctx, CmdArgs args) {
  ClientSession* c = ctx.client;
  if (c->in_multi) return ctx.Error("ERR WATCH inside MULTI is not allowed");
  const int db = ctx.db();
  for (size_t i = 1; i < args.size(); ++i) {
    std::string_view key = args[i];
    bool known = std::any_of(c->watched.begin(), c->watched.end(),
                             [&](const auto& w) { return w.first == db && w.second == key; });
    if (known) continue;
    ReapIfExpired(ctx.store, db, key);
    ctx.store->Watch(db, key, &c->watcher);
    c->watched.emplace_back(db, std::string(key));
  }
  ctx.reply->Ok();
}

void Unwatch(CommandContext& ctx, CmdArgs) {
  // Inside EXEC the dispatcher holds stripes, and Store::Unwatch would take
  // them again; Exec unwatches everything once it has released them.
  if (!ctx.in_exec) ctx.dispatcher->UnwatchAll(ctx.client);
  ctx.reply->Ok();
}

}  // namespace

void RegisterTransactionCommands(CommandTable* table) {
  constexpr uint32_t kBase = kCmdNoScript | kCmdLoading | kCmdStale;
  constexpr uint32_t kFastBusy = kBase | kCmdFast | kCmdAllowBusy;
  constexpr std::string_view kFastAcl = "@fast @transaction";

  table->Register(MakeSpec("multi", 1, kFastBusy | kCmdTransactionControl, {}, Multi,
                           {.group = "transactions",
                            .since = "1.2.0",
                            .summary = "Starts a transaction.",
                            .complexity = "O(1)",
                            .acl_categories = kFastAcl}));
  table->Register(MakeSpec("exec", 1, kBase | kCmdSkipSlowlog | kCmdTransactionControl, {}, Exec,
                           {.group = "transactions",
                            .since = "1.2.0",
                            .summary = "Executes all commands in a transaction.",
                            .complexity = "Depends on commands in the transaction",
                            .acl_categories = "@slow @transaction"}));
  table->Register(MakeSpec("discard", 1, kFastBusy | kCmdTransactionControl, {}, Discard,
                           {.group = "transactions",
                            .since = "2.0.0",
                            .summary = "Discards a transaction.",
                            .complexity = "O(N), when N is the number of queued commands",
                            .acl_categories = kFastAcl}));
  CommandSpec watch =
      MakeSpec("watch", -2, kFastBusy | kCmdTransactionControl | kCmdSelfLocking, {}, Watch,
               {.group = "transactions",
                .since = "2.2.0",
                .summary = "Monitors changes to keys to determine the execution of a transaction.",
                .complexity = "O(1) for every key.",
                .syntax = "key [key ...]",
                .acl_categories = kFastAcl});
  watch.first_key = 1;
  watch.last_key = -1;
  watch.key_step = 1;
  table->Register(std::move(watch));
  table->Register(MakeSpec("unwatch", 1, kFastBusy, {}, Unwatch,
                           {.group = "transactions",
                            .since = "2.2.0",
                            .summary = "Forgets about watched keys of a transaction.",
                            .complexity = "O(1)",
                            .acl_categories = kFastAcl}));
}

}  // namespace shoal
