// The generic keyspace family, split over three files by what the commands
// act on:
//   keys_family.cc      one or two keys as a whole: DEL UNLINK EXISTS TOUCH
//                       TYPE RENAME RENAMENX COPY MOVE OBJECT
//   expire_family.cc    a key's time to live: EXPIRE PEXPIRE EXPIREAT
//                       PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME PERSIST
//   keyspace_family.cc  a whole database: KEYS SCAN RANDOMKEY DBSIZE FLUSHDB
//                       FLUSHALL SWAPDB
// RegisterKeyCommands (families.h) registers all three; this header is
// internal to the family.
#ifndef SHOAL_SERVER_COMMANDS_KEYS_FAMILY_H_
#define SHOAL_SERVER_COMMANDS_KEYS_FAMILY_H_

#include <cstdint>
#include <string_view>

#include "server/commands/command_table.h"

namespace shoal {

// Key positions as COMMAND INFO reports them (first, last, step); {} = none.
struct KeySpan {
  int first = 0;
  int last = 0;
  int step = 0;
};

// What COMMAND DOCS reports.
struct CommandDocs {
  std::string_view group;
  std::string_view since;
  std::string_view summary;
  std::string_view complexity;
  std::string_view syntax;
  std::string_view acl_categories;
};

// Builds a spec; keeps the family's registration lists short and uniform.
inline CommandSpec MakeSpec(std::string_view name, int arity, uint32_t flags, KeySpan keys,
                            CommandHandler handler, const CommandDocs& docs) {
  CommandSpec spec;
  spec.name = name;
  spec.arity = arity;
  spec.flags = flags;
  spec.first_key = keys.first;
  spec.last_key = keys.last;
  spec.key_step = keys.step;
  spec.handler = handler;
  spec.group = docs.group;
  spec.summary = docs.summary;
  spec.since = docs.since;
  spec.complexity = docs.complexity;
  spec.syntax = docs.syntax;
  spec.acl_categories = docs.acl_categories;
  return spec;
}

void RegisterExpireCommands(CommandTable* table);
void RegisterKeyspaceCommands(CommandTable* table);

}  // namespace shoal

#endif  // SHOAL_SERVER_COMMANDS_KEYS_FAMILY_H_
