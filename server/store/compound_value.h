// CompoundValue: the base of every non-string value (hash, list, set, zset).
//
// An Entry of type != kString owns one CompoundValue. The store only needs to
// free, copy and size them; the command families own the concrete classes and
// their encodings (compact arrays converting to tables past thresholds).
#ifndef SHOAL_SERVER_STORE_COMPOUND_VALUE_H_
#define SHOAL_SERVER_STORE_COMPOUND_VALUE_H_

#include <cstddef>

namespace shoal {

class CompoundValue {
 public:
  virtual ~CompoundValue() = default;
  // Heap bytes held by this value (approximate, for INFO and eviction).
  virtual size_t MemoryBytes() const = 0;
  // Deep copy (COPY command).
  virtual CompoundValue* Clone() const = 0;
  // Number of elements (0 means the key must be deleted by the command).
  virtual size_t Size() const = 0;
  // OBJECT ENCODING name ("listpack", "hashtable", "quicklist", "intset", ...).
  virtual const char* EncodingName() const = 0;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_STORE_COMPOUND_VALUE_H_
