// shoal: the server binary. Reads flags and config (redis-server style),
// builds the keyspace, the command table and the network layer, serves until
// SIGINT/SIGTERM or SHUTDOWN, then stops gracefully.
//
// This is the only file that reads flags (CONVENTIONS.md): modules take
// Options structs.
#include <gflags/gflags.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "server/commands/command_table.h"
#include "server/commands/families.h"
#include "server/commands/server_state.h"
#include "server/config.h"
#include "server/net/acceptor.h"
#include "server/store/store.h"
#include "server/commands/version.h"

DEFINE_int32(port, 6379, "TCP port for clients");
DEFINE_string(bind, "0.0.0.0", "addresses to listen on, space separated");
DEFINE_int32(threads, 0, "worker threads (0 = number of cores)");
DEFINE_int32(stripes, 256, "lock stripes over the 16384 slots (power of two)");
DEFINE_int32(databases, 16, "number of databases (SELECT 0..n-1)");
DEFINE_int32(tcp_backlog, 511, "listen backlog");

namespace shoal {
namespace {

std::string RandomHex(int n) {
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd() ^ getpid());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(kHex[rng() % 16]);
  return s;
}

int Fail(const std::string& msg) {
  fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR (Shoal %s) ***\n%s\n", kShoalVersion,
          msg.c_str());
  return 1;
}

int Main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "-v" || a == "--version") {
      printf("Shoal server v=%s (Redis %s compatible)\n", kShoalVersion, kRedisVersion);
      return 0;
    }
    if (a == "-h" || a == "--help") {
      printf("Usage: shoal [/path/to/shoal.conf] [--name value]...\n"
             "Options take Redis's names (--port, --bind, --maxclients, --requirepass,\n"
             "--maxmemory, --hz, --timeout ...) plus --threads and --stripes.\n"
             "See docs/configuration.md.\n");
      return 0;
    }
  }
  std::string conf_file;
  auto args = ParseArgs(argc - 1, argv + 1, &conf_file);
  if (!args.ok()) return Fail(std::string(args.status().message()));
  std::vector<Directive> directives;
  if (!conf_file.empty()) {
    auto file = ParseConfigFile(conf_file);
    if (!file.ok()) return Fail(std::string(file.status().message()));
    directives = *std::move(file);
  }
  directives.insert(directives.end(), args->begin(), args->end());

  // Start-up options go to gflags; everything else to the registry below.
  std::vector<Directive> runtime;
  for (const Directive& d : directives) {
    std::string flag = d.name;
    for (char& c : flag) {
      if (c == '-') c = '_';
    }
    gflags::CommandLineFlagInfo info;
    if (flag == "flagfile") {
      for (const std::string& f : d.values) gflags::ReadFromFlagsFile(f, argv[0], true);
    } else if (gflags::GetCommandLineFlagInfo(flag.c_str(), &info)) {
      std::string value = absl::StrJoin(d.values, " ");
      if (gflags::SetCommandLineOption(flag.c_str(), value.c_str()).empty()) {
        return Fail(StrCat("Invalid value '", value, "' for '", d.name, "'"));
      }
    } else {
      runtime.push_back(d);
    }
  }

  int threads = FLAGS_threads > 0 ? FLAGS_threads
                                  : std::max(1u, std::thread::hardware_concurrency());
  int stripes = FLAGS_stripes;
  if (stripes < 1 || stripes > 16384 || (stripes & (stripes - 1)) != 0) {
    return Fail("--stripes must be a power of two between 1 and 16384");
  }
  if (FLAGS_databases < 1 || FLAGS_databases > 16) return Fail("--databases must be 1..16");
  std::vector<std::string> bind = absl::StrSplit(FLAGS_bind, ' ', absl::SkipEmpty());

  CommandTable table;
  RegisterAllCommands(&table);
  RuntimeConfig rc;
  rc.databases = FLAGS_databases;
  ServerState server(&table, &rc, threads);
  ConfigRegistry& reg = server.config();
  RegisterConfigParams(&reg, FLAGS_port, bind, threads);
  char cwd[4096];
  reg.AddString("dir", getcwd(cwd, sizeof(cwd)) ? cwd : "/", false);
  for (const Directive& d : runtime) {
    if (!reg.Known(d.name)) {
      return Fail(StrCat("Bad directive or wrong number of arguments: '", d.name, "'"));
    }
    absl::Status st = reg.Set(d.name, absl::StrJoin(d.values, " "));
    if (!st.ok() && !(absl::IsFailedPrecondition(st))) {
      return Fail(StrCat("'", d.name, "': ", st.message()));
    }
  }

  StoreOptions so;
  so.databases = FLAGS_databases;
  so.stripes = stripes;
  Store store(so);

  ServerInfo& info = server.info();
  info.run_id = RandomHex(40);
  info.port = FLAGS_port;
  info.threads = threads;
  info.start_ms = store.clock().NowMs();
  info.config_file = conf_file;
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  info.executable = n > 0 ? std::string(exe, n) : std::string(argv[0]);

  NetOptions no;
  no.bind = bind;
  no.port = FLAGS_port;
  no.threads = threads;
  no.tcp_backlog = FLAGS_tcp_backlog;
  NetServer net(&store, &server, no);
  absl::Status st = net.Start();
  if (!st.ok()) {
    fprintf(stderr, "%s\n", std::string(st.message()).c_str());
    return 1;
  }
  printf("Shoal %s (Redis %s compatible) ready to accept connections on port %d, %d threads\n",
         kShoalVersion, kRedisVersion, FLAGS_port, threads);
  fflush(stdout);
  net.Run();
  printf("Shoal is now ready to exit, bye bye...\n");
  return 0;
}

}  // namespace
}  // namespace shoal

int main(int argc, char** argv) { return shoal::Main(argc, argv); }
