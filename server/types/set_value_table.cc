// SetValue's hash table encoding (see set_value.h for the design): open
// addressing with linear probing over slot words (set_value_internal.h),
// backward-shift deletion, SSCAN in hash order, and SPOP of many members.
#include <xxhash.h>

#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "server/types/set_value.h"
#include "server/types/set_value_internal.h"

namespace shoal {

using namespace set_internal;  // NOLINT: this file is the encoding's own

// The table is in hash order: a member sits in its home slot (the top bits
// of its hash) or, displaced, further along the same run of occupied slots
// (wrapping at the table's end). A step returns the members whose homes are
// in [a, end): phase 1 walks positions a.. and picks `end` once `count`
// members were returned; phase 2 finishes the run that crosses `end`, whose
// members may have been displaced from homes below `end`. A member found at
// a position below its home wrapped around the table's end: phase 1 leaves
// it to phase 2, which reaches it only then. Members whose 32-bit hash prefix
// is below the cursor were returned by an earlier step (the table may have
// shrunk since, making home a cover hashes on both sides of the cursor).
uint64_t SetValue::Scan(uint64_t cursor, size_t count, Visitor fn) const {
  if (kind_ != Kind::kTable) {
    ForEach(fn);
    return 0;
  }
  if (cursor >= (uint64_t{1} << kCursorBits)) return 0;
  const unsigned shift = kCursorBits - bits_;
  const size_t cap = size_t{1} << bits_;
  const size_t a = static_cast<size_t>(cursor >> shift);
  size_t end = cap;
  size_t seen = 0;
  // Visits the member at pos when its home is in [a, end_home), and, for a
  // position phase 1 already walked, only if phase 1 skipped it (wrapped).
  auto visit = [&](size_t pos, size_t end_home, bool walked) {
    const uint64_t& w = slots()[pos];
    std::string_view m = WordView(w);
    const uint64_t h = HashOf(m);
    const size_t home = HomeOf(h);
    if (home < a || home >= end_home || (h >> (64 - kCursorBits)) < cursor) return;
    if (walked && home <= pos) return;
    ++seen;
    fn(m);
  };
  for (size_t p = a; p < cap; ++p) {
    if (p > a && seen >= count) {
      end = p;
      break;
    }
    if (slots()[p] != 0) visit(p, p + 1, false);
  }
  for (size_t k = 0; k < cap; ++k) {
    const size_t pos = (end + k) & mask();
    if (slots()[pos] == 0) break;
    visit(pos, end, pos >= a && pos < end);
  }
  return end == cap ? 0 : static_cast<uint64_t>(end) << shift;
}

void SetValue::TablePop(uint64_t count, RandomSource rng, Visitor fn) {
  const size_t keep = count_ - count;
  if (keep * 5 > count) {
    // Keeping most of the set: pop one at a time.
    for (uint64_t i = 0; i < count; ++i) {
      const size_t p = RandomSlot(rng);
      fn(WordView(slots()[p]));
      TableEraseAt(p);
      MaybeShrink();
    }
    return;
  }
  // Keeping a few: move the keepers into a new table, drop the rest.
  std::vector<uint32_t> pos = OccupiedSlots();
  PickPrefix(&pos, keep, rng);
  uint64_t* old = slots();
  const size_t old_cap = size_t{1} << bits_;
  const unsigned new_bits = BitsFor(keep * 2);
  data_ = Xcalloc(size_t{1} << new_bits, sizeof(uint64_t));
  bits_ = static_cast<uint8_t>(new_bits);
  count_ = 0;
  for (size_t i = 0; i < keep; ++i) {
    // Hash from the old slot (inline members are views into it).
    TableInsertNew(old[pos[i]], HashOf(WordView(old[pos[i]])));
    old[pos[i]] = 0;
  }
  for (size_t i = 0; i < old_cap; ++i) {
    if (old[i] == 0) continue;
    fn(WordView(old[i]));
    FreeWord(old[i], &aux_);
  }
  std::free(old);
}

// ---------------------------------------------------------------------------
// table

uint64_t SetValue::HashOf(std::string_view m) {
  return XXH3_64bits_withSeed(m.data(), m.size(), kHashSeed);
}

unsigned SetValue::BitsFor(size_t members) {
  unsigned bits = kMinBits;
  // Load factor at most 3/4.
  while ((size_t{1} << bits) * 3 < members * 4) ++bits;
  return bits;
}

bool SetValue::TableFind(std::string_view m, size_t* pos) const {
  const uint64_t* s = slots();
  size_t p = HomeOf(HashOf(m));
  if (m.size() <= kMaxInline) {
    const uint64_t key = InlineWord(m);
    for (;; p = (p + 1) & mask()) {
      if (s[p] == 0) break;
      if (s[p] == key) {
        *pos = p;
        return true;
      }
    }
  } else {
    for (;; p = (p + 1) & mask()) {
      const uint64_t w = s[p];
      if (w == 0) break;
      if (IsInline(w)) continue;
      std::string_view x = WordView(s[p]);
      if (x.size() == m.size() && std::memcmp(x.data(), m.data(), m.size()) == 0) {
        *pos = p;
        return true;
      }
    }
  }
  *pos = p;
  return false;
}

void SetValue::TableInsertNew(uint64_t word, uint64_t h) {
  if ((count_ + 1) * 4 > (size_t{1} << bits_) * 3) Rehash(bits_ + 1);
  uint64_t* s = slots();
  size_t p = HomeOf(h);
  while (s[p] != 0) p = (p + 1) & mask();
  s[p] = word;
  ++count_;
}

void SetValue::TableEraseAt(size_t pos) {
  FreeWord(slots()[pos], &aux_);
  TableUnlinkAt(pos);
}

// Backward-shift deletion: members after the hole move back into it when
// the hole lies between their home and their position, so every member
// stays reachable from its home without tombstones.
void SetValue::TableUnlinkAt(size_t pos) {
  uint64_t* s = slots();
  size_t hole = pos;
  for (size_t q = (pos + 1) & mask(); s[q] != 0; q = (q + 1) & mask()) {
    const size_t home = HomeOf(HashOf(WordView(s[q])));
    if (((q - home) & mask()) >= ((q - hole) & mask())) {
      s[hole] = s[q];
      hole = q;
    }
  }
  s[hole] = 0;
  --count_;
}

void SetValue::Rehash(unsigned bits) {
  uint64_t* old = slots();
  const size_t old_cap = old == nullptr ? 0 : size_t{1} << bits_;
  data_ = Xcalloc(size_t{1} << bits, sizeof(uint64_t));
  bits_ = static_cast<uint8_t>(bits);
  uint64_t* s = slots();
  for (size_t i = 0; i < old_cap; ++i) {
    if (old[i] == 0) continue;
    size_t p = HomeOf(HashOf(WordView(old[i])));
    while (s[p] != 0) p = (p + 1) & mask();
    s[p] = old[i];
  }
  std::free(old);
}

void SetValue::MaybeShrink() {
  if (bits_ > kMinBits && count_ * 8 < (size_t{1} << bits_)) Rehash(BitsFor(count_ * 2));
}

std::vector<uint32_t> SetValue::OccupiedSlots() const {
  std::vector<uint32_t> pos;
  pos.reserve(count_);
  const size_t cap = size_t{1} << bits_;
  for (size_t i = 0; i < cap; ++i) {
    if (slots()[i] != 0) pos.push_back(static_cast<uint32_t>(i));
  }
  return pos;
}

size_t SetValue::RandomSlot(RandomSource rng) const {
  // Every occupied slot is equally likely; the load factor stays above 1/8
  // (except in the smallest table), so this takes a few draws on average.
  for (;;) {
    const size_t p = static_cast<size_t>(rng()) & mask();
    if (slots()[p] != 0) return p;
  }
}

}  // namespace shoal
