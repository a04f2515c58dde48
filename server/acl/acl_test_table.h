// A small command table for the ACL unit tests: a few commands with the
// flags and categories of their Redis counterparts.
#ifndef SHOAL_SERVER_ACL_ACL_TEST_TABLE_H_
#define SHOAL_SERVER_ACL_ACL_TEST_TABLE_H_

#include "server/dispatch/command.h"
#include "server/dispatch/command_table.h"

namespace shoal {

inline void NoopHandler(CommandContext&, CmdArgs) {}

inline void FillAclTestTable(CommandTable* t) {
  t->Register(MakeSpec("get", 2, kCmdReadOnly | kCmdFast, kOneKey, NoopHandler,
                       {.group = "string", .acl_categories = "@read @string @fast"}));
  t->Register(MakeSpec("set", -3, kCmdWrite | kCmdDenyOom, kOneKey, NoopHandler,
                       {.group = "string", .acl_categories = "@write @string @slow"}));
  t->Register(MakeSpec("mget", -2, kCmdReadOnly | kCmdFast, kAllKeys, NoopHandler,
                       {.group = "string", .acl_categories = "@read @string @fast"}));
  t->Register(MakeSpec("flushall", -1, kCmdWrite, {}, NoopHandler,
                       {.group = "server", .acl_categories = "@keyspace @write @slow @dangerous"}));
  t->Register(MakeSpec("select", 2, kCmdFast, {}, NoopHandler,
                       {.group = "connection", .acl_categories = "@fast @connection"}));
  t->Register(MakeSpec("auth", -2, kCmdNoAuth | kCmdFast, {}, NoopHandler,
                       {.group = "connection", .acl_categories = "@fast @connection"}));
  t->Register(MakeSpec("publish", 3, kCmdPubSub | kCmdFast, {}, NoopHandler,
                       {.group = "pubsub", .acl_categories = "@pubsub @fast"}));
  t->Register(MakeSpec("subscribe", -2, kCmdPubSub, {}, NoopHandler,
                       {.group = "pubsub", .acl_categories = "@pubsub @slow"}));
  t->Register(MakeSpec("psubscribe", -2, kCmdPubSub, {}, NoopHandler,
                       {.group = "pubsub", .acl_categories = "@pubsub @slow"}));
  CommandSpec client = MakeSpec("client", -2, 0, {}, NoopHandler,
                                {.group = "connection", .acl_categories = "@slow"});
  client.subcommands = {
      MakeSpec("client|id", 2, 0, {}, NoopHandler,
               {.group = "connection", .acl_categories = "@slow @connection"}),
      MakeSpec("client|kill", -3, kCmdAdmin, {}, NoopHandler,
               {.group = "connection", .acl_categories = "@admin @slow @dangerous @connection"}),
  };
  t->Register(std::move(client));
}

}  // namespace shoal

#endif  // SHOAL_SERVER_ACL_ACL_TEST_TABLE_H_
