// The per-key metadata formats: what a policy keeps in an entry's 32 bits.
//
// The top two bits are a format tag, so that after a policy switch the new
// policy recognises metadata written by the old one and treats it as
// unknown (or converts it) instead of misreading it:
//
//   tag 0  none     a fresh entry no policy has seen yet (payload 0), or
//                   W-TinyLFU's (bit 29 set): window position (bits 0-22)
//                   for a window key, or for a main-area key its access
//                   count (bits 0-4) and the sketch halving it dates from
//                   (5-7);
//                   shard epoch (23-25), referenced bit (26), segment
//                   (27-28: window, probation, protected). Other policies
//                   read any tag-0 word as unknown, as before.
//   tag 1  clock    30-bit time in 16 ms ticks (wraps after ~199 days):
//                   last access (LRU, random, TTL, noeviction) or last write
//                   (FIFO). Redis keeps 24 bits of seconds; the finer tick
//                   lets LRU order keys touched within the same second.
//   tag 2  lfu      8-bit logarithmic counter (bits 0-7) and the minute of
//                   its last decrement (bits 8-29, wraps after ~8 years), as
//                   Redis's 8 + 16 bits with a longer time.
//   tag 3  queue    S3-FIFO: position in its queue (bits 0-26), a 2-bit
//                   frequency (27-28) and the queue (bit 29: 0 small, 1 main).
//
// Everything here is pure arithmetic on those bits.
#ifndef SHOAL_EVICTION_META_H_
#define SHOAL_EVICTION_META_H_

#include <cstdint>

namespace shoal::meta {

enum Tag : uint32_t { kNone = 0, kClock = 1, kLfu = 2, kQueue = 3 };

constexpr int kTagShift = 30;
constexpr uint32_t kPayloadMask = (1u << kTagShift) - 1;

inline Tag TagOf(uint32_t m) { return static_cast<Tag>(m >> kTagShift); }
inline uint32_t Make(Tag t, uint32_t payload) {
  return (static_cast<uint32_t>(t) << kTagShift) | (payload & kPayloadMask);
}

// ---- clock ----
constexpr int64_t kTickMs = 16;
inline uint32_t ClockTicks(int64_t now_ms) {
  return static_cast<uint32_t>(now_ms / kTickMs) & kPayloadMask;
}
inline uint32_t Clock(int64_t now_ms) { return Make(kClock, ClockTicks(now_ms)); }
// Ticks elapsed since the clock value in m (modulo the wrap).
inline uint32_t ClockAgeTicks(uint32_t m, int64_t now_ms) {
  return (ClockTicks(now_ms) - (m & kPayloadMask)) & kPayloadMask;
}
inline int64_t ClockAgeMs(uint32_t m, int64_t now_ms) {
  return static_cast<int64_t>(ClockAgeTicks(m, now_ms)) * kTickMs;
}

// ---- lfu ----
constexpr uint32_t kLfuMinutesMask = (1u << 22) - 1;
inline uint32_t LfuMinutes(int64_t now_ms) {
  return static_cast<uint32_t>(now_ms / 60000) & kLfuMinutesMask;
}
inline uint32_t Lfu(uint32_t minutes, uint32_t counter) {
  return Make(kLfu, ((minutes & kLfuMinutesMask) << 8) | (counter & 0xff));
}
inline uint32_t LfuCounter(uint32_t m) { return m & 0xff; }
inline uint32_t LfuTime(uint32_t m) { return (m >> 8) & kLfuMinutesMask; }
inline uint32_t LfuElapsedMinutes(uint32_t m, int64_t now_ms) {
  return (LfuMinutes(now_ms) - LfuTime(m)) & kLfuMinutesMask;
}

// ---- queue ----
constexpr int kPosBits = 27;
constexpr uint32_t kPosMask = (1u << kPosBits) - 1;
// Written into a victim's metadata; any position is only trusted after the
// queue confirms it holds that entry there (RefQueue::Holds).
constexpr uint32_t kNoPos = kPosMask;
inline uint32_t Queue(bool main, uint32_t freq, uint32_t pos) {
  return Make(kQueue, (main ? 1u << 29 : 0) | ((freq & 3) << 27) | (pos & kPosMask));
}
inline bool QueueIsMain(uint32_t m) { return (m >> 29) & 1; }
inline uint32_t QueueFreq(uint32_t m) { return (m >> 27) & 3; }
inline uint32_t QueuePos(uint32_t m) { return m & kPosMask; }

// ---- tinylfu (tag 0, bit 29 set) ----
enum Segment : uint32_t { kWindow = 0, kProbation = 1, kProtected = 2 };
constexpr uint32_t kTinyLfuMark = 1u << 29;
constexpr int kWindowPosBits = 23;
constexpr uint32_t kWindowPosMask = (1u << kWindowPosBits) - 1;
constexpr uint32_t kEpochMask = 7;
inline bool IsTinyLfu(uint32_t m) { return TagOf(m) == kNone && (m & kTinyLfuMark) != 0; }
inline uint32_t TinyLfu(Segment seg, bool referenced, uint32_t epoch, uint32_t pos) {
  return Make(kNone, kTinyLfuMark | (static_cast<uint32_t>(seg) << 27) |
                         (referenced ? 1u << 26 : 0) | ((epoch & kEpochMask) << 23) |
                         (pos & kWindowPosMask));
}
inline Segment TinyLfuSegment(uint32_t m) { return static_cast<Segment>((m >> 27) & 3); }
inline bool TinyLfuReferenced(uint32_t m) { return (m >> 26) & 1; }
inline uint32_t TinyLfuEpoch(uint32_t m) { return (m >> 23) & kEpochMask; }
inline uint32_t TinyLfuPos(uint32_t m) { return m & kWindowPosMask; }
// A main-area key (probation, protected) has no window position: those bits
// hold its own access count (bits 0-4, 0..31) and the low three bits of the
// sketch's halving count when the count was last brought up to date (5-7),
// so that the count ages as the sketch does, lazily.
constexpr uint32_t kTinyLfuCountMask = 31;
inline uint32_t TinyLfuMain(Segment seg, bool referenced, uint32_t epoch, uint32_t count,
                            uint32_t halvings) {
  return TinyLfu(seg, referenced, epoch,
                 (count < kTinyLfuCountMask ? count : kTinyLfuCountMask) | ((halvings & 7) << 5));
}
// The count aged to `halvings` (the sketch's halving count now): halved once
// per halving since it was written. Eight or more halvings without an update
// (a key neither hit nor passed by W-TinyLFU's CLOCK hand, which moves while
// evicting) wrap around and age it less than that: an overestimate.
inline uint32_t TinyLfuCount(uint32_t m, uint32_t halvings) {
  const uint32_t since = (halvings - (m >> 5)) & 7;
  return (m & kTinyLfuCountMask) >> since;
}

}  // namespace shoal::meta

#endif  // SHOAL_EVICTION_META_H_
