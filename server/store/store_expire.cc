// Store: the active expiry cycle — reclaims expired keys that nobody reads.
//
// Each caller (a worker, `part` of `parts`) owns the slots s with
// s % parts == part and walks them in order from a cursor that persists
// between calls: slot, then database, then the index reached in that table
// (slot_table.h: a removal shifts later entries back into the index, which
// the walk then looks at again). After a pause the walk resumes at that
// index; insertions meanwhile may move a few keys so that they are seen twice
// or left to the next pass, which is harmless.
//
// A call stops at the first of:
//  - its time budget: the clock is read every kCheckEvery units of work (a
//    slot or an entry visited), so one call overruns by at most ~64 entries;
//  - low staleness: after kMinSamples volatile keys, a window of recent
//    samples with at most 10% expired means there is little to gain now
//    (Redis's "acceptable stale" rule); the next call resumes here;
//  - one full pass over its slots.
// Each visited entry costs a pointer chase and, when expired, a free: about
// 100 ns, so 1M keys expiring together are gone after ~4 calls of 25 ms.
#include <algorithm>

#include "server/store/slot_table.h"
#include "server/store/store.h"
#include "server/store/store_internal.h"

namespace shoal {
namespace {

constexpr int64_t kCheckEvery = 64;
constexpr int64_t kMinSamples = 512;
constexpr int64_t kWindow = 64;
constexpr int64_t kAcceptableStalePercent = 10;

}  // namespace

struct Store::ExpireRun {
  int64_t deadline_us = 0;
  int64_t now_ms = 0;
  int64_t work = 0;
  int64_t next_check = kCheckEvery;
  int64_t sampled = 0;  // volatile entries looked at
  int64_t expired = 0;  // of which reclaimed
  int64_t window_sampled = 0;
  int64_t window_expired = 0;
  bool stop = false;
};

void Store::CheckBudget(ExpireRun* run) const {
  run->next_check = run->work + kCheckEvery;
  const int64_t now_us = clock_->NowUs();
  run->now_ms = now_us / 1000;
  if (now_us >= run->deadline_us) run->stop = true;
  if (run->window_sampled >= kWindow) {
    if (run->sampled >= kMinSamples &&
        run->window_expired * 100 <= run->window_sampled * kAcceptableStalePercent) {
      run->stop = true;
    }
    run->window_sampled = 0;
    run->window_expired = 0;
  }
}

// Walks table t from index *offset; returns false when the run must stop
// first, leaving *offset at the resume point.
bool Store::ExpireInTable(Stripe& st, int db, SlotTable* t, size_t* offset, ExpireRun* run) {
  size_t i = *offset;
  while (i < t->capacity()) {
    if (run->work >= run->next_check) {
      CheckBudget(run);
      if (run->stop) {
        *offset = i;
        return false;
      }
    }
    ++run->work;
    Entry* e = t->At(i);
    if (e == nullptr || !e->has_expire()) {
      ++i;
      continue;
    }
    ++run->sampled;
    ++run->window_sampled;
    if (e->expire_ms() > run->now_ms) {
      ++i;
      continue;
    }
    // Removal shifts the rest of the cluster back into i: look at i again.
    t->RemoveAt(i);
    st.expired.Add(1);
    Unlinked(st, db, t, e);
    ReportRemoval(db, e, KeyRemoval::kExpired);
    Entry::Free(e);
    ++run->expired;
    ++run->window_expired;
  }
  *offset = 0;
  ShrinkIfSparse(st, db, t);
  return true;
}

int64_t Store::ActiveExpireCycle(int part, int parts, int64_t budget_us) {
  int64_t sampled = 0;
  const int64_t expired =
      ExpireCycle(part, parts, std::clamp<int64_t>(budget_us, 0, kMaxExpireSliceUs), &sampled);
  stale_perc_x100_.store(sampled > 0 ? expired * 10000 / sampled : 0, std::memory_order_relaxed);
  return expired;
}

int64_t Store::ExpireCycle(int part, int parts, int64_t budget_us, int64_t* sampled) {
  *sampled = 0;
  if (parts <= 0 || part < 0 || part >= parts || part >= kNumSlots) return 0;
  if (TotalVolatile() == 0) return 0;
  // Each way of splitting the slots has its own cursors: the workers' parts
  // and the reclaimer's single part (store_memory.cc) do not disturb each
  // other.
  const int64_t key = (static_cast<int64_t>(parts) << 32) | part;
  ExpireState::Cursor c;
  {
    StripeGuard lock(&expire_->mu, false);
    c = expire_->cursors[key];
  }
  const int slots_in_part = (kNumSlots - 1 - part) / parts + 1;
  if (c.pos >= slots_in_part || c.db >= databases_) c = ExpireState::Cursor();

  ExpireRun run;
  const int64_t start_us = clock_->NowUs();
  run.deadline_us = start_us + std::max<int64_t>(budget_us, 0);
  run.now_ms = start_us / 1000;
  const bool held = AllHeld();

  for (int done = 0; done < slots_in_part && !run.stop;) {
    const int slot = part + c.pos * parts;
    Stripe& st = StripeFor(slot);
    bool finished = true;
    if (st.volatile_total.Get() != 0) {
      StripeGuard guard(&st.mu, held);
      for (; c.db < databases_; ++c.db, c.offset = 0) {
        SlotTable* t = Table(c.db, slot, false);
        if (t == nullptr || t->volatile_count() == 0) continue;
        if (!ExpireInTable(st, c.db, t, &c.offset, &run)) {
          finished = false;
          break;
        }
      }
    }
    if (finished) {
      c.db = 0;
      c.offset = 0;
      ++done;
      if (++c.pos == slots_in_part) c.pos = 0;
    }
    if (++run.work >= run.next_check) CheckBudget(&run);
  }

  {
    StripeGuard lock(&expire_->mu, false);
    expire_->cursors[key] = c;
  }
  *sampled = run.sampled;
  return run.expired;
}

}  // namespace shoal
