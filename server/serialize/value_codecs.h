// Internal to server/serialize: the registry behind RegisterRdbCodec
// (value_dump.h). Codecs are registered at start-up, before any thread
// serializes, and only read afterwards, so lookups take no lock.
#ifndef SHOAL_SERVER_SERIALIZE_VALUE_CODECS_H_
#define SHOAL_SERVER_SERIALIZE_VALUE_CODECS_H_

#include <cstdint>

#include "server/serialize/value_dump.h"

namespace shoal {

// The codec registered for values of type t, or null.
const RdbCodec* FindCodecForValue(ValueType t);
// The codec that reads RDB type `rdb_type`, or null.
const RdbCodec* FindCodecForRdbType(uint8_t rdb_type);

}  // namespace shoal

#endif  // SHOAL_SERVER_SERIALIZE_VALUE_CODECS_H_
