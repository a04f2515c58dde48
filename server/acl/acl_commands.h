// AclCommandIndex: what ACL rules need to know about the command table —
// each command's ACL categories as a bit mask (from the same source as
// COMMAND INFO, AclCategories() in command_docs.h, so the two never
// disagree), which arguments of pub/sub commands are channels, and the key
// permission (read, write) each key of a request needs, decided per key from
// the command's key-spec flags (key_flags.h) as Redis 7 does.
//
// Built once from a complete CommandTable; immutable afterwards and shared
// by every thread.
#ifndef SHOAL_SERVER_ACL_ACL_COMMANDS_H_
#define SHOAL_SERVER_ACL_ACL_COMMANDS_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "server/dispatch/command.h"
#include "server/dispatch/command_table.h"

namespace shoal {

// Key permissions of a key pattern (%R~, %W~, ~ = both).
inline constexpr uint8_t kAclKeyRead = 1;
inline constexpr uint8_t kAclKeyWrite = 2;
inline constexpr uint8_t kAclKeyAll = kAclKeyRead | kAclKeyWrite;

// Which arguments of a command are pub/sub channels that ACL checks.
enum class AclChannelArgs : uint8_t {
  kNone,
  kFirst,        // PUBLISH channel message, SPUBLISH
  kAll,          // SUBSCRIBE channel..., SSUBSCRIBE
  kAllPatterns,  // PSUBSCRIBE pattern...: matched literally against &patterns
};

class AclCommandIndex {
 public:
  explicit AclCommandIndex(const CommandTable* table);

  // Redis's categories, in its order ("keyspace", "read", ... "scripting").
  static const std::vector<std::string_view>& CategoryNames();
  // Bit of a category name (case-insensitive, without '@'); 0 if unknown.
  static uint64_t CategoryBit(std::string_view name);

  const CommandTable& table() const { return *table_; }
  int spec_count() const { return static_cast<int>(categories_.size()); }
  uint64_t categories(int id) const { return categories_[id]; }
  AclChannelArgs channel_args(int id) const { return channels_[id]; }
  // Whether ACL key patterns apply to the command's key arguments (shard
  // channels are "keys" for routing only).
  bool checks_keys(int id) const { return checks_keys_[id]; }
  // kAclKeyRead / kAclKeyWrite (or neither) the key at `ordinal` among the
  // request's keys (as CommandTable::KeyIndexes lists them) needs.
  static uint8_t KeyPermission(const CommandSpec& spec, CmdArgs args, size_t ordinal);
  // Every spec, subcommands included, in table order.
  const std::vector<const CommandSpec*>& all() const { return all_; }

 private:
  const CommandTable* table_;
  std::vector<const CommandSpec*> all_;
  std::vector<uint64_t> categories_;
  std::vector<AclChannelArgs> channels_;
  std::vector<bool> checks_keys_;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_ACL_ACL_COMMANDS_H_
