// Store: dropping the keys of one slot, a bounded batch at a time.
//
// Cluster mode calls this from a background thread when a slot leaves this
// node (the ring gave it to another shard) or arrives here with leftovers
// from an earlier ownership: a node must never serve keys of a slot it did
// not own continuously (docs/cluster.md). Each call holds the slot's stripe
// for one batch only, so clients of the other slots in that stripe wait at
// most one batch; the keys go through the normal erase path, which keeps
// memory, key counts and WATCH right.
#include <algorithm>
#include <string>
#include <vector>

#include "server/store/slot_table.h"
#include "server/store/store.h"
#include "server/store/store_internal.h"

namespace shoal {

size_t Store::DropSlotKeys(int db, int slot, size_t max) {
  Stripe& st = StripeFor(slot);
  if (st.db[db].keys.Get() == 0) return 0;  // nothing in this stripe: no lock
  StripeGuard guard(&st.mu, AllHeld());
  SlotTable* t = Table(db, slot, false);
  if (t == nullptr || t->empty()) return 0;
  std::vector<std::string> keys;
  keys.reserve(std::min(max, t->size()));
  for (Entry* e : *t) {
    if (keys.size() >= max) break;
    keys.emplace_back(e->key());
  }
  for (const std::string& k : keys) Erase(db, k);
  return keys.size();
}

}  // namespace shoal
