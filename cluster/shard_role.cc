// ShardRoleKeeper: replication follows the shard table; see shard_role.h.
#include "cluster/shard_role.h"

#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "base/strings.h"
#include "server/replication/repl_log.h"
#include "server/net/tls_context.h"
#include "server/replication/repl_socket.h"
#include "server/replication/repl_stream.h"

namespace shoal {
namespace {

constexpr int64_t kPollMs = 20;
// How long a planned failover waits for the replica to catch up, then for
// the coordinator to switch roles (Redis's manual failover timeout is 5 s).
constexpr int64_t kCatchUpMs = 5000;
constexpr int64_t kSwitchMs = 10000;
// The primary's writes stay paused at most this long if this node dies
// half-way through a planned failover.
constexpr int64_t kPauseMs = kCatchUpMs + kSwitchMs + 1000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void SleepMs(int64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// One reply from a blocking socket: a status, error or integer line, or a
// bulk string's contents. False on a closed socket, a timeout or garbage.
bool ReadReply(ReplStream& s, std::string* in, std::string* out) {
  auto fill = [&]() {
    char buf[16384];
    for (;;) {
      ssize_t n = s.Recv(buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      in->append(buf, static_cast<size_t>(n));
      return true;
    }
  };
  size_t eol;
  while ((eol = in->find("\r\n")) == std::string::npos) {
    if (in->size() > 4096 || !fill()) return false;
  }
  std::string line = in->substr(0, eol);
  if (line.empty()) return false;
  if (line[0] != '$') {
    *out = line;
    in->erase(0, eol + 2);
    return true;
  }
  int64_t len = 0;
  if (!SimpleAtoi(std::string_view(line).substr(1), &len) || len < 0 || len > (1 << 20)) {
    return false;
  }
  const size_t need = eol + 2 + static_cast<size_t>(len) + 2;
  while (in->size() < need) {
    if (!fill()) return false;
  }
  out->assign(*in, eol + 2, static_cast<size_t>(len));
  in->erase(0, need);
  return true;
}

// master_repl_offset from an INFO replication text, or -1.
int64_t MasterOffset(const std::string& info) {
  constexpr std::string_view kField = "master_repl_offset:";
  size_t at = info.find(kField);
  if (at == std::string::npos) return -1;
  size_t end = info.find("\r\n", at);
  int64_t v = -1;
  std::string_view digits(info.data() + at + kField.size(),
                          (end == std::string::npos ? info.size() : end) - at - kField.size());
  return SimpleAtoi(digits, &v) ? v : -1;
}

}  // namespace

ShardRoleKeeper::ShardRoleKeeper(const ClusterState* state, ReplicationManager* replication)
    : state_(state), replication_(replication), thread_([this] { Run(); }) {}

ShardRoleKeeper::~ShardRoleKeeper() {
  stop_.store(true);
  thread_.join();
  if (failover_thread_.joinable()) failover_thread_.join();
}

ShardRoleKeeper::Role ShardRoleKeeper::MyRole(const ClusterView& view) const {
  Role role;
  if (view.my_id.empty()) return role;
  for (const ShardInfo& s : view.table.shards) {
    for (const std::string& r : s.replicas) {
      if (r != view.my_id) continue;
      role.replica = true;
      role.primary_id = s.primary;
      if (const NodeInfo* p = view.FindNode(s.primary)) {
        role.primary_host = p->ip;
        role.primary_port = p->port;
        role.primary_alive = p->state != MemberState::kDead && !p->ip.empty() && p->port > 0;
      }
      return role;
    }
  }
  return role;
}

bool ShardRoleKeeper::MySlotsPending(const ClusterView& view) const {
  for (int slot = 0; slot < kClusterSlots; ++slot) {
    if (state_->SlotOwned(slot) && state_->SlotPending(slot)) return true;
  }
  (void)view;
  return false;
}

void ShardRoleKeeper::Run() {
  while (!stop_.load(std::memory_order_acquire)) {
    Step();
    SleepMs(kPollMs);
  }
}

void ShardRoleKeeper::Step() {
  std::shared_ptr<const ClusterView> view = state_->Get();
  if (view == nullptr) return;
  Role role = MyRole(*view);
  absl::MutexLock l(&mu_);
  if (!role.replica) {
    // A primary (or in no shard): stop following anyone.
    if (replication_->is_replica()) {
      replication_->BecomePrimary();
      fprintf(stdout, "cluster: this node is now the primary of its shard\n");
      fflush(stdout);
    }
    following_.clear();
    synced_ = false;
    wants_promotion_.store(false, std::memory_order_release);
    offset_.store(replication_->Offset(), std::memory_order_release);
    return;
  }
  const std::string target = StrCat(role.primary_host, ":", role.primary_port);
  if (role.primary_alive && target != following_ && !MySlotsPending(*view)) {
    replication_->ReplicaOf(role.primary_host, role.primary_port);
    fprintf(stdout, "cluster: replicating from %s (%s)\n", target.c_str(),
            role.primary_id.c_str());
    fflush(stdout);
    following_ = target;
    synced_ = false;
  }
  if (following_.empty()) {
    offset_.store(-1, std::memory_order_release);
    return;
  }
  PrimaryLinkStatus link = replication_->LinkStatus();
  if (link.state == "connected") synced_ = true;
  // Once synced, the offset stays valid after the link drops (the primary
  // died): it is what the coordinator compares to pick whom to promote.
  offset_.store(synced_ ? link.offset : -1, std::memory_order_release);
}

absl::Status ShardRoleKeeper::Failover(FailoverMode mode) {
  std::shared_ptr<const ClusterView> view = state_->Get();
  if (view == nullptr) return absl::FailedPreconditionError("ERR This instance has cluster support disabled");
  Role role = MyRole(*view);
  if (!role.replica) {
    return absl::FailedPreconditionError("ERR You should send CLUSTER FAILOVER to a replica");
  }
  absl::MutexLock l(&mu_);
  if (mode == FailoverMode::kDefault && !role.primary_alive) {
    return absl::FailedPreconditionError(
        "ERR Master is down or failed, please use CLUSTER FAILOVER FORCE");
  }
  if (!synced_) {
    return absl::FailedPreconditionError(
        "ERR This replica has not completed a sync with its primary yet");
  }
  if (failover_running_) return absl::OkStatus();
  failover_running_ = true;
  if (failover_thread_.joinable()) failover_thread_.join();
  failover_thread_ = std::thread(
      [this, mode, host = role.primary_host, port = role.primary_port] {
        RunFailover(mode, host, port);
        absl::MutexLock l(&mu_);
        failover_running_ = false;
      });
  return absl::OkStatus();
}

bool ShardRoleKeeper::WaitUntilPrimary(int64_t timeout_ms) {
  const int64_t deadline = NowMs() + timeout_ms;
  while (NowMs() < deadline && !stop_.load()) {
    std::shared_ptr<const ClusterView> view = state_->Get();
    if (view != nullptr && !MyRole(*view).replica && !replication_->is_replica()) return true;
    SleepMs(kPollMs);
  }
  return false;
}

void ShardRoleKeeper::RunFailover(FailoverMode mode, std::string host, int port) {
  if (mode != FailoverMode::kDefault) {
    wants_promotion_.store(true, std::memory_order_release);
    if (!WaitUntilPrimary(kSwitchMs)) {
      fprintf(stderr, "cluster: CLUSTER FAILOVER timed out waiting for the coordinator\n");
    }
    wants_promotion_.store(false, std::memory_order_release);
    return;
  }
  // A planned switch: stop writes on the primary, catch up, then ask.
  std::string error;
  int fd = ConnectTcp(host, port, 2000, &error);
  if (fd < 0) {
    fprintf(stderr, "cluster: CLUSTER FAILOVER could not reach the primary: %s\n", error.c_str());
    return;
  }
  SetRecvTimeout(fd, 2000);
  // With tls-cluster the primary's announced port is its TLS port.
  SSL_CTX* ctx = replication_->LinksUseTls() ? replication_->tls()->AcquireClient() : nullptr;
  std::unique_ptr<ReplStream> stream = OpenClientStream(fd, ctx, &error);
  if (ctx != nullptr) SSL_CTX_free(ctx);
  if (stream == nullptr) {
    fprintf(stderr, "cluster: CLUSTER FAILOVER could not reach the primary: %s\n", error.c_str());
    close(fd);
    return;
  }
  std::string in, reply;
  auto command = [&](std::initializer_list<std::string_view> args) {
    return stream->Send(RespCommand(args)) && ReadReply(*stream, &in, &reply);
  };
  bool ok = true;
  const std::string pass = replication_->server()->config().Value("masterauth");
  const std::string user = replication_->server()->config().Value("masteruser");
  if (!pass.empty()) {
    ok = user.empty() ? command({"AUTH", pass}) : command({"AUTH", user, pass});
    ok = ok && reply == "+OK";
  }
  const std::string pause_ms = StrCat(kPauseMs);
  ok = ok && command({"CLIENT", "PAUSE", pause_ms, "WRITE"}) && reply == "+OK";
  // Writes that were executing when the pause began still reach the log:
  // read the offset until it stops moving.
  int64_t target = -1;
  for (int i = 0; ok && i < 50; ++i) {
    SleepMs(20);
    ok = command({"INFO", "replication"});
    int64_t off = ok ? MasterOffset(reply) : -1;
    if (off >= 0 && off == target) break;
    target = off;
  }
  bool caught_up = false;
  const int64_t deadline = NowMs() + kCatchUpMs;
  while (ok && target >= 0 && NowMs() < deadline && !stop_.load()) {
    if (replication_->LinkStatus().offset >= target) {
      caught_up = true;
      break;
    }
    SleepMs(5);
  }
  if (caught_up) {
    wants_promotion_.store(true, std::memory_order_release);
    if (!WaitUntilPrimary(kSwitchMs)) {
      fprintf(stderr, "cluster: CLUSTER FAILOVER timed out waiting for the coordinator\n");
    }
    wants_promotion_.store(false, std::memory_order_release);
  } else {
    fprintf(stderr, "cluster: CLUSTER FAILOVER: this replica did not catch up with the "
                    "primary in time; failover aborted\n");
  }
  // Unpause once the old primary knows it is a replica (its paused writers
  // then get -MOVED or -READONLY, never a write that the new primary would
  // not see), or at once when the switch was aborted.
  if (caught_up) {
    const int64_t until = NowMs() + kSwitchMs;
    while (ok && NowMs() < until && !stop_.load()) {
      ok = command({"INFO", "replication"});
      if (ok && reply.find("role:slave") != std::string::npos) break;
      SleepMs(kPollMs);
    }
  }
  if (ok) command({"CLIENT", "UNPAUSE"});
  stream.reset();
  close(fd);
}

}  // namespace shoal
