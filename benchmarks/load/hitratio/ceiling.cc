// ceiling: the hit ratios ideal policies would reach on hitratio.cc's streams
// with a given number of keys held, computed in-process (no server). It
// answers "how far can a policy go at this cache size?", which the server
// runs cannot: a policy's figure there mixes what it chooses with how many
// keys its metadata lets it hold.
//
// Policies, each holding at most --capacity keys (read-through: a miss
// inserts the key, as run.sh's client does):
//   oracle     the --capacity most popular keys by their true rank, fixed
//              (knows the distribution; no online policy can match it).
//   lru        exact LRU.
//   lfu        exact LFU over the keys held: a key's count starts at its
//              insert (what Redis's LFU approximates).
//   lfu-hist   exact LFU with every key's count kept across evictions; a
//              new key is admitted only if its count beats the least
//              frequent key held (ties keep the held key). For a stream of
//              independent requests (these streams, between scans) the
//              count is all a policy can know of a key's popularity, so
//              this is about the best any online policy does.
// The stream is hitratio.cc's (streams.h: same seed, generator and key
// mapping); hits count after --warmup requests. Batching is not modelled.
//
// Build: g++ -O2 -std=c++20 -o ceiling ceiling.cc
// Usage: ceiling --stream=zipf:0.99 --keys=1000000 --requests=2000000
//          --warmup=1000000 --capacity=148000 [--scan-every=500000
//          --scan-len=50000 --seed=42]
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <list>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "streams.h"

namespace {

using shoal::hitratio::Flag;
using shoal::hitratio::KeyStream;
using shoal::hitratio::ParseStreamFlag;
using shoal::hitratio::StreamOptions;
using shoal::hitratio::ValidStreamSpec;

struct Options {
  StreamOptions stream;  // its defaults: docs/memory.md's runs
  int64_t capacity = 148000;
};

// The stream as key ids (streams.h: zipf keys 0..keys-1, scan keys keys..).
std::vector<uint32_t> MakeStream(const StreamOptions& o, KeyStream* ks) {
  std::vector<uint32_t> out;
  out.reserve(o.requests);
  bool zipf;
  for (int64_t n = 0; n < o.requests; ++n) out.push_back(static_cast<uint32_t>(ks->Next(&zipf)));
  return out;
}

double Percent(int64_t hits, int64_t total) { return total ? 100.0 * hits / total : 0; }

double Oracle(const Options& o, const std::vector<uint32_t>& st,
              const std::vector<uint32_t>& perm) {
  std::vector<char> held(2 * o.stream.keys, 0);
  for (int64_t r = 0; r < std::min(o.capacity, o.stream.keys); ++r) held[perm[r]] = 1;
  int64_t hits = 0;
  for (int64_t i = o.stream.warmup; i < o.stream.requests; ++i) hits += held[st[i]];
  return Percent(hits, o.stream.requests - o.stream.warmup);
}

double Lru(const Options& o, const std::vector<uint32_t>& st) {
  std::list<uint32_t> order;
  std::vector<std::list<uint32_t>::iterator> pos(2 * o.stream.keys);
  std::vector<char> held(2 * o.stream.keys, 0);
  int64_t hits = 0;
  for (int64_t i = 0; i < o.stream.requests; ++i) {
    const uint32_t k = st[i];
    if (held[k]) {
      hits += i >= o.stream.warmup;
      order.erase(pos[k]);
    } else {
      held[k] = 1;
      if (static_cast<int64_t>(order.size()) >= o.capacity) {
        held[order.back()] = 0;
        order.pop_back();
      }
    }
    order.push_front(k);
    pos[k] = order.begin();
  }
  return Percent(hits, o.stream.requests - o.stream.warmup);
}

// history: counts survive eviction and admission needs a higher count.
double Lfu(const Options& o, const std::vector<uint32_t>& st, bool history) {
  std::vector<uint32_t> count(2 * o.stream.keys, 0);
  std::vector<int64_t> last(2 * o.stream.keys, 0);
  std::vector<char> held(2 * o.stream.keys, 0);
  // (count, last access, key): the first element is the victim, the least
  // frequent and among those the least recent.
  std::set<std::tuple<uint32_t, int64_t, uint32_t>> order;
  int64_t hits = 0;
  for (int64_t i = 0; i < o.stream.requests; ++i) {
    const uint32_t k = st[i];
    if (held[k]) {
      hits += i >= o.stream.warmup;
      order.erase({count[k], last[k], k});
    } else {
      if (!history) count[k] = 0;
      if (static_cast<int64_t>(order.size()) >= o.capacity) {
        auto victim = order.begin();
        if (history && count[k] + 1 <= std::get<0>(*victim)) {
          ++count[k];  // not admitted; its count is remembered
          last[k] = i;
          continue;
        }
        held[std::get<2>(*victim)] = 0;
        order.erase(victim);
      }
      held[k] = 1;
    }
    ++count[k];
    last[k] = i;
    order.insert({count[k], last[k], k});
  }
  return Percent(hits, o.stream.requests - o.stream.warmup);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string v;
    if (ParseStreamFlag(argv[i], &o.stream)) continue;
    if (Flag(argv[i], "--capacity", &v)) {
      o.capacity = std::atoll(v.c_str());
    } else {
      std::fprintf(stderr, "unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  if (!ValidStreamSpec(o.stream.spec)) {
    std::fprintf(stderr, "unknown stream %s\n", o.stream.spec.c_str());
    return 2;
  }
  KeyStream ks(o.stream);
  const std::vector<uint32_t> st = MakeStream(o.stream, &ks);
  std::printf("stream=%s capacity=%lld oracle=%.2f lru=%.2f lfu=%.2f lfu-hist=%.2f\n",
              o.stream.spec.c_str(), static_cast<long long>(o.capacity),
              Oracle(o, st, ks.id_of_rank()), Lru(o, st), Lfu(o, st, false), Lfu(o, st, true));
  return 0;
}
