// ForEachKeyPrefetched: the loop of a multi-key command (MGET, MSET, DEL,
// EXISTS...) over its keys, in batches of 16 whose lookups are prefetched
// together before the command's step runs on each key.
//
// Each lookup of a key that is not in the cache takes two or three
// dependent misses (the slot table's header, the probe's slot, the entry);
// one key after the other they add up, prefetched together they overlap
// (Store::PrefetchHeld). Keys are visited in argument order, so replies and
// side effects keep Redis's order.
//
// Invariant: the command holds the stripe of every key it visits, as the
// dispatcher takes them before a handler runs; `fn` gets each key hashed
// once (HashedKey), for the store calls that take one.
#ifndef SHOAL_SERVER_COMMANDS_KEY_BATCHES_H_
#define SHOAL_SERVER_COMMANDS_KEY_BATCHES_H_

#include <cstddef>

#include "server/dispatch/command_context.h"
#include "server/store/slot_hash.h"
#include "server/store/store.h"

namespace shoal {

// Calls fn(index, key) for args[first], args[first + step], ... .
template <class Fn>
void ForEachKeyPrefetched(CommandContext& ctx, CmdArgs args, size_t first, size_t step, Fn&& fn) {
  constexpr size_t kBatch = 16;
  static_assert(kBatch <= Store::kPrefetchBatch);
  HashedKey keys[kBatch];
  size_t i = first;
  while (i < args.size()) {
    size_t n = 0;
    for (size_t j = i; j < args.size() && n < kBatch; j += step) keys[n++] = HashedKey(args[j]);
    if (n > 1) ctx.store->PrefetchHeld(ctx.db(), keys, n);
    for (size_t k = 0; k < n; ++k) fn(i + k * step, keys[k]);
    i += n * step;
  }
}

}  // namespace shoal

#endif  // SHOAL_SERVER_COMMANDS_KEY_BATCHES_H_
