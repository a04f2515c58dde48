// AclRules implementation: the ACL SETUSER rule language, descriptions and
// the per-command check. Error messages are Redis's.
#include "server/acl/acl_rules.h"

#include <algorithm>

#include "base/strings.h"
#include "server/acl/acl_password.h"
#include "server/dispatch/command_docs.h"
#include "server/dispatch/glob_match.h"

namespace shoal {
namespace {

constexpr std::string_view kErrSyntaxRule = "Syntax error";
constexpr std::string_view kErrUnknownCommand = "Unknown command or category name in ACL";
constexpr std::string_view kErrKeysAfterAll =
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not "
    "have any effect. Try 'resetkeys' to start with an empty list of patterns";
constexpr std::string_view kErrChannelsAfterAll =
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not "
    "have any effect. Try 'resetchannels' to start with an empty list of channels";
constexpr std::string_view kErrNoSuchPassword =
    "The password you are trying to remove from the user does not exist";
constexpr std::string_view kErrBadHash =
    "The password hash must be exactly 64 characters and contain only lowercase hexadecimal "
    "characters";
constexpr std::string_view kErrSubcommandFirstArg =
    "Allowing first-arg of a subcommand is not supported";

absl::Status Fail(std::string_view msg) { return absl::InvalidArgumentError(ToAbsl(msg)); }

bool Is(std::string_view a, std::string_view b) { return EqualsIgnoreCase(a, b); }

bool IsSubcommand(const CommandSpec& spec) { return spec.name.find('|') != std::string_view::npos; }

void ChangePerm(AclSelector* s, const CommandSpec& spec, bool allow) {
  s->SetAllowed(spec.id, allow);
  s->first_args.erase(std::remove_if(s->first_args.begin(), s->first_args.end(),
                                     [&](const auto& fa) { return fa.first == spec.id; }),
                      s->first_args.end());
  for (const CommandSpec& sub : spec.subcommands) s->SetAllowed(sub.id, allow);
}

// Replaces an earlier rule for the same command (or category) and appends
// this one, as Redis 7.2 keeps command rules.
void UpdateCommandRules(AclSelector* s, std::string_view name, bool allow) {
  std::string lower = AsciiLower(name);
  std::string out;
  std::string_view rest = s->command_rules;
  while (!rest.empty()) {
    size_t sp = rest.find(' ');
    std::string_view tok = rest.substr(0, sp);
    rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp + 1);
    if (tok.empty()) continue;
    if (tok.substr(1) == lower) continue;
    if (!out.empty()) out.push_back(' ');
    out.append(tok);
  }
  if (!out.empty()) out.push_back(' ');
  out.push_back(allow ? '+' : '-');
  out.append(lower);
  s->command_rules = std::move(out);
}

void SetAllCommands(const AclCommandIndex& index, AclSelector* s, bool allow) {
  s->allowed.assign((index.spec_count() + 63) / 64, allow ? ~uint64_t{0} : 0);
  s->first_args.clear();
  s->command_rules.clear();
  if (allow) {
    s->flags |= AclSelector::kAllCommands | AclSelector::kFutureCommands;
  } else {
    s->flags &= ~(AclSelector::kAllCommands | AclSelector::kFutureCommands);
  }
}

}  // namespace

void AclSelector::SetAllowed(int id, bool on) {
  size_t w = static_cast<size_t>(id) / 64;
  if (w >= allowed.size()) allowed.resize(w + 1, 0);
  if (on) {
    allowed[w] |= uint64_t{1} << (id % 64);
  } else {
    allowed[w] &= ~(uint64_t{1} << (id % 64));
    flags &= ~kAllCommands;
  }
}

std::string AclSelector::DescribeKeys() const {
  if (flags & kAllKeys) return "~*";
  std::string out;
  for (const AclKeyPattern& k : keys) {
    if (!out.empty()) out.push_back(' ');
    out.append(k.perm == kAclKeyAll ? "~" : k.perm == kAclKeyRead ? "%R~" : "%W~");
    out.append(k.pattern);
  }
  return out;
}

std::string AclSelector::DescribeChannels() const {
  if (flags & kAllChannels) return "&*";
  std::string out;
  for (const std::string& c : channels) {
    if (!out.empty()) out.push_back(' ');
    StrAppend(&out, "&", c);
  }
  return out;
}

std::string AclSelector::DescribeCommands() const {
  std::string out = (flags & kFutureCommands) ? "+@all" : "-@all";
  if (!command_rules.empty()) StrAppend(&out, " ", command_rules);
  return out;
}

std::string AclSelector::Describe() const {
  std::string out = DescribeKeys();
  if (!out.empty()) out.push_back(' ');
  if (flags & kAllChannels) {
    out.append("&*");
  } else {
    out.append("resetchannels");
    for (const std::string& c : channels) StrAppend(&out, " &", c);
  }
  StrAppend(&out, " ", DescribeCommands());
  return out;
}

AclRules::AclRules(bool all_channels) : all_channels_default_(all_channels) {
  selectors_.push_back(NewSelector());
}

AclSelector AclRules::NewSelector() const {
  AclSelector s;
  if (all_channels_default_) s.flags |= AclSelector::kAllChannels;
  return s;
}

AclRules AclRules::Default(const AclCommandIndex& index) {
  AclRules r;
  for (std::string_view rule : {"+@all", "~*", "&*", "on", "nopass"}) {
    r.Apply(index, rule).IgnoreError();
  }
  return r;
}

std::vector<std::string_view> AclRules::FlagNames() const {
  std::vector<std::string_view> out;
  out.push_back(enabled_ ? "on" : "off");
  if (nopass_) out.push_back("nopass");
  if (sanitize_ == Sanitize::kSkip) out.push_back("skip-sanitize-payload");
  if (sanitize_ == Sanitize::kSanitize) out.push_back("sanitize-payload");
  return out;
}

std::string AclRules::Describe() const {
  std::string out;
  for (std::string_view f : FlagNames()) StrAppend(&out, f, " ");
  for (const std::string& p : passwords_) StrAppend(&out, "#", p, " ");
  out.append(selectors_[0].Describe());
  for (size_t i = 1; i < selectors_.size(); ++i)
    StrAppend(&out, " (", selectors_[i].Describe(), ")");
  return out;
}

bool AclRules::Unrestricted() const {
  constexpr uint32_t kAll =
      AclSelector::kAllCommands | AclSelector::kAllKeys | AclSelector::kAllChannels;
  return (selectors_[0].flags & kAll) == kAll;
}

bool AclRules::ChannelAllowed(std::string_view channel, bool literal) const {
  for (const AclSelector& s : selectors_) {
    if (s.flags & AclSelector::kAllChannels) return true;
    for (const std::string& p : s.channels) {
      if (literal ? p == channel : GlobMatch(p, channel)) return true;
    }
  }
  return false;
}

absl::Status AclRules::Apply(const AclCommandIndex& index, std::string_view rule) {
  if (rule.empty()) return Fail(kErrSyntaxRule);
  if (Is(rule, "on")) {
    enabled_ = true;
  } else if (Is(rule, "off")) {
    enabled_ = false;
  } else if (Is(rule, "skip-sanitize-payload")) {
    sanitize_ = Sanitize::kSkip;
  } else if (Is(rule, "sanitize-payload")) {
    sanitize_ = Sanitize::kSanitize;
  } else if (Is(rule, "nopass")) {
    nopass_ = true;
    passwords_.clear();
  } else if (Is(rule, "resetpass")) {
    nopass_ = false;
    passwords_.clear();
  } else if (rule[0] == '>' || rule[0] == '#') {
    std::string hash;
    if (rule[0] == '>') {
      hash = HashPassword(rule.substr(1));
    } else {
      if (!IsPasswordHash(rule.substr(1))) return Fail(kErrBadHash);
      hash = std::string(rule.substr(1));
    }
    if (std::find(passwords_.begin(), passwords_.end(), hash) == passwords_.end()) {
      passwords_.push_back(std::move(hash));
    }
    nopass_ = false;
  } else if (rule[0] == '<' || rule[0] == '!') {
    std::string hash;
    if (rule[0] == '<') {
      hash = HashPassword(rule.substr(1));
    } else {
      if (!IsPasswordHash(rule.substr(1))) return Fail(kErrBadHash);
      hash = std::string(rule.substr(1));
    }
    auto it = std::find(passwords_.begin(), passwords_.end(), hash);
    if (it == passwords_.end()) return Fail(kErrNoSuchPassword);
    passwords_.erase(it);
  } else if (rule[0] == '(' && rule.back() == ')') {
    AclSelector s = NewSelector();
    std::string_view body = rule.substr(1, rule.size() - 2);
    while (!body.empty()) {
      size_t sp = body.find(' ');
      std::string_view r = body.substr(0, sp);
      body = sp == std::string_view::npos ? std::string_view() : body.substr(sp + 1);
      if (r.empty()) continue;
      absl::Status st = ApplySelectorRule(index, &s, r);
      if (!st.ok()) return st;
    }
    selectors_.push_back(std::move(s));
  } else if (Is(rule, "clearselectors")) {
    selectors_.resize(1);
  } else if (Is(rule, "reset")) {
    for (std::string_view r : {"resetpass", "resetkeys", "resetchannels"}) {
      Apply(index, r).IgnoreError();
    }
    if (all_channels_default_) Apply(index, "allchannels").IgnoreError();
    for (std::string_view r : {"off", "sanitize-payload", "clearselectors", "-@all"}) {
      Apply(index, r).IgnoreError();
    }
  } else {
    return ApplySelectorRule(index, &selectors_[0], rule);
  }
  return absl::OkStatus();
}

absl::Status AclRules::ApplySelectorRule(const AclCommandIndex& index, AclSelector* s,
                                         std::string_view rule) {
  if (rule.empty()) return Fail(kErrSyntaxRule);
  if (Is(rule, "allkeys") || rule == "~*") {
    s->flags |= AclSelector::kAllKeys;
    s->keys.clear();
  } else if (Is(rule, "resetkeys")) {
    s->flags &= ~AclSelector::kAllKeys;
    s->keys.clear();
  } else if (Is(rule, "allchannels") || rule == "&*") {
    s->flags |= AclSelector::kAllChannels;
    s->channels.clear();
  } else if (Is(rule, "resetchannels")) {
    s->flags &= ~AclSelector::kAllChannels;
    s->channels.clear();
  } else if (Is(rule, "allcommands") || Is(rule, "+@all")) {
    SetAllCommands(index, s, true);
  } else if (Is(rule, "nocommands") || Is(rule, "-@all")) {
    SetAllCommands(index, s, false);
  } else if (rule[0] == '~' || rule[0] == '%') {
    if (s->flags & AclSelector::kAllKeys) return Fail(kErrKeysAfterAll);
    uint8_t perm = 0;
    size_t pos = 1;
    if (rule[0] == '%') {
      bool tilde = false;
      for (; pos < rule.size(); ++pos) {
        char c = absl::ascii_toupper(rule[pos]);
        if (c == 'R' && !(perm & kAclKeyRead)) {
          perm |= kAclKeyRead;
        } else if (c == 'W' && !(perm & kAclKeyWrite)) {
          perm |= kAclKeyWrite;
        } else if (c == '~') {
          tilde = true;
          ++pos;
          break;
        } else {
          return Fail(kErrSyntaxRule);
        }
      }
      if (!tilde || perm == 0) return Fail(kErrSyntaxRule);
    } else {
      perm = kAclKeyAll;
    }
    std::string_view pattern = rule.substr(pos);
    if (pattern == "*" && perm == kAclKeyAll) {
      s->flags |= AclSelector::kAllKeys;
      s->keys.clear();
      return absl::OkStatus();
    }
    for (AclKeyPattern& k : s->keys) {
      if (k.pattern == pattern) {
        k.perm |= perm;
        return absl::OkStatus();
      }
    }
    s->keys.push_back({std::string(pattern), perm});
  } else if (rule[0] == '&') {
    if (s->flags & AclSelector::kAllChannels) return Fail(kErrChannelsAfterAll);
    std::string pattern(rule.substr(1));
    if (std::find(s->channels.begin(), s->channels.end(), pattern) == s->channels.end()) {
      s->channels.push_back(std::move(pattern));
    }
  } else if ((rule[0] == '+' || rule[0] == '-') && rule.size() > 1 && rule[1] == '@') {
    const bool allow = rule[0] == '+';
    uint64_t bit = AclCommandIndex::CategoryBit(rule.substr(2));
    if (bit == 0) return Fail(kErrUnknownCommand);
    for (const CommandSpec* spec : index.all()) {
      if (index.categories(spec->id) & bit) ChangePerm(s, *spec, allow);
    }
    if (!allow) s->flags &= ~AclSelector::kAllCommands;
    UpdateCommandRules(s, rule.substr(1), allow);
  } else if (rule[0] == '+' || rule[0] == '-') {
    const bool allow = rule[0] == '+';
    std::string_view name = rule.substr(1);
    size_t bar = name.rfind('|');
    if (bar == std::string_view::npos) {
      const CommandSpec* spec = index.table().Find(name);
      if (spec == nullptr) return Fail(kErrUnknownCommand);
      ChangePerm(s, *spec, allow);
      if (!allow) s->flags &= ~AclSelector::kAllCommands;
      UpdateCommandRules(s, spec->name, allow);
      return absl::OkStatus();
    }
    if (!allow) {
      const CommandSpec* spec = FindByFullName(index.table(), name);
      if (spec == nullptr) return Fail(kErrUnknownCommand);
      ChangePerm(s, *spec, false);
      s->flags &= ~AclSelector::kAllCommands;
      UpdateCommandRules(s, spec->name, false);
      return absl::OkStatus();
    }
    const CommandSpec* parent = FindByFullName(index.table(), name.substr(0, bar));
    std::string_view sub = name.substr(bar + 1);
    if (parent == nullptr) return Fail(kErrUnknownCommand);
    if (IsSubcommand(*parent)) return Fail(kErrSubcommandFirstArg);
    if (sub.empty()) return Fail(kErrSyntaxRule);
    if (!parent->subcommands.empty()) {
      const CommandSpec* spec = CommandTable::FindSub(*parent, sub);
      if (spec == nullptr) return Fail(kErrUnknownCommand);
      ChangePerm(s, *spec, true);
      UpdateCommandRules(s, spec->name, true);
      return absl::OkStatus();
    }
    // +select|0: SELECT stays blocked except with this first argument.
    std::string arg = AsciiLower(sub);
    auto it = std::find_if(s->first_args.begin(), s->first_args.end(),
                           [&](const auto& fa) { return fa.first == parent->id; });
    if (it == s->first_args.end()) {
      s->first_args.push_back({parent->id, {}});
      it = s->first_args.end() - 1;
    }
    if (std::find(it->second.begin(), it->second.end(), arg) == it->second.end()) {
      it->second.push_back(arg);
    }
    UpdateCommandRules(s, StrCat(parent->name, "|", arg), true);
  } else {
    return Fail(kErrSyntaxRule);
  }
  return absl::OkStatus();
}

namespace {

AclVerdict::Reason CheckSelector(const AclCommandIndex& index, const AclSelector& s,
                                 const CommandSpec& spec, CmdArgs args, int* arg_index,
                                 std::vector<int>* keys) {
  if (!(s.flags & AclSelector::kAllCommands) && !(spec.flags & kCmdNoAuth) && !s.Allowed(spec.id)) {
    const size_t idx = IsSubcommand(spec) ? 2 : 1;
    bool ok = false;
    for (const auto& [id, list] : s.first_args) {
      if (id != spec.id || args.size() <= idx) continue;
      for (const std::string& a : list) ok = ok || EqualsIgnoreCase(a, args[idx]);
    }
    if (!ok) return AclVerdict::kCommand;
  }
  if (!(s.flags & AclSelector::kAllKeys) && index.checks_keys(spec.id)) {
    if (keys->empty()) CommandTable::KeyIndexes(spec, args, keys);
    for (size_t k = 0; k < keys->size(); ++k) {
      const int i = (*keys)[k];
      const uint8_t need = AclCommandIndex::KeyPermission(spec, args, k);
      bool ok = false;
      for (const AclKeyPattern& k : s.keys) {
        if ((k.perm & need) == need && GlobMatch(k.pattern, args[i])) {
          ok = true;
          break;
        }
      }
      if (!ok) {
        *arg_index = i;
        return AclVerdict::kKey;
      }
    }
  }
  AclChannelArgs ch = index.channel_args(spec.id);
  if (!(s.flags & AclSelector::kAllChannels) && ch != AclChannelArgs::kNone) {
    const size_t end =
        ch == AclChannelArgs::kFirst ? std::min<size_t>(2, args.size()) : args.size();
    const bool literal = ch == AclChannelArgs::kAllPatterns;
    for (size_t i = 1; i < end; ++i) {
      bool ok = false;
      for (const std::string& p : s.channels) {
        if (literal ? p == args[i] : GlobMatch(p, args[i])) {
          ok = true;
          break;
        }
      }
      if (!ok) {
        *arg_index = static_cast<int>(i);
        return AclVerdict::kChannel;
      }
    }
  }
  return AclVerdict::kAllowed;
}

}  // namespace

AclVerdict::Reason AclRules::Check(const AclCommandIndex& index, const CommandSpec& spec,
                                   CmdArgs args, int* arg_index) const {
  AclVerdict::Reason worst = AclVerdict::kCommand;
  int worst_index = 0;
  // The key positions, found once and shared by the selectors; reused
  // across calls so that a restricted user's command allocates nothing.
  thread_local std::vector<int> keys;
  keys.clear();
  for (const AclSelector& s : selectors_) {
    int idx = 0;
    AclVerdict::Reason r = CheckSelector(index, s, spec, args, &idx, &keys);
    if (r == AclVerdict::kAllowed) return r;
    if (r > worst || (r == worst && idx > worst_index)) {
      worst = r;
      worst_index = idx;
    }
  }
  *arg_index = worst_index;
  return worst;
}

bool AclRules::ReadsAnyKey(const AclCommandIndex& index, const CommandSpec& spec,
                           CmdArgs args) const {
  std::vector<int> keys;
  for (const AclSelector& s : selectors_) {
    int idx = 0;
    keys.clear();
    if (CheckSelector(index, s, spec, args, &idx, &keys) != AclVerdict::kAllowed) continue;
    if (s.flags & AclSelector::kAllKeys) return true;
    for (const AclKeyPattern& k : s.keys) {
      if ((k.perm & kAclKeyRead) && k.pattern == "*") return true;
    }
  }
  return false;
}

absl::Status MergeSelectorArgs(const std::vector<std::string_view>& args,
                               std::vector<std::string>* rules) {
  int open = -1;
  std::string selector;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view op = args[i];
    if (open < 0 && !op.empty() && op[0] == '(' && op.back() != ')') {
      selector = std::string(op);
      open = static_cast<int>(i);
      continue;
    }
    if (open >= 0) {
      StrAppend(&selector, " ", op);
      if (!op.empty() && op.back() == ')') {
        open = -1;
        rules->push_back(std::move(selector));
        selector.clear();
      }
      continue;
    }
    rules->emplace_back(op);
  }
  if (open >= 0) {
    return Fail(StrCat("Unmatched parenthesis in acl selector starting at '", args[open], "'."));
  }
  return absl::OkStatus();
}

bool ValidUserName(std::string_view name) {
  for (char c : name) {
    if (c == 0 || absl::ascii_isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace shoal
