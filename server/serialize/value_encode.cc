// The writing half of the value serializer (value_dump.h): Shoal values in
// the RDB object bytes redis-server 7.0 writes for the same value.
//
// Where Redis's bytes depend on more than the value — the node boundaries of
// a quicklist, the order of a hash table — Shoal follows Redis's rules where
// they are deterministic (quicklist nodes are filled as 7.0's push path
// fills them; sorted sets in ZSET_2 go greatest first) and its own iteration
// order where Redis's is its dict's (hash and set tables).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "server/serialize/crc64.h"
#include "server/serialize/listpack.h"
#include "server/serialize/lzf_compress.h"
#include "server/serialize/rdb_stream.h"
#include "server/serialize/value_dump.h"

namespace shoal {
namespace {

constexpr uint8_t kQuicklistNodePacked = 2;

void AppendLittleEndian(uint64_t v, int width, std::string* out) {
  for (int i = 0; i < width; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

// Redis 7.0's d2string(): how a score is spelled inside a listpack.
std::string ScoreText(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  if (v > -4503599627370495.0 && v < 4503599627370496.0 &&
      v == static_cast<double>(static_cast<long long>(v))) {
    return std::to_string(static_cast<long long>(v));
  }
  char buf[32];
  const int n = std::snprintf(buf, sizeof(buf), "%.17g", v);
  return std::string(buf, static_cast<size_t>(n));
}

// Redis 7.0's _quicklistNodeAllowInsert for a push of an element of `sz`
// bytes onto a node of `node_bytes` listpack bytes and `count` elements.
bool NodeAllowsInsert(size_t node_bytes, size_t count, size_t sz, int64_t fill) {
  static constexpr size_t kLevels[] = {4096, 8192, 16384, 32768, 65536};
  constexpr size_t kSafetyLimit = 8192;
  constexpr size_t kEstimateOverhead = 8;
  const size_t new_sz = node_bytes + sz + kEstimateOverhead;
  if (fill < 0) {
    const uint64_t level = static_cast<uint64_t>(-fill) - 1;
    if (level < 5 && new_sz <= kLevels[level]) return true;
  }
  if (new_sz > kSafetyLimit) return false;
  return fill >= 0 && static_cast<int64_t>(count) < fill;
}

void AppendList(const ListValue& list, const DumpOptions& options, std::string* out) {
  std::vector<std::string> nodes;
  ListpackWriter writer;
  if (list.Size() > 0) {
    list.Range(0, list.Size() - 1, [&](std::string_view element) {
      if (writer.count() > 0 &&
          !NodeAllowsInsert(writer.bytes(), writer.count(), element.size(), options.list_fill)) {
        nodes.push_back(writer.Finish());
      }
      writer.Add(element);
    });
  }
  if (writer.count() > 0) nodes.push_back(writer.Finish());
  out->push_back(static_cast<char>(kRdbTypeListQuicklist2));
  AppendRdbLength(nodes.size(), out);
  for (const std::string& node : nodes) {
    AppendRdbLength(kQuicklistNodePacked, out);
    AppendRdbStringMaybeCompressed(node, options.compress, out);
  }
}

void AppendHash(const HashValue& hash, const DumpOptions& options, std::string* out) {
  if (hash.is_compact()) {
    ListpackWriter writer;
    hash.ForEach([&](std::string_view field, std::string_view value) {
      writer.Add(field);
      writer.Add(value);
    });
    out->push_back(static_cast<char>(kRdbTypeHashListpack));
    AppendRdbStringMaybeCompressed(writer.Finish(), options.compress, out);
    return;
  }
  out->push_back(static_cast<char>(kRdbTypeHash));
  AppendRdbLength(hash.Size(), out);
  hash.ForEach([&](std::string_view field, std::string_view value) {
    AppendRdbStringMaybeCompressed(field, options.compress, out);
    AppendRdbStringMaybeCompressed(value, options.compress, out);
  });
}

void AppendSet(const SetValue& set, const DumpOptions& options, std::string* out) {
  switch (set.kind()) {
    case SetValue::Kind::kIntSet: {
      std::vector<int64_t> ints;
      ints.reserve(set.Size());
      set.ForEach([&](std::string_view member) {
        int64_t v = 0;
        ParseInt64Strict(member, &v);  // intset members are canonical integers
        ints.push_back(v);
      });
      out->push_back(static_cast<char>(kRdbTypeSetIntset));
      AppendRdbStringMaybeCompressed(WriteIntset(ints), options.compress, out);
      return;
    }
    case SetValue::Kind::kListpack:
      if (options.rdb_version >= 11) {  // Redis 7.2's listpack sets
        ListpackWriter writer;
        set.ForEach([&](std::string_view member) { writer.Add(member); });
        out->push_back(static_cast<char>(kRdbTypeSetListpack));
        AppendRdbStringMaybeCompressed(writer.Finish(), options.compress, out);
        return;
      }
      break;  // 7.0 has no listpack sets: a plain SET, which 7.2 re-packs
    case SetValue::Kind::kTable:
      break;
  }
  out->push_back(static_cast<char>(kRdbTypeSet));
  AppendRdbLength(set.Size(), out);
  set.ForEach(
      [&](std::string_view member) { AppendRdbStringMaybeCompressed(member, options.compress, out); });
}

void AppendZSet(const ZSetValue& zset, const DumpOptions& options, std::string* out) {
  const size_t n = zset.Size();
  if (zset.compact()) {
    ListpackWriter writer;
    zset.Visit(0, n, /*reverse=*/false, [&](std::string_view member, double score) {
      writer.Add(member);
      writer.Add(ScoreText(score));
    });
    out->push_back(static_cast<char>(kRdbTypeZSetListpack));
    AppendRdbStringMaybeCompressed(writer.Finish(), options.compress, out);
    return;
  }
  out->push_back(static_cast<char>(kRdbTypeZSet2));
  AppendRdbLength(n, out);
  zset.Visit(0, n, /*reverse=*/true, [&](std::string_view member, double score) {
    AppendRdbStringMaybeCompressed(member, options.compress, out);
    uint64_t bits;
    std::memcpy(&bits, &score, sizeof(bits));
    AppendLittleEndian(bits, 8, out);
  });
}

}  // namespace

void AppendRdbStringMaybeCompressed(std::string_view s, bool compress, std::string* out) {
  // Redis's rdbSaveRawString: integers first, LZF only past 20 bytes (it
  // cannot win below), and only if it saves at least 4 bytes.
  if (s.size() <= 11) {
    AppendRdbString(s, out);
    return;
  }
  if (compress && s.size() > 20) {
    std::string packed;
    const size_t n = LzfCompress(s, s.size() - 4, &packed);
    if (n > 0) {
      out->push_back(static_cast<char>(0xC0 | kRdbEncLzf));
      AppendRdbLength(n, out);
      AppendRdbLength(s.size(), out);
      out->append(packed, 0, n);
      return;
    }
  }
  AppendRdbRawString(s, out);
}

bool AppendRdbObject(const Entry& e, const DumpOptions& options, std::string* out) {
  switch (e.type()) {
    case ValueType::kString: {
      out->push_back(static_cast<char>(kRdbTypeString));
      char buf[24];
      if (e.encoding() == Encoding::kInt) {
        AppendRdbString(e.StringValue(buf), out);  // at most 20 bytes: never LZF
      } else {
        AppendRdbStringMaybeCompressed(e.raw_value(), options.compress, out);
      }
      return true;
    }
    case ValueType::kList:
      AppendList(*static_cast<const ListValue*>(e.object()), options, out);
      return true;
    case ValueType::kHash:
      AppendHash(*static_cast<const HashValue*>(e.object()), options, out);
      return true;
    case ValueType::kSet:
      AppendSet(*static_cast<const SetValue*>(e.object()), options, out);
      return true;
    case ValueType::kZSet:
      AppendZSet(*static_cast<const ZSetValue*>(e.object()), options, out);
      return true;
    case ValueType::kStream:
      AppendRdbStream(*static_cast<const StreamValue*>(e.object()), options, out);
      return true;
  }
  return false;
}

std::string DumpValue(const Entry& e, const DumpOptions& options) {
  std::string out;
  if (!AppendRdbObject(e, options, &out)) return {};
  AppendLittleEndian(options.rdb_version, 2, &out);
  AppendLittleEndian(Crc64(0, out), 8, &out);
  return out;
}

}  // namespace shoal
