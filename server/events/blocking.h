// BlockingRegistry: clients parked by BLPOP & co, per (db, key), and the
// wake-ups that serve them across threads.
//
// Handler side (list and sorted-set families):
//   - A blocking command that finds nothing to pop calls
//       ctx.server->blocking().Block(ctx, keys, timeout_ms, BlockedReply::kNullArray);
//     and writes no reply. Inside MULTI (ctx.in_exec) it must not block: it
//     replies the timeout reply at once. timeout_ms == 0 blocks forever.
//   - Any write that can make a key poppable (LPUSH, RPUSH, LINSERT, LMOVE's
//     destination, ZADD, ZINCRBY, ZUNIONSTORE's destination, RENAME/COPY/MOVE
//     onto a key, ...) calls KeyReady(db, key) while it still holds the lock.
//
// Serving: KeyReady wakes the *first* client blocked on that key (FIFO by
// blocking time) on its own worker, which re-runs the blocked command. If the
// command finds data it replies and is unregistered from all its keys, and
// if the key still has data the next waiter is woken; if not (another client
// took it) it stays first in line. Pops are atomic under the stripe lock, so
// every element is delivered exactly once. The worker's cron answers the
// timeout reply when the deadline passes.
//
// Thread-safety: all methods may be called from any worker; the registry has
// its own mutex, never held while taking stripe locks.
#ifndef SHOAL_SERVER_EVENTS_BLOCKING_H_
#define SHOAL_SERVER_EVENTS_BLOCKING_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "server/dispatch/client_session.h"  // ClientSession, BlockState, BlockedReply

namespace shoal {

struct CommandContext;

class BlockingRegistry {
 public:
  // Parks the client on `keys`; re-registering an already blocked client
  // (re-run found nothing) keeps its place in line.
  void Block(CommandContext& ctx, const std::vector<std::string_view>& keys, int64_t timeout_ms,
             BlockedReply timeout_reply);
  // A key may have become poppable: wake its first waiter.
  void KeyReady(int db, std::string_view key);
  // Every key of `db` may have changed (SWAPDB): wake the first waiter of
  // each key blocked on in that db.
  void DbReady(int db);
  // New data that every waiter may want (XADD: XREAD readers do not consume
  // it): wake all the clients blocked on the key, in line order.
  void KeyReadyAll(int db, std::string_view key);
  // Unregisters a client from all its keys (served, timed out, killed).
  void Unblock(ClientSession* client);
  int64_t blocked_clients() const;

 private:
  struct Waiter {
    ClientSession* client;
  };
  using Key = std::pair<int, std::string>;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<Key, std::deque<ClientSession*>> waiters_ ABSL_GUARDED_BY(mu_);
  int64_t blocked_ ABSL_GUARDED_BY(mu_) = 0;
  // Mirrors blocked_ so that pushes skip the mutex when nobody is blocked.
  std::atomic<int64_t> blocked_hint_{0};
};

}  // namespace shoal

#endif  // SHOAL_SERVER_EVENTS_BLOCKING_H_
