// Key → slot hashing, exactly as Redis Cluster does it: CRC16 (XMODEM) of the
// key, or of the part between the first '{' and the next '}' when that part
// is non-empty (a hash tag), modulo 16384. Used in standalone mode too, so
// that one keyspace layout serves both modes.
#ifndef SHOAL_SERVER_STORE_SLOT_HASH_H_
#define SHOAL_SERVER_STORE_SLOT_HASH_H_

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace shoal {

inline constexpr int kNumSlots = 16384;

uint16_t Crc16(const char* data, size_t len);
uint16_t KeySlot(std::string_view key);

// XXH3 64-bit hash used by the per-slot tables.
uint64_t KeyHash(std::string_view key);

// A key with its slot and its table hash, each computed once per command:
// the dispatcher computes the slot to lock the key's stripe and hands it on
// (CommandContext::Key), and every store call of the command reuses both
// instead of hashing the key again (docs/benchmarks.md, "One hash per key").
// Views the key's bytes: it lives no longer than the arguments it came from.
struct HashedKey {
  HashedKey() = default;
  explicit HashedKey(std::string_view k) : HashedKey(k, KeySlot(k)) {}
  // `slot` must be KeySlot(k).
  HashedKey(std::string_view k, int slot) : key(k), hash(KeyHash(k)), slot(slot) {
    assert(slot == KeySlot(k));
  }

  std::string_view key;
  uint64_t hash = 0;
  int slot = 0;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_STORE_SLOT_HASH_H_
