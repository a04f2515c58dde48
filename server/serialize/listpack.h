// Listpack and intset: the two packed blobs Redis 7 stores small collections
// in, and writes into RDB payloads as RDB strings. Readers and writers built
// from the documented formats (Redis's listpack.md and intset.c headers).
//
// Listpack:
//   [total bytes: u32 LE][element count: u16 LE, 65535 = "count it"]
//   entries... [0xFF]
// Each entry is [encoding + data][backlen]; backlen is the size of
// encoding + data, in 1..5 bytes of 7 bits read right to left (every byte but
// the leftmost has its top bit set). Encodings by the first byte:
//   0xxxxxxx            7-bit unsigned int
//   10xxxxxx + data     string of up to 63 bytes
//   110xxxxx yyyyyyyy   13-bit signed int
//   1110xxxx yyyyyyyy   string of up to 4095 bytes (12-bit length)
//   11110000 + u32 len  longer string
//   0xF1/0xF2/0xF3/0xF4 16/24/32/64-bit signed int, little-endian
// A string that is the canonical decimal text of an int64 is always stored
// as the smallest int encoding (Redis does so on insertion), so the writer
// produces exactly Redis's bytes for the same elements in the same order.
//
// Intset: [encoding: u32 LE = 2|4|8][count: u32 LE][count sorted, distinct
// little-endian signed ints of that width].
//
// Readers validate everything before handing out an element — sizes against
// the header, every entry's bounds and back-length, the terminator, sorted
// and distinct intset members — so a forged blob is rejected, never
// overread (Redis's deep sanitization). Pure; thread-compatible.
#ifndef SHOAL_SERVER_SERIALIZE_LISTPACK_H_
#define SHOAL_SERVER_SERIALIZE_LISTPACK_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shoal {

// One listpack / intset element: a string, or an integer (whose string form
// is its decimal text).
struct PackedElement {
  bool is_int = false;
  int64_t value = 0;
  std::string_view str;
  // The element as a string; integers are formatted into `buf` (>= 21 bytes).
  std::string_view View(char* buf) const;
};

class ListpackWriter {
 public:
  ListpackWriter();
  // Appends an element, as an int when it is an int64's canonical text.
  void Add(std::string_view s);
  void AddInt(int64_t v);
  // Bytes the listpack would have with one more element `s`.
  size_t BytesWith(std::string_view s) const;
  size_t bytes() const { return buf_.size() + 1; }
  size_t count() const { return count_; }
  // Completes the header and terminator and returns the blob; the writer is
  // empty again afterwards.
  std::string Finish();

 private:
  std::string buf_;  // header placeholder + entries, no terminator yet
  size_t count_ = 0;
};

// Size of an entry's encoding + data for `s` / `v` (without backlen).
size_t ListpackEntrySize(std::string_view s);

// Validates `blob` as a listpack and appends its elements, in order, to
// *out. Returns false (leaving *out unspecified) when the blob is malformed.
// String elements are views into `blob`.
bool ReadListpack(std::string_view blob, std::vector<PackedElement>* out);

// Writes a sorted, distinct set of integers as an intset of the smallest
// width that holds them all.
std::string WriteIntset(const std::vector<int64_t>& sorted);
// Validates `blob` as an intset and appends its members in order.
bool ReadIntset(std::string_view blob, std::vector<int64_t>* out);

}  // namespace shoal

#endif  // SHOAL_SERVER_SERIALIZE_LISTPACK_H_
