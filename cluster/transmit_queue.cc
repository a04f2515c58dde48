// Piggyback queue; see transmit_queue.h.
#include "cluster/transmit_queue.h"

#include <algorithm>

namespace shoal {

void TransmitQueue::Enqueue(const MemberUpdate& u) {
  for (Item& it : items_) {
    if (it.update.id == u.id) {
      it.update = u;
      it.transmits = 0;
      it.order = next_order_++;
      return;
    }
  }
  items_.push_back(Item{u, 0, next_order_++});
}

std::vector<MemberUpdate> TransmitQueue::Take(size_t budget_bytes, int max_transmits) {
  std::sort(items_.begin(), items_.end(), [](const Item& a, const Item& b) {
    if (a.transmits != b.transmits) return a.transmits < b.transmits;
    return a.order > b.order;
  });
  std::vector<MemberUpdate> out;
  size_t used = 0;
  for (Item& it : items_) {
    size_t sz = EncodedUpdateSize(it.update);
    if (used + sz > budget_bytes) continue;
    used += sz;
    out.push_back(it.update);
    ++it.transmits;
  }
  std::erase_if(items_, [&](const Item& it) { return it.transmits >= max_transmits; });
  return out;
}

}  // namespace shoal
