// APPEND STRLEN GETRANGE SUBSTR SETRANGE: the string family's commands on a
// value's length and byte ranges (see string_family.h for the other parts),
// with Redis 7.2's replies and error texts, pinned by tests/test_strings.py.
//
// APPEND and SETRANGE build the new value and swap it in keeping the key's
// TTL (string_family::OverwriteKeepTtl); a result longer than
// proto-max-bulk-len is refused before anything is built, as Redis's
// checkStringLength does. Int-encoded values are read through a stack buffer.
//
// Called on a worker thread by the Dispatcher, which has already checked
// arity and locked the stripe of the key.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>

#include "server/commands/string_family.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/errors.h"
#include "server/store/entry.h"
#include "server/store/store.h"

namespace shoal {
namespace {

using Lookup = Store::Lookup;
using string_family::NotifyWrite;
using string_family::OverwriteKeepTtl;

constexpr std::string_view kErrOffsetRange = "ERR offset is out of range";

// Redis's checkStringLength: would a string of `base + add` bytes be too long?
bool ExceedsMaxLength(const CommandContext& ctx, int64_t base, int64_t add) {
  if (base > std::numeric_limits<int64_t>::max() - add) return true;
  return base + add > ProtoMaxBulkLen(ctx);
}

// A string entry's value, formatted into `buf` when int-encoded.
std::string_view ValueOf(const Entry* e, char* buf) { return e->StringValue(buf); }

void CmdAppend(CommandContext& ctx, CmdArgs args) {
  const std::string_view key = args[1], tail = args[2];
  Entry* e = ctx.store->Find(ctx.db(), key, Lookup::kWrite);
  if (e == nullptr) {
    ctx.store->Put(ctx.db(), Entry::NewString(key, tail));
    NotifyWrite(ctx, key, /*created=*/true, "append");
    return ctx.reply->Integer(static_cast<int64_t>(tail.size()));
  }
  if (e->type() != ValueType::kString) return ctx.Error(OpStatus::kWrongType);
  char buf[kIntBufSize];
  const std::string_view old = ValueOf(e, buf);
  if (ExceedsMaxLength(ctx, static_cast<int64_t>(old.size()), static_cast<int64_t>(tail.size()))) {
    return ctx.Error(OpStatus::kStringTooLong);
  }
  const int64_t new_len = static_cast<int64_t>(old.size() + tail.size());
  if (!tail.empty()) {
    std::string joined;
    joined.reserve(old.size() + tail.size());
    joined.append(old).append(tail);
    OverwriteKeepTtl(ctx, e, key, joined);
  } else {
    // Nothing changes, yet Redis signals the key as modified: WATCH aborts
    // and tracking clients get an invalidation.
    ctx.store->MarkModified(ctx.db(), key);
  }
  NotifyWrite(ctx, key, /*created=*/false, "append");
  ctx.reply->Integer(new_len);
}

void CmdStrLen(CommandContext& ctx, CmdArgs args) {
  Entry* e = ctx.store->Find(ctx.db(), args[1], Lookup::kRead);
  if (e == nullptr) return ctx.reply->Integer(0);
  if (e->type() != ValueType::kString) return ctx.Error(OpStatus::kWrongType);
  ctx.reply->Integer(static_cast<int64_t>(e->StringLength()));
}

// GETRANGE key start end (and SUBSTR). Both ends inclusive; negative indexes
// count from the end. Redis 7.2 clamps a negative end to 0 rather than
// returning nothing, so GETRANGE s -100 -90 returns the first byte.
void CmdGetRange(CommandContext& ctx, CmdArgs args) {
  int64_t start, end;
  if (!ParseInt(args[2], &start) || !ParseInt(args[3], &end)) {
    return ctx.Error(OpStatus::kNotInteger);
  }
  Entry* e = ctx.store->Find(ctx.db(), args[1], Lookup::kRead);
  if (e == nullptr) return ctx.reply->Bulk("");
  if (e->type() != ValueType::kString) return ctx.Error(OpStatus::kWrongType);
  char buf[kIntBufSize];
  const std::string_view s = ValueOf(e, buf);
  const int64_t len = static_cast<int64_t>(s.size());
  if (start < 0 && end < 0 && start > end) return ctx.reply->Bulk("");
  if (start < 0) start += len;
  if (end < 0) end += len;
  start = std::max<int64_t>(start, 0);
  end = std::max<int64_t>(end, 0);
  if (end >= len) end = len - 1;
  if (len == 0 || start > end) return ctx.reply->Bulk("");
  ctx.reply->Bulk(s.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
}

void CmdSetRange(CommandContext& ctx, CmdArgs args) {
  int64_t offset;
  if (!ParseInt(args[2], &offset)) return ctx.Error(OpStatus::kNotInteger);
  if (offset < 0) return ctx.Error(kErrOffsetRange);
  const std::string_view key = args[1], patch = args[3];
  Entry* e = ctx.store->Find(ctx.db(), key, Lookup::kWrite);
  if (e != nullptr && e->type() != ValueType::kString) return ctx.Error(OpStatus::kWrongType);
  char buf[kIntBufSize];
  const std::string_view old = e != nullptr ? ValueOf(e, buf) : std::string_view();
  // Writing nothing changes nothing (and creates no key).
  if (patch.empty()) return ctx.reply->Integer(static_cast<int64_t>(old.size()));
  if (ExceedsMaxLength(ctx, offset, static_cast<int64_t>(patch.size()))) {
    return ctx.Error(OpStatus::kStringTooLong);
  }
  const size_t off = static_cast<size_t>(offset);
  std::string value(std::max(old.size(), off + patch.size()), '\0');
  if (!old.empty()) std::memcpy(value.data(), old.data(), old.size());
  std::memcpy(value.data() + off, patch.data(), patch.size());
  const bool created = e == nullptr;
  OverwriteKeepTtl(ctx, e, key, value);
  NotifyWrite(ctx, key, created, "setrange");
  ctx.reply->Integer(static_cast<int64_t>(value.size()));
}

constexpr std::string_view kRangeComplexity =
    "O(N) where N is the length of the returned string. The complexity is ultimately "
    "determined by the returned length, but because creating a substring from an existing "
    "string is very cheap, it can be considered O(1) for small strings.";

}  // namespace

void RegisterStringRangeCommands(CommandTable* table) {
  constexpr uint32_t kRo = kCmdReadOnly, kW = kCmdWrite, kOom = kCmdDenyOom, kFast = kCmdFast;
  constexpr std::string_view kReadFast = "@read @string @fast";
  constexpr std::string_view kReadSlow = "@read @string @slow";
  constexpr std::string_view kWriteFast = "@write @string @fast";
  constexpr std::string_view kWriteSlow = "@write @string @slow";

  table->Register(MakeSpec(
      "append", 3, kW | kOom | kFast, kOneKey, &CmdAppend,
      {.group = "string",
       .since = "2.0.0",
       .summary = "Appends a string to the value of a key. Creates the key if it doesn't exist.",
       .complexity =
           "O(1). The amortized time complexity is O(1) assuming the appended value is small and "
           "the already present value is of any size, since the dynamic string library used by "
           "Redis will double the free space available on every reallocation.",
       .syntax = "key value",
       .acl_categories = kWriteFast}));
  table->Register(MakeSpec("strlen", 2, kRo | kFast, kOneKey, &CmdStrLen,
                           {.group = "string",
                            .since = "2.2.0",
                            .summary = "Returns the length of a string value.",
                            .complexity = "O(1)",
                            .syntax = "key",
                            .acl_categories = kReadFast}));
  table->Register(MakeSpec("getrange", 4, kRo, kOneKey, &CmdGetRange,
                           {.group = "string",
                            .since = "2.4.0",
                            .summary = "Returns a substring of the string stored at a key.",
                            .complexity = kRangeComplexity,
                            .syntax = "key start end",
                            .acl_categories = kReadSlow}));
  table->Register(MakeSpec("substr", 4, kRo, kOneKey, &CmdGetRange,
                           {.group = "string",
                            .since = "1.0.0",
                            .summary = "Returns a substring from a string value.",
                            .complexity = kRangeComplexity,
                            .syntax = "key start end",
                            .acl_categories = kReadSlow}));
  table->Register(MakeSpec(
      "setrange", 4, kW | kOom, kOneKey, &CmdSetRange,
      {.group = "string",
       .since = "2.2.0",
       .summary =
           "Overwrites a part of a string value with another by an offset. Creates the key if it "
           "doesn't exist.",
       .complexity =
           "O(1), not counting the time taken to copy the new string in place. Usually, this "
           "string is very small so the amortized complexity is O(1). Otherwise, complexity is "
           "O(M) with M being the length of the value argument.",
       .syntax = "key offset value",
       .acl_categories = kWriteSlow}));
}

}  // namespace shoal
