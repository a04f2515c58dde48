// The cluster command family: CLUSTER (SLOTS, SHARDS, NODES, INFO, MYID,
// MYSHARDID, KEYSLOT, COUNTKEYSINSLOT, GETKEYSINSLOT, MEET, REPLICAS,
// SLAVES, HELP), READONLY, READWRITE and ASKING.
//
// Registered in every mode, as Redis does: in standalone mode (no
// ClusterRouter installed as ServerState::router) they reply "ERR This
// instance has cluster support disabled". In cluster mode they read the
// view through the router (cluster_router.h), so their answers always agree
// with the redirects clients get.
//
// The text builders are exposed for unit tests over hand-built views.
#ifndef SHOAL_CLUSTER_CLUSTER_FAMILY_H_
#define SHOAL_CLUSTER_CLUSTER_FAMILY_H_

#include <string>
#include <string_view>

#include "cluster/cluster_router.h"
#include "cluster/cluster_view.h"
#include "server/dispatch/command_table.h"

namespace shoal {

void RegisterClusterCommands(CommandTable* table);

// CLUSTER NODES text (one line per node, '\n' terminated, sorted by id).
// `local_ip` stands in for this node's address when it announced none (the
// address the client connected to, as Redis does).
std::string ClusterNodesText(const ClusterView& view, std::string_view local_ip);

// CLUSTER INFO text ("field:value\r\n" lines).
std::string ClusterInfoText(const ClusterView& view, const ClusterBusStats& stats,
                            const SlotMoverStats& moves = SlotMoverStats());
// The warm migration lines of CLUSTER INFO and INFO cluster (Shoal's own).
std::string MigrationInfoText(const ClusterView& view, const SlotMoverStats& moves);

}  // namespace shoal

#endif  // SHOAL_CLUSTER_CLUSTER_FAMILY_H_
