// The registry of extension codecs (value_dump.h's RegisterRdbCodec): a
// small fixed array, written at start-up and read-only afterwards.
#include "server/serialize/value_codecs.h"

namespace shoal {
namespace {

constexpr int kMaxCodecs = 8;
RdbCodec g_codecs[kMaxCodecs];
int g_num_codecs = 0;

}  // namespace

void RegisterRdbCodec(const RdbCodec& codec) {
  for (int i = 0; i < g_num_codecs; ++i) {
    if (g_codecs[i].value_type == codec.value_type) {
      g_codecs[i] = codec;  // re-registration replaces
      return;
    }
  }
  if (g_num_codecs < kMaxCodecs) g_codecs[g_num_codecs++] = codec;
}

const RdbCodec* FindCodecForValue(ValueType t) {
  for (int i = 0; i < g_num_codecs; ++i) {
    if (g_codecs[i].value_type == t) return &g_codecs[i];
  }
  return nullptr;
}

const RdbCodec* FindCodecForRdbType(uint8_t rdb_type) {
  if (rdb_type == 0) return nullptr;  // 0 marks unused slots
  for (int i = 0; i < g_num_codecs; ++i) {
    for (uint8_t t : g_codecs[i].rdb_types) {
      if (t == rdb_type) return &g_codecs[i];
    }
  }
  return nullptr;
}

}  // namespace shoal
