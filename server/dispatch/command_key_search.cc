// The table behind CodeKeySearchOf: Redis 7.2's key specs for keys found by
// code, written from the commands' documented syntax (KEYS/numkeys counts,
// keywords and where their search starts).
#include "server/dispatch/command_key_search.h"

#include "absl/container/flat_hash_map.h"

namespace shoal {
namespace {

using K = CodeKeySearch::Kind;

// numkeys at `index`, then that many keys.
CodeKeySearch Keynum(int index, bool first_flags = false) {
  CodeKeySearch s;
  s.kind = K::kKeynum;
  s.first_key_flags = first_flags;
  s.index = index;
  s.keynumidx = 0;
  s.firstkey = 1;
  s.keystep = 1;
  return s;
}

// The keys after `keyword` (found from `startfrom`): one (lastkey 0), or
// the rest of the arguments (lastkey -1) divided by `limit`.
CodeKeySearch Keyword(std::string_view keyword, int startfrom, int lastkey, int limit,
                      bool incomplete = false) {
  CodeKeySearch s;
  s.kind = K::kKeyword;
  s.keyword = keyword;
  s.startfrom = startfrom;
  s.lastkey = lastkey;
  s.keystep = 1;
  s.limit = limit;
  s.incomplete = incomplete;
  return s;
}

CodeKeySearch Unknown(bool first_flags) {
  CodeKeySearch s;
  s.first_key_flags = first_flags;
  return s;
}

const absl::flat_hash_map<std::string_view, std::vector<CodeKeySearch>>& Table() {
  static const auto* table = new absl::flat_hash_map<std::string_view, std::vector<CodeKeySearch>>{
      // Scripts: EVAL script numkeys key... arg...
      {"eval", {Keynum(2)}},
      {"eval_ro", {Keynum(2)}},
      {"evalsha", {Keynum(2)}},
      {"evalsha_ro", {Keynum(2)}},
      {"fcall", {Keynum(2)}},
      {"fcall_ro", {Keynum(2)}},
      // numkeys first: LMPOP numkeys key... / BLMPOP timeout numkeys key...
      {"lmpop", {Keynum(1)}},
      {"blmpop", {Keynum(2)}},
      {"zmpop", {Keynum(1)}},
      {"bzmpop", {Keynum(2)}},
      {"sintercard", {Keynum(1)}},
      {"zintercard", {Keynum(1)}},
      {"zunion", {Keynum(1)}},
      {"zinter", {Keynum(1)}},
      {"zdiff", {Keynum(1)}},
      // destination numkeys key...: the destination is the range spec
      {"zunionstore", {Keynum(2)}},
      {"zinterstore", {Keynum(2)}},
      {"zdiffstore", {Keynum(2)}},
      // STREAMS key... id...: half of what follows the keyword
      {"xread", {Keyword("STREAMS", 1, -1, 2)}},
      {"xreadgroup", {Keyword("STREAMS", 4, -1, 2)}},
      // GEORADIUS key lon lat radius unit [...] STORE|STOREDIST key
      {"georadius", {Keyword("STORE", 6, 0, 0), Keyword("STOREDIST", 6, 0, 0)}},
      {"georadiusbymember", {Keyword("STORE", 5, 0, 0), Keyword("STOREDIST", 5, 0, 0)}},
      // MIGRATE host port "" db timeout ... KEYS key...: searched from the
      // end, and incomplete (a key named "KEYS" could fool the search)
      {"migrate", {Keyword("KEYS", -2, -1, 0, /*incomplete=*/true)}},
      // SORT key [BY pattern] [GET pattern...] [STORE dst]: the patterns
      // name keys only through the sorted values, so both stay unknown
      {"sort", {Unknown(/*first_flags=*/true), Unknown(/*first_flags=*/false)}},
  };
  return *table;
}

}  // namespace

const std::vector<CodeKeySearch>* CodeKeySearchOf(std::string_view name) {
  auto it = Table().find(name);
  return it == Table().end() ? nullptr : &it->second;
}

}  // namespace shoal
