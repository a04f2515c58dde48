// Internal to server/serialize: streams in the RDB object format, for the
// value serializer (value_dump.h). docs/serialization.md has the layout.
//
//   [nodes: len] then per node [master ID: 16-byte string, big-endian ms and
//   seq][listpack string], then length, last ID, and (types 19/21) first ID,
//   max deleted ID, entries added; then the consumer groups: name, last ID,
//   (19/21) entries read, the PEL (16-byte raw IDs, delivery time as 8 bytes
//   LE, delivery count), the consumers (name, seen time, (21) active time,
//   their PEL as raw IDs).
// A node's listpack holds the master entry [count][deleted][n][field]...[0]
// and then each entry [flags][ms-diff][seq-diff]([n][field value]... | with
// flag 2 "same fields as the master": [value]...)[lp-count].
#ifndef SHOAL_SERVER_SERIALIZE_RDB_STREAM_H_
#define SHOAL_SERVER_SERIALIZE_RDB_STREAM_H_

#include <cstdint>
#include <string>

#include "server/serialize/value_dump.h"
#include "server/types/stream_value.h"

namespace shoal {

// Appends [type byte][object]: STREAM_LISTPACKS_2 (19), or _3 (21) when
// options.rdb_version >= 11. Live entries are packed into nodes as Redis's
// XADD packs them under options.stream_limits.
void AppendRdbStream(const StreamValue& s, const DumpOptions& options, std::string* out);

// Reads a stream object of type 15, 19 or 21; false when malformed.
bool ReadRdbStream(uint8_t type, RdbReader* r, const LoadLimits& limits, LoadedValue* out);

}  // namespace shoal

#endif  // SHOAL_SERVER_SERIALIZE_RDB_STREAM_H_
