// Conversions between RESP replies and Lua values, as Redis documents them
// for scripts (https://redis.io/docs/interact/programmability/lua-api/).
//
// RESP -> Lua (what redis.call returns): integer -> number, bulk -> string,
// null bulk / null array -> false, array -> table, status -> {ok=s},
// error -> {err=s}; RESP3 only: null -> nil, boolean -> boolean, double ->
// {double=n}, big number -> {big_number=s}, map -> {map={k=v}}, set ->
// {set={m=true}}, verbatim -> {verbatim_string={format=f, string=s}};
// attributes are dropped.
//
// Lua -> RESP (what a script returns): string -> bulk, number -> integer
// (truncated), true -> 1 (RESP2) / #t, false -> nil (RESP2) / #f, nil -> nil,
// tables -> {err=} error, {ok=} status, {double=} double, {big_number=},
// {map=}, {set=}, else an array of t[1..n] stopping at the first nil.
#ifndef SHOAL_SERVER_SCRIPTING_LUA_VALUES_H_
#define SHOAL_SERVER_SCRIPTING_LUA_VALUES_H_

#include <string>
#include <string_view>

#include "protocol/reply_builder.h"

extern "C" {
#include <lua.h>
}

namespace shoal {

// Pushes the Lua value of the one complete reply at the start of `resp`
// (bytes written by a ReplyBuilder, so well formed). Returns the bytes used.
size_t PushReplyAsLua(lua_State* L, std::string_view resp);

// Writes the value at stack index `idx` as a reply. Errors are written
// verbatim ("-" + text with CR/LF turned into spaces), as Redis does.
// Booleans follow the script's redis.setresp (`script_resp`): with 3 they
// are RESP booleans (:1/:0 for a RESP2 client); with 2, true is :1 and
// false a null.
void WriteLuaAsReply(lua_State* L, int idx, ReplyBuilder* rb, int script_resp);

// Writes an error reply exactly as given (no "ERR " added).
void WriteRawError(ReplyBuilder* rb, std::string_view text);

// Pushes Redis's error table {err = text}: a text starting with '-' loses
// it, any other gets "ERR " in front (luaPushError's rule).
void PushErrorTable(lua_State* L, std::string_view text);
// PushErrorTable, then raises it (no position prefix: Redis adds the script
// position from the error handler instead). Never returns.
int RaiseErrorTable(lua_State* L, std::string_view text);

}  // namespace shoal

#endif  // SHOAL_SERVER_SCRIPTING_LUA_VALUES_H_
