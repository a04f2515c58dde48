// Node and shard identifiers, and bus endpoints.
//
// Ids are 40 lower-case hex characters (160 random bits), the shape Redis
// Cluster clients expect in CLUSTER NODES/SHARDS. An Endpoint is where a
// node's cluster bus listens (ip + bus port); seeds on the command line name
// a member's client port, `host:port[@busport]`, with the bus port
// defaulting to port + 10000 as in Redis. Pure functions, any thread.
#ifndef SHOAL_CLUSTER_NODE_ID_H_
#define SHOAL_CLUSTER_NODE_ID_H_

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace shoal {

inline constexpr int kNodeIdLen = 40;
inline constexpr int kBusPortOffset = 10000;

// The one RNG type of the cluster code: seeded by the caller (tests use fixed
// seeds; ClusterNode seeds from std::random_device).
using ClusterRng = std::mt19937_64;

std::string NewNodeId(ClusterRng& rng);
bool IsValidNodeId(std::string_view id);

struct Endpoint {
  std::string ip;
  int port = 0;  // bus port

  bool operator==(const Endpoint& o) const { return port == o.port && ip == o.ip; }
  bool operator<(const Endpoint& o) const {
    return ip < o.ip || (ip == o.ip && port < o.port);
  }
  std::string ToString() const;  // "ip:port", IPv6 as "[ip]:port"
};

// A member address as an operator writes it.
struct SeedAddress {
  std::string host;  // name or literal IP (IPv6 without brackets)
  int port = 0;      // client port
  int bus_port = 0;  // port + 10000 unless given after '@'
};

// Parses "host:port", "host:port@busport", "[v6]:port[@busport]".
absl::StatusOr<SeedAddress> ParseSeedAddress(std::string_view text);

}  // namespace shoal

#endif  // SHOAL_CLUSTER_NODE_ID_H_
