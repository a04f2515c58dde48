// StoreMutex: the store's lock type, for the stripes and the evictor's lock.
//
// A futex lock of three states (0 free, 1 held, 2 held with waiters may be
// sleeping): taking a free lock is one compare-and-swap and releasing an
// uncontended one is one atomic decrement, with no call into a library.
// Every GET and SET takes one stripe, and absl::Mutex's Lock/Unlock pair
// cost about 60 instructions there. A contended Lock spins briefly (stripes
// are held for microseconds), then sleeps on the futex; Unlock wakes one
// sleeper when the state says there may be one. No fairness, no deadlock
// detection: stripes are taken in ascending order (StripeLocks).
//
// ThreadSanitizer annotations tell TSan that these atomics are a lock, so
// it checks the data they guard; they compile to nothing in other builds.
#ifndef SHOAL_SERVER_STORE_STORE_MUTEX_H_
#define SHOAL_SERVER_STORE_STORE_MUTEX_H_

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "absl/base/optimization.h"
#include "absl/base/thread_annotations.h"

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define SHOAL_TSAN_MUTEX(call) call
#else
#define SHOAL_TSAN_MUTEX(call)
#endif

namespace shoal {

class ABSL_LOCKABLE StoreMutex {
 public:
  StoreMutex() { SHOAL_TSAN_MUTEX(__tsan_mutex_create(this, 0)); }
  ~StoreMutex() { SHOAL_TSAN_MUTEX(__tsan_mutex_destroy(this, 0)); }
  StoreMutex(const StoreMutex&) = delete;
  StoreMutex& operator=(const StoreMutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    SHOAL_TSAN_MUTEX(__tsan_mutex_pre_lock(this, 0));
    uint32_t free = 0;
    if (ABSL_PREDICT_FALSE(!state_.compare_exchange_strong(free, 1, std::memory_order_acquire,
                                                           std::memory_order_relaxed))) {
      LockSlow();
    }
    SHOAL_TSAN_MUTEX(__tsan_mutex_post_lock(this, 0, 0));
  }
  bool TryLock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    SHOAL_TSAN_MUTEX(__tsan_mutex_pre_lock(this, __tsan_mutex_try_lock));
    uint32_t free = 0;
    bool ok = state_.compare_exchange_strong(free, 1, std::memory_order_acquire,
                                             std::memory_order_relaxed);
    SHOAL_TSAN_MUTEX(__tsan_mutex_post_lock(
        this, ok ? __tsan_mutex_try_lock : __tsan_mutex_try_lock | __tsan_mutex_try_lock_failed,
        0));
    return ok;
  }
  void Unlock() ABSL_UNLOCK_FUNCTION() {
    SHOAL_TSAN_MUTEX(__tsan_mutex_pre_unlock(this, 0));
    if (ABSL_PREDICT_FALSE(state_.fetch_sub(1, std::memory_order_release) != 1)) {
      // State was 2: someone may sleep. Free the lock, wake one.
      state_.store(0, std::memory_order_release);
      Futex(FUTEX_WAKE_PRIVATE, 1);
    }
    SHOAL_TSAN_MUTEX(__tsan_mutex_post_unlock(this, 0));
  }
  // Debug builds: dies if nobody holds the lock (catches a missing
  // StripeLocks). It cannot tell which thread holds it.
  void AssertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK() {
#ifndef NDEBUG
    if (state_.load(std::memory_order_relaxed) == 0) {
      fprintf(stderr, "StoreMutex: the caller should hold this lock, and nobody does\n");
      abort();
    }
#endif
  }

 private:
  void LockSlow() {
    // Brief spin: the holder is usually done within a few hundred cycles.
    for (int i = 0; i < 64; ++i) {
      CpuRelax();
      uint32_t free = 0;
      if (state_.load(std::memory_order_relaxed) == 0 &&
          state_.compare_exchange_weak(free, 1, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
        return;
      }
    }
    // Mark "waiters may sleep" and sleep until the lock is seen free; the
    // thread that takes it this way leaves state 2, so its Unlock wakes the
    // next sleeper.
    while (state_.exchange(2, std::memory_order_acquire) != 0) Futex(FUTEX_WAIT_PRIVATE, 2);
  }
  static void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }
  void Futex(int op, uint32_t val) {
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(&state_), op, val, nullptr, nullptr, 0);
  }

  std::atomic<uint32_t> state_{0};
  static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));
};

}  // namespace shoal

#endif  // SHOAL_SERVER_STORE_STORE_MUTEX_H_
