// ACL password helpers over OpenSSL's EVP digest and RAND_bytes: no
// hand-written crypto (DESIGN.md).
#include "server/acl/acl_password.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <vector>

namespace shoal {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string ToHex(const unsigned char* p, size_t n) {
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[p[i] >> 4];
    out[2 * i + 1] = kHex[p[i] & 15];
  }
  return out;
}

}  // namespace

std::string HashPassword(std::string_view cleartext) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(cleartext.data(), cleartext.size(), md, &len, EVP_sha256(), nullptr) != 1) {
    return {};
  }
  return ToHex(md, len);
}

bool IsPasswordHash(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() != b.size() ? 1 : 0;
  for (size_t i = 0; i < a.size(); ++i) {
    unsigned char other = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(a[i]) ^ other;
  }
  return diff == 0;
}

std::string RandomHex(int bits) {
  if (bits <= 0) return {};
  const int chars = (bits + 3) / 4;
  std::vector<unsigned char> bytes((chars + 1) / 2);
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) return {};
  std::string hex = ToHex(bytes.data(), bytes.size());
  hex.resize(chars);
  return hex;
}

}  // namespace shoal
