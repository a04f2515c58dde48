// PrimaryLink implementation (see repl_link.h).
#include "server/replication/repl_link.h"

#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/strings.h"
#include "protocol/request_parser.h"
#include "server/net/tls_context.h"
#include "server/replication/repl_socket.h"

namespace shoal {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

PrimaryLink::PrimaryLink(ReplicationManager* m, std::string host, int port, std::string replid,
                         int64_t offset)
    : m_(m),
      host_(std::move(host)),
      port_(port),
      applier_(m->store(), m->server()),
      offset_(offset),
      replid_(std::move(replid)) {
  applier_.SetFunctionsSink([m](std::string_view payload) { m->ReplaceFunctions(payload); });
}

PrimaryLink::~PrimaryLink() {
  Stop();
  if (thread_.joinable()) thread_.join();
}

void PrimaryLink::Start() {
  thread_ = std::thread([this] { Run(); });
}

void PrimaryLink::Stop() {
  stop_.store(true);
  int fd = fd_.load();
  if (fd >= 0) shutdown(fd, SHUT_RDWR);
}

void PrimaryLink::StopAndJoin() {
  Stop();
  if (thread_.joinable()) thread_.join();
}

std::string PrimaryLink::ResumeId() const {
  absl::MutexLock l(&mu_);
  return syncing_ ? "" : replid_;
}

PrimaryLinkStatus PrimaryLink::Status() const {
  PrimaryLinkStatus s;
  s.host = host_;
  s.port = port_;
  s.offset = offset_.load();
  s.last_io_ms = last_io_ms_.load();
  absl::MutexLock l(&mu_);
  s.state = state_;
  s.up = up_;
  s.sync_in_progress = syncing_;
  return s;
}

void PrimaryLink::SetState(const char* s, bool up) {
  {
    absl::MutexLock l(&mu_);
    state_ = s;
    up_ = up;
  }
  m_->RefreshStaleRefusal();  // replica-serve-stale-data follows the link at once
}

void PrimaryLink::SleepMs(int ms) {
  for (int i = 0; i < ms / 10 && !stop_.load(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void PrimaryLink::Run() {
  while (!stop_.load()) {
    SetState("connecting", false);
    std::string err;
    int fd = ConnectTcp(host_, port_, 2000, &err);
    if (fd < 0) {
      fprintf(stderr, "replication: cannot connect to primary %s:%d: %s\n", host_.c_str(), port_,
              err.c_str());
      SetState("connect", false);
      SleepMs(1000);
      continue;
    }
    fd_.store(fd);
    if (!stop_.load()) Session(fd);
    fd_.store(-1);
    close(fd);
    {
      absl::MutexLock l(&mu_);
      syncing_ = false;
    }
    SetState("connect", false);
    SleepMs(200);
  }
}

std::unique_ptr<ReplStream> PrimaryLink::OpenStream(int fd) {
  if (!m_->LinksUseTls()) return std::make_unique<ReplStream>(fd);
  SSL_CTX* ctx = m_->tls()->AcquireClient();
  if (ctx == nullptr) {
    fprintf(stderr, "replication: TLS is not configured for the link to the primary\n");
    return nullptr;
  }
  std::string err;
  std::unique_ptr<ReplStream> stream = OpenClientStream(fd, ctx, &err);
  SSL_CTX_free(ctx);  // the session holds its own reference
  if (stream == nullptr) {
    fprintf(stderr, "replication: TLS handshake with primary %s:%d failed: %s\n", host_.c_str(),
            port_, err.c_str());
  }
  return stream;
}

bool PrimaryLink::ReadLine(ReplStream& s, std::string* in, std::string* line) {
  for (;;) {
    size_t eol = in->find("\r\n");
    if (eol != std::string::npos) {
      line->assign(*in, 0, eol);
      in->erase(0, eol + 2);
      return true;
    }
    if (in->size() > 4096) return false;
    char buf[4096];
    ssize_t n = s.Recv(buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    in->append(buf, static_cast<size_t>(n));
  }
}

bool PrimaryLink::Command(ReplStream& s, std::string* in, std::string_view cmd,
                          std::string* reply) {
  return s.Send(cmd) && ReadLine(s, in, reply);
}

void PrimaryLink::Session(int fd) {
  SetRecvTimeout(fd, 5000);
  std::unique_ptr<ReplStream> stream = OpenStream(fd);
  if (stream == nullptr) {
    SleepMs(1000);
    return;
  }
  ReplStream& s = *stream;
  std::string in, line;
  const std::string pass = m_->server()->config().Value("masterauth");
  const std::string user = m_->server()->config().Value("masteruser");
  if (!pass.empty()) {
    std::string cmd = user.empty() ? RespCommand({"AUTH", pass}) : RespCommand({"AUTH", user, pass});
    if (!Command(s, &in, cmd, &line) || line != "+OK") {
      fprintf(stderr, "replication: AUTH with the primary failed: %s\n",
              line.empty() ? s.FailureText().c_str() : line.c_str());
      return;
    }
  }
  const std::string port = StrCat(m_->server()->info().port);
  if (!Command(s, &in, RespCommand({"REPLCONF", "listening-port", port}), &line) || line != "+OK") {
    fprintf(stderr, "replication: the primary refused REPLCONF: %s\n",
            line.empty() ? s.FailureText().c_str() : line.c_str());
    return;
  }
  std::string replid;
  {
    absl::MutexLock l(&mu_);
    replid = replid_;
  }
  const int64_t offset = offset_.load();
  const std::string psync = replid.empty()
                                ? RespCommand({"PSYNC", "?", "-1"})
                                : RespCommand({"PSYNC", replid, StrCat(offset + 1)});
  if (!Command(s, &in, psync, &line)) {
    fprintf(stderr, "replication: PSYNC failed: %s\n", s.FailureText().c_str());
    return;
  }
  std::vector<std::string> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
  if (parts.size() == 3 && parts[0] == "+FULLRESYNC") {
    int64_t at = 0;
    if (!SimpleAtoi(parts[2], &at)) return;
    if (!in.empty() && in[0] == '$') {
      fprintf(stderr, "replication: the primary sent an RDB file: only Shoal primaries are supported\n");
      SleepMs(5000);
      return;
    }
    applier_.FlushAll();
    {
      absl::MutexLock l(&mu_);
      replid_ = parts[1];
      syncing_ = true;
    }
    offset_.store(at);
    m_->StreamCopyAt(at);
    m_->AdoptPrimaryId(parts[1]);
    SetState("sync", true);
  } else if (!parts.empty() && parts[0] == "+CONTINUE") {
    if (parts.size() >= 2) {
      {
        absl::MutexLock l(&mu_);
        replid_ = parts[1];
      }
      m_->AdoptPrimaryId(parts[1]);  // a promoted sibling's new id
    }
    m_->StreamCopyAt(offset_.load());
    SetState("connected", true);
  } else {
    fprintf(stderr, "replication: PSYNC refused: %s\n", line.c_str());
    SleepMs(1000);
    return;
  }
  const std::string over = s.tls() ? " over " + s.TlsDescription() : "";
  fprintf(stderr, "replication: %s with primary %s:%d%s\n",
          parts[0] == "+CONTINUE" ? "partial resync" : "full sync", host_.c_str(), port_,
          over.c_str());

  SetRecvTimeout(fd, 1000);
  RequestParser parser(ParserLimits{.max_bulk_len = 1LL << 40, .max_multibulk_len = 1LL << 30});
  std::vector<std::string_view> args;
  int64_t acked = -1;
  int64_t last_ack_ms = 0;
  bool asked_events = false;  // what REPLCONF KEYSPACE-EVENTS last said
  char buf[64 * 1024];
  last_io_ms_.store(NowMs());
  for (;;) {
    if (stop_.load()) return;
    // repl-timeout: an idle primary still pings every
    // repl-ping-replica-period; silence this long means it is gone (or the
    // network between us): reconnect, as a Redis replica does.
    if (NowMs() - last_io_ms_.load() > ReplicationManager::TimeoutMs()) {
      fprintf(stderr, "replication: nothing from primary %s:%d for over %lld s (repl-timeout): "
              "reconnecting\n", host_.c_str(), port_,
              static_cast<long long>(ReplicationManager::TimeoutMs() / 1000));
      return;
    }
    size_t used = 0;
    for (;;) {
      size_t consumed = 0;
      ParseStatus st = parser.Parse(std::string_view(in).substr(used), &consumed, &args);
      if (st == ParseStatus::kError) {
        fprintf(stderr, "replication: bad stream from the primary: %s\n", parser.ErrorText().c_str());
        return;
      }
      if (st == ParseStatus::kNeedMore) {
        used += consumed;
        if (consumed == 0) break;
        continue;
      }
      CmdArgs a(args);
      const bool snapshot = ReplApplier::IsSnapshotRecord(a);
      if (!snapshot) m_->CopyStream(std::string_view(in).substr(used, consumed));
      if (applier_.Apply(a) == ReplApplier::Result::kSnapshotDone) {
        {
          absl::MutexLock l(&mu_);
          syncing_ = false;
          state_ = "connected";
        }
        m_->RefreshStaleRefusal();
      }
      used += consumed;
      if (!snapshot) offset_.fetch_add(static_cast<int64_t>(consumed));
    }
    in.erase(0, used);
    const int64_t now = NowMs();
    const int64_t off = offset_.load();
    if (off != acked || now - last_ack_ms >= 1000) {
      if (!s.Send(RespCommand({"REPLCONF", "ACK", StrCat(off)}))) return;
      acked = off;
      last_ack_ms = now;
    }
    // Keyspace events ship only to replicas that publish them (here, or on
    // a replica of this one: the stream is passed on as it came).
    const bool want_events =
        m_->server()->runtime().notify_keyspace_events.load(std::memory_order_relaxed) != 0 ||
        m_->ships_key_events();
    if (want_events != asked_events) {
      if (!s.Send(RespCommand({"REPLCONF", "KEYSPACE-EVENTS", want_events ? "1" : "0"}))) return;
      asked_events = want_events;
    }
    ssize_t n = s.Recv(buf, sizeof(buf));
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
    if (n <= 0) return;
    last_io_ms_.store(NowMs());
    in.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace shoal
