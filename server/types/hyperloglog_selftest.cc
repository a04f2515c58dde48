// PFSELFTEST: an internal check of the HyperLogLog code that a running
// server can be asked to perform (Redis has the same command; its texts
// start with TESTFAILED). Three parts, each deterministic (fixed seeds):
//   1. dense register packing: random values written to every register read
//      back unchanged, and neighbours are untouched;
//   2. sparse and dense agree: the same stream added to a sparse value (with
//      no size limit) and to a dense one gives the same registers, and the
//      sparse value converts to exactly that dense value;
//   3. the estimate stays within 5 standard errors (1.04/sqrt(16384) ~ 0.8%
//      each) of the true count at checkpoints up to 100000 elements.
// Takes a few tens of milliseconds.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "server/types/hyperloglog.h"

namespace shoal::hll {

std::string SelfTest() {
  char msg[128];
  // 1. Register packing.
  {
    std::vector<uint8_t> regs(kDenseSize - kHeaderSize, 0);
    std::vector<uint8_t> expect(kRegisters);
    std::mt19937 rng(12345);
    for (int round = 0; round < 4; ++round) {
      for (uint32_t i = 0; i < kRegisters; ++i) {
        expect[i] = static_cast<uint8_t>(rng() & kRegisterMax);
        DenseSet(regs.data(), i, expect[i]);
      }
      for (uint32_t i = 0; i < kRegisters; ++i) {
        if (DenseGet(regs.data(), i) != expect[i]) {
          std::snprintf(msg, sizeof(msg), "TESTFAILED Register error at index %u", i);
          return msg;
        }
      }
    }
  }
  // 2 and 3. Sparse against dense, and the estimator's error.
  std::string sparse = NewEmpty();
  std::string dense = NewEmpty();
  if (!SparseToDense(&dense)) return "TESTFAILED Could not convert an empty HLL";
  const double rel_err = 1.04 / std::sqrt(static_cast<double>(kRegisters));
  uint64_t next_check = 10;
  constexpr uint64_t kElements = 100000;
  char ele[32];
  for (uint64_t n = 1; n <= kElements; ++n) {
    const int len =
        std::snprintf(ele, sizeof(ele), "selftest:%llu", static_cast<unsigned long long>(n));
    const std::string_view e(ele, static_cast<size_t>(len));
    if (n <= 3000) Add(&sparse, e, /*sparse_max_bytes=*/SIZE_MAX);
    Add(&dense, e, SIZE_MAX);
    if (n == 3000) {
      std::string converted = sparse;
      if (!SparseToDense(&converted)) return "TESTFAILED Sparse value became invalid";
      if (converted.compare(kHeaderSize, std::string::npos, dense, kHeaderSize) != 0) {
        return "TESTFAILED Sparse and dense registers differ";
      }
      uint64_t a = 0, b = 0;
      if (!Count(sparse, &a) || !Count(dense, &b) || a != b) {
        return "TESTFAILED Sparse and dense estimates differ";
      }
    }
    if (n == next_check) {
      uint64_t card = 0;
      if (!Count(dense, &card)) return "TESTFAILED Dense value became invalid";
      const double err = std::fabs(static_cast<double>(card) - static_cast<double>(n));
      if (err > 5 * rel_err * static_cast<double>(n) + 1) {
        std::snprintf(msg, sizeof(msg), "TESTFAILED Too big error. card:%llu abserr:%f",
                      static_cast<unsigned long long>(card), err);
        return msg;
      }
      next_check *= 10;
    }
  }
  return "";
}

}  // namespace shoal::hll
