// Nodes file reading and writing; see nodes_file.h for the format.
#include "cluster/nodes_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_split.h"
#include "base/strings.h"
#include "cluster/node_id.h"

namespace shoal {
namespace {

constexpr std::string_view kHeader = "shoal-nodes 1";

bool ParseState(std::string_view s, MemberState* out) {
  for (int i = 0; i <= static_cast<int>(MemberState::kDead); ++i) {
    auto st = static_cast<MemberState>(i);
    if (s == MemberStateName(st)) {
      *out = st;
      return true;
    }
  }
  return false;
}

std::string Dash(std::string_view s) { return s.empty() ? "-" : std::string(s); }
std::string Undash(std::string_view s) { return s == "-" ? "" : std::string(s); }

absl::Status Bad(int line_no, std::string_view why) {
  return absl::DataLossError(StrCat("nodes file line ", line_no, ": ", why));
}

}  // namespace

std::string FormatNodesFile(const NodesFileData& d) {
  std::string out = StrCat(kHeader, "\n");
  StrAppend(&out, "myself ", d.my_id, " ", d.incarnation, " ", d.joined_ms, "\n");
  StrAppend(&out, "table ", d.table.epoch, " ", Dash(d.table.author), " ", d.table.migration,
            "\n");
  for (const ShardInfo& s : d.table.shards) {
    std::string reps;
    for (const std::string& r : s.replicas) StrAppend(&reps, reps.empty() ? "" : ",", r);
    StrAppend(&out, "shard ", s.id, " ", s.config_epoch, " ", s.primary, " ", Dash(reps), " ",
              static_cast<int>(s.phase), " ", s.handoff, "\n");
  }
  for (const MemberUpdate& m : d.members) {
    StrAppend(&out, "node ", m.id, " ", Dash(m.ip), " ", m.port, " ", m.bus_port, " ",
              MemberStateName(m.state), " ", m.incarnation, " ", m.joined_ms, "\n");
  }
  return out;
}

absl::StatusOr<NodesFileData> ParseNodesFile(std::string_view text) {
  NodesFileData d;
  bool seen_header = false, seen_myself = false;
  int line_no = 0;
  for (absl::string_view line_a : absl::StrSplit(ToAbsl(text), '\n')) {
    ++line_no;
    std::string_view line = ToStd(line_a);
    if (line.empty() || line[0] == '#') continue;
    if (!seen_header) {
      if (line != kHeader) return Bad(line_no, "not a shoal nodes file (version 1)");
      seen_header = true;
      continue;
    }
    std::vector<std::string> f = absl::StrSplit(ToAbsl(line), ' ', absl::SkipEmpty());
    if (f.empty()) continue;  // a line of spaces is blank too
    const std::string& kind = f[0];
    if (kind == "myself") {
      if (f.size() != 4 || !IsValidNodeId(f[1]) || !SimpleAtoi(f[2], &d.incarnation) ||
          !SimpleAtoi(f[3], &d.joined_ms)) {
        return Bad(line_no, "bad myself line");
      }
      d.my_id = f[1];
      seen_myself = true;
    } else if (kind == "table") {
      // The migration field came with bus version 3; older files lack it.
      if ((f.size() != 3 && f.size() != 4) || !SimpleAtoi(f[1], &d.table.epoch) ||
          (f.size() == 4 && !SimpleAtoi(f[3], &d.table.migration))) {
        return Bad(line_no, "bad table");
      }
      d.table.author = Undash(f[2]);
      if (!d.table.author.empty() && !IsValidNodeId(d.table.author)) {
        return Bad(line_no, "bad table author");
      }
    } else if (kind == "shard") {
      ShardInfo s;
      int phase = 0;
      if ((f.size() != 5 && f.size() != 7) || !IsValidNodeId(f[1]) ||
          !SimpleAtoi(f[2], &s.config_epoch) || !IsValidNodeId(f[3]) ||
          (f.size() == 7 && (!SimpleAtoi(f[5], &phase) || !SimpleAtoi(f[6], &s.handoff) ||
                             phase < 0 || phase > static_cast<int>(ShardPhase::kDraining) ||
                             s.handoff < -1 || s.handoff >= kClusterSlots))) {
        return Bad(line_no, "bad shard line");
      }
      s.phase = static_cast<ShardPhase>(phase);
      s.id = f[1];
      s.primary = f[3];
      if (f[4] != "-") {
        for (absl::string_view r : absl::StrSplit(ToAbsl(f[4]), ',')) {
          if (!IsValidNodeId(ToStd(r))) return Bad(line_no, "bad replica id");
          s.replicas.emplace_back(r);
        }
      }
      d.table.shards.push_back(std::move(s));
    } else if (kind == "node") {
      MemberUpdate m;
      if (f.size() != 8 || !IsValidNodeId(f[1]) || !SimpleAtoi(f[3], &m.port) ||
          !SimpleAtoi(f[4], &m.bus_port) || !ParseState(f[5], &m.state) ||
          !SimpleAtoi(f[6], &m.incarnation) || !SimpleAtoi(f[7], &m.joined_ms) ||
          m.port < 0 || m.port > 65535 || m.bus_port < 0 || m.bus_port > 65535) {
        return Bad(line_no, "bad node line");
      }
      m.id = f[1];
      m.ip = Undash(f[2]);
      d.members.push_back(std::move(m));
    }
    // Other kinds: written by a newer version; ignored.
  }
  if (!seen_header || !seen_myself) return absl::DataLossError("nodes file has no 'myself' line");
  std::sort(d.table.shards.begin(), d.table.shards.end(),
            [](const ShardInfo& a, const ShardInfo& b) { return a.id < b.id; });
  // One line per shard, as the writer writes them and the bus accepts them
  // (gossip_message.cc): a repeated shard id is not a table we wrote.
  for (size_t i = 1; i < d.table.shards.size(); ++i) {
    if (d.table.shards[i - 1].id == d.table.shards[i].id) {
      return absl::DataLossError(StrCat("nodes file: shard ", d.table.shards[i].id, " twice"));
    }
  }
  return d;
}

absl::StatusOr<NodesFileData> LoadNodesFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return absl::NotFoundError(StrCat("no nodes file at ", path));
    return absl::UnavailableError(StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  absl::StatusOr<NodesFileData> d = ParseNodesFile(ss.str());
  if (!d.ok()) return absl::DataLossError(StrCat(path, ": ", d.status().message()));
  return d;
}

absl::Status SaveNodesFile(const std::string& path, const NodesFileData& d) {
  std::string text = FormatNodesFile(d);
  std::string tmp = StrCat(path, ".tmp");
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return absl::UnavailableError(StrCat("cannot write ", tmp, ": ", std::strerror(errno)));
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      return absl::UnavailableError(StrCat("cannot write ", tmp, ": ", std::strerror(e)));
    }
    off += static_cast<size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(tmp.c_str());
    return absl::UnavailableError(StrCat("cannot rename ", tmp, ": ", std::strerror(e)));
  }
  return absl::OkStatus();
}

NodesFileLock::~NodesFileLock() { Release(); }

absl::Status NodesFileLock::Acquire(const std::string& path) {
  Release();
  std::string lock_path = StrCat(path, ".lock");
  fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    return absl::UnavailableError(StrCat("cannot open ", lock_path, ": ", std::strerror(errno)));
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    fd_ = -1;
    return absl::FailedPreconditionError(
        StrCat("the cluster configuration file ", path, " is already used by another node"));
  }
  return absl::OkStatus();
}

void NodesFileLock::Release() {
  if (fd_ >= 0) {
    ::close(fd_);  // drops the flock
    fd_ = -1;
  }
}

}  // namespace shoal
