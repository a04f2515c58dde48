// The inert redis.conf directives: see the header.
#include "server/inert_params.h"

#include <cstdint>
#include <string>
#include <vector>

#include "base/strings.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace shoal {
namespace {

enum class Kind { kBool, kInt, kMemory, kEnum, kText };

struct Inert {
  const char* name;
  const char* initial;  // Redis 7.2's default
  Kind kind;
  int64_t min = 0;      // kInt, kMemory
  int64_t max = INT32_MAX;
  std::vector<std::string> values = {};  // kEnum
};

ConfigRegistry::Setter Validator(const Inert& p) {
  switch (p.kind) {
    case Kind::kBool:
      return [](std::string_view v) -> absl::Status {
        const std::string l = AsciiLower(v);
        if (l == "yes" || l == "no") return absl::OkStatus();
        return absl::InvalidArgumentError("argument must be 'yes' or 'no'");
      };
    case Kind::kInt:
    case Kind::kMemory: {
      const bool memory = p.kind == Kind::kMemory;
      const int64_t min = p.min, max = p.max;
      return [memory, min, max](std::string_view v) -> absl::Status {
        int64_t x = 0;
        const bool ok = memory ? ConfigRegistry::ParseMemory(v, &x) : SimpleAtoi(v, &x);
        if (!ok) {
          return absl::InvalidArgumentError(memory ? "argument must be a memory value"
                                                   : "argument couldn't be parsed into an integer");
        }
        if (x < min || x > max) {
          return absl::InvalidArgumentError(
              absl::StrCat("argument must be between ", min, " and ", max, " inclusive"));
        }
        return absl::OkStatus();
      };
    }
    case Kind::kEnum:
      return ConfigRegistry::OneOf(p.values);
    case Kind::kText:
      break;
  }
  return nullptr;
}

}  // namespace

void RegisterInertParams(ConfigRegistry* reg) {
  const int64_t kMaxMemory = INT64_MAX;
  const Inert params[] = {
      // RDB and AOF: Shoal writes neither.
      {"dbfilename", "dump.rdb", Kind::kText},
      {"rdbchecksum", "yes", Kind::kBool},
      {"stop-writes-on-bgsave-error", "yes", Kind::kBool},
      {"rdb-del-sync-files", "no", Kind::kBool},
      {"rdb-save-incremental-fsync", "yes", Kind::kBool},
      {"appendfilename", "appendonly.aof", Kind::kText},
      {"appenddirname", "appendonlydir", Kind::kText},
      {"appendfsync", "everysec", Kind::kEnum, 0, 0, {"always", "everysec", "no"}},
      {"no-appendfsync-on-rewrite", "no", Kind::kBool},
      {"auto-aof-rewrite-percentage", "100", Kind::kInt, 0, INT32_MAX},
      {"auto-aof-rewrite-min-size", "67108864", Kind::kMemory, 0, kMaxMemory},
      {"aof-load-truncated", "yes", Kind::kBool},
      {"aof-use-rdb-preamble", "yes", Kind::kBool},
      {"aof-timestamp-enabled", "no", Kind::kBool},
      {"aof-rewrite-incremental-fsync", "yes", Kind::kBool},
      // Disk-based replica sync: Shoal's full sync streams key states from
      // memory, always.
      {"repl-diskless-sync", "yes", Kind::kBool},
      {"repl-diskless-sync-delay", "5", Kind::kInt, 0, INT32_MAX},
      {"repl-diskless-sync-max-replicas", "0", Kind::kInt, 0, INT32_MAX},
      {"repl-diskless-load", "disabled", Kind::kEnum, 0, 0, {"disabled", "on-empty-db", "swapdb"}},
      // Shoal's behaviour is Redis's default, and the only value accepted:
      // replication sends with TCP_NODELAY.
      {"repl-disable-tcp-nodelay", "no", Kind::kEnum, 0, 0, {"no"}},
      // Sentinel's ranking of replicas (Shoal's cluster fails over by its
      // own rules, docs/cluster.md).
      {"replica-priority", "100", Kind::kInt, 0, INT32_MAX},
      // Redis's background freeing and incremental rehashing of its own
      // dictionaries; Shoal's stores free and grow their own way
      // (docs/architecture.md).
      {"lazyfree-lazy-eviction", "no", Kind::kBool},
      {"lazyfree-lazy-expire", "no", Kind::kBool},
      {"lazyfree-lazy-server-del", "no", Kind::kBool},
      {"lazyfree-lazy-user-del", "no", Kind::kBool},
      {"lazyfree-lazy-user-flush", "no", Kind::kBool},
      {"replica-lazy-flush", "no", Kind::kBool},
      {"activerehashing", "yes", Kind::kBool},
      {"dynamic-hz", "yes", Kind::kBool},
      {"jemalloc-bg-thread", "yes", Kind::kBool},
      // Redis's crash report and its memory test on a crash.
      {"crash-log-enabled", "yes", Kind::kBool},
      {"crash-memcheck-enabled", "yes", Kind::kBool},
      // Redis's I/O threads reading requests: each Shoal worker reads its
      // own clients' requests, always.
      {"io-threads-do-reads", "no", Kind::kBool},
      // Shoal serves no DEBUG command, whatever this says.
      {"enable-debug-command", "no", Kind::kEnum, 0, 0, {"no", "yes", "local"}},
      // Active defragmentation needs Redis's jemalloc; Shoal's allocator
      // has none to turn on, as a redis-server built without jemalloc.
      {"activedefrag", "no", Kind::kEnum, 0, 0, {"no"}},
      // The start-up banner and the process title.
      {"always-show-logo", "no", Kind::kBool},
      {"set-proc-title", "yes", Kind::kBool},
      {"proc-title-template", "{title} {listen-addr} {server-mode}", Kind::kText},
      // The OOM killer's score: Shoal leaves it as the process got it.
      {"oom-score-adj", "no", Kind::kEnum, 0, 0, {"no"}},
      {"oom-score-adj-values", "0 200 800", Kind::kText},
  };
  for (const Inert& p : params) reg->AddString(p.name, p.initial, true, Validator(p));
  reg->AddAlias("replica-priority", "slave-priority");
  reg->AddAlias("replica-lazy-flush", "slave-lazy-flush");
}

}  // namespace shoal
