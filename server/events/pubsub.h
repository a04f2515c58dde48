// PubSubRegistry: channel, pattern and shard-channel subscriptions of all
// clients, and delivery of published messages to each subscriber's worker.
//
// Delivery goes through the subscriber's ClientWaker::Deliver (the worker's
// FIFO inbox), so messages from one publisher arrive in publish order on
// every worker. A message for the publishing client itself is written
// straight into its own reply stream (before PUBLISH's reply, as Redis does).
// Thread-safe: one mutex; never held while taking stripe locks.
#ifndef SHOAL_SERVER_EVENTS_PUBSUB_H_
#define SHOAL_SERVER_EVENTS_PUBSUB_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"

namespace shoal {

struct ClientSession;
class ReplyBuilder;

enum class SubKind { kChannel = 0, kPattern = 1, kShard = 2 };

class PubSubRegistry {
 public:
  // Returns true if the subscription is new.
  bool Subscribe(ClientSession* c, SubKind kind, std::string_view name);
  bool Unsubscribe(ClientSession* c, SubKind kind, std::string_view name);
  // The client's subscriptions of one kind (for UNSUBSCRIBE without args).
  std::vector<std::string> SubscriptionsOf(ClientSession* c, SubKind kind) const;
  // Total subscriptions of the client (channels + patterns + shard channels).
  int64_t CountOf(ClientSession* c) const;
  int64_t CountOf(ClientSession* c, SubKind kind) const;
  // Drops every subscription of the client (disconnect, RESET).
  void RemoveAll(ClientSession* c);

  // Delivers to channel subscribers (kChannel or kShard) and, for kChannel,
  // pattern subscribers. Returns the number of receivers. `self` / `self_reply`
  // are the publishing client and its reply stream (may be null).
  int64_t Publish(SubKind kind, std::string_view channel, std::string_view message,
                  ClientSession* self, ReplyBuilder* self_reply);

  // PUBSUB CHANNELS / SHARDCHANNELS [pattern], NUMSUB / SHARDNUMSUB, NUMPAT.
  std::vector<std::string> ActiveChannels(SubKind kind, std::string_view pattern,
                                          bool has_pattern) const;
  int64_t NumSubscribers(SubKind kind, std::string_view channel) const;
  int64_t NumPatterns() const;

 private:
  using Subscribers = absl::flat_hash_set<ClientSession*>;
  mutable absl::Mutex mu_;
  // By kind: name -> subscribers.
  absl::flat_hash_map<std::string, Subscribers> by_name_[3] ABSL_GUARDED_BY(mu_);
  // By client: its names per kind.
  absl::flat_hash_map<ClientSession*, std::vector<absl::flat_hash_set<std::string>>> by_client_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace shoal

#endif  // SHOAL_SERVER_EVENTS_PUBSUB_H_
