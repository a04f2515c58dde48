// Store: the memory reclaimer — a background thread that helps the active
// expiry cycle through mass expiries and gives freed memory back to the OS.
//
// Expiry. Each worker runs its share of the active cycle a few ms at a time
// (Store::kMaxExpireSliceUs: a worker's clients wait while it runs), which
// reclaims ~10k keys per worker per 100 ms. When a million keys expire
// within seconds, that falls behind. So when the last cycle found more than
// 10% of the volatile keys it looked at expired (Redis's "stale" signal),
// this thread runs the cycle over all slots itself, kBurstSliceUs at a time
// with kBurstPauseMs between, until a cycle finds under 10% stale. It takes
// one stripe at a time, like the workers' cycles, so clients wait at most
// for one table's walk; the price is CPU time the workers might have used.
//
// Memory. With glibc's malloc (the allocator we measured leanest for small
// entries, docs/memory.md), freed chunks stay in the process: small ones sit
// in per-arena bins, and only malloc_trim returns whole free pages from the
// middle of a heap. So after 1M keys expire, used_memory drops at once but
// RSS does not. The thread watches the gap between the process's resident
// memory (/proc/self/statm) and the store's used memory; when it grew by more
// than max(kMinGap, used / 8) over what it was at start-up, it calls
// malloc_trim(0). A trim that gives back little (free chunks still share
// pages with live ones) doubles the wait before the next (up to
// kMaxBackoffMs), so a fragmented but stable heap is not trimmed over and
// over.
//
// A trim holds each malloc arena's lock while it returns that arena's free
// pages, so a worker that allocates meanwhile waits. Two choices keep that
// wait short (docs/memory.md has the measurements): trims come every few
// hundred ms during a mass expiry, each returning only what was freed since
// the last; and glibc's fastbins are turned off (M_MXFAST 0) so that freed
// entries coalesce at once instead of waiting for a trim to consolidate a
// million of them in one go (50 ms measured). Small frees still go through
// the per-thread tcache, so the hot path barely notices. The thread does no
// work on the hot path.
#include <malloc.h>
#include <unistd.h>

#include <cstdio>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "server/store/store.h"
#include "server/store/store_internal.h"

namespace shoal {
namespace {

constexpr int kPollMs = 100;
constexpr int64_t kBurstSliceUs = 10'000;
constexpr int kBurstPauseMs = 10;
constexpr int64_t kStalePercX100 = 1000;  // 10%
constexpr int64_t kMinGap = 4 << 20;
constexpr int kMinBackoffMs = 200;
constexpr int kMaxBackoffMs = 10000;
constexpr int64_t kUsefulTrim = 1 << 20;  // a trim that freed less is "futile"

int64_t ResidentBytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  long size = 0, resident = 0;
  const int n = std::fscanf(f, "%ld %ld", &size, &resident);
  std::fclose(f);
  return n == 2 ? static_cast<int64_t>(resident) * sysconf(_SC_PAGESIZE) : 0;
}

}  // namespace

struct Store::Reclaimer {
  explicit Reclaimer(Store* store) : thread([this, store] { Run(store); }) {}
  ~Reclaimer() {
    {
      std::lock_guard<std::mutex> l(mu);
      stop = true;
    }
    cv.notify_all();
    thread.join();
  }

  void Run(Store* store) {
    using Clock = std::chrono::steady_clock;
    const int64_t base_gap = ResidentBytes() - store->UsedMemoryApprox();
    int backoff_ms = kMinBackoffMs;
    Clock::time_point last_trim = Clock::now() - std::chrono::milliseconds(kMinBackoffMs);
    bool burst = false;
    std::unique_lock<std::mutex> l(mu);
    while (!cv.wait_for(l, std::chrono::milliseconds(burst ? kBurstPauseMs : kPollMs),
                        [this] { return stop; })) {
      l.unlock();
      // Expiry: help while the workers' cycles find many expired keys.
      if (burst || store->Stats().expired_stale_perc_x100 > kStalePercX100) {
        int64_t sampled = 0;
        const int64_t expired = store->ExpireCycle(0, 1, kBurstSliceUs, &sampled);
        burst = sampled > 0 && expired * 10000 > sampled * kStalePercX100;
      }
      // Memory: trim when RSS runs well ahead of used memory.
      const int64_t used = store->UsedMemoryApprox();
      const int64_t rss = ResidentBytes();
      if (rss - used - base_gap < std::max(kMinGap, used / 8)) {
        backoff_ms = kMinBackoffMs;
      } else if (Clock::now() - last_trim >= std::chrono::milliseconds(backoff_ms)) {
#ifdef __GLIBC__
        malloc_trim(0);
#endif
        last_trim = Clock::now();
        const bool useful = rss - ResidentBytes() >= kUsefulTrim;
        backoff_ms = useful ? kMinBackoffMs : std::min(2 * backoff_ms, kMaxBackoffMs);
      }
      l.lock();
    }
  }

  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  std::thread thread;  // last: starts after the members above exist
};

void Store::ReclaimerDeleter::operator()(Reclaimer* r) const { delete r; }

void Store::StartReclaimer() {
#ifdef __GLIBC__
  static std::once_flag no_fastbins;
  std::call_once(no_fastbins, [] { mallopt(M_MXFAST, 0); });
#endif
  reclaimer_.reset(new Reclaimer(this));
}

void Store::StopReclaimer() { reclaimer_.reset(); }

}  // namespace shoal
