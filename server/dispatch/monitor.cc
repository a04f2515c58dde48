// MonitorFeed implementation (see monitor.h).
#include "server/dispatch/monitor.h"

#include <sys/time.h>

#include <algorithm>
#include <cstdio>

#include "base/strings.h"
#include "server/dispatch/client_session.h"

namespace shoal {
namespace {

constexpr std::string_view kRedacted = "(redacted)";

// Indexes of the arguments Redis 7 hides from MONITOR: passwords and the
// user names that go with them.
std::vector<size_t> RedactedArgs(CmdArgs args) {
  std::vector<size_t> out;
  if (args.empty()) return out;
  std::string_view cmd = args[0];
  if (EqualsIgnoreCase(cmd, "auth")) {
    for (size_t i = 1; i < args.size(); ++i) out.push_back(i);
  } else if (EqualsIgnoreCase(cmd, "hello")) {
    for (size_t j = 2; j < args.size(); ++j) {
      const size_t more = args.size() - 1 - j;
      if (EqualsIgnoreCase(args[j], "auth") && more >= 2) {
        out.push_back(j + 1);
        out.push_back(j + 2);
        j += 2;
      } else if (EqualsIgnoreCase(args[j], "setname") && more >= 1) {
        ++j;
      } else {
        break;
      }
    }
  } else if (EqualsIgnoreCase(cmd, "migrate")) {
    for (size_t j = 6; j < args.size(); ++j) {
      const size_t more = args.size() - 1 - j;
      if (EqualsIgnoreCase(args[j], "auth") && more >= 1) {
        out.push_back(++j);
      } else if (EqualsIgnoreCase(args[j], "auth2") && more >= 2) {
        out.push_back(j + 1);
        out.push_back(j + 2);
        j += 2;
      } else if (EqualsIgnoreCase(args[j], "keys")) {
        break;
      }
    }
  }
  return out;
}

}  // namespace

void AppendQuoted(std::string* out, std::string_view s) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '\\': out->append("\\\\"); break;
      case '"': out->append("\\\""); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\a': out->append("\\a"); break;
      case '\b': out->append("\\b"); break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out->push_back(static_cast<char>(c));
        } else {
          char buf[5];
          snprintf(buf, sizeof(buf), "\\x%02x", c);
          out->append(buf);
        }
    }
  }
  out->push_back('"');
}

std::string MonitorFeed::FormatArgs(int db, std::string_view origin, CmdArgs args) {
  std::string line = StrCat("[", db, " ", origin, "]");
  std::vector<size_t> redact = RedactedArgs(args);
  for (size_t i = 0; i < args.size(); ++i) {
    line.push_back(' ');
    const bool hide = std::find(redact.begin(), redact.end(), i) != redact.end();
    AppendQuoted(&line, hide ? kRedacted : args[i]);
  }
  return line;
}

bool MonitorFeed::Add(ClientSession* c) {
  absl::MutexLock l(&mu_);
  if (std::find(monitors_.begin(), monitors_.end(), c) != monitors_.end()) return false;
  monitors_.push_back(c);
  count_.store(static_cast<int64_t>(monitors_.size()), std::memory_order_relaxed);
  return true;
}

void MonitorFeed::Remove(ClientSession* c) {
  absl::MutexLock l(&mu_);
  auto it = std::find(monitors_.begin(), monitors_.end(), c);
  if (it == monitors_.end()) return;
  monitors_.erase(it);
  count_.store(static_cast<int64_t>(monitors_.size()), std::memory_order_relaxed);
}

void MonitorFeed::Feed(const ClientSession& client, int db, bool from_script, CmdArgs args) {
  timeval tv;
  gettimeofday(&tv, nullptr);
  char stamp[48];
  snprintf(stamp, sizeof(stamp), "+%ld.%06ld ", static_cast<long>(tv.tv_sec),
           static_cast<long>(tv.tv_usec));
  std::string line = stamp;
  line += FormatArgs(db, from_script ? std::string_view("lua") : std::string_view(client.addr),
                     args);
  line += "\r\n";
  absl::MutexLock l(&mu_);
  for (ClientSession* m : monitors_) m->waker->Deliver(m->id, line);
}

}  // namespace shoal
