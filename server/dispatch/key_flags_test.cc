// Tests of the key-spec flags: the table reaches the specs, the first and
// later keys of split commands differ, SET and BITFIELD decide per request.
#include "server/dispatch/key_flags.h"

#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "server/dispatch/command_table.h"

namespace shoal {
namespace {

void Nop(CommandContext&, CmdArgs) {}

const CommandSpec* Add(CommandTable* t, std::string_view name, uint32_t flags, KeySpan keys) {
  t->Register(MakeSpec(name, -2, flags, keys, &Nop, {}));
  return t->Find(name);
}

uint16_t Flags(const CommandSpec& spec, std::vector<std::string_view> args, size_t ordinal) {
  return KeyFlagsOf(spec, CmdArgs(args.data(), args.size()), ordinal);
}

TEST(KeyFlags, TableGivesRedisFlagsPerKey) {
  CommandTable t;
  const CommandSpec* incr = Add(&t, "incr", kCmdWrite, kOneKey);
  EXPECT_EQ(Flags(*incr, {"incr", "k"}, 0), kKeyRW | kKeyAccess | kKeyUpdate);
  const CommandSpec* copy = Add(&t, "copy", kCmdWrite, {1, 2, 1});
  EXPECT_EQ(Flags(*copy, {"copy", "a", "b"}, 0), kKeyRO | kKeyAccess);
  EXPECT_EQ(Flags(*copy, {"copy", "a", "b"}, 1), kKeyOW | kKeyUpdate);
  const CommandSpec* exists = Add(&t, "exists", kCmdReadOnly, kAllKeys);
  EXPECT_EQ(Flags(*exists, {"exists", "a", "b"}, 1), kKeyRO);
}

TEST(KeyFlags, SetAndBitfieldDecideFromTheirArguments) {
  CommandTable t;
  const CommandSpec* set = Add(&t, "set", kCmdWrite, kOneKey);
  EXPECT_EQ(Flags(*set, {"set", "k", "v"}, 0), kKeyOW | kKeyUpdate);
  EXPECT_EQ(Flags(*set, {"set", "k", "v", "EX", "1", "get"}, 0),
            kKeyRW | kKeyAccess | kKeyUpdate);
  const CommandSpec* bf = Add(&t, "bitfield", kCmdWrite, kOneKey);
  EXPECT_EQ(Flags(*bf, {"bitfield", "k", "GET", "u8", "0", "OVERFLOW", "SAT"}, 0),
            kKeyRO | kKeyAccess);
  EXPECT_EQ(Flags(*bf, {"bitfield", "k", "GET", "u8", "0", "INCRBY", "u8", "0", "1"}, 0),
            kKeyRW | kKeyAccess | kKeyUpdate);
}

TEST(KeyFlags, UnknownCommandsFollowTheirCommandFlags) {
  CommandTable t;
  const CommandSpec* w = Add(&t, "shoal-write", kCmdWrite, kOneKey);
  EXPECT_EQ(w->key_flags, kKeyRW | kKeyAccess | kKeyUpdate);
  const CommandSpec* r = Add(&t, "shoal-read", kCmdReadOnly, kOneKey);
  EXPECT_EQ(r->key_flags, kKeyRO | kKeyAccess);
  const CommandSpec* none = Add(&t, "shoal-keyless", kCmdWrite, kNoKeys);
  EXPECT_EQ(none->key_flags, 0);
}

TEST(KeyFlags, NamesInRedisOrder) {
  EXPECT_EQ(KeyFlagNames(kKeyRW | kKeyAccess | kKeyDelete | kKeyIncomplete),
            (std::vector<std::string_view>{"RW", "access", "delete", "incomplete"}));
}

}  // namespace
}  // namespace shoal
