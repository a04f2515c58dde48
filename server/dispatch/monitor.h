// MonitorFeed: the clients in MONITOR mode, and the line each command run by
// any client on any worker sends them, in Redis's format:
//
//   +1733480000.123456 [0 127.0.0.1:50000] "SET" "k" "v"
//
// (unix time with microseconds, the db, the client's address or "lua" for a
// script's redis.call, then every argument quoted as Redis quotes them:
// \" \\ \n \r \t \a \b, and \xHH for other non-printable bytes). Passwords
// are replaced by "(redacted)" as Redis 7 does: AUTH's arguments, HELLO's
// AUTH user and password, MIGRATE's AUTH/AUTH2 credentials.
//
// Delivery reuses pub/sub's path: each line goes through the monitor's
// ClientWaker::Deliver, the FIFO inbox of the monitor's worker, so the
// worker that ran the command never blocks on a monitor, lines of one client
// arrive in the order its commands ran, and a monitor that does not read is
// bounded by client-output-buffer-limit (normal class, as in Redis) like any
// other output.
//
// Cost: the dispatcher asks active() — one relaxed atomic load — per command;
// nothing else happens while nobody monitors. Thread-safe: one mutex, held
// while handing lines to workers' inboxes (which take only their own lock).
#ifndef SHOAL_SERVER_DISPATCH_MONITOR_H_
#define SHOAL_SERVER_DISPATCH_MONITOR_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/dispatch/command.h"

namespace shoal {

struct ClientSession;

class MonitorFeed {
 public:
  bool active() const { return count_.load(std::memory_order_relaxed) > 0; }

  // MONITOR: false if the client already monitors.
  bool Add(ClientSession* c);
  // RESET, disconnect; no-op for a client that does not monitor.
  void Remove(ClientSession* c);
  int64_t Count() const { return count_.load(std::memory_order_relaxed); }

  // Sends the line for `args` (run by `client` on `db`, or by a script when
  // `from_script`) to every monitor.
  void Feed(const ClientSession& client, int db, bool from_script, CmdArgs args);

  // The line Feed sends, without the leading time (tests).
  static std::string FormatArgs(int db, std::string_view origin, CmdArgs args);

 private:
  mutable absl::Mutex mu_;
  std::vector<ClientSession*> monitors_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> count_{0};
};

// Appends `s` quoted as Redis's sdscatrepr quotes it.
void AppendQuoted(std::string* out, std::string_view s);

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_MONITOR_H_
