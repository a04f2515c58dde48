// StoreMutex's contended paths (store_mutex.h has the design).
//
// Why no wake-up is lost: a thread sleeps only on a word that has kSleepers
// set (FUTEX_WAIT returns at once if the word changed meanwhile), and
// kSleepers is cleared only by an Unlock that then wakes one sleeper. The
// woken thread sets kSleepers again, when it takes the lock or goes back to
// sleep, since others may still sleep (as in Drepper's "Futexes Are
// Tricky", mutex3).
//
// Why a starving waiter gets the lock: while the starving count is not 0 a
// free lock may be taken only by a thread that has already been through
// FUTEX_WAIT, and each Unlock with kSleepers set wakes one such thread.
// Linux wakes a futex's sleepers of equal priority in the order they went to
// sleep (not a documented promise), so the starving waiter is about as many
// hand-overs away as there were sleepers ahead of it.
#include "server/store/store_mutex.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace shoal {
namespace {

// Spins before the first sleep while nobody starves: the holder is usually
// done within a few hundred cycles.
constexpr int kSpins = 64;

void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

int64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void Futex(std::atomic<uint32_t>* word, int op, uint32_t val) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), op, val, nullptr, nullptr, 0);
}

}  // namespace

void StoreMutex::LockSlow() {
  for (int i = 0; i < kSpins; ++i) {
    uint32_t w = word_.load(std::memory_order_relaxed);
    if (w >= kStarving) break;  // hand-over mode: queue up
    if ((w & kLocked) == 0 && word_.compare_exchange_weak(w, w | kLocked, std::memory_order_acquire,
                                                          std::memory_order_relaxed)) {
      return;
    }
    CpuRelax();
  }
  bool slept = false;     // been through FUTEX_WAIT: may take a handed-over lock
  bool starving = false;  // counted in the word's starving count
  int64_t since = 0;
  for (;;) {
    uint32_t w = word_.load(std::memory_order_relaxed);
    if ((w & kLocked) == 0 && (w < kStarving || slept)) {
      // After a sleep others may sleep too: set kSleepers so that our
      // Unlock wakes the next one.
      const uint32_t want = (w | kLocked | (slept ? kSleepers : 0)) - (starving ? kStarving : 0);
      if (word_.compare_exchange_weak(w, want, std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
        return;
      }
      continue;
    }
    uint32_t want = w | kSleepers;
    const bool starve_now = slept && !starving && MonotonicNs() - since >= kStarveNs;
    if (starve_now) want += kStarving;
    if (want != w && !word_.compare_exchange_weak(w, want, std::memory_order_relaxed,
                                                  std::memory_order_relaxed)) {
      continue;
    }
    starving |= starve_now;
    if (!slept) since = MonotonicNs();
    Futex(&word_, FUTEX_WAIT_PRIVATE, want);
    slept = true;
  }
}

void StoreMutex::UnlockSlow(uint32_t now) {
  // Without kSleepers only starving waiters that are awake remain: the lock
  // is theirs to take.
  if ((now & kSleepers) == 0) return;
  word_.fetch_and(~kSleepers, std::memory_order_relaxed);
  Futex(&word_, FUTEX_WAKE_PRIVATE, 1);
}

void StoreMutex::DieNotHeld() {
  fprintf(stderr, "StoreMutex: the caller should hold this lock, and nobody does\n");
  abort();
}

}  // namespace shoal
