// LzfCompress: see lzf_compress.h. The control flow mirrors liblzf 3.6's
// lzf_compress() (the version Redis ships) step by step (the give-up tests, the unrolled match
// extension that may run past the nominal maximum, the two re-hashed
// positions after a match), because each of those decides the exact bytes.
// Offsets replace pointers; the output goes to a scratch buffer a few bytes
// larger than out_len, as Redis's is one byte larger, since a run's control
// byte may be reserved one past the budget before the next test fails.
#include "server/serialize/lzf_compress.h"

#include <cstdint>
#include <memory>

namespace shoal {
namespace {

constexpr unsigned kHashLog = 16;
constexpr size_t kHashSize = size_t{1} << kHashLog;
constexpr size_t kMaxLiteral = 1 << 5;
constexpr size_t kMaxOffset = 1 << 13;
constexpr size_t kMaxRef = (1 << 8) + (1 << 3);

// Per-thread table of (generation << 32 | position); an entry of an older
// generation reads as position 0, which is never a usable reference.
struct HashTable {
  std::unique_ptr<uint64_t[]> slots{new uint64_t[kHashSize]()};
  uint32_t generation = 0;

  void NextCall() {
    if (++generation == 0) {  // wrapped: old stamps could alias
      for (size_t i = 0; i < kHashSize; ++i) slots[i] = 0;
      generation = 1;
    }
  }
  size_t Get(size_t slot) const {
    const uint64_t v = slots[slot];
    return (v >> 32) == generation ? static_cast<uint32_t>(v) : 0;
  }
  void Set(size_t slot, size_t pos) {
    slots[slot] = (uint64_t{generation} << 32) | static_cast<uint32_t>(pos);
  }
};

inline size_t Index(uint32_t h) { return ((h >> (3 * 8 - kHashLog)) - h * 5) & (kHashSize - 1); }

}  // namespace

size_t LzfCompress(std::string_view input, size_t out_len, std::string* out) {
  const size_t in_len = input.size();
  if (in_len == 0 || out_len == 0 || in_len > UINT32_MAX) return 0;
  thread_local HashTable table;
  table.NextCall();
  const auto* in = reinterpret_cast<const uint8_t*>(input.data());
  out->assign(out_len + 8, '\0');
  auto* o = reinterpret_cast<uint8_t*>(out->data());

  size_t ip = 0;
  size_t op = 1;  // o[0] is the first run's control byte
  size_t lit = 0;
  uint32_t hval = in_len >= 2 ? (uint32_t{in[0]} << 8) | in[1] : 0;
  while (in_len >= 3 && ip < in_len - 2) {
    hval = (hval << 8) | in[ip + 2];
    const size_t slot = Index(hval);
    const size_t ref = table.Get(slot);
    table.Set(slot, ip);
    const size_t off = ip - ref - 1;  // wraps when ref == 0 is "none" at ip 0
    if (ref > 0 && off < kMaxOffset && in[ref] == in[ip] &&
        in[ref + 1] == in[ip + 1] && in[ref + 2] == in[ip + 2]) {
      size_t len = 2;
      size_t maxlen = in_len - ip - len;
      if (maxlen > kMaxRef) maxlen = kMaxRef;
      o[op - lit - 1] = static_cast<uint8_t>(lit - 1);  // close the literal run
      op -= lit == 0 ? 1 : 0;                           // or take back its control byte
      if (op + 3 + 1 >= out_len) return 0;
      bool done = false;
      if (maxlen > 16) {
        for (int k = 0; k < 16 && !done; ++k) {
          ++len;
          done = in[ref + len] != in[ip + len];
        }
      }
      if (!done) {
        do {
          ++len;
        } while (len < maxlen && in[ref + len] == in[ip + len]);
      }
      len -= 2;
      ++ip;
      if (len < 7) {
        o[op++] = static_cast<uint8_t>((off >> 8) + (len << 5));
      } else {
        o[op++] = static_cast<uint8_t>((off >> 8) + (7 << 5));
        o[op++] = static_cast<uint8_t>(len - 7);
      }
      o[op++] = static_cast<uint8_t>(off);
      lit = 0;
      ++op;  // the next run's control byte
      ip += len + 1;
      if (ip >= in_len - 2) break;
      ip -= 2;
      hval = (uint32_t{in[ip]} << 8) | in[ip + 1];
      for (int k = 0; k < 2; ++k) {
        hval = (hval << 8) | in[ip + 2];
        table.Set(Index(hval), ip);
        ++ip;
      }
    } else {
      if (op >= out_len) return 0;
      ++lit;
      o[op++] = in[ip++];
      if (lit == kMaxLiteral) {
        o[op - lit - 1] = static_cast<uint8_t>(lit - 1);
        lit = 0;
        ++op;
      }
    }
  }
  if (op + 3 > out_len) return 0;
  while (ip < in_len) {
    ++lit;
    o[op++] = in[ip++];
    if (lit == kMaxLiteral) {
      o[op - lit - 1] = static_cast<uint8_t>(lit - 1);
      lit = 0;
      ++op;
    }
  }
  o[op - lit - 1] = static_cast<uint8_t>(lit - 1);
  op -= lit == 0 ? 1 : 0;
  out->resize(op);
  return op;
}

}  // namespace shoal
