// policy_replay: hitratio.cc's streams (streams.h) replayed in-process
// through the eviction policies' own code (eviction/), with a memory model in
// place of the store, so that a policy's parameters can be swept in a second
// per run instead of five minutes of server runs.
//
// The model: 256 stripes (the store's default), each with its own policy
// shard and a CLOCK walker over its keys; every key costs --key-bytes (131:
// the store's used_memory per key for 12-byte keys with 100-byte values:
// one 128-byte malloc chunk's usable 120 bytes plus ~10.5 bytes of slot
// table) plus the shards' MemoryBytes; eviction runs before an insert when
// used memory is over --budget (20 MB less the store's fixed costs) and
// frees down to 64 KiB below, as Store::EnsureMemory does. Requests go in
// batches of 32 GETs, then a SET for each miss, as hitratio.cc sends them.
// Sampling (LRU/LFU) takes 8 consecutive keys of random stripes: coarser
// than the store's, so the sampling policies' figures are only indicative
// here (LFU reads ~0.4 lower than the server); W-TinyLFU's match the
// server's to ±0.05 (docs/memory.md).
//
// Build (from the repository root; one line):
//   g++ -O2 -std=c++20 -I. -o /tmp/policy_replay
//     benchmarks/load/hitratio/policy_replay.cc $(ls eviction/*.cc | grep -v _test)
// Usage: policy_replay --policy=allkeys-wtinylfu --stream=scanmix:0.99
//   [--budget=19480000 --key-bytes=131 --keys=1000000 --requests=2000000
//    --warmup=1000000 --scan-every=500000 --scan-len=50000 --seed=42]
//   W-TinyLFU's options: --window-permille, --protected-percent,
//   --victim-samples, --counters-per-key, --doorkeeper-bits, --sample-factor.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "benchmarks/load/hitratio/streams.h"
#include "eviction/policies.h"
#include "eviction/policy.h"
#include "eviction/settings.h"
#include "eviction/wtinylfu.h"

namespace shoal {
namespace {

constexpr int kStripes = 256;
constexpr int kBatch = 32;

uint64_t Mix(uint64_t x) {
  uint64_t s = x * 0x2545F4914F6CDD1Dull + 1;
  return NextRandom(&s);
}

// A key: its metadata word first, as the store's entries.
struct Key {
  uint32_t meta = 0;
  uint32_t index = 0;  // in its stripe's vector
  uint64_t id = 0;
  int stripe = 0;
};
Key* Of(EntryRef e) { return reinterpret_cast<Key*>(e); }

class Info : public EntryInfo {
 public:
  uint64_t KeyHash(EntryRef e) const override { return Mix(Of(e)->id); }
  bool HasExpire(EntryRef) const override { return false; }
};

struct Stripe {
  std::vector<Key*> keys;
  size_t cursor = 0;  // the walker's
  std::unique_ptr<PolicyShard> shard;
  uint64_t rng = 0;
};

class Cache {
 public:
  Cache(EvictionPolicy* policy, int64_t universe) : policy_(policy), by_id_(universe, nullptr) {
    for (int i = 0; i < kStripes; ++i) {
      stripes_[i].shard = policy_->NewShard();
      stripes_[i].rng = i + 1;
      After(stripes_[i]);
    }
  }
  ~Cache() {
    for (Key* k : by_id_) delete k;
  }

  int64_t Used(int64_t key_bytes) const { return count_ * key_bytes + shard_bytes_; }
  int64_t count() const { return count_; }
  Key* Find(uint64_t id) const { return by_id_[id]; }
  HookContext Ctx(Stripe& st, uint64_t hash) {
    HookContext c;
    c.now_ms = now_ms_;
    c.rng = &st.rng;
    c.info = &info_;
    c.key_hash = hash;
    return c;
  }
  void set_now_ms(int64_t now) { now_ms_ = now; }
  Stripe& StripeOf(const Key* k) { return stripes_[k->stripe]; }
  Stripe& stripe(int i) { return stripes_[i]; }
  void After(Stripe& st) {
    if (st.shard != nullptr) shard_bytes_ += st.shard->TakeMemoryDelta();
  }

  void Access(Key* k) {
    Stripe& st = StripeOf(k);
    policy_->OnAccess(st.shard.get(), &k->meta, Ctx(st, Mix(k->id)));
    After(st);
  }
  void Insert(uint64_t id) {
    Key* k = new Key;
    k->id = id;
    k->stripe = static_cast<int>(Mix(id ^ 0x5555) % kStripes);
    Stripe& st = StripeOf(k);
    k->index = static_cast<uint32_t>(st.keys.size());
    st.keys.push_back(k);
    by_id_[id] = k;
    ++count_;
    policy_->OnInsert(st.shard.get(), &k->meta, Ctx(st, Mix(id)));
    After(st);
  }
  void Remove(Key* k) {
    Stripe& st = StripeOf(k);
    policy_->OnRemove(st.shard.get(), &k->meta);
    After(st);
    Key* last = st.keys.back();
    st.keys[k->index] = last;
    last->index = k->index;
    st.keys.pop_back();
    by_id_[k->id] = nullptr;
    --count_;
    delete k;
  }

 private:
  EvictionPolicy* policy_;
  Stripe stripes_[kStripes];
  std::vector<Key*> by_id_;
  Info info_;
  int64_t count_ = 0;
  int64_t shard_bytes_ = 0;
  int64_t now_ms_ = 0;
};

class Walker : public ShardWalker {
 public:
  explicit Walker(Stripe* st) : st_(st) {}
  int64_t Keys() const override { return static_cast<int64_t>(st_->keys.size()); }
  int64_t VolatileKeys() const override { return 0; }
  bool Next(EntryRef* out) override {
    if (st_->cursor < st_->keys.size()) {
      *out = &st_->keys[st_->cursor++]->meta;
      return true;
    }
    st_->cursor = 0;
    return false;
  }

 private:
  Stripe* st_;
};

class Host : public EvictionHost {
 public:
  Host(Cache* cache, int64_t key_bytes) : cache_(cache), key_bytes_(key_bytes) {}
  int64_t NowMs() const override { return now_ms_; }
  void set_now_ms(int64_t now) { now_ms_ = now; }
  uint64_t Random() override { return NextRandom(&rng_); }

  bool Sample(int n, bool, const std::function<void(const KeySample&)>& visit) override {
    if (cache_->count() == 0) return false;
    int visited = 0;
    const int first = static_cast<int>(Random() % kStripes);
    for (int i = 0; i < kStripes && visited < n; ++i) {
      Stripe& st = cache_->stripe((first + i) % kStripes);
      if (st.keys.empty()) continue;
      const size_t start = Random() % st.keys.size();
      for (size_t j = 0; j < st.keys.size() && j < 8 && visited < n; ++j, ++visited) {
        const Key* k = st.keys[(start + j) % st.keys.size()];
        const std::string name = std::to_string(k->id);
        visit(KeySample{0, name, k->meta, 0});
      }
    }
    return visited > 0;
  }
  int64_t EvictKey(int, std::string_view key, uint32_t meta) override {
    Key* k = cache_->Find(std::stoull(std::string(key)));
    if (k == nullptr || k->meta != meta) return 0;
    cache_->Remove(k);
    return key_bytes_;
  }
  int64_t EvictFromShard(const PickFn& pick) override {
    int first = static_cast<int>(Random() % kStripes);
    const int other = static_cast<int>(Random() % kStripes);
    if (cache_->stripe(other).keys.size() > cache_->stripe(first).keys.size()) first = other;
    for (int i = 0; i < kStripes; ++i) {
      Stripe& st = cache_->stripe((first + i) % kStripes);
      if (st.keys.empty()) continue;
      Walker walker(&st);
      EntryRef victim = pick(st.shard.get(), &walker, cache_->Ctx(st, 0));
      cache_->After(st);
      if (victim == nullptr) continue;
      cache_->Remove(Of(victim));
      return key_bytes_;
    }
    return 0;
  }

 private:
  Cache* cache_;
  int64_t key_bytes_;
  int64_t now_ms_ = 0;
  uint64_t rng_ = 7;
};

struct Options {
  std::string policy = "allkeys-wtinylfu";
  hitratio::StreamOptions stream;  // its defaults: docs/memory.md's runs
  int64_t budget = 19480000;
  int64_t key_bytes = 131;
  WTinyLfuOptions wtinylfu;
};

bool ParseFlags(int argc, char** argv, Options* o) {
  using hitratio::Flag;
  for (int i = 1; i < argc; ++i) {
    std::string v;
    const char* a = argv[i];
    if (hitratio::ParseStreamFlag(a, &o->stream)) continue;
    if (Flag(a, "--policy", &v)) {
      o->policy = v;
    } else if (Flag(a, "--budget", &v)) {
      o->budget = std::atoll(v.c_str());
    } else if (Flag(a, "--key-bytes", &v)) {
      o->key_bytes = std::atoll(v.c_str());
    } else if (Flag(a, "--window-permille", &v)) {
      o->wtinylfu.window_permille = std::atoi(v.c_str());
    } else if (Flag(a, "--protected-percent", &v)) {
      o->wtinylfu.protected_percent = std::atoi(v.c_str());
    } else if (Flag(a, "--victim-samples", &v)) {
      o->wtinylfu.victim_samples = std::atoi(v.c_str());
    } else if (Flag(a, "--counters-per-key", &v)) {
      o->wtinylfu.sketch.counters_per_key = std::atoi(v.c_str());
    } else if (Flag(a, "--doorkeeper-bits", &v)) {
      o->wtinylfu.sketch.doorkeeper_bits_per_key = std::atoi(v.c_str());
    } else if (Flag(a, "--sample-factor", &v)) {
      o->wtinylfu.sketch.sample_factor = std::atoi(v.c_str());
    } else {
      std::fprintf(stderr, "unknown flag %s\n", a);
      return false;
    }
  }
  if (!hitratio::ValidStreamSpec(o->stream.spec)) {
    std::fprintf(stderr, "unknown stream %s\n", o->stream.spec.c_str());
    return false;
  }
  return true;
}

int Main(int argc, char** argv) {
  Options o;
  if (!ParseFlags(argc, argv, &o)) return 2;
  EvictionSettings settings;
  std::unique_ptr<EvictionPolicy> policy;
  if (o.policy == "allkeys-wtinylfu") {
    policy = std::make_unique<WTinyLfuPolicy>(/*volatile_only=*/false, o.wtinylfu);
  } else {
    for (int i = 0; i < static_cast<int>(PolicyKind::kCount); ++i) {
      if (o.policy == PolicyName(static_cast<PolicyKind>(i))) {
        settings.policy = i;
        policy = MakePolicy(static_cast<PolicyKind>(i), &settings);
      }
    }
  }
  if (policy == nullptr) {
    std::fprintf(stderr, "unknown policy %s\n", o.policy.c_str());
    return 2;
  }
  Cache cache(policy.get(), 2 * o.stream.keys);
  Host host(&cache, o.key_bytes);
  hitratio::KeyStream stream(o.stream);
  const int64_t target = o.budget - std::min<int64_t>(64 * 1024, o.budget / 512);
  int64_t counted = 0, hits = 0, zipf_counted = 0, zipf_hits = 0;
  std::vector<uint64_t> batch, misses;
  std::vector<char> is_zipf;
  for (int64_t n = 0; n < o.stream.requests;) {
    batch.clear();
    is_zipf.clear();
    misses.clear();
    for (int b = 0; b < kBatch && n + b < o.stream.requests; ++b) {
      bool zipf;
      batch.push_back(stream.Next(&zipf));
      is_zipf.push_back(zipf);
    }
    // A clock for LFU's decay: ~20k requests a second, as the server runs.
    cache.set_now_ms(n / 20);
    host.set_now_ms(n / 20);
    for (size_t i = 0; i < batch.size(); ++i, ++n) {
      Key* k = cache.Find(batch[i]);
      if (k != nullptr) {
        cache.Access(k);
      } else {
        misses.push_back(batch[i]);
      }
      if (n >= o.stream.warmup) {
        ++counted;
        hits += k != nullptr;
        zipf_counted += is_zipf[i];
        zipf_hits += is_zipf[i] && k != nullptr;
      }
    }
    for (uint64_t id : misses) {
      if (cache.Used(o.key_bytes) > o.budget) {
        for (int round = 0; round < 16 && cache.Used(o.key_bytes) > target; ++round) {
          if (policy->Evict(&host, cache.Used(o.key_bytes) - target) <= 0) break;
        }
      }
      if (Key* k = cache.Find(id)) {  // a repeat within the batch: an overwrite
        cache.Access(k);
        continue;
      }
      cache.Insert(id);
    }
  }
  std::printf("policy=%s stream=%s hit=%.2f zipf_hit=%.2f keys=%lld policy_bytes=%lld\n",
              o.policy.c_str(), o.stream.spec.c_str(), 100.0 * hits / std::max<int64_t>(1, counted),
              100.0 * zipf_hits / std::max<int64_t>(1, zipf_counted),
              static_cast<long long>(cache.count()),
              static_cast<long long>(cache.Used(o.key_bytes) - cache.count() * o.key_bytes));
  return 0;
}

}  // namespace
}  // namespace shoal

int main(int argc, char** argv) { return shoal::Main(argc, argv); }
