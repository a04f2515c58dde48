// Command introspection replies: COMMAND / COMMAND INFO (the facts clients
// route by: arity, flags, key positions, key specs) and COMMAND DOCS (summary,
// group, complexity and the argument tree that redis-cli 7 turns into its
// typing hints).
//
// The argument tree is not written by hand for each command: it is derived
// from the spec's `syntax` string, the form Redis's documentation prints
// ("key value [NX | XX] [GET] [EX seconds | PX milliseconds]"). The grammar:
//   UPPER        a token (a word without lower-case letters: NX, "", *, ~)
//   lower        an argument, named as written; its type (key, integer,
//                double, pattern, unix-time, string) is inferred from the name
//   [ ... ]      optional; <...> groups without making optional
//   a | b        alternatives (a oneof) inside [ ] or < >
//   x [x ...]    repetition of the preceding element(s) (multiple)
// A token binds to the element that follows it (EX seconds); inside a group,
// a token followed by two or more elements heads a block (LIMIT offset
// count). Names of oneof/block nodes join their children's names with '_'
// (nx_xx, field_value), as Redis names most of its own.
//
// Everything here is pure: no locks, no server state; safe from any thread.
#ifndef SHOAL_SERVER_DISPATCH_COMMAND_DOCS_H_
#define SHOAL_SERVER_DISPATCH_COMMAND_DOCS_H_

#include <string>
#include <string_view>
#include <vector>

#include "protocol/reply_builder.h"
#include "server/dispatch/command.h"
#include "server/dispatch/command_table.h"

namespace shoal {

// One node of COMMAND DOCS "arguments".
struct DocArg {
  enum class Type {
    kString,
    kInteger,
    kDouble,
    kKey,
    kPattern,
    kUnixTime,
    kPureToken,
    kOneOf,
    kBlock
  };
  std::string name;
  Type type = Type::kString;
  std::string token;  // empty: none
  bool optional = false;
  bool multiple = false;
  bool multiple_token = false;  // the token repeats with each value (GET p [GET p ...])
  std::vector<DocArg> args;     // children of kOneOf / kBlock
};

// "string", "integer", ..., "oneof", "block" as COMMAND DOCS spells them.
std::string_view DocArgTypeName(DocArg::Type t);

// Parses a syntax string. `command_words` are leading words to skip when the
// syntax repeats the command's own name ("CONFIG GET parameter ..."), matched
// case-insensitively. `has_keys`: whether key-looking names are typed "key".
std::vector<DocArg> ParseSyntax(std::string_view syntax, bool has_keys,
                                const std::vector<std::string_view>& command_words = {});
// The argument tree of a spec (from spec.syntax).
std::vector<DocArg> CommandArguments(const CommandSpec& spec);

// Renders a tree back as redis-cli shows hints: "key value [NX|XX] [GET]".
// Used by tests to check that parsing loses nothing.
std::string RenderArguments(const std::vector<DocArg>& args);

// ACL categories of a spec ("@read", "@string", "@fast"...): spec.acl_categories
// when set, otherwise derived from its flags and group.
std::vector<std::string> AclCategories(const CommandSpec& spec);

// Looks up a command by its full name as COMMAND INFO/DOCS take it: "get",
// "GET", "config|get". Null if unknown.
const CommandSpec* FindByFullName(const CommandTable& table, std::string_view name);

// One COMMAND INFO entry (10 fields, subcommands nested).
void ReplyCommandInfo(ReplyBuilder* rb, const CommandSpec& spec);
// The docs map of one command (the value under its name in COMMAND DOCS).
void ReplyCommandDocs(ReplyBuilder* rb, const CommandSpec& spec);

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_COMMAND_DOCS_H_
