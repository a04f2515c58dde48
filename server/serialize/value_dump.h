// The value serializer: Shoal's keys in Redis's RDB object format, the one
// module that DUMP / RESTORE / MIGRATE, replica full sync and slot migration
// all use. docs/serialization.md has the design and the compatibility notes.
//
// An RDB object is [type byte][object]; a DUMP payload is an RDB object plus
// the footer [RDB version: u16 LE][CRC64 of everything before: u64 LE].
//
// Writing (AppendRdbObject / DumpValue), per Shoal encoding:
//   string          RDB string: int-encoded when it is a short integer, LZF
//                   (lzf_compress.h) when longer than 20 bytes and it shrinks
//   list            QUICKLIST_2 (18): listpack nodes, filled as Redis 7.0's
//                   quicklist fills them under list-max-listpack-size
//   hash            HASH_LISTPACK (16) when compact, else HASH (4)
//   set             SET_INTSET (11); listpack sets as SET_LISTPACK (20) only
//                   for RDB version >= 11, else as SET (2); tables as SET (2)
//   sorted set      ZSET_LISTPACK (17) when compact, else ZSET_2 (5),
//                   greatest element first, binary doubles
//   stream          STREAM_LISTPACKS_2 (19), or _3 (21) for RDB version 11
//                   (rdb_stream.h), nodes filled as Redis's XADD fills them
// Compact encodings are written byte-for-byte as redis-server 7.0 writes the
// same value (listpack, intset and LZF bytes included); tables in Shoal's
// iteration order. The default RDB version is 10 (Redis 7.0), so 7.0 and 7.2
// servers both load Shoal's payloads.
//
// Reading (ReadRdbObject / LoadDumpPayload) accepts every object type Redis
// 7.2 may emit up to RDB version 11: STRING, LIST, SET, ZSET, HASH, ZSET_2,
// HASH_ZIPMAP, LIST_ZIPLIST, SET_INTSET, ZSET_ZIPLIST, HASH_ZIPLIST,
// LIST_QUICKLIST, HASH_LISTPACK, ZSET_LISTPACK, LIST_QUICKLIST_2,
// SET_LISTPACK and the three stream types (15, 19, 21). Everything is validated as Redis's deep sanitization does
// (bounds, duplicates, NaN scores, empty collections); a bad payload fails
// with false, never a crash, and nothing is allocated beyond what the input's
// size could justify. Values are rebuilt in the encoding Shoal's own writes
// would pick under the given limits.
//
// Pure functions over bytes and values; thread-safe. The caller holds the
// stripe lock of the entry it serializes.
#ifndef SHOAL_SERVER_SERIALIZE_VALUE_DUMP_H_
#define SHOAL_SERVER_SERIALIZE_VALUE_DUMP_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "server/serialize/rdb_string.h"
#include "server/store/compound_value.h"
#include "server/store/entry.h"
#include "server/types/hash_value.h"
#include "server/types/list_value.h"
#include "server/types/set_value.h"
#include "server/types/stream_value.h"
#include "server/types/zset_value.h"

namespace shoal {

// RDB object types (rdb.h).
enum RdbType : uint8_t {
  kRdbTypeString = 0,
  kRdbTypeList = 1,
  kRdbTypeSet = 2,
  kRdbTypeZSet = 3,
  kRdbTypeHash = 4,
  kRdbTypeZSet2 = 5,
  kRdbTypeModulePreGa = 6,
  kRdbTypeModule2 = 7,
  kRdbTypeHashZipmap = 9,
  kRdbTypeListZiplist = 10,
  kRdbTypeSetIntset = 11,
  kRdbTypeZSetZiplist = 12,
  kRdbTypeHashZiplist = 13,
  kRdbTypeListQuicklist = 14,
  kRdbTypeStreamListpacks = 15,
  kRdbTypeHashListpack = 16,
  kRdbTypeZSetListpack = 17,
  kRdbTypeListQuicklist2 = 18,
  kRdbTypeStreamListpacks2 = 19,
  kRdbTypeSetListpack = 20,
  kRdbTypeStreamListpacks3 = 21,
};

// RDB version of Redis 7.0: the default of what Shoal writes.
inline constexpr uint16_t kRdbVersion70 = 10;
// The highest version Shoal reads (Redis 7.2's).
inline constexpr uint16_t kRdbVersionMax = 11;

struct DumpOptions {
  uint16_t rdb_version = kRdbVersion70;
  // rdbcompression: LZF-compress strings (and packed blobs) over 20 bytes.
  bool compress = true;
  // list-max-listpack-size: how quicklist nodes are filled.
  int64_t list_fill = -2;
  // stream-node-max-bytes / -entries: how stream nodes are filled.
  StreamLimits stream_limits;
};

// Encoding limits for the values a load builds (from the config).
struct LoadLimits {
  HashLimits hash;
  ListLimits list;
  SetLimits set;
  ZSetLimits zset;
  StreamLimits stream;
};

// A value read back: a string, or a compound value of `type`.
struct LoadedValue {
  ValueType type = ValueType::kString;
  std::string str;
  std::unique_ptr<CompoundValue> obj;
  // Builds the entry, moving the value out.
  Entry* ToEntry(std::string_view key, int64_t expire_ms);
};

// ---- Writing ----

// Appends [type byte][object] for e's value. False (nothing appended) for a
// value type the serializer does not know.
bool AppendRdbObject(const Entry& e, const DumpOptions& options, std::string* out);
// Appends `s` as an RDB string the way Redis's rdbSaveRawString does: int
// encoding for short integers, LZF when `compress` and it helps, else raw.
void AppendRdbStringMaybeCompressed(std::string_view s, bool compress, std::string* out);
// A DUMP payload: the object and its footer. Empty for an unwritable type.
std::string DumpValue(const Entry& e, const DumpOptions& options = {});

// ---- Reading ----

// Redis's verifyDumpPayload: at least the 10-byte footer, a version no
// higher than max_version, and a matching CRC64.
bool VerifyDumpPayload(std::string_view payload, uint16_t max_version = kRdbVersionMax);
// Reads an object of RDB type `type` (its type byte already consumed).
bool ReadRdbObject(uint8_t type, RdbReader* reader, const LoadLimits& limits, LoadedValue* out);

enum class LoadStatus { kOk, kBadFooter, kBadData };
// The whole of RESTORE's decoding: footer, type byte, object.
LoadStatus LoadDumpPayload(std::string_view payload, const LoadLimits& limits, LoadedValue* out);

}  // namespace shoal

#endif  // SHOAL_SERVER_SERIALIZE_VALUE_DUMP_H_
