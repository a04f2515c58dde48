// Server configuration: parses redis-server style arguments and config files
// into directives, and registers every run-time parameter under its Redis
// name in the ConfigRegistry (CONFIG GET/SET).
//
// Accepted forms, as redis-server takes them:
//   shoal [/path/to/shoal.conf] [--name value [value...]]...
// A config file holds one "name value..." directive per line; '#' starts a
// comment; quoted values follow the inline-command quoting rules.
#ifndef SHOAL_SERVER_CONFIG_H_
#define SHOAL_SERVER_CONFIG_H_

#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "server/dispatch/config_registry.h"

namespace shoal {

struct Directive {
  std::string name;  // lower case, dashes kept ("maxmemory-policy")
  std::vector<std::string> values;
};

// Splits argv (without argv[0]) into directives; an argument not starting
// with "--" in first position is a config file path, returned in *conf_file.
absl::StatusOr<std::vector<Directive>> ParseArgs(int argc, char** argv, std::string* conf_file);
// Reads a config file into directives.
absl::StatusOr<std::vector<Directive>> ParseConfigFile(const std::string& path);

// Registers the parameters backed by RuntimeConfig and the cache-irrelevant
// ones Redis clients ask about (save, appendonly...).
void RegisterConfigParams(ConfigRegistry* registry, int port, const std::vector<std::string>& bind,
                          int threads);

// protected-mode (default yes, as Redis 7; CONFIG SET-able): read by the
// acceptor for each non-loopback client (docs/security.md).
std::atomic<bool>& ProtectedModeSetting();

}  // namespace shoal

#endif  // SHOAL_SERVER_CONFIG_H_
