// HyperLogLog in Redis's representation: hashing, registers, sparse updates,
// conversion and the estimator. The format and the reasons for matching
// Redis byte for byte are in hyperloglog.h; PFSELFTEST is in
// hyperloglog_selftest.cc.
#include "server/types/hyperloglog.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace shoal::hll {
namespace {

// Sparse opcode tests and fields (see the table in hyperloglog.h).
bool IsZero(uint8_t b) { return (b & 0xC0) == 0x00; }
bool IsXZero(uint8_t b) { return (b & 0xC0) == 0x40; }
bool IsVal(uint8_t b) { return (b & 0x80) != 0; }
int ZeroLen(uint8_t b) { return (b & 0x3F) + 1; }
int XZeroLen(uint8_t b0, uint8_t b1) { return (((b0 & 0x3F) << 8) | b1) + 1; }
int ValValue(uint8_t b) { return ((b >> 2) & 0x1F) + 1; }
int ValLen(uint8_t b) { return (b & 0x3) + 1; }
uint8_t MakeVal(int value, int len) {
  return static_cast<uint8_t>(0x80 | ((value - 1) << 2) | (len - 1));
}
uint8_t MakeZero(int len) { return static_cast<uint8_t>(len - 1); }
void MakeXZero(int len, uint8_t* out) {
  out[0] = static_cast<uint8_t>(0x40 | ((len - 1) >> 8));
  out[1] = static_cast<uint8_t>((len - 1) & 0xFF);
}
constexpr int kZeroMaxLen = 64;
constexpr int kValMaxLen = 4;
constexpr int kXZeroMaxLen = 16384;

const uint8_t* Bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }
uint8_t* Bytes(std::string* s) { return reinterpret_cast<uint8_t*>(s->data()); }

// Byte i of a value, or 0 past its end (Redis's strings end in a NUL byte,
// which a truncated XZERO opcode reads as its second byte).
uint8_t At(std::string_view s, size_t i) { return i < s.size() ? static_cast<uint8_t>(s[i]) : 0; }

// Walks the sparse opcodes of `v`, calling zero(run) and val(value, run).
// Returns the number of registers covered; stops early (returning a count
// past kRegisters) when a VAL run would cross the end, as Redis's readers do.
template <typename Zero, typename Val>
int64_t WalkSparse(std::string_view v, Zero zero, Val val) {
  int64_t idx = 0;
  size_t p = kHeaderSize;
  while (p < v.size()) {
    const uint8_t b = At(v, p);
    if (IsZero(b)) {
      const int run = ZeroLen(b);
      zero(idx, run);
      idx += run;
      p += 1;
    } else if (IsXZero(b)) {
      const int run = XZeroLen(b, At(v, p + 1));
      zero(idx, run);
      idx += run;
      p += 2;
    } else {
      const int run = ValLen(b);
      if (idx + run > kRegisters) return kRegisters + 1;
      val(idx, ValValue(b), run);
      idx += run;
      p += 1;
    }
  }
  return idx;
}

}  // namespace

uint64_t MurmurHash64A(const void* data, size_t len, uint64_t seed) {
  constexpr uint64_t m = 0xc6a4a7935bd1e995ULL;
  constexpr int r = 47;
  const uint8_t* p = static_cast<const uint8_t*>(data);
  // Redis passes the length as a C int.
  uint64_t h = seed ^ (static_cast<uint64_t>(static_cast<int>(len)) * m);
  const size_t blocks = len / 8;
  for (size_t i = 0; i < blocks; ++i) {
    uint64_t k;
    std::memcpy(&k, p + 8 * i,
                8);  // little-endian hosts only (entry.cc asserts it)
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  const uint8_t* tail = p + 8 * blocks;
  const size_t rest = len & 7;
  if (rest > 0) {
    for (size_t i = rest; i-- > 0;) h ^= static_cast<uint64_t>(tail[i]) << (8 * i);
    h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

Pattern PatternOf(std::string_view element) {
  uint64_t hash = MurmurHash64A(element.data(), element.size(), kHashSeed);
  const uint32_t index = static_cast<uint32_t>(hash & (kRegisters - 1));
  hash >>= kPrecision;
  hash |= uint64_t{1} << (64 - kPrecision);  // bounds the count at 51
  int count = 1;
  while ((hash & 1) == 0) {
    ++count;
    hash >>= 1;
  }
  return {index, static_cast<uint8_t>(count)};
}

bool LooksValid(std::string_view v) {
  if (v.size() < kHeaderSize || v.substr(0, 4) != "HYLL") return false;
  const uint8_t enc = EncodingOf(v);
  if (enc > kSparse) return false;
  return enc != kDense || v.size() == kDenseSize;
}

std::string NewEmpty() {
  std::string v(kHeaderSize + 2, '\0');
  std::memcpy(v.data(), "HYLL", 4);
  v[4] = static_cast<char>(kSparse);
  MakeXZero(kRegisters, Bytes(&v) + kHeaderSize);
  return v;
}

bool CacheValid(const uint8_t* header) { return (header[15] & 0x80) == 0; }

uint64_t CachedCardinality(const uint8_t* header) {
  uint64_t card = 0;
  for (int i = 7; i >= 0; --i) card = (card << 8) | header[8 + i];
  return card;
}

void SetCachedCardinality(uint8_t* header, uint64_t card) {
  for (int i = 0; i < 8; ++i) header[8 + i] = static_cast<uint8_t>(card >> (8 * i));
}

void InvalidateCache(uint8_t* header) { header[15] |= 0x80; }

uint8_t DenseGet(const uint8_t* regs, uint32_t index) {
  const uint32_t bit = index * kRegisterBits;
  const uint32_t byte = bit / 8, shift = bit % 8;
  constexpr uint32_t kDataBytes = kDenseSize - kHeaderSize;
  uint32_t window = regs[byte];
  if (byte + 1 < kDataBytes) window |= static_cast<uint32_t>(regs[byte + 1]) << 8;
  return static_cast<uint8_t>((window >> shift) & kRegisterMax);
}

void DenseSet(uint8_t* regs, uint32_t index, uint8_t value) {
  const uint32_t bit = index * kRegisterBits;
  const uint32_t byte = bit / 8, shift = bit % 8;
  constexpr uint32_t kDataBytes = kDenseSize - kHeaderSize;
  const uint32_t mask = static_cast<uint32_t>(kRegisterMax) << shift;
  const uint32_t v = static_cast<uint32_t>(value & kRegisterMax) << shift;
  regs[byte] = static_cast<uint8_t>((regs[byte] & ~mask) | v);
  if (byte + 1 < kDataBytes) {
    regs[byte + 1] = static_cast<uint8_t>((regs[byte + 1] & ~(mask >> 8)) | (v >> 8));
  }
}

bool DenseRaise(uint8_t* regs, uint32_t index, uint8_t count) {
  if (DenseGet(regs, index) >= count) return false;
  DenseSet(regs, index, count);
  return true;
}

bool SparseToDense(std::string* hll) {
  if (EncodingOf(*hll) == kDense) return true;
  std::string dense(kDenseSize, '\0');
  std::memcpy(dense.data(), hll->data(),
              kHeaderSize);  // magic, unused bytes and cache
  dense[4] = static_cast<char>(kDense);
  uint8_t* regs = Bytes(&dense) + kHeaderSize;
  const int64_t covered = WalkSparse(
      *hll, [](int64_t, int) {},
      [&](int64_t idx, int value, int run) {
        for (int i = 0; i < run; ++i) DenseSet(regs, static_cast<uint32_t>(idx + i), value);
      });
  if (covered != kRegisters) return false;
  hll->swap(dense);
  return true;
}

namespace {

// Redis's sparse update (see RaiseRegister): finds the opcode covering
// `index`, splits it around the register, and then merges adjacent VAL
// opcodes of equal value in a bounded pass. Returns kInvalid for a value
// whose opcodes do not reach `index`, and sets *promote when the update
// needs the dense encoding instead.
Update SparseRaise(std::string* s, uint32_t index, uint8_t count, size_t sparse_max_bytes,
                   bool* promote) {
  *promote = false;
  if (count > kSparseValMax) {
    *promote = true;
    return Update::kChanged;
  }
  // Step 1: the opcode at `p` covers registers first .. first+span-1.
  size_t end = s->size();
  size_t p = kHeaderSize;
  int64_t first = 0, span = 0;
  size_t prev = 0;
  bool has_prev = false;
  while (p < end) {
    const uint8_t b = At(*s, p);
    size_t oplen = 1;
    if (IsZero(b)) {
      span = ZeroLen(b);
    } else if (IsVal(b)) {
      span = ValLen(b);
    } else {
      span = XZeroLen(b, At(*s, p + 1));
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    has_prev = true;
    p += oplen;
    first += span;
  }
  if (span == 0 || p >= end) return Update::kInvalid;

  const uint8_t op = At(*s, p);
  const bool is_val = IsVal(op), is_zero = IsZero(op), is_xzero = IsXZero(op);
  const int runlen = is_val ? ValLen(op) : is_zero ? ZeroLen(op) : XZeroLen(op, At(*s, p + 1));
  bool spliced = false;

  // Step 2: the trivial cases change one byte in place.
  if (is_val && ValValue(op) >= count) return Update::kUnchanged;
  if ((is_val || is_zero) && runlen == 1) {
    (*s)[p] = static_cast<char>(MakeVal(count, 1));
  } else {
    // The general case: replace the opcode by up to three (at most 5 bytes).
    uint8_t seq[5];
    int n = 0;
    const int64_t last = first + span - 1;
    auto zeros = [&](int64_t len) {
      if (len > kZeroMaxLen) {
        MakeXZero(static_cast<int>(len), seq + n);
        n += 2;
      } else {
        seq[n++] = MakeZero(static_cast<int>(len));
      }
    };
    const int curval = is_val ? ValValue(op) : 0;
    if (index != first) {
      if (is_val) {
        seq[n++] = MakeVal(curval, static_cast<int>(index - first));
      } else {
        zeros(index - first);
      }
    }
    seq[n++] = MakeVal(count, 1);
    if (index != last) {
      if (is_val) {
        seq[n++] = MakeVal(curval, static_cast<int>(last - index));
      } else {
        zeros(last - index);
      }
    }
    // Step 3: splice it in, unless the value would outgrow the sparse limit.
    const size_t oldlen = is_xzero ? 2 : 1;
    const int64_t delta = static_cast<int64_t>(n) - static_cast<int64_t>(oldlen);
    if (delta > 0 && s->size() + static_cast<size_t>(delta) > sparse_max_bytes) {
      *promote = true;
      return Update::kChanged;
    }
    const size_t old_size = s->size();
    const size_t tail_from = std::min(p + oldlen, old_size);
    std::string rebuilt;
    rebuilt.reserve(old_size + 3);
    rebuilt.append(*s, 0, p);
    rebuilt.append(reinterpret_cast<const char*>(seq), static_cast<size_t>(n));
    rebuilt.append(*s, tail_from, std::string::npos);
    // A truncated final XZERO counted two bytes of which only one existed:
    // Redis's length arithmetic then drops the last byte written.
    rebuilt.resize(static_cast<size_t>(static_cast<int64_t>(old_size) + delta));
    s->swap(rebuilt);
    end = s->size();
    spliced = true;
  }
  (void)spliced;

  // Step 4: merge adjacent VAL opcodes of the same value, looking at no more
  // than five opcodes from the one before the change.
  size_t q = has_prev ? prev : kHeaderSize;
  int scans = 5;
  while (q < end && scans-- > 0) {
    const uint8_t b = At(*s, q);
    if (IsXZero(b)) {
      q += 2;
      continue;
    }
    if (IsZero(b)) {
      q += 1;
      continue;
    }
    if (q + 1 < end && IsVal(At(*s, q + 1))) {
      const uint8_t b2 = At(*s, q + 1);
      const int v1 = ValValue(b), v2 = ValValue(b2);
      const int len = ValLen(b) + ValLen(b2);
      if (v1 == v2 && len <= kValMaxLen) {
        (*s)[q + 1] = static_cast<char>(MakeVal(v1, len));
        s->erase(q, 1);
        --end;
        continue;  // try to merge the merged opcode with the next one
      }
    }
    q += 1;
  }
  return Update::kChanged;
}

}  // namespace

Update RaiseRegister(std::string* hll, uint32_t index, uint8_t count, size_t sparse_max_bytes) {
  if (EncodingOf(*hll) == kDense) {
    return DenseRaise(Bytes(hll) + kHeaderSize, index, count) ? Update::kChanged
                                                              : Update::kUnchanged;
  }
  bool promote = false;
  const Update u = SparseRaise(hll, index, count, sparse_max_bytes, &promote);
  if (!promote) return u;
  if (!SparseToDense(hll)) return Update::kInvalid;
  DenseRaise(Bytes(hll) + kHeaderSize, index, count);
  return Update::kChanged;
}

Update Add(std::string* hll, std::string_view element, size_t sparse_max_bytes) {
  const Pattern pat = PatternOf(element);
  return RaiseRegister(hll, pat.index, pat.count, sparse_max_bytes);
}

bool MergeInto(std::string_view hll, uint8_t* max) {
  if (EncodingOf(hll) == kDense) {
    const uint8_t* regs = Bytes(hll) + kHeaderSize;
    for (uint32_t i = 0; i < kRegisters; ++i) {
      const uint8_t v = DenseGet(regs, i);
      if (v > max[i]) max[i] = v;
    }
    return true;
  }
  const int64_t covered = WalkSparse(
      hll, [](int64_t, int) {},
      [&](int64_t idx, int value, int run) {
        for (int i = 0; i < run; ++i) {
          if (value > max[idx + i]) max[idx + i] = static_cast<uint8_t>(value);
        }
      });
  return covered == kRegisters;
}

namespace {

// Ertl's sigma(x) = x + sum_{k>=1} x^(2^k) 2^(k-1), summed until the sum
// stops changing.
double Sigma(double x) {
  if (x == 1.0) return std::numeric_limits<double>::infinity();
  double y = 1.0, z = x, before;
  do {
    x *= x;
    before = z;
    z += x * y;
    y += y;
  } while (before != z);
  return z;
}

// Ertl's tau(x) = (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3.
double Tau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double y = 1.0, z = 1.0 - x, before;
  do {
    x = std::sqrt(x);
    before = z;
    y *= 0.5;
    z -= (1.0 - x) * (1.0 - x) * y;
  } while (before != z);
  return z / 3.0;
}

}  // namespace

uint64_t Estimate(const int64_t histo[64]) {
  constexpr double m = kRegisters;
  constexpr int q = 64 - kPrecision;                     // 50
  constexpr double kAlphaInf = 0.721347520444481703680;  // 1 / (2 ln 2)
  double z = m * Tau((m - static_cast<double>(histo[q + 1])) / m);
  for (int j = q; j >= 1; --j) {
    z += static_cast<double>(histo[j]);
    z *= 0.5;
  }
  z += m * Sigma(static_cast<double>(histo[0]) / m);
  return static_cast<uint64_t>(std::llround(kAlphaInf * m * m / z));
}

bool Count(std::string_view hll, uint64_t* card) {
  int64_t histo[64] = {0};
  if (EncodingOf(hll) == kDense) {
    const uint8_t* regs = Bytes(hll) + kHeaderSize;
    for (uint32_t i = 0; i < kRegisters; ++i) ++histo[DenseGet(regs, i)];
  } else {
    // Unlike MergeInto, Redis's histogram of a sparse value does not stop
    // at a VAL run crossing the end: it counts everything, then checks.
    int64_t idx = 0;
    size_t p = kHeaderSize;
    while (p < hll.size()) {
      const uint8_t b = At(hll, p);
      if (IsZero(b)) {
        idx += ZeroLen(b);
        histo[0] += ZeroLen(b);
        p += 1;
      } else if (IsXZero(b)) {
        const int run = XZeroLen(b, At(hll, p + 1));
        idx += run;
        histo[0] += run;
        p += 2;
      } else {
        idx += ValLen(b);
        histo[ValValue(b)] += ValLen(b);
        p += 1;
      }
    }
    if (idx != kRegisters) return false;
  }
  *card = Estimate(histo);
  return true;
}

uint64_t CountRegisters(const uint8_t* regs) {
  int64_t histo[64] = {0};
  for (uint32_t i = 0; i < kRegisters; ++i) ++histo[regs[i] & 63];
  return Estimate(histo);
}

std::string DecodeSparse(std::string_view hll) {
  std::string out;
  size_t p = kHeaderSize;
  while (p < hll.size()) {
    const uint8_t b = At(hll, p);
    if (!out.empty()) out.push_back(' ');
    if (IsZero(b)) {
      out += "z:" + std::to_string(ZeroLen(b));
      p += 1;
    } else if (IsXZero(b)) {
      out += "Z:" + std::to_string(XZeroLen(b, At(hll, p + 1)));
      p += 2;
    } else {
      out += "v:" + std::to_string(ValValue(b)) + "," + std::to_string(ValLen(b));
      p += 1;
    }
  }
  return out;
}

}  // namespace shoal::hll
