// Store: the memory reclaimer — gives memory freed by expiry, eviction and
// deletion back to the operating system.
//
// With glibc's malloc (the allocator we measured leanest for small entries,
// docs/memory.md), freed chunks stay in the process: small ones sit in
// per-arena bins, and only malloc_trim returns whole free pages from the
// middle of a heap. So after 1M keys expire, used_memory drops at once but
// RSS does not. The reclaimer is one background thread that watches the gap
// between the process's resident memory (/proc/self/statm) and the store's
// used memory every kPollMs; when the gap grew by more than
// max(kMinGap, used / 8) over what it was at start-up, it calls
// malloc_trim(0), which returns the free pages in the middle of the heaps.
// A trim that gives back little (free chunks still share pages with live
// ones) doubles the wait before the next (up to kMaxBackoffMs), so a
// fragmented but stable heap is not trimmed over and over.
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
    const int64_t base_gap = ResidentBytes() - store->UsedMemoryApprox();
    int backoff_ms = kMinBackoffMs;
    int waited_ms = kMinBackoffMs;
    std::unique_lock<std::mutex> l(mu);
    while (!cv.wait_for(l, std::chrono::milliseconds(kPollMs), [this] { return stop; })) {
      waited_ms += kPollMs;
      const int64_t used = store->UsedMemoryApprox();
      const int64_t rss = ResidentBytes();
      if (rss - used - base_gap < std::max(kMinGap, used / 8)) {
        backoff_ms = kMinBackoffMs;
        continue;
      }
      if (waited_ms < backoff_ms) continue;
#ifdef __GLIBC__
      malloc_trim(0);
#endif
      waited_ms = 0;
      const bool useful = rss - ResidentBytes() >= kUsefulTrim;
      backoff_ms = useful ? kMinBackoffMs : std::min(2 * backoff_ms, kMaxBackoffMs);
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
