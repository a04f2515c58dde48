// ClientSession: the per-connection state that commands read and change —
// selected db, protocol version, auth and ACL user, name, MULTI queue, WATCH
// list.
//
// Owned by the connection (server/net) and used on its worker thread only,
// except the fields marked "any thread", which CLIENT LIST / CLIENT KILL /
// INFO read from other workers.
#ifndef SHOAL_SERVER_DISPATCH_CLIENT_SESSION_H_
#define SHOAL_SERVER_DISPATCH_CLIENT_SESSION_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/dispatch/command.h"
#include "server/store/store.h"

namespace shoal {

// Wakes the worker that owns a connection (uv_async in server/net), so that a
// request from another thread (CLIENT KILL) is acted on promptly.
class ClientWaker {
 public:
  virtual ~ClientWaker() = default;
  virtual void Wake() = 0;
  // Appends RESP bytes (a pub/sub message) to a client's output, in call order.
  virtual void Deliver(uint64_t client_id, std::string bytes) = 0;
  // Asks the client's connection to re-run its blocked command.
  virtual void WakeBlocked(uint64_t client_id) = 0;
};

// What a blocked command replies when its timeout passes (or CLIENT UNBLOCK
// ends it as a timeout). kRerun: the command answers for itself, run once
// more with its deadline passed (WAIT and WAITAOF reply with the acks they
// have, not a null).
enum class BlockedReply { kNullArray, kNullBulk, kRerun };

// Per-client blocking state, owned by the ClientSession and filled by the
// BlockingRegistry (server/events/blocking.h) when BLPOP & co park a client.
struct BlockState {
  bool blocked = false;
  int db = 0;
  std::vector<std::string> keys;
  std::vector<std::string> args;   // the command to re-run when woken
  int64_t deadline_ms = 0;         // 0 = forever
  BlockedReply timeout_reply = BlockedReply::kNullArray;
  // Set when a re-run of the blocked command found nothing and blocked again.
  bool reblocked = false;
};

class TlsSession;  // server/net/tls_session.h
struct ClientSession;
struct CommandContext;

// ACL (server/acl implements it; dispatch only asks). Where a command is
// checked: as sent or queued, again at EXEC, or by redis.call in a script.
enum class AclContext : uint8_t { kToplevel, kMulti, kLua };

// What an ACL check found. `message` is Redis's text without the error code
// ("User alice has no permissions to run the 'set' command", "No permissions
// to access a key"); empty when allowed.
struct AclVerdict {
  enum Reason : uint8_t { kAllowed, kCommand, kKey, kChannel };
  Reason reason = kAllowed;
  std::string message;
  bool allowed() const { return reason == kAllowed; }
};

// The ACL user a client runs as. Shared by every client authenticated as
// that user, and kept alive by them after ACL DELUSER (which also kills them).
class AclPrincipal {
 public:
  virtual ~AclPrincipal() = default;
  // +@all ~* &*: nothing to check. One relaxed load: all that ACL costs a
  // command of such a user (the default user, unless configured otherwise).
  bool unrestricted() const { return unrestricted_.load(std::memory_order_relaxed); }
  // Whether `ctx.client` may run `spec` with `args`; a denial is recorded in
  // ACL LOG with `context`. Any worker; takes the user's lock for reading.
  virtual AclVerdict Check(const CommandContext& ctx, const CommandSpec& spec, CmdArgs args,
                           AclContext context) = 0;
  // The same question without recording anything (ACL DRYRUN,
  // redis.acl_check_cmd).
  virtual bool Allows(const CommandSpec& spec, CmdArgs args) const = 0;
  // Whether some selector allows `spec` with `args` and may read every key
  // (~* or %R~*): what SORT's BY and GET patterns, which read keys known
  // only from the data, need (as Redis 7).
  virtual bool ReadsAnyKey(const CommandSpec& spec, CmdArgs args) const { return true; }

 protected:
  std::atomic<bool> unrestricted_{false};
};

// The default user, which every new session starts as. Set once by
// server/acl at start-up, before any session exists; null without ACL (unit
// tests), which the dispatcher treats as unrestricted.
inline std::shared_ptr<AclPrincipal>& DefaultAclPrincipal() {
  static auto* p = new std::shared_ptr<AclPrincipal>();
  return *p;
}

// CLIENT TRACKING state bits (ClientSession::tracking; server/events/tracking.h).
enum TrackingFlag : uint32_t {
  kTrackingOn = 1 << 0,
  kTrackingBcast = 1 << 1,
  kTrackingOptin = 1 << 2,
  kTrackingOptout = 1 << 3,
  kTrackingNoloop = 1 << 4,
  kTrackingBrokenRedir = 1 << 5,  // the REDIRECT client is gone (any thread sets it)
};

struct QueuedCommand {
  const CommandSpec* spec = nullptr;
  std::vector<std::string> args;
};

struct ClientSession {
  // Immutable after accept (any thread).
  uint64_t id = 0;
  std::string addr;   // "127.0.0.1:53422"
  std::string laddr;  // "127.0.0.1:6379"
  int fd = -1;
  bool tls = false;  // accepted on the TLS port
  bool unix_socket = false;  // accepted on the unixsocket (CLIENT LIST flag U)
  int worker = 0;
  int64_t created_ms = 0;
  ClientWaker* waker = nullptr;

  // Any thread.
  std::atomic<int> db{0};
  std::atomic<int64_t> last_interaction_ms{0};
  std::atomic<const CommandSpec*> last_command{nullptr};
  std::atomic<bool> kill_requested{false};
  std::atomic<int64_t> query_buffer_bytes{0};
  std::atomic<int64_t> output_buffer_bytes{0};
  std::atomic<int> resp{2};
  std::atomic<bool> in_multi_flag{false};
  // Channels + patterns + shard channels (RESP2 subscribed state when > 0).
  std::atomic<int> subscriptions{0};
  std::atomic<bool> blocked_flag{false};
  // MONITOR: this client receives every command's line (MonitorFeed) and
  // may no longer touch the keyspace. Set by its worker; CLIENT LIST reads it.
  std::atomic<bool> monitor{false};
  // CLIENT UNBLOCK from another client: the blocked command ends with its
  // timeout reply (kUnblockTimeout) or -UNBLOCKED (kUnblockError).
  enum UnblockRequest : int { kUnblockNone = 0, kUnblockTimeout = 1, kUnblockError = 2 };
  std::atomic<int> unblock_request{kUnblockNone};
  mutable absl::Mutex names_mu;
  std::string name ABSL_GUARDED_BY(names_mu);
  std::string lib_name ABSL_GUARDED_BY(names_mu);
  std::string lib_ver ABSL_GUARDED_BY(names_mu);
  // Name of the ACL user (CLIENT LIST user=, CLIENT KILL USER).
  std::string user_name ABSL_GUARDED_BY(names_mu) = "default";
  // CLIENT TRACKING: TrackingFlag bits and the REDIRECT client id (0: none),
  // written by the owning worker (kTrackingBrokenRedir by any).
  std::atomic<uint32_t> tracking{0};
  std::atomic<uint64_t> tracking_redirect{0};

  // Owning worker only.
  bool authenticated = false;
  // The ACL user this client runs as (AUTH / HELLO AUTH / RESET change it,
  // with user_name).
  std::shared_ptr<AclPrincipal> user = DefaultAclPrincipal();
  bool close_after_reply = false;
  // Set by PSYNC on a TLS connection: when the connection ends, it hands its
  // TLS session to the replica feeder through this instead of closing it.
  std::function<void(std::unique_ptr<TlsSession>)> tls_handoff;
  bool no_evict = false;
  bool no_touch = false;
  // READONLY (cluster): this client accepts reads from a replica.
  bool cluster_readonly = false;
  // ASKING (cluster): the next command may use a slot being imported here.
  // ASKING sets 2; the dispatcher counts down after each command, so the
  // flag covers exactly the command after ASKING.
  uint8_t asking = 0;
  // The cluster's slot mover runs MIGRATE as this client: its keys are in a
  // slot moving away, and it must reach them (no -ASK for it).
  bool slot_mover = false;
  bool in_multi = false;
  // CLIENT REPLY: replies are dropped while off, or for the next command
  // after SKIP (the dispatcher applies it).
  enum class ReplyMode : uint8_t { kOn, kOff, kSkipNext };
  ReplyMode reply_mode = ReplyMode::kOn;
  // CLIENT PAUSE held this client's command back; it is kept in block.args
  // and run again when the pause ends.
  bool postponed = false;
  bool multi_error = false;  // a command failed to queue: EXEC aborts
  // Replication: the stream offset just past this client's last write (WAIT
  // waits for replicas to acknowledge it), and WAIT's deadline while it
  // blocks (0 = none or forever, see wait_forever).
  int64_t repl_offset = 0;
  int64_t wait_deadline_ms = 0;
  bool wait_forever = false;
  // A replica's link to its primary: exempt from the read-only refusal.
  bool is_primary_link = false;
  // CLIENT CACHING yes|no applies to the next command (or transaction).
  bool tracking_caching = false;
  // BCAST prefixes, in the order given (CLIENT TRACKINGINFO).
  std::vector<std::string> tracking_prefixes;
  std::vector<QueuedCommand> queued;
  Watcher watcher;
  BlockState block;
  std::vector<std::pair<int, std::string>> watched;

  std::string Name() const {
    absl::MutexLock l(&names_mu);
    return name;
  }
  std::string UserName() const {
    absl::MutexLock l(&names_mu);
    return user_name;
  }
};

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_CLIENT_SESSION_H_
