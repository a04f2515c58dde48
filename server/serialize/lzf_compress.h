// LzfCompress: the LZF compressor redis-server uses for RDB strings (0xC3),
// written so that its output is byte-for-byte what Redis's liblzf build
// produces (HLOG 16, VERY_FAST, no ULTRA_FAST) for the same input and output
// budget. DUMP payloads of long strings, listpacks and intsets are therefore
// identical to redis-server's.
//
// The algorithm (the format itself is in lzf.h): a 3-byte rolling hash picks
// a slot of a 65536-entry table that remembers the last position with that
// hash; a candidate at most 8192 bytes back whose first three bytes match
// becomes a back-reference, extended greedily up to 264 bytes; after a match
// only the two positions before the resume point are hashed (VERY_FAST).
// Literal runs are at most 32 bytes. Positions 0 is never used as a reference
// (Redis's `ref > in_data` test), and the compressor gives up — returns 0 —
// exactly where Redis's does when the output would not fit in `out_len`.
//
// One difference in principle: Redis leaves its hash table uninitialized
// (INIT_HTAB 0), so stale stack contents could in theory produce a different
// (still valid) stream there; Shoal's table starts empty on every call, which
// is what Redis's output is in practice.
//
// Thread-safe: the hash table is per thread (allocated on first use, 512 KB)
// and stamped with a per-call generation, so a call costs nothing to set up.
#ifndef SHOAL_SERVER_SERIALIZE_LZF_COMPRESS_H_
#define SHOAL_SERVER_SERIALIZE_LZF_COMPRESS_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace shoal {

// Compresses `in` into *out (replaced) if the result fits in out_len bytes.
// Returns the compressed size, or 0 (with *out unspecified) when it does not
// fit or in / out_len is empty.
size_t LzfCompress(std::string_view in, size_t out_len, std::string* out);

}  // namespace shoal

#endif  // SHOAL_SERVER_SERIALIZE_LZF_COMPRESS_H_
