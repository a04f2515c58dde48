// SHA-256 and HMAC-SHA256, for authenticating cluster bus messages when
// --cluster-secret is set: thin wrappers over OpenSSL's libcrypto (the same
// library ACL passwords and TLS use), so the bus carries no hand-written
// cryptography. Pure functions, any thread.
#ifndef SHOAL_CLUSTER_SHA256_H_
#define SHOAL_CLUSTER_SHA256_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace shoal {

using Sha256Digest = std::array<uint8_t, 32>;

// Incremental SHA-256. Not copyable (owns an OpenSSL context).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(const void* data, size_t len);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  Sha256Digest Finish();

 private:
  EVP_MD_CTX* ctx_;
};

Sha256Digest Sha256Of(std::string_view data);

// HMAC-SHA256 of the concatenation of `parts` (so callers need not copy a
// header and a body into one buffer).
Sha256Digest HmacSha256(std::string_view key, std::string_view data);
Sha256Digest HmacSha256(std::string_view key, std::string_view part1, std::string_view part2);

// Compares in time independent of where the inputs differ.
bool ConstantTimeEqual(const uint8_t* a, const uint8_t* b, size_t len);

}  // namespace shoal

#endif  // SHOAL_CLUSTER_SHA256_H_
