// ScriptLockHistory: what the past runs of one script (by sha) or function
// tell about the keys it touches, and so which stripes its next run takes.
//
// Invariant: a run holds only the stripes of its declared keys only after
// kProbationRuns runs under every stripe touched nothing else; once any run
// touches an undeclared key, every later run holds every stripe. This keeps
// the one case the locking cannot serve without an error (a write, then an
// undeclared key on a lower stripe held by a client that waits for ours)
// to scripts that touch undeclared keys only rarely (docs/scripting.md).
#ifndef SHOAL_SERVER_SCRIPTING_SCRIPT_LOCK_HISTORY_H_
#define SHOAL_SERVER_SCRIPTING_SCRIPT_LOCK_HISTORY_H_

#include <atomic>
#include <cstdint>

namespace shoal {

class ScriptLockHistory {
 public:
  static constexpr uint32_t kProbationRuns = 32;

  // True when the next run must hold every stripe.
  bool RunUnderAllStripes() const {
    return undeclared_.load(std::memory_order_relaxed) ||
           clean_runs_.load(std::memory_order_relaxed) < kProbationRuns;
  }
  // Records a finished (or abandoned) run.
  void Record(bool touched_undeclared, bool under_all_stripes) {
    if (touched_undeclared) {
      undeclared_.store(true, std::memory_order_relaxed);
    } else if (under_all_stripes && clean_runs_.load(std::memory_order_relaxed) < kProbationRuns) {
      clean_runs_.fetch_add(1, std::memory_order_relaxed);
    }
  }

 private:
  std::atomic<bool> undeclared_{false};
  std::atomic<uint32_t> clean_runs_{0};
};

}  // namespace shoal

#endif  // SHOAL_SERVER_SCRIPTING_SCRIPT_LOCK_HISTORY_H_
