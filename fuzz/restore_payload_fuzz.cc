// libFuzzer target: RESTORE payload decoding (server/serialize/value_dump.h),
// the bytes a client hands to RESTORE and a peer sends during MIGRATE, slot
// migration and replica sync.
//
// Input: one byte of options, then a DUMP payload. Option bit 0 recomputes
// the payload's CRC64 footer (so that mutations reach the object decoders
// instead of stopping at the checksum, as a client that computes the CRC
// would); bit 1 loads under tiny encoding limits (forcing conversions to
// table encodings); bit 2 re-dumps with RDB version 11 rather than 10.
//
// Invariants checked, beyond "no crash, no sanitizer report":
//  - a payload that loads builds a valid entry: collections are non-empty
//    (streams may be, as in Redis: groups without entries);
//  - load -> dump -> load round trip: the loaded value dumps to a payload
//    that verifies and loads again, to a value of the same type and size;
//  - dumping is then a fixed point: the reloaded value dumps to the same
//    bytes (for sets and hashes in table encoding, whose iteration order may
//    differ between two tables, the sizes and dump lengths must agree).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "server/serialize/crc64.h"
#include "server/serialize/value_dump.h"

namespace {

using namespace shoal;

void Check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "invariant violated: %s\n", what);
    abort();
  }
}

struct EntryDeleter {
  void operator()(Entry* e) const { Entry::Free(e); }
};
using EntryPtr = std::unique_ptr<Entry, EntryDeleter>;

void Refooter(std::string* payload) {
  if (payload->size() < 10) return;
  const size_t body = payload->size() - 8;
  const uint64_t crc = Crc64(0, std::string_view(*payload).substr(0, body));
  for (int i = 0; i < 8; ++i) (*payload)[body + i] = static_cast<char>(crc >> (8 * i));
}

LoadLimits TinyLimits() {
  LoadLimits l;
  l.hash = {2, 8};
  l.list = ListLimits::FromFill(2);
  l.set = {2, 2, 8};
  l.zset = {2, 8};
  l.stream = {64, 2};
  return l;
}

size_t SizeOf(const Entry& e) {
  if (e.type() == ValueType::kString) {
    char buf[32];
    return e.StringValue(buf).size();
  }
  return e.object()->Size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t opts = data[0];
  std::string payload(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (opts & 1) Refooter(&payload);
  const LoadLimits limits = (opts & 2) ? TinyLimits() : LoadLimits();
  DumpOptions dump_options;
  dump_options.rdb_version = (opts & 4) ? kRdbVersionMax : kRdbVersion70;

  LoadedValue v;
  if (LoadDumpPayload(payload, limits, &v) != LoadStatus::kOk) return 0;
  EntryPtr e(v.ToEntry("key", 0));
  Check(e != nullptr, "a loaded value builds an entry");
  if (e->type() != ValueType::kString && e->type() != ValueType::kStream) {
    Check(e->object()->Size() > 0, "a loaded collection is not empty");
  }

  const std::string dumped = DumpValue(*e, dump_options);
  Check(!dumped.empty(), "a loaded value can be dumped");
  Check(VerifyDumpPayload(dumped), "a dump verifies");
  LoadedValue v2;
  Check(LoadDumpPayload(dumped, limits, &v2) == LoadStatus::kOk, "a dump loads again");
  EntryPtr e2(v2.ToEntry("key", 0));
  Check(e2->type() == e->type(), "same type after the round trip");
  Check(SizeOf(*e2) == SizeOf(*e), "same size after the round trip");

  const std::string dumped_again = DumpValue(*e2, dump_options);
  if (e->type() == ValueType::kSet || e->type() == ValueType::kHash) {
    Check(dumped_again.size() == dumped.size(), "set/hash dumps of equal length");
  } else {
    Check(dumped_again == dumped, "dumping is a fixed point");
  }
  return 0;
}
