// LzfDecompress: the LZF decoder that RDB strings encoded as 0xC3 need.
//
// An LZF stream is a sequence of instructions, each opening with a control
// byte `ctrl`:
//   - ctrl < 32: a literal run; the next ctrl + 1 input bytes are copied out.
//   - otherwise: a back-reference. len = ctrl >> 5 (1..7); when it is 7 the
//     next input byte is added to it. The byte after that, plus
//     (ctrl & 0x1f) << 8, plus 1, is how far back in the output the copy
//     starts. len + 2 bytes are copied one at a time, so a reference may
//     overlap the bytes it produces (that is how runs are encoded).
//
// Invariants the decoder keeps, whatever the input: it never reads past `in`,
// never references before the start of the output, never writes more than
// `out_len` bytes, and succeeds only when the instructions consume all of
// `in` and produce exactly `out_len` bytes. It allocates at most out_len
// bytes, and refuses up front an out_len no stream of in.size() bytes could
// produce, so a forged length cannot make it allocate. Pure; thread-safe.
// Compression is not implemented: Shoal writes payloads uncompressed.
#ifndef SHOAL_SERVER_SERIALIZE_LZF_H_
#define SHOAL_SERVER_SERIALIZE_LZF_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace shoal {

// The most output one input byte can yield: a three-byte back-reference
// (ctrl, length byte 255, offset) copies 7 + 255 + 2 = 264 bytes.
inline constexpr size_t kLzfMaxExpansion = 88;

// Decodes `in` into *out (replacing its contents). Returns false, with *out
// unspecified, when `in` is not a stream that decodes to exactly out_len
// bytes.
bool LzfDecompress(std::string_view in, size_t out_len, std::string* out);

}  // namespace shoal

#endif  // SHOAL_SERVER_SERIALIZE_LZF_H_
