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
#include <cstdint>
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
                          int threads, int tcp_backlog);

// File descriptors for maxclients, as redis-server: RLIMIT_NOFILE is raised
// toward maxclients + ReservedFds(threads) (the soft limit up to the hard
// one, or both with CAP_SYS_RESOURCE). `maxclients` is what the limit
// allows (the request when it was raised), `log` Redis's lines about it,
// `fatal` when not even one client fits.
struct OpenFilesFit {
  int64_t maxclients = 0;
  std::vector<std::string> log;
  bool fatal = false;
};
// Descriptors kept for what is not a client: Redis's 32, plus four per
// worker thread (its loop's epoll and wake-up descriptors).
int64_t ReservedFds(int threads);
OpenFilesFit FitOpenFilesLimit(int64_t maxclients, int threads);
// Once the server runs: CONFIG SET maxclients raises the limit as needed
// and refuses a value it cannot serve ("The operating system is not able to
// handle the specified number of clients, try with N"), as Redis.
void CheckOpenFilesOnMaxclientsSet(int threads);

// protected-mode (default yes, as Redis 7; CONFIG SET-able): read by the
// acceptor for each non-loopback client (docs/security.md).
std::atomic<bool>& ProtectedModeSetting();

}  // namespace shoal

#endif  // SHOAL_SERVER_CONFIG_H_
