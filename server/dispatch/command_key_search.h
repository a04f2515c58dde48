// CodeKeySearch: how COMMAND INFO describes the keys a command finds by code
// (its keys_finder), for the commands whose key specs Redis 7.2 writes as
// "keynum" (ZUNION, EVAL, LMPOP...) or "keyword" (XREAD's STREAMS,
// GEORADIUS's STORE, MIGRATE's KEYS) rather than "unknown". Clients and
// proxies that read key specs can then find those keys without COMMAND
// GETKEYS. A command not listed keeps one "unknown" spec for them.
//
// Invariant: each entry describes exactly what the command's keys_finder
// returns (tests/test_server.py compares every key spec with redis-server's
// and COMMAND GETKEYS with the spec).
#ifndef SHOAL_SERVER_DISPATCH_COMMAND_KEY_SEARCH_H_
#define SHOAL_SERVER_DISPATCH_COMMAND_KEY_SEARCH_H_

#include <cstdint>
#include <string_view>
#include <vector>

namespace shoal {

struct CodeKeySearch {
  enum class Kind : uint8_t { kUnknown, kKeynum, kKeyword };
  Kind kind = Kind::kUnknown;
  // Which of the command's key flags the spec carries: the first key's
  // (CommandSpec::key_flags) or the others' (other_key_flags).
  bool first_key_flags = false;
  bool incomplete = false;  // adds the "incomplete" flag (MIGRATE's KEYS)
  // begin_search: kKeynum "index" at `index`; kKeyword `keyword` searched
  // from `startfrom` (negative: from the end, backwards).
  int index = 0;
  std::string_view keyword;
  int startfrom = 0;
  // find_keys: kKeynum (keynumidx, firstkey, keystep); kKeyword a "range"
  // (lastkey, keystep, limit).
  int keynumidx = 0;
  int firstkey = 1;
  int keystep = 1;
  int lastkey = 0;
  int limit = 0;
};

// The specs replacing the "unknown" one of command `name` (lower case,
// "container|sub" for a subcommand), or null.
const std::vector<CodeKeySearch>* CodeKeySearchOf(std::string_view name);

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_COMMAND_KEY_SEARCH_H_
