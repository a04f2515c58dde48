// Operations shared by the list family's two files: list_family.cc (the
// non-blocking commands and the registration of all of them) and
// list_blocking_family.cc (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP, which run
// the same pops and moves and, finding nothing, park the client).
//
// Every function runs inside a handler, with the stripes of its keys held by
// the dispatcher, and replies to the client as documented.
#ifndef SHOAL_SERVER_COMMANDS_LIST_FAMILY_H_
#define SHOAL_SERVER_COMMANDS_LIST_FAMILY_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "server/dispatch/command.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/command_table.h"
#include "server/store/store.h"
#include "server/types/list_value.h"

namespace shoal {
namespace list_family {

using End = ListValue::End;

// list-max-listpack-size as node limits.
ListLimits Limits(const CommandContext& ctx);

// The list at key into *out (null when the key does not exist). Returns
// false, after replying WRONGTYPE, when the key holds another type.
bool FindList(CommandContext& ctx, std::string_view key, Store::Lookup mode, ListValue** out);

// LEFT / RIGHT (case-insensitive).
bool ParseEnd(std::string_view arg, End* end);

// Replies `n` elements (1 <= n <= size) popped from `end` of the list at
// `key` as bulk strings (the caller wrote any header), then accounts the
// change, notifies lpop/rpop, and deletes the key if it emptied ("del").
void PopAndReply(CommandContext& ctx, std::string_view key, ListValue* list, End end, size_t n);

// LMOVE's work once the source is known to be a non-empty list: checks the
// destination's type (WRONGTYPE), moves one element from `from` of source to
// `to` of destination (creating it), and replies the element.
void MoveAndReply(CommandContext& ctx, std::string_view src, ListValue* src_list,
                  std::string_view dst, End from, End to);

// LMPOP / BLMPOP arguments: numkeys key [key ...] LEFT|RIGHT [COUNT count].
struct MpopArgs {
  std::vector<std::string_view> keys;
  End end = End::kHead;
  int64_t count = 1;
};
// Parses args from numkeys_idx; false after replying the error.
bool ParseMpop(CommandContext& ctx, CmdArgs args, size_t numkeys_idx, MpopArgs* out);
// Keys finder for LMPOP (numkeys at 1) and BLMPOP (numkeys at 2). Reports no
// keys for a malformed numkeys: the handler then replies Redis's error.
bool LmpopKeys(CmdArgs args, std::vector<int>* out);
bool BlmpopKeys(CmdArgs args, std::vector<int>* out);

enum class MpopResult { kServed, kEmpty, kError };
// Pops from the first non-empty list among the keys and replies
// [key, [elements]]; replies nothing when all are empty; WRONGTYPE on the
// first key of another type met before a non-empty list.
MpopResult Mpop(CommandContext& ctx, const MpopArgs& a);

// A blocking command's timeout (seconds, fractional) in ms, 0 = forever;
// false after replying Redis's error.
bool ParseTimeout(CommandContext& ctx, std::string_view arg, int64_t* timeout_ms);

// Keyspace event for a list change.
void NotifyList(CommandContext& ctx, std::string_view event, std::string_view key);


// Registers the blocking commands (list_blocking_family.cc).
void RegisterBlocking(CommandTable* table);

}  // namespace list_family
}  // namespace shoal

#endif  // SHOAL_SERVER_COMMANDS_LIST_FAMILY_H_
