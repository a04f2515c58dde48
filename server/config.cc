// Config parsing and the table of run-time parameters.
#include "server/config.h"
#include "base/strings.h"
#include "server/dispatch/latency_histogram.h"
#include "server/dispatch/latency_monitor.h"
#include "server/dispatch/slowlog.h"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "eviction/settings.h"
#include "protocol/request_parser.h"
#include "server/acl/acl_registry.h"
#include "server/commands/hyperloglog_family.h"
#include "server/commands/stream_settings.h"
#include "server/events/notify.h"
#include "server/inert_params.h"

namespace shoal {

absl::StatusOr<std::vector<Directive>> ParseArgs(int argc, char** argv, std::string* conf_file) {
  std::vector<Directive> out;
  int i = 0;
  if (argc > 0 && std::string_view(argv[0]).substr(0, 2) != "--") {
    *conf_file = argv[0];
    i = 1;
  }
  for (; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.substr(0, 2) != "--") {
      if (out.empty()) return absl::InvalidArgumentError(StrCat("Invalid argument '", a, "'"));
      out.back().values.emplace_back(a);
      continue;
    }
    a.remove_prefix(2);
    Directive d;
    size_t eq = a.find('=');
    if (eq != std::string_view::npos) {
      d.name = AsciiLower(a.substr(0, eq));
      d.values.emplace_back(a.substr(eq + 1));
    } else {
      d.name = AsciiLower(a);
    }
    for (char& c : d.name) {
      if (c == '_') c = '-';
    }
    out.push_back(std::move(d));
  }
  return out;
}

absl::StatusOr<std::vector<Directive>> ParseConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(StrCat("Fatal error, can't open config file '", path, "'"));
  std::vector<Directive> out;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    std::string_view l = ToStd(absl::StripAsciiWhitespace(line));
    if (l.empty() || l[0] == '#') continue;
    // Reuse the inline-command splitter: same quoting rules as redis.conf.
    RequestParser parser;
    std::string buf = StrCat(l, "\n");
    size_t consumed = 0;
    std::vector<std::string_view> args;
    if (parser.Parse(buf, &consumed, &args) != ParseStatus::kOk || args.empty()) {
      return absl::InvalidArgumentError(
          StrCat("Bad directive or wrong number of arguments at line ", lineno, " of ", path));
    }
    Directive d;
    d.name = AsciiLower(args[0]);
    for (char& c : d.name) {
      if (c == '_') c = '-';
    }
    for (size_t k = 1; k < args.size(); ++k) d.values.emplace_back(args[k]);
    out.push_back(std::move(d));
  }
  return out;
}

namespace {

// Worker threads once the server runs (0 during start-up, when the limit is
// fitted once after every directive was read).
std::atomic<int> g_fd_check_threads{0};

absl::Status SetMaxclients(RuntimeConfig* rc, std::string_view v) {
  int64_t x;
  if (!SimpleAtoi(v, &x)) return absl::InvalidArgumentError("argument couldn't be parsed into an integer");
  if (x < 1 || x > 1000000) {
    return absl::InvalidArgumentError("argument must be between 1 and 1000000 inclusive");
  }
  int threads = g_fd_check_threads.load();
  if (threads > 0 && x > rc->maxclients.load()) {
    OpenFilesFit fit = FitOpenFilesLimit(x, threads);
    if (fit.maxclients < x) {
      return absl::InvalidArgumentError(
          StrCat("The operating system is not able to handle the specified number of clients, "
                 "try with ", std::max<int64_t>(1, fit.maxclients)));
    }
  }
  rc->maxclients.store(x);
  return absl::OkStatus();
}

absl::Status ParseObufLimit(RuntimeConfig* rc, std::string_view v) {
  std::vector<std::string> parts = absl::StrSplit(ToAbsl(v), ' ', absl::SkipEmpty());
  if (parts.size() % 4 != 0 || parts.empty()) {
    return absl::InvalidArgumentError("Wrong number of arguments in buffer limit configuration.");
  }
  for (size_t i = 0; i < parts.size(); i += 4) {
    std::string cls = AsciiLower(parts[i]);
    int64_t hard, soft, secs;
    if (!ConfigRegistry::ParseMemory(parts[i + 1], &hard) ||
        !ConfigRegistry::ParseMemory(parts[i + 2], &soft) ||
        !SimpleAtoi(parts[i + 3], &secs) || hard < 0 || soft < 0 || secs < 0) {
      return absl::InvalidArgumentError("Error in hard, soft or soft_seconds setting in buffer limit configuration.");
    }
    if (cls == "normal") {
      rc->obuf_normal_hard = hard;
      rc->obuf_normal_soft = soft;
      rc->obuf_normal_soft_s = secs;
    } else if (cls == "pubsub") {
      rc->obuf_pubsub_hard = hard;
      rc->obuf_pubsub_soft = soft;
      rc->obuf_pubsub_soft_s = secs;
    } else if (cls != "slave" && cls != "replica") {
      return absl::InvalidArgumentError("Invalid client class specified in buffer limit configuration.");
    }
  }
  return absl::OkStatus();
}

}  // namespace

void RegisterConfigParams(ConfigRegistry* reg, int port, const std::vector<std::string>& bind,
                          int threads, int tcp_backlog) {
  RuntimeConfig* rc = &reg->runtime();
  constexpr int64_t kMax = INT64_MAX;
  ConfigRegistry::Param maxclients;
  maxclients.name = "maxclients";
  maxclients.get = [rc] { return StrCat(rc->maxclients.load()); };
  maxclients.set = [rc](std::string_view v) { return SetMaxclients(rc, v); };
  reg->Add(std::move(maxclients));
  reg->AddInt("timeout", &rc->timeout_s, 0, INT32_MAX);
  reg->AddInt("hz", &rc->hz, 1, 500);
  reg->AddInt("slowlog-log-slower-than", &ProcessSlowLog().slower_than_us, -1, INT64_MAX);
  reg->AddInt("slowlog-max-len", &ProcessSlowLog().max_len, 0, INT64_MAX);
  // The latency monitor and per-command latency tracking
  // (server/dispatch/latency_monitor.h, latency_histogram.h).
  reg->AddInt("latency-monitor-threshold", &ProcessLatencyMonitor().threshold_ms, 0, INT64_MAX);
  reg->AddBool("latency-tracking", &ProcessLatencyTracking().enabled);
  ConfigRegistry::Param percentiles;
  percentiles.name = "latency-tracking-info-percentiles";
  percentiles.get = [] { return ProcessLatencyTracking().PercentilesText(); };
  percentiles.set = [](std::string_view v) {
    std::string error;
    if (!ProcessLatencyTracking().SetPercentiles(v, &error)) {
      return absl::InvalidArgumentError(error);
    }
    return absl::OkStatus();
  };
  reg->Add(std::move(percentiles));
  reg->AddInt("busy-reply-threshold", &rc->busy_reply_threshold_ms, 0, INT64_MAX);
  reg->AddAlias("busy-reply-threshold", "lua-time-limit");
  reg->AddInt("maxmemory", &rc->maxmemory, 0, kMax, /*is_memory=*/true);
  reg->AddInt("proto-max-bulk-len", &rc->proto_max_bulk_len, 1024 * 1024, kMax, true);
  reg->AddInt("client-query-buffer-limit", &rc->client_query_buffer_limit, 1024 * 1024, kMax,
              true);
  reg->AddInt("databases", &rc->databases, 1, 16, false, /*mutable_at_runtime=*/false);
  reg->AddBool("cluster-enabled", &rc->cluster_enabled, /*mutable_at_runtime=*/false);
  // Compact collection encodings; the *-ziplist-* names are Redis's aliases.
  struct Threshold {
    const char* name;
    const char* alias;
    std::atomic<int64_t>* value;
    int64_t min;
  };
  const Threshold thresholds[] = {
      {"hash-max-listpack-entries", "hash-max-ziplist-entries", &rc->hash_max_listpack_entries, 0},
      {"hash-max-listpack-value", "hash-max-ziplist-value", &rc->hash_max_listpack_value, 0},
      {"set-max-intset-entries", nullptr, &rc->set_max_intset_entries, 0},
      {"set-max-listpack-entries", nullptr, &rc->set_max_listpack_entries, 0},
      {"set-max-listpack-value", nullptr, &rc->set_max_listpack_value, 0},
      {"zset-max-listpack-entries", "zset-max-ziplist-entries", &rc->zset_max_listpack_entries, 0},
      {"zset-max-listpack-value", "zset-max-ziplist-value", &rc->zset_max_listpack_value, 0},
      {"list-max-listpack-size", "list-max-ziplist-size", &rc->list_max_listpack_size, -5},
  };
  for (const Threshold& t : thresholds) {
    reg->AddInt(t.name, t.value, t.min, INT32_MAX);
    if (t.alias != nullptr) reg->AddAlias(t.name, t.alias);
  }
  // Stream node size (server/commands/stream_settings.h), read at each XADD.
  StreamSettings& streams = ProcessStreamSettings();
  reg->AddInt("stream-node-max-bytes", &streams.node_max_bytes, 0, kMax, /*is_memory=*/true);
  reg->AddInt("stream-node-max-entries", &streams.node_max_entries, 0, kMax);

  // requirepass (the default user's password), aclfile, user lines,
  // acllog-max-len, acl-pubsub-default (server/acl).
  RegisterAclParams(reg);

  ConfigRegistry::Param notify;
  notify.name = "notify-keyspace-events";
  notify.get = [rc] { return FormatNotifyFlags(rc->notify_keyspace_events.load()); };
  notify.set = [rc](std::string_view v) {
    uint32_t flags;
    if (!ParseNotifyFlags(v, &flags)) return absl::InvalidArgumentError("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    rc->notify_keyspace_events = flags;
    return absl::OkStatus();
  };
  reg->Add(std::move(notify));

  ConfigRegistry::Param obuf;
  obuf.name = "client-output-buffer-limit";
  obuf.get = [rc] {
    return StrCat("normal ", rc->obuf_normal_hard.load(), " ", rc->obuf_normal_soft.load(),
                        " ", rc->obuf_normal_soft_s.load(), " slave 268435456 67108864 60 pubsub ",
                        rc->obuf_pubsub_hard.load(), " ", rc->obuf_pubsub_soft.load(), " ",
                        rc->obuf_pubsub_soft_s.load());
  };
  obuf.set = [rc](std::string_view v) { return ParseObufLimit(rc, v); };
  reg->Add(std::move(obuf));

  // Eviction (eviction/settings.h): the store reads these atomics on every
  // hook and eviction, so CONFIG SET takes effect on the next command.
  EvictionSettings* ev = ProcessEvictionSettings();
  ConfigRegistry::Param policy;
  policy.name = "maxmemory-policy";
  policy.get = [ev] { return std::string(PolicyName(ev->kind())); };
  policy.set = [ev](std::string_view v) {
    PolicyKind kind;
    if (!ParsePolicyName(v, &kind)) {
      return absl::InvalidArgumentError(
          StrCat("argument(s) must be one of the following: ", PolicyNameList()));
    }
    ev->policy.store(static_cast<int>(kind));
    return absl::OkStatus();
  };
  reg->Add(std::move(policy));
  reg->AddInt("maxmemory-samples", &ev->samples, 1, INT32_MAX);
  reg->AddInt("lfu-log-factor", &ev->lfu_log_factor, 0, INT32_MAX);
  reg->AddInt("lfu-decay-time", &ev->lfu_decay_time, 0, INT32_MAX);
  // Size at which a sparse HyperLogLog turns dense (hyperloglog_family.h).
  reg->AddInt("hll-sparse-max-bytes", &HllSparseMaxBytes(), 0, INT64_MAX, /*is_memory=*/true);

  // Read-only facts of this process.
  reg->AddString("port", StrCat(port), false);
  reg->AddString("bind", absl::StrJoin(bind, " "), false);
  reg->AddString("io-threads", StrCat(threads), false);
  reg->AddString("tcp-backlog", StrCat(tcp_backlog), false);
  // Persistence does not exist in a cache: these answer what a cache-only
  // redis-server answers (redis-benchmark and clients ask for them).
  auto only = [](std::vector<std::string> allowed, std::string msg) {
    return [allowed, msg](std::string_view v) -> absl::Status {
      std::string l = AsciiLower(v);
      for (const std::string& a : allowed) {
        if (l == a) return absl::OkStatus();
      }
      return absl::InvalidArgumentError(msg);
    };
  };
  // DUMP and MIGRATE payloads: rdbcompression LZF-compresses strings over 20
  // bytes as Redis does. Shoal's list nodes are never compressed;
  // list-compress-depth is accepted and kept so that CONFIG GET/SET and
  // config files carrying it work (docs/serialization.md).
  static std::atomic<bool> rdbcompression{true};
  static std::atomic<int64_t> list_compress_depth{0};
  reg->AddBool("rdbcompression", &rdbcompression);
  reg->AddInt("list-compress-depth", &list_compress_depth, 0, INT32_MAX);
  reg->AddString("save", "", true, only({""}, "Shoal is a cache: persistence is not supported"));
  reg->AddString("appendonly", "no", true,
                 only({"no"}, "Shoal is a cache: persistence is not supported"));
  reg->AddString("loglevel", "notice", true,
                 only({"debug", "verbose", "notice", "warning", "nothing"},
                      "argument(s) must be one of the following: debug, verbose, notice, warning, nothing"));
  // A Unix-domain listener (server/net/acceptor.h), start-up only; its mode
  // is octal as in redis.conf ("700"), 0 = as the umask leaves it.
  reg->AddStartupString("unixsocket", "");
  {
    static std::atomic<int64_t> perm{0};
    ConfigRegistry::Param p;
    p.name = "unixsocketperm";
    p.get = [] {
      char buf[16];
      snprintf(buf, sizeof(buf), "%llo", static_cast<unsigned long long>(perm.load()));
      return std::string(buf);
    };
    p.set = [](std::string_view v) -> absl::Status {
      int64_t x = 0;
      bool ok = !v.empty() && v.size() <= 5;
      for (char c : v) {
        ok = ok && c >= '0' && c <= '7';
        x = x * 8 + (c - '0');
      }
      if (!ok || x > 0777) {
        return absl::InvalidArgumentError("argument must be an octal mode between 0 and 777");
      }
      perm.store(x);
      return absl::OkStatus();
    };
    p.startup_only = true;
    reg->Add(std::move(p));
  }
  // Keep-alive probes on client connections, for those accepted after a
  // change (seconds of idle before the first; 0 = none).
  reg->AddInt("tcp-keepalive", &rc->tcp_keepalive_s, 0, INT32_MAX);
  reg->AddInt("shutdown-timeout", &rc->shutdown_timeout_s, 0, INT32_MAX);
  reg->AddBool("protected-mode", &ProtectedModeSetting());
  // What a stock redis.conf sets for parts a cache does not have.
  RegisterInertParams(reg);
}

int64_t ReservedFds(int threads) { return 32 + 4 * static_cast<int64_t>(threads); }

OpenFilesFit FitOpenFilesLimit(int64_t maxclients, int threads) {
  OpenFilesFit fit;
  fit.maxclients = maxclients;
  const int64_t reserved = ReservedFds(threads);
  const rlim_t want = static_cast<rlim_t>(maxclients + reserved);
  rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    fit.log.push_back(StrCat("Unable to obtain the current NOFILE limit (", strerror(errno),
                             "), assuming 1024 and setting the max clients configuration "
                             "accordingly."));
    fit.maxclients = std::max<int64_t>(1, std::min<int64_t>(maxclients, 1024 - reserved));
    return fit;
  }
  const rlim_t old = lim.rlim_cur;
  if (old >= want) return fit;
  // The full amount first (raising the hard limit needs CAP_SYS_RESOURCE),
  // then down in steps of 16 toward the current limit, as Redis does.
  int error = EPERM;
  rlim_t best = old;
  for (rlim_t f = want; f > old; f -= std::min<rlim_t>(16, f - old)) {
    rlimit l{f, std::max(f, lim.rlim_max)};
    if (setrlimit(RLIMIT_NOFILE, &l) == 0) {
      best = f;
      break;
    }
    error = errno;
  }
  if (best >= want) {
    fit.log.push_back(StrCat("Increased maximum number of open files to ", best,
                             " (it was originally set to ", old, ")."));
    return fit;
  }
  const int64_t have = static_cast<int64_t>(best);
  fit.maxclients = have - reserved;
  if (fit.maxclients < 1) {
    fit.fatal = true;
    fit.log.push_back(StrCat("Your current 'ulimit -n' of ", have,
                             " is not enough for the server to start. Please increase your open "
                             "file limit to at least ", reserved + 1, ". Exiting."));
    return fit;
  }
  fit.log.push_back(StrCat("You requested maxclients of ", maxclients, " requiring at least ",
                           want, " max file descriptors."));
  fit.log.push_back(StrCat("Server can't set maximum open files to ", want,
                           " because of OS error: ", strerror(error), "."));
  fit.log.push_back(StrCat("Current maximum open files is ", have,
                           ". maxclients has been reduced to ", fit.maxclients,
                           " to compensate for low ulimit. If you need higher maxclients "
                           "increase 'ulimit -n'."));
  return fit;
}

void CheckOpenFilesOnMaxclientsSet(int threads) { g_fd_check_threads.store(threads); }

std::atomic<bool>& ProtectedModeSetting() {
  static std::atomic<bool> protected_mode{true};
  return protected_mode;
}

}  // namespace shoal
