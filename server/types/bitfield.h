// Bit-level operations on string values, for the bitmap commands (SETBIT,
// GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD): pure functions over byte spans.
//
// Bit numbering is Redis's: bit n of a string is bit (7 - n % 8) of byte
// n / 8, so bit 0 is the most significant bit of the first byte, and a
// bitfield of `bits` bits at offset n reads bits n .. n+bits-1 as one
// big-endian integer. A string is an infinite run of zero bits past its end:
// every reader here takes the span's length and reads zeros beyond it;
// writers require the caller to have grown the buffer to cover the field.
//
// BITFIELD's arithmetic (FieldOverflow) follows Redis's semantics: a field
// of type iN holds [-2^(N-1), 2^(N-1)-1], uN holds [0, 2^N-1] (N <= 63); a
// SET of a value outside the range or an INCRBY that leaves it overflows,
// and the OVERFLOW mode decides: WRAP keeps the low N bits (two's
// complement), SAT clamps to the nearest bound, FAIL refuses the write.
// A negative SET value on an unsigned field is its 64-bit two's complement,
// i.e. an overflow upwards (SAT gives the maximum), as in Redis.
//
// No allocation, no state; safe from any thread. Tests: bitfield_test.cc.
#ifndef SHOAL_SERVER_TYPES_BITFIELD_H_
#define SHOAL_SERVER_TYPES_BITFIELD_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace shoal {

// ---- Single bits and counts ----

// Bit `offset` of the span (0 past its end).
inline int GetBit(const uint8_t* p, size_t len, uint64_t offset) {
  const uint64_t byte = offset >> 3;
  if (byte >= len) return 0;
  return (p[byte] >> (7 - (offset & 7))) & 1;
}

// Sets bit `offset` (which must lie inside the buffer) to `on`; returns the
// bit's previous value.
int SetBit(uint8_t* p, uint64_t offset, int on);

// Number of set bits in p[0..len).
uint64_t PopCount(const uint8_t* p, size_t len);

// Number of set bits among bits [first_bit, last_bit] (inclusive; both must
// lie inside the span, first_bit <= last_bit).
uint64_t PopCountBits(const uint8_t* p, uint64_t first_bit, uint64_t last_bit);

// Position of the first bit equal to `bit` among bits [first_bit, last_bit]
// of the span (inclusive, inside the span), or -1 when there is none.
int64_t FindBit(const uint8_t* p, uint64_t first_bit, uint64_t last_bit, int bit);

// ---- BITOP ----

enum class BitOpKind { kAnd, kOr, kXor, kNot };

// out[0..out_len) = op over the sources, each read as zero-padded to out_len
// (so AND with a shorter or missing source gives zero bytes past its end).
// NOT takes exactly one source. `out` may not alias a source.
void ApplyBitOp(BitOpKind op, const std::string_view* sources, size_t count, uint8_t* out,
                size_t out_len);

// ---- BITFIELD ----

struct FieldType {
  bool is_signed = false;
  int bits = 0;  // 1..64 signed, 1..63 unsigned
};

// Parses "i8", "u16", ... as Redis does ('i'/'u' lower case only; the width
// a canonical integer). False for anything else.
bool ParseFieldType(std::string_view s, FieldType* out);

// The field's bits at `offset`, as an unsigned number (zeros past the end).
uint64_t GetUnsignedField(const uint8_t* p, size_t len, uint64_t offset, int bits);
// The same bits sign-extended from their top bit.
int64_t GetSignedField(const uint8_t* p, size_t len, uint64_t offset, int bits);
// Writes the low `bits` bits of `value` at `offset` (inside the buffer).
void SetField(uint8_t* p, uint64_t offset, int bits, uint64_t value);

enum class OverflowMode { kWrap, kSat, kFail };

struct FieldResult {
  bool overflow = false;  // the true result lies outside the field's range
  uint64_t value = 0;     // what to store (two's complement for signed), unless FAIL
};

// The value a field of `type` gets from `base + incr` (INCRBY: base is the
// current value; SET: base is the new value and incr is 0), under `mode`.
// For unsigned types `base` is taken as an unsigned 64-bit number.
FieldResult FieldArith(FieldType type, int64_t base, int64_t incr, OverflowMode mode);

}  // namespace shoal

#endif  // SHOAL_SERVER_TYPES_BITFIELD_H_
