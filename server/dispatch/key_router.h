// KeyRouter: in cluster mode, decides whether this node serves a request
// whose keys all hash to `slot`. The dispatcher computes the slots of a
// command's keys from the command table (CROSSSLOT when they differ) and asks
// the router; cluster/ implements it. Null in standalone mode.
// Thread-safe: called from every worker.
#ifndef SHOAL_SERVER_DISPATCH_KEY_ROUTER_H_
#define SHOAL_SERVER_DISPATCH_KEY_ROUTER_H_

#include <optional>
#include <string>
#include <string_view>

#include "server/dispatch/client_session.h"
#include "server/dispatch/command.h"

namespace shoal {

class KeyRouter {
 public:
  virtual ~KeyRouter() = default;
  // nullopt when this node serves the slot for this command and client;
  // otherwise the error reply text, e.g. "MOVED 3999 127.0.0.1:6381" or
  // "CLUSTERDOWN Hash slot not served".
  virtual std::optional<std::string> Route(int slot, const CommandSpec& spec,
                                           const ClientSession& client) = 0;
  // With the stripes of a routed command held: true when `slot` is being
  // copied away from this node right now (warm migration), so a key not
  // here may already be at the slot's new owner. Called only for slots
  // Route served here.
  virtual bool SlotInMotion(int slot) { return false; }
  // PUBLISH ran on this node (after local delivery): cluster mode forwards
  // the message to every other node's subscribers.
  virtual void Published(std::string_view channel, std::string_view message) {}
};

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_KEY_ROUTER_H_
