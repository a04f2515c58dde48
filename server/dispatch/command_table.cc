// CommandTable implementation: registration, id assignment, case-insensitive
// lookup without allocation, and key position extraction.
#include "server/dispatch/command_table.h"
#include <algorithm>
#include <memory>

#include "absl/strings/ascii.h"
#include "base/strings.h"
#include "server/dispatch/key_flags.h"

namespace shoal {
namespace {

// Lower-cases `name` into `buf` when it fits; returns the view to look up.
std::string_view LowerInto(std::string_view name, char* buf, size_t cap) {
  if (name.size() > cap) return {};
  for (size_t i = 0; i < name.size(); ++i) buf[i] = absl::ascii_tolower(name[i]);
  return {buf, name.size()};
}

}  // namespace

void CommandTable::AssignIds(CommandSpec* spec) {
  spec->id = next_id_++;
  by_id_.push_back(spec);
  for (CommandSpec& sub : spec->subcommands) AssignIds(&sub);
}

void CommandTable::Register(CommandSpec spec) {
  auto owned = std::make_unique<CommandSpec>(std::move(spec));
  AssignIds(owned.get());
  AssignKeyFlags(owned.get());
  by_name_[std::string(owned->name)] = owned.get();
  by_original_[std::string(owned->name)] = owned.get();
  ordered_.push_back(owned.get());
  owned_.push_back(std::move(owned));
}

const CommandSpec* CommandTable::Lookup(const NameMap& names, std::string_view name) {
  char buf[64];
  std::string_view lower = LowerInto(name, buf, sizeof(buf));
  if (lower.empty()) return nullptr;
  auto it = names.find(ToAbsl(lower));
  return it == names.end() ? nullptr : it->second;
}

const CommandSpec* CommandTable::Find(std::string_view name) const {
  return Lookup(by_name_, name);
}

const CommandSpec* CommandTable::FindOriginal(std::string_view name) const {
  return Lookup(by_original_, name);
}

absl::Status CommandTable::Rename(std::string_view from, std::string_view to) {
  const std::string old_name = AsciiLower(from);
  const std::string new_name = AsciiLower(to);
  auto it = by_name_.find(old_name);
  if (it == by_name_.end()) return absl::NotFoundError("No such command in rename-command");
  // Find() looks names up in a 64-byte buffer.
  if (new_name.size() > 64) return absl::InvalidArgumentError("Target command name is over 64 bytes");
  if (!new_name.empty() && new_name != old_name && by_name_.contains(new_name)) {
    return absl::AlreadyExistsError("Target command name already exists");
  }
  const CommandSpec* spec = it->second;
  by_name_.erase(it);
  for (auto& owned : owned_) {
    if (owned.get() == spec) owned->renamed = true;
  }
  if (new_name.empty()) {
    ordered_.erase(std::find(ordered_.begin(), ordered_.end(), spec));
  } else {
    by_name_[new_name] = spec;
  }
  return absl::OkStatus();
}

const CommandSpec* CommandTable::FindSub(const CommandSpec& container, std::string_view sub) {
  char buf[64];
  std::string_view lower = LowerInto(sub, buf, sizeof(buf));
  if (lower.empty()) return nullptr;
  for (const CommandSpec& s : container.subcommands) {
    std::string_view n = s.name;
    size_t bar = n.find('|');
    if (bar != std::string_view::npos && n.substr(bar + 1) == lower) return &s;
  }
  return nullptr;
}

bool CommandTable::KeyIndexes(const CommandSpec& spec, CmdArgs args, std::vector<int>* out) {
  if (spec.keys_finder != nullptr) return spec.keys_finder(args, out);
  if (spec.first_key <= 0) return true;
  int argc = static_cast<int>(args.size());
  int last = spec.last_key >= 0 ? spec.last_key : argc + spec.last_key;
  int step = spec.key_step > 0 ? spec.key_step : 1;
  for (int i = spec.first_key; i <= last && i < argc; i += step) out->push_back(i);
  return true;
}

std::vector<std::string_view> CommandFlagNames(uint32_t flags) {
  static constexpr std::pair<uint32_t, std::string_view> kNames[] = {
      {kCmdWrite, "write"},          {kCmdReadOnly, "readonly"},
      {kCmdDenyOom, "denyoom"},      {kCmdAdmin, "admin"},
      {kCmdPubSub, "pubsub"},        {kCmdNoScript, "noscript"},
      {kCmdBlocking, "blocking"},    {kCmdLoading, "loading"},
      {kCmdStale, "stale"},          {kCmdSkipMonitor, "skip_monitor"},
      {kCmdSkipSlowlog, "skip_slowlog"}, {kCmdAsking, "asking"},
      {kCmdFast, "fast"},
      {kCmdNoAuth, "no_auth"},
      {kCmdNoMandatoryKeys, "no_mandatory_keys"},
      {kCmdNoAsyncLoading, "no_async_loading"},
      {kCmdNoMulti, "no_multi"},     {kCmdAllowBusy, "allow_busy"},
      {kCmdMovableKeys, "movablekeys"},
  };
  std::vector<std::string_view> out;
  for (const auto& [bit, name] : kNames) {
    if (flags & bit) out.push_back(name);
  }
  return out;
}

}  // namespace shoal
