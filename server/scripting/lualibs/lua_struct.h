// lua_struct: the `struct` Lua library of Redis's scripting environment,
// written for Shoal to behave as the one Redis 7 bundles (Roberto
// Ierusalimschy's struct 0.2, with Redis's overflow checks).
//
//   struct.pack(fmt, v1, ...)        -> string
//   struct.unpack(fmt, s [, pos])    -> v1, ..., next_pos   (pos is 1-based)
//   struct.size(fmt)                 -> size in bytes of a fixed-size format
//
// Format: '>' big-endian, '<' little-endian (default: native, little on the
// platforms we build for), '!n' align to at most n bytes (n a power of 2; bare
// '!' is the native maximum, 8), ' ' ignored, 'x' one zero byte of padding,
// 'b'/'B' char, 'h'/'H' short, 'l'/'L' long, 'T' size_t, 'i'/'I' int, 'in'/'In'
// an n-byte int (n <= 32), 'f' float, 'd' double, 's' zero-terminated string,
// 'cn' n chars ('c' alone is one; 'c0' is the whole string when packing, and
// when unpacking takes its length from the value unpacked just before).
// Lower case is signed. Alignment pads each item to min(its size, !n).
//
// Integers travel through Lua numbers (doubles) and 64-bit words: packing
// truncates, out-of-range values and widths past 8 bytes give the same bytes
// as Redis on x86-64 (lua_struct_test.cc has the cases, observed from
// redis-server 7.0.15). Error texts are the library's.
//
// Invariants: never reads past the data (every item is bounds-checked after
// its alignment, with offsets kept in size_t); sizes in the format are parsed
// with an overflow check; pack only copies bytes the arguments hold; unpack
// checks the Lua stack before each result.
//
// Thread-safety: as any Lua C function, only on the thread that owns the
// lua_State. No state outside the call.
#ifndef SHOAL_SERVER_SCRIPTING_LUALIBS_LUA_STRUCT_H_
#define SHOAL_SERVER_SCRIPTING_LUALIBS_LUA_STRUCT_H_

struct lua_State;

// Creates the `struct` table, sets it as a global (luaL_register) and leaves
// it on the stack. Returns 1.
extern "C" int luaopen_struct(lua_State* L);

#endif  // SHOAL_SERVER_SCRIPTING_LUALIBS_LUA_STRUCT_H_
