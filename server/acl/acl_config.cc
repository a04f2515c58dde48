// The ACL parameters of the config registry: requirepass (the default
// user's password, as Redis: CONFIG SET requirepass resets it), aclfile and
// user lines (start-up only; CONFIG REWRITE writes the current users as
// user lines), acllog-max-len, acl-pubsub-default.
#include "base/strings.h"
#include "server/acl/acl_registry.h"

namespace shoal {

void RegisterAclParams(ConfigRegistry* reg) {
  AclRegistry& acl = ProcessAcl();
  RuntimeConfig* rc = &reg->runtime();
  acl.SetRuntime(rc);

  ConfigRegistry::Param pass;
  pass.name = "requirepass";
  pass.get = [rc] { return rc->RequirePass(); };
  pass.set = [rc, &acl](std::string_view v) {
    {
      absl::MutexLock l(&rc->mu);
      rc->requirepass = std::string(v);
    }
    acl.SetDefaultPassword(v);
    return absl::OkStatus();
  };
  reg->Add(std::move(pass));

  ConfigRegistry::Param file;
  file.name = "aclfile";
  file.get = [&acl] { return acl.AclFile(); };
  file.set = [&acl](std::string_view v) { return acl.SetAclFile(v); };
  file.startup_only = true;
  reg->Add(std::move(file));

  ConfigRegistry::Param user;
  user.name = "user";
  user.get = [] { return std::string(); };
  user.set = [&acl](std::string_view v) { return acl.AddConfigUser(v); };
  user.startup_only = true;
  user.hidden = true;
  // CONFIG REWRITE writes the current users back (Redis's rewrite of `user`
  // lines), unless they live in an ACL file, which ACL SAVE writes.
  user.rewrite_lines = [&acl] {
    std::vector<std::string> lines;
    if (!acl.AclFile().empty()) return lines;
    for (std::string& line : acl.Describe()) {
      constexpr std::string_view kPrefix = "user ";
      lines.push_back(StartsWith(line, kPrefix) ? line.substr(kPrefix.size()) : line);
    }
    return lines;
  };
  reg->Add(std::move(user));

  reg->AddInt("acllog-max-len", &acl.log().max_len, 0, INT64_MAX);

  ConfigRegistry::Param pubsub;
  pubsub.name = "acl-pubsub-default";
  pubsub.get = [&acl] {
    return std::string(acl.pubsub_default_all.load() ? "allchannels" : "resetchannels");
  };
  pubsub.set = [&acl](std::string_view v) {
    if (EqualsIgnoreCase(v, "allchannels")) {
      acl.pubsub_default_all.store(true);
    } else if (EqualsIgnoreCase(v, "resetchannels")) {
      acl.pubsub_default_all.store(false);
    } else {
      return absl::InvalidArgumentError(
          "argument(s) must be one of the following: allchannels, resetchannels");
    }
    return absl::OkStatus();
  };
  reg->Add(std::move(pubsub));
}

}  // namespace shoal
