// CommandTable: every command Shoal serves, looked up case-insensitively.
//
// Built once at start-up by the Register*Commands functions of each family
// (see families.h), then read-only and shared by all threads. Key positions
// come from the specs (first/last/step, or a KeysFinder for movable keys).
#ifndef SHOAL_SERVER_DISPATCH_COMMAND_TABLE_H_
#define SHOAL_SERVER_DISPATCH_COMMAND_TABLE_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "server/dispatch/command.h"

namespace shoal {

class CommandTable {
 public:
  CommandTable() = default;
  CommandTable(const CommandTable&) = delete;
  CommandTable& operator=(const CommandTable&) = delete;

  void Register(CommandSpec spec);
  // Case-insensitive; nullptr if unknown. Never allocates for names < 32 bytes.
  const CommandSpec* Find(std::string_view name) const;
  // By the name Shoal registered, whatever rename-command did: for Shoal's
  // own requests (EXEC's handler, the slot mover), which clients' names must
  // not break.
  const CommandSpec* FindOriginal(std::string_view name) const;
  // rename-command (start-up only): clients call `from` as `to` from now on,
  // or not at all when `to` is empty (it leaves COMMAND's list). Redis's
  // errors for an unknown command or a name already taken.
  absl::Status Rename(std::string_view from, std::string_view to);
  // Subcommand of a container (CLIENT KILL...); nullptr if unknown.
  static const CommandSpec* FindSub(const CommandSpec& container, std::string_view sub);

  // All top-level commands, in registration order.
  const std::vector<const CommandSpec*>& all() const { return ordered_; }
  // Number of specs including subcommands (ids are 0..count-1).
  int spec_count() const { return next_id_; }
  const CommandSpec* ById(int id) const { return by_id_[id]; }

  // Key argument indexes of a request for `spec`; false if the request is
  // malformed for the key spec (e.g. numkeys out of range).
  static bool KeyIndexes(const CommandSpec& spec, CmdArgs args, std::vector<int>* out);

  // Full name as Redis prints it in errors: "get", "client|kill".
  static std::string FullName(const CommandSpec& spec) { return std::string(spec.name); }

 private:
  void AssignIds(CommandSpec* spec);

  std::vector<std::unique_ptr<CommandSpec>> owned_;
  std::vector<const CommandSpec*> ordered_;
  std::vector<const CommandSpec*> by_id_;
  using NameMap = absl::flat_hash_map<std::string, const CommandSpec*>;
  // Case-insensitive lookup in one of the maps, without allocating.
  static const CommandSpec* Lookup(const NameMap& names, std::string_view name);

  NameMap by_name_;      // what clients call
  NameMap by_original_;  // registered names
  int next_id_ = 0;
};

// Flag names for COMMAND INFO ("write", "readonly", ...), in Redis's order.
std::vector<std::string_view> CommandFlagNames(uint32_t flags);

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_COMMAND_TABLE_H_
