// The HyperLogLog family: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST, over
// string values in Redis's HLL representation (server/types/hyperloglog.h),
// with redis-server 7.0's replies, errors and keyspace events.
//
// A value is accepted as an HLL when it passes Redis's header checks
// (hll::LooksValid); anything else that is a string answers
// "WRONGTYPE Key is not a valid HyperLogLog string value.", other types the
// usual WRONGTYPE. Opcodes that do not add up are found when read and
// answer "INVALIDOBJ Corrupted HLL object detected"; nothing crashes.
//
// Dense values (12304 bytes) are updated in place in their entry: PFADD
// raises registers and PFCOUNT refreshes the cached cardinality without a
// copy. Sparse values change size, so they are edited in a copy and stored
// again with the key's TTL. PFCOUNT of one key writes the cache back, as
// Redis does (it is a read command that may modify the value); PFCOUNT of
// several keys and PFMERGE work on a one-byte-per-register union.
//
// Called on a worker thread by the Dispatcher with the keys' stripes locked.
#include "server/commands/hyperloglog_family.h"

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "server/commands/families.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/errors.h"
#include "server/events/notify.h"
#include "server/store/entry.h"
#include "server/store/store.h"
#include "server/types/hyperloglog.h"

namespace shoal {

std::atomic<int64_t>& HllSparseMaxBytes() {
  static std::atomic<int64_t> value{3000};
  return value;
}

namespace {

constexpr std::string_view kErrNotHll = "WRONGTYPE Key is not a valid HyperLogLog string value.";
constexpr std::string_view kErrCorrupt = "INVALIDOBJ Corrupted HLL object detected";

size_t SparseMaxBytes() {
  const int64_t v = HllSparseMaxBytes().load(std::memory_order_relaxed);
  return v < 0 ? 0 : static_cast<size_t>(v);
}

uint8_t* Mutable(std::string_view v) {
  return reinterpret_cast<uint8_t*>(const_cast<char*>(v.data()));
}

// Looks `key` up and checks it holds an HLL. Returns false after replying an
// error; *e is null for a missing key, else *value is its bytes (raw).
bool FindHll(CommandContext& ctx, std::string_view key, Store::Lookup mode, Entry** e,
             std::string_view* value) {
  *e = ctx.store->Find(ctx.db(), key, mode);
  if (*e == nullptr) return true;
  if ((*e)->type() != ValueType::kString) {
    ctx.Error(OpStatus::kWrongType);
    return false;
  }
  // An int-encoded string is never an HLL (its digits cannot start "HYLL").
  if ((*e)->encoding() != Encoding::kRaw || !hll::LooksValid((*e)->raw_value())) {
    ctx.Error(kErrNotHll);
    return false;
  }
  *value = (*e)->raw_value();
  return true;
}

// Stores `value` at `key` over `existing` (null: a new key), keeping the TTL.
// A value of the same size (a sparse update that changed one opcode byte)
// is copied into the entry instead of replacing it.
void StoreHll(CommandContext& ctx, Entry* existing, std::string_view key,
              const std::string& value) {
  if (existing != nullptr && existing->encoding() == Encoding::kRaw &&
      existing->raw_value().size() == value.size()) {
    std::memcpy(Mutable(existing->raw_value()), value.data(), value.size());
    ctx.store->MarkModified(ctx.db(), key);
  } else if (existing == nullptr) {
    ctx.store->Put(ctx.db(), Entry::NewString(key, value));
  } else {
    ctx.store->Replace(ctx.db(), existing, Entry::NewString(key, value, existing->expire_ms()));
  }
}

// Unions the registers of args[from..] into max (kRegisters bytes). Returns
// false after replying an error; *any_dense tells whether a source was dense.
bool UnionOf(CommandContext& ctx, CmdArgs args, size_t from, uint8_t* max, bool* any_dense) {
  for (size_t j = from; j < args.size(); ++j) {
    Entry* e;
    std::string_view v;
    if (!FindHll(ctx, args[j], Store::Lookup::kRead, &e, &v)) return false;
    if (e == nullptr) continue;  // a missing key is an empty HLL
    if (hll::EncodingOf(v) == hll::kDense) *any_dense = true;
    if (!hll::MergeInto(v, max)) {
      ctx.Error(kErrCorrupt);
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------

// PFADD key [element [element ...]]
void CmdPfAdd(CommandContext& ctx, CmdArgs args) {
  const std::string_view key = args[1];
  Entry* e;
  std::string_view v;
  if (!FindHll(ctx, key, Store::Lookup::kWrite, &e, &v)) return;
  bool updated = false;
  if (e != nullptr && hll::EncodingOf(v) == hll::kDense) {
    uint8_t* p = Mutable(v);
    for (size_t j = 2; j < args.size(); ++j) {
      const hll::Pattern pat = hll::PatternOf(args[j]);
      updated |= hll::DenseRaise(p + hll::kHeaderSize, pat.index, pat.count);
    }
    if (updated) {
      hll::InvalidateCache(p);
      ctx.store->MarkModified(ctx.db(), key);
    }
  } else {
    // A new key counts as an update even with no elements (Redis creates it).
    std::string value = e == nullptr ? hll::NewEmpty() : std::string(v);
    updated = e == nullptr;
    const size_t max_bytes = SparseMaxBytes();
    for (size_t j = 2; j < args.size(); ++j) {
      const hll::Update u = hll::Add(&value, args[j], max_bytes);
      if (u == hll::Update::kInvalid) {
        // Redis keeps what it changed before meeting the corrupt part (and
        // leaves the cache as it was).
        if (updated) StoreHll(ctx, e, key, value);
        return ctx.Error(kErrCorrupt);
      }
      updated |= u == hll::Update::kChanged;
    }
    if (updated) {
      hll::InvalidateCache(reinterpret_cast<uint8_t*>(value.data()));
      StoreHll(ctx, e, key, value);
      if (e == nullptr) Notify(ctx, kNotifyNew, "new", key);
    }
  }
  if (updated) Notify(ctx, kNotifyString, "pfadd", key);
  ctx.reply->Integer(updated ? 1 : 0);
}

// PFCOUNT key [key ...]
void CmdPfCount(CommandContext& ctx, CmdArgs args) {
  if (args.size() > 2) {
    std::vector<uint8_t> max(hll::kRegisters, 0);
    bool any_dense = false;
    if (!UnionOf(ctx, args, 1, max.data(), &any_dense)) return;
    return ctx.reply->Integer(static_cast<int64_t>(hll::CountRegisters(max.data())));
  }
  Entry* e;
  std::string_view v;
  if (!FindHll(ctx, args[1], Store::Lookup::kRead, &e, &v)) return;
  if (e == nullptr) return ctx.reply->Integer(0);
  uint8_t* header = Mutable(v);
  if (hll::CacheValid(header)) {
    return ctx.reply->Integer(static_cast<int64_t>(hll::CachedCardinality(header)));
  }
  uint64_t card;
  if (!hll::Count(v, &card)) return ctx.Error(kErrCorrupt);
  hll::SetCachedCardinality(header, card);
  ctx.store->MarkModified(ctx.db(), args[1]);
  ctx.reply->Integer(static_cast<int64_t>(card));
}

// PFMERGE destkey [sourcekey [sourcekey ...]]
void CmdPfMerge(CommandContext& ctx, CmdArgs args) {
  // The destination is a source too.
  std::vector<uint8_t> max(hll::kRegisters, 0);
  bool any_dense = false;
  if (!UnionOf(ctx, args, 1, max.data(), &any_dense)) return;
  const std::string_view key = args[1];
  Entry* e = ctx.store->Find(ctx.db(), key, Store::Lookup::kWrite);
  std::string value = e == nullptr ? hll::NewEmpty() : std::string(e->raw_value());
  if (any_dense && !hll::SparseToDense(&value)) return ctx.Error(kErrCorrupt);
  const size_t max_bytes = SparseMaxBytes();
  for (uint32_t i = 0; i < hll::kRegisters; ++i) {
    if (max[i] != 0) hll::RaiseRegister(&value, i, max[i], max_bytes);
  }
  hll::InvalidateCache(reinterpret_cast<uint8_t*>(value.data()));
  StoreHll(ctx, e, key, value);
  if (e == nullptr) Notify(ctx, kNotifyNew, "new", key);
  // Redis reports a merge as a PFADD.
  Notify(ctx, kNotifyString, "pfadd", key);
  ctx.reply->Ok();
}

// PFDEBUG <GETREG | DECODE | ENCODING | TODENSE> key
void CmdPfDebug(CommandContext& ctx, CmdArgs args) {
  const std::string_view sub = args[1], key = args[2];
  Entry* e;
  std::string_view v;
  if (!FindHll(ctx, key, Store::Lookup::kWrite, &e, &v)) return;
  if (e == nullptr) return ctx.Error("ERR The specified key does not exist");
  const bool sparse = hll::EncodingOf(v) == hll::kSparse;
  if (ArgIs(sub, "GETREG") || ArgIs(sub, "TODENSE")) {
    std::string dense;
    if (sparse) {
      dense.assign(v);
      if (!hll::SparseToDense(&dense)) return ctx.Error(kErrCorrupt);
      StoreHll(ctx, e, key, dense);
      v = dense;
    }
    if (ArgIs(sub, "TODENSE")) return ctx.reply->Integer(sparse ? 1 : 0);
    const uint8_t* regs = reinterpret_cast<const uint8_t*>(v.data()) + hll::kHeaderSize;
    ctx.reply->ArrayHeader(hll::kRegisters);
    for (uint32_t i = 0; i < hll::kRegisters; ++i) ctx.reply->Integer(hll::DenseGet(regs, i));
  } else if (ArgIs(sub, "DECODE")) {
    if (!sparse) return ctx.Error("ERR HLL encoding is not sparse");
    ctx.reply->Bulk(hll::DecodeSparse(v));
  } else if (ArgIs(sub, "ENCODING")) {
    ctx.reply->SimpleString(sparse ? "sparse" : "dense");
  } else {
    // Redis's error formatting turns line breaks into spaces.
    std::string name(sub);
    for (char& c : name) {
      if (c == '\r' || c == '\n') c = ' ';
    }
    ctx.Error("ERR Unknown PFDEBUG subcommand '" + name + "'");
  }
}

// PFSELFTEST
void CmdPfSelfTest(CommandContext& ctx, CmdArgs) {
  const std::string failure = hll::SelfTest();
  if (!failure.empty()) return ctx.Error(failure);
  ctx.reply->Ok();
}

}  // namespace

void RegisterHyperLogLogCommands(CommandTable* table) {
  constexpr uint32_t kW = kCmdWrite, kOom = kCmdDenyOom;
  table->Register(MakeSpec(
      "pfadd", -2, kW | kOom | kCmdFast, kOneKey, &CmdPfAdd,
      {.group = "hyperloglog",
       .since = "2.8.9",
       .summary = "Adds elements to a HyperLogLog key. Creates the key if it doesn't exist.",
       .complexity = "O(1) to add every element.",
       .syntax = "key [element [element ...]]",
       .acl_categories = "@write @hyperloglog @fast"}));
  table->Register(MakeSpec(
      "pfcount", -2, kCmdReadOnly, kAllKeys, &CmdPfCount,
      {.group = "hyperloglog",
       .since = "2.8.9",
       .summary =
           "Returns the approximated cardinality of the set(s) observed by the HyperLogLog key(s).",
       .complexity = "O(1) with a very small average constant time when called with a single "
                     "key. O(N) with N being the number of keys, and much bigger constant "
                     "times, when called with multiple keys.",
       .syntax = "key [key ...]",
       .acl_categories = "@read @hyperloglog @slow"}));
  table->Register(
      MakeSpec("pfmerge", -2, kW | kOom, kAllKeys, &CmdPfMerge,
               {.group = "hyperloglog",
                .since = "2.8.9",
                .summary = "Merges one or more HyperLogLog values into a single key.",
                .complexity = "O(N) to merge N HyperLogLogs, but with high constant times.",
                .syntax = "destkey [sourcekey [sourcekey ...]]",
                .acl_categories = "@write @hyperloglog @slow"}));
  table->Register(MakeSpec("pfdebug", 3, kW | kOom | kCmdAdmin, KeySpan{2, 2, 1}, &CmdPfDebug,
                           {.group = "hyperloglog",
                            .since = "2.8.9",
                            .summary = "Internal commands for debugging HyperLogLog values.",
                            .complexity = "N/A",
                            .syntax = "subcommand key",
                            .acl_categories = "@write @hyperloglog @admin @slow @dangerous"}));
  table->Register(MakeSpec("pfselftest", 1, kCmdAdmin, kNoKeys, &CmdPfSelfTest,
                           {.group = "hyperloglog",
                            .since = "2.8.9",
                            .summary = "An internal command for testing HyperLogLog values.",
                            .complexity = "N/A",
                            .syntax = "",
                            .acl_categories = "@hyperloglog @admin @slow @dangerous"}));
}

}  // namespace shoal
