// streams.h: the key streams of the hit-ratio tools, shared by hitratio.cc
// (replays them to a server), ceiling.cc (ideal policies, in-process) and
// policy_replay.cc (eviction/'s policies, in-process), so that all three see
// the same requests, and their common flags.
//
// Streams (--stream=KIND:S, S defaulting to 0.99):
//   zipf:S      ranks drawn from Zipf(S) over --keys keys; rank r is mapped to
//               a key id by a seeded random permutation, so popular keys are
//               spread over the keyspace (and over Shoal's slots).
//   scanmix:S   the zipf:S stream, interrupted every --scan-every requests by
//               a one-pass scan of --scan-len keys read once each, taken in
//               order from a separate keyspace of --keys keys (so a scan never
//               repeats a key while it could still be cached).
//
// Invariants:
//   - The stream is a pure function of (spec, keys, scan_every, scan_len,
//     seed): the same options give the same requests in every tool and on
//     every machine (SplitMix64 and IEEE doubles only, no std:: distribution,
//     whose output is implementation-defined). Changing anything below
//     changes every published figure that names these streams
//     (docs/benchmarks.md, docs/memory.md).
//   - Key ids: a zipf request's id is in [0, keys), a scan request's in
//     [keys, 2 * keys); the scan keys' own index is id - keys.
//   - A spec's kind is "zipf" or "scanmix"; the tools refuse any other
//     (ValidStreamSpec) before building a KeyStream.
//
// Header-only and standard C++ only: hitratio.cc and ceiling.cc build with a
// bare g++ -std=c++20 (see their headers). Single-threaded.
#ifndef SHOAL_BENCHMARKS_LOAD_HITRATIO_STREAMS_H_
#define SHOAL_BENCHMARKS_LOAD_HITRATIO_STREAMS_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace shoal::hitratio {

// SplitMix64 (the same generator as eviction/policy.h's NextRandom).
inline uint64_t SplitMix(uint64_t* s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Uniform in [0, 1), from the top 53 bits.
inline double Uniform(uint64_t* s) { return (SplitMix(s) >> 11) * (1.0 / 9007199254740992.0); }

// What defines a stream, and the replay's length. Each tool sets its own
// defaults (hitratio.cc's match run.sh's keyspace, the in-process tools'
// docs/memory.md's runs).
struct StreamOptions {
  std::string spec = "zipf:0.99";  // KIND:S
  int64_t keys = 1000000;
  int64_t requests = 2000000;
  int64_t warmup = 1000000;  // requests before hits are counted
  int64_t scan_every = 500000;
  int64_t scan_len = 50000;
  uint64_t seed = 42;
};

// "zipf" or "scanmix", with an optional ":S".
inline bool ValidStreamSpec(const std::string& spec) {
  const std::string kind = spec.substr(0, spec.find(':'));
  return kind == "zipf" || kind == "scanmix";
}

class KeyStream {
 public:
  // `o` must outlive the stream, and its spec be valid (ValidStreamSpec).
  explicit KeyStream(const StreamOptions& o) : o_(o), rng_(o.seed) {
    const size_t colon = o.spec.find(':');
    scanmix_ = o.spec.substr(0, colon) == "scanmix";
    const double s = colon == std::string::npos ? 0.99 : std::atof(o.spec.c_str() + colon + 1);
    cdf_.resize(o.keys);
    double sum = 0;
    for (int64_t r = 0; r < o.keys; ++r) {
      sum += 1.0 / std::pow(static_cast<double>(r + 1), s);
      cdf_[r] = sum;
    }
    for (double& c : cdf_) c /= sum;
    id_of_rank_.resize(o.keys);
    for (int64_t i = 0; i < o.keys; ++i) id_of_rank_[i] = static_cast<uint32_t>(i);
    uint64_t prng = o.seed ^ 0xABCDEF;
    for (int64_t i = o.keys - 1; i > 0; --i) {
      std::swap(id_of_rank_[i], id_of_rank_[SplitMix(&prng) % (i + 1)]);
    }
  }

  // The next request's key id; *zipf says whether it is a zipf (not scan)
  // request.
  uint64_t Next(bool* zipf) {
    ++n_;
    if (scanmix_ && o_.scan_every > 0) {
      if (scan_left_ == 0 && n_ % o_.scan_every == 0) scan_left_ = o_.scan_len;
      if (scan_left_ > 0) {
        --scan_left_;
        *zipf = false;
        return static_cast<uint64_t>(o_.keys + scan_pos_++ % o_.keys);
      }
    }
    *zipf = true;
    const int64_t rank = std::lower_bound(cdf_.begin(), cdf_.end(), Uniform(&rng_)) - cdf_.begin();
    return id_of_rank_[std::min<int64_t>(rank, o_.keys - 1)];
  }

  // Zipf rank (0: the most popular) -> key id.
  const std::vector<uint32_t>& id_of_rank() const { return id_of_rank_; }

 private:
  const StreamOptions& o_;
  uint64_t rng_;
  bool scanmix_ = false;
  std::vector<double> cdf_;
  std::vector<uint32_t> id_of_rank_;
  int64_t n_ = 0;  // requests drawn
  int64_t scan_left_ = 0;
  int64_t scan_pos_ = 0;
};

// --name=value: *value is what follows the '='.
inline bool Flag(const char* arg, const char* name, std::string* value) {
  const size_t n = std::strlen(name);
  if (std::strncmp(arg, name, n) != 0 || arg[n] != '=') return false;
  *value = arg + n + 1;
  return true;
}

// The stream flags every tool takes: --stream --keys --requests --warmup
// --scan-every --scan-len --seed. Returns whether `arg` was one of them.
inline bool ParseStreamFlag(const char* arg, StreamOptions* o) {
  std::string v;
  if (Flag(arg, "--stream", &v)) {
    o->spec = v;
  } else if (Flag(arg, "--keys", &v)) {
    o->keys = std::atoll(v.c_str());
  } else if (Flag(arg, "--requests", &v)) {
    o->requests = std::atoll(v.c_str());
  } else if (Flag(arg, "--warmup", &v)) {
    o->warmup = std::atoll(v.c_str());
  } else if (Flag(arg, "--scan-every", &v)) {
    o->scan_every = std::atoll(v.c_str());
  } else if (Flag(arg, "--scan-len", &v)) {
    o->scan_len = std::atoll(v.c_str());
  } else if (Flag(arg, "--seed", &v)) {
    o->seed = std::strtoull(v.c_str(), nullptr, 10);
  } else {
    return false;
  }
  return true;
}

}  // namespace shoal::hitratio

#endif  // SHOAL_BENCHMARKS_LOAD_HITRATIO_STREAMS_H_
