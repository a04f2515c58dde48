// ScanPipelineKeys: see pipeline_scan.h.
#include "protocol/pipeline_scan.h"

#include <cstdint>

namespace shoal {
namespace {

// Requests with more arguments than this end the scan (a hint is not worth
// walking them).
constexpr int64_t kMaxArgs = 1024;

// Reads `prefix` <digits> CRLF at *p; false when not there in full. One
// and two digits (every count of a typical pipeline) take the first branch.
inline bool ReadCount(const char** p, const char* end, char prefix, int64_t* out) {
  const char* q = *p;
  if (end - q >= 5 && q[0] == prefix) {
    const unsigned d0 = static_cast<unsigned char>(q[1]) - '0';
    const unsigned d1 = static_cast<unsigned char>(q[2]) - '0';
    if (d0 <= 9 && q[2] == '\r' && q[3] == '\n') {
      *out = d0;
      *p = q + 4;
      return true;
    }
    if (d0 <= 9 && d1 <= 9 && q[3] == '\r' && q[4] == '\n') {
      *out = d0 * 10 + d1;
      *p = q + 5;
      return true;
    }
  }
  if (q == end || *q != prefix) return false;
  ++q;
  int64_t v = 0;
  int digits = 0;
  while (q != end && *q >= '0' && *q <= '9') {
    if (++digits > 12) return false;
    v = v * 10 + (*q - '0');
    ++q;
  }
  if (digits == 0 || end - q < 2 || q[0] != '\r' || q[1] != '\n') return false;
  *p = q + 2;
  *out = v;
  return true;
}

}  // namespace

size_t ScanPipelineKeys(std::string_view buf, std::string_view* out, size_t max) {
  const char* p = buf.data();
  const char* const end = p + buf.size();
  size_t n = 0;
  while (n < max && p != end) {
    int64_t argc = 0;
    if (!ReadCount(&p, end, '*', &argc) || argc < 1 || argc > kMaxArgs) break;
    std::string_view second;
    for (int64_t i = 0; i < argc; ++i) {
      int64_t len = 0;
      if (!ReadCount(&p, end, '$', &len) || len > end - p - 2) return n;
      if (p[len] != '\r' || p[len + 1] != '\n') return n;
      if (i == 1) second = std::string_view(p, static_cast<size_t>(len));
      p += len + 2;
    }
    out[n++] = second;
  }
  return n;
}

}  // namespace shoal
