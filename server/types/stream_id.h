// StreamID: the <ms>-<seq> identifier of a stream entry, and Redis's ways of
// reading one from a command argument.
//
// IDs are two unsigned 64-bit numbers compared as a pair, so 0-0 is the
// smallest and 18446744073709551615-18446744073709551615 the largest. The
// parsers follow redis-server 7.0's streamGenericParseIDOrReply exactly:
//   - "-" and "+" mean the smallest and largest ID unless `strict`;
//   - "<ms>" alone takes `missing_seq` as its sequence;
//   - "<ms>-*" (only where the caller allows it: XADD) leaves the sequence
//     to be chosen, reported through *seq_given = false;
//   - each number is read as string2ull does: a canonical non-negative
//     int64, or else whatever strtoull accepts in full (leading spaces, '+',
//     leading zeros, values up to 2^64-1);
//   - arguments longer than 127 bytes are invalid; a NUL ends the text.
// Pure functions, no state: callable from any thread.
#ifndef SHOAL_SERVER_TYPES_STREAM_ID_H_
#define SHOAL_SERVER_TYPES_STREAM_ID_H_

#include <compare>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace shoal {

struct StreamID {
  uint64_t ms = 0;
  uint64_t seq = 0;

  friend auto operator<=>(const StreamID&, const StreamID&) = default;
  friend bool operator==(const StreamID&, const StreamID&) = default;

  bool IsZero() const { return ms == 0 && seq == 0; }
  bool IsMax() const {
    return ms == std::numeric_limits<uint64_t>::max() &&
           seq == std::numeric_limits<uint64_t>::max();
  }
  static constexpr StreamID Min() { return {0, 0}; }
  static constexpr StreamID Max() {
    return {std::numeric_limits<uint64_t>::max(), std::numeric_limits<uint64_t>::max()};
  }

  // "<ms>-<seq>".
  std::string ToString() const;
  // Writes "<ms>-<seq>" into buf (>= 42 bytes); returns the length.
  size_t Format(char* buf) const;
};

// The next / previous ID; false (and the ID unchanged) at the end of the range.
bool StreamIncrID(StreamID* id);
bool StreamDecrID(StreamID* id);

// Parses an ID argument (see the header comment). `seq_given` may be null,
// in which case "<ms>-*" is invalid.
bool ParseStreamID(std::string_view arg, StreamID* id, uint64_t missing_seq, bool strict,
                   bool* seq_given = nullptr);

// An interval bound of XRANGE / XPENDING / XAUTOCLAIM: "(" before an ID makes
// it exclusive (*exclusive = true; the ID after "(" is parsed strictly).
bool ParseStreamIntervalID(std::string_view arg, StreamID* id, bool* exclusive,
                           uint64_t missing_seq);

// Redis's string2ull (used for ID parts).
bool ParseStreamUll(std::string_view s, uint64_t* out);

}  // namespace shoal

#endif  // SHOAL_SERVER_TYPES_STREAM_ID_H_
