// SimCluster: N Membership state machines on a simulated network, for
// deterministic tests of the membership protocol.
//
// Virtual time advances in fixed steps; each step delivers the messages due,
// ticks every running node and schedules what they sent with a random delay.
// Datagrams are lost with a given probability; TCP messages are not (a
// stream either arrives or, across a partition or to a crashed node, fails
// as a whole). Partitions split the nodes into groups that cannot reach each
// other. A crashed node keeps its last saved nodes file (kept in memory in
// the file's text format), so Restart brings it back with its identity, as
// a real restart would. One seed, one run: everything is deterministic.
//
// Test support only; single-threaded.
#ifndef SHOAL_CLUSTER_SIM_NETWORK_H_
#define SHOAL_CLUSTER_SIM_NETWORK_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "cluster/swim.h"

namespace shoal {

struct SimOptions {
  double udp_loss = 0.0;
  int64_t min_delay_ms = 1;
  int64_t max_delay_ms = 10;
  int64_t step_ms = 5;
  int vnodes = 64;
  uint64_t seed = 1;
  std::string secret;
};

class SimCluster {
 public:
  SimCluster(const SimOptions& sim, const SwimOptions& swim);

  // Adds and starts a node that joins through `seeds` (node indexes; empty:
  // the first node of a cluster). Returns its index.
  int AddNode(const std::vector<int>& seeds);
  void Crash(int i);
  // Starts a crashed node again from its saved nodes file (same id).
  void Restart(int i);
  void Leave(int i);  // graceful: announce, linger a second, stop
  void Meet(int i, int j);  // CLUSTER MEET on node i naming node j
  void Partition(const std::vector<std::vector<int>>& groups);
  void Heal();
  void SetUdpLoss(double p) { sim_.udp_loss = p; }
  // Delivers raw bytes to node i as if a datagram from `from_ip`.
  void Inject(int i, const std::string& from_ip, std::string bytes);

  void RunFor(int64_t ms);
  // Runs until pred() holds (checked every step) or max_ms passes; returns
  // the virtual time it took, or -1.
  int64_t RunUntil(const std::function<bool()>& pred, int64_t max_ms);

  // Every running node sees exactly the running nodes in `alive` as active,
  // every other node it knows as dead or leaving (or has forgotten it), holds
  // the same shard table (with a shard for each active node, and no slot
  // migration in progress) and the same slot map.
  bool Converged(const std::set<int>& alive) const;
  std::set<int> Running() const;
  std::string Describe() const;  // one line per node, for failure messages

  Membership& node(int i) { return *nodes_[i].m; }
  bool running(int i) const { return nodes_[i].running; }
  const std::string& id(int i) const { return nodes_[i].id; }
  Endpoint endpoint(int i) const;
  int64_t now() const { return now_; }
  int size() const { return static_cast<int>(nodes_.size()); }
  const std::string& saved_file(int i) const { return nodes_[i].saved; }

 private:
  struct Node {
    std::string id;
    std::unique_ptr<Membership> m;
    bool running = false;
    bool leaving = false;  // stops 1 s after no shard names it (ClusterNode::Leave)
    int64_t stop_at = -1;
    int group = 0;
    std::string saved;     // nodes file text
    uint64_t saved_version = 0;
  };
  struct InFlight {
    int64_t at;
    uint64_t order;
    int to;
    std::string from_ip;
    BusChannel channel;
    std::string bytes;
    bool operator>(const InFlight& o) const {
      return at != o.at ? at > o.at : order > o.order;
    }
  };

  void Step();
  void Collect(int i);
  void StartNode(int i, const std::vector<Endpoint>& seeds);
  int IndexOf(const Endpoint& ep) const;

  SimOptions sim_;
  SwimOptions swim_;
  std::mt19937_64 rng_;
  int64_t now_ = 1'700'000'000'000;
  uint64_t order_ = 0;
  std::vector<Node> nodes_;
  std::priority_queue<InFlight, std::vector<InFlight>, std::greater<InFlight>> wire_;
};

}  // namespace shoal

#endif  // SHOAL_CLUSTER_SIM_NETWORK_H_
