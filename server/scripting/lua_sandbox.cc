// LuaSandbox implementation: library loading, the read-only proxies, Redis's
// pcall and error handler, and the bounded allocator.
#include "server/scripting/lua_sandbox.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/strings.h"
#include "server/dispatch/version.h"
#include "server/scripting/lua_values.h"
#include "server/scripting/lualibs/lua_cmsgpack.h"
#include "server/scripting/lualibs/lua_struct.h"
#include "server/scripting/sha1_hex.h"

extern "C" {
#include <lauxlib.h>
#include <lualib.h>
int luaopen_cjson(lua_State* L);
int luaopen_bit(lua_State* L);
}

namespace shoal {
namespace {

// Registry keys: the addresses of these statics.
char kHostKey;
char kProtectedKey;   // weak-keyed set of read-only proxies
char kRealGlobalsKey;
char kLoadGlobalsKey;
char kLoadingKey;
char kTostringKey;

constexpr char kReadonly[] = "Attempt to modify a readonly table";

// __newindex of every read-only proxy: the error carries the script's
// position (luaL_error uses the caller's frame), as Redis's VM check does.
int ReadonlyNewIndex(lua_State* L) { return luaL_error(L, kReadonly); }

bool IsProtected(lua_State* L, int idx) {
  if (!lua_istable(L, idx)) return false;
  lua_pushlightuserdata(L, &kProtectedKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_pushvalue(L, idx);
  lua_rawget(L, -2);
  bool p = lua_toboolean(L, -1);
  lua_pop(L, 2);
  return p;
}

// rawset / setmetatable refuse protected tables without a position, as
// Redis's C checks do.
int SafeRawset(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  if (IsProtected(L, 1)) {
    lua_pushstring(L, kReadonly);
    return lua_error(L);
  }
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

// rawget on a read-only proxy reads what the proxy stands for (the real
// globals, or the library table), as rawget on Redis's read-only tables does.
int SafeRawget(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  if (IsProtected(L, 1) && lua_getmetatable(L, 1)) {
    lua_pushstring(L, "__index");
    lua_rawget(L, -2);
    if (!lua_istable(L, -1)) {
      lua_pop(L, 1);
      lua_pushlightuserdata(L, &kRealGlobalsKey);
      lua_rawget(L, LUA_REGISTRYINDEX);
    }
    lua_replace(L, 1);
    lua_pop(L, 1);
  }
  lua_settop(L, 2);
  lua_rawget(L, 1);
  return 1;
}

int SafeSetmetatable(lua_State* L) {
  if (IsProtected(L, 1)) {
    lua_pushstring(L, kReadonly);
    return lua_error(L);
  }
  // Lua 5.1's setmetatable, with its checks and messages.
  int t = lua_type(L, 2);
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_argcheck(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table expected");
  if (luaL_getmetafield(L, 1, "__metatable")) luaL_error(L, "cannot change a protected metatable");
  lua_settop(L, 2);
  lua_setmetatable(L, 1);
  return 1;
}

// Redis's pcall: a table error with a string `err` is caught as that string.
int RedisPcall(lua_State* L) {
  luaL_checkany(L, 1);
  int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
  lua_pushboolean(L, status == 0);
  lua_insert(L, 1);
  if (status != 0 && lua_istable(L, -1)) {
    lua_pushstring(L, "err");
    lua_rawget(L, -2);
    if (lua_isstring(L, -1)) {
      lua_remove(L, -2);
    } else {
      lua_pop(L, 1);
    }
  }
  return lua_gettop(L);
}

// Globals proxy __index: the real globals (or, while FUNCTION LOAD runs
// library code, the load-time globals); a missing name is an error.
int GlobalsIndex(lua_State* L) {
  lua_pushlightuserdata(L, &kLoadingKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  bool loading = lua_toboolean(L, -1);
  lua_pop(L, 1);
  lua_pushlightuserdata(L, loading ? &kLoadGlobalsKey : &kRealGlobalsKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  if (!lua_isnil(L, -1)) return 1;
  const char* name = lua_isstring(L, 2) ? lua_tostring(L, 2) : luaL_typename(L, 2);
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", name);
}

// Same for a table whose missing fields are errors (the load-time `redis`).
int StrictIndex(lua_State* L) {
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(1));
  if (!lua_isnil(L, -1)) return 1;
  const char* name = lua_isstring(L, 2) ? lua_tostring(L, 2) : luaL_typename(L, 2);
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", name);
}

// Replaces the table at the top of the stack by a read-only proxy of it.
// `strict`: missing fields raise the nonexistent-global error.
void MakeProxy(lua_State* L, bool strict) {
  int target = lua_gettop(L);
  lua_newtable(L);  // proxy
  lua_newtable(L);  // its metatable
  lua_pushstring(L, "__index");
  if (strict) {
    lua_pushvalue(L, target);
    lua_pushcclosure(L, StrictIndex, 1);
  } else {
    lua_pushvalue(L, target);
  }
  lua_rawset(L, -3);
  lua_pushstring(L, "__newindex");
  lua_pushcfunction(L, ReadonlyNewIndex);
  lua_rawset(L, -3);
  lua_pushstring(L, "__metatable");
  lua_pushboolean(L, 0);
  lua_rawset(L, -3);
  lua_setmetatable(L, -2);
  // Register as protected.
  lua_pushlightuserdata(L, &kProtectedKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_pushvalue(L, -2);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  lua_replace(L, target);
}

// Redis's error handler: turns any error into {err=..., source=, line=}
// with the position of the Lua frame that failed (skipping a C function
// such as redis.call or error).
int ErrorHandler(lua_State* L) {
  lua_Debug ar;
  bool have = lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar);
  if (have && std::strcmp(ar.what, "C") == 0) {
    have = lua_getstack(L, 2, &ar) && lua_getinfo(L, "Sl", &ar);
  }
  if (!lua_istable(L, 1)) {
    lua_pushlightuserdata(L, &kTostringKey);
    lua_rawget(L, LUA_REGISTRYINDEX);
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    std::string text = StrCat("ERR ", lua_tostring(L, -1) ? lua_tostring(L, -1) : "");
    lua_settop(L, 0);
    lua_newtable(L);
    lua_pushstring(L, "err");
    lua_pushlstring(L, text.data(), text.size());
    lua_rawset(L, -3);
  } else {
    lua_settop(L, 1);
  }
  if (have) {
    lua_pushstring(L, "source");
    lua_pushstring(L, ar.source);
    lua_rawset(L, -3);
    lua_pushstring(L, "line");
    lua_pushinteger(L, ar.currentline);
    lua_rawset(L, -3);
  }
  return 1;
}

// math.random / math.randomseed as Redis has them: the rand48 generator
// (x' = 0x5DEECE66D * x + 0xB mod 2^48, 31-bit outputs), one per state,
// driving Lua 5.1's own interval arithmetic.
char kRandKey;

uint64_t& RandState(lua_State* L) {
  lua_pushlightuserdata(L, &kRandKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  auto* state = static_cast<uint64_t*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return *state;
}

void Seed48(uint64_t* x, int32_t seed) {
  *x = ((static_cast<uint64_t>(static_cast<uint32_t>(seed)) << 16) | 0x330E) & ((1ULL << 48) - 1);
}

int32_t Next48(uint64_t* x) {
  *x = (0x5DEECE66DULL * *x + 0xB) & ((1ULL << 48) - 1);
  return static_cast<int32_t>(*x >> 17);
}

int MathRandom(lua_State* L) {
  constexpr int32_t kMax = 2147483647;
  lua_Number r = static_cast<lua_Number>(Next48(&RandState(L)) % kMax) / kMax;
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * u) + 1);
      break;
    }
    case 2: {
      int l = luaL_checkint(L, 1);
      int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int MathRandomseed(lua_State* L) {
  Seed48(&RandState(L), luaL_checkint(L, 1));
  return 0;
}

int Sha1hex(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseErrorTable(L, "wrong number of arguments");
  size_t len;
  const char* s = lua_tolstring(L, 1, &len);
  std::string hex = Sha1Hex(std::string_view(s ? s : "", s ? len : 0));
  lua_pushlstring(L, hex.data(), hex.size());
  return 1;
}

// redis.error_reply / status_reply: {err=...} / {ok=...}; an error text
// without a leading '-' gets "ERR ".
// Wrong arguments return (not raise) an error table, as Redis's do.
int TaggedReply(lua_State* L, const char* field) {
  if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
    PushErrorTable(L, "wrong number or type of arguments");
    return 1;
  }
  std::string text = lua_tostring(L, 1);
  if (field[0] == 'e') {
    // The first word is the error code only when a space follows it.
    if (!text.empty() && text[0] == '-') text.erase(0, 1);
    if (text.find(' ') == std::string::npos) text = "ERR " + text;
  }
  lua_newtable(L);
  lua_pushstring(L, field);
  lua_pushlstring(L, text.data(), text.size());
  lua_rawset(L, -3);
  return 1;
}
int ErrorReply(lua_State* L) { return TaggedReply(L, "err"); }
int StatusReply(lua_State* L) { return TaggedReply(L, "ok"); }

// redis.log(level, msg...): written to the server's log (stderr).
int Log(lua_State* L) {
  int argc = lua_gettop(L);
  if (argc < 2) return RaiseErrorTable(L, "redis.log() requires two arguments or more.");
  if (!lua_isnumber(L, 1)) return RaiseErrorTable(L, "First argument must be a number (log level).");
  int level = static_cast<int>(lua_tonumber(L, 1));
  if (level < 0 || level > 3) return RaiseErrorTable(L, "Invalid debug level.");
  std::string line;
  for (int i = 2; i <= argc; ++i) {
    size_t len;
    const char* s = lua_tolstring(L, i, &len);
    if (s == nullptr) continue;
    if (i > 2) line += ' ';
    line.append(s, len);
  }
  if (level >= 2) std::fprintf(stderr, "[lua] %s\n", line.c_str());
  return 0;
}

// set_repl / replicate_commands: Redis 7 always replicates effects; both are
// accepted. set_repl checks its argument as Redis does.
int SetRepl(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseErrorTable(L, "redis.set_repl() requires two arguments.");
  int flags = static_cast<int>(lua_tonumber(L, 1));
  if ((flags & ~3) != 0) {
    return RaiseErrorTable(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
  }
  return 0;
}
int ReplicateCommands(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}
int Breakpoint(lua_State* L) {
  lua_pushboolean(L, 0);
  return 1;
}
int Debug(lua_State* L) { return 0; }

void SetField(lua_State* L, const char* name, lua_CFunction f) {
  lua_pushstring(L, name);
  lua_pushcfunction(L, f);
  lua_rawset(L, -3);
}
void SetNumber(lua_State* L, const char* name, double v) {
  lua_pushstring(L, name);
  lua_pushnumber(L, v);
  lua_rawset(L, -3);
}
void SetString(lua_State* L, const char* name, const char* v) {
  lua_pushstring(L, name);
  lua_pushstring(L, v);
  lua_rawset(L, -3);
}

// REDIS_VERSION_NUM: 0x00MMmmpp from kRedisVersion ("7.2.4" -> 0x070204).
double RedisVersionNum() {
  int major = 0, minor = 0, patch = 0;
  std::sscanf(kRedisVersion, "%d.%d.%d", &major, &minor, &patch);
  return (major << 16) | (minor << 8) | patch;
}

void PushVersionFields(lua_State* L) {
  SetString(L, "REDIS_VERSION", kRedisVersion);
  SetNumber(L, "REDIS_VERSION_NUM", RedisVersionNum());
}

void PushLogLevels(lua_State* L) {
  SetNumber(L, "LOG_DEBUG", 0);
  SetNumber(L, "LOG_VERBOSE", 1);
  SetNumber(L, "LOG_NOTICE", 2);
  SetNumber(L, "LOG_WARNING", 3);
}

}  // namespace

LuaSandbox::LuaSandbox(void* host, const LuaHostFunctions& fns, int64_t memory_limit)
    : limit_(memory_limit) {
  L_ = lua_newstate(&LuaSandbox::Alloc, this);
  lua_pushlightuserdata(L_, &kHostKey);
  lua_pushlightuserdata(L_, host);
  lua_rawset(L_, LUA_REGISTRYINDEX);
  OpenLibraries(fns);
  Protect(fns);
}

LuaSandbox::~LuaSandbox() {
  if (L_ != nullptr) lua_close(L_);
}

void* LuaSandbox::Host(lua_State* L) {
  lua_pushlightuserdata(L, &kHostKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  void* h = lua_touserdata(L, -1);
  lua_pop(L, 1);
  return h;
}

void* LuaSandbox::Alloc(void* ud, void* ptr, size_t osize, size_t nsize) {
  auto* self = static_cast<LuaSandbox*>(ud);
  if (nsize == 0) {
    self->used_ -= static_cast<int64_t>(osize);
    std::free(ptr);
    return nullptr;
  }
  int64_t grow = static_cast<int64_t>(nsize) - static_cast<int64_t>(ptr ? osize : 0);
  if (grow > 0 && self->used_ + grow > self->limit_) return nullptr;
  void* p = std::realloc(ptr, nsize);
  if (p != nullptr) self->used_ += grow;
  return p;
}

void LuaSandbox::OpenLibraries(const LuaHostFunctions& fns) {
  lua_State* L = L_;
  const luaL_Reg libs[] = {{"", luaopen_base},          {LUA_TABLIBNAME, luaopen_table},
                           {LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math},
                           {"cjson", luaopen_cjson},      {"struct", luaopen_struct},
                           {"cmsgpack", luaopen_cmsgpack}, {"bit", luaopen_bit}};
  for (const luaL_Reg& lib : libs) {
    lua_pushcfunction(L, lib.func);
    lua_pushstring(L, lib.name);
    lua_call(L, 1, 1);
    if (lib.name[0] != '\0' && lua_istable(L, -1)) {
      lua_setglobal(L, lib.name);
    } else {
      lua_pop(L, 1);
    }
  }
  // Redis's deny list and what it leaves out of the allow list.
  for (const char* name : {"print", "dofile", "loadfile", "getfenv", "setfenv", "newproxy",
                           "module", "require", "package"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }
  lua_pushlightuserdata(L, &kTostringKey);
  lua_getglobal(L, "tostring");
  lua_rawset(L, LUA_REGISTRYINDEX);

  lua_pushcfunction(L, SafeRawset);
  lua_setglobal(L, "rawset");
  lua_pushcfunction(L, SafeSetmetatable);
  lua_setglobal(L, "setmetatable");
  lua_pushcfunction(L, SafeRawget);
  lua_setglobal(L, "rawget");
  lua_pushcfunction(L, RedisPcall);
  lua_setglobal(L, "pcall");
  lua_pushcfunction(L, ErrorHandler);
  lua_setglobal(L, "__redis__err__handler");
  lua_getglobal(L, "__redis__err__handler");
  handler_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);

  // The runtime `redis` table.
  lua_newtable(L);
  SetField(L, "call", fns.call);
  SetField(L, "pcall", fns.pcall);
  SetField(L, "setresp", fns.setresp);
  if (fns.acl_check_cmd != nullptr) SetField(L, "acl_check_cmd", fns.acl_check_cmd);
  SetField(L, "sha1hex", Sha1hex);
  SetField(L, "error_reply", ErrorReply);
  SetField(L, "status_reply", StatusReply);
  SetField(L, "log", Log);
  SetField(L, "set_repl", SetRepl);
  SetField(L, "replicate_commands", ReplicateCommands);
  SetField(L, "breakpoint", Breakpoint);
  SetField(L, "debug", Debug);
  PushLogLevels(L);
  SetNumber(L, "REPL_NONE", 0);
  SetNumber(L, "REPL_AOF", 1);
  SetNumber(L, "REPL_SLAVE", 2);
  SetNumber(L, "REPL_REPLICA", 2);
  SetNumber(L, "REPL_ALL", 3);
  PushVersionFields(L);
  lua_setglobal(L, "redis");

  // math.random: Redis's rand48 generator, seeded with 0 at start.
  lua_pushlightuserdata(L, &kRandKey);
  auto* rand_state = static_cast<uint64_t*>(lua_newuserdata(L, sizeof(uint64_t)));
  Seed48(rand_state, 0);
  lua_rawset(L, LUA_REGISTRYINDEX);
  lua_getglobal(L, "math");
  SetField(L, "random", MathRandom);
  SetField(L, "randomseed", MathRandomseed);
  lua_pop(L, 1);
}

void LuaSandbox::Protect(const LuaHostFunctions& fns) {
  lua_State* L = L_;
  lua_pushlightuserdata(L, &kProtectedKey);
  lua_newtable(L);
  lua_newtable(L);
  lua_pushstring(L, "__mode");
  lua_pushstring(L, "k");
  lua_rawset(L, -3);
  lua_setmetatable(L, -2);
  lua_rawset(L, LUA_REGISTRYINDEX);

  // Library tables become read-only proxies (in the real globals).
  for (const char* name :
       {"string", "table", "math", "coroutine", "cjson", "struct", "cmsgpack", "bit", "redis"}) {
    lua_getglobal(L, name);
    if (!lua_istable(L, -1)) {
      lua_pop(L, 1);
      continue;
    }
    MakeProxy(L, false);
    lua_setglobal(L, name);
  }
  // The string metatable: __index is the string proxy; the metatable itself
  // is reachable only as a read-only proxy.
  lua_pushstring(L, "");
  lua_getmetatable(L, -1);
  lua_pushstring(L, "__index");
  lua_getglobal(L, "string");
  lua_rawset(L, -3);
  lua_pushstring(L, "__metatable");
  lua_pushvalue(L, -2);
  MakeProxy(L, false);
  lua_rawset(L, -3);
  lua_pop(L, 2);

  // Load-time globals: only a strict `redis` with the load API.
  lua_pushlightuserdata(L, &kLoadGlobalsKey);
  lua_newtable(L);
  lua_pushstring(L, "redis");
  lua_newtable(L);
  lua_pushstring(L, "register_function");
  lua_pushcfunction(L, fns.register_function);
  lua_rawset(L, -3);
  lua_getglobal(L, "redis");  // runtime proxy: copy the shared entries
  for (const char* name : {"log", "LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING",
                           "REDIS_VERSION", "REDIS_VERSION_NUM"}) {
    lua_pushstring(L, name);
    lua_getfield(L, -2, name);
    lua_rawset(L, -4);
  }
  lua_pop(L, 1);
  MakeProxy(L, true);
  lua_rawset(L, -3);
  lua_rawset(L, LUA_REGISTRYINDEX);

  // The real globals, and the proxy that scripts get as their globals.
  lua_pushlightuserdata(L, &kRealGlobalsKey);
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_rawset(L, LUA_REGISTRYINDEX);
  lua_newtable(L);  // proxy
  lua_newtable(L);
  lua_pushstring(L, "__index");
  lua_pushcfunction(L, GlobalsIndex);
  lua_rawset(L, -3);
  lua_pushstring(L, "__newindex");
  lua_pushcfunction(L, ReadonlyNewIndex);
  lua_rawset(L, -3);
  lua_pushstring(L, "__metatable");
  lua_pushboolean(L, 0);
  lua_rawset(L, -3);
  lua_setmetatable(L, -2);
  lua_pushlightuserdata(L, &kProtectedKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_pushvalue(L, -2);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  lua_pushstring(L, "_G");
  lua_pushvalue(L, -2);
  lua_rawset(L, LUA_GLOBALSINDEX);
  lua_replace(L, LUA_GLOBALSINDEX);
}

void LuaSandbox::set_loading(bool loading) {
  lua_pushlightuserdata(L_, &kLoadingKey);
  lua_pushboolean(L_, loading);
  lua_rawset(L_, LUA_REGISTRYINDEX);
}

bool LuaSandbox::Compile(std::string_view body, const char* chunk_name, std::string* err) {
  if (luaL_loadbuffer(L_, body.data(), body.size(), chunk_name) != 0) {
    *err = lua_tostring(L_, -1) ? lua_tostring(L_, -1) : "unknown error";
    lua_pop(L_, 1);
    return false;
  }
  return true;
}

int LuaSandbox::CallProtected(int nargs) {
  int fn = lua_gettop(L_) - nargs;
  lua_rawgeti(L_, LUA_REGISTRYINDEX, handler_ref_);
  lua_insert(L_, fn);
  int status = lua_pcall(L_, nargs, 1, fn);
  lua_remove(L_, fn);
  return status;
}

void LuaSandbox::ClearGlobal(const char* name) {
  lua_pushlightuserdata(L_, &kRealGlobalsKey);
  lua_rawget(L_, LUA_REGISTRYINDEX);
  lua_pushstring(L_, name);
  lua_pushnil(L_);
  lua_rawset(L_, -3);
  lua_pop(L_, 1);
}

void LuaSandbox::SetGlobalArray(const char* name, const std::string_view* items, size_t n) {
  lua_pushlightuserdata(L_, &kRealGlobalsKey);
  lua_rawget(L_, LUA_REGISTRYINDEX);
  lua_pushstring(L_, name);
  lua_createtable(L_, static_cast<int>(n), 0);
  for (size_t i = 0; i < n; ++i) {
    lua_pushlstring(L_, items[i].data(), items[i].size());
    lua_rawseti(L_, -2, static_cast<int>(i + 1));
  }
  lua_rawset(L_, -3);
  lua_pop(L_, 1);
}

std::string LuaSandbox::ErrorText(lua_State* L, std::string_view name) {
  if (!lua_istable(L, -1)) {
    const char* s = lua_tostring(L, -1);
    return StrCat("ERR ", s ? s : "unknown error");
  }
  lua_getfield(L, -1, "err");
  std::string msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "ERR unknown error";
  lua_pop(L, 1);
  lua_getfield(L, -1, "source");
  std::string source = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
  lua_pop(L, 1);
  lua_getfield(L, -1, "line");
  bool has_line = lua_isnumber(L, -1);
  int64_t line = has_line ? static_cast<int64_t>(lua_tonumber(L, -1)) : 0;
  lua_pop(L, 1);
  if (source.empty() || !has_line) return msg;
  return StrCat(msg, " script: ", name, ", on ", source, ":", line, ".");
}

}  // namespace shoal
