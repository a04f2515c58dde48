// StoreMutex: the store's lock type — absl::Mutex plus ThreadSanitizer
// annotations (see below). Used for the stripes and the evictor's lock.
#ifndef SHOAL_SERVER_STORE_STORE_MUTEX_H_
#define SHOAL_SERVER_STORE_STORE_MUTEX_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#define SHOAL_TSAN_MUTEX(call) call
#else
#define SHOAL_TSAN_MUTEX(call)
#endif

namespace shoal {

// absl::Mutex, plus ThreadSanitizer annotations. Debian's libabsl is not
// built with TSan, so TSan cannot see its lock and unlock as
// synchronization and reports every access guarded by it as a race; the
// annotations tell it. They compile to nothing in other builds.
class ABSL_LOCKABLE StoreMutex {
 public:
  StoreMutex() { SHOAL_TSAN_MUTEX(__tsan_mutex_create(this, 0)); }
  ~StoreMutex() { SHOAL_TSAN_MUTEX(__tsan_mutex_destroy(this, 0)); }
  StoreMutex(const StoreMutex&) = delete;
  StoreMutex& operator=(const StoreMutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    SHOAL_TSAN_MUTEX(__tsan_mutex_pre_lock(this, 0));
    mu_.Lock();
    SHOAL_TSAN_MUTEX(__tsan_mutex_post_lock(this, 0, 0));
  }
  bool TryLock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) {
    SHOAL_TSAN_MUTEX(__tsan_mutex_pre_lock(this, __tsan_mutex_try_lock));
    bool ok = mu_.TryLock();
    SHOAL_TSAN_MUTEX(__tsan_mutex_post_lock(
        this, ok ? __tsan_mutex_try_lock : __tsan_mutex_try_lock | __tsan_mutex_try_lock_failed,
        0));
    return ok;
  }
  void Unlock() ABSL_UNLOCK_FUNCTION() {
    SHOAL_TSAN_MUTEX(__tsan_mutex_pre_unlock(this, 0));
    mu_.Unlock();
    SHOAL_TSAN_MUTEX(__tsan_mutex_post_unlock(this, 0));
  }
  // Debug builds: dies if nobody holds the lock (catches a missing StripeLocks).
  void AssertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK() {
#ifndef NDEBUG
    mu_.AssertHeld();
#endif
  }

 private:
  absl::Mutex mu_;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_STORE_STORE_MUTEX_H_
