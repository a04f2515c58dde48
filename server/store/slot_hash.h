// Key → slot hashing, exactly as Redis Cluster does it: CRC16 (XMODEM) of the
// key, or of the part between the first '{' and the next '}' when that part
// is non-empty (a hash tag), modulo 16384. Used in standalone mode too, so
// that one keyspace layout serves both modes.
#ifndef SHOAL_SERVER_STORE_SLOT_HASH_H_
#define SHOAL_SERVER_STORE_SLOT_HASH_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace shoal {

inline constexpr int kNumSlots = 16384;

uint16_t Crc16(const char* data, size_t len);
uint16_t KeySlot(std::string_view key);

// XXH3 64-bit hash used by the per-slot tables.
uint64_t KeyHash(std::string_view key);

}  // namespace shoal

#endif  // SHOAL_SERVER_STORE_SLOT_HASH_H_
