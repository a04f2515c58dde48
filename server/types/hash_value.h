// HashValue: the value of a Redis hash — a map from field to value, both
// binary strings — in one of two encodings, as Redis keeps it:
//
//  - compact ("listpack"): every pair packed back to back in one malloc'd
//    buffer as [varint field-len][field][varint value-len][value]. Lookups
//    walk the buffer (a few cache lines for a small hash), and a small hash
//    costs one allocation besides this object. Used while the hash has at
//    most hash-max-listpack-entries fields and no field or value longer than
//    hash-max-listpack-value bytes.
//  - table ("hashtable"): a chained hash table with a power-of-two bucket
//    array. Each pair is one node — [next pointer][pair, encoded as above] —
//    so a field costs one allocation plus one bucket pointer, about half what
//    a separate-entry design (entry + field string + value string) costs.
//    Chaining rather than open addressing keeps a pair in its home bucket, so
//    HSCAN can use the reverse-binary cursor (bucket index, high bits
//    incremented first), which visits every pair present for the whole scan
//    even when the table grows or shrinks between calls.
//
// A compact hash converts to a table when a Set breaks a limit (passed in by
// the caller, read from the config at the time), and never converts back, as
// in Redis. Field hashing is XXH3 with a per-process random seed, so that
// clients cannot aim collisions at one bucket.
//
// MemoryBytes is O(1): the allocator's usable sizes of the buffer, the bucket
// array and (kept as a running sum) the nodes, plus this object.
//
// Not thread-safe: the caller holds the stripe lock of the key that owns it.
// Views returned by reads stay valid until the next change to the value.
#ifndef SHOAL_SERVER_TYPES_HASH_VALUE_H_
#define SHOAL_SERVER_TYPES_HASH_VALUE_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "server/store/compound_value.h"

namespace shoal {

// hash-max-listpack-entries / hash-max-listpack-value.
struct HashLimits {
  size_t max_entries = 128;
  size_t max_value = 64;
};

class HashValue final : public CompoundValue {
 public:
  using Visitor = absl::FunctionRef<void(std::string_view field, std::string_view value)>;
  using RandomSource = absl::FunctionRef<uint64_t()>;

  HashValue() = default;
  ~HashValue() override;
  HashValue(const HashValue&) = delete;
  HashValue& operator=(const HashValue&) = delete;

  // CompoundValue.
  size_t MemoryBytes() const override;
  CompoundValue* Clone() const override;
  size_t Size() const override { return count_; }
  const char* EncodingName() const override;

  bool is_compact() const { return !table_; }

  // The value of `field` into *value (may be null); false when absent.
  bool Get(std::string_view field, std::string_view* value) const;
  bool Contains(std::string_view field) const { return Get(field, nullptr); }

  // Sets field to value; true when the field is new. Converts a compact hash
  // to a table first when field or value is longer than limits.max_value, and
  // afterwards when it holds more than limits.max_entries fields.
  bool Set(std::string_view field, std::string_view value, const HashLimits& limits);
  // Removes field; false when absent. A sparse table shrinks.
  bool Delete(std::string_view field);

  // Every pair, in storage order.
  void ForEach(Visitor fn) const;

  // One step of HSCAN from `cursor` (0 starts): visits at least `count`
  // pairs unless the scan ends first, and returns the next cursor (0 when
  // done). A compact hash is visited whole in one step, with cursor 0.
  uint64_t Scan(uint64_t cursor, size_t count, Visitor fn) const;

  // HRANDFIELD. With `distinct`, visits min(count, Size()) different pairs
  // (in no particular order); otherwise exactly `count` independent picks.
  // Requires Size() > 0.
  void RandomPairs(uint64_t count, bool distinct, RandomSource rng, Visitor fn) const;

  // Test hooks: the table's bucket count (0 when compact).
  size_t bucket_count() const { return table_ ? size_t{1} << bits_ : 0; }

 private:
  struct Node;

  // Compact encoding.
  bool CompactFind(std::string_view field, size_t* offset, size_t* pair_len,
                   std::string_view* value) const;
  bool CompactSet(std::string_view field, std::string_view value);
  bool CompactDelete(std::string_view field);
  void Splice(size_t offset, size_t old_len, size_t new_len);  // resizes a hole
  void ConvertToTable();

  // Table encoding.
  static uint64_t HashOf(std::string_view field);
  Node** FindLink(std::string_view field, uint64_t h) const;
  bool TableSet(std::string_view field, std::string_view value);
  bool TableDelete(std::string_view field);
  void Rehash(unsigned bits);
  void RecomputeMaxChain();
  void LinkNew(Node* n, uint64_t h);  // pushes n on its bucket's chain (h: its hash)
  size_t mask() const { return (size_t{1} << bits_) - 1; }
  void RandomTablePair(RandomSource rng, std::string_view* field, std::string_view* value) const;

  // compact: the pairs buffer; table: the bucket array (Node**).
  void* data_ = nullptr;
  size_t count_ = 0;
  // compact: bytes used in data_; table: sum of the nodes' usable sizes.
  size_t aux_ = 0;
  uint8_t bits_ = 0;  // table: log2 of the bucket count
  // table: an upper bound of the longest chain (for fair random picks);
  // exact after a rehash, raised by inserts, saturating at 255.
  uint8_t max_chain_ = 0;
  bool table_ = false;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_TYPES_HASH_VALUE_H_
