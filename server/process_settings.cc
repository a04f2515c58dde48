// dir, logfile, daemonize, supervised, pidfile, disable-thp: see the header.
#include "server/process_settings.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "base/strings.h"
#include "absl/strings/str_cat.h"

namespace shoal {
namespace {

// The pid file this process wrote (empty: none), for RemovePidFile.
std::string g_pidfile_written;

int CountThreads() {
  DIR* d = opendir("/proc/self/task");
  if (d == nullptr) return -1;
  int n = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(d);
  return n;
}

bool Yes(const ConfigRegistry& reg, std::string_view name) {
  return AsciiLower(reg.Value(name)) == "yes";
}

// The supervisor named by `supervised` (auto: the one whose variable the
// environment has), "" for none.
std::string Supervisor(const ConfigRegistry& reg) {
  const std::string mode = AsciiLower(reg.Value("supervised"));
  if (mode == "systemd" || mode == "upstart") return mode;
  if (mode == "auto") {
    if (getenv("NOTIFY_SOCKET") != nullptr) return "systemd";
    if (getenv("UPSTART_JOB") != nullptr) return "upstart";
  }
  return "";
}

bool RedirectTo(const char* path, int flags, std::string* err) {
  int fd = open(path, flags | O_CLOEXEC, 0644);
  if (fd < 0) {
    *err = StrCat("Can't open the log file: ", strerror(errno));
    return false;
  }
  dup2(fd, STDOUT_FILENO);
  dup2(fd, STDERR_FILENO);
  close(fd);
  return true;
}

void NotifySystemd(const char* state) {
  const char* path = getenv("NOTIFY_SOCKET");
  if (path == nullptr || path[0] == '\0') return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const size_t len = strlen(path);
  if (len >= sizeof(addr.sun_path)) return;
  memcpy(addr.sun_path, path, len);
  if (path[0] == '@') addr.sun_path[0] = '\0';  // the abstract namespace
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  const socklen_t alen = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
  if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr), alen) < 0) {
    fprintf(stderr, "WARNING: could not notify systemd on %s: %s\n", path, strerror(errno));
  }
  close(fd);
}

}  // namespace

void RegisterProcessParams(ConfigRegistry* reg) {
  auto startup = [reg](std::string name, std::string initial, ConfigRegistry::Setter validate) {
    reg->AddStartupString(std::move(name), std::move(initial), std::move(validate));
  };
  startup("daemonize", "no", ConfigRegistry::OneOf({"yes", "no"}));
  startup("supervised", "no", ConfigRegistry::OneOf({"upstart", "systemd", "auto", "no"}));
  startup("pidfile", "", nullptr);
  startup("disable-thp", "yes", ConfigRegistry::OneOf({"yes", "no"}));
  // Checked as it is read, as Redis does: a log file that cannot be opened
  // fails the start, not the first line written.
  startup("logfile", "", [](std::string_view v) -> absl::Status {
    if (v.empty()) return absl::OkStatus();
    int fd = open(std::string(v).c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return absl::InvalidArgumentError(StrCat("Can't open the log file: ", strerror(errno)));
    close(fd);
    return absl::OkStatus();
  });
  // The working directory: CONFIG GET answers the absolute path, as Redis.
  ConfigRegistry::Param dir;
  dir.name = "dir";
  dir.get = [] {
    char cwd[4096];
    return std::string(getcwd(cwd, sizeof(cwd)) != nullptr ? cwd : "");
  };
  dir.set = [](std::string_view v) -> absl::Status {
    if (chdir(std::string(v).c_str()) != 0) return absl::InvalidArgumentError(strerror(errno));
    return absl::OkStatus();
  };
  dir.startup_only = true;
  reg->Add(std::move(dir));
}

absl::Status EnterProcessSettings(const ConfigRegistry& reg) {
  const std::string logfile = reg.Value("logfile");
  std::string err;
  if (!logfile.empty() && !RedirectTo(logfile.c_str(), O_WRONLY | O_APPEND | O_CREAT, &err)) {
    return absl::FailedPreconditionError(err);
  }
  const bool background = Yes(reg, "daemonize") && Supervisor(reg).empty();
  if (background) {
    // fork() copies only the calling thread: a thread started before this
    // point would be missing from the daemon.
    if (CountThreads() > 1) {
      return absl::InternalError("daemonize: threads were started before the fork");
    }
    fflush(stdout);
    fflush(stderr);
    const pid_t pid = fork();
    if (pid < 0) return absl::InternalError(StrCat("fork: ", strerror(errno)));
    if (pid > 0) _exit(0);  // the parent: the daemon goes on
    setsid();
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
      dup2(null, STDIN_FILENO);
      if (logfile.empty()) {
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
      }
      close(null);
    }
  }
  // Lines reach the log file as they are written, not when a buffer fills.
  if (!logfile.empty() || background) setvbuf(stdout, nullptr, _IOLBF, 0);
  if (Yes(reg, "disable-thp")) prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
  return absl::OkStatus();
}

void AnnounceReady(const ConfigRegistry& reg) {
  std::string path = reg.Value("pidfile");
  if (path.empty() && Yes(reg, "daemonize") && Supervisor(reg).empty()) path = "/var/run/shoal.pid";
  if (!path.empty()) {
    FILE* f = fopen(path.c_str(), "w");
    if (f == nullptr) {
      fprintf(stderr, "Failed to write PID file %s: %s\n", path.c_str(), strerror(errno));
    } else {
      fprintf(f, "%d\n", static_cast<int>(getpid()));
      fclose(f);
      g_pidfile_written = path;
    }
  }
  const std::string sup = Supervisor(reg);
  if (sup == "systemd") {
    NotifySystemd("STATUS=Ready to accept connections\nREADY=1\n");
  } else if (sup == "upstart") {
    raise(SIGSTOP);  // upstart's "expect stop": it resumes us
  }
}

void RemovePidFile() {
  if (!g_pidfile_written.empty()) unlink(g_pidfile_written.c_str());
  g_pidfile_written.clear();
}

}  // namespace shoal
