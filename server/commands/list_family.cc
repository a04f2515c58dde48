// The list family: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX
// LSET LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP here, and the blocking
// BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP in list_blocking_family.cc, with Redis
// 7.2's replies, error texts and keyspace events.
//
// Each handler goes parse -> operate -> reply, and the first error wins in
// the order Redis checks things, which differs per command: LRANGE, LTRIM
// and LREM parse their numbers before looking at the key; LINDEX and LSET
// look the key up first (LINDEX on a missing key is nil even with a bad
// index); LPOS parses every option, RANK 0 failing at once, before the key.
// tests/test_lists.py pins these orders, checked against redis-server.
//
// Values are ListValue (list_value.h). A handler that changes a list records
// its memory before, then reports the difference with Store::MarkModified
// (WATCH and memory accounting) and erases the key when the list empties.
// Every write that can make a list poppable calls BlockingRegistry::KeyReady
// so that a client parked in BLPOP & co is woken.
//
// Called on a worker thread by the Dispatcher, which has already checked
// arity and locked the stripes of every key argument.
#include "server/commands/list_family.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "server/commands/families.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/errors.h"
#include "server/events/blocking.h"
#include "server/events/notify.h"
#include "server/store/entry.h"
#include "server/store/store.h"
#include "server/types/list_value.h"

namespace shoal {
namespace list_family {

using Lookup = Store::Lookup;

namespace {

constexpr std::string_view kErrOutOfRangePositive = "ERR value is out of range, must be positive";
constexpr std::string_view kErrIndexOutOfRange = "ERR index out of range";
constexpr std::string_view kErrElementTooLarge = "ERR Element too large";
constexpr std::string_view kErrRankZero =
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use "
    "negative to start from the end of the list";
constexpr std::string_view kErrRankRange =
    "ERR value is out of range, value must between -9223372036854775807 and "
    "9223372036854775807";
constexpr std::string_view kErrCountNegative = "ERR COUNT can't be negative";
constexpr std::string_view kErrMaxlenNegative = "ERR MAXLEN can't be negative";
constexpr std::string_view kErrNumkeys = "ERR numkeys should be greater than 0";
constexpr std::string_view kErrMpopCount = "ERR count should be greater than 0";

// Memory accounting for a list changed in place.
class ListEdit {
 public:
  ListEdit(CommandContext& ctx, std::string_view key, ListValue* list)
      : ctx_(ctx), key_(key), list_(list), before_(list->MemoryBytes()) {}
  // Reports the change; erases the key when the list is empty. Returns
  // whether it did (the list is gone then).
  bool Done() {
    const int64_t delta =
        static_cast<int64_t>(list_->MemoryBytes()) - static_cast<int64_t>(before_);
    ctx_.store->MarkModified(ctx_.db(), key_, delta);
    if (list_->Size() > 0) return false;
    ctx_.store->Erase(ctx_.db(), key_);
    return true;
  }

 private:
  CommandContext& ctx_;
  std::string_view key_;
  ListValue* list_;
  size_t before_;
};

void KeyReady(CommandContext& ctx, std::string_view key) {
  if (ctx.server != nullptr) ctx.server->blocking().KeyReady(ctx.db(), key);
}

bool AnyTooLarge(CmdArgs args, size_t from) {
  for (size_t i = from; i < args.size(); ++i) {
    if (args[i].size() > ListValue::kMaxElement) return true;
  }
  return false;
}

std::string_view PushEvent(End end) { return end == End::kHead ? "lpush" : "rpush"; }
std::string_view PopEvent(End end) { return end == End::kHead ? "lpop" : "rpop"; }

}  // namespace

// ---------------------------------------------------------------------------
// Shared operations (list_family.h).

ListLimits Limits(const CommandContext& ctx) {
  if (ctx.server == nullptr) return ListLimits::FromFill(-2);
  return ListLimits::FromFill(
      ctx.server->runtime().list_max_listpack_size.load(std::memory_order_relaxed));
}

bool FindList(CommandContext& ctx, std::string_view key, Lookup mode, ListValue** out) {
  Entry* e = ctx.store->Find(ctx.db(), key, mode);
  if (e == nullptr) {
    *out = nullptr;
    return true;
  }
  if (e->type() != ValueType::kList) {
    ctx.Error(kErrWrongType);
    return false;
  }
  *out = static_cast<ListValue*>(e->object());
  return true;
}

bool ParseEnd(std::string_view arg, End* end) {
  if (ArgIs(arg, "LEFT")) {
    *end = End::kHead;
  } else if (ArgIs(arg, "RIGHT")) {
    *end = End::kTail;
  } else {
    return false;
  }
  return true;
}

void NotifyList(CommandContext& ctx, std::string_view event, std::string_view key) {
  if (ctx.server != nullptr) Notify(ctx, kNotifyList, event, key);
}

static void NotifyDel(CommandContext& ctx, std::string_view key) {
  if (ctx.server != nullptr) Notify(ctx, kNotifyGeneric, "del", key);
}

void PopAndReply(CommandContext& ctx, std::string_view key, ListValue* list, End end, size_t n) {
  const ListLimits limits = Limits(ctx);
  ListEdit edit(ctx, key, list);
  for (size_t i = 0; i < n; ++i) {
    ctx.reply->Bulk(list->Peek(end));
    list->Pop(end, limits);
  }
  const bool deleted = edit.Done();
  NotifyList(ctx, PopEvent(end), key);
  if (deleted) NotifyDel(ctx, key);
}

void MoveAndReply(CommandContext& ctx, std::string_view src, ListValue* src_list,
                  std::string_view dst, End from, End to) {
  ListValue* dst_list;
  if (!FindList(ctx, dst, Lookup::kWrite, &dst_list)) return;
  const ListLimits limits = Limits(ctx);
  // Copied: pushing may reallocate the node the view points into.
  const std::string value(src_list->Peek(from));
  bool deleted = false;
  if (dst_list == src_list) {  // same key: a rotation, never empty
    ListEdit edit(ctx, src, src_list);
    src_list->Pop(from, limits);
    src_list->Push(to, value, limits);
    edit.Done();
  } else {
    ListEdit src_edit(ctx, src, src_list);
    src_list->Pop(from, limits);
    if (dst_list == nullptr) {
      auto* fresh = new ListValue();
      fresh->Push(to, value, limits);
      ctx.store->Put(ctx.db(), Entry::NewObject(dst, ValueType::kList, fresh));
    } else {
      ListEdit dst_edit(ctx, dst, dst_list);
      dst_list->Push(to, value, limits);
      dst_edit.Done();
    }
    deleted = src_edit.Done();
  }
  ctx.reply->Bulk(value);
  if (dst_list == nullptr && ctx.server != nullptr) Notify(ctx, kNotifyNew, "new", dst);
  NotifyList(ctx, PushEvent(to), dst);
  KeyReady(ctx, dst);
  NotifyList(ctx, PopEvent(from), src);
  if (deleted) NotifyDel(ctx, src);
}

bool ParseMpop(CommandContext& ctx, CmdArgs args, size_t numkeys_idx, MpopArgs* out) {
  int64_t numkeys;
  if (!ParseInt(args[numkeys_idx], &numkeys) || numkeys <= 0) {
    ctx.Error(kErrNumkeys);
    return false;
  }
  const size_t remaining = args.size() - numkeys_idx - 1;
  if (static_cast<uint64_t>(numkeys) >= remaining) {  // keys, then LEFT|RIGHT
    ctx.Error(kErrSyntax);
    return false;
  }
  const size_t where_idx = numkeys_idx + 1 + static_cast<size_t>(numkeys);
  if (!ParseEnd(args[where_idx], &out->end)) {
    ctx.Error(kErrSyntax);
    return false;
  }
  bool have_count = false;
  for (size_t j = where_idx + 1; j < args.size(); ++j) {
    if (!have_count && ArgIs(args[j], "COUNT") && j + 1 < args.size()) {
      ++j;
      if (!ParseInt(args[j], &out->count) || out->count <= 0) {
        ctx.Error(kErrMpopCount);
        return false;
      }
      have_count = true;
    } else {
      ctx.Error(kErrSyntax);
      return false;
    }
  }
  out->keys.assign(args.begin() + numkeys_idx + 1, args.begin() + where_idx);
  return true;
}

static bool MpopKeys(CmdArgs args, size_t numkeys_idx, std::vector<int>* out) {
  int64_t numkeys;
  if (args.size() <= numkeys_idx || !ParseInt(args[numkeys_idx], &numkeys) || numkeys <= 0 ||
      static_cast<uint64_t>(numkeys) > args.size() - numkeys_idx - 1) {
    return true;  // no keys: the handler replies the error without touching the store
  }
  for (int64_t i = 0; i < numkeys; ++i) out->push_back(static_cast<int>(numkeys_idx + 1 + i));
  return true;
}

bool LmpopKeys(CmdArgs args, std::vector<int>* out) { return MpopKeys(args, 1, out); }
bool BlmpopKeys(CmdArgs args, std::vector<int>* out) { return MpopKeys(args, 2, out); }

MpopResult Mpop(CommandContext& ctx, const MpopArgs& a) {
  for (std::string_view key : a.keys) {
    ListValue* list;
    if (!FindList(ctx, key, Lookup::kWrite, &list)) return MpopResult::kError;
    if (list == nullptr || list->Size() == 0) continue;
    const size_t n = std::min<uint64_t>(static_cast<uint64_t>(a.count), list->Size());
    ctx.reply->ArrayHeader(2);
    ctx.reply->Bulk(key);
    ctx.reply->ArrayHeader(static_cast<int64_t>(n));
    PopAndReply(ctx, key, list, a.end, n);
    return MpopResult::kServed;
  }
  return MpopResult::kEmpty;
}

// ---------------------------------------------------------------------------
// Handlers.

namespace {

void PushGeneric(CommandContext& ctx, CmdArgs args, End end, bool only_existing) {
  const std::string_view key = args[1];
  if (AnyTooLarge(args, 2)) return ctx.Error(kErrElementTooLarge);
  ListValue* list;
  if (!FindList(ctx, key, Lookup::kWrite, &list)) return;
  if (list == nullptr && only_existing) return ctx.reply->Integer(0);
  const ListLimits limits = Limits(ctx);
  size_t size;
  if (list == nullptr) {
    auto* fresh = new ListValue();
    for (size_t i = 2; i < args.size(); ++i) fresh->Push(end, args[i], limits);
    size = fresh->Size();
    ctx.store->Put(ctx.db(), Entry::NewObject(key, ValueType::kList, fresh));
  } else {
    ListEdit edit(ctx, key, list);
    for (size_t i = 2; i < args.size(); ++i) list->Push(end, args[i], limits);
    size = list->Size();
    edit.Done();
  }
  ctx.reply->Integer(static_cast<int64_t>(size));
  if (list == nullptr && ctx.server != nullptr) Notify(ctx, kNotifyNew, "new", key);
  NotifyList(ctx, PushEvent(end), key);
  KeyReady(ctx, key);
}

void CmdLPush(CommandContext& ctx, CmdArgs args) { PushGeneric(ctx, args, End::kHead, false); }
void CmdRPush(CommandContext& ctx, CmdArgs args) { PushGeneric(ctx, args, End::kTail, false); }
void CmdLPushX(CommandContext& ctx, CmdArgs args) { PushGeneric(ctx, args, End::kHead, true); }
void CmdRPushX(CommandContext& ctx, CmdArgs args) { PushGeneric(ctx, args, End::kTail, true); }

void PopGeneric(CommandContext& ctx, CmdArgs args, End end) {
  if (args.size() > 3) return ctx.Error(WrongArityText(ctx.spec->name));
  const bool has_count = args.size() == 3;
  int64_t count = 1;
  if (has_count && (!ParseInt(args[2], &count) || count < 0)) {
    return ctx.Error(kErrOutOfRangePositive);
  }
  const std::string_view key = args[1];
  ListValue* list;
  if (!FindList(ctx, key, Lookup::kWrite, &list)) return;
  if (list == nullptr) return has_count ? ctx.reply->NullArray() : ctx.reply->NullBulk();
  if (!has_count) return PopAndReply(ctx, key, list, end, 1);
  if (count == 0) return ctx.reply->EmptyArray();
  const size_t n = std::min<uint64_t>(static_cast<uint64_t>(count), list->Size());
  ctx.reply->ArrayHeader(static_cast<int64_t>(n));
  PopAndReply(ctx, key, list, end, n);
}

void CmdLPop(CommandContext& ctx, CmdArgs args) { PopGeneric(ctx, args, End::kHead); }
void CmdRPop(CommandContext& ctx, CmdArgs args) { PopGeneric(ctx, args, End::kTail); }

void CmdLLen(CommandContext& ctx, CmdArgs args) {
  ListValue* list;
  if (!FindList(ctx, args[1], Lookup::kRead, &list)) return;
  ctx.reply->Integer(list == nullptr ? 0 : static_cast<int64_t>(list->Size()));
}

// Resolves LRANGE/LTRIM's start and stop against a list of `len` elements;
// false when the range is empty.
bool ResolveRange(int64_t start, int64_t stop, size_t len, size_t* from, size_t* to) {
  const int64_t n = static_cast<int64_t>(len);
  if (start < 0) start += n;
  if (stop < 0) stop += n;
  if (start < 0) start = 0;
  if (start > stop || start >= n) return false;
  if (stop >= n) stop = n - 1;
  *from = static_cast<size_t>(start);
  *to = static_cast<size_t>(stop);
  return true;
}

void CmdLRange(CommandContext& ctx, CmdArgs args) {
  int64_t start, stop;
  if (!ParseInt(args[2], &start) || !ParseInt(args[3], &stop)) return ctx.Error(kErrNotInteger);
  ListValue* list;
  if (!FindList(ctx, args[1], Lookup::kRead, &list)) return;
  size_t from, to;
  if (list == nullptr || !ResolveRange(start, stop, list->Size(), &from, &to)) {
    return ctx.reply->EmptyArray();
  }
  ctx.reply->ArrayHeader(static_cast<int64_t>(to - from + 1));
  list->Range(from, to, [&](std::string_view v) { ctx.reply->Bulk(v); });
}

// A LINDEX/LSET index against a list of `len` elements; false when outside.
bool ResolveIndex(int64_t index, size_t len, size_t* out) {
  const int64_t n = static_cast<int64_t>(len);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return false;
  *out = static_cast<size_t>(index);
  return true;
}

void CmdLIndex(CommandContext& ctx, CmdArgs args) {
  ListValue* list;
  if (!FindList(ctx, args[1], Lookup::kRead, &list)) return;
  if (list == nullptr) return ctx.reply->NullBulk();
  int64_t index;
  if (!ParseInt(args[2], &index)) return ctx.Error(kErrNotInteger);
  size_t at;
  std::string_view v;
  if (!ResolveIndex(index, list->Size(), &at) || !list->Get(at, &v)) return ctx.reply->NullBulk();
  ctx.reply->Bulk(v);
}

void CmdLSet(CommandContext& ctx, CmdArgs args) {
  const std::string_view key = args[1];
  ListValue* list;
  if (!FindList(ctx, key, Lookup::kWrite, &list)) return;
  if (list == nullptr) return ctx.Error(kErrNoSuchKey);
  int64_t index;
  if (!ParseInt(args[2], &index)) return ctx.Error(kErrNotInteger);
  if (AnyTooLarge(args, 3)) return ctx.Error(kErrElementTooLarge);
  size_t at;
  if (!ResolveIndex(index, list->Size(), &at)) return ctx.Error(kErrIndexOutOfRange);
  ListEdit edit(ctx, key, list);
  list->Set(at, args[3], Limits(ctx));
  edit.Done();
  ctx.reply->Ok();
  NotifyList(ctx, "lset", key);
}

void CmdLInsert(CommandContext& ctx, CmdArgs args) {
  bool after;
  if (ArgIs(args[2], "AFTER")) {
    after = true;
  } else if (ArgIs(args[2], "BEFORE")) {
    after = false;
  } else {
    return ctx.Error(kErrSyntax);
  }
  const std::string_view key = args[1];
  ListValue* list;
  if (!FindList(ctx, key, Lookup::kWrite, &list)) return;
  if (list == nullptr) return ctx.reply->Integer(0);
  if (AnyTooLarge(args, 4)) return ctx.Error(kErrElementTooLarge);
  ListEdit edit(ctx, key, list);
  if (!list->Insert(args[3], args[4], after, Limits(ctx))) return ctx.reply->Integer(-1);
  edit.Done();
  ctx.reply->Integer(static_cast<int64_t>(list->Size()));
  NotifyList(ctx, "linsert", key);
  KeyReady(ctx, key);
}

void CmdLRem(CommandContext& ctx, CmdArgs args) {
  int64_t count;
  if (!ParseInt(args[2], &count)) return ctx.Error(kErrNotInteger);
  const std::string_view key = args[1];
  ListValue* list;
  if (!FindList(ctx, key, Lookup::kWrite, &list)) return;
  if (list == nullptr) return ctx.reply->Integer(0);
  ListEdit edit(ctx, key, list);
  const size_t removed = list->Remove(args[3], count, Limits(ctx));
  ctx.reply->Integer(static_cast<int64_t>(removed));
  if (removed == 0) return;
  const bool deleted = edit.Done();
  NotifyList(ctx, "lrem", key);
  if (deleted) NotifyDel(ctx, key);
}

void CmdLTrim(CommandContext& ctx, CmdArgs args) {
  int64_t start, stop;
  if (!ParseInt(args[2], &start) || !ParseInt(args[3], &stop)) return ctx.Error(kErrNotInteger);
  const std::string_view key = args[1];
  ListValue* list;
  if (!FindList(ctx, key, Lookup::kWrite, &list)) return;
  if (list == nullptr) return ctx.reply->Ok();
  ListEdit edit(ctx, key, list);
  size_t from, to;
  if (ResolveRange(start, stop, list->Size(), &from, &to)) {
    list->Trim(from, to, Limits(ctx));
  } else {
    list->Clear();
  }
  const bool deleted = edit.Done();
  ctx.reply->Ok();
  NotifyList(ctx, "ltrim", key);
  if (deleted) NotifyDel(ctx, key);
}

void CmdLPos(CommandContext& ctx, CmdArgs args) {
  int64_t rank = 1, count = -1, maxlen = 0;
  for (size_t j = 3; j < args.size(); ++j) {
    const bool more = j + 1 < args.size();
    if (ArgIs(args[j], "RANK") && more) {
      if (!ParseInt(args[++j], &rank)) return ctx.Error(kErrNotInteger);
      if (rank == std::numeric_limits<int64_t>::min()) return ctx.Error(kErrRankRange);
      if (rank == 0) return ctx.Error(kErrRankZero);
    } else if (ArgIs(args[j], "COUNT") && more) {
      if (!ParseInt(args[++j], &count) || count < 0) return ctx.Error(kErrCountNegative);
    } else if (ArgIs(args[j], "MAXLEN") && more) {
      if (!ParseInt(args[++j], &maxlen) || maxlen < 0) return ctx.Error(kErrMaxlenNegative);
    } else {
      return ctx.Error(kErrSyntax);
    }
  }
  ListValue* list;
  if (!FindList(ctx, args[1], Lookup::kRead, &list)) return;
  const bool many = count != -1;
  if (list == nullptr) return many ? ctx.reply->EmptyArray() : ctx.reply->NullBulk();
  std::vector<int64_t> found;
  list->Positions(args[2], rank, many ? static_cast<size_t>(count) : 1,
                  static_cast<size_t>(maxlen), &found);
  if (!many) return found.empty() ? ctx.reply->NullBulk() : ctx.reply->Integer(found[0]);
  ctx.reply->ArrayHeader(static_cast<int64_t>(found.size()));
  for (int64_t i : found) ctx.reply->Integer(i);
}

void MoveGeneric(CommandContext& ctx, std::string_view src, std::string_view dst, End from,
                 End to) {
  ListValue* list;
  if (!FindList(ctx, src, Lookup::kWrite, &list)) return;
  if (list == nullptr) return ctx.reply->NullBulk();
  MoveAndReply(ctx, src, list, dst, from, to);
}

void CmdLMove(CommandContext& ctx, CmdArgs args) {
  End from, to;
  if (!ParseEnd(args[3], &from) || !ParseEnd(args[4], &to)) return ctx.Error(kErrSyntax);
  MoveGeneric(ctx, args[1], args[2], from, to);
}

void CmdRPopLPush(CommandContext& ctx, CmdArgs args) {
  MoveGeneric(ctx, args[1], args[2], End::kTail, End::kHead);
}

void CmdLMPop(CommandContext& ctx, CmdArgs args) {
  MpopArgs a;
  if (!ParseMpop(ctx, args, 1, &a)) return;
  if (Mpop(ctx, a) == MpopResult::kEmpty) ctx.reply->NullArray();
}

}  // namespace

// ---------------------------------------------------------------------------
// Registration.

}  // namespace list_family

void RegisterListCommands(CommandTable* table) {
  constexpr uint32_t kRo = kCmdReadOnly, kW = kCmdWrite, kOom = kCmdDenyOom, kFast = kCmdFast;
  constexpr std::string_view kWriteFast = "@write @list @fast";
  constexpr std::string_view kWriteSlow = "@write @list @slow";
  constexpr std::string_view kReadFast = "@read @list @fast";
  constexpr std::string_view kReadSlow = "@read @list @slow";
  constexpr std::string_view kPushComplexity =
      "O(1) for each element added, so O(N) to add N elements when the command is called with "
      "multiple arguments.";
  constexpr std::string_view kPopComplexity = "O(N) where N is the number of elements returned";

  table->Register(
      MakeSpec("lpush", -3, kW | kOom | kFast, kOneKey, &list_family::CmdLPush,
               {.group = "list",
                .since = "1.0.0",
                .summary = "Prepends one or more elements to a list. Creates the key if it doesn't "
                           "exist.",
                .complexity = kPushComplexity,
                .syntax = "key element [element ...]",
                .acl_categories = kWriteFast}));
  table->Register(
      MakeSpec("rpush", -3, kW | kOom | kFast, kOneKey, &list_family::CmdRPush,
               {.group = "list",
                .since = "1.0.0",
                .summary = "Appends one or more elements to a list. Creates the key if it doesn't "
                           "exist.",
                .complexity = kPushComplexity,
                .syntax = "key element [element ...]",
                .acl_categories = kWriteFast}));
  table->Register(
      MakeSpec("lpushx", -3, kW | kOom | kFast, kOneKey, &list_family::CmdLPushX,
               {.group = "list",
                .since = "2.2.0",
                .summary = "Prepends one or more elements to a list only when the list exists.",
                .complexity = kPushComplexity,
                .syntax = "key element [element ...]",
                .acl_categories = kWriteFast}));
  table->Register(MakeSpec("rpushx", -3, kW | kOom | kFast, kOneKey, &list_family::CmdRPushX,
                           {.group = "list",
                            .since = "2.2.0",
                            .summary = "Appends an element to a list only when the list exists.",
                            .complexity = kPushComplexity,
                            .syntax = "key element [element ...]",
                            .acl_categories = kWriteFast}));
  table->Register(
      MakeSpec("lpop", -2, kW | kFast, kOneKey, &list_family::CmdLPop,
               {.group = "list",
                .since = "1.0.0",
                .summary = "Returns the first elements in a list after removing it. Deletes the "
                           "list if the last element was popped.",
                .complexity = kPopComplexity,
                .syntax = "key [count]",
                .acl_categories = kWriteFast}));
  table->Register(
      MakeSpec("rpop", -2, kW | kFast, kOneKey, &list_family::CmdRPop,
               {.group = "list",
                .since = "1.0.0",
                .summary = "Returns and removes the last elements of the list. Deletes the list if "
                           "the last element was popped.",
                .complexity = kPopComplexity,
                .syntax = "key [count]",
                .acl_categories = kWriteFast}));
  table->Register(MakeSpec("llen", 2, kRo | kFast, kOneKey, &list_family::CmdLLen,
                           {.group = "list",
                            .since = "1.0.0",
                            .summary = "Returns the length of a list.",
                            .complexity = "O(1)",
                            .syntax = "key",
                            .acl_categories = kReadFast}));
  table->Register(MakeSpec(
      "lrange", 4, kRo, kOneKey, &list_family::CmdLRange,
      {.group = "list",
       .since = "1.0.0",
       .summary = "Returns a range of elements from a list.",
       .complexity = "O(S+N) where S is the distance of start offset from HEAD for small "
                     "lists, from nearest end (HEAD or TAIL) for large lists; and N is the "
                     "number of elements in the specified range.",
       .syntax = "key start stop",
       .acl_categories = kReadSlow}));
  table->Register(MakeSpec(
      "lindex", 3, kRo, kOneKey, &list_family::CmdLIndex,
      {.group = "list",
       .since = "1.0.0",
       .summary = "Returns an element from a list by its index.",
       .complexity = "O(N) where N is the number of elements to traverse to get to the "
                     "element at index. This makes asking for the first or the last element "
                     "of the list O(1).",
       .syntax = "key index",
       .acl_categories = kReadSlow}));
  table->Register(
      MakeSpec("lset", 4, kW | kOom, kOneKey, &list_family::CmdLSet,
               {.group = "list",
                .since = "1.0.0",
                .summary = "Sets the value of an element in a list by its index.",
                .complexity = "O(N) where N is the length of the list. Setting either the first or "
                              "the last element of the list is O(1).",
                .syntax = "key index element",
                .acl_categories = kWriteSlow}));
  table->Register(MakeSpec(
      "linsert", 5, kW | kOom, kOneKey, &list_family::CmdLInsert,
      {.group = "list",
       .since = "2.2.0",
       .summary = "Inserts an element before or after another element in a list.",
       .complexity = "O(N) where N is the number of elements to traverse before seeing the "
                     "value pivot. This means that inserting somewhere on the left end on the "
                     "list (head) can be considered O(1) and inserting somewhere on the right "
                     "end (tail) is O(N).",
       .syntax = "key <BEFORE | AFTER> pivot element",
       .acl_categories = kWriteSlow}));
  table->Register(
      MakeSpec("lrem", 4, kW, kOneKey, &list_family::CmdLRem,
               {.group = "list",
                .since = "1.0.0",
                .summary = "Removes elements from a list. Deletes the list if the last element was "
                           "removed.",
                .complexity = "O(N+M) where N is the length of the list and M is the number of "
                              "elements removed.",
                .syntax = "key count element",
                .acl_categories = kWriteSlow}));
  table->Register(
      MakeSpec("ltrim", 4, kW, kOneKey, &list_family::CmdLTrim,
               {.group = "list",
                .since = "1.0.0",
                .summary = "Removes elements from both ends a list. Deletes the list if all "
                           "elements were trimmed.",
                .complexity = "O(N) where N is the number of elements to be removed by the "
                              "operation.",
                .syntax = "key start stop",
                .acl_categories = kWriteSlow}));
  table->Register(
      MakeSpec("lpos", -3, kRo, kOneKey, &list_family::CmdLPos,
               {.group = "list",
                .since = "6.0.6",
                .summary = "Returns the index of matching elements in a list.",
                .complexity = "O(N) where N is the number of elements in the list, for the average "
                              "case. When searching for elements near the head or the tail of the "
                              "list, or when the MAXLEN option is provided, the command may run in "
                              "constant time.",
                .syntax = "key element [RANK rank] [COUNT num-matches] [MAXLEN len]",
                .acl_categories = kReadSlow}));
  table->Register(
      MakeSpec("lmove", 5, kW | kOom, {1, 2, 1}, &list_family::CmdLMove,
               {.group = "list",
                .since = "6.2.0",
                .summary = "Returns an element after popping it from one list and pushing it to "
                           "another. Deletes the list if the last element was moved.",
                .complexity = "O(1)",
                .syntax = "source destination <LEFT | RIGHT> <LEFT | RIGHT>",
                .acl_categories = kWriteSlow}));
  table->Register(
      MakeSpec("rpoplpush", 3, kW | kOom, {1, 2, 1}, &list_family::CmdRPopLPush,
               {.group = "list",
                .since = "1.2.0",
                .summary = "Returns the last element of a list after removing and pushing it to "
                           "another list. Deletes the list if the last element was popped.",
                .complexity = "O(1)",
                .syntax = "source destination",
                .acl_categories = kWriteSlow}));
  CommandSpec lmpop = MakeSpec(
      "lmpop", -4, kW | kCmdMovableKeys, {}, &list_family::CmdLMPop,
      {.group = "list",
       .since = "7.0.0",
       .summary =
           "Returns multiple elements from a list after removing them. Deletes the list if the "
           "last element was popped.",
       .complexity =
           "O(N+M) where N is the number of provided keys and M is the number of elements "
           "returned.",
       .syntax = "numkeys key [key ...] <LEFT | RIGHT> [COUNT count]",
       .acl_categories = kWriteSlow});
  lmpop.keys_finder = &list_family::LmpopKeys;
  table->Register(std::move(lmpop));

  list_family::RegisterBlocking(table);
}

}  // namespace shoal
