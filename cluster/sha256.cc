// SHA-256 and HMAC-SHA256 over OpenSSL; see sha256.h.
#include "cluster/sha256.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdlib>

namespace shoal {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) std::abort();
}

Sha256::~Sha256() { EVP_MD_CTX_free(ctx_); }

void Sha256::Update(const void* data, size_t len) {
  if (len > 0 && EVP_DigestUpdate(ctx_, data, len) != 1) std::abort();
}

Sha256Digest Sha256::Finish() {
  Sha256Digest out{};
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(ctx_, out.data(), &n) != 1 || n != out.size()) std::abort();
  return out;
}

Sha256Digest Sha256Of(std::string_view data) {
  Sha256 h;
  h.Update(data);
  return h.Finish();
}

Sha256Digest HmacSha256(std::string_view key, std::string_view data) {
  return HmacSha256(key, data, std::string_view());
}

Sha256Digest HmacSha256(std::string_view key, std::string_view part1, std::string_view part2) {
  // EVP_MAC_fetch is thread-safe and its result immutable: fetch once.
  static EVP_MAC* const hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  Sha256Digest out{};
  size_t n = 0;
  static const unsigned char kEmpty = 0;  // an empty key is valid HMAC (RFC 2104)
  const auto* k = key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                         OSSL_PARAM_construct_end()};
  EVP_MAC_CTX* ctx = hmac != nullptr ? EVP_MAC_CTX_new(hmac) : nullptr;
  bool ok = ctx != nullptr && EVP_MAC_init(ctx, k, key.size(), params) == 1 &&
            EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(part1.data()),
                           part1.size()) == 1 &&
            EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(part2.data()),
                           part2.size()) == 1 &&
            EVP_MAC_final(ctx, out.data(), &n, out.size()) == 1 && n == out.size();
  EVP_MAC_CTX_free(ctx);
  if (!ok) std::abort();
  return out;
}

bool ConstantTimeEqual(const uint8_t* a, const uint8_t* b, size_t len) {
  return CRYPTO_memcmp(a, b, len) == 0;
}

}  // namespace shoal
