// ConfigRegistry: the server's run-time parameters under Redis's names, for
// CONFIG GET (glob patterns) / CONFIG SET, start-up flags and config files.
//
// Values that hot paths read are plain atomics in RuntimeConfig; the registry
// binds each name to a getter and a validating setter. Thread-safe: any
// worker may get or set at any time.
#ifndef SHOAL_SERVER_DISPATCH_CONFIG_REGISTRY_H_
#define SHOAL_SERVER_DISPATCH_CONFIG_REGISTRY_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace shoal {

// Values read on hot paths. Defaults are redis-server's.
struct RuntimeConfig {
  std::atomic<int64_t> maxclients{10000};
  std::atomic<int64_t> timeout_s{0};
  std::atomic<int64_t> hz{10};
  std::atomic<int64_t> maxmemory{0};
  std::atomic<int64_t> proto_max_bulk_len{512LL * 1024 * 1024};
  std::atomic<int64_t> client_query_buffer_limit{1024LL * 1024 * 1024};
  // client-output-buffer-limit for normal clients: hard, soft, soft seconds.
  std::atomic<int64_t> obuf_normal_hard{0};
  std::atomic<int64_t> obuf_normal_soft{0};
  std::atomic<int64_t> obuf_normal_soft_s{0};
  std::atomic<int64_t> obuf_pubsub_hard{32LL * 1024 * 1024};
  std::atomic<int64_t> obuf_pubsub_soft{8LL * 1024 * 1024};
  std::atomic<int64_t> obuf_pubsub_soft_s{60};
  std::atomic<int64_t> databases{16};
  std::atomic<bool> cluster_enabled{false};
  // Compact encodings of small collections (Redis's names and defaults).
  std::atomic<int64_t> hash_max_listpack_entries{512};  // redis-server without a config file
  std::atomic<int64_t> hash_max_listpack_value{64};
  std::atomic<int64_t> set_max_intset_entries{512};
  std::atomic<int64_t> set_max_listpack_entries{128};
  std::atomic<int64_t> set_max_listpack_value{64};
  std::atomic<int64_t> zset_max_listpack_entries{128};
  std::atomic<int64_t> zset_max_listpack_value{64};
  std::atomic<int64_t> list_max_listpack_size{-2};
  // notify-keyspace-events as NotifyClass bits (notify.h); 0 = off.
  std::atomic<uint32_t> notify_keyspace_events{0};
  // busy-reply-threshold (alias lua-time-limit): a script running longer
  // makes other clients get -BUSY; 0 = never.
  std::atomic<int64_t> busy_reply_threshold_ms{5000};
  // tcp-keepalive: seconds a client connection idles before keep-alive
  // probes (0 = none), set on each connection as it is accepted.
  std::atomic<int64_t> tcp_keepalive_s{300};
  // shutdown-timeout: seconds SHUTDOWN (and SIGTERM/SIGINT) waits, writes
  // paused, for replicas to acknowledge every write; 0 = no wait.
  std::atomic<int64_t> shutdown_timeout_s{10};

  // Whether clients must authenticate: the default ACL user has a password
  // (no nopass) or is off. Kept by server/acl; read by the dispatcher
  // (-NOAUTH), protected mode and the pre-AUTH input bounds.
  std::atomic<bool> auth_required{false};
  bool AuthRequired() const { return auth_required.load(std::memory_order_relaxed); }

  mutable absl::Mutex mu;
  // requirepass as CONFIG GET shows it (the default user's password when
  // set through requirepass; ACL SETUSER default does not change it).
  std::string requirepass ABSL_GUARDED_BY(mu);
  std::string RequirePass() const {
    absl::MutexLock l(&mu);
    return requirepass;
  }
};

class ConfigRegistry {
 public:
  using Getter = std::function<std::string()>;
  // Returns an error message (Redis's wording after "ERR CONFIG SET failed
  // (possibly related to argument 'x') - ") or OK.
  using Setter = std::function<absl::Status(std::string_view)>;

  // Runs once per CONFIG SET after all of its values are set, for
  // parameters that only make sense together (a TLS certificate and its
  // key): CONFIG SET tls-cert-file A tls-key-file B checks the pair, not A
  // with the old key. Parameters sharing one hook (the same pointer) share
  // one call. On failure CONFIG SET restores the old values and runs the
  // hooks again.
  using Apply = std::shared_ptr<const std::function<absl::Status()>>;

  struct Param {
    std::string name;
    std::vector<std::string> aliases;
    Getter get;
    Setter set;        // null for immutable parameters
    Apply apply;       // null for most: the setter applies the value
    // Set at start-up only (config file, command line): CONFIG SET refuses
    // it as immutable (aclfile, user).
    bool startup_only = false;
    // Left out of CONFIG GET patterns (user: a directive, not a value).
    bool hidden = false;
    // A directive that repeats (user): the values of the lines CONFIG
    // REWRITE writes in place of the file's lines of this name, one per
    // line, written as they are (not quoted). Null for the others.
    std::function<std::vector<std::string>()> rewrite_lines;
  };

  explicit ConfigRegistry(RuntimeConfig* rc);
  RuntimeConfig& runtime() { return *rc_; }

  void Add(Param p);
  // Helpers binding common kinds of values.
  void AddInt(std::string name, std::atomic<int64_t>* v, int64_t min, int64_t max,
              bool is_memory = false, bool mutable_at_runtime = true);
  void AddBool(std::string name, std::atomic<bool>* v, bool mutable_at_runtime = true);
  // A parameter Shoal accepts and reports but that has no effect on a cache
  // (e.g. "save", "appendonly"): the value is kept so CONFIG GET returns it.
  void AddString(std::string name, std::string initial, bool mutable_at_runtime = true,
                 std::function<absl::Status(std::string_view)> validate = nullptr);

  // A string set at start-up only (config file, command line), checked by
  // `validate`; CONFIG SET refuses it as immutable (replicaof, logfile).
  void AddStartupString(std::string name, std::string initial,
                        std::function<absl::Status(std::string_view)> validate = nullptr);

  // A validator taking one of `values` (case-insensitive), with Redis's
  // error: "argument(s) must be one of the following: a, b, c".
  static Setter OneOf(std::vector<std::string> values);

  // Makes an added parameter start-up only (its setter runs for the config
  // file and command line; CONFIG SET refuses it as immutable).
  void MarkStartupOnly(std::string_view name);

  // Another name for an existing parameter (e.g. hash-max-ziplist-entries).
  void AddAlias(std::string_view name, std::string alias);

  // Pairs (name, value) for every parameter matching the glob (case-insensitive).
  std::vector<std::pair<std::string, std::string>> Get(std::string_view pattern) const;
  // Sets one parameter; error text in the Status message.
  absl::Status Set(std::string_view name, std::string_view value);
  bool Known(std::string_view name) const;
  bool IsMutable(std::string_view name) const;
  // Value of one parameter ("" if unknown).
  std::string Value(std::string_view name) const;
  // The parameter's apply hook (null if none or unknown).
  Apply ApplyHook(std::string_view name) const;
  // Names of the repeated directives (those with rewrite_lines), and the
  // lines one of them rewrites to (false if `name` is not one).
  std::vector<std::string> RepeatedDirectives() const;
  bool RewriteLines(std::string_view name, std::vector<std::string>* lines) const;

  // Parses "100mb", "1gb", "4096", "1k" as Redis does (k=1000, kb=1024...).
  static bool ParseMemory(std::string_view s, int64_t* out);

 private:
  const Param* FindParam(std::string_view name) const;

  RuntimeConfig* rc_;
  mutable absl::Mutex mu_;
  std::vector<Param> params_ ABSL_GUARDED_BY(mu_);
  // Backing store for AddString values.
  std::vector<std::unique_ptr<std::pair<absl::Mutex, std::string>>> strings_;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_CONFIG_REGISTRY_H_
