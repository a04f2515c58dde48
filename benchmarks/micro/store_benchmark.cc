// Micro-benchmarks of the keyspace hot path: Find and Put over 1M keys, with
// the stripe lock taken per operation as a command does (StripeLocks), and
// the insertion of 1M fresh keys. Linked with benchmark_main.
#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "server/store/store.h"

namespace shoal {
namespace {

constexpr int kKeys = 1'000'000;

const std::vector<std::string>& Keys() {
  static const auto* keys = [] {
    auto* v = new std::vector<std::string>();
    v->reserve(kKeys);
    for (int i = 0; i < kKeys; ++i) v->push_back("key:" + std::to_string(i));
    return v;
  }();
  return *keys;
}

// A shuffled access order, so lookups do not walk memory in insertion order.
const std::vector<uint32_t>& Order() {
  static const auto* order = [] {
    auto* v = new std::vector<uint32_t>(kKeys);
    for (int i = 0; i < kKeys; ++i) (*v)[i] = i;
    std::shuffle(v->begin(), v->end(), std::mt19937(42));
    return v;
  }();
  return *order;
}

Store* LoadedStore() {
  static Store* store = [] {
    auto* s = new Store(StoreOptions{});
    for (const std::string& k : Keys()) {
      StripeLocks locks(s);
      locks.AddKey(k);
      locks.Acquire();
      s->Put(0, Entry::NewString(k, "value-of-some-length"));
    }
    return s;
  }();
  return store;
}

// Slot and table hash of typical keys: paid on every key access.
void BM_KeySlotAndHash(benchmark::State& state) {
  const auto& keys = Keys();
  size_t i = 0;
  for (auto _ : state) {
    const std::string& k = keys[i++ & 1023];
    benchmark::DoNotOptimize(KeySlot(k));
    benchmark::DoNotOptimize(KeyHash(k));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_KeySlotAndHash);

void BM_StoreFindHit(benchmark::State& state) {
  Store* store = LoadedStore();
  const auto& keys = Keys();
  const auto& order = Order();
  size_t i = 0;
  for (auto _ : state) {
    const std::string& k = keys[order[i++ % kKeys]];
    StripeLocks locks(store);
    locks.AddKey(k);
    locks.Acquire();
    benchmark::DoNotOptimize(store->Find(0, k, Store::Lookup::kRead));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoreFindHit);

// The same lookups over 1024 keys that stay in cache: the path's own cost.
void BM_StoreFindHitHot(benchmark::State& state) {
  Store* store = LoadedStore();
  const auto& keys = Keys();
  const auto& order = Order();
  size_t i = 0;
  for (auto _ : state) {
    const std::string& k = keys[order[i++ & 1023]];
    StripeLocks locks(store);
    locks.AddKey(k);
    locks.Acquire();
    benchmark::DoNotOptimize(store->Find(0, k, Store::Lookup::kRead));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoreFindHitHot);

void BM_StoreFindMiss(benchmark::State& state) {
  Store* store = LoadedStore();
  const auto& keys = Keys();
  const auto& order = Order();
  std::vector<std::string> missing;
  for (int i = 0; i < 4096; ++i) missing.push_back("nokey:" + keys[order[i]]);
  size_t i = 0;
  for (auto _ : state) {
    const std::string& k = missing[i++ & 4095];
    StripeLocks locks(store);
    locks.AddKey(k);
    locks.Acquire();
    benchmark::DoNotOptimize(store->Find(0, k, Store::Lookup::kRead));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoreFindMiss);

// SET on an existing key: one malloc for the new entry, one free of the old.
void BM_StorePutReplace(benchmark::State& state) {
  Store* store = LoadedStore();
  const auto& keys = Keys();
  const auto& order = Order();
  size_t i = 0;
  for (auto _ : state) {
    const std::string& k = keys[order[i++ % kKeys]];
    StripeLocks locks(store);
    locks.AddKey(k);
    locks.Acquire();
    store->Put(0, Entry::NewString(k, "value-of-some-length"));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StorePutReplace);

// Loading 1M new keys into an empty store (tables growing as they fill).
void BM_StoreInsert1M(benchmark::State& state) {
  const auto& keys = Keys();
  for (auto _ : state) {
    state.PauseTiming();
    auto store = std::make_unique<Store>(StoreOptions{});
    state.ResumeTiming();
    for (const std::string& k : keys) {
      StripeLocks locks(store.get());
      locks.AddKey(k);
      locks.Acquire();
      store->Put(0, Entry::NewString(k, "value-of-some-length"));
    }
    state.PauseTiming();
    state.counters["bytes_per_key"] = static_cast<double>(store->UsedMemory()) / kKeys;
    store.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * kKeys);
}
BENCHMARK(BM_StoreInsert1M)->Unit(benchmark::kMillisecond)->Iterations(3);

// Eviction-like churn over 150k resident keys (~9 per slot table, as a
// 20 MB cache of 100-byte values holds): each iteration deletes a random
// resident key and inserts a key never seen before. Reports the slot tables'
// bytes per key at the end: tables that only grow would ratchet up to the
// largest size each has ever had.
void BM_StoreChurn(benchmark::State& state) {
  constexpr int kResident = 150'000;
  const auto& keys = Keys();
  auto store = std::make_unique<Store>(StoreOptions{});
  std::vector<std::string> resident(keys.begin(), keys.begin() + kResident);
  auto put = [&](const std::string& k) {
    StripeLocks locks(store.get());
    locks.AddKey(k);
    locks.Acquire();
    store->Put(0, Entry::NewString(k, "value-of-some-length"));
  };
  for (const std::string& k : resident) put(k);
  std::mt19937_64 rng(7);
  uint64_t fresh = 0;
  for (auto _ : state) {
    std::string& victim = resident[rng() % kResident];
    {
      StripeLocks locks(store.get());
      locks.AddKey(victim);
      locks.Acquire();
      store->Erase(0, victim);
    }
    victim = "churn:" + std::to_string(fresh++);
    put(victim);
  }
  state.counters["bytes_per_key"] = static_cast<double>(store->UsedMemory()) / kResident;
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoreChurn)->Iterations(500'000);

}  // namespace
}  // namespace shoal
