// CommandContext: everything a handler may use while it runs — the keyspace
// (with its stripes already locked by the dispatcher), the reply builder, the
// calling client's session, and the server state. Built per command by the
// Dispatcher on the connection's worker thread.
#ifndef SHOAL_SERVER_DISPATCH_COMMAND_CONTEXT_H_
#define SHOAL_SERVER_DISPATCH_COMMAND_CONTEXT_H_

#include <cstdint>

#include "protocol/reply_builder.h"
#include "server/dispatch/client_session.h"
#include "server/dispatch/command.h"
#include "server/dispatch/errors.h"
#include "server/dispatch/server_state.h"
#include "server/store/store.h"

namespace shoal {

struct CommandContext {
  Store* store = nullptr;
  ReplyBuilder* reply = nullptr;
  ClientSession* client = nullptr;
  ServerState* server = nullptr;
  const CommandSpec* spec = nullptr;
  int worker = 0;
  class Dispatcher* dispatcher = nullptr;
  // True while EXEC runs its queue (handlers reply into the EXEC array).
  bool in_exec = false;
  // True for commands called by a Lua script (redis.call); in_exec is then
  // true as well. XREAD/XREADGROUP refuse BLOCK there, as Redis does.
  bool in_script = false;
  // Set by handlers that replied with an error (for commandstats failed_calls).
  bool failed = false;
  // The slot every key of the command hashes to, as the dispatcher computed
  // it to lock the keys' stripes; -1 when they span slots, or when no
  // dispatcher computed it (EXEC's queue, scripts, replication).
  int slot = -1;
  // args[1] already hashed by the connection's pipeline look ahead, or null
  // (Dispatcher::Dispatch's key_hint); Key() returns it for those bytes.
  const HashedKey* key_hint = nullptr;
  // The first word of the last error replied ("ERR", "WRONGTYPE"...), for
  // INFO errorstats; error_code_len 0 when none.
  uint8_t error_code_len = 0;
  char error_code[kMaxErrorCodeLen];

  int db() const { return client->db.load(std::memory_order_relaxed); }
  // A key argument of the command (one the command table lists as a key),
  // hashed for the store with the slot the dispatcher already computed.
  HashedKey Key(std::string_view key) const {
    if (key_hint != nullptr && key.data() == key_hint->key.data() &&
        key.size() == key_hint->key.size()) {
      return *key_hint;
    }
    return slot >= 0 ? HashedKey(key, slot) : HashedKey(key);
  }
  int64_t NowMs() const { return store->clock().NowMs(); }

  void Error(std::string_view text) {
    NoteError(text);
    reply->Error(text);
  }
  // For handlers that write an error reply themselves (a script's error):
  // counts it as Error does, without writing.
  void NoteError(std::string_view text) {
    failed = true;
    std::string_view code = ErrorCode(text);
    error_code_len = static_cast<uint8_t>(code.size());
    code.copy(error_code, code.size());
  }
  std::string_view LastErrorCode() const { return {error_code, error_code_len}; }
  void Error(OpStatus s) { Error(OpStatusText(s)); }
};

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_COMMAND_CONTEXT_H_
