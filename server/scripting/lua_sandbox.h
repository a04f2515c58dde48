// LuaSandbox: one Lua 5.1 state set up as Redis 7's scripting environment.
//
// Globals are the allow-list Redis 7.0 keeps (base functions without print,
// dofile, loadfile, getfenv/setfenv; string, table, math, coroutine; cjson,
// bit, struct, cmsgpack; redis). Scripts see them through a read-only proxy:
// reading a missing global raises "Script attempted to access nonexistent
// global variable 'x'", any write (`x = 1`, rawset(_G, ...), setmetatable)
// raises "Attempt to modify a readonly table", and so does writing into a
// library table or the string metatable. Stock Lua has no read-only tables;
// proxies (empty tables whose metatable forwards reads) give the same
// behaviour, and rawset/setmetatable are wrapped to refuse protected tables.
//
// FUNCTION LOAD runs library code in a narrower world: only `redis`, with
// register_function, log, LOG_* and REDIS_VERSION(_NUM). set_loading()
// switches what the globals proxy resolves to; functions registered during
// the load see the full globals when they run later.
//
// `pcall` is Redis's: an error that is a table with a string `err` field is
// caught as that string (redis.call's errors are such tables).
//
// The redis.call / pcall / setresp / register_function entry points are
// supplied by the owner (ScriptWorker) as C functions; they find their
// owner through `host`, stored in the registry (LuaSandbox::Host(L)).
//
// One sandbox per worker thread; never shared between threads.
#ifndef SHOAL_SERVER_SCRIPTING_LUA_SANDBOX_H_
#define SHOAL_SERVER_SCRIPTING_LUA_SANDBOX_H_

#include <cstdint>
#include <string>
#include <string_view>

extern "C" {
#include <lua.h>
}

namespace shoal {

struct LuaHostFunctions {
  lua_CFunction call = nullptr;               // redis.call
  lua_CFunction pcall = nullptr;              // redis.pcall
  lua_CFunction setresp = nullptr;            // redis.setresp
  lua_CFunction register_function = nullptr;  // redis.register_function (load time)
  lua_CFunction acl_check_cmd = nullptr;      // redis.acl_check_cmd
};

class LuaSandbox {
 public:
  // `memory_limit` bounds the bytes the state may allocate (allocations past
  // it fail, which Lua reports as "not enough memory").
  LuaSandbox(void* host, const LuaHostFunctions& fns, int64_t memory_limit);
  ~LuaSandbox();
  LuaSandbox(const LuaSandbox&) = delete;
  LuaSandbox& operator=(const LuaSandbox&) = delete;

  lua_State* state() const { return L_; }
  static void* Host(lua_State* L);
  int64_t memory_used() const { return used_; }

  // Compiles `body` as chunk `chunk_name` ("@user_script") and leaves the
  // function on the stack; on error returns false with Lua's message.
  bool Compile(std::string_view body, const char* chunk_name, std::string* err);
  // Calls the function below `nargs` arguments on the stack with Redis's
  // error handler; leaves one result (or the error value) on the stack.
  // Returns the lua_pcall status.
  int CallProtected(int nargs);
  // Sets KEYS and ARGV (raw, in the real globals).
  void SetGlobalArray(const char* name, const std::string_view* items, size_t n);
  void ClearGlobal(const char* name);

  // FUNCTION LOAD mode (see above).
  void set_loading(bool loading);

  // The error value at the top of the stack as Redis formats a script
  // failure: "<err> script: <name>, on <source>:<line>." or the bare text.
  static std::string ErrorText(lua_State* L, std::string_view name);

 private:
  static void* Alloc(void* ud, void* ptr, size_t osize, size_t nsize);
  void OpenLibraries(const LuaHostFunctions& fns);
  void Protect(const LuaHostFunctions& fns);

  lua_State* L_ = nullptr;
  int64_t used_ = 0;
  int64_t limit_;
  int handler_ref_ = 0;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_SCRIPTING_LUA_SANDBOX_H_
