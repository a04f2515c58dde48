// Sha1Hex over OpenSSL's one-shot SHA1 (thread-safe, no context to keep).
#include "server/scripting/sha1_hex.h"

#include <openssl/sha.h>

namespace shoal {

std::string Sha1Hex(std::string_view data) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(kSha1HexLen, '0');
  for (int i = 0; i < SHA_DIGEST_LENGTH; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 15];
  }
  return out;
}

bool NormalizeSha(std::string* s) {
  if (s->size() != kSha1HexLen) return false;
  for (char& c : *s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return true;
}

}  // namespace shoal
