// The reading half of the value serializer (value_dump.h): RDB objects of
// every type Redis 7.0-7.2 writes, rebuilt as Shoal values.
//
// Each reader first gathers the elements (checking the bytes as it goes),
// then builds the value through the same encodings' public operations that
// commands use, with the caller's limits, so the result has the encoding
// Shoal's own writes would give it. Duplicates (fields, members), NaN scores,
// malformed score texts and empty collections are rejected, as Redis's deep
// sanitization rejects them. Counts read from the payload never size an
// allocation by themselves: vectors grow with what was actually read.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include "server/serialize/crc64.h"
#include "server/serialize/listpack.h"
#include "server/serialize/rdb_stream.h"
#include "server/serialize/value_dump.h"
#include "server/serialize/ziplist.h"

namespace shoal {
namespace {

constexpr size_t kFooterSize = 10;
constexpr uint64_t kQuicklistNodePlain = 1;
constexpr uint64_t kQuicklistNodePacked = 2;

uint64_t LittleEndian(std::string_view bytes) {
  uint64_t v = 0;
  for (size_t i = bytes.size(); i-- > 0;) v = (v << 8) | static_cast<uint8_t>(bytes[i]);
  return v;
}

// Strings gathered from the payload: owned copies (RDB strings may be
// LZF-compressed or int-encoded, so there is nothing to point into).
using Strings = std::vector<std::string>;

bool ReadStrings(RdbReader* r, uint64_t n, Strings* out) {
  for (uint64_t i = 0; i < n; ++i) {
    std::string s;
    if (!r->ReadString(&s)) return false;
    out->push_back(std::move(s));
  }
  return true;
}

// Appends a packed blob's elements as strings.
void AppendElements(const std::vector<PackedElement>& elements, Strings* out) {
  char buf[24];
  for (const PackedElement& e : elements) out->emplace_back(e.View(buf));
}

// A score spelled as text (listpack/ziplist elements, RDB_TYPE_ZSET): the
// whole text must be a number, as strtod reads it; NaN is refused.
bool ParseScore(std::string_view s, double* out) {
  if (s.empty() || s.size() > 128) return false;
  char buf[129];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  if (std::isspace(static_cast<unsigned char>(buf[0]))) return false;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(buf, &end);
  if (end != buf + s.size() || std::isnan(v)) return false;
  *out = v;
  return true;
}

// RDB_TYPE_ZSET's score: a length byte (253 nan, 254 +inf, 255 -inf) and
// that many bytes of text.
bool ReadTextScore(RdbReader* r, double* out) {
  uint8_t len;
  if (!r->ReadByte(&len)) return false;
  if (len == 253) return false;  // NaN
  if (len == 254 || len == 255) {
    *out = len == 254 ? INFINITY : -INFINITY;
    return true;
  }
  std::string_view text;
  return r->ReadBytes(len, &text) && ParseScore(text, out);
}

bool ReadBinaryScore(RdbReader* r, double* out) {
  std::string_view bytes;
  if (!r->ReadBytes(8, &bytes)) return false;
  const uint64_t bits = LittleEndian(bytes);
  std::memcpy(out, &bits, sizeof(*out));
  return !std::isnan(*out);
}

// Reads an RDB string holding a packed blob and decodes it with `read`.
template <typename Elements, typename ReadFn>
bool ReadBlob(RdbReader* r, ReadFn read, std::string* blob, Elements* elements) {
  return r->ReadString(blob) && read(*blob, elements);
}

// ---- Builders ----

bool BuildList(Strings&& elements, const LoadLimits& limits, LoadedValue* out) {
  if (elements.empty()) return false;
  auto list = std::make_unique<ListValue>();
  for (const std::string& e : elements) list->Push(ListValue::End::kTail, e, limits.list);
  out->type = ValueType::kList;
  out->obj = std::move(list);
  return true;
}

bool BuildSet(const Strings& members, const LoadLimits& limits, LoadedValue* out) {
  if (members.empty()) return false;
  std::unique_ptr<SetValue> set(SetValue::CreateFor(members[0], members.size(), limits.set));
  for (const std::string& m : members) {
    if (!set->Add(m, limits.set)) return false;  // duplicate
  }
  out->type = ValueType::kSet;
  out->obj = std::move(set);
  return true;
}

bool BuildHash(const Strings& pairs, const LoadLimits& limits, LoadedValue* out) {
  if (pairs.empty() || pairs.size() % 2 != 0) return false;
  auto hash = std::make_unique<HashValue>();
  for (size_t i = 0; i < pairs.size(); i += 2) {
    if (!hash->Set(pairs[i], pairs[i + 1], limits.hash)) return false;  // duplicate
  }
  out->type = ValueType::kHash;
  out->obj = std::move(hash);
  return true;
}

bool BuildZSet(const std::vector<std::pair<std::string, double>>& elements,
               const LoadLimits& limits, LoadedValue* out) {
  if (elements.empty()) return false;
  size_t max_len = 0;
  for (const auto& [member, score] : elements) max_len = std::max(max_len, member.size());
  std::unique_ptr<ZSetValue> zset(ZSetValue::Create(elements.size(), max_len, limits.zset));
  for (const auto& [member, score] : elements) {
    double unused;
    if (zset->Add(member, score, 0, limits.zset, &unused) != ZAddResult::kAdded) return false;
  }
  out->type = ValueType::kZSet;
  out->obj = std::move(zset);
  return true;
}

// Member/score pairs from a packed blob's elements.
bool PairsToZSet(const Strings& flat, const LoadLimits& limits, LoadedValue* out) {
  if (flat.size() % 2 != 0) return false;
  std::vector<std::pair<std::string, double>> elements;
  elements.reserve(flat.size() / 2);
  for (size_t i = 0; i < flat.size(); i += 2) {
    double score;
    if (!ParseScore(flat[i + 1], &score)) return false;
    elements.emplace_back(flat[i], score);
  }
  return BuildZSet(elements, limits, out);
}

// ---- Per-type readers ----

bool ReadQuicklist(RdbReader* r, bool v2, const LoadLimits& limits, LoadedValue* out) {
  uint64_t nodes;
  if (!r->ReadLength(&nodes, nullptr)) return false;
  Strings elements;
  for (uint64_t i = 0; i < nodes; ++i) {
    uint64_t container = kQuicklistNodePacked;
    if (v2 && !r->ReadLength(&container, nullptr)) return false;
    std::string blob;
    if (!r->ReadString(&blob)) return false;
    if (container == kQuicklistNodePlain) {
      elements.push_back(std::move(blob));
      continue;
    }
    if (container != kQuicklistNodePacked) return false;
    std::vector<PackedElement> packed;
    if (!(v2 ? ReadListpack(blob, &packed) : ReadZiplist(blob, &packed))) return false;
    AppendElements(packed, &elements);  // empty nodes are skipped, as Redis does
  }
  return BuildList(std::move(elements), limits, out);
}

// Types whose whole value is one packed blob.
bool ReadPackedType(uint8_t type, RdbReader* r, const LoadLimits& limits, LoadedValue* out) {
  std::string blob;
  if (!r->ReadString(&blob)) return false;
  Strings flat;
  if (type == kRdbTypeSetIntset) {
    std::vector<int64_t> ints;
    if (!ReadIntset(blob, &ints)) return false;
    for (int64_t v : ints) flat.push_back(std::to_string(v));
    return BuildSet(flat, limits, out);
  }
  if (type == kRdbTypeHashZipmap) {
    std::vector<std::string_view> pairs;
    if (!ReadZipmap(blob, &pairs)) return false;
    for (std::string_view s : pairs) flat.emplace_back(s);
    return BuildHash(flat, limits, out);
  }
  std::vector<PackedElement> packed;
  const bool is_ziplist = type == kRdbTypeListZiplist || type == kRdbTypeZSetZiplist ||
                          type == kRdbTypeHashZiplist;
  if (!(is_ziplist ? ReadZiplist(blob, &packed) : ReadListpack(blob, &packed))) return false;
  AppendElements(packed, &flat);
  switch (type) {
    case kRdbTypeListZiplist:
      return BuildList(std::move(flat), limits, out);
    case kRdbTypeSetListpack:
      return BuildSet(flat, limits, out);
    case kRdbTypeZSetZiplist:
    case kRdbTypeZSetListpack:
      return PairsToZSet(flat, limits, out);
    case kRdbTypeHashZiplist:
    case kRdbTypeHashListpack:
      return BuildHash(flat, limits, out);
    default:
      return false;
  }
}

bool ReadZSet(RdbReader* r, bool binary, const LoadLimits& limits, LoadedValue* out) {
  uint64_t n;
  if (!r->ReadLength(&n, nullptr)) return false;
  std::vector<std::pair<std::string, double>> elements;
  for (uint64_t i = 0; i < n; ++i) {
    std::string member;
    double score;
    if (!r->ReadString(&member)) return false;
    if (!(binary ? ReadBinaryScore(r, &score) : ReadTextScore(r, &score))) return false;
    elements.emplace_back(std::move(member), score);
  }
  return BuildZSet(elements, limits, out);
}

}  // namespace

Entry* LoadedValue::ToEntry(std::string_view key, int64_t expire_ms) {
  if (type == ValueType::kString) return Entry::NewString(key, str, expire_ms);
  return Entry::NewObject(key, type, obj.release(), expire_ms);
}

bool VerifyDumpPayload(std::string_view payload, uint16_t max_version) {
  if (payload.size() < kFooterSize) return false;
  const std::string_view footer = payload.substr(payload.size() - kFooterSize);
  if (LittleEndian(footer.substr(0, 2)) > max_version) return false;
  return Crc64(0, payload.substr(0, payload.size() - 8)) == LittleEndian(footer.substr(2));
}

bool ReadRdbObject(uint8_t type, RdbReader* r, const LoadLimits& limits, LoadedValue* out) {
  uint64_t n;
  Strings strings;
  switch (type) {
    case kRdbTypeString:
      out->type = ValueType::kString;
      return r->ReadString(&out->str);
    case kRdbTypeList:
      return r->ReadLength(&n, nullptr) && ReadStrings(r, n, &strings) &&
             BuildList(std::move(strings), limits, out);
    case kRdbTypeSet:
      return r->ReadLength(&n, nullptr) && ReadStrings(r, n, &strings) &&
             BuildSet(strings, limits, out);
    case kRdbTypeHash:
      return r->ReadLength(&n, nullptr) && n <= r->remaining() &&
             ReadStrings(r, 2 * n, &strings) && BuildHash(strings, limits, out);
    case kRdbTypeZSet:
      return ReadZSet(r, /*binary=*/false, limits, out);
    case kRdbTypeZSet2:
      return ReadZSet(r, /*binary=*/true, limits, out);
    case kRdbTypeListQuicklist:
      return ReadQuicklist(r, /*v2=*/false, limits, out);
    case kRdbTypeListQuicklist2:
      return ReadQuicklist(r, /*v2=*/true, limits, out);
    case kRdbTypeHashZipmap:
    case kRdbTypeListZiplist:
    case kRdbTypeSetIntset:
    case kRdbTypeZSetZiplist:
    case kRdbTypeHashZiplist:
    case kRdbTypeHashListpack:
    case kRdbTypeZSetListpack:
    case kRdbTypeSetListpack:
      return ReadPackedType(type, r, limits, out);
    case kRdbTypeStreamListpacks:
    case kRdbTypeStreamListpacks2:
    case kRdbTypeStreamListpacks3:
      return ReadRdbStream(type, r, limits, out);
    default:
      return false;  // modules (6, 7) and unknown types
  }
}

LoadStatus LoadDumpPayload(std::string_view payload, const LoadLimits& limits, LoadedValue* out) {
  if (!VerifyDumpPayload(payload)) return LoadStatus::kBadFooter;
  // Like Redis, the object is read from the whole payload: a forged object
  // may run into the footer's bytes (harmless: they are checked bytes).
  RdbReader reader(payload);
  uint8_t type;
  if (!reader.ReadByte(&type)) return LoadStatus::kBadData;
  return ReadRdbObject(type, &reader, limits, out) ? LoadStatus::kOk : LoadStatus::kBadData;
}

}  // namespace shoal
