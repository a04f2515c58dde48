// AclRegistry implementation: users, authentication, the ACL file and the
// config lines. See acl_registry.h for the locking and lifetime rules.
#include "server/acl/acl_registry.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "base/strings.h"
#include "server/acl/acl_password.h"
#include "server/dispatch/command_context.h"

namespace shoal {
namespace {

constexpr std::string_view kErrNoAclFile =
    "ERR This Redis instance is not configured to use an ACL file. You may want to specify "
    "users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a "
    "Redis configuration file set) in order to store users in the Redis configuration.";
constexpr std::string_view kErrFileAndUsers =
    "Configuring Redis with users defined in redis.conf and at the same setting an ACL file "
    "path is invalid. This setup is very likely to lead to configuration errors and security "
    "holes, please define either an ACL file or declare users directly in your redis.conf, "
    "but not both.";

absl::Status Err(std::string_view msg) { return absl::InvalidArgumentError(ToAbsl(msg)); }

std::vector<std::string_view> SplitSpaces(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    size_t sp = s.find(' ');
    std::string_view w = s.substr(0, sp);
    if (!w.empty()) out.push_back(w);
    if (sp == std::string_view::npos) break;
    s.remove_prefix(sp + 1);
  }
  return out;
}

// The table the default user is described against before the real one is
// bound: empty, so only its flags (which make it unrestricted) matter.
const AclCommandIndex& EmptyIndex() {
  static const CommandTable* table = new CommandTable();
  static const AclCommandIndex* index = new AclCommandIndex(table);
  return *index;
}

}  // namespace

// ------------------------------------------------------------------ AclUser

AclUser::AclUser(std::string name, AclRules rules, AclRegistry* registry)
    : name_(std::move(name)), registry_(registry), rules_(std::move(rules)) {
  unrestricted_.store(rules_.Unrestricted(), std::memory_order_relaxed);
}

AclRules AclUser::Rules() const {
  absl::ReaderMutexLock l(&mu_);
  return rules_;
}

void AclUser::SetRules(AclRules rules) {
  absl::MutexLock l(&mu_);
  rules_ = std::move(rules);
  unrestricted_.store(!deleted_ && rules_.Unrestricted(), std::memory_order_relaxed);
}

void AclUser::MarkDeleted() {
  absl::MutexLock l(&mu_);
  deleted_ = true;
  unrestricted_.store(false, std::memory_order_relaxed);
}

bool AclUser::CheckPassword(std::string_view password) const {
  absl::ReaderMutexLock l(&mu_);
  if (deleted_ || !rules_.enabled()) return false;
  if (rules_.nopass()) return true;
  const std::string hash = HashPassword(password);
  bool ok = false;
  for (const std::string& h : rules_.passwords()) ok |= ConstantTimeEquals(hash, h);
  return ok;
}

AclVerdict::Reason AclUser::Evaluate(const CommandSpec& spec, CmdArgs args, int* idx) const {
  const AclCommandIndex& index = registry_->index();
  absl::ReaderMutexLock l(&mu_);
  if (deleted_) return AclVerdict::kCommand;
  return rules_.Check(index, spec, args, idx);
}

bool AclUser::ReadsAnyKey(const CommandSpec& spec, CmdArgs args) const {
  const AclCommandIndex& index = registry_->index();
  absl::ReaderMutexLock l(&mu_);
  return !deleted_ && rules_.ReadsAnyKey(index, spec, args);
}

AclVerdict AclUser::Check(const CommandContext& ctx, const CommandSpec& spec, CmdArgs args,
                          AclContext context) {
  int idx = 0;
  AclVerdict v;
  v.reason = Evaluate(spec, args, &idx);
  std::string_view reason, object;
  switch (v.reason) {
    case AclVerdict::kAllowed:
      return v;
    case AclVerdict::kCommand:
      v.message =
          StrCat("User ", name_, " has no permissions to run the '", spec.name, "' command");
      reason = "command";
      object = spec.name;
      break;
    case AclVerdict::kKey:
      v.message = "No permissions to access a key";
      reason = "key";
      object = args[idx];
      break;
    case AclVerdict::kChannel:
      v.message = "No permissions to access a channel";
      reason = "channel";
      object = args[idx];
      break;
  }
  std::string_view where = context == AclContext::kLua     ? "lua"
                           : context == AclContext::kMulti ? "multi"
                                                           : "toplevel";
  registry_->log().Add(reason, where, object, name_, registry_->ClientInfo(ctx, *ctx.client),
                       ctx.NowMs());
  if (ctx.server != nullptr) {
    std::atomic<int64_t>& counter = v.reason == AclVerdict::kKey       ? ctx.server->acl_denied_key
                                    : v.reason == AclVerdict::kChannel ? ctx.server->acl_denied_channel
                                                                       : ctx.server->acl_denied_cmd;
    counter.fetch_add(1, std::memory_order_relaxed);
  }
  return v;
}

AclVerdict AclUser::DryRun(const CommandSpec& spec, CmdArgs args) const {
  int idx = 0;
  AclVerdict v;
  v.reason = Evaluate(spec, args, &idx);
  switch (v.reason) {
    case AclVerdict::kAllowed:
      break;
    case AclVerdict::kCommand:
      v.message =
          StrCat("User ", name_, " has no permissions to run the '", spec.name, "' command");
      break;
    case AclVerdict::kKey:
      v.message = StrCat("No permissions to access the '", args[idx], "' key");
      break;
    case AclVerdict::kChannel:
      v.message = StrCat("No permissions to access the '", args[idx], "' channel");
      break;
  }
  return v;
}

// -------------------------------------------------------------- AclRegistry

AclRegistry::AclRegistry() {
  AclRules placeholder = AclRules::Default(EmptyIndex());
  default_ = std::make_shared<AclUser>("default", std::move(placeholder), this);
  absl::MutexLock l(&mu_);
  users_["default"] = default_;
}

void AclRegistry::SetTable(const CommandTable* table) { table_ = table; }

void AclRegistry::SetRuntime(RuntimeConfig* rc) {
  rc_ = rc;
  UpdateAuthRequired();
}

const AclCommandIndex& AclRegistry::index() {
  std::call_once(index_once_, [this] {
    if (table_ == nullptr) {
      index_ = std::make_unique<AclCommandIndex>(&EmptyIndex().table());
      return;
    }
    index_ = std::make_unique<AclCommandIndex>(table_);
    // The placeholder had no command bits: give the default user real ones
    // before anything can change it (every change goes through index()).
    default_->SetRules(AclRules::Default(*index_));
  });
  return *index_;
}

std::string AclRegistry::ClientInfo(const CommandContext& ctx, const ClientSession& client) const {
  AclClientInfoFn fn = client_info_.load();
  return fn != nullptr ? fn(ctx, client) : std::string();
}

std::shared_ptr<AclUser> AclRegistry::Find(std::string_view name) {
  absl::ReaderMutexLock l(&mu_);
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : it->second;
}

std::vector<std::string> AclRegistry::Names() {
  absl::ReaderMutexLock l(&mu_);
  std::vector<std::string> out;
  for (const auto& [name, u] : users_) out.push_back(name);
  return out;
}

std::vector<std::string> AclRegistry::Describe() {
  index();
  absl::ReaderMutexLock l(&mu_);
  std::vector<std::string> out;
  for (const auto& [name, u] : users_)
    out.push_back(StrCat("user ", name, " ", u->Rules().Describe()));
  return out;
}

void AclRegistry::UpdateAuthRequired() {
  AclRules r = default_->Rules();
  const bool required = !(r.enabled() && r.nopass());
  auth_required_.store(required, std::memory_order_relaxed);
  if (rc_ != nullptr) rc_->auth_required.store(required, std::memory_order_relaxed);
}

absl::Status AclRegistry::SetUser(std::string_view name,
                                  const std::vector<std::string_view>& args) {
  const AclCommandIndex& idx = index();
  if (!ValidUserName(name)) return Err("ERR Usernames can't contain spaces or null characters");
  std::vector<std::string> rules;
  absl::Status st = MergeSelectorArgs(args, &rules);
  if (!st.ok()) return Err(StrCat("ERR ", ToStd(st.message())));
  absl::MutexLock l(&mu_);
  auto it = users_.find(name);
  AclRules r = it != users_.end() ? it->second->Rules()
                                  : AclRules(pubsub_default_all.load(std::memory_order_relaxed));
  for (const std::string& rule : rules) {
    st = r.Apply(idx, rule);
    if (!st.ok()) {
      return Err(StrCat("ERR Error in ACL SETUSER modifier '", rule, "': ", ToStd(st.message())));
    }
  }
  if (it != users_.end()) {
    it->second->SetRules(std::move(r));
  } else {
    users_[std::string(name)] = std::make_shared<AclUser>(std::string(name), std::move(r), this);
  }
  if (name == "default") UpdateAuthRequired();
  return absl::OkStatus();
}

absl::Status AclRegistry::DelUsers(const std::vector<std::string_view>& names,
                                   std::vector<std::string>* deleted) {
  absl::MutexLock l(&mu_);
  for (std::string_view n : names) {
    if (n == "default") return Err("ERR The 'default' user cannot be removed");
  }
  for (std::string_view n : names) {
    auto it = users_.find(n);
    if (it == users_.end()) continue;
    it->second->MarkDeleted();
    deleted->push_back(it->first);
    users_.erase(it);
  }
  return absl::OkStatus();
}

std::shared_ptr<AclUser> AclRegistry::Authenticate(std::string_view name,
                                                   std::string_view password) {
  std::shared_ptr<AclUser> u = Find(name);
  if (u == nullptr || !u->CheckPassword(password)) return nullptr;
  return u;
}

void AclRegistry::SetDefaultPassword(std::string_view password) {
  const AclCommandIndex& idx = index();
  AclRules r = default_->Rules();
  r.Apply(idx, "resetpass").IgnoreError();
  if (password.empty()) {
    r.Apply(idx, "nopass").IgnoreError();
  } else {
    r.Apply(idx, StrCat(">", password)).IgnoreError();
  }
  default_->SetRules(std::move(r));
  UpdateAuthRequired();
}

std::string AclRegistry::AclFile() const {
  absl::ReaderMutexLock l(&mu_);
  return aclfile_;
}

absl::Status AclRegistry::SetAclFile(std::string_view path) {
  index();
  absl::MutexLock l(&mu_);
  if (config_users_) return Err(kErrFileAndUsers);
  aclfile_ = std::string(path);
  if (aclfile_.empty()) return absl::OkStatus();
  std::vector<std::string> removed;
  absl::Status st = LoadLocked(&removed);
  if (!st.ok()) {
    std::string_view msg = ToStd(st.message());
    if (StartsWith(msg, "ERR ")) msg.remove_prefix(4);
    return Err(StrCat("Aborting Redis startup because of ACL errors: ", msg));
  }
  return absl::OkStatus();
}

absl::Status AclRegistry::AddConfigUser(std::string_view line) {
  const AclCommandIndex& idx = index();
  std::vector<std::string_view> words = SplitSpaces(line);
  if (words.empty()) return Err("wrong number of arguments");
  {
    absl::MutexLock l(&mu_);
    if (!aclfile_.empty()) return Err(kErrFileAndUsers);
    config_users_ = true;
  }
  std::string_view name = words[0];
  if (!ValidUserName(name)) return Err("Usernames can't contain spaces or null characters");
  std::vector<std::string> rules;
  absl::Status st = MergeSelectorArgs({words.begin() + 1, words.end()}, &rules);
  if (!st.ok()) return st;
  absl::MutexLock l(&mu_);
  auto it = users_.find(name);
  // As Redis: a config line defines a user once; for "default" it starts
  // from a reset user, for others from a new one.
  AclRules r(pubsub_default_all.load(std::memory_order_relaxed));
  if (name == "default") {
    r = it->second->Rules();
    r.Apply(idx, "reset").IgnoreError();
  } else if (it != users_.end()) {
    return Err("Duplicate user found. A user can only be defined once in config files");
  }
  for (const std::string& rule : rules) {
    st = r.Apply(idx, rule);
    if (!st.ok()) {
      return Err(StrCat("Error in user declaration '", rule, "': ", ToStd(st.message())));
    }
  }
  if (it != users_.end()) {
    it->second->SetRules(std::move(r));
  } else {
    users_[std::string(name)] = std::make_shared<AclUser>(std::string(name), std::move(r), this);
  }
  if (name == "default") UpdateAuthRequired();
  return absl::OkStatus();
}

absl::Status AclRegistry::Load(std::vector<std::string>* removed) {
  index();
  absl::MutexLock l(&mu_);
  if (aclfile_.empty()) return Err(kErrNoAclFile);
  return LoadLocked(removed);
}

absl::Status AclRegistry::LoadLocked(std::vector<std::string>* removed) {
  const AclCommandIndex& idx = *index_;
  std::ifstream in(aclfile_);
  if (!in) {
    return Err(StrCat("ERR Error loading ACLs, opening file '", aclfile_, "': ", strerror(errno)));
  }
  const bool all_channels = pubsub_default_all.load(std::memory_order_relaxed);
  std::map<std::string, AclRules, std::less<>> loaded;
  std::string errors;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    std::string_view l = line;
    while (!l.empty() &&
           (l.back() == '\r' || l.back() == '\n' || l.back() == ' ' || l.back() == '\t')) {
      l.remove_suffix(1);
    }
    while (!l.empty() && (l.front() == ' ' || l.front() == '\t')) l.remove_prefix(1);
    if (l.empty()) continue;
    std::vector<std::string_view> words = SplitSpaces(l);
    if (words.empty()) continue;
    if (words[0] != "user" || words.size() < 2) {
      StrAppend(&errors, aclfile_, ":", lineno,
                " should start with user keyword followed by the username. ");
      continue;
    }
    std::string_view name = words[1];
    if (!ValidUserName(name)) {
      StrAppend(&errors, "'", aclfile_, ":", lineno, ": username '", name,
                "' contains invalid characters. ");
      continue;
    }
    if (loaded.count(name) != 0) {
      StrAppend(&errors, "WARNING: Duplicate user '", name, "' found on line ", lineno, ". ");
      continue;
    }
    std::vector<std::string> rules;
    if (!MergeSelectorArgs({words.begin() + 2, words.end()}, &rules).ok()) {
      StrAppend(&errors, aclfile_, ":", lineno, ": Unmatched parenthesis in selector definition.");
      continue;
    }
    AclRules r(all_channels);
    for (const std::string& rule : rules) {
      absl::Status st = r.Apply(idx, rule);
      if (!st.ok()) {
        StrAppend(&errors, aclfile_, ":", lineno, ": ", ToStd(st.message()), ". ");
        break;
      }
    }
    loaded.emplace(std::string(name), std::move(r));
  }
  if (!errors.empty()) {
    return Err(StrCat("ERR ", errors,
                      "WARNING: ACL errors detected, no change to the previously active ACL "
                      "rules was performed"));
  }
  // Without a default line the default user starts over (as Redis).
  if (loaded.count("default") == 0) loaded.emplace("default", AclRules::Default(idx));
  for (auto it = users_.begin(); it != users_.end();) {
    if (loaded.count(it->first) == 0) {
      it->second->MarkDeleted();
      removed->push_back(it->first);
      it = users_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& [name, rules] : loaded) {
    auto it = users_.find(name);
    if (it != users_.end()) {
      it->second->SetRules(std::move(rules));
    } else {
      users_[name] = std::make_shared<AclUser>(name, std::move(rules), this);
    }
  }
  UpdateAuthRequired();
  return absl::OkStatus();
}

absl::Status AclRegistry::Save() {
  std::vector<std::string> lines = Describe();
  std::string path = AclFile();
  if (path.empty()) return Err(kErrNoAclFile);
  const std::string tmp = StrCat(path, ".shoal-tmp-", getpid());
  bool ok = false;
  if (FILE* f = fopen(tmp.c_str(), "w")) {
    ok = true;
    for (const std::string& l : lines) ok = ok && fprintf(f, "%s\n", l.c_str()) >= 0;
    ok = (fflush(f) == 0) && ok && fsync(fileno(f)) == 0;
    ok = (fclose(f) == 0) && ok;
  }
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    unlink(tmp.c_str());
    return Err(
        "ERR There was an error trying to save the ACLs. Please check the server logs for more "
        "information");
  }
  return absl::OkStatus();
}

AclRegistry& ProcessAcl() {
  static AclRegistry* registry = [] {
    auto* r = new AclRegistry();
    DefaultAclPrincipal() = r->default_user();
    return r;
  }();
  return *registry;
}

}  // namespace shoal
