// ClientTracking: server-assisted client-side caching (CLIENT TRACKING), as
// Redis 7 documents it (docs/architecture.md, "Client-side caching").
//
// Default mode: the keys of every read-only command a tracking client runs
// go into the tracking table, key -> ids of the clients that may cache it.
// A change to the key (any client, any worker, expiry, eviction) sends each
// of them one invalidation and drops the key from the table; FLUSHALL and
// FLUSHDB send every tracking client a null invalidation and empty it. The
// table holds at most tracking-table-max-keys keys: past that, keys are
// dropped, their clients invalidated, before a tracking read adds more.
// BCAST mode: no table; a change to a key that starts with one of the
// client's prefixes (the empty prefix by default) invalidates it. The keys a
// command changes are batched per prefix on its thread and sent when it
// ends (FlushBroadcast): one message per prefix, keys in byte order without
// repeats, as Redis sends what one event loop changed.
//
// Sharding: the table is 256 shards by the key's slot, each with its own
// mutex, so workers reading and writing different keys do not meet on a
// lock. Neither is held while taking stripe locks or delivering.
//
// Delivery: an invalidation for client C is built in C's protocol (a RESP3
// `invalidate` push) or, with REDIRECT, in the redirect target's (a RESP3
// push, or for RESP2 a message on __redis__:invalidate if it has
// subscriptions), and appended to the target's worker inbox (ClientWaker),
// so it always follows the reply of the command that caused it. Ids are
// looked up in the ClientRegistry at send time: ids of closed clients left
// in the table are skipped, never dereferenced. A REDIRECT target that is
// gone marks C broken (flag R) and, in RESP3, tells C so.
//
// Cost when nobody tracks: writes pay TrackingHooks::active() and
// holds_keys(), two relaxed loads; commands pay a relaxed load of their own
// client's flags.
//
// Thread-safety: Enable/Disable on the client's worker; everything else from
// any thread.
#ifndef SHOAL_SERVER_EVENTS_TRACKING_H_
#define SHOAL_SERVER_EVENTS_TRACKING_H_

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/synchronization/mutex.h"
#include "server/dispatch/client_session.h"
#include "server/dispatch/config_registry.h"
#include "server/dispatch/server_state.h"
#include "server/dispatch/tracking_hooks.h"

namespace shoal {

struct CommandContext;

class ClientTracking : public TrackingHooks {
 public:
  static constexpr int kShards = 256;
  static constexpr int64_t kDefaultMaxKeys = 1000000;

  explicit ClientTracking(const ClientRegistry* clients) : clients_(clients) {}

  // tracking-table-max-keys (0 = no limit).
  void RegisterConfig(ConfigRegistry* reg);
  void set_max_keys(int64_t n) { max_keys_.store(n, std::memory_order_relaxed); }

  // CLIENT TRACKING ON with already validated options (TrackingFlag bits
  // kTrackingBcast/Optin/Optout/Noloop), redirect id (0: none) and BCAST
  // prefixes (none: every key). Prefixes add to those the client has.
  void Enable(ClientSession* c, uint64_t redirect, uint32_t options,
              const std::vector<std::string>& prefixes);
  // CLIENT TRACKING OFF, RESET, disconnect.
  void Disable(ClientSession* c);

  void RememberKeys(ClientSession& reader, const CommandSpec& spec, CmdArgs args) override;

  // `key` changed (tracking ignores databases, as Redis). `writer` is the id
  // of the client whose command changed it (NOLOOP), 0 for the server.
  // `defer`: BCAST clients hear of it at FlushBroadcast on this thread
  // (default-mode clients are sent to at once either way).
  void InvalidateKey(std::string_view key, uint64_t writer, bool defer = false);
  // Sends the BCAST invalidations this thread deferred.
  void FlushBroadcast() override;
  // FLUSHALL / FLUSHDB.
  void InvalidateAll();

  struct Stats {
    int64_t clients = 0;
    int64_t keys = 0;      // tracking_total_keys
    int64_t items = 0;     // tracking_total_items: (key, client) pairs
    int64_t prefixes = 0;  // tracking_total_prefixes
  };
  Stats stats() const;
  // The table holds keys (maybe only of clients that stopped tracking).
  bool holds_keys() const { return keys_.load(std::memory_order_relaxed) > 0; }

 private:
  using Ids = absl::InlinedVector<uint64_t, 2>;
  // One changed key and the client that changed it (NOLOOP).
  struct KeyChange {
    std::string_view key;
    uint64_t writer = 0;
  };
  struct Shard {
    absl::Mutex mu;
    absl::flat_hash_map<std::string, Ids> keys ABSL_GUARDED_BY(mu);
  };
  Shard& ShardOf(std::string_view key);
  void Remember(std::string_view key, uint64_t id);
  // Drops keys while the table is over tracking-table-max-keys, with a
  // bounded effort per call (it grows while the table stays over).
  void EvictOverLimit();
  // One invalidation (keys, or null when `flush`) for tracking client `id`,
  // less the keys it changed itself under NOLOOP; `bcast`: found through a
  // prefix rather than the table.
  void Send(uint64_t id, std::span<const KeyChange> keys, bool flush, bool bcast);

  const ClientRegistry* clients_;
  std::atomic<int64_t> max_keys_{kDefaultMaxKeys};
  Shard shards_[kShards];
  std::atomic<int64_t> keys_{0};
  std::atomic<int64_t> items_{0};
  std::atomic<uint32_t> evict_cursor_{0};
  std::atomic<int> evict_rounds_{0};  // consecutive calls that stayed over the limit

  // BCAST: prefix -> ids of the clients registered for it.
  std::atomic<int64_t> bcast_clients_{0};
  mutable absl::Mutex prefix_mu_;
  absl::flat_hash_map<std::string, std::vector<uint64_t>> prefixes_ ABSL_GUARDED_BY(prefix_mu_);
  std::vector<size_t> prefix_lengths_ ABSL_GUARDED_BY(prefix_mu_);  // distinct, ascending
};

// The ClientTracking behind ServerState::tracking (the only TrackingHooks),
// or null when the server runs without it.
inline ClientTracking* TrackingOf(ServerState& server) {
  return static_cast<ClientTracking*>(server.tracking);
}

// The store's change listener (Store::SetChangeListener): `arg` is the
// ClientTracking. Invalidates `key` for tracking clients, the writer being
// TrackingHooks::CurrentWriter(); BCAST clients hear of changes made inside
// a command when it ends. Two relaxed loads when nobody tracks.
void InvalidateChangedKey(void* arg, int db, std::string_view key);
// FLUSHALL / FLUSHDB: a null invalidation to every tracking client (as Redis,
// FLUSHDB of any db too: the table does not know databases).
void InvalidateTrackedAll(CommandContext& ctx);

// RESP bytes of the messages (exposed for tests).
std::string InvalidationMessage(int resp, bool pubsub, std::span<const std::string_view> keys,
                                bool flush);
inline std::string InvalidationMessage(int resp, bool pubsub, std::string_view key, bool flush) {
  return InvalidationMessage(resp, pubsub, std::span<const std::string_view>(&key, 1), flush);
}

}  // namespace shoal

#endif  // SHOAL_SERVER_EVENTS_TRACKING_H_
