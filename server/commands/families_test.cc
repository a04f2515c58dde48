// Tests of the real command table, as the families fill it: every spec is
// well formed, every syntax string renders back as written (redis-cli's
// hints), and a few commands match Redis byte for byte.
#include "server/commands/families.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/reply_builder.h"
#include "server/dispatch/command_docs.h"
#include "server/dispatch/command_docs_test_util.h"
#include "server/dispatch/command_table.h"

namespace shoal {
namespace {

// ------------------------------------------------- the real command table

class RegisteredCommands : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    table_ = new CommandTable();
    RegisterAllCommands(table_);
  }
  static void TearDownTestSuite() { delete table_; }
  static CommandTable* table_;
};
CommandTable* RegisteredCommands::table_ = nullptr;

TEST_F(RegisteredCommands, SpecsAreWellFormed) {
  std::vector<std::string> seen;
  for (const CommandSpec* spec : table_->all()) {
    SCOPED_TRACE(std::string(spec->name));
    // A container's own handler only runs when its arity allows no subcommand.
    if (spec->subcommands.empty() || spec->arity == -1) {
      EXPECT_NE(spec->handler, nullptr);
    }
    EXPECT_NE(spec->arity, 0);
    for (char c : spec->name) EXPECT_FALSE(c >= 'A' && c <= 'Z');
    EXPECT_EQ(table_->Find(spec->name), spec);
    EXPECT_FALSE(spec->summary.empty());
    EXPECT_FALSE(spec->group.empty());
    if (spec->first_key > 0) {
      EXPECT_NE(spec->key_step, 0);
      EXPECT_NE(spec->last_key, 0);
    }
    for (const CommandSpec& sub : spec->subcommands) {
      SCOPED_TRACE(std::string(sub.name));
      EXPECT_NE(sub.handler, nullptr);
      ASSERT_EQ(sub.name.substr(0, spec->name.size() + 1), std::string(spec->name) + "|");
      EXPECT_EQ(FindByFullName(*table_, sub.name), &sub);
    }
  }
}

TEST_F(RegisteredCommands, EverySyntaxRendersBackAsWritten) {
  // If this fails, a family's syntax string uses a form the DOCS parser does
  // not understand, and redis-cli would show a wrong hint for it.
  auto check = [](const CommandSpec& spec) {
    SCOPED_TRACE(std::string(spec.name));
    std::string_view syntax = spec.syntax;
    std::vector<DocArg> args = CommandArguments(spec);
    std::string rendered = RenderArguments(args);
    std::string expected = Normalize(syntax);
    // A syntax may repeat the command name; the hint does not.
    EXPECT_TRUE(expected == rendered || expected.ends_with(" " + rendered))
        << "syntax:   " << syntax << "\nrendered: " << rendered;
  };
  for (const CommandSpec* spec : table_->all()) {
    check(*spec);
    for (const CommandSpec& sub : spec->subcommands) check(sub);
  }
}

TEST_F(RegisteredCommands, GetAndSetMatchRedis) {
  const CommandSpec* get = table_->Find("get");
  ASSERT_NE(get, nullptr);
  ReplyBuilder rb(2);
  ReplyCommandInfo(&rb, *get);
  EXPECT_TRUE(rb.buffer().starts_with(
      "*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*"))
      << rb.buffer();
  const CommandSpec* set = table_->Find("set");
  ASSERT_NE(set, nullptr);
  std::vector<DocArg> args = CommandArguments(*set);
  ASSERT_GE(args.size(), 2u);
  EXPECT_EQ(args[0].name, "key");
  EXPECT_EQ(args[1].name, "value");
}

TEST_F(RegisteredCommands, ServerFamilyIsRegistered) {
  for (std::string_view name :
       {"info", "config", "command", "time", "lastsave", "shutdown", "memory"}) {
    EXPECT_NE(table_->Find(name), nullptr) << name;
  }
  EXPECT_NE(FindByFullName(*table_, "config|get"), nullptr);
  EXPECT_NE(FindByFullName(*table_, "command|docs"), nullptr);
  const CommandSpec* usage = FindByFullName(*table_, "memory|usage");
  ASSERT_NE(usage, nullptr);
  EXPECT_EQ(usage->first_key, 2);
}

}  // namespace
}  // namespace shoal
