// BITFIELD and BITFIELD_RO: GET / SET / INCRBY on integer fields of a string
// value (i1..i64, u1..u63, offsets in bits or "#n" in units of the field's
// width), with OVERFLOW WRAP | SAT | FAIL applying to the operations after it.
//
// As in redis-server 7.0, the whole request is parsed before the key is
// looked up, so any argument error wins over WRONGTYPE, and nothing runs
// unless every operation parsed. A request with a SET or INCRBY opens the
// string for writing grown to its highest written bit (creating the key even
// when every write then FAILs); GETs read zeros past the end. Operations run
// in order, so a GET sees the writes before it. One "setbit" event is
// published when at least one write changed bits (or resized the string), as
// Redis 7 counts changes. BITFIELD_RO accepts only GET, and says so after
// parsing.
//
// Called on a worker thread by the Dispatcher with the key's stripe locked.
#include <cstdint>
#include <string_view>

#include "absl/container/inlined_vector.h"
#include "server/commands/bitmap_family.h"
#include "server/commands/string_family.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/errors.h"
#include "server/events/notify.h"
#include "server/store/entry.h"
#include "server/store/store.h"
#include "server/types/bitfield.h"

namespace shoal {
namespace {

constexpr std::string_view kErrFieldType =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
    "i64 is.";
constexpr std::string_view kErrOverflowType = "ERR Invalid OVERFLOW type specified";
constexpr std::string_view kErrReadOnly = "ERR BITFIELD_RO only supports the GET subcommand";

enum class FieldOp { kGet, kSet, kIncrBy };

struct FieldCommand {
  FieldOp op;
  FieldType type;
  OverflowMode overflow;
  uint64_t offset;
  int64_t value;  // SET value or INCRBY increment
};

using FieldCommands = absl::InlinedVector<FieldCommand, 4>;

// Parses args[2..] into `ops`. Replies the first error and returns false.
// *writes tells whether any SET/INCRBY is present, *max_bit the highest bit
// one of them touches.
bool ParseFieldCommands(CommandContext& ctx, CmdArgs args, FieldCommands* ops, bool* writes,
                        uint64_t* max_bit) {
  OverflowMode overflow = OverflowMode::kWrap;
  for (size_t j = 2; j < args.size(); ++j) {
    const size_t remaining = args.size() - j - 1;
    const std::string_view name = args[j];
    FieldCommand c{};
    if (ArgIs(name, "GET") && remaining >= 2) {
      c.op = FieldOp::kGet;
    } else if (ArgIs(name, "SET") && remaining >= 3) {
      c.op = FieldOp::kSet;
    } else if (ArgIs(name, "INCRBY") && remaining >= 3) {
      c.op = FieldOp::kIncrBy;
    } else if (ArgIs(name, "OVERFLOW") && remaining >= 1) {
      const std::string_view mode = args[++j];
      if (ArgIs(mode, "WRAP")) {
        overflow = OverflowMode::kWrap;
      } else if (ArgIs(mode, "SAT")) {
        overflow = OverflowMode::kSat;
      } else if (ArgIs(mode, "FAIL")) {
        overflow = OverflowMode::kFail;
      } else {
        ctx.Error(kErrOverflowType);
        return false;
      }
      continue;
    } else {
      ctx.Error(OpStatus::kSyntax);
      return false;
    }
    if (!ParseFieldType(args[j + 1], &c.type)) {
      ctx.Error(kErrFieldType);
      return false;
    }
    if (!ParseBitOffset(ctx, args[j + 2], c.type.bits, &c.offset)) {
      ctx.Error(kErrBitOffset);
      return false;
    }
    if (c.op != FieldOp::kGet) {
      *writes = true;
      const uint64_t last = c.offset + static_cast<uint64_t>(c.type.bits) - 1;
      if (last > *max_bit) *max_bit = last;
      if (!ParseInt(args[j + 3], &c.value)) {
        ctx.Error(OpStatus::kNotInteger);
        return false;
      }
    }
    c.overflow = overflow;
    ops->push_back(c);
    j += c.op == FieldOp::kGet ? 2 : 3;
  }
  return true;
}

int64_t ReadField(const uint8_t* p, size_t len, const FieldCommand& c) {
  if (c.type.is_signed) return GetSignedField(p, len, c.offset, c.type.bits);
  return static_cast<int64_t>(GetUnsignedField(p, len, c.offset, c.type.bits));
}

// What a SET or INCRBY did.
enum class WriteOutcome { kRefused, kSameBits, kChanged };

// Runs a SET or INCRBY on the open string and replies its result (the old
// value for SET, the new one for INCRBY, nil when OVERFLOW FAIL refused it).
WriteOutcome RunWrite(CommandContext& ctx, BitWriteTarget& t, const FieldCommand& c) {
  const int64_t old = ReadField(t.data(), t.size(), c);
  const FieldResult r = c.op == FieldOp::kSet ? FieldArith(c.type, c.value, 0, c.overflow)
                                              : FieldArith(c.type, old, c.value, c.overflow);
  if (r.overflow && c.overflow == OverflowMode::kFail) {
    ctx.reply->NullBulk();
    return WriteOutcome::kRefused;
  }
  SetField(t.data(), c.offset, c.type.bits, r.value);
  ctx.reply->Integer(c.op == FieldOp::kSet ? old : static_cast<int64_t>(r.value));
  const uint64_t mask = c.type.bits == 64 ? ~uint64_t{0} : (uint64_t{1} << c.type.bits) - 1;
  return (static_cast<uint64_t>(old) & mask) != (r.value & mask) ? WriteOutcome::kChanged
                                                                 : WriteOutcome::kSameBits;
}

void BitfieldGeneric(CommandContext& ctx, CmdArgs args, bool read_only_command) {
  FieldCommands ops;
  bool writes = false;
  uint64_t max_bit = 0;
  if (!ParseFieldCommands(ctx, args, &ops, &writes, &max_bit)) return;
  const std::string_view key = args[1];
  if (!writes) {
    char buf[kIntBufSize];
    std::string_view v;
    const Entry* e = ctx.store->Find(ctx.db(), key, Store::Lookup::kRead);
    if (e != nullptr) {
      if (e->type() != ValueType::kString) return ctx.Error(OpStatus::kWrongType);
      v = e->StringValue(buf);
    }
    const uint8_t* p = reinterpret_cast<const uint8_t*>(v.data());
    ctx.reply->ArrayHeader(static_cast<int64_t>(ops.size()));
    for (const FieldCommand& c : ops) ctx.reply->Integer(ReadField(p, v.size(), c));
    return;
  }
  if (read_only_command) return ctx.Error(kErrReadOnly);
  BitWriteTarget target(ctx);
  if (!target.Open(key, (max_bit >> 3) + 1)) return;
  ctx.reply->ArrayHeader(static_cast<int64_t>(ops.size()));
  bool changed = false;
  for (const FieldCommand& c : ops) {
    if (c.op == FieldOp::kGet) {
      ctx.reply->Integer(ReadField(target.data(), target.size(), c));
      continue;
    }
    // A write that was not refused counts as a change when it resized the
    // string, even if the bits were already those (Redis's "dirty").
    const WriteOutcome w = RunWrite(ctx, target, c);
    if (w == WriteOutcome::kChanged || (w == WriteOutcome::kSameBits && target.resized())) {
      changed = true;
    }
  }
  target.Commit(changed);
  if (changed) Notify(ctx, kNotifyString, "setbit", key);
}

void CmdBitfield(CommandContext& ctx, CmdArgs args) { BitfieldGeneric(ctx, args, false); }
void CmdBitfieldRo(CommandContext& ctx, CmdArgs args) { BitfieldGeneric(ctx, args, true); }

}  // namespace

void RegisterBitfieldCommands(CommandTable* table) {
  table->Register(MakeSpec(
      "bitfield", -2, kCmdWrite | kCmdDenyOom, kOneKey, &CmdBitfield,
      {.group = "bitmap",
       .since = "3.2.0",
       .summary = "Performs arbitrary bitfield integer operations on strings.",
       .complexity = "O(1) for each subcommand specified",
       .syntax = "key [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset "
                 "value | INCRBY encoding offset increment> [GET encoding offset | [OVERFLOW "
                 "<WRAP | SAT | FAIL>] <SET encoding offset value | INCRBY encoding offset "
                 "increment> ...]]",
       .acl_categories = "@write @bitmap @slow"}));
  table->Register(
      MakeSpec("bitfield_ro", -2, kCmdReadOnly | kCmdFast, kOneKey, &CmdBitfieldRo,
               {.group = "bitmap",
                .since = "6.0.0",
                .summary = "Performs arbitrary read-only bitfield integer operations on strings.",
                .complexity = "O(1) for each subcommand specified",
                .syntax = "key [GET encoding offset [GET encoding offset ...]]",
                .acl_categories = "@read @bitmap @fast"}));
}

}  // namespace shoal
