// Key flags implementation: the table of Redis 7.0's key-spec flags for
// every command that has keys, and the variable flags of SET and BITFIELD.
//
// The table was produced from redis-server 7.0's COMMAND INFO (the flags of
// each key spec; for commands with several, the first key's and the later
// keys'); tests/test_acl_keys.py compares COMMAND GETKEYSANDFLAGS and ACL
// DRYRUN with redis-server's for a representative set. A command missing
// here (one Redis 7.0 lacks) gets flags derived from its command flags.
#include "server/dispatch/key_flags.h"

#include <algorithm>

#include "base/strings.h"

namespace shoal {
namespace {

struct KeyFlagsRow {
  std::string_view name;  // full name: "get", "xgroup|create"
  uint16_t first;
  uint16_t rest = 0;  // 0: as `first`
};

// Sorted by name (binary search). Shard channels are "keys" for cluster
// routing only: not_key.
constexpr KeyFlagsRow kRows[] = {
    {"append", kKeyRW | kKeyInsert},
    {"bitcount", kKeyRO | kKeyAccess},
    {"bitfield", kKeyRW | kKeyAccess | kKeyUpdate | kKeyVariableFlags},
    {"bitfield_ro", kKeyRO | kKeyAccess},
    {"bitop", kKeyOW | kKeyUpdate, kKeyRO | kKeyAccess},
    {"bitpos", kKeyRO | kKeyAccess},
    {"blmove", kKeyRW | kKeyAccess | kKeyDelete, kKeyRW | kKeyInsert},
    {"blmpop", kKeyRW | kKeyAccess | kKeyDelete},
    {"blpop", kKeyRW | kKeyAccess | kKeyDelete},
    {"brpop", kKeyRW | kKeyAccess | kKeyDelete},
    {"brpoplpush", kKeyRW | kKeyAccess | kKeyDelete, kKeyRW | kKeyInsert},
    {"bzmpop", kKeyRW | kKeyAccess | kKeyDelete},
    {"bzpopmax", kKeyRW | kKeyAccess | kKeyDelete},
    {"bzpopmin", kKeyRW | kKeyAccess | kKeyDelete},
    {"copy", kKeyRO | kKeyAccess, kKeyOW | kKeyUpdate},
    {"decr", kKeyRW | kKeyAccess | kKeyUpdate},
    {"decrby", kKeyRW | kKeyAccess | kKeyUpdate},
    {"del", kKeyRM | kKeyDelete},
    {"dump", kKeyRO | kKeyAccess},
    {"eval", kKeyRW | kKeyAccess | kKeyUpdate},
    {"eval_ro", kKeyRO | kKeyAccess},
    {"evalsha", kKeyRW | kKeyAccess | kKeyUpdate},
    {"evalsha_ro", kKeyRO | kKeyAccess},
    {"exists", kKeyRO},
    {"expire", kKeyRW | kKeyUpdate},
    {"expireat", kKeyRW | kKeyUpdate},
    {"expiretime", kKeyRO | kKeyAccess},
    {"fcall", kKeyRW | kKeyAccess | kKeyUpdate},
    {"fcall_ro", kKeyRO | kKeyAccess},
    {"geoadd", kKeyRW | kKeyUpdate},
    {"geodist", kKeyRO | kKeyAccess},
    {"geohash", kKeyRO | kKeyAccess},
    {"geopos", kKeyRO | kKeyAccess},
    {"georadius", kKeyRO | kKeyAccess, kKeyOW | kKeyUpdate},
    {"georadius_ro", kKeyRO | kKeyAccess},
    {"georadiusbymember", kKeyRO | kKeyAccess, kKeyOW | kKeyUpdate},
    {"georadiusbymember_ro", kKeyRO | kKeyAccess},
    {"geosearch", kKeyRO | kKeyAccess},
    {"geosearchstore", kKeyOW | kKeyUpdate, kKeyRO | kKeyAccess},
    {"get", kKeyRO | kKeyAccess},
    {"getbit", kKeyRO | kKeyAccess},
    {"getdel", kKeyRW | kKeyAccess | kKeyDelete},
    {"getex", kKeyRW | kKeyAccess | kKeyUpdate},
    {"getrange", kKeyRO | kKeyAccess},
    {"getset", kKeyRW | kKeyAccess | kKeyUpdate},
    {"hdel", kKeyRW | kKeyDelete},
    {"hexists", kKeyRO},
    {"hget", kKeyRO | kKeyAccess},
    {"hgetall", kKeyRO | kKeyAccess},
    {"hincrby", kKeyRW | kKeyAccess | kKeyUpdate},
    {"hincrbyfloat", kKeyRW | kKeyAccess | kKeyUpdate},
    {"hkeys", kKeyRO | kKeyAccess},
    {"hlen", kKeyRO},
    {"hmget", kKeyRO | kKeyAccess},
    {"hmset", kKeyRW | kKeyUpdate},
    {"hrandfield", kKeyRO | kKeyAccess},
    {"hscan", kKeyRO | kKeyAccess},
    {"hset", kKeyRW | kKeyUpdate},
    {"hsetnx", kKeyRW | kKeyInsert},
    {"hstrlen", kKeyRO},
    {"hvals", kKeyRO | kKeyAccess},
    {"incr", kKeyRW | kKeyAccess | kKeyUpdate},
    {"incrby", kKeyRW | kKeyAccess | kKeyUpdate},
    {"incrbyfloat", kKeyRW | kKeyAccess | kKeyUpdate},
    {"lcs", kKeyRO | kKeyAccess},
    {"lindex", kKeyRO | kKeyAccess},
    {"linsert", kKeyRW | kKeyInsert},
    {"llen", kKeyRO},
    {"lmove", kKeyRW | kKeyAccess | kKeyDelete, kKeyRW | kKeyInsert},
    {"lmpop", kKeyRW | kKeyAccess | kKeyDelete},
    {"lpop", kKeyRW | kKeyAccess | kKeyDelete},
    {"lpos", kKeyRO | kKeyAccess},
    {"lpush", kKeyRW | kKeyInsert},
    {"lpushx", kKeyRW | kKeyInsert},
    {"lrange", kKeyRO | kKeyAccess},
    {"lrem", kKeyRW | kKeyDelete},
    {"lset", kKeyRW | kKeyUpdate},
    {"ltrim", kKeyRW | kKeyDelete},
    {"memory|usage", kKeyRO},
    {"mget", kKeyRO | kKeyAccess},
    {"migrate", kKeyRW | kKeyAccess | kKeyDelete},
    {"move", kKeyRW | kKeyAccess | kKeyUpdate},
    {"mset", kKeyOW | kKeyUpdate},
    {"msetnx", kKeyOW | kKeyInsert},
    {"object|encoding", kKeyRO},
    {"object|freq", kKeyRO},
    {"object|idletime", kKeyRO},
    {"object|refcount", kKeyRO},
    {"persist", kKeyRW | kKeyUpdate},
    {"pexpire", kKeyRW | kKeyUpdate},
    {"pexpireat", kKeyRW | kKeyUpdate},
    {"pexpiretime", kKeyRO | kKeyAccess},
    {"pfadd", kKeyRW | kKeyInsert},
    {"pfcount", kKeyRW | kKeyAccess},
    {"pfdebug", kKeyRW | kKeyAccess},
    {"pfmerge", kKeyRW | kKeyAccess | kKeyInsert, kKeyRO | kKeyAccess},
    {"psetex", kKeyOW | kKeyUpdate},
    {"pttl", kKeyRO | kKeyAccess},
    {"rename", kKeyRW | kKeyAccess | kKeyDelete, kKeyOW | kKeyUpdate},
    {"renamenx", kKeyRW | kKeyAccess | kKeyDelete, kKeyOW | kKeyInsert},
    {"restore", kKeyOW | kKeyUpdate},
    {"restore-asking", kKeyOW | kKeyUpdate},
    {"rpop", kKeyRW | kKeyAccess | kKeyDelete},
    {"rpoplpush", kKeyRW | kKeyAccess | kKeyDelete, kKeyRW | kKeyInsert},
    {"rpush", kKeyRW | kKeyInsert},
    {"rpushx", kKeyRW | kKeyInsert},
    {"sadd", kKeyRW | kKeyInsert},
    {"scard", kKeyRO},
    {"sdiff", kKeyRO | kKeyAccess},
    {"sdiffstore", kKeyOW | kKeyUpdate, kKeyRO | kKeyAccess},
    {"set", kKeyRW | kKeyAccess | kKeyUpdate | kKeyVariableFlags},
    {"setbit", kKeyRW | kKeyAccess | kKeyUpdate},
    {"setex", kKeyOW | kKeyUpdate},
    {"setnx", kKeyOW | kKeyInsert},
    {"setrange", kKeyRW | kKeyUpdate},
    {"sinter", kKeyRO | kKeyAccess},
    {"sintercard", kKeyRO | kKeyAccess},
    {"sinterstore", kKeyRW | kKeyUpdate, kKeyRO | kKeyAccess},
    {"sismember", kKeyRO},
    {"smembers", kKeyRO | kKeyAccess},
    {"smismember", kKeyRO | kKeyAccess},
    {"smove", kKeyRW | kKeyAccess | kKeyDelete, kKeyRW | kKeyInsert},
    {"sort", kKeyRO | kKeyAccess, kKeyOW | kKeyUpdate},
    {"sort_ro", kKeyRO | kKeyAccess},
    {"spop", kKeyRW | kKeyAccess | kKeyDelete},
    {"spublish", kKeyNotKey},
    {"srandmember", kKeyRO | kKeyAccess},
    {"srem", kKeyRW | kKeyDelete},
    {"sscan", kKeyRO | kKeyAccess},
    {"ssubscribe", kKeyNotKey},
    {"strlen", kKeyRO},
    {"substr", kKeyRO | kKeyAccess},
    {"sunion", kKeyRO | kKeyAccess},
    {"sunionstore", kKeyOW | kKeyUpdate, kKeyRO | kKeyAccess},
    {"sunsubscribe", kKeyNotKey},
    {"touch", kKeyRO},
    {"ttl", kKeyRO | kKeyAccess},
    {"type", kKeyRO},
    {"unlink", kKeyRM | kKeyDelete},
    {"watch", kKeyRO},
    {"xack", kKeyRW | kKeyUpdate},
    {"xadd", kKeyRW | kKeyUpdate},
    {"xautoclaim", kKeyRW | kKeyDelete},
    {"xclaim", kKeyRW | kKeyUpdate},
    {"xdel", kKeyRW | kKeyDelete},
    {"xgroup|create", kKeyRW | kKeyInsert},
    {"xgroup|createconsumer", kKeyRW | kKeyInsert},
    {"xgroup|delconsumer", kKeyRW | kKeyDelete},
    {"xgroup|destroy", kKeyRW | kKeyDelete},
    {"xgroup|setid", kKeyRW | kKeyUpdate},
    {"xinfo|consumers", kKeyRO | kKeyAccess},
    {"xinfo|groups", kKeyRO | kKeyAccess},
    {"xinfo|stream", kKeyRO | kKeyAccess},
    {"xlen", kKeyRO},
    {"xpending", kKeyRO | kKeyAccess},
    {"xrange", kKeyRO | kKeyAccess},
    {"xread", kKeyRO | kKeyAccess},
    {"xreadgroup", kKeyRO | kKeyAccess},
    {"xrevrange", kKeyRO | kKeyAccess},
    {"xsetid", kKeyRW | kKeyUpdate},
    {"xtrim", kKeyRW | kKeyDelete},
    {"zadd", kKeyRW | kKeyUpdate},
    {"zcard", kKeyRO},
    {"zcount", kKeyRO | kKeyAccess},
    {"zdiff", kKeyRO | kKeyAccess},
    {"zdiffstore", kKeyOW | kKeyUpdate, kKeyRO | kKeyAccess},
    {"zincrby", kKeyRW | kKeyAccess | kKeyUpdate},
    {"zinter", kKeyRO | kKeyAccess},
    {"zintercard", kKeyRO | kKeyAccess},
    {"zinterstore", kKeyOW | kKeyUpdate, kKeyRO | kKeyAccess},
    {"zlexcount", kKeyRO | kKeyAccess},
    {"zmpop", kKeyRW | kKeyAccess | kKeyDelete},
    {"zmscore", kKeyRO | kKeyAccess},
    {"zpopmax", kKeyRW | kKeyAccess | kKeyDelete},
    {"zpopmin", kKeyRW | kKeyAccess | kKeyDelete},
    {"zrandmember", kKeyRO | kKeyAccess},
    {"zrange", kKeyRO | kKeyAccess},
    {"zrangebylex", kKeyRO | kKeyAccess},
    {"zrangebyscore", kKeyRO | kKeyAccess},
    {"zrangestore", kKeyOW | kKeyUpdate, kKeyRO | kKeyAccess},
    {"zrank", kKeyRO | kKeyAccess},
    {"zrem", kKeyRW | kKeyDelete},
    {"zremrangebylex", kKeyRW | kKeyDelete},
    {"zremrangebyrank", kKeyRW | kKeyDelete},
    {"zremrangebyscore", kKeyRW | kKeyDelete},
    {"zrevrange", kKeyRO | kKeyAccess},
    {"zrevrangebylex", kKeyRO | kKeyAccess},
    {"zrevrangebyscore", kKeyRO | kKeyAccess},
    {"zrevrank", kKeyRO | kKeyAccess},
    {"zscan", kKeyRO | kKeyAccess},
    {"zscore", kKeyRO | kKeyAccess},
    {"zunion", kKeyRO | kKeyAccess},
    {"zunionstore", kKeyOW | kKeyUpdate, kKeyRO | kKeyAccess},
};

static_assert(std::is_sorted(std::begin(kRows), std::end(kRows),
                             [](const KeyFlagsRow& a, const KeyFlagsRow& b) {
                               return a.name < b.name;
                             }),
              "kRows must stay sorted by name");

const KeyFlagsRow* FindRow(std::string_view name) {
  auto it = std::lower_bound(std::begin(kRows), std::end(kRows), name,
                             [](const KeyFlagsRow& r, std::string_view n) { return r.name < n; });
  return it != std::end(kRows) && it->name == name ? it : nullptr;
}

bool HasKeys(const CommandSpec& spec) { return spec.first_key > 0 || spec.keys_finder != nullptr; }

// SET key value [... GET ...]: reads the old value only with GET.
uint16_t SetFlags(CmdArgs args) {
  for (size_t i = 3; i < args.size(); ++i) {
    if (EqualsIgnoreCase(args[i], "get")) return kKeyRW | kKeyAccess | kKeyUpdate;
  }
  return kKeyOW | kKeyUpdate;
}

// BITFIELD key [GET enc off] [SET enc off v] [INCRBY enc off n] [OVERFLOW x]:
// read-only unless it has a SET or INCRBY.
uint16_t BitfieldFlags(CmdArgs args) {
  for (size_t i = 2; i < args.size();) {
    if (EqualsIgnoreCase(args[i], "get")) {
      i += 3;
    } else if (EqualsIgnoreCase(args[i], "set") || EqualsIgnoreCase(args[i], "incrby")) {
      return kKeyRW | kKeyAccess | kKeyUpdate;
    } else if (EqualsIgnoreCase(args[i], "overflow")) {
      i += 2;
    } else {
      break;  // malformed: the handler replies the error
    }
  }
  return kKeyRO | kKeyAccess;
}

}  // namespace

void AssignKeyFlags(CommandSpec* spec) {
  for (CommandSpec& sub : spec->subcommands) AssignKeyFlags(&sub);
  if (!HasKeys(*spec)) return;
  if (const KeyFlagsRow* row = FindRow(spec->name)) {
    spec->key_flags = row->first;
    spec->other_key_flags = row->rest != 0 ? row->rest : row->first;
    return;
  }
  uint16_t f = 0;
  if (spec->flags & kCmdWrite) {
    f = kKeyRW | kKeyAccess | kKeyUpdate;
  } else if (spec->flags & kCmdReadOnly) {
    f = kKeyRO | kKeyAccess;
  }
  spec->key_flags = spec->other_key_flags = f;
}

uint16_t KeyFlagsOf(const CommandSpec& spec, CmdArgs args, size_t ordinal) {
  const uint16_t f = ordinal == 0 ? spec.key_flags : spec.other_key_flags;
  if (!(f & kKeyVariableFlags)) return f;
  if (spec.name == "set") return SetFlags(args);
  if (spec.name == "bitfield") return BitfieldFlags(args);
  return static_cast<uint16_t>(f & ~kKeyVariableFlags);
}

std::vector<std::string_view> KeyFlagNames(uint16_t flags) {
  static constexpr std::pair<uint16_t, std::string_view> kNames[] = {
      {kKeyRO, "RO"},         {kKeyRW, "RW"},         {kKeyOW, "OW"},
      {kKeyRM, "RM"},         {kKeyAccess, "access"}, {kKeyUpdate, "update"},
      {kKeyInsert, "insert"}, {kKeyDelete, "delete"}, {kKeyNotKey, "not_key"},
      {kKeyIncomplete, "incomplete"}, {kKeyVariableFlags, "variable_flags"},
  };
  std::vector<std::string_view> out;
  for (const auto& [bit, name] : kNames) {
    if (flags & bit) out.push_back(name);
  }
  return out;
}

}  // namespace shoal
