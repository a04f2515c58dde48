// The process's own start-up settings, with Redis's names and meaning: dir
// (the working directory, changed as the directive is read), logfile,
// daemonize, supervised, pidfile and disable-thp. They are set from a config
// file or the command line only; CONFIG SET refuses them as immutable.
//
// Order (main.cc): the directives are read (dir's chdir happens then, so a
// relative logfile or pidfile after it is under it, as in Redis);
// EnterProcessSettings runs before any thread exists, because a daemon
// forks; AnnounceReady runs once the server listens; RemovePidFile at exit.
#ifndef SHOAL_SERVER_PROCESS_SETTINGS_H_
#define SHOAL_SERVER_PROCESS_SETTINGS_H_

#include "absl/status/status.h"
#include "server/dispatch/config_registry.h"

namespace shoal {

void RegisterProcessParams(ConfigRegistry* reg);

// Opens the log file onto stdout and stderr (or /dev/null for a daemon
// without one), forks into the background with daemonize yes (not when a
// supervisor is named: it keeps the process in the foreground), and turns
// transparent huge pages off with disable-thp yes. The error says why it
// could not.
absl::Status EnterProcessSettings(const ConfigRegistry& reg);

// Writes the pid file (pidfile, or /var/run/shoal.pid for a daemon without
// one; a failure is logged, as Redis does) and tells the supervisor the
// server is ready: systemd gets READY=1 on $NOTIFY_SOCKET, upstart a
// SIGSTOP.
void AnnounceReady(const ConfigRegistry& reg);

// Removes the pid file AnnounceReady wrote, if any.
void RemovePidFile();

}  // namespace shoal

#endif  // SHOAL_SERVER_PROCESS_SETTINGS_H_
