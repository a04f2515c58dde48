// Tests for the command table (case-insensitive lookup, subcommands, ids,
// key positions) and for what COMMAND INFO / COMMAND DOCS derive from it:
// Redis's byte layout for COMMAND INFO, and the syntax-string parser that
// builds the DOCS argument tree redis-cli renders as hints. The table the
// families fill is checked in server/commands/families_test.cc.
#include "server/dispatch/command_table.h"
#include "server/dispatch/key_flags.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/reply_builder.h"
#include "server/dispatch/command_docs.h"
#include "server/dispatch/command_docs_test_util.h"

namespace shoal {
namespace {

void Noop(CommandContext&, CmdArgs) {}

CommandSpec TestSpec(std::string_view name, int arity, uint32_t flags, int first = 0, int last = 0,
                     int step = 0) {
  CommandSpec s;
  s.name = name;
  s.arity = arity;
  s.flags = flags;
  s.first_key = first;
  s.last_key = last;
  s.key_step = step;
  s.handler = Noop;
  AssignKeyFlags(&s);  // as CommandTable::Register does
  return s;
}

std::vector<int> Keys(const CommandSpec& spec, std::vector<std::string_view> args) {
  std::vector<int> out;
  EXPECT_TRUE(CommandTable::KeyIndexes(spec, CmdArgs(args), &out));
  return out;
}

// Keys at "numkeys" then that many arguments (EVAL-like, from index 2).
bool NumKeysFinder(CmdArgs args, std::vector<int>* out) {
  if (args.size() < 3) return false;
  int n = 0;
  for (char c : args[2]) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + (c - '0');
  }
  if (3 + n > static_cast<int>(args.size())) return false;
  for (int i = 0; i < n; ++i) out->push_back(3 + i);
  return true;
}

class CommandTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_.Register(TestSpec("get", 2, kCmdReadOnly | kCmdFast, 1, 1, 1));
    table_.Register(TestSpec("del", -2, kCmdWrite, 1, -1, 1));
    table_.Register(TestSpec("mset", -3, kCmdWrite | kCmdDenyOom, 1, -1, 2));
    table_.Register(TestSpec("blpop", -3, kCmdWrite | kCmdBlocking, 1, -2, 1));
    table_.Register(TestSpec("ping", -1, kCmdFast));
    CommandSpec client = TestSpec("client", -2, 0);
    client.subcommands.push_back(TestSpec("client|kill", -3, kCmdAdmin));
    client.subcommands.push_back(TestSpec("client|no-evict", 3, kCmdAdmin));
    table_.Register(std::move(client));
    CommandSpec eval = TestSpec("eval", -3, kCmdNoScript | kCmdMovableKeys);
    eval.keys_finder = NumKeysFinder;
    table_.Register(std::move(eval));
  }

  CommandTable table_;
};

TEST_F(CommandTableTest, FindIsCaseInsensitive) {
  const CommandSpec* get = table_.Find("get");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(table_.Find("GET"), get);
  EXPECT_EQ(table_.Find("GeT"), get);
  EXPECT_EQ(table_.Find("CLIENT")->name, "client");
}

TEST_F(CommandTableTest, UnknownOrOverlongNamesAreNotFound) {
  EXPECT_EQ(table_.Find("gett"), nullptr);
  EXPECT_EQ(table_.Find(""), nullptr);
  EXPECT_EQ(table_.Find("ge"), nullptr);
  EXPECT_EQ(table_.Find(std::string(200, 'g')), nullptr);
}

TEST_F(CommandTableTest, SubcommandsResolveByShortNameAnyCase) {
  const CommandSpec* client = table_.Find("client");
  ASSERT_NE(client, nullptr);
  const CommandSpec* kill = CommandTable::FindSub(*client, "KILL");
  ASSERT_NE(kill, nullptr);
  EXPECT_EQ(kill->name, "client|kill");
  EXPECT_EQ(CommandTable::FindSub(*client, "No-Evict")->name, "client|no-evict");
  EXPECT_EQ(CommandTable::FindSub(*client, "client|kill"), nullptr);
  EXPECT_EQ(CommandTable::FindSub(*client, "nosuch"), nullptr);
  // Subcommands are not top-level commands.
  EXPECT_EQ(table_.Find("kill"), nullptr);
  EXPECT_EQ(table_.Find("client|kill"), nullptr);
  // COMMAND INFO / DOCS take the full name.
  EXPECT_EQ(FindByFullName(table_, "CLIENT|KILL"), kill);
  EXPECT_EQ(FindByFullName(table_, "client|nosuch"), nullptr);
  EXPECT_EQ(FindByFullName(table_, "get"), table_.Find("get"));
}

TEST_F(CommandTableTest, IdsNumberEverySpecIncludingSubcommands) {
  EXPECT_EQ(table_.all().size(), 7u);
  EXPECT_EQ(table_.spec_count(), 9);
  for (int id = 0; id < table_.spec_count(); ++id) EXPECT_EQ(table_.ById(id)->id, id);
  EXPECT_EQ(table_.ById(table_.Find("client")->id + 1)->name, "client|kill");
}

TEST_F(CommandTableTest, KeyIndexesOfFixedPositions) {
  EXPECT_EQ(Keys(*table_.Find("get"), {"get", "k"}), (std::vector<int>{1}));
  EXPECT_TRUE(Keys(*table_.Find("ping"), {"ping", "hello"}).empty());
}

TEST_F(CommandTableTest, KeyIndexesWithNegativeLastKey) {
  // -1: through the last argument.
  EXPECT_EQ(Keys(*table_.Find("del"), {"del", "a", "b", "c"}), (std::vector<int>{1, 2, 3}));
  // -1 with step 2: key value pairs.
  EXPECT_EQ(Keys(*table_.Find("mset"), {"mset", "a", "1", "b", "2"}), (std::vector<int>{1, 3}));
  // -2: all but the last argument (a timeout).
  EXPECT_EQ(Keys(*table_.Find("blpop"), {"blpop", "a", "b", "0"}), (std::vector<int>{1, 2}));
  EXPECT_EQ(Keys(*table_.Find("blpop"), {"blpop", "a", "0"}), (std::vector<int>{1}));
}

TEST_F(CommandTableTest, KeyIndexesFromKeysFinder) {
  const CommandSpec& eval = *table_.Find("eval");
  EXPECT_EQ(Keys(eval, {"eval", "s", "2", "a", "b", "arg"}), (std::vector<int>{3, 4}));
  EXPECT_TRUE(Keys(eval, {"eval", "s", "0"}).empty());
  std::vector<int> out;
  std::vector<std::string_view> bad = {"eval", "s", "5", "a"};
  EXPECT_FALSE(CommandTable::KeyIndexes(eval, CmdArgs(bad), &out));
}

TEST(CommandFlags, NamesComeInRedisOrder) {
  EXPECT_EQ(CommandFlagNames(kCmdFast | kCmdReadOnly),
            (std::vector<std::string_view>{"readonly", "fast"}));
  EXPECT_EQ(CommandFlagNames(kCmdWrite | kCmdDenyOom | kCmdFast),
            (std::vector<std::string_view>{"write", "denyoom", "fast"}));
  // Shoal's own locking flags are not Redis flags.
  EXPECT_TRUE(CommandFlagNames(kCmdLockAll | kCmdSelfLocking).empty());
}

// ------------------------------------------------------------ COMMAND INFO

TEST(CommandInfo, GetIsByteForByteRedis) {
  CommandSpec get = TestSpec("get", 2, kCmdReadOnly | kCmdFast, 1, 1, 1);
  get.acl_categories = "@read @string @fast";
  ReplyBuilder rb(2);
  ReplyCommandInfo(&rb, get);
  // As redis-server 7 replies COMMAND INFO get (RESP2).
  EXPECT_EQ(rb.buffer(),
            "*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
            "*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n"
            "*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n"
            "$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n"
            "*2\r\n$5\r\nindex\r\n:1\r\n"
            "$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n"
            "*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n");
}

TEST(CommandInfo, Resp3UsesSetsAndMaps) {
  CommandSpec get = TestSpec("get", 2, kCmdReadOnly | kCmdFast, 1, 1, 1);
  get.acl_categories = "@read @string @fast";
  ReplyBuilder rb(3);
  ReplyCommandInfo(&rb, get);
  EXPECT_TRUE(
      rb.buffer().starts_with("*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n"))
      << rb.buffer();
  EXPECT_NE(rb.buffer().find("%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n"), std::string::npos);
}

TEST(CommandInfo, MovableKeysGetAnUnknownKeySpec) {
  CommandSpec cmd = TestSpec("notinthetable", -3, kCmdNoScript);
  cmd.keys_finder = NumKeysFinder;
  ReplyBuilder rb(2);
  ReplyCommandInfo(&rb, cmd);
  EXPECT_NE(rb.buffer().find("+movablekeys\r\n"), std::string::npos);
  EXPECT_NE(rb.buffer().find("$4\r\ntype\r\n$7\r\nunknown\r\n"), std::string::npos);
}

// EVAL's keys are found by code, and described as Redis does: numkeys at
// index 2, the keys after it (command_key_search.h).
TEST(CommandInfo, NumKeysCommandsGetAKeynumKeySpec) {
  CommandSpec eval = TestSpec("eval", -3, kCmdNoScript);
  eval.keys_finder = NumKeysFinder;
  ReplyBuilder rb(2);
  ReplyCommandInfo(&rb, eval);
  EXPECT_EQ(rb.buffer().find("unknown"), std::string::npos) << rb.buffer();
  EXPECT_NE(rb.buffer().find("$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n"
                             "$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:2\r\n"
                             "$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$6\r\nkeynum\r\n"
                             "$4\r\nspec\r\n*6\r\n$9\r\nkeynumidx\r\n:0\r\n"
                             "$8\r\nfirstkey\r\n:1\r\n$7\r\nkeystep\r\n:1\r\n"),
            std::string::npos)
      << rb.buffer();
}

TEST(CommandInfo, DerivedAclCategoriesFollowRedisOrder) {
  CommandSpec set = TestSpec("set", -3, kCmdWrite | kCmdDenyOom, 1, 1, 1);
  set.group = "string";
  EXPECT_EQ(AclCategories(set), (std::vector<std::string>{"@write", "@string", "@slow"}));
  CommandSpec get = TestSpec("get", 2, kCmdReadOnly | kCmdFast, 1, 1, 1);
  get.group = "string";
  EXPECT_EQ(AclCategories(get), (std::vector<std::string>{"@read", "@string", "@fast"}));
  get.acl_categories = "@read  @fast";
  EXPECT_EQ(AclCategories(get), (std::vector<std::string>{"@read", "@fast"}));
}

// ------------------------------------------------------------ COMMAND DOCS

TEST(CommandDocs, SetSyntaxBecomesRedisArgumentTree) {
  std::vector<DocArg> args = ParseSyntax(
      "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | "
      "PXAT unix-time-milliseconds | KEEPTTL]",
      /*has_keys=*/true);
  ASSERT_EQ(args.size(), 5u);
  EXPECT_EQ(args[0].name, "key");
  EXPECT_EQ(args[0].type, DocArg::Type::kKey);
  EXPECT_EQ(args[1].name, "value");
  EXPECT_EQ(args[1].type, DocArg::Type::kString);
  EXPECT_EQ(args[2].type, DocArg::Type::kOneOf);
  EXPECT_TRUE(args[2].optional);
  ASSERT_EQ(args[2].args.size(), 2u);
  EXPECT_EQ(args[2].args[0].type, DocArg::Type::kPureToken);
  EXPECT_EQ(args[2].args[0].token, "NX");
  EXPECT_EQ(args[2].args[0].name, "nx");
  EXPECT_EQ(args[3].type, DocArg::Type::kPureToken);
  EXPECT_EQ(args[3].token, "GET");
  EXPECT_TRUE(args[3].optional);
  const DocArg& exp = args[4];
  EXPECT_EQ(exp.type, DocArg::Type::kOneOf);
  ASSERT_EQ(exp.args.size(), 5u);
  EXPECT_EQ(exp.args[0].name, "seconds");
  EXPECT_EQ(exp.args[0].token, "EX");
  EXPECT_EQ(exp.args[0].type, DocArg::Type::kInteger);
  EXPECT_EQ(exp.args[2].type, DocArg::Type::kUnixTime);
  EXPECT_EQ(exp.args[4].type, DocArg::Type::kPureToken);
  // What redis-cli 7 prints for real Redis's SET docs.
  EXPECT_EQ(RenderArguments(args),
            "key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|"
            "PXAT unix-time-milliseconds|KEEPTTL]");
}

TEST(CommandDocs, RepetitionsFoldIntoMultiple) {
  std::vector<DocArg> del = ParseSyntax("key [key ...]", true);
  ASSERT_EQ(del.size(), 1u);
  EXPECT_TRUE(del[0].multiple);
  EXPECT_FALSE(del[0].optional);
  EXPECT_EQ(del[0].type, DocArg::Type::kKey);

  std::vector<DocArg> mset = ParseSyntax("key value [key value ...]", true);
  ASSERT_EQ(mset.size(), 1u);
  EXPECT_EQ(mset[0].type, DocArg::Type::kBlock);
  EXPECT_EQ(mset[0].name, "key_value");
  EXPECT_TRUE(mset[0].multiple);
  ASSERT_EQ(mset[0].args.size(), 2u);
  EXPECT_EQ(mset[0].args[0].type, DocArg::Type::kKey);
  EXPECT_EQ(RenderArguments(mset), "key value [key value ...]");

  std::vector<DocArg> info = ParseSyntax("[section [section ...]]", false);
  ASSERT_EQ(info.size(), 1u);
  EXPECT_TRUE(info[0].optional);
  EXPECT_TRUE(info[0].multiple);
  EXPECT_EQ(RenderArguments(info), "[section [section ...]]");
}

TEST(CommandDocs, TokensBindToWhatFollows) {
  std::vector<DocArg> sort =
      ParseSyntax("key [GET pattern [GET pattern ...]] [LIMIT offset count]", true);
  ASSERT_EQ(sort.size(), 3u);
  EXPECT_EQ(sort[1].name, "pattern");
  EXPECT_EQ(sort[1].type, DocArg::Type::kPattern);
  EXPECT_EQ(sort[1].token, "GET");
  EXPECT_TRUE(sort[1].optional && sort[1].multiple && sort[1].multiple_token);
  EXPECT_EQ(sort[2].type, DocArg::Type::kBlock);
  EXPECT_EQ(sort[2].token, "LIMIT");
  EXPECT_EQ(sort[2].name, "offset_count");
  EXPECT_EQ(RenderArguments(sort), "key [GET pattern [GET pattern ...]] [LIMIT offset count]");

  std::vector<DocArg> list = ParseSyntax("[ID client-id [client-id ...]]", false);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].name, "client-id");
  EXPECT_EQ(list[0].type, DocArg::Type::kInteger);
  EXPECT_EQ(list[0].token, "ID");
  EXPECT_TRUE(list[0].multiple);
  EXPECT_FALSE(list[0].multiple_token);
  EXPECT_EQ(RenderArguments(list), "[ID client-id [client-id ...]]");
}

TEST(CommandDocs, SymbolsAndRequiredGroups) {
  std::vector<DocArg> xadd = ParseSyntax("key <* | id> field value [field value ...]", true);
  ASSERT_EQ(xadd.size(), 3u);
  EXPECT_EQ(xadd[1].type, DocArg::Type::kOneOf);
  EXPECT_FALSE(xadd[1].optional);
  EXPECT_EQ(xadd[1].args[0].name, "auto_id");
  EXPECT_EQ(xadd[1].args[0].token, "*");
  EXPECT_EQ(RenderArguments(xadd), "key *|id field value [field value ...]");
}

TEST(CommandDocs, RepeatedOneOfAsClientKillPrintsIt) {
  std::string_view kill =
      "<ip:port | <[ID client-id] | [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] | "
      "[USER username] | [ADDR ip:port] | [LADDR ip:port] | [SKIPME <YES | NO>] [[ID client-id] | "
      "[TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] | [USER username] | [ADDR ip:port] | "
      "[LADDR ip:port] | [SKIPME <YES | NO>] ...]>>";
  std::vector<DocArg> args = ParseSyntax(kill, false);
  ASSERT_EQ(args.size(), 1u);
  ASSERT_EQ(args[0].type, DocArg::Type::kOneOf);
  ASSERT_EQ(args[0].args.size(), 2u);
  const DocArg& filters = args[0].args[1];
  EXPECT_EQ(filters.type, DocArg::Type::kOneOf);
  EXPECT_TRUE(filters.multiple);
  EXPECT_EQ(filters.args.size(), 6u);
  EXPECT_EQ(RenderArguments(args), Normalize(kill));
}

TEST(CommandDocs, RepeatedOneOfAfterItsGroup) {
  std::string_view s = "<A | B x> [A | B x ...]";
  std::vector<DocArg> args = ParseSyntax(s, false);
  ASSERT_EQ(args.size(), 1u);
  EXPECT_EQ(args[0].type, DocArg::Type::kOneOf);
  EXPECT_TRUE(args[0].multiple);
  EXPECT_FALSE(args[0].optional);
  EXPECT_EQ(RenderArguments(args), "A|B x [A|B x ...]");
  std::vector<DocArg> zero_or_more = ParseSyntax("key [A | B ...]", false);
  ASSERT_EQ(zero_or_more.size(), 2u);
  EXPECT_TRUE(zero_or_more[1].optional && zero_or_more[1].multiple);
}

TEST(CommandDocs, CommandNameInSyntaxIsSkipped) {
  std::vector<DocArg> a =
      ParseSyntax("CONFIG GET parameter [parameter ...]", false, {"config", "get"});
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].name, "parameter");
  // Only a leading token is skipped, never an argument that happens to match.
  std::vector<DocArg> b = ParseSyntax("key", true, {"key"});
  ASSERT_EQ(b.size(), 1u);
}

TEST(CommandDocs, KeyTypeNeedsAKeyedCommand) {
  EXPECT_EQ(ParseSyntax("key", false)[0].type, DocArg::Type::kString);
  EXPECT_EQ(ParseSyntax("destination", true)[0].type, DocArg::Type::kKey);
  EXPECT_EQ(ParseSyntax("key1 key2", true)[1].type, DocArg::Type::kKey);
  EXPECT_EQ(ParseSyntax("numkeys", true)[0].type, DocArg::Type::kInteger);
}

TEST(CommandDocs, EmptySyntaxHasNoArguments) {
  EXPECT_TRUE(ParseSyntax("", true).empty());
  CommandSpec time = TestSpec("time", 1, kCmdFast);
  time.summary = "Returns the server time.";
  ReplyBuilder rb(2);
  ReplyCommandDocs(&rb, time);
  EXPECT_EQ(rb.buffer().find("arguments"), std::string::npos);
  EXPECT_NE(rb.buffer().find("$5\r\ngroup\r\n"), std::string::npos);
}

TEST(CommandDocs, ArgumentFlagsAreStatusRepliesAsRedisCliRequires) {
  CommandSpec del = TestSpec("del", -2, kCmdWrite, 1, -1, 1);
  del.syntax = "key [key ...]";
  ReplyBuilder rb(2);
  ReplyCommandDocs(&rb, del);
  EXPECT_NE(rb.buffer().find("$9\r\narguments\r\n*1\r\n*8\r\n$4\r\nname\r\n$3\r\nkey\r\n"
                             "$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n"
                             "$5\r\nflags\r\n*1\r\n+multiple\r\n"),
            std::string::npos)
      << rb.buffer();
}

}  // namespace
}  // namespace shoal
