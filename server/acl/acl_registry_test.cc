// Unit tests for AclRegistry (users, authentication, the ACL file) and
// AclLog (grouping, trimming).
#include "server/acl/acl_registry.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "server/acl/acl_test_table.h"

namespace shoal {
namespace {

class AclRegistryTest : public ::testing::Test {
 protected:
  AclRegistryTest() {
    FillAclTestTable(&table_);
    acl_.SetTable(&table_);
    acl_.SetRuntime(&rc_);
  }
  absl::Status Set(std::string_view name, std::vector<std::string_view> rules) {
    return acl_.SetUser(name, rules);
  }
  void WriteFile(const std::string& text) { std::ofstream(path_) << text; }

  CommandTable table_;
  RuntimeConfig rc_;
  AclRegistry acl_;
  std::string path_ = ::testing::TempDir() + "/acl_registry_test.acl";
};

TEST_F(AclRegistryTest, DefaultUserAndRequirepass) {
  EXPECT_EQ(acl_.Describe(), (std::vector<std::string>{"user default on nopass ~* &* +@all"}));
  EXPECT_TRUE(acl_.default_user()->unrestricted());
  EXPECT_FALSE(rc_.AuthRequired());
  acl_.SetDefaultPassword("secret");
  EXPECT_TRUE(rc_.AuthRequired());
  EXPECT_EQ(acl_.Authenticate("default", "secret"), acl_.default_user());
  EXPECT_EQ(acl_.Authenticate("default", "wrong"), nullptr);
  acl_.SetDefaultPassword("");
  EXPECT_FALSE(rc_.AuthRequired());
  ASSERT_TRUE(Set("default", {"off"}).ok());
  EXPECT_TRUE(rc_.AuthRequired());
  EXPECT_EQ(acl_.Authenticate("default", "x"), nullptr);
}

TEST_F(AclRegistryTest, SetUserIsAllOrNothing) {
  ASSERT_TRUE(Set("alice", {"on", ">pw", "+get", "~k*"}).ok());
  std::shared_ptr<AclUser> alice = acl_.Find("alice");
  absl::Status st = Set("alice", {"off", "bogus"});
  EXPECT_EQ(st.message(), "ERR Error in ACL SETUSER modifier 'bogus': Syntax error");
  EXPECT_TRUE(alice->Rules().enabled());
  EXPECT_EQ(acl_.Authenticate("alice", "pw"), alice);
  EXPECT_EQ(Set("a b", {}).message(), "ERR Usernames can't contain spaces or null characters");
  // Changes apply to the same object (connected clients see them).
  ASSERT_TRUE(Set("alice", {"off"}).ok());
  EXPECT_EQ(acl_.Find("alice"), alice);
  EXPECT_EQ(acl_.Authenticate("alice", "pw"), nullptr);
}

TEST_F(AclRegistryTest, DelUsersMarksThemDeleted) {
  ASSERT_TRUE(Set("alice", {"on", "nopass", "+@all", "~*", "&*"}).ok());
  std::shared_ptr<AclUser> alice = acl_.Find("alice");
  EXPECT_TRUE(alice->unrestricted());
  std::vector<std::string> deleted;
  EXPECT_EQ(acl_.DelUsers({"default", "alice"}, &deleted).message(),
            "ERR The 'default' user cannot be removed");
  EXPECT_TRUE(deleted.empty());
  ASSERT_TRUE(acl_.DelUsers({"alice", "nobody"}, &deleted).ok());
  EXPECT_EQ(deleted, (std::vector<std::string>{"alice"}));
  EXPECT_FALSE(alice->unrestricted());
  const CommandSpec* get = table_.Find("get");
  std::vector<std::string_view> args = {"get", "k"};
  EXPECT_EQ(alice->DryRun(*get, CmdArgs(args)).reason, AclVerdict::kCommand);
  EXPECT_EQ(acl_.Find("alice"), nullptr);
}

TEST_F(AclRegistryTest, LoadAndSaveTheAclFile) {
  WriteFile("user alice on nopass ~* +get\n\nuser bob on nopass +@all\n");
  ASSERT_TRUE(acl_.SetAclFile(path_).ok());
  EXPECT_EQ(acl_.Names(), (std::vector<std::string>{"alice", "bob", "default"}));
  std::shared_ptr<AclUser> alice = acl_.Find("alice");
  ASSERT_TRUE(Set("carol", {"on", "+get"}).ok());
  ASSERT_TRUE(acl_.Save().ok());
  std::ifstream in(path_);
  std::string saved((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(saved,
            "user alice on nopass ~* resetchannels -@all +get\n"
            "user bob on nopass resetchannels +@all\n"
            "user carol on resetchannels -@all +get\n"
            "user default on nopass ~* &* +@all\n");
  // A malformed file changes nothing.
  WriteFile("user alice on\nnot a user line\n");
  std::vector<std::string> removed;
  absl::Status st = acl_.Load(&removed);
  EXPECT_EQ(st.message(), "ERR " + path_ +
                              ":2 should start with user keyword followed by the username. "
                              "WARNING: ACL errors detected, no change to the previously active "
                              "ACL rules was performed");
  EXPECT_EQ(acl_.Names().size(), 4u);
  // A good one replaces the users; alice keeps her object.
  WriteFile("user alice off\n");
  ASSERT_TRUE(acl_.Load(&removed).ok());
  EXPECT_EQ(removed, (std::vector<std::string>{"bob", "carol"}));
  EXPECT_EQ(acl_.Find("alice"), alice);
  EXPECT_FALSE(alice->Rules().enabled());
  std::remove(path_.c_str());
}

TEST_F(AclRegistryTest, ConfigUserLines) {
  ASSERT_TRUE(acl_.AddConfigUser("alice on >pw (~x +get)").ok());
  EXPECT_EQ(acl_.AddConfigUser("alice off").message(),
            "Duplicate user found. A user can only be defined once in config files");
  ASSERT_TRUE(acl_.AddConfigUser("default on >dpw ~* &* +@all").ok());
  EXPECT_TRUE(rc_.AuthRequired());
  EXPECT_NE(acl_.Authenticate("alice", "pw"), nullptr);
  EXPECT_FALSE(acl_.SetAclFile(path_).ok());
}

TEST(AclLog, GroupsRepeatedEventsAndTrims) {
  AclLog log;
  log.Add("auth", "toplevel", "AUTH", "bob", "info1", 1000);
  log.Add("key", "toplevel", "k", "bob", "info2", 1500);
  log.Add("auth", "toplevel", "AUTH", "bob", "info3", 2000);
  std::vector<AclLogEntry> e = log.Get(-1);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].reason, "auth");
  EXPECT_EQ(e[0].count, 2);
  EXPECT_EQ(e[0].client_info, "info3");
  EXPECT_EQ(e[0].created_ms, 1000);
  EXPECT_EQ(e[0].updated_ms, 2000);
  EXPECT_EQ(e[0].entry_id, 0);
  EXPECT_EQ(e[1].entry_id, 1);
  // Past the grouping window: a new entry.
  log.Add("auth", "toplevel", "AUTH", "bob", "info4", 2000 + AclLog::kGroupingMs + 1);
  EXPECT_EQ(log.Get(-1).size(), 3u);
  log.max_len.store(2);
  log.Add("channel", "lua", "c", "bob", "", 100000);
  EXPECT_EQ(log.Get(-1).size(), 2u);
  EXPECT_EQ(log.Get(1).size(), 1u);
  log.Reset();
  EXPECT_TRUE(log.Get(-1).empty());
}

}  // namespace
}  // namespace shoal
