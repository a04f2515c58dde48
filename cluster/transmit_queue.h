// TransmitQueue: membership updates waiting to ride on outgoing messages
// (SWIM's infection-style dissemination).
//
// Each queued update is sent a bounded number of times (the caller passes
// retransmit_mult * ceil(log10(N + 1))), least-sent first, newest first among
// equals, so fresh news spreads before old news is repeated. A newer update
// about the same member replaces the queued one (and its count starts over).
// Single-threaded: owned by one Membership.
#ifndef SHOAL_CLUSTER_TRANSMIT_QUEUE_H_
#define SHOAL_CLUSTER_TRANSMIT_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "cluster/gossip_message.h"

namespace shoal {

class TransmitQueue {
 public:
  void Enqueue(const MemberUpdate& u);
  // Updates totalling at most `budget_bytes` encoded; each taken update has
  // its count raised and is dropped once sent `max_transmits` times.
  std::vector<MemberUpdate> Take(size_t budget_bytes, int max_transmits);
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  void Clear() { items_.clear(); }

 private:
  struct Item {
    MemberUpdate update;
    int transmits = 0;
    uint64_t order = 0;  // enqueue sequence: larger is newer
  };
  std::vector<Item> items_;
  uint64_t next_order_ = 0;
};

}  // namespace shoal

#endif  // SHOAL_CLUSTER_TRANSMIT_QUEUE_H_
