// The set family: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP
// SRANDMEMBER SMOVE SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF
// SDIFFSTORE SSCAN, with Redis 7.2's replies, error texts and keyspace
// events. The value and its encodings (intset / listpack / hashtable) are
// SetValue's (set_value.h); this file parses, looks keys up, and replies.
//
// Orders that matter, as Redis checks them (pinned by tests/test_sets.py):
// SPOP and SRANDMEMBER parse their count before looking at the key; the
// multi-key commands check the type of every key before treating a missing
// one as empty; SMOVE replies 0 for a missing source before it looks at the
// destination's type, and touches the destination only when the member was
// not there yet; SSCAN rejects a bad cursor first, then replies an empty
// scan for a missing key before parsing its options.
//
// *STORE commands build the result as a fresh set (which takes the most
// compact encoding its members allow: an all-integer result is an intset),
// then replace the destination whatever its type (dropping any TTL), or
// delete it when the result is empty.
//
// RESP3: SMEMBERS, SINTER, SUNION, SDIFF and SPOP with a count reply with
// sets; SRANDMEMBER with a count with an array (it may repeat members).
//
// Called on a worker thread by the Dispatcher, which has already checked
// arity and locked the stripes of every key argument.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
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
#include "server/types/set_value.h"

namespace shoal {
namespace {

using Lookup = Store::Lookup;

constexpr std::string_view kErrMustBePositive = "ERR value is out of range, must be positive";
constexpr std::string_view kErrCountRange =
    "ERR value is out of range, value must between -9223372036854775807 and "
    "9223372036854775807";
constexpr std::string_view kErrNumKeys = "ERR numkeys should be greater than 0";
constexpr std::string_view kErrTooManyKeys =
    "ERR Number of keys can't be greater than number of args";
constexpr std::string_view kErrLimit = "ERR LIMIT can't be negative";
constexpr std::string_view kErrInvalidCursor = "ERR invalid cursor";

SetLimits LimitsOf(const CommandContext& ctx) {
  SetLimits l;
  if (ctx.server == nullptr) return l;
  const RuntimeConfig& rc = ctx.server->runtime();
  auto get = [](const std::atomic<int64_t>& v) {
    return static_cast<size_t>(std::max<int64_t>(0, v.load(std::memory_order_relaxed)));
  };
  l.max_intset_entries = get(rc.set_max_intset_entries);
  l.max_listpack_entries = get(rc.set_max_listpack_entries);
  l.max_listpack_value = get(rc.set_max_listpack_value);
  return l;
}

// SRANDMEMBER and SPOP's randomness (worker_random.h).
uint64_t NextRandom(const CommandContext& ctx) { return WorkerRandom<0x6A09E667F3BCC909ULL>(ctx); }

// The set at key: *out is null when the key is missing. kWrongType when the
// key holds another type.
OpStatus FindSet(CommandContext& ctx, std::string_view key, Lookup mode, SetValue** out,
                 Entry** entry = nullptr) {
  Entry* e = ctx.store->Find(ctx.db(), key, mode);
  if (entry != nullptr) *entry = e;
  *out = nullptr;
  if (e == nullptr) return OpStatus::kOk;
  if (e->type() != ValueType::kSet) return OpStatus::kWrongType;
  *out = static_cast<SetValue*>(e->object());
  return OpStatus::kOk;
}

// After an in-place change: WATCH and memory accounting, then the key goes
// when the set is empty. Returns whether it was deleted.
bool Settle(CommandContext& ctx, std::string_view key, SetValue* set, size_t bytes_before) {
  ctx.store->MarkModified(
      ctx.db(), key, static_cast<int64_t>(set->MemoryBytes()) - static_cast<int64_t>(bytes_before));
  if (set->Size() > 0) return false;
  ctx.store->Erase(ctx.db(), key);
  return true;
}

// Members copied out of sets (views into sets do not outlive a visit).
class MemberList {
 public:
  void Add(std::string_view m) {
    spans_.push_back({bytes_.size(), m.size()});
    bytes_.append(m);
  }
  size_t size() const { return spans_.size(); }
  std::string_view operator[](size_t i) const {
    return std::string_view(bytes_).substr(spans_[i].first, spans_[i].second);
  }

 private:
  std::string bytes_;
  std::vector<std::pair<size_t, size_t>> spans_;
};

// A SCAN-family cursor as Redis 7.2 reads it (strtoul on the whole
// argument): an optional sign ("-1" wraps), decimal digits, no overflow.
bool ParseScanCursor(std::string_view s, uint64_t* out) {
  size_t i = 0;
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    i = 1;
    if (s.size() == 1) return false;
  }
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    unsigned d = static_cast<unsigned char>(s[i]) - '0';
    if (d > 9) return false;
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = negative ? 0 - v : v;
  return true;
}

// ---------------------------------------------------------------------------
// Single-key commands.

// SADD key member [member ...]
void CmdSAdd(CommandContext& ctx, CmdArgs args) {
  std::string_view key = args[1];
  Entry* e;
  SetValue* set;
  if (FindSet(ctx, key, Lookup::kWrite, &set, &e) != OpStatus::kOk) {
    return ctx.Error(OpStatus::kWrongType);
  }
  const SetLimits limits = LimitsOf(ctx);
  const size_t n = args.size() - 2;
  int64_t added = 0;
  if (set == nullptr) {
    set = SetValue::CreateFor(args[2], n, limits);
    for (size_t i = 2; i < args.size(); ++i) added += set->Add(args[i], limits) ? 1 : 0;
    ctx.store->Put(ctx.db(), Entry::NewObject(key, ValueType::kSet, set));
    Notify(ctx, kNotifyNew, "new", key);
  } else {
    const size_t before = set->MemoryBytes();
    set->PrepareForAdds(n, limits);
    for (size_t i = 2; i < args.size(); ++i) added += set->Add(args[i], limits) ? 1 : 0;
    if (added > 0 || set->MemoryBytes() != before) Settle(ctx, key, set, before);
  }
  if (added > 0) Notify(ctx, kNotifySet, "sadd", key);
  ctx.reply->Integer(added);
}

// SREM key member [member ...]
void CmdSRem(CommandContext& ctx, CmdArgs args) {
  std::string_view key = args[1];
  SetValue* set;
  if (FindSet(ctx, key, Lookup::kWrite, &set) != OpStatus::kOk) {
    return ctx.Error(OpStatus::kWrongType);
  }
  if (set == nullptr) return ctx.reply->Integer(0);
  const size_t before = set->MemoryBytes();
  int64_t removed = 0;
  for (size_t i = 2; i < args.size() && set->Size() > 0; ++i) {
    removed += set->Remove(args[i]) ? 1 : 0;
  }
  if (removed > 0) {
    const bool deleted = Settle(ctx, key, set, before);
    Notify(ctx, kNotifySet, "srem", key);
    if (deleted) Notify(ctx, kNotifyGeneric, "del", key);
  }
  ctx.reply->Integer(removed);
}

// SMEMBERS key
void CmdSMembers(CommandContext& ctx, CmdArgs args) {
  SetValue* set;
  if (FindSet(ctx, args[1], Lookup::kRead, &set) != OpStatus::kOk) {
    return ctx.Error(OpStatus::kWrongType);
  }
  if (set == nullptr) return ctx.reply->SetHeader(0);
  ctx.reply->SetHeader(static_cast<int64_t>(set->Size()));
  set->ForEach([&](std::string_view m) { ctx.reply->Bulk(m); });
}

// SISMEMBER key member
void CmdSIsMember(CommandContext& ctx, CmdArgs args) {
  SetValue* set;
  if (FindSet(ctx, args[1], Lookup::kRead, &set) != OpStatus::kOk) {
    return ctx.Error(OpStatus::kWrongType);
  }
  ctx.reply->Integer(set != nullptr && set->Contains(args[2]) ? 1 : 0);
}

// SMISMEMBER key member [member ...]
void CmdSMIsMember(CommandContext& ctx, CmdArgs args) {
  SetValue* set;
  if (FindSet(ctx, args[1], Lookup::kRead, &set) != OpStatus::kOk) {
    return ctx.Error(OpStatus::kWrongType);
  }
  ctx.reply->ArrayHeader(static_cast<int64_t>(args.size() - 2));
  for (size_t i = 2; i < args.size(); ++i) {
    ctx.reply->Integer(set != nullptr && set->Contains(args[i]) ? 1 : 0);
  }
}

// SCARD key
void CmdSCard(CommandContext& ctx, CmdArgs args) {
  SetValue* set;
  if (FindSet(ctx, args[1], Lookup::kRead, &set) != OpStatus::kOk) {
    return ctx.Error(OpStatus::kWrongType);
  }
  ctx.reply->Integer(set == nullptr ? 0 : static_cast<int64_t>(set->Size()));
}

// SPOP key [count]
void CmdSPop(CommandContext& ctx, CmdArgs args) {
  if (args.size() > 3) return ctx.Error(kErrSyntax);
  std::string_view key = args[1];
  const bool with_count = args.size() == 3;
  int64_t count = 1;
  if (with_count && (!ParseInt(args[2], &count) || count < 0)) {
    return ctx.Error(kErrMustBePositive);
  }
  SetValue* set;
  if (FindSet(ctx, key, Lookup::kWrite, &set) != OpStatus::kOk) {
    return ctx.Error(OpStatus::kWrongType);
  }
  if (set == nullptr) return with_count ? ctx.reply->SetHeader(0) : ctx.reply->NullBulk();
  if (count == 0) return ctx.reply->SetHeader(0);

  const size_t before = set->MemoryBytes();
  const uint64_t n = std::min<uint64_t>(static_cast<uint64_t>(count), set->Size());
  // Redis propagates SPOP as one SREM per popped member, or as a DEL when a
  // count takes the whole set: its replicas publish those commands' events.
  const bool whole_by_count = with_count && n == set->Size();
  NotifyShippedAs(ctx, kNotifySet, "spop", "srem", whole_by_count ? 0 : n, key);
  if (with_count) ctx.reply->SetHeader(static_cast<int64_t>(n));
  set->PopRandom(
      n, [&ctx] { return NextRandom(ctx); }, [&](std::string_view m) { ctx.reply->Bulk(m); });
  if (Settle(ctx, key, set, before)) Notify(ctx, kNotifyGeneric, "del", key);
}

// SRANDMEMBER key [count]
void CmdSRandMember(CommandContext& ctx, CmdArgs args) {
  if (args.size() > 3) return ctx.Error(kErrSyntax);
  const bool with_count = args.size() == 3;
  int64_t count = 1;
  if (with_count) {
    if (!ParseInt(args[2], &count)) return ctx.Error(kErrNotInteger);
    if (count == std::numeric_limits<int64_t>::min()) return ctx.Error(kErrCountRange);
  }
  SetValue* set;
  if (FindSet(ctx, args[1], Lookup::kRead, &set) != OpStatus::kOk) {
    return ctx.Error(OpStatus::kWrongType);
  }
  auto rng = [&ctx] { return NextRandom(ctx); };
  auto out = [&](std::string_view m) { ctx.reply->Bulk(m); };
  if (!with_count) {
    if (set == nullptr) return ctx.reply->NullBulk();
    return set->RandomMembers(1, false, rng, out);
  }
  if (set == nullptr || count == 0) return ctx.reply->ArrayHeader(0);
  if (count > 0) {
    const uint64_t n = std::min<uint64_t>(static_cast<uint64_t>(count), set->Size());
    ctx.reply->ArrayHeader(static_cast<int64_t>(n));
    return set->RandomMembers(n, true, rng, out);
  }
  ctx.reply->ArrayHeader(-count);
  set->RandomMembers(static_cast<uint64_t>(-count), false, rng, out);
}

// SMOVE source destination member
void CmdSMove(CommandContext& ctx, CmdArgs args) {
  std::string_view src_key = args[1], dst_key = args[2], member = args[3];
  SetValue *src, *dst;
  const OpStatus src_status = FindSet(ctx, src_key, Lookup::kWrite, &src);
  const OpStatus dst_status = FindSet(ctx, dst_key, Lookup::kWrite, &dst);
  if (src_status == OpStatus::kOk && src == nullptr) return ctx.reply->Integer(0);
  if (src_status != OpStatus::kOk || dst_status != OpStatus::kOk) {
    return ctx.Error(OpStatus::kWrongType);
  }
  if (src_key == dst_key) return ctx.reply->Integer(src->Contains(member) ? 1 : 0);

  const size_t src_before = src->MemoryBytes();
  if (!src->Remove(member)) return ctx.reply->Integer(0);
  Notify(ctx, kNotifySet, "srem", src_key);
  if (Settle(ctx, src_key, src, src_before)) Notify(ctx, kNotifyGeneric, "del", src_key);

  const SetLimits limits = LimitsOf(ctx);
  if (dst == nullptr) {
    dst = SetValue::CreateFor(member, 1, limits);
    dst->Add(member, limits);
    ctx.store->Put(ctx.db(), Entry::NewObject(dst_key, ValueType::kSet, dst));
    Notify(ctx, kNotifyNew, "new", dst_key);
    Notify(ctx, kNotifySet, "sadd", dst_key);
  } else {
    const size_t dst_before = dst->MemoryBytes();
    if (dst->Add(member, limits)) {
      Settle(ctx, dst_key, dst, dst_before);
      Notify(ctx, kNotifySet, "sadd", dst_key);
    }
  }
  ctx.reply->Integer(1);
}

// SSCAN key cursor [MATCH pattern] [COUNT count]
void CmdSScan(CommandContext& ctx, CmdArgs args) {
  uint64_t cursor;
  if (!ParseScanCursor(args[2], &cursor)) return ctx.Error(kErrInvalidCursor);
  SetValue* set;
  if (FindSet(ctx, args[1], Lookup::kRead, &set) != OpStatus::kOk) {
    return ctx.Error(OpStatus::kWrongType);
  }
  if (set == nullptr) {
    ctx.reply->ArrayHeader(2);
    ctx.reply->Bulk("0");
    return ctx.reply->ArrayHeader(0);
  }
  std::string_view pattern;
  bool has_pattern = false;
  int64_t count = 10;
  for (size_t i = 3; i < args.size(); i += 2) {
    const bool has_value = i + 1 < args.size();
    if (ArgIs(args[i], "count") && has_value) {
      if (!ParseInt(args[i + 1], &count)) return ctx.Error(kErrNotInteger);
      if (count < 1) return ctx.Error(kErrSyntax);
    } else if (ArgIs(args[i], "match") && has_value) {
      pattern = args[i + 1];
      has_pattern = pattern != "*";
    } else {
      return ctx.Error(kErrSyntax);
    }
  }
  MemberList found;
  const uint64_t next = set->Scan(cursor, static_cast<size_t>(count), [&](std::string_view m) {
    if (!has_pattern || GlobMatch(pattern, m)) found.Add(m);
  });
  ctx.reply->ArrayHeader(2);
  ctx.reply->Bulk(std::to_string(next));
  ctx.reply->ArrayHeader(static_cast<int64_t>(found.size()));
  for (size_t i = 0; i < found.size(); ++i) ctx.reply->Bulk(found[i]);
}

// ---------------------------------------------------------------------------
// Multi-key algebra.

// The sets named by keys: a missing key is an empty set (null entry, and
// *any_missing). kWrongType when any key holds another type.
OpStatus FindSets(CommandContext& ctx, CmdArgs keys, std::vector<SetValue*>* sets,
                  bool* any_missing) {
  *any_missing = false;
  sets->clear();
  sets->reserve(keys.size());
  for (std::string_view k : keys) {
    SetValue* s;
    if (FindSet(ctx, k, Lookup::kRead, &s) != OpStatus::kOk) return OpStatus::kWrongType;
    if (s == nullptr) *any_missing = true;
    sets->push_back(s);
  }
  return OpStatus::kOk;
}

// Visits the members of the intersection (none when a set is missing),
// smallest set first; stops after `limit` members when limit > 0.
template <typename Fn>
void Intersect(std::vector<SetValue*> sets, bool any_missing, uint64_t limit, Fn fn) {
  if (any_missing || sets.empty()) return;
  std::sort(sets.begin(), sets.end(),
            [](const SetValue* a, const SetValue* b) { return a->Size() < b->Size(); });
  uint64_t found = 0;
  bool done = false;
  sets[0]->ForEach([&](std::string_view m) {
    if (done) return;
    for (size_t j = 1; j < sets.size(); ++j) {
      if (sets[j] != sets[0] && !sets[j]->Contains(m)) return;
    }
    fn(m);
    if (limit > 0 && ++found >= limit) done = true;
  });
}

// Members of the first set in none of the others.
template <typename Fn>
void Difference(const std::vector<SetValue*>& sets, Fn fn) {
  if (sets.empty() || sets[0] == nullptr) return;
  sets[0]->ForEach([&](std::string_view m) {
    for (size_t j = 1; j < sets.size(); ++j) {
      if (sets[j] != nullptr && sets[j]->Contains(m)) return;
    }
    fn(m);
  });
}

// Builds the union into `out`.
void Union(const std::vector<SetValue*>& sets, const SetLimits& limits, SetValue* out) {
  for (SetValue* s : sets) {
    if (s != nullptr) s->ForEach([&](std::string_view m) { out->Add(m, limits); });
  }
}

enum class SetOp { kInter, kUnion, kDiff };

// Computes the operation over `sets` into a new set.
std::unique_ptr<SetValue> Compute(SetOp op, const std::vector<SetValue*>& sets, bool any_missing,
                                  const SetLimits& limits) {
  auto out = std::make_unique<SetValue>();
  auto add = [&](std::string_view m) { out->Add(m, limits); };
  switch (op) {
    case SetOp::kInter:
      Intersect(sets, any_missing, 0, add);
      break;
    case SetOp::kUnion:
      Union(sets, limits, out.get());
      break;
    case SetOp::kDiff:
      Difference(sets, add);
      break;
  }
  return out;
}

// SINTER / SUNION / SDIFF key [key ...]
void ReplyOp(CommandContext& ctx, CmdArgs args, SetOp op) {
  std::vector<SetValue*> sets;
  bool any_missing;
  if (FindSets(ctx, args.subspan(1), &sets, &any_missing) != OpStatus::kOk) {
    return ctx.Error(OpStatus::kWrongType);
  }
  if (op == SetOp::kUnion) {
    std::unique_ptr<SetValue> u = Compute(op, sets, any_missing, LimitsOf(ctx));
    ctx.reply->SetHeader(static_cast<int64_t>(u->Size()));
    u->ForEach([&](std::string_view m) { ctx.reply->Bulk(m); });
    return;
  }
  MemberList found;
  auto add = [&](std::string_view m) { found.Add(m); };
  if (op == SetOp::kInter) {
    Intersect(sets, any_missing, 0, add);
  } else {
    Difference(sets, add);
  }
  ctx.reply->SetHeader(static_cast<int64_t>(found.size()));
  for (size_t i = 0; i < found.size(); ++i) ctx.reply->Bulk(found[i]);
}

void CmdSInter(CommandContext& ctx, CmdArgs args) { ReplyOp(ctx, args, SetOp::kInter); }
void CmdSUnion(CommandContext& ctx, CmdArgs args) { ReplyOp(ctx, args, SetOp::kUnion); }
void CmdSDiff(CommandContext& ctx, CmdArgs args) { ReplyOp(ctx, args, SetOp::kDiff); }

// SINTERSTORE / SUNIONSTORE / SDIFFSTORE destination key [key ...]
void StoreOp(CommandContext& ctx, CmdArgs args, SetOp op, std::string_view event) {
  std::string_view dst = args[1];
  std::vector<SetValue*> sets;
  bool any_missing;
  if (FindSets(ctx, args.subspan(2), &sets, &any_missing) != OpStatus::kOk) {
    return ctx.Error(OpStatus::kWrongType);
  }
  std::unique_ptr<SetValue> result = Compute(op, sets, any_missing, LimitsOf(ctx));
  const int64_t size = static_cast<int64_t>(result->Size());
  if (size == 0) {
    if (ctx.store->Erase(ctx.db(), dst)) Notify(ctx, kNotifyGeneric, "del", dst);
    return ctx.reply->Integer(0);
  }
  // The sources may include dst: they are not used after this.
  const bool created = ctx.store->Find(ctx.db(), dst, Lookup::kWrite) == nullptr;
  ctx.store->Put(ctx.db(), Entry::NewObject(dst, ValueType::kSet, result.release()));
  if (created) Notify(ctx, kNotifyNew, "new", dst);
  Notify(ctx, kNotifySet, event, dst);
  ctx.reply->Integer(size);
}

void CmdSInterStore(CommandContext& ctx, CmdArgs args) {
  StoreOp(ctx, args, SetOp::kInter, "sinterstore");
}
void CmdSUnionStore(CommandContext& ctx, CmdArgs args) {
  StoreOp(ctx, args, SetOp::kUnion, "sunionstore");
}
void CmdSDiffStore(CommandContext& ctx, CmdArgs args) {
  StoreOp(ctx, args, SetOp::kDiff, "sdiffstore");
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
//
// Keys finder: the numkeys keys after numkeys. A malformed numkeys yields
// no keys (and success), so that the handler, which locks nothing then,
// replies Redis's specific error instead of the dispatcher's syntax error.
bool SInterCardKeys(CmdArgs args, std::vector<int>* keys) {
  int64_t numkeys;
  if (args.size() < 2 || !ParseInt(args[1], &numkeys) || numkeys <= 0 ||
      numkeys > static_cast<int64_t>(args.size()) - 2) {
    return true;
  }
  for (int64_t i = 0; i < numkeys; ++i) keys->push_back(static_cast<int>(2 + i));
  return true;
}

void CmdSInterCard(CommandContext& ctx, CmdArgs args) {
  int64_t numkeys;
  if (!ParseInt(args[1], &numkeys) || numkeys <= 0) return ctx.Error(kErrNumKeys);
  if (numkeys > static_cast<int64_t>(args.size()) - 2) return ctx.Error(kErrTooManyKeys);
  int64_t limit = 0;
  for (size_t i = 2 + static_cast<size_t>(numkeys); i < args.size(); i += 2) {
    if (!ArgIs(args[i], "limit") || i + 1 >= args.size()) return ctx.Error(kErrSyntax);
    if (!ParseInt(args[i + 1], &limit) || limit < 0) return ctx.Error(kErrLimit);
  }
  std::vector<SetValue*> sets;
  bool any_missing;
  if (FindSets(ctx, args.subspan(2, static_cast<size_t>(numkeys)), &sets, &any_missing) !=
      OpStatus::kOk) {
    return ctx.Error(OpStatus::kWrongType);
  }
  int64_t n = 0;
  Intersect(sets, any_missing, static_cast<uint64_t>(limit), [&](std::string_view) { ++n; });
  ctx.reply->Integer(n);
}

// ---------------------------------------------------------------------------
// Registration.

}  // namespace

void RegisterSetCommands(CommandTable* table) {
  constexpr uint32_t kRo = kCmdReadOnly, kW = kCmdWrite, kOom = kCmdDenyOom, kFast = kCmdFast;
  constexpr std::string_view kReadFast = "@read @set @fast";
  constexpr std::string_view kReadSlow = "@read @set @slow";
  constexpr std::string_view kWriteFast = "@write @set @fast";
  constexpr std::string_view kWriteSlow = "@write @set @slow";
  constexpr std::string_view kTotal =
      "O(N) where N is the total number of elements in all given sets.";
  constexpr std::string_view kInterComplexity =
      "O(N*M) worst case where N is the cardinality of the smallest set and M is the number "
      "of sets.";

  table->Register(
      MakeSpec("sadd", -3, kW | kOom | kFast, kOneKey, &CmdSAdd,
               {.group = "set",
                .since = "1.0.0",
                .summary = "Adds one or more members to a set. Creates the key if it doesn't "
                           "exist.",
                .complexity = "O(1) for each element added, so O(N) to add N elements when the "
                              "command is called with multiple arguments.",
                .syntax = "key member [member ...]",
                .acl_categories = kWriteFast}));
  table->Register(
      MakeSpec("srem", -3, kW | kFast, kOneKey, &CmdSRem,
               {.group = "set",
                .since = "1.0.0",
                .summary = "Removes one or more members from a set. Deletes the set if the last "
                           "member was removed.",
                .complexity = "O(N) where N is the number of members to be removed.",
                .syntax = "key member [member ...]",
                .acl_categories = kWriteFast}));
  table->Register(MakeSpec("smembers", 2, kRo, kOneKey, &CmdSMembers,
                           {.group = "set",
                            .since = "1.0.0",
                            .summary = "Returns all members of a set.",
                            .complexity = "O(N) where N is the set cardinality.",
                            .syntax = "key",
                            .acl_categories = kReadSlow}));
  table->Register(MakeSpec("sismember", 3, kRo | kFast, kOneKey, &CmdSIsMember,
                           {.group = "set",
                            .since = "1.0.0",
                            .summary = "Determines whether a member belongs to a set.",
                            .complexity = "O(1)",
                            .syntax = "key member",
                            .acl_categories = kReadFast}));
  table->Register(
      MakeSpec("smismember", -3, kRo | kFast, kOneKey, &CmdSMIsMember,
               {.group = "set",
                .since = "6.2.0",
                .summary = "Determines whether multiple members belong to a set.",
                .complexity = "O(N) where N is the number of elements being checked for "
                              "membership",
                .syntax = "key member [member ...]",
                .acl_categories = kReadFast}));
  table->Register(MakeSpec("scard", 2, kRo | kFast, kOneKey, &CmdSCard,
                           {.group = "set",
                            .since = "1.0.0",
                            .summary = "Returns the number of members in a set.",
                            .complexity = "O(1)",
                            .syntax = "key",
                            .acl_categories = kReadFast}));
  table->Register(MakeSpec(
      "spop", -2, kW | kFast, kOneKey, &CmdSPop,
      {.group = "set",
       .since = "1.0.0",
       .summary = "Returns one or more random members from a set after removing them. "
                  "Deletes the set if the last member was popped.",
       .complexity = "Without the count argument O(1), otherwise O(N) where N is the value "
                     "of the passed count.",
       .syntax = "key [count]",
       .acl_categories = kWriteFast}));
  table->Register(
      MakeSpec("srandmember", -2, kRo, kOneKey, &CmdSRandMember,
               {.group = "set",
                .since = "1.0.0",
                .summary = "Get one or multiple random members from a set",
                .complexity = "Without the count argument O(1), otherwise O(N) where N is the "
                              "absolute value of the passed count.",
                .syntax = "key [count]",
                .acl_categories = kReadSlow}));
  table->Register(MakeSpec("smove", 4, kW | kFast, {1, 2, 1}, &CmdSMove,
                           {.group = "set",
                            .since = "1.0.0",
                            .summary = "Moves a member from one set to another.",
                            .complexity = "O(1)",
                            .syntax = "source destination member",
                            .acl_categories = kWriteFast}));

  table->Register(MakeSpec("sinter", -2, kRo, kAllKeys, &CmdSInter,
                           {.group = "set",
                            .since = "1.0.0",
                            .summary = "Returns the intersect of multiple sets.",
                            .complexity = kInterComplexity,
                            .syntax = "key [key ...]",
                            .acl_categories = kReadSlow}));
  CommandSpec card =
      MakeSpec("sintercard", -3, kRo | kCmdMovableKeys, {}, &CmdSInterCard,
               {.group = "set",
                .since = "7.0.0",
                .summary = "Returns the number of members of the intersect of multiple sets.",
                .complexity = kInterComplexity,
                .syntax = "numkeys key [key ...] [LIMIT limit]",
                .acl_categories = kReadSlow});
  card.keys_finder = &SInterCardKeys;
  table->Register(std::move(card));
  table->Register(MakeSpec("sinterstore", -3, kW | kOom, kAllKeys, &CmdSInterStore,
                           {.group = "set",
                            .since = "1.0.0",
                            .summary = "Stores the intersect of multiple sets in a key.",
                            .complexity = kInterComplexity,
                            .syntax = "destination key [key ...]",
                            .acl_categories = kWriteSlow}));
  table->Register(MakeSpec("sunion", -2, kRo, kAllKeys, &CmdSUnion,
                           {.group = "set",
                            .since = "1.0.0",
                            .summary = "Returns the union of multiple sets.",
                            .complexity = kTotal,
                            .syntax = "key [key ...]",
                            .acl_categories = kReadSlow}));
  table->Register(MakeSpec("sunionstore", -3, kW | kOom, kAllKeys, &CmdSUnionStore,
                           {.group = "set",
                            .since = "1.0.0",
                            .summary = "Stores the union of multiple sets in a key.",
                            .complexity = kTotal,
                            .syntax = "destination key [key ...]",
                            .acl_categories = kWriteSlow}));
  table->Register(MakeSpec("sdiff", -2, kRo, kAllKeys, &CmdSDiff,
                           {.group = "set",
                            .since = "1.0.0",
                            .summary = "Returns the difference of multiple sets.",
                            .complexity = kTotal,
                            .syntax = "key [key ...]",
                            .acl_categories = kReadSlow}));
  table->Register(MakeSpec("sdiffstore", -3, kW | kOom, kAllKeys, &CmdSDiffStore,
                           {.group = "set",
                            .since = "1.0.0",
                            .summary = "Stores the difference of multiple sets in a key.",
                            .complexity = kTotal,
                            .syntax = "destination key [key ...]",
                            .acl_categories = kWriteSlow}));
  table->Register(MakeSpec(
      "sscan", -3, kRo, kOneKey, &CmdSScan,
      {.group = "set",
       .since = "2.8.0",
       .summary = "Iterates over members of a set.",
       .complexity = "O(1) for every call. O(N) for a complete iteration, including enough "
                     "command calls for the cursor to return back to 0. N is the number of "
                     "elements inside the collection.",
       .syntax = "key cursor [MATCH pattern] [COUNT count]",
       .acl_categories = kReadSlow}));
}

}  // namespace shoal
