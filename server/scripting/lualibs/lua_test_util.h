// Test helper for the lualibs tests: a Lua 5.1 state with the standard
// libraries, cmsgpack and struct, and three Lua helpers, so that a test is one
// Lua expression and the text redis-server gave for the same expression:
//   hex(s)    -> lower-case hex of a string's bytes
//   unhex(h)  -> the bytes of a hex string
//   dump(...) -> "N:v1 v2 ..." (N the count of values; strings %q-quoted,
//                numbers %.17g, tables as {k=v,...} with keys sorted)
// Chunks are named "=user_script" so error texts carry the same
// "user_script:1:" prefix as Redis's EVAL. Test-only; one state per instance.
#ifndef SHOAL_SERVER_SCRIPTING_LUALIBS_LUA_TEST_UTIL_H_
#define SHOAL_SERVER_SCRIPTING_LUALIBS_LUA_TEST_UTIL_H_

#include <lua.hpp>
#include <string>

#include "server/scripting/lualibs/lua_cmsgpack.h"
#include "server/scripting/lualibs/lua_struct.h"

namespace shoal::lualibs {

class LuaSandbox {
 public:
  LuaSandbox() : L_(luaL_newstate()) {
    luaL_openlibs(L_);
    lua_pushcfunction(L_, luaopen_cmsgpack);
    lua_call(L_, 0, 0);
    lua_pushcfunction(L_, luaopen_struct);
    lua_call(L_, 0, 0);
    Exec(R"lua(
      function hex(s)
        return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end))
      end
      function unhex(h)
        return (h:gsub('%s', ''):gsub('..', function(x) return string.char(tonumber(x, 16)) end))
      end
      local function show(v, depth)
        if depth > 40 then return '...' end
        local t = type(v)
        if t == 'table' then
          local keys = {}
          for k in pairs(v) do keys[#keys + 1] = k end
          table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
          local parts = {}
          for _, k in ipairs(keys) do
            parts[#parts + 1] = show(k, depth + 1) .. '=' .. show(v[k], depth + 1)
          end
          return '{' .. table.concat(parts, ',') .. '}'
        elseif t == 'string' then return string.format('%q', v)
        elseif t == 'number' then return string.format('%.17g', v)
        else return tostring(v) end
      end
      function dump(...)
        local out = {}
        for i = 1, select('#', ...) do out[#out + 1] = show((select(i, ...)), 0) end
        return select('#', ...) .. ':' .. table.concat(out, ' ')
      end
    )lua");
  }
  ~LuaSandbox() { lua_close(L_); }
  LuaSandbox(const LuaSandbox&) = delete;
  LuaSandbox& operator=(const LuaSandbox&) = delete;

  // Evaluates `expr` and returns its first value as a string, or "ERR:" and
  // the error message.
  std::string Eval(const std::string& expr) { return Exec("return " + expr); }

  // Runs a chunk; returns its first result (tostring'd) or "ERR:" + message.
  std::string Exec(const std::string& chunk) {
    lua_settop(L_, 0);
    if (luaL_loadbuffer(L_, chunk.data(), chunk.size(), "=user_script") != 0 ||
        lua_pcall(L_, 0, 1, 0) != 0) {
      size_t n = 0;
      const char* msg = lua_tolstring(L_, -1, &n);
      return "ERR:" + (msg ? std::string(msg, n) : std::string("(non-string error)"));
    }
    if (lua_isnil(L_, -1)) return "nil";
    lua_getglobal(L_, "tostring");
    lua_insert(L_, -2);
    lua_call(L_, 1, 1);
    size_t n = 0;
    const char* s = lua_tolstring(L_, -1, &n);
    return std::string(s, n);
  }

  lua_State* state() { return L_; }

 private:
  lua_State* L_;
};

}  // namespace shoal::lualibs

#endif  // SHOAL_SERVER_SCRIPTING_LUALIBS_LUA_TEST_UTIL_H_
