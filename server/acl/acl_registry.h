// AclRegistry: the users of this server (the `default` user always among
// them), ACL SETUSER / DELUSER, authentication, the ACL file (ACL LOAD /
// SAVE, aclfile) and `user` config lines, and the security log.
//
// AclUser is what a client session points at (as its AclPrincipal): a
// stable object per user, shared with the registry, whose rules ACL SETUSER
// and ACL LOAD replace in place under the user's lock, so that clients
// already authenticated as it run under the new rules from their next
// command. ACL DELUSER marks the user deleted (every command is refused
// from then on) and the caller disconnects its clients.
//
// The default user's state is mirrored in RuntimeConfig::auth_required
// (on + nopass: no AUTH needed), which -NOAUTH, protected mode and the
// pre-AUTH input bounds read.
//
// Thread-safe. One registry per process (ProcessAcl()); tests build their
// own.
#ifndef SHOAL_SERVER_ACL_ACL_REGISTRY_H_
#define SHOAL_SERVER_ACL_ACL_REGISTRY_H_

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "server/acl/acl_commands.h"
#include "server/acl/acl_log.h"
#include "server/acl/acl_rules.h"
#include "server/dispatch/client_session.h"
#include "server/dispatch/config_registry.h"

namespace shoal {

class AclRegistry;

class AclUser : public AclPrincipal {
 public:
  AclUser(std::string name, AclRules rules, AclRegistry* registry);

  const std::string& name() const { return name_; }
  AclRules Rules() const;
  void SetRules(AclRules rules);
  // ACL DELUSER / ACL LOAD without it: nothing may run as it any more.
  void MarkDeleted();
  // On, and nopass or one of its passwords.
  bool CheckPassword(std::string_view password) const;

  AclVerdict Check(const CommandContext& ctx, const CommandSpec& spec, CmdArgs args,
                   AclContext context) override;
  // ACL DRYRUN: the verdict with Redis's verbose message, not logged.
  AclVerdict DryRun(const CommandSpec& spec, CmdArgs args) const;
  bool Allows(const CommandSpec& spec, CmdArgs args) const override {
    return DryRun(spec, args).allowed();
  }
  bool ReadsAnyKey(const CommandSpec& spec, CmdArgs args) const override;

 private:
  AclVerdict::Reason Evaluate(const CommandSpec& spec, CmdArgs args, int* idx) const;

  const std::string name_;
  AclRegistry* registry_;
  mutable absl::Mutex mu_;
  AclRules rules_ ABSL_GUARDED_BY(mu_);
  bool deleted_ ABSL_GUARDED_BY(mu_) = false;
};

// The CLIENT LIST line of a client, for ACL LOG (client_family.cc provides
// it; the ACL layer sits below the commands).
using AclClientInfoFn = std::string (*)(const CommandContext& ctx, const ClientSession& client);

class AclRegistry {
 public:
  AclRegistry();

  // The command table rules refer to: complete before the first rule is
  // applied (every family registered), read-only afterwards.
  void SetTable(const CommandTable* table);
  // Where auth_required is mirrored (may stay null in tests).
  void SetRuntime(RuntimeConfig* rc);
  void SetClientInfo(AclClientInfoFn fn) { client_info_.store(fn); }
  std::string ClientInfo(const CommandContext& ctx, const ClientSession& client) const;

  const AclCommandIndex& index();
  AclLog& log() { return log_; }

  std::shared_ptr<AclUser> default_user() { return default_; }
  std::shared_ptr<AclUser> Find(std::string_view name);
  std::vector<std::string> Names();  // sorted
  // "user <name> <rules>" lines, sorted by name (ACL LIST, ACL SAVE).
  std::vector<std::string> Describe();
  // Whether a client must AUTH: the default user has a password or is off.
  bool AuthRequired() const { return auth_required_.load(std::memory_order_relaxed); }

  // ACL SETUSER: creates the user if needed, applies every rule or none.
  // Error text is the whole reply ("ERR Error in ACL SETUSER modifier ...").
  absl::Status SetUser(std::string_view name, const std::vector<std::string_view>& args);
  // ACL DELUSER: the number deleted; the names go to *deleted. Refuses
  // "default" (nothing deleted then).
  absl::Status DelUsers(const std::vector<std::string_view>& names,
                        std::vector<std::string>* deleted);
  // The user if (name, password) authenticates, else null.
  std::shared_ptr<AclUser> Authenticate(std::string_view name, std::string_view password);
  // requirepass: the default user gets exactly this password (or nopass).
  void SetDefaultPassword(std::string_view password);

  // aclfile (start-up only). Loads it at once; refuses when `user` lines
  // were given too.
  absl::Status SetAclFile(std::string_view path);
  std::string AclFile() const;
  // A `user` line of the config file or command line ("alice on >pw ~*").
  absl::Status AddConfigUser(std::string_view line);
  // ACL LOAD: replaces every user with the file's, or changes nothing on
  // error. Users that are gone are returned in *removed (their clients are
  // to be disconnected). Error text is the whole reply.
  absl::Status Load(std::vector<std::string>* removed);
  // ACL SAVE: writes the users to the ACL file (atomically).
  absl::Status Save();

 private:
  absl::Status LoadLocked(std::vector<std::string>* removed) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void UpdateAuthRequired();

  std::once_flag index_once_;
  const CommandTable* table_ = nullptr;
  std::unique_ptr<AclCommandIndex> index_;
  RuntimeConfig* rc_ = nullptr;
  std::atomic<AclClientInfoFn> client_info_{nullptr};
  std::atomic<bool> auth_required_{false};
  AclLog log_;

  mutable absl::Mutex mu_;
  std::shared_ptr<AclUser> default_;
  std::map<std::string, std::shared_ptr<AclUser>, std::less<>> users_ ABSL_GUARDED_BY(mu_);
  std::string aclfile_ ABSL_GUARDED_BY(mu_);
  bool config_users_ ABSL_GUARDED_BY(mu_) = false;

 public:
  // acl-pubsub-default: new users and selectors start with allchannels.
  std::atomic<bool> pubsub_default_all{false};
};

// The process's registry (created on first use; installs its default user
// as DefaultAclPrincipal()).
AclRegistry& ProcessAcl();

// Registers aclfile, user, acllog-max-len, acl-pubsub-default and
// requirepass (the default user's password) with the config registry.
void RegisterAclParams(ConfigRegistry* reg);

}  // namespace shoal

#endif  // SHOAL_SERVER_ACL_ACL_REGISTRY_H_
