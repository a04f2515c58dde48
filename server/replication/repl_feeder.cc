// ReplicaFeeder implementation (see repl_feeder.h).
#include "server/replication/repl_feeder.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "protocol/request_parser.h"
#include "server/replication/repl_records.h"
#include "server/replication/repl_socket.h"

namespace shoal {
namespace {

constexpr size_t kSendChunk = 256 * 1024;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ReplicaFeeder::ReplicaFeeder(ReplicationManager* m, int fd, std::shared_ptr<TlsHandoff> tls,
                             uint64_t client_id, std::string replid, int64_t offset,
                             int listening_port)
    : m_(m),
      fd_(fd),
      tls_handoff_(std::move(tls)),
      client_id_(client_id),
      want_replid_(std::move(replid)),
      want_offset_(offset),
      ip_(PeerIp(fd)),
      port_(listening_port) {}

ReplicaFeeder::~ReplicaFeeder() {
  Stop();
  if (sender_.joinable()) sender_.join();
  if (reader_.joinable()) reader_.join();
  if (fd_ >= 0) close(fd_);
}

void ReplicaFeeder::Start() {
  sender_ = std::thread([this] { SendLoop(); });
}

void ReplicaFeeder::Stop() {
  stop_.store(true);
  if (fd_ >= 0) shutdown(fd_, SHUT_RDWR);
}

ReplicaStatus ReplicaFeeder::Status() const {
  ReplicaStatus s;
  s.ip = ip_;
  s.port = port_;
  static const char* kStates[] = {"wait_bgsave", "send_bulk", "online"};
  s.state = kStates[state_.load()];
  s.ack_offset = ack_.load();
  s.last_ack_ms = last_ack_ms_.load();
  s.online_ms = online_ms_.load();
  return s;
}

bool ReplicaFeeder::WaitHandoff() {
  // The PSYNC connection closes once its earlier replies are out; until its
  // session leaves the registry, the worker may still write to the socket.
  for (int i = 0; i < 5000 && !stop_.load(); ++i) {
    bool present = false;
    m_->server()->clients().ForEach([&](ClientSession& c) {
      if (c.id == client_id_) present = true;
    });
    if (!present) {
      int flags = fcntl(fd_, F_GETFL, 0);
      fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK);
      if (tls_handoff_ == nullptr) {
        stream_ = std::make_unique<ReplStream>(fd_);
        return true;
      }
      std::unique_ptr<TlsSession> session;
      {
        absl::MutexLock l(&tls_handoff_->mu);
        session = std::move(tls_handoff_->session);
      }
      if (session == nullptr) return false;  // the connection ended another way
      stream_ = std::make_unique<ReplStream>(fd_, std::move(session));
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

bool ReplicaFeeder::SendLogThrough(int64_t until, std::string* buf) {
  ReplicationLog* log = m_->log();
  while (pos_ <= until && !stop_.load()) {
    size_t want = static_cast<size_t>(std::min<int64_t>(until - pos_ + 1, kSendChunk));
    if (log->Read(pos_, want, buf) == ReplicationLog::ReadStatus::kLost) return false;
    if (buf->empty()) return true;
    if (!stream_->Send(*buf)) return false;
    pos_ += static_cast<int64_t>(buf->size());
  }
  return !stop_.load();
}

bool ReplicaFeeder::SendSnapshot() {
  Store* store = m_->store();
  ReplicationLog* log = m_->log();
  std::string chunk, buf;
  // The libraries first (FUNCTION.SET records in the log after the sync
  // point follow and bring the replica to the newest set).
  if (std::optional<std::string> functions = m_->DumpFunctions()) {
    AppendRespCommand({"SYNC.FUNCTIONS", *functions}, &chunk);
    if (!stream_->Send(chunk)) return false;
    chunk.clear();
  }
  for (int db = 0; db < store->databases() && !stop_.load(); ++db) {
    uint64_t cursor = 0;
    do {
      int64_t end = -1;
      chunk.clear();
      // count = 1: Scan stops after the first slot that had keys, so the
      // log end noted under that slot's stripe covers exactly that slot.
      cursor = store->Scan(db, cursor, 1, [&](const Entry& e) {
        if (end < 0) end = log->Offset();
        AppendSnapshotRecord(db, e, &chunk);
      });
      if (end >= 0 && !SendLogThrough(end, &buf)) return false;
      if (!chunk.empty() && !stream_->Send(chunk)) return false;
    } while (cursor != 0 && !stop_.load());
  }
  std::string done;
  AppendRespCommand({"SYNC.DONE"}, &done);
  return !stop_.load() && stream_->Send(done);
}

void ReplicaFeeder::SendLoop() {
  ReplicationLog* log = m_->log();
  bool ok = WaitHandoff();
  if (ok) {
    const int64_t first = log->FirstOffset(), end = log->Offset();
    if (m_->CanContinue(want_replid_, want_offset_) && want_offset_ >= first &&
        want_offset_ <= end + 1) {
      pos_ = want_offset_;
      ack_.store(want_offset_ - 1);
      ok = stream_->Send(StrCat("+CONTINUE ", m_->replid(), "\r\n"));
      reader_ = std::thread([this] { ReadLoop(); });
    } else {
      const int64_t at = log->MarkSyncPoint();
      pos_ = at + 1;
      state_.store(1);
      ok = stream_->Send(StrCat("+FULLRESYNC ", m_->replid(), " ", at, "\r\n"));
      reader_ = std::thread([this] { ReadLoop(); });
      ok = ok && SendSnapshot();
    }
  }
  if (ok) {
    online_ms_.store(NowMs());
    state_.store(2);
  }
  std::string buf;
  while (ok && !stop_.load()) {
    const int64_t end = log->Offset();
    if (end < pos_) {
      log->WaitFor(pos_, 100);
      continue;
    }
    ok = SendLogThrough(end, &buf);
  }
  Stop();
  if (reader_.joinable()) reader_.join();
  if (wants_events_) m_->AddEventWanter(-1);
  wants_events_ = false;
  done_.store(true);
  m_->WakeWaiters();
}

void ReplicaFeeder::ReadLoop() {
  RequestParser parser;
  std::string in;
  std::vector<std::string_view> args;
  char buf[4096];
  while (!stop_.load()) {
    ssize_t n = stream_->Recv(buf, sizeof(buf));
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      break;
    }
    in.append(buf, static_cast<size_t>(n));
    size_t used = 0;
    bool advanced = false;
    for (;;) {
      size_t consumed = 0;
      ParseStatus st = parser.Parse(std::string_view(in).substr(used), &consumed, &args);
      if (st == ParseStatus::kError) {
        stop_.store(true);
        break;
      }
      used += consumed;
      if (st == ParseStatus::kNeedMore) {
        if (consumed == 0) break;
        continue;
      }
      int64_t off = 0;
      if (args.size() == 3 && EqualsIgnoreCase(args[0], "replconf") &&
          EqualsIgnoreCase(args[1], "ack") && SimpleAtoi(args[2], &off)) {
        if (off > ack_.load()) ack_.store(off, std::memory_order_release);
        last_ack_ms_.store(NowMs());
        advanced = true;
      } else if (args.size() == 3 && EqualsIgnoreCase(args[0], "replconf") &&
                 EqualsIgnoreCase(args[1], "keyspace-events")) {
        // The replica (or one of its own) publishes keyspace events: ship them.
        const bool want = args[2] == "1";
        if (want != wants_events_) m_->AddEventWanter(want ? 1 : -1);
        wants_events_ = want;
      }
    }
    in.erase(0, used);
    if (advanced) m_->WakeWaiters();
  }
  Stop();
}

}  // namespace shoal
