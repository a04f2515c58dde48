// Script flags: what a script or function declares about itself, from an
// EVAL script's shebang line (`#!lua flags=no-writes,allow-oom`) or from
// redis.register_function{flags={...}}, and what each one permits.
//
// A script without a shebang is a "legacy" script: it may write, runs over
// maxmemory until its first denyoom command, and may touch undeclared keys.
// A script with a shebang and no flags is the strict default of Redis 7.
#ifndef SHOAL_SERVER_SCRIPTING_SCRIPT_FLAGS_H_
#define SHOAL_SERVER_SCRIPTING_SCRIPT_FLAGS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shoal {

enum ScriptFlag : uint32_t {
  kScriptNoWrites = 1u << 0,
  kScriptAllowOom = 1u << 1,
  kScriptAllowStale = 1u << 2,
  kScriptNoCluster = 1u << 3,
  kScriptAllowCrossSlot = 1u << 4,
  // Not a user flag: the script had no shebang (Redis's legacy rules).
  kScriptNoShebang = 1u << 8,
};

// Name <-> flag, in Redis's order (FUNCTION LIST prints them in this order).
struct ScriptFlagName {
  std::string_view name;
  ScriptFlag flag;
};
const std::vector<ScriptFlagName>& ScriptFlagNames();
// 0 when the name is unknown.
uint32_t ScriptFlagByName(std::string_view name);

// Parses an EVAL body's shebang. On success sets *flags (kScriptNoShebang
// when there is none) and *shebang_len (bytes of the first line, without
// its newline; 0 without shebang). On failure returns false with Redis's
// error text in *err.
bool ParseShebang(std::string_view body, uint32_t* flags, size_t* shebang_len, std::string* err);

}  // namespace shoal

#endif  // SHOAL_SERVER_SCRIPTING_SCRIPT_FLAGS_H_
