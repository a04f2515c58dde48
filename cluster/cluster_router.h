// ClusterRouter: the client-facing half of cluster mode. It answers the
// dispatcher's routing question (KeyRouter) from the current ClusterView and
// gives the CLUSTER commands (cluster_family.cc) what they read: the view and
// a handle on the membership runtime (ClusterControl).
//
// Routing rules, for a request whose keys all hash to one slot:
//   - the slot's shard has this node as primary      -> served here;
//   - the slot's shard has this node as replica      -> a read-only command from
//     a client that sent READONLY is served here; anything else gets
//     "MOVED" to the shard's primary (or CLUSTERDOWN while it is dead);
//   - the slot is unassigned, or its primary is dead -> "CLUSTERDOWN Hash slot
//     not served" (until a replica is promoted, or, without one, until the
//     primary returns; the other slots keep working, see docs/cluster.md);
//   - this node is fenced (it lost the majority)     -> "CLUSTERDOWN The cluster is
//     down", for every slot, as a Redis minority primary does;
//   - this node restarted empty and hands its shard to a synced replica
//     (swim.h, stepping down)                        -> "CLUSTERDOWN ..." likewise;
//   - the slot is moving away from this node (warm migration)
//                                                    -> served here; once the slot
//     mover reached it (SlotInMotion), a request for keys not all here gets
//     "TRYAGAIN" until the slot flips (then "MOVED" to its new owner);
//   - the slot is moving to this node                -> served after ASKING (or for
//     RESTORE-ASKING); anything else gets "TRYAGAIN" (it flips here soon);
//   - the slot just arrived here and stale keys are being dropped
//                                                    -> "TRYAGAIN ..." (briefly);
//   - otherwise                                      -> "MOVED <slot> <ip>:<port>"
//     of the primary (a suspect primary still gets the redirect: it is
//     probably alive).
//
// Threads: Route runs on every worker for every keyed command. Each thread
// keeps its own copy of the view (a shared_ptr plus a per-shard table of
// answers) and refreshes it only when ClusterState::version() changes, so
// the hot path is one atomic load and two array reads, with no lock and no
// allocation unless it redirects.
#ifndef SHOAL_CLUSTER_CLUSTER_ROUTER_H_
#define SHOAL_CLUSTER_CLUSTER_ROUTER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "cluster/cluster_view.h"
#include "cluster/slot_mover.h"
#include "server/dispatch/key_router.h"
#include "server/dispatch/server_state.h"

namespace shoal {

// Bus message counters for CLUSTER INFO, by message type ("ping", "pong",
// "meet", ...), in the order they should be printed.
struct ClusterBusStats {
  std::vector<std::pair<std::string, int64_t>> sent;
  std::vector<std::pair<std::string, int64_t>> received;
  int64_t total_sent = 0;
  int64_t total_received = 0;
};

// CLUSTER FAILOVER's options.
enum class FailoverMode : uint8_t { kDefault, kForce, kTakeover };

// What the CLUSTER commands ask of the membership runtime. main.cc adapts
// ClusterNode to it; tests pass a fake. Thread-safe: called from workers.
class ClusterControl {
 public:
  virtual ~ClusterControl() = default;
  // CLUSTER MEET: introduce the member at host:port (bus at bus_port).
  virtual absl::Status Meet(const std::string& host, int port, int bus_port) = 0;
  // PUBLISH: hand the message to every other node, which delivers it to its
  // own subscribers (not back to this node).
  virtual void BroadcastPublish(std::string_view channel, std::string_view message) = 0;
  virtual ClusterBusStats BusStats() const = 0;
  // CLUSTER FAILOVER on a replica: OK once the switch is under way, or the
  // error to reply (shard_role.h).
  virtual absl::Status Failover(FailoverMode mode) = 0;
  // CLUSTER LEAVE: the node leaves gracefully — its shard hands its slots
  // off with their keys (or a replica takes over), then the node shuts down.
  virtual absl::Status Leave() { return absl::UnimplementedError("ERR not supported"); }
  // CLUSTER SAVECONFIG: writes the nodes file now; returns once it is on
  // disk, or the error.
  virtual absl::Status SaveConfig() { return absl::UnavailableError("no cluster runtime"); }
  // Warm migration figures of this node's slot mover (slot_mover.h).
  virtual SlotMoverStats MigrationStats() const { return SlotMoverStats{}; }
};

inline constexpr std::string_view kFencedError = "CLUSTERDOWN The cluster is down";
inline constexpr std::string_view kSteppingDownError =
    "CLUSTERDOWN This node restarted and is handing its shard to a synced replica";
inline constexpr std::string_view kSlotArrivingError =
    "TRYAGAIN Hash slot is moving to this node; try again shortly";
inline constexpr std::string_view kSlotCleaningError =
    "TRYAGAIN Slot just arrived at this node; its stale keys are being dropped";

class ClusterRouter : public KeyRouter {
 public:
  // `state` outlives the router; `control` may be null (tests, or before the
  // runtime starts): MEET then fails and PUBLISH stays local.
  ClusterRouter(const ClusterState* state, ClusterControl* control);

  std::optional<std::string> Route(int slot, const CommandSpec& spec,
                                   const ClientSession& client) override;
  bool SlotInMotion(int slot) override;
  void Published(std::string_view channel, std::string_view message) override;

  // The current view as this thread last saw it (refreshed on a version
  // change). Never null: an empty view until the runtime publishes one.
  const std::shared_ptr<const ClusterView>& View() const;
  ClusterControl* control() const { return control_; }

 private:
  // Per shard index of the view: how to answer for its slots.
  struct ShardRoute {
    enum Kind : uint8_t { kHere, kReplicaHere, kMoved, kDown } kind = kDown;
    std::string addr;  // "ip:port" of the primary for kMoved and kReplicaHere ("": dead)
  };
  struct Cache {
    uint64_t router_serial = 0;
    uint64_t version = 0;
    std::shared_ptr<const ClusterView> view;
    std::vector<ShardRoute> routes;
  };
  Cache& Refresh() const;

  const ClusterState* state_;
  ClusterControl* control_;
  uint64_t serial_;  // tells routers apart in the thread-local cache
};

// True when the map differs between the two views (a shard joined or left):
// blocked clients must then be re-routed.
bool SlotMapChanged(const ClusterView* before, const ClusterView& after);

// Wakes every blocked client so that its command is routed again; clients
// whose keys moved get -MOVED (or -CLUSTERDOWN), the others block again in
// their place. Call after a view with a changed slot map was published.
void RerouteBlockedClients(ServerState& server);

}  // namespace shoal

#endif  // SHOAL_CLUSTER_CLUSTER_ROUTER_H_
