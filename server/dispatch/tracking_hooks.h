// TrackingHooks: what the dispatcher asks of client-side caching (CLIENT
// TRACKING), which server/events/tracking.h implements one layer up.
//
// The dispatcher tells it which keys a tracking client read; the store's
// change listener (every key written, deleted, expired or evicted) and
// FLUSHALL / FLUSHDB tell it which keys changed. `active()` is one of the
// two relaxed loads a write pays while no client tracks. Any thread.
#ifndef SHOAL_SERVER_DISPATCH_TRACKING_HOOKS_H_
#define SHOAL_SERVER_DISPATCH_TRACKING_HOOKS_H_

#include <atomic>
#include <cstdint>

#include "server/dispatch/command.h"

namespace shoal {

struct ClientSession;

class TrackingHooks {
 public:
  virtual ~TrackingHooks() = default;
  // Some client has tracking on (default or BCAST mode).
  bool active() const { return tracking_clients_.load(std::memory_order_relaxed) > 0; }
  int64_t tracking_clients() const { return tracking_clients_.load(std::memory_order_relaxed); }
  // `reader` (the client that sent the command, also for commands a script
  // or EXEC runs) read the keys of the read-only command `spec` with `args`.
  // Called on the reader's worker with the keys' stripes held, only when
  // `reader` has tracking on.
  virtual void RememberKeys(ClientSession& reader, const CommandSpec& spec, CmdArgs args) = 0;

  // BCAST invalidations of the keys a command changes are collected on its
  // thread and sent when it ends, one message per prefix with every key (as
  // Redis, which sends them once per event loop): the dispatcher calls
  // FlushBroadcast after each outermost command that left
  // BroadcastPending() set.
  virtual void FlushBroadcast() = 0;
  static bool& BroadcastPending() {
    static thread_local bool pending = false;
    return pending;
  }

  // The id of the client whose command runs on this thread (for a script or
  // EXEC, the client that sent it), 0 outside commands (expiry cycle,
  // eviction before a command): the writer NOLOOP compares with. Set by the
  // dispatcher around each command.
  static uint64_t& CurrentWriter() {
    static thread_local uint64_t id = 0;
    return id;
  }

 protected:
  std::atomic<int64_t> tracking_clients_{0};
};

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_TRACKING_HOOKS_H_
