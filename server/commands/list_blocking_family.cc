// The blocking list commands: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP.
//
// Each is its non-blocking sibling plus a timeout: when every key is empty
// the handler parks the client with BlockingRegistry::Block (blocking.h) and
// writes no reply. When a push makes one of its keys poppable the registry
// wakes the first client in line and its connection re-runs the very same
// command, which then finds the data (or, if another client was faster,
// blocks again, keeping its place). So there is no separate "serve a blocked
// client" path here: pops stay atomic under the stripe locks and every
// element is delivered exactly once.
//
// Inside MULTI (ctx.in_exec) nothing blocks: an empty source replies nil at
// once, as Redis does (a null array, or a null bulk for BLMOVE/BRPOPLPUSH);
// a client that times out while parked gets a null array for every command. Timeouts are seconds as a double
// (0 = forever), parsed with Redis 7.2's errors; argument errors take the
// precedence Redis gives them (BLPOP: the timeout first; BLMOVE: LEFT/RIGHT
// first; BLMPOP: numkeys, LEFT/RIGHT and COUNT before the timeout).
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "server/commands/list_family.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/errors.h"
#include "server/events/blocking.h"
#include "server/types/list_value.h"

namespace shoal {
namespace list_family {

bool ParseTimeout(CommandContext& ctx, std::string_view arg, int64_t* timeout_ms) {
  long double seconds;
  if (!ParseLongDouble(arg, &seconds)) {
    ctx.Error("ERR timeout is not a float or out of range");
    return false;
  }
  const long double ms = seconds * 1000.0L;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  if (ms > static_cast<long double>(kMax)) {
    ctx.Error("ERR timeout is out of range");
    return false;
  }
  // Rounded up, so that 0.0001 waits 1 ms instead of forever.
  const long double rounded = std::ceil(ms);
  if (rounded < 0) {
    ctx.Error("ERR timeout is negative");
    return false;
  }
  const int64_t t = static_cast<int64_t>(rounded);
  if (t > 0 && t > kMax - ctx.NowMs()) {  // the deadline would overflow
    ctx.Error("ERR timeout is out of range");
    return false;
  }
  *timeout_ms = t;
  return true;
}

namespace {

using Lookup = Store::Lookup;

// Nothing to pop: inside MULTI reply the non-blocking sibling's empty reply
// at once (nil bulk for the moves, as LMOVE); else park the client. A parked
// client that times out gets a null array whatever the command, as in Redis
// (BLMOVE and BRPOPLPUSH included).
void BlockOrReply(CommandContext& ctx, const std::vector<std::string_view>& keys,
                  int64_t timeout_ms, BlockedReply in_multi_reply) {
  if (ctx.in_exec || ctx.server == nullptr) {
    if (in_multi_reply == BlockedReply::kNullArray) {
      ctx.reply->NullArray();
    } else {
      ctx.reply->NullBulk();
    }
    return;
  }
  ctx.server->blocking().Block(ctx, keys, timeout_ms, BlockedReply::kNullArray);
}

void BlockingPop(CommandContext& ctx, CmdArgs args, End end) {
  int64_t timeout_ms;
  if (!ParseTimeout(ctx, args.back(), &timeout_ms)) return;
  std::vector<std::string_view> keys(args.begin() + 1, args.end() - 1);
  for (std::string_view key : keys) {
    ListValue* list;
    if (!FindList(ctx, key, Lookup::kWrite, &list)) return;
    if (list == nullptr || list->Size() == 0) continue;
    ctx.reply->ArrayHeader(2);
    ctx.reply->Bulk(key);
    PopAndReply(ctx, key, list, end, 1);
    return;
  }
  BlockOrReply(ctx, keys, timeout_ms, BlockedReply::kNullArray);
}

void CmdBLPop(CommandContext& ctx, CmdArgs args) { BlockingPop(ctx, args, End::kHead); }
void CmdBRPop(CommandContext& ctx, CmdArgs args) { BlockingPop(ctx, args, End::kTail); }

void BlockingMove(CommandContext& ctx, std::string_view src, std::string_view dst, End from,
                  End to, int64_t timeout_ms) {
  ListValue* list;
  if (!FindList(ctx, src, Lookup::kWrite, &list)) return;
  if (list != nullptr && list->Size() > 0) return MoveAndReply(ctx, src, list, dst, from, to);
  BlockOrReply(ctx, {src}, timeout_ms, BlockedReply::kNullBulk);
}

void CmdBLMove(CommandContext& ctx, CmdArgs args) {
  End from, to;
  if (!ParseEnd(args[3], &from) || !ParseEnd(args[4], &to)) return ctx.Error(kErrSyntax);
  int64_t timeout_ms;
  if (!ParseTimeout(ctx, args[5], &timeout_ms)) return;
  BlockingMove(ctx, args[1], args[2], from, to, timeout_ms);
}

void CmdBRPopLPush(CommandContext& ctx, CmdArgs args) {
  int64_t timeout_ms;
  if (!ParseTimeout(ctx, args[3], &timeout_ms)) return;
  BlockingMove(ctx, args[1], args[2], End::kTail, End::kHead, timeout_ms);
}

void CmdBLMPop(CommandContext& ctx, CmdArgs args) {
  MpopArgs a;
  if (!ParseMpop(ctx, args, 2, &a)) return;
  int64_t timeout_ms;
  if (!ParseTimeout(ctx, args[1], &timeout_ms)) return;
  const MpopResult r = Mpop(ctx, a);
  if (r != MpopResult::kEmpty) return;
  BlockOrReply(ctx, a.keys, timeout_ms, BlockedReply::kNullArray);
}

}  // namespace

void RegisterBlocking(CommandTable* table) {
  constexpr uint32_t kW = kCmdWrite, kOom = kCmdDenyOom, kBlock = kCmdBlocking | kCmdNoScript;  // Redis 7: not from scripts
  constexpr std::string_view kAcl = "@write @list @slow @blocking";
  table->Register(
      MakeSpec("blpop", -3, kW | kBlock, {1, -2, 1}, &CmdBLPop,
               {.group = "list",
                .since = "2.0.0",
                .summary = "Removes and returns the first element in a list. Blocks until an "
                           "element is available otherwise. Deletes the list if the last element "
                           "was popped.",
                .complexity = "O(N) where N is the number of provided keys.",
                .syntax = "key [key ...] timeout",
                .acl_categories = kAcl}));
  table->Register(MakeSpec(
      "brpop", -3, kW | kBlock, {1, -2, 1}, &CmdBRPop,
      {.group = "list",
       .since = "2.0.0",
       .summary = "Removes and returns the last element in a list. Blocks until an element "
                  "is available otherwise. Deletes the list if the last element was "
                  "popped.",
       .complexity = "O(N) where N is the number of provided keys.",
       .syntax = "key [key ...] timeout",
       .acl_categories = kAcl}));
  table->Register(
      MakeSpec("brpoplpush", 4, kW | kOom | kBlock, {1, 2, 1}, &CmdBRPopLPush,
               {.group = "list",
                .since = "2.2.0",
                .summary = "Pops an element from a list, pushes it to another list and returns it. "
                           "Block until an element is available otherwise. Deletes the list if the "
                           "last element was popped.",
                .complexity = "O(1)",
                .syntax = "source destination timeout",
                .acl_categories = kAcl}));
  table->Register(MakeSpec(
      "blmove", 6, kW | kOom | kBlock, {1, 2, 1}, &CmdBLMove,
      {.group = "list",
       .since = "6.2.0",
       .summary = "Pops an element from a list, pushes it to another list and returns it. "
                  "Blocks until an element is available otherwise. Deletes the list if the "
                  "last element was moved.",
       .complexity = "O(1)",
       .syntax = "source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout",
       .acl_categories = kAcl}));
  CommandSpec blmpop = MakeSpec(
      // Unlike the other blocking list commands, Redis 7 lets scripts call
      // BLMPOP (it does not block there, as in MULTI): no noscript flag.
      "blmpop", -5, kW | kCmdBlocking | kCmdMovableKeys, {}, &CmdBLMPop,
      {.group = "list",
       .since = "7.0.0",
       .summary = "Pops the first element from one of multiple lists. Blocks until an element is "
                  "available otherwise. Deletes the list if the last element was popped.",
       .complexity =
           "O(N+M) where N is the number of provided keys and M is the number of elements "
           "returned.",
       .syntax = "timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]",
       .acl_categories = kAcl});
  blmpop.keys_finder = &BlmpopKeys;
  table->Register(std::move(blmpop));
}

}  // namespace list_family
}  // namespace shoal
