// HyperLogLog values in Redis's byte representation, so that a value written
// by redis-server counts the same here and PFADD produces the same bytes.
// The format (as Redis documents it; details in docs/bitmaps-hll.md):
//
//   header (16 bytes): "HYLL", encoding (0 dense, 1 sparse), 3 unused bytes,
//     the cached cardinality as 8 bytes little endian; the top bit of the
//     last byte set means "stale, recompute".
//   dense: 16384 registers of 6 bits, packed little-endian (register i at
//     bit 6*i of the data, lowest bits first): 12288 bytes, 12304 in all.
//   sparse: run-length opcodes covering exactly 16384 registers:
//     ZERO  00xxxxxx           xxxxxx+1 registers (1..64) at 0
//     XZERO 01xxxxxx yyyyyyyy  14-bit length+1 registers (1..16384) at 0
//     VAL   1vvvvvxx           xx+1 registers (1..4) at vvvvv+1 (1..32)
//
// An element hashes with MurmurHash64A (seed 0xadc83b19); the low 14 bits
// pick the register, and the register's candidate value is 1 + the number of
// trailing zeros of the remaining 50 bits (at most 51). A register keeps the
// maximum seen. The estimate is Ertl's improved estimator over the register
// histogram ("New cardinality estimation algorithms for HyperLogLog
// sketches", 2017), evaluated in the same order as Redis so results agree
// to the last unit.
//
// Sparse updates split and merge opcodes exactly as Redis does (the same
// split sequences, the same bounded merge pass afterwards), because the
// bytes are observable through GET; a sparse value that would grow beyond
// `sparse_max_bytes` (hll-sparse-max-bytes), or a register above 32, turns
// the value dense.
//
// Corrupt input never crashes: reads past the end see zero bytes (as Redis
// sees its string terminator), and inconsistent run lengths are reported as
// invalid. Pure functions over bytes; no state, safe from any thread.
// Tests: hyperloglog_test.cc.
#ifndef SHOAL_SERVER_TYPES_HYPERLOGLOG_H_
#define SHOAL_SERVER_TYPES_HYPERLOGLOG_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace shoal::hll {

inline constexpr int kPrecision = 14;
inline constexpr int kRegisters = 1 << kPrecision;  // 16384
inline constexpr int kRegisterBits = 6;
inline constexpr uint8_t kRegisterMax = (1 << kRegisterBits) - 1;
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kDenseSize = kHeaderSize + (kRegisters * kRegisterBits + 7) / 8;
inline constexpr uint8_t kDense = 0;
inline constexpr uint8_t kSparse = 1;
inline constexpr int kSparseValMax = 32;  // largest register a VAL opcode holds
inline constexpr uint64_t kHashSeed = 0xadc83b19ULL;

// MurmurHash64A (Austin Appleby's public-domain algorithm), reading 8-byte
// blocks little endian.
uint64_t MurmurHash64A(const void* data, size_t len, uint64_t seed);

// The register an element updates and the value it offers.
struct Pattern {
  uint32_t index;
  uint8_t count;
};
Pattern PatternOf(std::string_view element);

// Redis's validity test for a HyperLogLog string: long enough, magic,
// encoding 0 or 1, and a dense value of exactly kDenseSize bytes. (The
// sparse opcodes are only checked when read.)
bool LooksValid(std::string_view v);
inline uint8_t EncodingOf(std::string_view v) { return static_cast<uint8_t>(v[4]); }

// An empty HLL: sparse, one XZERO opcode, cached cardinality 0 (valid).
std::string NewEmpty();

// ---- The cached cardinality (header bytes 8..15) ----
bool CacheValid(const uint8_t* header);
uint64_t CachedCardinality(const uint8_t* header);
void SetCachedCardinality(uint8_t* header, uint64_t card);
void InvalidateCache(uint8_t* header);

// ---- Dense registers (`regs` points after the header) ----
uint8_t DenseGet(const uint8_t* regs, uint32_t index);
void DenseSet(uint8_t* regs, uint32_t index, uint8_t value);
// Raises the register to `count` if it is lower; returns whether it did.
bool DenseRaise(uint8_t* regs, uint32_t index, uint8_t count);

// ---- Updates of a whole value held in a string ----

// Outcome of an update: changed a register, changed nothing, or the value is
// corrupt (Redis's INVALIDOBJ). Changes made before a corrupt part was met
// stay, as in Redis.
enum class Update { kChanged, kUnchanged, kInvalid };

// Raises register `index` to `count` in a sparse or dense value (which must
// pass LooksValid), turning a sparse value dense when needed. Does not touch
// the cached cardinality unless it converts (the caller invalidates it once).
Update RaiseRegister(std::string* hll, uint32_t index, uint8_t count, size_t sparse_max_bytes);
// PFADD of one element.
Update Add(std::string* hll, std::string_view element, size_t sparse_max_bytes);
// Turns a sparse value dense (header copied, encoding set to dense); a dense
// value is left alone. False when the sparse opcodes do not add up to
// exactly kRegisters registers (the value is then unchanged).
bool SparseToDense(std::string* hll);

// ---- Reading ----

// Registers as one byte each, for unions (PFCOUNT of several keys, PFMERGE).
// Raises max[i] to the value's register i. False for corrupt sparse data.
bool MergeInto(std::string_view hll, uint8_t* max);

// Cardinality estimate of a register histogram (histo[v] = number of
// registers holding v; entries above 51 are ignored).
uint64_t Estimate(const int64_t histo[64]);
// Estimate of a value's registers (not its cache). False for corrupt data.
bool Count(std::string_view hll, uint64_t* card);
// Estimate of one-byte-per-register registers (as filled by MergeInto).
uint64_t CountRegisters(const uint8_t* regs);

// PFDEBUG DECODE: "Z:8436 v:1,1 z:3 ..." for a sparse value.
std::string DecodeSparse(std::string_view hll);

// PFSELFTEST: checks the register packing, sparse/dense agreement and the
// estimator's error on a seeded stream. Empty when all pass, else the
// error text (without the leading '-').
std::string SelfTest();

}  // namespace shoal::hll

#endif  // SHOAL_SERVER_TYPES_HYPERLOGLOG_H_
