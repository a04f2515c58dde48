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

  int db() const { return client->db.load(std::memory_order_relaxed); }
  int64_t NowMs() const { return store->clock().NowMs(); }

  void Error(std::string_view text) {
    failed = true;
    reply->Error(text);
  }
  void Error(OpStatus s) { Error(OpStatusText(s)); }
};

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_COMMAND_CONTEXT_H_
