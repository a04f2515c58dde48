// Placement: the consistent-hash ring that maps the 16384 slots to shards.
//
// Each shard owns `vnodes` tokens on a ring of 16384 positions: token i of
// shard X sits at XXH3(X's id, seed i) mod 16384. A slot belongs to the next
// token clockwise (the first token at or after it, wrapping around), so a
// shard owns contiguous runs of slots and CLUSTER SLOTS stays short.
//
// Bounded loads. With a handful of tokens per shard the arcs between random
// tokens vary a lot (a shard's share has a relative spread of about
// 1/sqrt(vnodes)), and more tokens mean more slot ranges. So the ring caps
// every shard at ceil(load_factor * 16384 / S) slots: slots are walked in
// order from 0, and a slot whose next token belongs to a full shard goes to
// the next token clockwise whose shard still has room ("consistent hashing
// with bounded loads", Mirrokni, Thorup and Zadimoghaddam, 2018). Adding or
// removing a shard still moves about 1/S of the slots; the figures that chose
// kDefaultVnodes and kDefaultLoadFactor are in docs/cluster.md and come from
// benchmarks/micro/placement_report.cc. load_factor <= 0 disables the cap
// (the plain ring).
//
// ComputeSlotMap is a pure function of the shard ids in the table: every
// node holding the same table computes the same map, whatever the order of
// table.shards (ties between tokens at one position break by shard id, then
// token index). A failover changes a shard's primary, not its id, so it moves
// no slot. Result: slot -> index into table.shards, or -1 when the table has
// no shard. Thread-safe (no state); cost O(S * vnodes * log + 16384).
#ifndef SHOAL_CLUSTER_HASH_RING_H_
#define SHOAL_CLUSTER_HASH_RING_H_

#include <array>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "cluster/cluster_view.h"

namespace shoal {

inline constexpr int kDefaultVnodes = 64;
inline constexpr double kDefaultLoadFactor = 1.15;

std::array<int16_t, kClusterSlots> ComputeSlotMap(const ShardTable& table, int vnodes);
std::array<int16_t, kClusterSlots> ComputeSlotMap(const ShardTable& table, int vnodes,
                                                  double load_factor);

// The slot map during a migration (cluster_view.h, ShardPhase): `owner` is
// who serves each slot now, `target` the shard it is moving to (or -1).
// Without importing or draining shards, owner == ComputeSlotMap and no slot
// moves. Otherwise, with `before` the ring without importing shards and
// `after` the ring without draining ones, a slot whose two owners differ
// belongs to the target once the source's handoff watermark reached it, and
// to the source (moving to the target) until then.
struct SlotAssignment {
  std::array<int16_t, kClusterSlots> owner;
  std::array<int16_t, kClusterSlots> target;
};
SlotAssignment ComputeSlotAssignment(const ShardTable& table, int vnodes);

// Position of token `index` of shard `shard_id` on the ring (0..16383).
int RingToken(std::string_view shard_id, int index);

// Maximal runs of consecutive slots with the same owner, as (first, last,
// owner) with owner -1 for unassigned runs; in slot order. CLUSTER SLOTS,
// SHARDS and NODES print these.
struct SlotRange {
  int first;
  int last;
  int owner;
};
std::vector<SlotRange> SlotRanges(const std::array<int16_t, kClusterSlots>& map);

}  // namespace shoal

#endif  // SHOAL_CLUSTER_HASH_RING_H_
