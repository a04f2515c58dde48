// TSan builds only (-DSHOAL_SANITIZE=thread; CMakeLists.txt links it with
// -Wl,--wrap for each symbol below): tells ThreadSanitizer about the
// synchronization of absl::Mutex and absl::CondVar.
//
// Debian's libabsl is not built with TSan, so TSan cannot see its lock and
// unlock as happens-before edges and reports every access guarded by an
// absl::Mutex as a race. Each wrapper calls the real function and marks the
// edge: an acquire on the mutex's address after taking it, a release before
// letting it go (and both around the waits that let it go and take it back).
// Races on data no mutex guards are still reported, so TSan runs need no
// suppressions (docs/tsan.md).
#include <sanitizer/tsan_interface.h>

// absl::debian3 is Debian's inline namespace for abseil 20220623; an
// absl::Duration travels as its two words (hi, lo), as the ABI passes it.

extern "C" {
void __real__ZN4absl7debian35Mutex4LockEv(void* mu);
void __real__ZN4absl7debian35Mutex6UnlockEv(void* mu);
void __real__ZN4absl7debian35Mutex10ReaderLockEv(void* mu);
void __real__ZN4absl7debian35Mutex12ReaderUnlockEv(void* mu);
bool __real__ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE(
    void* mu, const void* cond, long long hi, unsigned int lo);
bool __real__ZN4absl7debian37CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE(
    void* cv, void* mu, long long hi, unsigned int lo);

void __wrap__ZN4absl7debian35Mutex4LockEv(void* mu) {
  __real__ZN4absl7debian35Mutex4LockEv(mu);
  __tsan_acquire(mu);
}
void __wrap__ZN4absl7debian35Mutex6UnlockEv(void* mu) {
  __tsan_release(mu);
  __real__ZN4absl7debian35Mutex6UnlockEv(mu);
}
void __wrap__ZN4absl7debian35Mutex10ReaderLockEv(void* mu) {
  __real__ZN4absl7debian35Mutex10ReaderLockEv(mu);
  __tsan_acquire(mu);
}
void __wrap__ZN4absl7debian35Mutex12ReaderUnlockEv(void* mu) {
  __tsan_release(mu);
  __real__ZN4absl7debian35Mutex12ReaderUnlockEv(mu);
}
bool __wrap__ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE(
    void* mu, const void* cond, long long hi, unsigned int lo) {
  __tsan_release(mu);
  bool r = __real__ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE(
      mu, cond, hi, lo);
  __tsan_acquire(mu);
  return r;
}
bool __wrap__ZN4absl7debian37CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE(
    void* cv, void* mu, long long hi, unsigned int lo) {
  __tsan_release(mu);
  bool r = __real__ZN4absl7debian37CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE(
      cv, mu, hi, lo);
  __tsan_acquire(mu);
  return r;
}
}
