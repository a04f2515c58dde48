// AclCommandIndex implementation: categories from AclCategories() (the
// COMMAND INFO source), channel arguments by command, and the key
// permission each key of a request needs, from its key-spec flags.
#include "server/acl/acl_commands.h"

#include "base/strings.h"
#include "server/dispatch/command_docs.h"
#include "server/dispatch/key_flags.h"

namespace shoal {

const std::vector<std::string_view>& AclCommandIndex::CategoryNames() {
  static const std::vector<std::string_view> kNames = {
      "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
      "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
      "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting"};
  return kNames;
}

uint64_t AclCommandIndex::CategoryBit(std::string_view name) {
  const auto& names = CategoryNames();
  for (size_t i = 0; i < names.size(); ++i) {
    if (EqualsIgnoreCase(names[i], name)) return uint64_t{1} << i;
  }
  return 0;
}

AclCommandIndex::AclCommandIndex(const CommandTable* table) : table_(table) {
  const int n = table->spec_count();
  all_.reserve(n);
  categories_.assign(n, 0);
  channels_.assign(n, AclChannelArgs::kNone);
  checks_keys_.assign(n, false);
  for (int id = 0; id < n; ++id) {
    const CommandSpec* spec = table->ById(id);
    all_.push_back(spec);
    for (const std::string& c : AclCategories(*spec)) {
      if (c.size() > 1 && c[0] == '@')
        categories_[id] |= CategoryBit(std::string_view(c).substr(1));
    }
    std::string_view name = spec->name;
    if (name == "publish" || name == "spublish") {
      channels_[id] = AclChannelArgs::kFirst;
    } else if (name == "subscribe" || name == "ssubscribe") {
      channels_[id] = AclChannelArgs::kAll;
    } else if (name == "psubscribe") {
      channels_[id] = AclChannelArgs::kAllPatterns;
    }
    // Shard channels sit in the key positions for cluster routing only.
    const bool pubsub = spec->group == "pubsub" || (spec->flags & kCmdPubSub);
    checks_keys_[id] = !pubsub && (spec->first_key > 0 || spec->keys_finder != nullptr);
  }
}

uint8_t AclCommandIndex::KeyPermission(const CommandSpec& spec, CmdArgs args, size_t ordinal) {
  // Redis's rule: `access` asks for R; update, insert and delete ask for W.
  // A key with neither (EXISTS, TYPE, STRLEN...) needs only to match some
  // pattern.
  const uint16_t f = KeyFlagsOf(spec, args, ordinal);
  uint8_t perm = 0;
  if (f & kKeyAccess) perm |= kAclKeyRead;
  if (f & (kKeyUpdate | kKeyInsert | kKeyDelete)) perm |= kAclKeyWrite;
  return perm;
}

}  // namespace shoal
