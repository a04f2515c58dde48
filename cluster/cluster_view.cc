// Out-of-line helpers for the ClusterView snapshot (cluster_view.h).
#include "cluster/cluster_view.h"

namespace shoal {

const char* MemberStateName(MemberState s) {
  switch (s) {
    case MemberState::kJoining: return "joining";
    case MemberState::kActive: return "active";
    case MemberState::kLeaving: return "leaving";
    case MemberState::kSuspect: return "suspect";
    case MemberState::kDead: return "dead";
  }
  return "unknown";
}

const NodeInfo* ClusterView::FindNode(const std::string& id) const {
  for (const NodeInfo& n : nodes) {
    if (n.id == id) return &n;
  }
  return nullptr;
}

}  // namespace shoal
