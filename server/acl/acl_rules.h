// AclRules: one ACL user's definition as Redis 7 keeps it — on/off, nopass,
// password hashes and selectors — with the parser of ACL SETUSER rules, the
// description ACL LIST / GETUSER / SAVE print, and the permission check.
//
// A selector holds what a command may touch: a bit per command (by
// CommandSpec id, subcommands included), first arguments allowed for
// otherwise blocked commands (+select|0), key patterns with read/write
// permissions, channel patterns. The root selector (index 0) carries the
// rules that are not in parentheses; a command is allowed when any selector
// allows it together with all of its keys and channels.
//
// Command rules are also kept as text, the way Redis 7.2 does: "+@all" /
// "-@all" start over, and each later +cmd/-cmd replaces an earlier rule for
// the same command, so that the description replays to the same bits.
//
// Pure data: copyable, no locks (AclUser in acl_registry.h guards one).
#ifndef SHOAL_SERVER_ACL_ACL_RULES_H_
#define SHOAL_SERVER_ACL_ACL_RULES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "server/acl/acl_commands.h"
#include "server/dispatch/client_session.h"

namespace shoal {

struct AclKeyPattern {
  std::string pattern;
  uint8_t perm = kAclKeyAll;  // kAclKeyRead | kAclKeyWrite
};

struct AclSelector {
  static constexpr uint32_t kAllKeys = 1, kAllChannels = 2;
  // Every command allowed, no bit to test: +@all with nothing taken away.
  static constexpr uint32_t kAllCommands = 4;
  // Started from +@all (the description starts "+@all", not "-@all").
  static constexpr uint32_t kFutureCommands = 8;
  uint32_t flags = 0;
  std::vector<uint64_t> allowed;                                     // bit per CommandSpec id
  std::vector<std::pair<int, std::vector<std::string>>> first_args;  // by id, lower case
  std::vector<AclKeyPattern> keys;
  std::vector<std::string> channels;
  std::string command_rules;  // after the leading +@all / -@all

  bool Allowed(int id) const {
    size_t w = static_cast<size_t>(id) / 64;
    return w < allowed.size() && (allowed[w] >> (id % 64)) & 1;
  }
  void SetAllowed(int id, bool on);
  // "~* &* +@all"-style description (ACL LIST; GETUSER splits it).
  std::string Describe() const;
  std::string DescribeKeys() const;
  std::string DescribeChannels() const;
  std::string DescribeCommands() const;
};

class AclRules {
 public:
  // A new user: off, no password, no permissions (ACL SETUSER name).
  // `all_channels`: acl-pubsub-default is allchannels.
  explicit AclRules(bool all_channels = false);
  // The default user at start-up: on nopass ~* &* +@all.
  static AclRules Default(const AclCommandIndex& index);

  // Applies one rule (ACL SETUSER syntax, e.g. ">secret", "~cache:*",
  // "-@dangerous", "(~k* +get)"). On error the rules may be partly changed:
  // apply to a copy. The error message is Redis's ("Syntax error"...).
  absl::Status Apply(const AclCommandIndex& index, std::string_view rule);

  // "on nopass sanitize-payload #<hash> ~* &* +@all (...)": what follows
  // "user <name> " in ACL LIST and the ACL file.
  std::string Describe() const;

  // The check behind every command of a restricted user. Returns the reason
  // and sets *arg_index to the argument that was refused (key or channel).
  AclVerdict::Reason Check(const AclCommandIndex& index, const CommandSpec& spec, CmdArgs args,
                           int* arg_index) const;
  // Whether a selector that allows the command also reads every key (~* or
  // %R~*): SORT's BY / GET patterns need it.
  bool ReadsAnyKey(const AclCommandIndex& index, const CommandSpec& spec, CmdArgs args) const;
  // +@all ~* &* in the root selector: no command needs a check.
  bool Unrestricted() const;
  // Whether a subscription to `channel` is allowed by some selector
  // (`literal`: a PSUBSCRIBE pattern, which must equal an allowed pattern).
  bool ChannelAllowed(std::string_view channel, bool literal) const;

  bool enabled() const { return enabled_; }
  bool nopass() const { return nopass_; }
  const std::vector<std::string>& passwords() const { return passwords_; }
  const std::vector<AclSelector>& selectors() const { return selectors_; }
  // Flag names in Redis's order (on/off, nopass, [skip-]sanitize-payload).
  std::vector<std::string_view> FlagNames() const;

 private:
  absl::Status ApplySelectorRule(const AclCommandIndex& index, AclSelector* s,
                                 std::string_view rule);
  AclSelector NewSelector() const;

  bool enabled_ = false;
  bool nopass_ = false;
  enum class Sanitize : uint8_t { kUnset, kSanitize, kSkip } sanitize_ = Sanitize::kUnset;
  bool all_channels_default_ = false;
  std::vector<std::string> passwords_;  // SHA-256 hex, in the order added
  std::vector<AclSelector> selectors_;  // [0] is the root selector
};

// Splits ACL SETUSER arguments into rules, joining a selector written over
// several arguments ("(~x", "+get)") into one. Error text as Redis's
// ("ERR Unmatched parenthesis in acl selector starting at '(~x'.").
absl::Status MergeSelectorArgs(const std::vector<std::string_view>& args,
                               std::vector<std::string>* rules);

// Whether a user name may be used (no spaces or NUL bytes).
bool ValidUserName(std::string_view name);

}  // namespace shoal

#endif  // SHOAL_SERVER_ACL_ACL_RULES_H_
