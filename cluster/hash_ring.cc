// The consistent-hash ring with bounded loads (see hash_ring.h for the
// design and why the cap exists).
#include "cluster/hash_ring.h"

#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <tuple>

namespace shoal {
namespace {

struct Token {
  int pos;
  int shard;  // index into table.shards
  int index;  // token index within its shard
};

}  // namespace

int RingToken(std::string_view shard_id, int index) {
  return static_cast<int>(XXH3_64bits_withSeed(shard_id.data(), shard_id.size(),
                                               static_cast<uint64_t>(index)) %
                          kClusterSlots);
}

std::array<int16_t, kClusterSlots> ComputeSlotMap(const ShardTable& table, int vnodes) {
  return ComputeSlotMap(table, vnodes, kDefaultLoadFactor);
}

namespace {

// The map of the shards of `table` that `keep` accepts, as indices into
// table.shards.
std::array<int16_t, kClusterSlots> MapOfSubset(const ShardTable& table, int vnodes,
                                               bool (*keep)(const ShardInfo&)) {
  ShardTable sub;
  std::vector<int16_t> index;
  for (size_t i = 0; i < table.shards.size(); ++i) {
    if (!keep(table.shards[i])) continue;
    sub.shards.push_back(table.shards[i]);
    index.push_back(static_cast<int16_t>(i));
  }
  std::array<int16_t, kClusterSlots> map = ComputeSlotMap(sub, vnodes);
  for (int16_t& m : map) {
    if (m >= 0) m = index[m];
  }
  return map;
}

}  // namespace

SlotAssignment ComputeSlotAssignment(const ShardTable& table, int vnodes) {
  SlotAssignment a;
  a.target.fill(-1);
  const bool moving = std::any_of(table.shards.begin(), table.shards.end(), [](const ShardInfo& s) {
    return s.phase != ShardPhase::kServing;
  });
  if (!moving) {
    a.owner = ComputeSlotMap(table, vnodes);
    return a;
  }
  const std::array<int16_t, kClusterSlots> before = MapOfSubset(
      table, vnodes, [](const ShardInfo& s) { return s.phase != ShardPhase::kImporting; });
  const std::array<int16_t, kClusterSlots> after = MapOfSubset(
      table, vnodes, [](const ShardInfo& s) { return s.phase != ShardPhase::kDraining; });
  for (int slot = 0; slot < kClusterSlots; ++slot) {
    const int16_t from = before[slot];
    const int16_t to = after[slot];
    if (from == to || from < 0 || to < 0) {
      a.owner[slot] = from >= 0 ? from : to;
    } else if (table.shards[from].handoff >= slot) {
      a.owner[slot] = to;
    } else {
      a.owner[slot] = from;
      a.target[slot] = to;
    }
  }
  return a;
}

std::array<int16_t, kClusterSlots> ComputeSlotMap(const ShardTable& table, int vnodes,
                                                  double load_factor) {
  std::array<int16_t, kClusterSlots> map;
  map.fill(-1);
  const int shards = static_cast<int>(table.shards.size());
  if (shards == 0) return map;
  vnodes = std::clamp(vnodes, 1, kClusterSlots);

  std::vector<Token> ring;
  ring.reserve(static_cast<size_t>(shards) * vnodes);
  for (int s = 0; s < shards; ++s) {
    for (int i = 0; i < vnodes; ++i) ring.push_back({RingToken(table.shards[s].id, i), s, i});
  }
  // Order by position; ties by shard id then token index, so that the result
  // does not depend on the order of table.shards.
  std::sort(ring.begin(), ring.end(), [&](const Token& a, const Token& b) {
    if (a.pos != b.pos) return a.pos < b.pos;
    if (a.shard != b.shard) return table.shards[a.shard].id < table.shards[b.shard].id;
    return a.index < b.index;
  });

  // The cap: load_factor times the mean, rounded down, but at least the mean
  // rounded up so that every slot finds a home.
  int64_t cap = kClusterSlots;
  if (load_factor > 0) {
    int64_t mean_up = (kClusterSlots + shards - 1) / shards;
    cap = std::max<int64_t>(
        mean_up, static_cast<int64_t>(std::floor(load_factor * kClusterSlots / shards)));
  }
  std::vector<int64_t> load(shards, 0);
  const size_t n = ring.size();
  size_t next = 0;  // first token with pos >= slot
  for (int slot = 0; slot < kClusterSlots; ++slot) {
    while (next < n && ring[next].pos < slot) ++next;
    size_t k = next == n ? 0 : next;
    // Terminates: total capacity >= 16384, so some shard has room.
    while (load[ring[k].shard] >= cap) k = k + 1 == n ? 0 : k + 1;
    map[slot] = static_cast<int16_t>(ring[k].shard);
    ++load[ring[k].shard];
  }
  return map;
}

std::vector<SlotRange> SlotRanges(const std::array<int16_t, kClusterSlots>& map) {
  std::vector<SlotRange> out;
  for (int slot = 0; slot < kClusterSlots; ++slot) {
    if (!out.empty() && out.back().owner == map[slot]) {
      out.back().last = slot;
    } else {
      out.push_back({slot, slot, map[slot]});
    }
  }
  return out;
}

}  // namespace shoal
