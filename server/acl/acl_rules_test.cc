// Unit tests for AclRules: the rule language, descriptions, and the check.
#include "server/acl/acl_rules.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/acl/acl_password.h"
#include "server/acl/acl_test_table.h"

namespace shoal {
namespace {

class AclRulesTest : public ::testing::Test {
 protected:
  AclRulesTest() {
    FillAclTestTable(&table_);
    index_ = std::make_unique<AclCommandIndex>(&table_);
  }

  AclRules Make(std::vector<std::string> rules) {
    AclRules r;
    for (const std::string& rule : rules) EXPECT_TRUE(r.Apply(*index_, rule).ok()) << rule;
    return r;
  }
  std::string Error(AclRules& r, std::string_view rule) {
    absl::Status st = r.Apply(*index_, rule);
    return st.ok() ? "OK" : std::string(st.message());
  }
  AclVerdict::Reason Check(const AclRules& r, std::vector<std::string_view> args,
                           int* idx = nullptr) {
    const CommandSpec* spec = table_.Find(args[0]);
    if (!spec->subcommands.empty()) spec = CommandTable::FindSub(*spec, args[1]);
    int i = 0;
    AclVerdict::Reason reason = r.Check(*index_, *spec, CmdArgs(args), &i);
    if (idx != nullptr) *idx = i;
    return reason;
  }

  CommandTable table_;
  std::unique_ptr<AclCommandIndex> index_;
};

TEST_F(AclRulesTest, NewUserIsOffWithoutPermissions) {
  AclRules r;
  EXPECT_EQ(r.Describe(), "off resetchannels -@all");
  EXPECT_EQ(Check(r, {"get", "k"}), AclVerdict::kCommand);
  EXPECT_FALSE(r.Unrestricted());
}

TEST_F(AclRulesTest, DefaultUserIsUnrestricted) {
  AclRules r = AclRules::Default(*index_);
  EXPECT_EQ(r.Describe(), "on nopass ~* &* +@all");
  EXPECT_TRUE(r.Unrestricted());
  EXPECT_EQ(Check(r, {"flushall"}), AclVerdict::kAllowed);
  ASSERT_TRUE(r.Apply(*index_, "-flushall").ok());
  EXPECT_FALSE(r.Unrestricted());
  EXPECT_EQ(r.Describe(), "on nopass ~* &* +@all -flushall");
  EXPECT_EQ(Check(r, {"flushall"}), AclVerdict::kCommand);
  EXPECT_EQ(Check(r, {"get", "k"}), AclVerdict::kAllowed);
}

TEST_F(AclRulesTest, DescribesRulesInTheirOrderReplacingRepeats) {
  AclRules r = Make(
      {"on", "+GET", "+@write", "-get", "+get", "-@write", "~a*", "%R~b", "%W~c", "%RW~d", "&ch"});
  EXPECT_EQ(r.Describe(), "on ~a* %R~b %W~c ~d resetchannels &ch -@all +get -@write");
  AclRules again;
  for (std::string_view rule :
       {"on", "~a*", "%R~b", "%W~c", "~d", "resetchannels", "&ch", "-@all", "+get", "-@write"}) {
    ASSERT_TRUE(again.Apply(*index_, rule).ok());
  }
  EXPECT_EQ(again.Describe(), r.Describe());
  for (int id = 0; id < index_->spec_count(); ++id) {
    EXPECT_EQ(again.selectors()[0].Allowed(id), r.selectors()[0].Allowed(id)) << id;
  }
}

TEST_F(AclRulesTest, ContainersAndSubcommands) {
  AclRules r = Make({"+client", "-client|kill"});
  EXPECT_EQ(Check(r, {"client", "id"}), AclVerdict::kAllowed);
  EXPECT_EQ(Check(r, {"client", "kill", "x"}), AclVerdict::kCommand);
  AclRules s = Make({"+client|kill"});
  EXPECT_EQ(Check(s, {"client", "kill", "x"}), AclVerdict::kAllowed);
  EXPECT_EQ(Check(s, {"client", "id"}), AclVerdict::kCommand);
  EXPECT_EQ(Error(s, "+client|kill|x"), "Allowing first-arg of a subcommand is not supported");
  EXPECT_EQ(Error(s, "+client|nosuch"), "Unknown command or category name in ACL");
  EXPECT_EQ(Error(s, "+get|"), "Syntax error");
}

TEST_F(AclRulesTest, FirstArgumentsOfPlainCommands) {
  AclRules r = Make({"+select|0"});
  EXPECT_EQ(Check(r, {"select", "0"}), AclVerdict::kAllowed);
  EXPECT_EQ(Check(r, {"select", "1"}), AclVerdict::kCommand);
  EXPECT_EQ(r.Describe(), "off resetchannels -@all +select|0");
  ASSERT_TRUE(r.Apply(*index_, "-select").ok());
  EXPECT_EQ(Check(r, {"select", "0"}), AclVerdict::kCommand);
}

TEST_F(AclRulesTest, CategoriesAndNoAuthCommands) {
  AclRules r = Make({"+@read"});
  EXPECT_EQ(Check(r, {"get", "k"}), AclVerdict::kKey);  // no key pattern
  EXPECT_EQ(Check(r, {"set", "k", "v"}), AclVerdict::kCommand);
  EXPECT_EQ(Check(r, {"auth", "p"}), AclVerdict::kAllowed);  // no_auth: always allowed
  EXPECT_EQ(Error(r, "+@nosuch"), "Unknown command or category name in ACL");
  AclRules d = Make({"+@all", "-@dangerous"});
  EXPECT_EQ(Check(d, {"client", "kill", "x"}), AclVerdict::kCommand);
  EXPECT_EQ(Check(d, {"client", "id"}), AclVerdict::kAllowed);
}

TEST_F(AclRulesTest, KeyPatternsWithReadAndWritePermissions) {
  AclRules r = Make({"+@all", "%R~r*", "%W~w*", "~a*"});
  EXPECT_EQ(Check(r, {"get", "r1"}), AclVerdict::kAllowed);
  EXPECT_EQ(Check(r, {"set", "r1", "v"}), AclVerdict::kKey);
  EXPECT_EQ(Check(r, {"set", "w1", "v"}), AclVerdict::kAllowed);
  EXPECT_EQ(Check(r, {"get", "w1"}), AclVerdict::kKey);
  int idx = 0;
  EXPECT_EQ(Check(r, {"mget", "a", "r", "x", "y"}, &idx), AclVerdict::kKey);
  EXPECT_EQ(idx, 3);
  EXPECT_EQ(Check(r, {"flushall"}), AclVerdict::kAllowed);  // keyless
}

TEST_F(AclRulesTest, ChannelsAndLiteralPatterns) {
  AclRules r = Make({"+@all", "&news.*"});
  EXPECT_EQ(Check(r, {"publish", "news.x", "m"}), AclVerdict::kAllowed);
  EXPECT_EQ(Check(r, {"publish", "other", "m"}), AclVerdict::kChannel);
  int idx = 0;
  EXPECT_EQ(Check(r, {"subscribe", "news.a", "other"}, &idx), AclVerdict::kChannel);
  EXPECT_EQ(idx, 2);
  EXPECT_EQ(Check(r, {"psubscribe", "news.*"}), AclVerdict::kAllowed);
  EXPECT_EQ(Check(r, {"psubscribe", "news.a*"}), AclVerdict::kChannel);
  EXPECT_EQ(Error(r, "allchannels"), "OK");
  EXPECT_EQ(Error(r, "&more"),
            "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and "
            "does not have any effect. Try 'resetchannels' to start with an empty list of "
            "channels");
}

TEST_F(AclRulesTest, SelectorsAddPermissionsAndReportTheWorstDenial) {
  AclRules r = Make({"+get", "~a*", "(+set ~b*)", "(+publish &c)"});
  EXPECT_EQ(r.Describe(),
            "off ~a* resetchannels -@all +get (~b* resetchannels -@all +set) (resetchannels &c "
            "-@all +publish)");
  EXPECT_EQ(Check(r, {"get", "a1"}), AclVerdict::kAllowed);
  EXPECT_EQ(Check(r, {"set", "b1", "v"}), AclVerdict::kAllowed);
  EXPECT_EQ(Check(r, {"set", "a1", "v"}), AclVerdict::kKey);
  EXPECT_EQ(Check(r, {"publish", "x", "m"}), AclVerdict::kChannel);
  EXPECT_EQ(Check(r, {"flushall"}), AclVerdict::kCommand);
  ASSERT_TRUE(r.Apply(*index_, "clearselectors").ok());
  EXPECT_EQ(Check(r, {"set", "b1", "v"}), AclVerdict::kCommand);
}

TEST_F(AclRulesTest, Passwords) {
  AclRules r = Make({">one", "#" + HashPassword("two"), ">one"});
  EXPECT_EQ(r.passwords(), (std::vector<std::string>{HashPassword("one"), HashPassword("two")}));
  EXPECT_EQ(Error(r, "<three"),
            "The password you are trying to remove from the user does not exist");
  EXPECT_EQ(Error(r, "#abc"),
            "The password hash must be exactly 64 characters and contain only lowercase "
            "hexadecimal characters");
  EXPECT_EQ(Error(r, "!" + std::string(64, 'g')),
            "The password hash must be exactly 64 characters and contain only lowercase "
            "hexadecimal characters");
  EXPECT_EQ(Error(r, "<one"), "OK");
  EXPECT_EQ(Error(r, "nopass"), "OK");
  EXPECT_TRUE(r.nopass());
  EXPECT_TRUE(r.passwords().empty());
  EXPECT_EQ(Error(r, ">x"), "OK");
  EXPECT_FALSE(r.nopass());
}

TEST_F(AclRulesTest, ResetAndSyntaxErrors) {
  AclRules r = Make({"on", "nopass", "~*", "&*", "+@all", "(+get ~x)"});
  ASSERT_TRUE(r.Apply(*index_, "reset").ok());
  EXPECT_EQ(r.Describe(), "off sanitize-payload resetchannels -@all");
  for (std::string_view bad : {"foo", "", "%~x", "%X~x", "%R", "(+nosuch)"}) {
    EXPECT_NE(Error(r, bad), "OK") << bad;
  }
  EXPECT_EQ(Error(r, "~*"), "OK");
  EXPECT_EQ(Error(r, "~k"),
            "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does "
            "not have any effect. Try 'resetkeys' to start with an empty list of patterns");
}

TEST(AclMergeSelectorArgs, JoinsSelectorsOverSeveralArguments) {
  std::vector<std::string> rules;
  ASSERT_TRUE(MergeSelectorArgs({"on", "(~x", "+get", "-set)", "(+ping)"}, &rules).ok());
  EXPECT_EQ(rules, (std::vector<std::string>{"on", "(~x +get -set)", "(+ping)"}));
  rules.clear();
  absl::Status st = MergeSelectorArgs({"(~x", "+get"}, &rules);
  EXPECT_EQ(st.message(), "Unmatched parenthesis in acl selector starting at '(~x'.");
}

TEST(AclPassword, HashesAndCompares) {
  EXPECT_EQ(HashPassword("pw"), "30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4");
  EXPECT_TRUE(IsPasswordHash(HashPassword("x")));
  EXPECT_FALSE(IsPasswordHash(std::string(63, 'a')));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_EQ(RandomHex(256).size(), 64u);
  EXPECT_EQ(RandomHex(5).size(), 2u);
  EXPECT_NE(RandomHex(128), RandomHex(128));
}

}  // namespace
}  // namespace shoal
