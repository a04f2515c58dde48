// ZSetValue: the value of a sorted-set key, in one of two encodings.
//
//   compact ("listpack" in OBJECT ENCODING): one malloc'd buffer of entries
//     [score: 8 bytes][member length: varint][member bytes], sorted by
//     (score, member). Every operation is a linear walk — cheap at the sizes
//     this encoding is kept for (zset-max-listpack-entries, default 128, and
//     members up to zset-max-listpack-value bytes, default 64) — and the
//     overhead is ~9 bytes per element plus the 32-byte object.
//   tree ("skiplist"): member -> node hash table plus a counted B+tree in
//     (score, member) order (zset_tree.h): O(1) score lookups, O(log n)
//     inserts, removals, rank and index lookups.
//
// A set starts compact and converts to the tree encoding, once and for good,
// when an insertion would break either limit (as Redis does; it never
// converts back, except when a command builds a whole new set, e.g. a STORE
// destination, which gets the encoding its final size calls for).
//
// Every query is expressed in ranks (0-based, ascending order): score and lex
// ranges map to a half-open rank interval [first, last), which the commands
// then walk in either direction, apply LIMIT to, count or erase. Scores are
// never NaN (callers reject NaN results).
//
// Not thread-safe: the key's stripe lock serializes all access.
#ifndef SHOAL_SERVER_TYPES_ZSET_VALUE_H_
#define SHOAL_SERVER_TYPES_ZSET_VALUE_H_

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "absl/functional/function_ref.h"
#include "server/store/compound_value.h"

namespace shoal {

// Encoding thresholds (zset-max-listpack-entries / -value).
struct ZSetLimits {
  int64_t max_listpack_entries = 128;
  int64_t max_listpack_value = 64;
};

// A score interval, as ZRANGEBYSCORE reads "(1" or "-inf".
struct ZScoreRange {
  double min = 0;
  double max = 0;
  bool minex = false;
  bool maxex = false;
};

// One end of a lex interval: "-", "+", "[member" or "(member".
struct ZLexBound {
  enum Kind : uint8_t { kNegInf, kPosInf, kInclusive, kExclusive };
  Kind kind = kNegInf;
  std::string_view s;  // the member, for kInclusive / kExclusive
};

struct ZLexRange {
  ZLexBound min;
  ZLexBound max;
};

// ZADD options.
enum ZAddFlag : int {
  kZAddNx = 1 << 0,
  kZAddXx = 1 << 1,
  kZAddGt = 1 << 2,
  kZAddLt = 1 << 3,
  kZAddIncr = 1 << 4,
};

enum class ZAddResult {
  kAdded,      // new member
  kUpdated,    // score changed
  kUnchanged,  // processed, same score
  kNop,        // skipped by NX / XX / GT / LT
  kNaN,        // the increment would make the score NaN; nothing changed
};

class ZSetValue final : public CompoundValue {
 public:
  using Visitor = absl::FunctionRef<void(std::string_view member, double score)>;

  // An empty set in the encoding Redis picks for `size_hint` elements whose
  // longest member has `max_len` bytes.
  static ZSetValue* Create(size_t size_hint, size_t max_len, const ZSetLimits& limits);
  ~ZSetValue() override;
  ZSetValue(const ZSetValue&) = delete;
  ZSetValue& operator=(const ZSetValue&) = delete;

  // CompoundValue.
  size_t MemoryBytes() const override;
  CompoundValue* Clone() const override;
  size_t Size() const override;
  const char* EncodingName() const override;
  bool compact() const { return tree_ == nullptr; }

  // Score of `member`; false when absent.
  bool Score(std::string_view member, double* score) const;
  // ZADD / ZINCRBY on one element. *newscore gets the resulting score when
  // the element was added, updated or unchanged.
  ZAddResult Add(std::string_view member, double score, int flags, const ZSetLimits& limits,
                 double* newscore);
  // Removes `member`; false when absent.
  bool Remove(std::string_view member);
  // Converts to the tree encoding ahead of `size_hint` insertions when they
  // would exceed the compact limit (Redis's zsetTypeMaybeConvert).
  void ReserveFor(size_t size_hint, const ZSetLimits& limits);
  // Appends an element that sorts after every present one and whose member is
  // not present (building a set from sorted input). Does not convert: create
  // the set with the right size hint.
  void AppendLargest(std::string_view member, double score);

  // Ascending 0-based rank of `member` (and its score); -1 when absent.
  int64_t Rank(std::string_view member, double* score) const;
  // Rank intervals [first, last) holding the elements in a range; empty
  // (first == last) when none.
  std::pair<size_t, size_t> ScoreRanks(const ZScoreRange& range) const;
  std::pair<size_t, size_t> LexRanks(const ZLexRange& range) const;

  // Calls fn for ranks [first, last), ascending, or descending when reverse.
  // fn must not change the set.
  void Visit(size_t first, size_t last, bool reverse, Visitor fn) const;
  // Removes ranks [first, last).
  void EraseRanks(size_t first, size_t last);

  // ZSCAN: a compact set is returned whole with cursor 0; a tree set is
  // walked with a reverse-binary cursor over its member table.
  uint64_t Scan(uint64_t cursor, size_t count, Visitor fn) const;

 private:
  struct Tree;
  ZSetValue() = default;

  // Compact encoding helpers.
  size_t CompactFind(std::string_view member, double* score) const;  // offset or npos
  void CompactInsert(std::string_view member, double score);
  void CompactEraseAt(size_t offset);
  size_t CompactOffsetOfRank(size_t rank) const;
  size_t CompactLowerBound(absl::FunctionRef<bool(double, std::string_view)> pred) const;
  void Reserve(size_t bytes);
  void ConvertToTree(size_t size_hint);

  size_t LowerBound(absl::FunctionRef<bool(double, std::string_view)> pred) const;

  // Compact encoding (when tree_ == nullptr).
  char* packed_ = nullptr;
  uint32_t used_ = 0;
  uint32_t cap_ = 0;
  uint32_t count_ = 0;
  // Tree encoding.
  Tree* tree_ = nullptr;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_TYPES_ZSET_VALUE_H_
