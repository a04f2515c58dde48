// Clock: the one source of time for the keyspace (TTLs, expiry, idle times).
//
// Injected so that unit tests advance time without sleeping. SystemClock is
// what the server uses; FakeClock is what tests use. Both are safe to read
// from any thread.
#ifndef SHOAL_SERVER_STORE_CLOCK_H_
#define SHOAL_SERVER_STORE_CLOCK_H_

#include <atomic>
#include <cstdint>

namespace shoal {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual int64_t NowMs() const = 0;
  // Microseconds since the Unix epoch.
  virtual int64_t NowUs() const = 0;
  // Milliseconds, possibly a few ms stale but cheaper to read: for eviction
  // metadata (LRU clocks) that every lookup writes.
  virtual int64_t CoarseNowMs() const { return NowMs(); }
};

// While a script runs, the keyspace's clock stands still on that thread, as
// in Redis (a key does not expire halfway through a script). SystemClock's
// NowMs and CoarseNowMs return the frozen time while one of these lives.
class ScopedFrozenTime {
 public:
  explicit ScopedFrozenTime(int64_t now_ms);
  ~ScopedFrozenTime();
  ScopedFrozenTime(const ScopedFrozenTime&) = delete;
  ScopedFrozenTime& operator=(const ScopedFrozenTime&) = delete;

 private:
  int64_t saved_;
};

class SystemClock : public Clock {
 public:
  int64_t NowMs() const override;
  int64_t NowUs() const override;
  int64_t CoarseNowMs() const override;  // CLOCK_REALTIME_COARSE: a jiffy's resolution
  static const SystemClock* Get();
};

class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 1'700'000'000'000) : now_us_(start_ms * 1000) {}
  int64_t NowMs() const override { return now_us_.load() / 1000; }
  int64_t NowUs() const override { return now_us_.load(); }
  void AdvanceMs(int64_t ms) { now_us_ += ms * 1000; }
  void SetMs(int64_t ms) { now_us_ = ms * 1000; }

 private:
  std::atomic<int64_t> now_us_;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_STORE_CLOCK_H_
