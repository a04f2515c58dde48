// The ACL command (acl_family.cc) and what the connection and client
// families share with it: switching a client to a user after AUTH, and
// disconnecting the clients of deleted users.
#ifndef SHOAL_SERVER_ACL_ACL_FAMILY_H_
#define SHOAL_SERVER_ACL_ACL_FAMILY_H_

#include <memory>
#include <string_view>

#include "server/acl/acl_registry.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/command_table.h"

namespace shoal {

// ACL and its subcommands; binds ProcessAcl() to the table.
void RegisterAclCommands(CommandTable* table);

// AUTH / HELLO AUTH: authenticates ctx.client as `user` with `password`.
// On failure records the attempt in ACL LOG (object: `command`, the name
// the client sent) and returns false.
bool AclAuthenticate(CommandContext& ctx, std::string_view command, std::string_view user,
                     std::string_view password);
// RESET and new connections: the default user, authenticated when it needs
// no password.
void AclResetClient(ClientSession* client);
// Disconnects every client authenticated as `name` (the caller after its
// reply).
void AclDisconnectUser(CommandContext& ctx, std::string_view name);
// After a change of `user`'s rules: disconnects its clients subscribed to a
// channel, pattern or shard channel that the rules no longer allow (as
// Redis does).
void AclDisconnectSubscribersIfNeeded(CommandContext& ctx, const AclUser& user);

}  // namespace shoal

#endif  // SHOAL_SERVER_ACL_ACL_FAMILY_H_
