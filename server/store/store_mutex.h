// StoreMutex: the store's lock type, for the stripes and the evictor's lock.
//
// A futex lock. Every GET and SET takes one stripe, and absl::Mutex's
// Lock/Unlock pair cost about 60 instructions there; here taking a free lock
// is one compare-and-swap and releasing an uncontended one is one atomic
// decrement, with no call into a library.
//
// The lock word: bit 0 "locked", bit 1 "a thread may sleep on the futex"
// (Unlock must wake one), and above them the number of starving waiters
// (units of kStarving). The fast paths see only 0 (free) and 1 (held).
//
// Contended, the lock is "barging" while nobody starves: Unlock frees the
// lock and wakes one sleeper, and whoever comes first takes it — often the
// thread that just released it and comes straight back (a worker running a
// pipeline), long before the woken thread runs. That keeps the lock busy
// but can starve a waiter for as long as the others keep coming. So a
// sleeper that has waited more than kStarveNs marks itself starving, and
// while any waiter starves the lock is handed over in queue order: the fast
// path fails (the word is not 0), newcomers do not spin, and a free lock may
// be taken only by a thread that has already slept on the futex — the one
// Unlock wakes. Newcomers sleep behind it. The price of this mode, one
// wake-up latency per hand-over, is paid only while someone starves.
//
// No deadlock detection: stripes are taken in ascending order (StripeLocks).
// ThreadSanitizer annotations tell TSan that these atomics are a lock, so it
// checks the data they guard; they compile to nothing in other builds.
#ifndef SHOAL_SERVER_STORE_STORE_MUTEX_H_
#define SHOAL_SERVER_STORE_STORE_MUTEX_H_

#include <atomic>
#include <cstdint>

#include "absl/base/attributes.h"
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
    if (ABSL_PREDICT_FALSE(!word_.compare_exchange_strong(free, kLocked, std::memory_order_acquire,
                                                          std::memory_order_relaxed))) {
      LockSlow();
    }
    SHOAL_TSAN_MUTEX(__tsan_mutex_post_lock(this, 0, 0));
  }
  // Takes the lock if it is free and not being handed over to a starving
  // waiter.
  bool TryLock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    SHOAL_TSAN_MUTEX(__tsan_mutex_pre_lock(this, __tsan_mutex_try_lock));
    bool ok = false;
    uint32_t w = word_.load(std::memory_order_relaxed);
    while ((w & kLocked) == 0 && w < kStarving) {
      if (word_.compare_exchange_weak(w, w | kLocked, std::memory_order_acquire,
                                      std::memory_order_relaxed)) {
        ok = true;
        break;
      }
    }
    SHOAL_TSAN_MUTEX(__tsan_mutex_post_lock(
        this, ok ? __tsan_mutex_try_lock : __tsan_mutex_try_lock | __tsan_mutex_try_lock_failed,
        0));
    return ok;
  }
  void Unlock() ABSL_UNLOCK_FUNCTION() {
    SHOAL_TSAN_MUTEX(__tsan_mutex_pre_unlock(this, 0));
    const uint32_t was = word_.fetch_sub(kLocked, std::memory_order_release);
    if (ABSL_PREDICT_FALSE(was != kLocked)) UnlockSlow(was - kLocked);
    SHOAL_TSAN_MUTEX(__tsan_mutex_post_unlock(this, 0));
  }
  // Debug builds: dies if nobody holds the lock (catches a missing
  // StripeLocks). It cannot tell which thread holds it.
  void AssertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK() {
#ifndef NDEBUG
    if ((word_.load(std::memory_order_relaxed) & kLocked) == 0) DieNotHeld();
#endif
  }

 private:
  static constexpr uint32_t kLocked = 1;
  static constexpr uint32_t kSleepers = 2;
  static constexpr uint32_t kStarving = 4;  // one starving waiter
  static constexpr int64_t kStarveNs = 1'000'000;

  ABSL_ATTRIBUTE_NOINLINE void LockSlow();
  ABSL_ATTRIBUTE_NOINLINE void UnlockSlow(uint32_t now);
  [[noreturn]] ABSL_ATTRIBUTE_NOINLINE static void DieNotHeld();

  std::atomic<uint32_t> word_{0};
  static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));
};

}  // namespace shoal

#endif  // SHOAL_SERVER_STORE_STORE_MUTEX_H_
