// lua_cmsgpack: MessagePack for Redis-compatible Lua scripts. See the header
// for the contract; this file is about how it keeps it.
//
// Lua errors are longjmps through this C++ code, so nothing here that is alive
// across a Lua API call has a destructor: the scratch buffer of pack is a Lua
// userdata (freed by its __gc), and the decoder works on the Lua string itself.
//
// pack's scratch buffer is shared by all calls on a lua_State. While an
// argument is encoded only non-allocating Lua calls run (lua_next, lua_rawgeti,
// lua_pushvalue, ...), so no GC step can start; but lua_pushlstring, which
// copies the bytes out, may run a GC step first, and with it a finalizer that
// calls pack again (where scripts can make finalizers; Redis's sandbox cannot).
// So the buffer is parked for that call, and a pack that finds it parked uses
// a buffer of its own (as every pack will if that copy once ran out of memory:
// slower, still correct, and the parked bytes are freed with the closure).
//
// The stack discipline follows Redis's on purpose. Scripts can reach Lua's
// 8000-slot C stack limit with wide or deep data, and which call fails, with
// which message, depends on how many slots each level holds:
//  - pack: the N arguments, then one encoded string per argument (joined by a
//    final lua_concat), plus a copy of the value being encoded;
//  - a table: 2 slots checked for the array test (key, value), 1 for an array
//    (the element), 3 for a map (key, value, key copy being encoded);
//  - unpack: 1 slot checked before each value; an array holds its table and the
//    index being filled, a map its table and the key while its value decodes.
#include "server/scripting/lualibs/lua_cmsgpack.h"

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <lua.hpp>

namespace {

constexpr int kMaxNesting = 16;                 // tables deeper than this encode as nil
constexpr size_t kKeptScratchBytes = 64 << 10;  // pack frees a bigger buffer after use

// ---------------------------------------------------------------------------
// Encoding.

struct ScratchBuffer {
  char* data;
  size_t len;
  size_t cap;
  char* parked;  // data, while lua_pushlstring copies it (see the file comment)
  size_t parked_cap;
};

constexpr char kScratchMetatable[] = "shoal.cmsgpack.scratch";

void ResizeScratch(lua_State* L, ScratchBuffer* b, size_t cap) {
  void* ud;
  lua_Alloc alloc = lua_getallocf(L, &ud);
  void* p = alloc(ud, b->data, b->cap, cap);
  if (p == nullptr && cap != 0) luaL_error(L, "not enough memory");
  b->data = static_cast<char*>(p);
  b->cap = cap;
}

int ScratchGc(lua_State* L) {
  auto* b = static_cast<ScratchBuffer*>(lua_touserdata(L, 1));
  if (b == nullptr) return 0;
  ResizeScratch(L, b, 0);
  b->data = b->parked;  // left parked only if lua_pushlstring raised
  b->cap = b->parked_cap;
  b->parked = nullptr;
  ResizeScratch(L, b, 0);
  return 0;
}

// Pushes an empty scratch buffer, freed by its __gc.
ScratchBuffer* NewScratch(lua_State* L) {
  auto* b = static_cast<ScratchBuffer*>(lua_newuserdata(L, sizeof(ScratchBuffer)));
  *b = ScratchBuffer{nullptr, 0, 0, nullptr, 0};
  if (luaL_newmetatable(L, kScratchMetatable)) {
    lua_pushcfunction(L, ScratchGc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  return b;
}

// Pushes the buffer's bytes as a string, parked so that a reentrant pack
// cannot touch them.
void PushScratch(lua_State* L, ScratchBuffer* b) {
  b->parked = b->data;
  b->parked_cap = b->cap;
  b->data = nullptr;
  b->cap = 0;
  lua_pushlstring(L, b->parked != nullptr ? b->parked : "", b->len);
  b->data = b->parked;
  b->cap = b->parked_cap;
  b->parked = nullptr;
  b->parked_cap = 0;
}

void Append(lua_State* L, ScratchBuffer* b, const void* p, size_t n) {
  if (b->cap - b->len < n) {
    if (n > SIZE_MAX / 2 - b->len) luaL_error(L, "not enough memory");
    size_t cap = b->cap < 64 ? 64 : b->cap;
    while (cap < b->len + n) cap *= 2;
    ResizeScratch(L, b, cap);
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

// Appends `tag` followed by the low `width` bytes of `v`, big-endian.
void AppendTagged(lua_State* L, ScratchBuffer* b, uint8_t tag, uint64_t v, int width) {
  unsigned char out[9];
  out[0] = tag;
  for (int i = 0; i < width; i++)
    out[1 + i] = static_cast<unsigned char>(v >> (8 * (width - 1 - i)));
  Append(L, b, out, 1 + width);
}

void EncodeInteger(lua_State* L, ScratchBuffer* b, int64_t v) {
  if (v >= 0) {
    uint64_t u = static_cast<uint64_t>(v);
    if (u <= 0x7f) return AppendTagged(L, b, static_cast<uint8_t>(u), 0, 0);
    if (u <= 0xff) return AppendTagged(L, b, 0xcc, u, 1);
    if (u <= 0xffff) return AppendTagged(L, b, 0xcd, u, 2);
    if (u <= 0xffffffffULL) return AppendTagged(L, b, 0xce, u, 4);
    return AppendTagged(L, b, 0xcf, u, 8);
  }
  uint64_t bits = static_cast<uint64_t>(v);
  if (v >= -32) return AppendTagged(L, b, static_cast<uint8_t>(bits), 0, 0);
  if (v >= -128) return AppendTagged(L, b, 0xd0, bits, 1);
  if (v >= -32768) return AppendTagged(L, b, 0xd1, bits, 2);
  if (v >= INT32_MIN) return AppendTagged(L, b, 0xd2, bits, 4);
  return AppendTagged(L, b, 0xd3, bits, 8);
}

void EncodeNumber(lua_State* L, ScratchBuffer* b, lua_Number n) {
  // Integral and inside int64 (2^63 itself is not): an integer. NaN fails both.
  if (n >= -9223372036854775808.0 && n < 9223372036854775808.0 && n == std::trunc(n)) {
    return EncodeInteger(L, b, static_cast<int64_t>(n));
  }
  // float32 when it round-trips exactly: infinities do, NaN never compares equal.
  if (std::isinf(n) ||
      (std::fabs(n) <= FLT_MAX && static_cast<double>(static_cast<float>(n)) == n)) {
    float f = static_cast<float>(n);
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    return AppendTagged(L, b, 0xca, bits, 4);
  }
  uint64_t bits;
  memcpy(&bits, &n, sizeof bits);
  AppendTagged(L, b, 0xcb, bits, 8);
}

void EncodeString(lua_State* L, ScratchBuffer* b, const char* s, size_t n) {
  if (n < 32) {
    AppendTagged(L, b, static_cast<uint8_t>(0xa0 | n), 0, 0);
  } else if (n <= 0xff) {
    AppendTagged(L, b, 0xd9, n, 1);
  } else if (n <= 0xffff) {
    AppendTagged(L, b, 0xda, n, 2);
  } else {
    AppendTagged(L, b, 0xdb, n, 4);  // Lua strings past 4 GiB are not a concern here
  }
  Append(L, b, s, n);
}

// Array or map header: fix form below 16 entries, then 16- and 32-bit counts.
void EncodeContainerHeader(lua_State* L, ScratchBuffer* b, bool array, size_t n) {
  if (n <= 15) return AppendTagged(L, b, static_cast<uint8_t>((array ? 0x90 : 0x80) | n), 0, 0);
  if (n <= 0xffff) return AppendTagged(L, b, array ? 0xdc : 0xde, n, 2);
  AppendTagged(L, b, array ? 0xdd : 0xdf, n, 4);
}

// True when the keys of the table at the top are exactly 1..n; sets *n.
bool TableIsArray(lua_State* L, size_t* n) {
  luaL_checkstack(L, 2, "in function table_is_an_array");
  size_t count = 0;
  double max = 0;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pop(L, 1);  // the value; the key stays for lua_next
    if (lua_type(L, -1) != LUA_TNUMBER) {
      lua_pop(L, 1);
      return false;
    }
    lua_Number k = lua_tonumber(L, -1);
    if (!(k >= 1 && k < 9223372036854775808.0 && k == std::trunc(k))) {
      lua_pop(L, 1);
      return false;
    }
    count++;
    if (k > max) max = k;
  }
  *n = count;
  return max == static_cast<double>(count);
}

void EncodeTop(lua_State* L, ScratchBuffer* b, int level);

void EncodeTable(lua_State* L, ScratchBuffer* b, int level) {
  size_t n;
  if (TableIsArray(L, &n)) {
    EncodeContainerHeader(L, b, true, n);
    luaL_checkstack(L, 1, "in function mp_encode_lua_table_as_array");
    for (size_t i = 1; i <= n; i++) {
      lua_rawgeti(L, -1, static_cast<int>(i));
      EncodeTop(L, b, level + 1);
    }
    return;
  }
  luaL_checkstack(L, 3, "in function mp_encode_lua_table_as_map");
  size_t pairs = 0;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pop(L, 1);
    pairs++;
  }
  EncodeContainerHeader(L, b, false, pairs);
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pushvalue(L, -2);        // encode a copy: the original key must stay as is for lua_next
    EncodeTop(L, b, level + 1);  // key
    EncodeTop(L, b, level + 1);  // value
  }
}

// Encodes the value at the top of the stack and pops it.
void EncodeTop(lua_State* L, ScratchBuffer* b, int level) {
  int type = lua_type(L, -1);
  if (type == LUA_TTABLE && level == kMaxNesting) type = LUA_TNIL;
  switch (type) {
    case LUA_TSTRING: {
      size_t n;
      const char* s = lua_tolstring(L, -1, &n);
      EncodeString(L, b, s, n);
      break;
    }
    case LUA_TBOOLEAN:
      AppendTagged(L, b, lua_toboolean(L, -1) ? 0xc3 : 0xc2, 0, 0);
      break;
    case LUA_TNUMBER:
      EncodeNumber(L, b, lua_tonumber(L, -1));
      break;
    case LUA_TTABLE:
      EncodeTable(L, b, level);
      break;
    default:  // nil, and what msgpack cannot carry: functions, threads, userdata
      AppendTagged(L, b, 0xc0, 0, 0);
      break;
  }
  lua_pop(L, 1);
}

int Pack(lua_State* L) {
  int nargs = lua_gettop(L);
  if (nargs == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  if (!lua_checkstack(L, nargs))
    return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
  auto* b = static_cast<ScratchBuffer*>(lua_touserdata(L, lua_upvalueindex(1)));
  if (b->parked != nullptr) b = NewScratch(L);  // reentered from a finalizer
  for (int i = 1; i <= nargs; i++) {
    b->len = 0;
    lua_pushvalue(L, i);
    EncodeTop(L, b, 0);
    PushScratch(L, b);
  }
  if (b->cap > kKeptScratchBytes) ResizeScratch(L, b, 0);
  b->len = 0;
  lua_concat(L, nargs);
  return 1;
}

// ---------------------------------------------------------------------------
// Decoding.

enum class DecodeError { kNone, kMissingBytes, kBadFormat };

struct Cursor {
  const unsigned char* p;
  size_t left;
  DecodeError err;
};

bool Need(Cursor* c, size_t n) {
  if (c->left >= n) return true;
  c->err = DecodeError::kMissingBytes;
  return false;
}

uint64_t ReadBigEndian(const unsigned char* p, int width) {
  uint64_t v = 0;
  for (int i = 0; i < width; i++) v = (v << 8) | p[i];
  return v;
}

void Skip(Cursor* c, size_t n) {
  c->p += n;
  c->left -= n;
}

void DecodeValue(lua_State* L, Cursor* c);

// The 1 + width byte header of a string, array or map: its length, or false.
bool ReadLength(Cursor* c, int width, size_t* n) {
  if (!Need(c, 1 + width)) return false;
  *n = ReadBigEndian(c->p + 1, width);
  Skip(c, 1 + width);
  return true;
}

void DecodeString(lua_State* L, Cursor* c, size_t n) {
  if (!Need(c, n)) return;
  lua_pushlstring(L, reinterpret_cast<const char*>(c->p), n);
  Skip(c, n);
}

// An element needs at least one byte, so a huge count on short input stops
// at the first missing element rather than allocating for the count.
void DecodeArray(lua_State* L, Cursor* c, size_t n) {
  lua_newtable(L);
  luaL_checkstack(L, 1, "in function mp_decode_to_lua_array");
  for (size_t i = 1; i <= n; i++) {
    lua_pushnumber(L, static_cast<lua_Number>(i));
    DecodeValue(L, c);
    if (c->err != DecodeError::kNone) return;
    lua_settable(L, -3);
  }
}

void DecodeMap(lua_State* L, Cursor* c, size_t n) {
  lua_newtable(L);
  for (size_t i = 0; i < n; i++) {
    DecodeValue(L, c);
    if (c->err != DecodeError::kNone) return;
    DecodeValue(L, c);
    if (c->err != DecodeError::kNone) return;
    lua_settable(L, -3);  // raises "table index is nil/NaN" for such keys, as Redis's does
  }
}

// Pushes the next object, or sets c->err (possibly leaving partial values on the
// stack, which the caller's error unwinds).
void DecodeValue(lua_State* L, Cursor* c) {
  luaL_checkstack(L, 1, "too many return values at once; use unpack_one or unpack_limit instead.");
  if (!Need(c, 1)) return;
  const unsigned char tag = c->p[0];
  size_t n;
  if (tag <= 0x7f || tag >= 0xe0) {  // positive and negative fixint
    lua_pushnumber(L, static_cast<int8_t>(tag));
    return Skip(c, 1);
  }
  if (tag < 0xc0) {  // fixmap 0x80, fixarray 0x90, fixstr 0xa0
    Skip(c, 1);
    if (tag >= 0xa0) return DecodeString(L, c, tag & 0x1f);
    if (tag >= 0x90) return DecodeArray(L, c, tag & 0x0f);
    return DecodeMap(L, c, tag & 0x0f);
  }
  switch (tag) {
    case 0xc0:
      lua_pushnil(L);
      return Skip(c, 1);
    case 0xc2:
    case 0xc3:
      lua_pushboolean(L, tag == 0xc3);
      return Skip(c, 1);
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf: {  // uint 8..64
      int width = 1 << (tag - 0xcc);
      if (!Need(c, 1 + width)) return;
      uint64_t u = ReadBigEndian(c->p + 1, width);
      // Redis's version reads uint64 as int64: 2^63 and up come back negative.
      lua_Number n = width == 8 ? static_cast<lua_Number>(static_cast<int64_t>(u))
                                : static_cast<lua_Number>(u);
      lua_pushnumber(L, n);
      return Skip(c, 1 + width);
    }
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: {  // int 8..64, sign-extended from its width
      int width = 1 << (tag - 0xd0);
      if (!Need(c, 1 + width)) return;
      uint64_t u = ReadBigEndian(c->p + 1, width);
      int shift = 64 - 8 * width;
      int64_t v = static_cast<int64_t>(u << shift) >> shift;
      lua_pushnumber(L, static_cast<lua_Number>(v));
      return Skip(c, 1 + width);
    }
    case 0xca: {
      if (!Need(c, 5)) return;
      uint32_t bits = static_cast<uint32_t>(ReadBigEndian(c->p + 1, 4));
      float f;
      memcpy(&f, &bits, sizeof f);
      lua_pushnumber(L, f);
      return Skip(c, 5);
    }
    case 0xcb: {
      if (!Need(c, 9)) return;
      uint64_t bits = ReadBigEndian(c->p + 1, 8);
      double d;
      memcpy(&d, &bits, sizeof d);
      lua_pushnumber(L, d);
      return Skip(c, 9);
    }
    case 0xd9:
    case 0xda:
    case 0xdb:  // str 8/16/32
      if (ReadLength(c, 1 << (tag - 0xd9), &n)) DecodeString(L, c, n);
      return;
    case 0xdc:
    case 0xdd:  // array 16/32
      if (ReadLength(c, tag == 0xdc ? 2 : 4, &n)) DecodeArray(L, c, n);
      return;
    case 0xde:
    case 0xdf:  // map 16/32
      if (ReadLength(c, tag == 0xde ? 2 : 4, &n)) DecodeMap(L, c, n);
      return;
    default:  // 0xc1, bin, ext and fixext: Redis's version has none of them
      c->err = DecodeError::kBadFormat;
      return;
  }
}

// luaL_error's %d takes an int; Redis passes wider values and so prints their
// low 32 bits. Do the same, without relying on varargs mismatch.
int Low32(uint64_t v) { return static_cast<int>(static_cast<uint32_t>(v)); }

// Decodes from 0-based `offset` of the string at index 1. limit == 0 with
// offset == 0 means everything, without the leading next-offset result.
int UnpackFrom(lua_State* L, lua_Integer limit, lua_Integer offset) {
  size_t len;
  const char* s = luaL_checklstring(L, 1, &len);
  if (offset < 0 || limit < 0) {
    // Redis prints the input length where the limit would be; keep its text.
    return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.",
                      Low32(static_cast<uint64_t>(offset)), Low32(len));
  }
  if (static_cast<uint64_t>(offset) > len) {
    return luaL_error(L, "Start offset %d greater than input length %d.",
                      Low32(static_cast<uint64_t>(offset)), Low32(len));
  }
  const bool all = limit == 0 && offset == 0;
  Cursor c{reinterpret_cast<const unsigned char*>(s) + offset, len - static_cast<size_t>(offset),
           DecodeError::kNone};
  int count = 0;
  for (; c.left > 0 && (all || count < limit); count++) {
    DecodeValue(L, &c);
    if (c.err == DecodeError::kMissingBytes) return luaL_error(L, "Missing bytes in input.");
    if (c.err == DecodeError::kBadFormat) return luaL_error(L, "Bad data format in input.");
  }
  if (!all) {
    luaL_checkstack(L, 1, "in function mp_unpack_full");
    lua_pushinteger(L, c.left == 0 ? -1 : static_cast<lua_Integer>(len - c.left));
    lua_insert(L, 2);  // results go after the input string, which stays at 1
    count++;
  }
  return count;
}

int Unpack(lua_State* L) { return UnpackFrom(L, 0, 0); }

// Leaves only the input string; with no arguments at all leaves none, so the
// check of argument 1 reports "no value" rather than "nil".
void DropAllButInput(lua_State* L) {
  if (lua_gettop(L) > 1) lua_settop(L, 1);
}

int UnpackOne(lua_State* L) {
  lua_Integer offset = luaL_optinteger(L, 2, 0);
  DropAllButInput(L);
  return UnpackFrom(L, 1, offset);
}

int UnpackLimit(lua_State* L) {
  lua_Integer limit = luaL_checkinteger(L, 2);
  lua_Integer offset = luaL_optinteger(L, 3, 0);
  DropAllButInput(L);
  return UnpackFrom(L, limit, offset);
}

const luaL_Reg kFunctions[] = {
    {"unpack", Unpack},
    {"unpack_one", UnpackOne},
    {"unpack_limit", UnpackLimit},
    {nullptr, nullptr},
};

}  // namespace

extern "C" int luaopen_cmsgpack(lua_State* L) {
  luaL_register(L, "cmsgpack", kFunctions);

  // pack: a closure over its scratch buffer.
  NewScratch(L);
  lua_pushcclosure(L, Pack, 1);
  lua_setfield(L, -2, "pack");

  lua_pushliteral(L, "cmsgpack");
  lua_setfield(L, -2, "_NAME");
  lua_pushliteral(L, "lua-cmsgpack 0.4.0");
  lua_setfield(L, -2, "_VERSION");
  lua_pushliteral(L, "MessagePack C implementation for Lua");
  lua_setfield(L, -2, "_DESCRIPTION");
  return 1;
}
