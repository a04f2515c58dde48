// Key flags: what a command does to each of its keys, in the words of
// Redis 7's key specs (COMMAND INFO "flags" of a key spec).
//
// Two groups, as Redis defines them. How the command treats the value:
// exactly one of RO (reads it), RW (modifies it), OW (overwrites it without
// reading), RM (removes it). What the user sees done: `access` (data of the
// key is returned, copied or used), `update`, `insert`, `delete`. ACL key
// permissions are decided from the second group only: a key needs %R when
// it is accessed and %W when it is updated, inserted into or deleted from —
// so INCR needs R and W, SET (no GET) W only, EXISTS neither (the key must
// still match some pattern).
//
// Most commands treat all their keys alike. Those that do not (COPY src dst,
// SUNIONSTORE dst key..., LMOVE src dst, SORT key ... STORE dst, BITOP op
// dst key...) treat their first key one way and every later key another,
// so a spec carries two flag sets: `key_flags` for the first key found by
// CommandTable::KeyIndexes and `other_key_flags` for the rest. SET and
// BITFIELD decide from their arguments (Redis's variable_flags).
//
// The flags of every command Redis 7.0 has are kept in one table here
// (key_flags.cc), checked side by side against redis-server's COMMAND INFO
// and COMMAND GETKEYSANDFLAGS; CommandTable::Register fills them into each
// spec. Pure data, immutable after start-up; any thread.
#ifndef SHOAL_SERVER_DISPATCH_KEY_FLAGS_H_
#define SHOAL_SERVER_DISPATCH_KEY_FLAGS_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "server/dispatch/command.h"

namespace shoal {

enum KeyFlag : uint16_t {
  kKeyRO = 1u << 0,
  kKeyRW = 1u << 1,
  kKeyOW = 1u << 2,
  kKeyRM = 1u << 3,
  kKeyAccess = 1u << 4,
  kKeyUpdate = 1u << 5,
  kKeyInsert = 1u << 6,
  kKeyDelete = 1u << 7,
  kKeyNotKey = 1u << 8,
  kKeyIncomplete = 1u << 9,
  kKeyVariableFlags = 1u << 10,
};

// Fills spec->key_flags / other_key_flags (and those of its subcommands)
// from the table, or, for a command the table does not know, from its
// command flags (readonly: RO access; write: RW access update).
void AssignKeyFlags(CommandSpec* spec);

// Flags of the key at `ordinal` (0 = first) among those KeyIndexes found for
// this request; resolves variable flags (SET ... GET, BITFIELD's SET/INCRBY).
uint16_t KeyFlagsOf(const CommandSpec& spec, CmdArgs args, size_t ordinal);

// "RW", "access", "update"... in Redis's order (COMMAND INFO, GETKEYSANDFLAGS).
std::vector<std::string_view> KeyFlagNames(uint16_t flags);

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_KEY_FLAGS_H_
