// SetValue: the value of a Redis set — a collection of distinct binary
// strings — in one of the three encodings Redis 7.2 uses, with the same
// conversion rules, so that OBJECT ENCODING reports what Redis would:
//
//  - "intset": every member is the canonical decimal form of an int64 (as
//    Redis's string2ll accepts it: no '+', no leading zeros, no "-0"). The
//    values are kept sorted in one malloc'd array of 2-, 4- or 8-byte
//    integers, the width being the smallest that holds every member (it
//    only grows). Membership is a binary search; members are listed in
//    ascending order, as Redis lists an intset.
//  - "listpack": a small set of any strings, packed back to back in one
//    malloc'd buffer as [varint length][bytes], in insertion order. Lookups
//    walk the buffer (a few cache lines for a small set).
//  - "hashtable": an open-addressing table with linear probing over 8-byte
//    slots. A slot is 0 when empty; a member of up to 7 bytes lives inside
//    its slot (first byte: length << 1 | 1, then the bytes), a longer one in
//    its own allocation [varint length][bytes] that the slot points to (an
//    even address). So a short member costs one slot and nothing else, and a
//    long one a slot plus one allocation — about half of what Redis pays
//    (dict entry + sds + bucket pointer). The home slot of a member is the
//    top bits of its hash (XXH3, per-process random seed), which keeps the
//    table in hash order: SSCAN's cursor is a 32-bit hash prefix, "every
//    member whose hash is below the cursor was returned", which holds however
//    the table grows or shrinks between calls, and never repeats a member.
//    Deletion shifts the following members back (no tombstones). A random
//    member is a uniformly random slot, retried while empty (the load factor
//    is kept between 1/8 and 3/4), so SRANDMEMBER and SPOP are fair.
//
// Conversions (limits read from the config by the caller at each call):
// intset -> listpack when a non-integer is added and the set would fit a
// listpack; intset -> hashtable when it would not, or when the intset
// outgrows set-max-intset-entries; listpack -> hashtable when it would
// outgrow set-max-listpack-entries or a member is longer than
// set-max-listpack-value. A set never converts back, as in Redis.
//
// MemoryBytes is O(1): the allocator's usable sizes of this object and of
// its buffer, plus (table) a running sum of the members' own allocations.
//
// Not thread-safe: the caller holds the stripe lock of the key that owns it.
// Views passed to visitors are valid only during the call (integers are
// formatted into a temporary buffer).
#ifndef SHOAL_SERVER_TYPES_SET_VALUE_H_
#define SHOAL_SERVER_TYPES_SET_VALUE_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "server/store/compound_value.h"

namespace shoal {

// set-max-intset-entries / set-max-listpack-entries / set-max-listpack-value.
struct SetLimits {
  size_t max_intset_entries = 512;
  size_t max_listpack_entries = 128;
  size_t max_listpack_value = 64;
};

class SetValue final : public CompoundValue {
 public:
  enum class Kind : uint8_t { kIntSet, kListpack, kTable };
  using Visitor = absl::FunctionRef<void(std::string_view member)>;
  using RandomSource = absl::FunctionRef<uint64_t()>;

  // An empty set in the encoding Redis picks for a new key that is about to
  // receive `size_hint` members, the first of which is `first`.
  static SetValue* CreateFor(std::string_view first, size_t size_hint, const SetLimits& limits);
  // An empty intset: the start of a computed set (SUNIONSTORE & co), which
  // then converts as members are added.
  SetValue() = default;
  ~SetValue() override;
  SetValue(const SetValue&) = delete;
  SetValue& operator=(const SetValue&) = delete;

  // CompoundValue.
  size_t MemoryBytes() const override;
  CompoundValue* Clone() const override;
  size_t Size() const override { return count_; }
  const char* EncodingName() const override;

  Kind kind() const { return kind_; }

  bool Contains(std::string_view member) const;
  // Adds member; true when it was not there. Converts first when needed.
  bool Add(std::string_view member, const SetLimits& limits);
  // Removes member; false when absent. A sparse table shrinks.
  bool Remove(std::string_view member);
  // Before adding `size_hint` members at once (SADD): converts a compact set
  // to a table when that many could not fit its encoding, as Redis does.
  void PrepareForAdds(size_t size_hint, const SetLimits& limits);

  // Every member, in storage order (ascending for an intset).
  void ForEach(Visitor fn) const;

  // One step of SSCAN from `cursor` (0 starts): visits at least `count`
  // members unless the scan ends first, and returns the next cursor (0 when
  // done). A compact set is visited whole in one step, with cursor 0.
  uint64_t Scan(uint64_t cursor, size_t count, Visitor fn) const;

  // SRANDMEMBER. With `distinct`, visits min(count, Size()) different
  // members (in no particular order); otherwise exactly `count` independent
  // uniform picks. Requires Size() > 0.
  void RandomMembers(uint64_t count, bool distinct, RandomSource rng, Visitor fn) const;

  // SPOP: removes min(count, Size()) uniformly chosen members, visiting each
  // just before it goes.
  void PopRandom(uint64_t count, RandomSource rng, Visitor fn);

  // Test hook: the table's slot count (0 when compact).
  size_t slot_count() const { return kind_ == Kind::kTable ? size_t{1} << bits_ : 0; }

 private:
  // SPOP of fewer than Size() members, per encoding family.
  void CompactPop(uint64_t count, RandomSource rng, Visitor fn);
  void TablePop(uint64_t count, RandomSource rng, Visitor fn);

  // intset
  static int64_t LoadInt(const void* base, size_t i, uint8_t width);
  int64_t IntAt(size_t i) const;
  void IntPut(size_t i, int64_t v);
  bool IntFind(int64_t v, size_t* pos) const;
  bool IntAdd(int64_t v);
  void IntRemoveAt(size_t pos);
  int IntDigitsMax() const;  // longest decimal form of a member

  // listpack
  bool PackFind(std::string_view m, size_t* off, size_t* len) const;
  void PackAppend(std::string_view m);
  void PackErase(size_t off, size_t len);
  size_t PackOffsets(uint32_t* out) const;  // start of each member; returns count
  size_t PackOffsetOf(size_t index) const;  // start of the index-th member

  // table (at most 2^32 slots: SSCAN cursors are 32-bit hash prefixes)
  static uint64_t HashOf(std::string_view m);
  size_t HomeOf(uint64_t h) const { return static_cast<size_t>(h >> (64 - bits_)); }
  size_t mask() const { return (size_t{1} << bits_) - 1; }
  uint64_t* slots() const { return static_cast<uint64_t*>(data_); }
  bool TableFind(std::string_view m, size_t* pos) const;
  void TableInsertNew(uint64_t word, uint64_t h);  // member known to be absent
  void TableEraseAt(size_t pos);                   // frees the member
  void TableUnlinkAt(size_t pos);                  // keeps the member's allocation
  void Rehash(unsigned bits);
  void MaybeShrink();
  std::vector<uint32_t> OccupiedSlots() const;
  size_t RandomSlot(RandomSource rng) const;

  // Conversions.
  void ConvertTo(Kind kind, size_t size_hint);
  static unsigned BitsFor(size_t members);

  // intset: the sorted array; listpack: the packed members; table: slots.
  void* data_ = nullptr;
  size_t count_ = 0;
  // intset/listpack: bytes used in data_; table: usable bytes of the
  // members' own allocations.
  size_t aux_ = 0;
  Kind kind_ = Kind::kIntSet;
  uint8_t width_ = 2;  // intset: bytes per integer
  uint8_t bits_ = 0;   // table: log2 of the slot count
};

}  // namespace shoal

#endif  // SHOAL_SERVER_TYPES_SET_VALUE_H_
