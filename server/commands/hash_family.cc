// The hash family: HSET HSETNX HMSET HGET HMGET HGETALL HDEL HEXISTS HLEN
// HSTRLEN HKEYS HVALS HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN, with Redis 7.2's
// replies, error texts and keyspace events.
//
// Values are HashValue objects (hash_value.h): compact while small, a table
// past hash-max-listpack-entries / hash-max-listpack-value (read from the
// config at each write, so CONFIG SET applies to the next write).
//
// Errors come in the order Redis checks them, which is not always "arguments
// first": HSET checks the pair count before the key's type; HINCRBY and
// HINCRBYFLOAT reject a bad increment before looking at the key; HRANDFIELD
// validates its count and WITHVALUES before the key; HSCAN validates the
// cursor before the key but its options only after finding a hash (so a
// missing key answers an empty scan whatever the options). These orders were
// checked against redis-server and are pinned by tests/test_hashes.py.
//
// Writes change the value in place and report the change in heap bytes with
// Store::MarkModified (WATCH and memory accounting); a new key is filled
// first and then inserted with Store::Put; a hash left empty is erased.
//
// Called on a worker thread by the Dispatcher, which has already checked
// arity and locked the key's stripe.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/commands/families.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/errors.h"
#include "server/dispatch/glob_match.h"
#include "server/dispatch/worker_random.h"
#include "server/events/notify.h"
#include "server/store/entry.h"
#include "server/store/store.h"
#include "server/types/hash_value.h"

namespace shoal {
namespace {

using Lookup = Store::Lookup;
using PairView = std::pair<std::string_view, std::string_view>;

constexpr std::string_view kErrHashNotInteger = "ERR hash value is not an integer";
constexpr std::string_view kErrHashNotFloat = "ERR hash value is not a float";
constexpr std::string_view kErrNanOrInfinity = "ERR value is NaN or Infinity";
constexpr std::string_view kErrInvalidCursor = "ERR invalid cursor";
constexpr std::string_view kErrCountRange =
    "ERR value is out of range, value must between -9223372036854775807 and "
    "9223372036854775807";

HashLimits Limits(const CommandContext& ctx) {
  HashLimits l;
  if (ctx.server == nullptr) return l;
  const RuntimeConfig& rc = ctx.server->runtime();
  const int64_t entries = rc.hash_max_listpack_entries.load(std::memory_order_relaxed);
  const int64_t value = rc.hash_max_listpack_value.load(std::memory_order_relaxed);
  l.max_entries = entries < 0 ? 0 : static_cast<size_t>(entries);
  l.max_value = value < 0 ? 0 : static_cast<size_t>(value);
  return l;
}

HashValue* AsHash(Entry* e) { return static_cast<HashValue*>(e->object()); }

// Looks up a hash for reading. Returns false after replying WRONGTYPE;
// *out is null when the key does not exist.
bool FindForRead(CommandContext& ctx, std::string_view key, HashValue** out) {
  Entry* e = ctx.store->Find(ctx.db(), key, Lookup::kRead);
  *out = nullptr;
  if (e == nullptr) return true;
  if (e->type() != ValueType::kHash) {
    ctx.Error(OpStatus::kWrongType);
    return false;
  }
  *out = AsHash(e);
  return true;
}

// A hash being written: an existing one changed in place, or a new one built
// off the keyspace and inserted by Commit. Reports the change in heap bytes.
class HashWrite {
 public:
  explicit HashWrite(CommandContext& ctx, std::string_view key) : ctx_(ctx), key_(key) {}
  ~HashWrite() {
    if (fresh_) delete hash_;  // never committed
  }
  HashWrite(const HashWrite&) = delete;
  HashWrite& operator=(const HashWrite&) = delete;

  // Finds the key; replies WRONGTYPE and returns false for another type.
  // Unless `create`, a missing key leaves hash() null.
  bool Open(bool create) {
    entry_ = ctx_.store->Find(ctx_.db(), key_, Lookup::kWrite);
    if (entry_ != nullptr) {
      if (entry_->type() != ValueType::kHash) {
        ctx_.Error(OpStatus::kWrongType);
        return false;
      }
      hash_ = AsHash(entry_);
      bytes_before_ = hash_->MemoryBytes();
    } else if (create) {
      hash_ = new HashValue;
      fresh_ = true;
    }
    return true;
  }

  HashValue* hash() const { return hash_; }

  // Publishes the change: inserts a new key, or accounts an in-place change
  // (and erases the key when the hash is now empty). Returns whether the key
  // was removed.
  bool Commit() {
    const int db = ctx_.db();
    if (fresh_) {
      fresh_ = false;
      ctx_.store->Put(db, Entry::NewObject(key_, ValueType::kHash, hash_));
      Notify(ctx_, kNotifyNew, "new", key_);
      return false;
    }
    const int64_t delta =
        static_cast<int64_t>(hash_->MemoryBytes()) - static_cast<int64_t>(bytes_before_);
    ctx_.store->MarkModified(db, key_, delta);
    bytes_before_ = hash_->MemoryBytes();
    if (hash_->Size() == 0) {
      ctx_.store->Erase(db, key_);
      hash_ = nullptr;
      return true;
    }
    return false;
  }

 private:
  CommandContext& ctx_;
  std::string_view key_;
  Entry* entry_ = nullptr;
  HashValue* hash_ = nullptr;
  size_t bytes_before_ = 0;
  bool fresh_ = false;
};

// HRANDFIELD's randomness (worker_random.h).
uint64_t NextRandom(const CommandContext& ctx) { return WorkerRandom<0xD1B54A32D192ED03ULL>(ctx); }

// Redis's ld2string(LD_STR_HUMAN): fixed notation with 17 decimals, trailing
// zeros (and a bare '.') removed, "-0" as "0". Returns the length (0: failed).
size_t FormatLongDoubleHuman(long double v, char* buf, size_t size) {
  const int n = std::snprintf(buf, size, "%.17Lf", v);
  if (n < 0 || static_cast<size_t>(n) >= size) return 0;
  size_t len = static_cast<size_t>(n);
  if (std::memchr(buf, '.', len) != nullptr) {
    while (len > 0 && buf[len - 1] == '0') --len;
    if (len > 0 && buf[len - 1] == '.') --len;
  }
  if (len == 2 && buf[0] == '-' && buf[1] == '0') {
    buf[0] = '0';
    len = 1;
  }
  return len;
}

// SCAN cursors are parsed as strtoul does: an optional sign, digits, no
// spaces, no overflow ("-1" wraps around, as in Redis).
bool ParseScanCursor(std::string_view s, uint64_t* out) {
  size_t i = 0;
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    i = 1;
  }
  if (i == s.size()) return false;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    const unsigned d = static_cast<unsigned char>(s[i]) - '0';
    if (d > 9) return false;
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = negative ? 0 - v : v;
  return true;
}

// ---------------------------------------------------------------------------
// Writes.

// HSET key field value [field value ...] / HMSET (same, replies OK).
void SetPairs(CommandContext& ctx, CmdArgs args, bool is_hmset) {
  if (args.size() % 2 != 0) return ctx.Error(WrongArityText(ctx.spec->name));
  const std::string_view key = args[1];
  HashWrite w(ctx, key);
  if (!w.Open(/*create=*/true)) return;
  const HashLimits limits = Limits(ctx);
  int64_t created = 0;
  for (size_t i = 2; i < args.size(); i += 2) {
    created += w.hash()->Set(args[i], args[i + 1], limits) ? 1 : 0;
  }
  w.Commit();
  if (is_hmset) {
    ctx.reply->Ok();
  } else {
    ctx.reply->Integer(created);
  }
  Notify(ctx, kNotifyHash, "hset", key);
}

void CmdHSet(CommandContext& ctx, CmdArgs args) { SetPairs(ctx, args, false); }
void CmdHMSet(CommandContext& ctx, CmdArgs args) { SetPairs(ctx, args, true); }

void CmdHSetNx(CommandContext& ctx, CmdArgs args) {
  const std::string_view key = args[1];
  HashWrite w(ctx, key);
  if (!w.Open(/*create=*/true)) return;
  if (w.hash()->Contains(args[2])) return ctx.reply->Integer(0);
  w.hash()->Set(args[2], args[3], Limits(ctx));
  w.Commit();
  ctx.reply->Integer(1);
  Notify(ctx, kNotifyHash, "hset", key);
}

void CmdHDel(CommandContext& ctx, CmdArgs args) {
  const std::string_view key = args[1];
  HashWrite w(ctx, key);
  if (!w.Open(/*create=*/false)) return;
  if (w.hash() == nullptr) return ctx.reply->Integer(0);
  int64_t deleted = 0;
  for (size_t i = 2; i < args.size() && w.hash()->Size() > 0; ++i) {
    deleted += w.hash()->Delete(args[i]) ? 1 : 0;
  }
  if (deleted == 0) return ctx.reply->Integer(0);
  const bool removed = w.Commit();
  ctx.reply->Integer(deleted);
  Notify(ctx, kNotifyHash, "hdel", key);
  if (removed) Notify(ctx, kNotifyGeneric, "del", key);
}

void CmdHIncrBy(CommandContext& ctx, CmdArgs args) {
  int64_t incr;
  if (!ParseInt(args[3], &incr)) return ctx.Error(OpStatus::kNotInteger);
  const std::string_view key = args[1], field = args[2];
  HashWrite w(ctx, key);
  if (!w.Open(/*create=*/true)) return;
  int64_t value = 0;
  std::string_view old;
  if (w.hash()->Get(field, &old) && !ParseInt(old, &value)) {
    return ctx.Error(kErrHashNotInteger);
  }
  if ((incr < 0 && value < 0 && incr < std::numeric_limits<int64_t>::min() - value) ||
      (incr > 0 && value > 0 && incr > std::numeric_limits<int64_t>::max() - value)) {
    return ctx.Error(OpStatus::kOverflow);
  }
  value += incr;
  char buf[24];
  const int len = std::snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(value));
  w.hash()->Set(field, std::string_view(buf, static_cast<size_t>(len)), Limits(ctx));
  w.Commit();
  ctx.reply->Integer(value);
  Notify(ctx, kNotifyHash, "hincrby", key);
}

void CmdHIncrByFloat(CommandContext& ctx, CmdArgs args) {
  long double incr;
  if (!ParseLongDouble(args[3], &incr)) return ctx.Error(OpStatus::kNotFloat);
  if (std::isnan(incr) || std::isinf(incr)) return ctx.Error(kErrNanOrInfinity);
  const std::string_view key = args[1], field = args[2];
  HashWrite w(ctx, key);
  if (!w.Open(/*create=*/true)) return;
  long double value = 0;
  std::string_view old;
  if (w.hash()->Get(field, &old) && !ParseLongDouble(old, &value)) {
    return ctx.Error(kErrHashNotFloat);
  }
  value += incr;
  if (std::isnan(value) || std::isinf(value)) return ctx.Error(OpStatus::kNanOrInf);
  // %.17Lf of the largest long double is ~4950 characters.
  char out[5 * 1024 + 64];
  const size_t len = FormatLongDoubleHuman(value, out, sizeof(out));
  if (len == 0) return ctx.Error(OpStatus::kNotFloat);
  const std::string_view result(out, len);
  w.hash()->Set(field, result, Limits(ctx));
  w.Commit();
  ctx.reply->Bulk(result);
  Notify(ctx, kNotifyHash, "hincrbyfloat", key);
}

// ---------------------------------------------------------------------------
// Reads.

void CmdHGet(CommandContext& ctx, CmdArgs args) {
  HashValue* h;
  if (!FindForRead(ctx, args[1], &h)) return;
  std::string_view v;
  if (h == nullptr || !h->Get(args[2], &v)) return ctx.reply->NullBulk();
  ctx.reply->Bulk(v);
}

void CmdHMGet(CommandContext& ctx, CmdArgs args) {
  HashValue* h;
  if (!FindForRead(ctx, args[1], &h)) return;
  ctx.reply->ArrayHeader(static_cast<int64_t>(args.size() - 2));
  for (size_t i = 2; i < args.size(); ++i) {
    std::string_view v;
    if (h != nullptr && h->Get(args[i], &v)) {
      ctx.reply->Bulk(v);
    } else {
      ctx.reply->NullBulk();
    }
  }
}

void CmdHExists(CommandContext& ctx, CmdArgs args) {
  HashValue* h;
  if (!FindForRead(ctx, args[1], &h)) return;
  ctx.reply->Integer(h != nullptr && h->Contains(args[2]) ? 1 : 0);
}

void CmdHLen(CommandContext& ctx, CmdArgs args) {
  HashValue* h;
  if (!FindForRead(ctx, args[1], &h)) return;
  ctx.reply->Integer(h == nullptr ? 0 : static_cast<int64_t>(h->Size()));
}

void CmdHStrLen(CommandContext& ctx, CmdArgs args) {
  HashValue* h;
  if (!FindForRead(ctx, args[1], &h)) return;
  std::string_view v;
  ctx.reply->Integer(h != nullptr && h->Get(args[2], &v) ? static_cast<int64_t>(v.size()) : 0);
}

// HGETALL (a map), HKEYS, HVALS (arrays).
enum class Part { kBoth, kFields, kValues };

void ReplyAll(CommandContext& ctx, CmdArgs args, Part part) {
  HashValue* h;
  if (!FindForRead(ctx, args[1], &h)) return;
  const int64_t n = h == nullptr ? 0 : static_cast<int64_t>(h->Size());
  ReplyBuilder& out = *ctx.reply;
  if (part == Part::kBoth) {
    out.MapHeader(n);
  } else {
    out.ArrayHeader(n);
  }
  if (h == nullptr) return;
  h->ForEach([&](std::string_view f, std::string_view v) {
    if (part != Part::kValues) out.Bulk(f);
    if (part != Part::kFields) out.Bulk(v);
  });
}

void CmdHGetAll(CommandContext& ctx, CmdArgs args) { ReplyAll(ctx, args, Part::kBoth); }
void CmdHKeys(CommandContext& ctx, CmdArgs args) { ReplyAll(ctx, args, Part::kFields); }
void CmdHVals(CommandContext& ctx, CmdArgs args) { ReplyAll(ctx, args, Part::kValues); }

// HRANDFIELD key [count [WITHVALUES]]
void CmdHRandField(CommandContext& ctx, CmdArgs args) {
  ReplyBuilder& out = *ctx.reply;
  auto rng = [&ctx] { return NextRandom(ctx); };
  if (args.size() == 2) {
    HashValue* h;
    if (!FindForRead(ctx, args[1], &h)) return;
    if (h == nullptr) return out.NullBulk();
    h->RandomPairs(1, false, rng, [&](std::string_view f, std::string_view) { out.Bulk(f); });
    return;
  }
  int64_t count;
  if (!ParseInt(args[2], &count)) return ctx.Error(OpStatus::kNotInteger);
  if (count == std::numeric_limits<int64_t>::min()) return ctx.Error(kErrCountRange);
  bool with_values = false;
  if (args.size() > 4 || (args.size() == 4 && !ArgIs(args[3], "withvalues"))) {
    return ctx.Error(OpStatus::kSyntax);
  }
  if (args.size() == 4) {
    with_values = true;
    constexpr int64_t kHalf = std::numeric_limits<int64_t>::max() / 2;
    if (count < -kHalf || count > kHalf) return ctx.Error(OpStatus::kOutOfRange);
  }
  HashValue* h;
  if (!FindForRead(ctx, args[1], &h)) return;
  if (h == nullptr || count == 0) return out.EmptyArray();
  const bool distinct = count > 0;
  const uint64_t want = distinct ? static_cast<uint64_t>(count) : static_cast<uint64_t>(-count);
  const uint64_t n = distinct && want > h->Size() ? h->Size() : want;
  // RESP2: a flat array; RESP3: with values, an array of [field, value].
  const bool nested = with_values && out.resp_version() >= 3;
  out.ArrayHeader(static_cast<int64_t>(with_values && !nested ? n * 2 : n));
  h->RandomPairs(want, distinct, rng, [&](std::string_view f, std::string_view v) {
    if (nested) out.ArrayHeader(2);
    out.Bulk(f);
    if (with_values) out.Bulk(v);
  });
}

// HSCAN key cursor [MATCH pattern] [COUNT count]
void CmdHScan(CommandContext& ctx, CmdArgs args) {
  uint64_t cursor;
  if (!ParseScanCursor(args[2], &cursor)) return ctx.Error(kErrInvalidCursor);
  HashValue* h;
  if (!FindForRead(ctx, args[1], &h)) return;
  ReplyBuilder& out = *ctx.reply;
  if (h == nullptr) {
    out.ArrayHeader(2);
    out.Bulk("0");
    out.EmptyArray();
    return;
  }
  std::string_view pattern;
  bool use_pattern = false;
  int64_t count = 10;
  for (size_t i = 3; i < args.size(); i += 2) {
    const bool has_value = i + 1 < args.size();
    if (ArgIs(args[i], "count") && has_value) {
      if (!ParseInt(args[i + 1], &count)) return ctx.Error(OpStatus::kNotInteger);
      if (count < 1) return ctx.Error(OpStatus::kSyntax);
    } else if (ArgIs(args[i], "match") && has_value) {
      pattern = args[i + 1];
      use_pattern = pattern != "*";
    } else {
      return ctx.Error(OpStatus::kSyntax);
    }
  }
  std::vector<PairView> found;
  const uint64_t next =
      h->Scan(cursor, static_cast<size_t>(count), [&](std::string_view f, std::string_view v) {
        if (!use_pattern || GlobMatch(pattern, f)) found.emplace_back(f, v);
      });
  out.ArrayHeader(2);
  out.Bulk(std::to_string(next));
  out.ArrayHeader(static_cast<int64_t>(found.size() * 2));
  for (const PairView& p : found) {
    out.Bulk(p.first);
    out.Bulk(p.second);
  }
}

// ---------------------------------------------------------------------------
// Registration.

}  // namespace

void RegisterHashCommands(CommandTable* table) {
  constexpr uint32_t kRo = kCmdReadOnly, kW = kCmdWrite, kOom = kCmdDenyOom, kFast = kCmdFast;
  constexpr std::string_view kReadFast = "@read @hash @fast";
  constexpr std::string_view kReadSlow = "@read @hash @slow";
  constexpr std::string_view kWriteFast = "@write @hash @fast";
  constexpr std::string_view kWholeHash = "O(N) where N is the size of the hash.";

  table->Register(
      MakeSpec("hset", -4, kW | kOom | kFast, kOneKey, &CmdHSet,
               {.group = "hash",
                .since = "2.0.0",
                .summary = "Creates or modifies the value of a field in a hash.",
                .complexity = "O(1) for each field/value pair added, so O(N) to add N field/value "
                              "pairs when the command is called with multiple field/value pairs.",
                .syntax = "key field value [field value ...]",
                .acl_categories = kWriteFast}));
  table->Register(
      MakeSpec("hsetnx", 4, kW | kOom | kFast, kOneKey, &CmdHSetNx,
               {.group = "hash",
                .since = "2.0.0",
                .summary = "Sets the value of a field in a hash only when the field doesn't "
                           "exist.",
                .complexity = "O(1)",
                .syntax = "key field value",
                .acl_categories = kWriteFast}));
  table->Register(MakeSpec("hmset", -4, kW | kOom | kFast, kOneKey, &CmdHMSet,
                           {.group = "hash",
                            .since = "2.0.0",
                            .summary = "Sets the values of multiple fields.",
                            .complexity = "O(N) where N is the number of fields being set.",
                            .syntax = "key field value [field value ...]",
                            .acl_categories = kWriteFast}));
  table->Register(MakeSpec("hget", 3, kRo | kFast, kOneKey, &CmdHGet,
                           {.group = "hash",
                            .since = "2.0.0",
                            .summary = "Returns the value of a field in a hash.",
                            .complexity = "O(1)",
                            .syntax = "key field",
                            .acl_categories = kReadFast}));
  table->Register(MakeSpec("hmget", -3, kRo | kFast, kOneKey, &CmdHMGet,
                           {.group = "hash",
                            .since = "2.0.0",
                            .summary = "Returns the values of all fields in a hash.",
                            .complexity = "O(N) where N is the number of fields being requested.",
                            .syntax = "key field [field ...]",
                            .acl_categories = kReadFast}));
  table->Register(MakeSpec("hgetall", 2, kRo, kOneKey, &CmdHGetAll,
                           {.group = "hash",
                            .since = "2.0.0",
                            .summary = "Returns all fields and values in a hash.",
                            .complexity = kWholeHash,
                            .syntax = "key",
                            .acl_categories = kReadSlow}));
  table->Register(
      MakeSpec("hdel", -3, kW | kFast, kOneKey, &CmdHDel,
               {.group = "hash",
                .since = "2.0.0",
                .summary = "Deletes one or more fields and their values from a hash. Deletes "
                           "the hash if no fields remain.",
                .complexity = "O(N) where N is the number of fields to be removed.",
                .syntax = "key field [field ...]",
                .acl_categories = kWriteFast}));
  table->Register(MakeSpec("hexists", 3, kRo | kFast, kOneKey, &CmdHExists,
                           {.group = "hash",
                            .since = "2.0.0",
                            .summary = "Determines whether a field exists in a hash.",
                            .complexity = "O(1)",
                            .syntax = "key field",
                            .acl_categories = kReadFast}));
  table->Register(MakeSpec("hlen", 2, kRo | kFast, kOneKey, &CmdHLen,
                           {.group = "hash",
                            .since = "2.0.0",
                            .summary = "Returns the number of fields in a hash.",
                            .complexity = "O(1)",
                            .syntax = "key",
                            .acl_categories = kReadFast}));
  table->Register(MakeSpec("hstrlen", 3, kRo | kFast, kOneKey, &CmdHStrLen,
                           {.group = "hash",
                            .since = "3.2.0",
                            .summary = "Returns the length of the value of a field.",
                            .complexity = "O(1)",
                            .syntax = "key field",
                            .acl_categories = kReadFast}));
  table->Register(MakeSpec("hkeys", 2, kRo, kOneKey, &CmdHKeys,
                           {.group = "hash",
                            .since = "2.0.0",
                            .summary = "Returns all fields in a hash.",
                            .complexity = kWholeHash,
                            .syntax = "key",
                            .acl_categories = kReadSlow}));
  table->Register(MakeSpec("hvals", 2, kRo, kOneKey, &CmdHVals,
                           {.group = "hash",
                            .since = "2.0.0",
                            .summary = "Returns all values in a hash.",
                            .complexity = kWholeHash,
                            .syntax = "key",
                            .acl_categories = kReadSlow}));
  table->Register(
      MakeSpec("hincrby", 4, kW | kOom | kFast, kOneKey, &CmdHIncrBy,
               {.group = "hash",
                .since = "2.0.0",
                .summary = "Increments the integer value of a field in a hash by a number. Uses "
                           "0 as initial value if the field doesn't exist.",
                .complexity = "O(1)",
                .syntax = "key field increment",
                .acl_categories = kWriteFast}));
  table->Register(
      MakeSpec("hincrbyfloat", 4, kW | kOom | kFast, kOneKey, &CmdHIncrByFloat,
               {.group = "hash",
                .since = "2.6.0",
                .summary = "Increments the floating point value of a field by a number. Uses 0 "
                           "as initial value if the field doesn't exist.",
                .complexity = "O(1)",
                .syntax = "key field increment",
                .acl_categories = kWriteFast}));
  table->Register(MakeSpec("hrandfield", -2, kRo, kOneKey, &CmdHRandField,
                           {.group = "hash",
                            .since = "6.2.0",
                            .summary = "Returns one or more random fields from a hash.",
                            .complexity = "O(N) where N is the number of fields returned",
                            .syntax = "key [count [WITHVALUES]]",
                            .acl_categories = kReadSlow}));
  table->Register(
      MakeSpec("hscan", -3, kRo, kOneKey, &CmdHScan,
               {.group = "hash",
                .since = "2.8.0",
                .summary = "Iterates over fields and values of a hash.",
                .complexity = "O(1) for every call. O(N) for a complete iteration, including "
                              "enough command calls for the cursor to return back to 0. N is the "
                              "number of elements inside the collection.",
                .syntax = "key cursor [MATCH pattern] [COUNT count]",
                .acl_categories = kReadSlow}));
}

}  // namespace shoal
