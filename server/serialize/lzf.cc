// LzfDecompress: a bounds-checked LZF decoder. See lzf.h for the format.
//
// Every read of the input and every write of the output is checked against
// the remaining space before it happens; the loop ends only when the input is
// used up, and the result is accepted only if the output is exactly full.
#include "server/serialize/lzf.h"

#include <cstdint>

namespace shoal {

bool LzfDecompress(std::string_view in, size_t out_len, std::string* out) {
  out->clear();
  if (out_len / kLzfMaxExpansion > in.size()) return false;  // cannot be produced
  out->resize(out_len);
  char* const dst = out->data();
  size_t ip = 0;  // next input byte
  size_t op = 0;  // next output byte

  while (ip < in.size()) {
    const uint8_t ctrl = static_cast<uint8_t>(in[ip++]);
    if (ctrl < 32) {
      const size_t run = size_t{ctrl} + 1;
      if (run > in.size() - ip || run > out_len - op) return false;
      in.copy(dst + op, run, ip);
      ip += run;
      op += run;
      continue;
    }
    size_t len = ctrl >> 5;
    if (len == 7) {
      if (ip >= in.size()) return false;
      len += static_cast<uint8_t>(in[ip++]);
    }
    len += 2;
    if (ip >= in.size()) return false;
    const size_t back = ((size_t{ctrl} & 0x1f) << 8) + static_cast<uint8_t>(in[ip++]) + 1;
    if (back > op || len > out_len - op) return false;
    // Byte by byte on purpose: when back < len the source overlaps the
    // destination and each copied byte feeds the next.
    for (size_t i = 0; i < len; ++i, ++op) dst[op] = dst[op - back];
  }
  return op == out_len;
}

}  // namespace shoal
