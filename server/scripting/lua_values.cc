// RESP <-> Lua conversions. The RESP side is always Shoal's own ReplyBuilder
// output, so the reader trusts its framing; the Lua side is user data, so the
// writer bounds its recursion and checks the Lua stack.
#include "server/scripting/lua_values.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" {
#include <lauxlib.h>
}

namespace shoal {
namespace {

constexpr int kMaxDepth = 1000;

int AbsIndex(lua_State* L, int idx) {
  return (idx > 0 || idx <= LUA_REGISTRYINDEX) ? idx : lua_gettop(L) + idx + 1;
}

// (long long)n as x86-64 computes it: out of range and NaN give INT64_MIN
// (what redis-server replies for such numbers), without C++'s undefined
// behaviour.
int64_t TruncateToInt(lua_Number n) {
  if (std::isnan(n) || n >= 9223372036854775808.0 || n < -9223372036854775808.0) {
    return INT64_MIN;
  }
  return static_cast<int64_t>(n);
}

// Reads "<digits>\r\n" starting at p; returns the number and moves p.
int64_t ReadLen(std::string_view s, size_t* p) {
  size_t eol = s.find('\r', *p);
  int64_t n = 0;
  std::from_chars(s.data() + *p, s.data() + eol, n);
  *p = eol + 2;
  return n;
}

std::string_view ReadLine(std::string_view s, size_t* p) {
  size_t eol = s.find('\r', *p);
  std::string_view line = s.substr(*p, eol - *p);
  *p = eol + 2;
  return line;
}

void PushTaggedString(lua_State* L, const char* field, std::string_view v) {
  lua_newtable(L);
  lua_pushstring(L, field);
  lua_pushlstring(L, v.data(), v.size());
  lua_settable(L, -3);
}

size_t PushAt(lua_State* L, std::string_view s, size_t p) {
  luaL_checkstack(L, 4, "reached lua stack limit");
  char type = s[p++];
  switch (type) {
    case ':': {
      std::string_view line = ReadLine(s, &p);
      int64_t v = 0;
      std::from_chars(line.data(), line.data() + line.size(), v);
      lua_pushnumber(L, static_cast<lua_Number>(v));
      return p;
    }
    case '$': {
      int64_t n = ReadLen(s, &p);
      if (n < 0) {
        lua_pushboolean(L, 0);
        return p;
      }
      lua_pushlstring(L, s.data() + p, n);
      return p + n + 2;
    }
    case '+':
      PushTaggedString(L, "ok", ReadLine(s, &p));
      return p;
    case '-':
      PushTaggedString(L, "err", ReadLine(s, &p));
      return p;
    case '*':
    case '~':
    case '>': {
      int64_t n = ReadLen(s, &p);
      if (n < 0) {
        lua_pushboolean(L, 0);
        return p;
      }
      if (type == '~') {
        lua_newtable(L);
        lua_pushstring(L, "set");
        lua_newtable(L);
        for (int64_t i = 0; i < n; ++i) {
          p = PushAt(L, s, p);
          lua_pushboolean(L, 1);
          lua_settable(L, -3);
        }
        lua_settable(L, -3);
        return p;
      }
      lua_newtable(L);  // not presized: `#` on holes then agrees with Redis
      for (int64_t i = 0; i < n; ++i) {
        p = PushAt(L, s, p);
        lua_rawseti(L, -2, static_cast<int>(i + 1));
      }
      return p;
    }
    case '%': {
      int64_t n = ReadLen(s, &p);
      lua_newtable(L);
      lua_pushstring(L, "map");
      lua_newtable(L);
      for (int64_t i = 0; i < n; ++i) {
        p = PushAt(L, s, p);
        p = PushAt(L, s, p);
        lua_settable(L, -3);
      }
      lua_settable(L, -3);
      return p;
    }
    case '_':
      p += 2;
      lua_pushnil(L);
      return p;
    case '#':
      lua_pushboolean(L, s[p] == 't');
      return p + 3;
    case ',': {
      std::string_view line = ReadLine(s, &p);
      lua_newtable(L);
      lua_pushstring(L, "double");
      lua_pushnumber(L, std::strtod(std::string(line).c_str(), nullptr));
      lua_settable(L, -3);
      return p;
    }
    case '(':
      PushTaggedString(L, "big_number", ReadLine(s, &p));
      return p;
    case '=': {
      int64_t n = ReadLen(s, &p);
      std::string_view body = s.substr(p, n);
      lua_newtable(L);
      lua_pushstring(L, "verbatim_string");
      lua_newtable(L);
      lua_pushstring(L, "format");
      lua_pushlstring(L, body.data(), body.size() >= 3 ? 3 : body.size());
      lua_settable(L, -3);
      lua_pushstring(L, "string");
      std::string_view text = body.size() >= 4 ? body.substr(4) : std::string_view();
      lua_pushlstring(L, text.data(), text.size());
      lua_settable(L, -3);
      lua_settable(L, -3);
      return p + n + 2;
    }
    case '|': {  // attribute: skip it, then the reply it annotates
      int64_t n = ReadLen(s, &p);
      for (int64_t i = 0; i < 2 * n; ++i) {
        p = PushAt(L, s, p);
        lua_pop(L, 1);
      }
      return PushAt(L, s, p);
    }
  }
  lua_pushnil(L);
  return s.size();
}

std::string NoNewlines(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return out;
}

// t[field] as a string view when it is a string (the value stays on the
// stack: the caller pops one slot).
bool StringField(lua_State* L, int idx, const char* field, std::string_view* out) {
  lua_pushstring(L, field);
  lua_rawget(L, idx);
  if (lua_type(L, -1) != LUA_TSTRING) return false;
  size_t len;
  const char* p = lua_tolstring(L, -1, &len);
  *out = std::string_view(p, len);
  return true;
}

void Write(lua_State* L, int idx, ReplyBuilder* rb, int depth, int sresp);

void WriteTable(lua_State* L, int idx, ReplyBuilder* rb, int depth, int sresp) {
  std::string_view text;
  if (StringField(L, idx, "err", &text)) {
    WriteRawError(rb, text);
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  if (StringField(L, idx, "ok", &text)) {
    rb->SimpleString(NoNewlines(text));
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  lua_pushstring(L, "double");
  lua_rawget(L, idx);
  if (lua_type(L, -1) == LUA_TNUMBER) {
    rb->Double(lua_tonumber(L, -1));
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  if (StringField(L, idx, "big_number", &text)) {
    rb->BigNumber(NoNewlines(text));
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  lua_pushstring(L, "verbatim_string");
  lua_rawget(L, idx);
  if (lua_type(L, -1) == LUA_TTABLE) {
    int vt = lua_gettop(L);
    std::string_view format, str;
    bool ok = StringField(L, vt, "format", &format);
    lua_pop(L, 1);
    ok = ok && StringField(L, vt, "string", &str);
    lua_pop(L, 1);
    if (ok) {
      rb->Verbatim(format, str);
      lua_pop(L, 1);
      return;
    }
  }
  lua_pop(L, 1);
  lua_pushstring(L, "map");
  lua_rawget(L, idx);
  if (lua_type(L, -1) == LUA_TTABLE) {
    int map = lua_gettop(L);
    int64_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, map) != 0) {
      lua_pop(L, 1);
      ++n;
    }
    rb->MapHeader(n);
    lua_pushnil(L);
    while (lua_next(L, map) != 0) {
      Write(L, lua_gettop(L) - 1, rb, depth + 1, sresp);
      Write(L, lua_gettop(L), rb, depth + 1, sresp);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  lua_pushstring(L, "set");
  lua_rawget(L, idx);
  if (lua_type(L, -1) == LUA_TTABLE) {
    int set = lua_gettop(L);
    int64_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, set) != 0) {
      lua_pop(L, 1);
      ++n;
    }
    rb->SetHeader(n);
    lua_pushnil(L);
    while (lua_next(L, set) != 0) {
      lua_pop(L, 1);
      Write(L, lua_gettop(L), rb, depth + 1, sresp);
    }
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  int64_t n = 0;
  for (;;) {
    lua_rawgeti(L, idx, static_cast<int>(n + 1));
    bool nil = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (nil) break;
    ++n;
  }
  rb->ArrayHeader(n);
  for (int64_t i = 1; i <= n; ++i) {
    lua_rawgeti(L, idx, static_cast<int>(i));
    Write(L, lua_gettop(L), rb, depth + 1, sresp);
    lua_pop(L, 1);
  }
}

void Write(lua_State* L, int idx, ReplyBuilder* rb, int depth, int sresp) {
  if (depth > kMaxDepth || !lua_checkstack(L, 4)) {
    WriteRawError(rb, "ERR reached lua stack limit");
    return;
  }
  switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
      size_t len;
      const char* p = lua_tolstring(L, idx, &len);
      rb->Bulk(std::string_view(p, len));
      return;
    }
    case LUA_TBOOLEAN:
      if (sresp == 3) {
        rb->Boolean(lua_toboolean(L, idx));
      } else if (lua_toboolean(L, idx)) {
        rb->Integer(1);
      } else {
        rb->NullBulk();
      }
      return;
    case LUA_TNUMBER:
      rb->Integer(TruncateToInt(lua_tonumber(L, idx)));
      return;
    case LUA_TTABLE:
      WriteTable(L, idx, rb, depth, sresp);
      return;
    default:
      rb->NullBulk();
  }
}

}  // namespace

size_t PushReplyAsLua(lua_State* L, std::string_view resp) { return PushAt(L, resp, 0); }

void WriteLuaAsReply(lua_State* L, int idx, ReplyBuilder* rb, int script_resp) {
  Write(L, AbsIndex(L, idx), rb, 0, script_resp);
}

void WriteRawError(ReplyBuilder* rb, std::string_view text) {
  std::string line = "-";
  line += NoNewlines(text);
  line += "\r\n";
  rb->Raw(line);
}

void PushErrorTable(lua_State* L, std::string_view text) {
  std::string msg;
  if (!text.empty() && text[0] == '-') {
    msg = std::string(text.substr(1));
  } else {
    msg = "ERR ";
    msg += text;
  }
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.pop_back();
  lua_newtable(L);
  lua_pushstring(L, "err");
  lua_pushlstring(L, msg.data(), msg.size());
  lua_rawset(L, -3);
}

int RaiseErrorTable(lua_State* L, std::string_view text) {
  PushErrorTable(L, text);
  return lua_error(L);
}

}  // namespace shoal
