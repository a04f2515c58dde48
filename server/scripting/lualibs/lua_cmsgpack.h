// lua_cmsgpack: the `cmsgpack` Lua library of Redis's scripting environment,
// written for Shoal to behave as the lua-cmsgpack 0.4.0 that Redis 7 bundles.
//
//   cmsgpack.pack(v1, ..., vN)           -> one string, the N objects back to back
//   cmsgpack.unpack(s)                   -> every object in s, as multiple values
//   cmsgpack.unpack_one(s [, off])       -> next_off, object
//   cmsgpack.unpack_limit(s, n [, off])  -> next_off, up to n objects
// next_off is -1 once the input is used up. Offsets are 0-based byte offsets.
//
// Encoding (what scripts observe, checked byte for byte against redis-server
// 7.0.15 in lua_cmsgpack_test.cc):
//  - a number that is an integer in int64 range is an int of the smallest
//    msgpack width (positive values use the unsigned forms); any other number
//    is a float32 when float32 holds it exactly, else a float64;
//  - strings are fixstr/str8/str16/str32; booleans and nil as msgpack's;
//  - a table whose keys are exactly 1..n is an array (the empty table too),
//    any other table is a map in lua_next order; tables nested deeper than
//    16 levels, and functions, threads and userdata, encode as nil.
// Decoding accepts every msgpack type Redis's version accepts (not bin/ext),
// pushes integers as Lua numbers (a uint64 is read as an int64, as Redis does),
// and raises "Missing bytes in input." or "Bad data format in input." on
// truncated or unknown input.
//
// Invariants: never reads past the input; never allocates more than the input
// or the value being packed warrants (a length field is believed only once the
// bytes behind it are present); every push is preceded by luaL_checkstack with
// the same limits and messages as Redis's version, so deep or wide input fails
// with the same Lua error instead of overflowing the stack.
//
// Thread-safety: as any Lua C function, called only from the thread that owns
// the lua_State. pack keeps a scratch buffer as an upvalue of its closure, so
// each lua_State gets its own.
#ifndef SHOAL_SERVER_SCRIPTING_LUALIBS_LUA_CMSGPACK_H_
#define SHOAL_SERVER_SCRIPTING_LUALIBS_LUA_CMSGPACK_H_

struct lua_State;

// Creates the `cmsgpack` table, sets it as a global (luaL_register) and leaves
// it on the stack. Returns 1.
extern "C" int luaopen_cmsgpack(lua_State* L);

#endif  // SHOAL_SERVER_SCRIPTING_LUALIBS_LUA_CMSGPACK_H_
