// The bitmap family: SETBIT GETBIT BITCOUNT BITPOS BITOP on string values,
// with redis-server 7.0's replies, error texts and checking order; BITFIELD
// and BITFIELD_RO are in bitmap_bitfield_family.cc. The bit arithmetic is in
// server/types/bitfield.h.
//
// Orders that are Redis 7.0's and pinned by tests/test_bitmaps.py and the
// differential sessions: BITCOUNT and BITPOS look the key up before parsing
// their range, so a missing key answers 0 (BITPOS: -1 or 0) whatever the
// range arguments; BITPOS parses its bit first; BITCOUNT answers 0 for two
// negative indexes with start > end before looking at BYTE|BIT.
//
// Writes (SETBIT, BITFIELD) go through BitWriteTarget: a long enough raw
// string is changed in place (no copy of a large bitmap per bit), anything
// else is copied, grown and stored as a new entry that keeps the TTL. A write
// that changes nothing on an existing string of sufficient length publishes
// no event and leaves WATCH alone, as in Redis 7.
//
// Called on a worker thread by the Dispatcher, which has checked arity and
// OOM (SETBIT, BITOP and BITFIELD are denyoom) and locked the keys' stripes.
#include "server/commands/bitmap_family.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "server/commands/families.h"
#include "server/commands/string_family.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/errors.h"
#include "server/events/notify.h"
#include "server/store/entry.h"
#include "server/store/store.h"
#include "server/types/bitfield.h"

namespace shoal {

bool ParseBitOffset(const CommandContext& ctx, std::string_view arg, int hash_bits,
                    uint64_t* offset) {
  const bool use_hash = hash_bits > 0 && !arg.empty() && arg[0] == '#';
  int64_t v;
  if (!ParseInt(use_hash ? arg.substr(1) : arg, &v)) return false;
  if (use_hash)
    v = static_cast<int64_t>(static_cast<uint64_t>(v) * static_cast<uint64_t>(hash_bits));
  if (v < 0 || (v >> 3) >= ProtoMaxBulkLen(ctx)) return false;
  *offset = static_cast<uint64_t>(v);
  return true;
}

bool BitWriteTarget::Open(std::string_view key, uint64_t min_len) {
  key_ = key;
  entry_ = ctx_.store->Find(ctx_.db(), key, Store::Lookup::kWrite);
  if (entry_ != nullptr && entry_->type() != ValueType::kString) {
    ctx_.Error(OpStatus::kWrongType);
    return false;
  }
  if (entry_ == nullptr) {
    created_ = true;
    copy_.assign(min_len, '\0');
  } else if (entry_->encoding() == Encoding::kRaw && entry_->raw_value().size() >= min_len) {
    // Entries are one allocation the stripe holder owns: same-size changes
    // may be made in place.
    const std::string_view v = entry_->raw_value();
    data_ = reinterpret_cast<uint8_t*>(const_cast<char*>(v.data()));
    size_ = v.size();
    return true;
  } else {
    char buf[kIntBufSize];
    const std::string_view v = entry_->StringValue(buf);
    copy_.assign(v);
    if (copy_.size() < min_len) {
      copy_.resize(min_len, '\0');
      grown_ = true;
    }
  }
  data_ = reinterpret_cast<uint8_t*>(copy_.data());
  size_ = copy_.size();
  return true;
}

void BitWriteTarget::Commit(bool changed) {
  const int db = ctx_.db();
  if (created_) {
    ctx_.store->Put(db, Entry::NewString(key_, copy_));
    Notify(ctx_, kNotifyNew, "new", key_);
  } else if (data_ == reinterpret_cast<uint8_t*>(copy_.data())) {
    if (grown_ || changed) {
      ctx_.store->Replace(db, entry_, Entry::NewString(key_, copy_, entry_->expire_ms()));
    }
  } else if (changed) {
    ctx_.store->MarkModified(db, key_);
  }
  entry_ = nullptr;
  data_ = nullptr;
}

namespace {

constexpr std::string_view kErrBitValue = "ERR bit is not an integer or out of range";
constexpr std::string_view kErrBitArg = "ERR The bit argument must be 1 or 0.";
constexpr std::string_view kErrBitOpNot = "ERR BITOP NOT must be called with a single source key.";

// The string at `key` for a read (formatted into buf when int-encoded).
// Returns false after replying WRONGTYPE; *found tells whether it exists.
bool ReadString(CommandContext& ctx, std::string_view key, char* buf, bool* found,
                std::string_view* value) {
  const Entry* e = ctx.store->Find(ctx.db(), key, Store::Lookup::kRead);
  *found = e != nullptr;
  if (e == nullptr) return true;
  if (e->type() != ValueType::kString) {
    ctx.Error(OpStatus::kWrongType);
    return false;
  }
  *value = e->StringValue(buf);
  return true;
}

const uint8_t* Bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// BYTE | BIT keyword: false when it is neither.
bool ParseUnit(std::string_view arg, bool* is_bit) {
  if (ArgIs(arg, "BIT")) {
    *is_bit = true;
  } else if (ArgIs(arg, "BYTE")) {
    *is_bit = false;
  } else {
    return false;
  }
  return true;
}

// Redis's range normalisation for BITCOUNT/BITPOS: negative indexes count
// from the end of `total` units, then both are clamped into [0, total-1].
void NormalizeRange(int64_t total, int64_t* start, int64_t* end) {
  if (*start < 0) *start += total;
  if (*end < 0) *end += total;
  if (*start < 0) *start = 0;
  if (*end < 0) *end = 0;
  if (*end >= total) *end = total - 1;
}

// ---------------------------------------------------------------------------

// SETBIT key offset value
void CmdSetBit(CommandContext& ctx, CmdArgs args) {
  uint64_t offset;
  if (!ParseBitOffset(ctx, args[2], 0, &offset)) return ctx.Error(kErrBitOffset);
  int64_t on;
  if (!ParseInt(args[3], &on) || on < INT_MIN || on > INT_MAX || (on & ~int64_t{1}) != 0) {
    return ctx.Error(kErrBitValue);
  }
  BitWriteTarget target(ctx);
  if (!target.Open(args[1], (offset >> 3) + 1)) return;
  const int old = GetBit(target.data(), target.size(), offset);
  const bool changed = target.resized() || old != on;
  if (changed) SetBit(target.data(), offset, static_cast<int>(on));
  target.Commit(changed);
  if (changed) Notify(ctx, kNotifyString, "setbit", args[1]);
  ctx.reply->Integer(old);
}

// GETBIT key offset
void CmdGetBit(CommandContext& ctx, CmdArgs args) {
  uint64_t offset;
  if (!ParseBitOffset(ctx, args[2], 0, &offset)) return ctx.Error(kErrBitOffset);
  char buf[kIntBufSize];
  bool found;
  std::string_view v;
  if (!ReadString(ctx, args[1], buf, &found, &v)) return;
  ctx.reply->Integer(found ? GetBit(Bytes(v), v.size(), offset) : 0);
}

// BITCOUNT key [start end [BYTE | BIT]]
void CmdBitCount(CommandContext& ctx, CmdArgs args) {
  char buf[kIntBufSize];
  bool found;
  std::string_view v;
  if (!ReadString(ctx, args[1], buf, &found, &v)) return;
  if (!found) return ctx.reply->Integer(0);
  const int64_t len = static_cast<int64_t>(v.size());
  uint64_t first_bit = 0, last_bit = 0;
  if (args.size() == 4 || args.size() == 5) {
    int64_t start, end;
    if (!ParseInt(args[2], &start) || !ParseInt(args[3], &end)) {
      return ctx.Error(OpStatus::kNotInteger);
    }
    if (start < 0 && end < 0 && start > end) return ctx.reply->Integer(0);
    bool is_bit = false;
    if (args.size() == 5 && !ParseUnit(args[4], &is_bit)) return ctx.Error(OpStatus::kSyntax);
    NormalizeRange(is_bit ? len * 8 : len, &start, &end);
    if (start > end) return ctx.reply->Integer(0);
    first_bit = is_bit ? static_cast<uint64_t>(start) : static_cast<uint64_t>(start) * 8;
    last_bit = is_bit ? static_cast<uint64_t>(end) : static_cast<uint64_t>(end) * 8 + 7;
  } else if (args.size() == 2) {
    if (len == 0) return ctx.reply->Integer(0);
    return ctx.reply->Integer(static_cast<int64_t>(PopCount(Bytes(v), v.size())));
  } else {
    return ctx.Error(OpStatus::kSyntax);
  }
  ctx.reply->Integer(static_cast<int64_t>(PopCountBits(Bytes(v), first_bit, last_bit)));
}

// BITPOS key bit [start [end [BYTE | BIT]]]
void CmdBitPos(CommandContext& ctx, CmdArgs args) {
  int64_t bit;
  if (!ParseInt(args[2], &bit)) return ctx.Error(OpStatus::kNotInteger);
  if (bit != 0 && bit != 1) return ctx.Error(kErrBitArg);
  char buf[kIntBufSize];
  bool found;
  std::string_view v;
  if (!ReadString(ctx, args[1], buf, &found, &v)) return;
  // A missing key is an endless run of zeros.
  if (!found) return ctx.reply->Integer(bit ? -1 : 0);
  const int64_t len = static_cast<int64_t>(v.size());
  int64_t start = 0, end = len - 1;
  bool is_bit = false, end_given = false;
  if (args.size() >= 4 && args.size() <= 6) {
    if (!ParseInt(args[3], &start)) return ctx.Error(OpStatus::kNotInteger);
    if (args.size() == 6 && !ParseUnit(args[5], &is_bit)) return ctx.Error(OpStatus::kSyntax);
    if (args.size() >= 5) {
      if (!ParseInt(args[4], &end)) return ctx.Error(OpStatus::kNotInteger);
      end_given = true;
    } else {
      end = is_bit ? len * 8 + 7 : len - 1;
    }
    NormalizeRange(is_bit ? len * 8 : len, &start, &end);
  } else if (args.size() != 3) {
    return ctx.Error(OpStatus::kSyntax);
  }
  // An empty range holds neither a 0 nor a 1.
  if (start > end) return ctx.reply->Integer(-1);
  const uint64_t first_bit =
      is_bit ? static_cast<uint64_t>(start) : static_cast<uint64_t>(start) * 8;
  const uint64_t last_bit =
      is_bit ? static_cast<uint64_t>(end) : static_cast<uint64_t>(end) * 8 + 7;
  const int64_t pos = FindBit(Bytes(v), first_bit, last_bit, static_cast<int>(bit));
  if (pos >= 0 || bit == 1 || end_given) return ctx.reply->Integer(pos);
  // No clear bit up to the end of the string: without an explicit end the
  // string counts as zero-padded, so the answer is the first bit after the
  // range's last byte.
  ctx.reply->Integer(static_cast<int64_t>((last_bit / 8 + 1) * 8));
}

// BITOP <AND | OR | XOR | NOT> destkey key [key ...]
void CmdBitOp(CommandContext& ctx, CmdArgs args) {
  BitOpKind op;
  if (ArgIs(args[1], "AND")) {
    op = BitOpKind::kAnd;
  } else if (ArgIs(args[1], "OR")) {
    op = BitOpKind::kOr;
  } else if (ArgIs(args[1], "XOR")) {
    op = BitOpKind::kXor;
  } else if (ArgIs(args[1], "NOT")) {
    op = BitOpKind::kNot;
  } else {
    return ctx.Error(OpStatus::kSyntax);
  }
  if (op == BitOpKind::kNot && args.size() != 4) return ctx.Error(kErrBitOpNot);
  const size_t count = args.size() - 3;
  std::vector<std::string_view> sources(count);
  // Int-encoded sources are formatted here; the views point into entries or
  // into this storage, and stay valid until the destination is written.
  std::vector<std::string> formatted;
  formatted.reserve(count);
  size_t max_len = 0;
  for (size_t i = 0; i < count; ++i) {
    char buf[kIntBufSize];
    bool found;
    std::string_view v;
    if (!ReadString(ctx, args[3 + i], buf, &found, &v)) return;
    if (found && v.data() == buf) {
      formatted.emplace_back(v);
      v = formatted.back();
    }
    sources[i] = v;
    max_len = std::max(max_len, v.size());
  }
  const std::string_view dest = args[2];
  const int db = ctx.db();
  if (max_len == 0) {
    if (ctx.store->Erase(db, dest)) Notify(ctx, kNotifyGeneric, "del", dest);
    return ctx.reply->Integer(0);
  }
  std::string result(max_len, '\0');
  ApplyBitOp(op, sources.data(), count, reinterpret_cast<uint8_t*>(result.data()), max_len);
  // Like SET: any old value and its TTL are replaced.
  const bool existed = ctx.store->Find(db, dest, Store::Lookup::kWrite) != nullptr;
  ctx.store->Put(db, Entry::NewString(dest, result));
  if (!existed) Notify(ctx, kNotifyNew, "new", dest);
  Notify(ctx, kNotifyString, "set", dest);
  ctx.reply->Integer(static_cast<int64_t>(max_len));
}

}  // namespace

void RegisterBitmapCommands(CommandTable* table) {
  constexpr uint32_t kRo = kCmdReadOnly, kW = kCmdWrite, kOom = kCmdDenyOom, kFast = kCmdFast;
  table->Register(MakeSpec(
      "setbit", 4, kW | kOom, kOneKey, &CmdSetBit,
      {.group = "bitmap",
       .since = "2.2.0",
       .summary =
           "Sets or clears the bit at offset of the string value. Creates the key if it doesn't "
           "exist.",
       .complexity = "O(1)",
       .syntax = "key offset value",
       .acl_categories = "@write @bitmap @slow"}));
  table->Register(MakeSpec("getbit", 3, kRo | kFast, kOneKey, &CmdGetBit,
                           {.group = "bitmap",
                            .since = "2.2.0",
                            .summary = "Returns a bit value by offset.",
                            .complexity = "O(1)",
                            .syntax = "key offset",
                            .acl_categories = "@read @bitmap @fast"}));
  table->Register(
      MakeSpec("bitcount", -2, kRo, kOneKey, &CmdBitCount,
               {.group = "bitmap",
                .since = "2.6.0",
                .summary = "Counts the number of set bits (population counting) in a string.",
                .complexity = "O(N)",
                .syntax = "key [start end [BYTE | BIT]]",
                .acl_categories = "@read @bitmap @slow"}));
  table->Register(MakeSpec("bitpos", -3, kRo, kOneKey, &CmdBitPos,
                           {.group = "bitmap",
                            .since = "2.8.7",
                            .summary = "Finds the first set (1) or clear (0) bit in a string.",
                            .complexity = "O(N)",
                            .syntax = "key bit [start [end [BYTE | BIT]]]",
                            .acl_categories = "@read @bitmap @slow"}));
  table->Register(MakeSpec(
      "bitop", -4, kW | kOom, KeySpan{2, -1, 1}, &CmdBitOp,
      {.group = "bitmap",
       .since = "2.6.0",
       .summary = "Performs bitwise operations on multiple strings, and stores the result.",
       .complexity = "O(N)",
       .syntax = "<AND | OR | XOR | NOT> destkey key [key ...]",
       .acl_categories = "@write @bitmap @slow"}));
  RegisterBitfieldCommands(table);
}

}  // namespace shoal
