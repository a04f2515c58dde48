// The nodes file (--cluster-config-file, default "nodes.conf"): this node's
// id and incarnation, and the last membership and shard table it knew, so
// that a restarted node keeps its identity, its age (for coordinator
// election) and its shard, and rejoins by contacting the members it knew.
//
// A small line-oriented text file, rewritten whole (temp file + fsync +
// rename) so a crash leaves either the old or the new version:
//   shoal-nodes 1
//   myself <id> <incarnation> <joined_ms>
//   table <epoch> <author|-> <migration plan epoch, 0: none>
//   shard <id> <config_epoch> <primary> <replica,replica...|-> <phase> <handoff>
// (files written before migrations lack the last fields: read as 0 / 0 -1)
//   node <id> <ip|-> <port> <bus_port> <state> <incarnation> <joined_ms>
// Unknown line kinds are skipped (newer writers may add some); a malformed
// known line makes the whole file invalid.
//
// NodesFileLock keeps two processes from sharing one file (they would share
// an id): an flock on "<path>.lock" held while the node runs.
#ifndef SHOAL_CLUSTER_NODES_FILE_H_
#define SHOAL_CLUSTER_NODES_FILE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cluster/cluster_view.h"
#include "cluster/gossip_message.h"

namespace shoal {

struct NodesFileData {
  std::string my_id;
  uint64_t incarnation = 0;
  int64_t joined_ms = 0;
  std::vector<MemberUpdate> members;  // not including myself
  ShardTable table;

  bool operator==(const NodesFileData&) const = default;
};

std::string FormatNodesFile(const NodesFileData& d);
absl::StatusOr<NodesFileData> ParseNodesFile(std::string_view text);

// NotFoundError when the file does not exist.
absl::StatusOr<NodesFileData> LoadNodesFile(const std::string& path);
absl::Status SaveNodesFile(const std::string& path, const NodesFileData& d);

class NodesFileLock {
 public:
  NodesFileLock() = default;
  ~NodesFileLock();
  NodesFileLock(const NodesFileLock&) = delete;
  NodesFileLock& operator=(const NodesFileLock&) = delete;

  absl::Status Acquire(const std::string& path);
  void Release();

 private:
  int fd_ = -1;
};

}  // namespace shoal

#endif  // SHOAL_CLUSTER_NODES_FILE_H_
