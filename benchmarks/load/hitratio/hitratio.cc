// hitratio: replays a deterministic key stream to a Redis-protocol server as
// a read-through cache would — GET, and SET on a miss — and prints the hit
// ratio. The same seed gives the same stream, so Shoal (each policy) and
// redis-server are compared on identical requests (run.sh drives them).
//
// Streams (zipf:S, scanmix:S): see streams.h, which ceiling.cc and
// policy_replay.cc share. A zipf key id i is sent as "key:%08u", scan key
// i (of the scans' own keyspace) as "scan:%08lld".
// Requests are sent in pipelined batches of --batch GETs, then one batch of
// SETs for the misses: a miss is filled within the same batch, as a cache-
// aside client with a little concurrency would. Hits are counted after the
// --warmup requests.
//
// Output (one line, key=value): requests, hits, ratio, zipf_ratio (over the
// zipf requests only), errors, seconds.
//
// Build: g++ -O2 -std=c++20 -o hitratio hitratio.cc (no dependencies).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "streams.h"

namespace {

using shoal::hitratio::Flag;
using shoal::hitratio::KeyStream;
using shoal::hitratio::ParseStreamFlag;
using shoal::hitratio::StreamOptions;
using shoal::hitratio::ValidStreamSpec;

struct Options {
  int port = 6379;
  std::string host = "127.0.0.1";
  int value_size = 64;
  int batch = 32;
  StreamOptions stream{.keys = 600000,
                       .requests = 3000000,
                       .warmup = 1000000,
                       .scan_every = 100000,
                       .scan_len = 30000};
};

// The stream as the keys sent.
class Stream {
 public:
  explicit Stream(const StreamOptions& o) : keys_(o.keys), ids_(o) {}

  // Next key into *key; returns whether it is a zipf (not scan) request.
  bool Next(std::string* key) {
    char buf[32];
    bool zipf;
    const uint64_t id = ids_.Next(&zipf);
    if (zipf) {
      std::snprintf(buf, sizeof(buf), "key:%08u", static_cast<unsigned>(id));
    } else {
      std::snprintf(buf, sizeof(buf), "scan:%08lld", static_cast<long long>(id - keys_));
    }
    key->assign(buf);
    return zipf;
  }

 private:
  int64_t keys_;
  KeyStream ids_;
};

// A blocking RESP connection with just what this needs.
class Conn {
 public:
  bool Connect(const std::string& host, int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, host.c_str(), &a.sin_addr);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) return false;
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return true;
  }
  void AppendCommand(std::initializer_list<std::string_view> args) {
    out_ += "*" + std::to_string(args.size()) + "\r\n";
    for (std::string_view a : args) {
      out_ += "$" + std::to_string(a.size()) + "\r\n";
      out_.append(a.data(), a.size());
      out_ += "\r\n";
    }
  }
  bool Flush() {
    size_t off = 0;
    while (off < out_.size()) {
      ssize_t n = write(fd_, out_.data() + off, out_.size() - off);
      if (n <= 0) return false;
      off += n;
    }
    out_.clear();
    return true;
  }
  // Reads one reply: returns 'n' (null), 'b' (bulk), '+', '-', ':', or 0 on
  // connection loss.
  char ReadReply() {
    std::string line;
    if (!ReadLine(&line) || line.empty()) return 0;
    const char t = line[0];
    if (t == '$') {
      const long len = std::atol(line.c_str() + 1);
      if (len < 0) return 'n';
      if (!Skip(len + 2)) return 0;
      return 'b';
    }
    return t;
  }

 private:
  bool Fill() {
    if (pos_ < len_) return true;
    ssize_t n = read(fd_, in_, sizeof(in_));
    if (n <= 0) return false;
    pos_ = 0;
    len_ = n;
    return true;
  }
  bool ReadLine(std::string* line) {
    line->clear();
    for (;;) {
      if (!Fill()) return false;
      char c = in_[pos_++];
      if (c == '\n') {
        if (!line->empty() && line->back() == '\r') line->pop_back();
        return true;
      }
      line->push_back(c);
    }
  }
  bool Skip(long n) {
    while (n > 0) {
      if (!Fill()) return false;
      const long take = std::min<long>(n, len_ - pos_);
      pos_ += take;
      n -= take;
    }
    return true;
  }

  int fd_ = -1;
  std::string out_;
  char in_[1 << 16];
  size_t pos_ = 0, len_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string v;
    if (ParseStreamFlag(argv[i], &o.stream)) continue;
    if (Flag(argv[i], "--port", &v)) o.port = std::atoi(v.c_str());
    else if (Flag(argv[i], "--host", &v)) o.host = v;
    else if (Flag(argv[i], "--value-size", &v)) o.value_size = std::atoi(v.c_str());
    else if (Flag(argv[i], "--batch", &v)) o.batch = std::atoi(v.c_str());
    else {
      std::fprintf(stderr,
                   "usage: hitratio --port=P [--stream=zipf:0.99|scanmix:0.99] [--keys=N] "
                   "[--requests=N] [--warmup=N] [--value-size=B] [--batch=B] "
                   "[--scan-every=N] [--scan-len=N] [--seed=S]\n");
      return 2;
    }
  }
  if (!ValidStreamSpec(o.stream.spec)) {
    std::fprintf(stderr, "unknown stream %s\n", o.stream.spec.c_str());
    return 2;
  }
  Stream stream(o.stream);
  Conn c;
  if (!c.Connect(o.host, o.port)) {
    std::fprintf(stderr, "cannot connect to %s:%d\n", o.host.c_str(), o.port);
    return 1;
  }
  const std::string value(o.value_size, 'v');
  int64_t sent = 0, hits = 0, counted = 0, zipf_hits = 0, zipf_counted = 0, errors = 0;
  std::vector<std::string> keys(o.batch);
  std::vector<bool> zipf(o.batch);
  std::vector<int> misses;
  const auto t0 = std::chrono::steady_clock::now();
  while (sent < o.stream.requests) {
    const int n = static_cast<int>(std::min<int64_t>(o.batch, o.stream.requests - sent));
    for (int i = 0; i < n; ++i) {
      zipf[i] = stream.Next(&keys[i]);
      c.AppendCommand({"GET", keys[i]});
    }
    if (!c.Flush()) return 1;
    misses.clear();
    for (int i = 0; i < n; ++i) {
      const char t = c.ReadReply();
      if (t == 0) return 1;
      const bool hit = t == 'b';
      if (t == '-') ++errors;
      if (sent + i >= o.stream.warmup) {
        ++counted;
        hits += hit;
        if (zipf[i]) {
          ++zipf_counted;
          zipf_hits += hit;
        }
      }
      if (!hit) misses.push_back(i);
    }
    for (int i : misses) c.AppendCommand({"SET", keys[i], value});
    if (!misses.empty()) {
      if (!c.Flush()) return 1;
      for (size_t i = 0; i < misses.size(); ++i) {
        const char t = c.ReadReply();
        if (t == 0) return 1;
        if (t == '-') ++errors;
      }
    }
    sent += n;
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("requests=%lld hits=%lld ratio=%.4f zipf_ratio=%.4f errors=%lld seconds=%.1f\n",
              static_cast<long long>(counted), static_cast<long long>(hits),
              counted ? static_cast<double>(hits) / counted : 0.0,
              zipf_counted ? static_cast<double>(zipf_hits) / zipf_counted : 0.0,
              static_cast<long long>(errors), secs);
  return 0;
}
