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
// The stream is hitratio.cc's (same seed, generator and key mapping);
// hits count after --warmup requests. Batching is not modelled.
//
// Build: g++ -O2 -std=c++20 -o ceiling ceiling.cc
// Usage: ceiling --stream=zipf:0.99 --keys=1000000 --requests=2000000
//          --warmup=1000000 --capacity=148000 [--scan-every=500000
//          --scan-len=50000]
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <list>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace {

uint64_t SplitMix(uint64_t* s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
double Uniform(uint64_t* s) { return (SplitMix(s) >> 11) * (1.0 / 9007199254740992.0); }

struct Options {
  std::string stream = "zipf:0.99";
  int64_t keys = 1000000;
  int64_t requests = 2000000;
  int64_t warmup = 1000000;
  int64_t capacity = 148000;
  int64_t scan_every = 500000;
  int64_t scan_len = 50000;
  uint64_t seed = 42;
};

// The stream as key ids: zipf keys are 0..keys-1, scan keys keys.. upwards.
// Also returns the zipf rank -> key id permutation (for the oracle).
std::vector<uint32_t> MakeStream(const Options& o, std::vector<uint32_t>* perm) {
  const size_t colon = o.stream.find(':');
  const std::string kind = o.stream.substr(0, colon);
  const double s = colon == std::string::npos ? 0.99 : std::atof(o.stream.c_str() + colon + 1);
  std::vector<double> cdf(o.keys);
  double sum = 0;
  for (int64_t r = 0; r < o.keys; ++r) {
    sum += 1.0 / std::pow(static_cast<double>(r + 1), s);
    cdf[r] = sum;
  }
  for (double& c : cdf) c /= sum;
  perm->resize(o.keys);
  for (int64_t i = 0; i < o.keys; ++i) (*perm)[i] = static_cast<uint32_t>(i);
  uint64_t prng = o.seed ^ 0xABCDEF;
  for (int64_t i = o.keys - 1; i > 0; --i)
    std::swap((*perm)[i], (*perm)[SplitMix(&prng) % (i + 1)]);
  std::vector<uint32_t> out;
  out.reserve(o.requests);
  uint64_t rng = o.seed;
  int64_t scan_left = 0, scan_pos = 0;
  for (int64_t n = 1; n <= o.requests; ++n) {
    if (kind == "scanmix" && o.scan_every > 0) {
      if (scan_left == 0 && n % o.scan_every == 0) scan_left = o.scan_len;
      if (scan_left > 0) {
        --scan_left;
        out.push_back(static_cast<uint32_t>(o.keys + scan_pos++ % o.keys));
        continue;
      }
    }
    const int64_t rank = std::lower_bound(cdf.begin(), cdf.end(), Uniform(&rng)) - cdf.begin();
    out.push_back((*perm)[std::min<int64_t>(rank, o.keys - 1)]);
  }
  return out;
}

double Percent(int64_t hits, int64_t total) { return total ? 100.0 * hits / total : 0; }

double Oracle(const Options& o, const std::vector<uint32_t>& st,
              const std::vector<uint32_t>& perm) {
  std::vector<char> held(2 * o.keys, 0);
  for (int64_t r = 0; r < std::min(o.capacity, o.keys); ++r) held[perm[r]] = 1;
  int64_t hits = 0;
  for (int64_t i = o.warmup; i < o.requests; ++i) hits += held[st[i]];
  return Percent(hits, o.requests - o.warmup);
}

double Lru(const Options& o, const std::vector<uint32_t>& st) {
  std::list<uint32_t> order;
  std::vector<std::list<uint32_t>::iterator> pos(2 * o.keys);
  std::vector<char> held(2 * o.keys, 0);
  int64_t hits = 0;
  for (int64_t i = 0; i < o.requests; ++i) {
    const uint32_t k = st[i];
    if (held[k]) {
      hits += i >= o.warmup;
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
  return Percent(hits, o.requests - o.warmup);
}

// history: counts survive eviction and admission needs a higher count.
double Lfu(const Options& o, const std::vector<uint32_t>& st, bool history) {
  std::vector<uint32_t> count(2 * o.keys, 0);
  std::vector<int64_t> last(2 * o.keys, 0);
  std::vector<char> held(2 * o.keys, 0);
  // (count, last access, key): the first element is the victim, the least
  // frequent and among those the least recent.
  std::set<std::tuple<uint32_t, int64_t, uint32_t>> order;
  int64_t hits = 0;
  for (int64_t i = 0; i < o.requests; ++i) {
    const uint32_t k = st[i];
    if (held[k]) {
      hits += i >= o.warmup;
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
  return Percent(hits, o.requests - o.warmup);
}

bool Flag(const char* arg, const char* name, std::string* value) {
  const size_t n = std::strlen(name);
  if (std::strncmp(arg, name, n) != 0 || arg[n] != '=') return false;
  *value = arg + n + 1;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string v;
    if (Flag(argv[i], "--stream", &v))
      o.stream = v;
    else if (Flag(argv[i], "--keys", &v))
      o.keys = std::atoll(v.c_str());
    else if (Flag(argv[i], "--requests", &v))
      o.requests = std::atoll(v.c_str());
    else if (Flag(argv[i], "--warmup", &v))
      o.warmup = std::atoll(v.c_str());
    else if (Flag(argv[i], "--capacity", &v))
      o.capacity = std::atoll(v.c_str());
    else if (Flag(argv[i], "--scan-every", &v))
      o.scan_every = std::atoll(v.c_str());
    else if (Flag(argv[i], "--scan-len", &v))
      o.scan_len = std::atoll(v.c_str());
    else {
      std::fprintf(stderr, "unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  std::vector<uint32_t> perm;
  const std::vector<uint32_t> st = MakeStream(o, &perm);
  std::printf("stream=%s capacity=%lld oracle=%.2f lru=%.2f lfu=%.2f lfu-hist=%.2f\n",
              o.stream.c_str(), static_cast<long long>(o.capacity), Oracle(o, st, perm), Lru(o, st),
              Lfu(o, st, false), Lfu(o, st, true));
  return 0;
}
