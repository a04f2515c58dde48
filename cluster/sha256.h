// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), for authenticating
// cluster bus messages when --cluster-secret is set.
//
// Written here rather than taken from OpenSSL so the cluster library needs
// no extra system package; the bus hashes a few kilobytes per second, so a
// plain portable implementation is fast enough. Pure functions, any thread.
#ifndef SHOAL_CLUSTER_SHA256_H_
#define SHOAL_CLUSTER_SHA256_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace shoal {

using Sha256Digest = std::array<uint8_t, 32>;

class Sha256 {
 public:
  Sha256();
  void Update(const void* data, size_t len);
  void Update(std::string_view s) { Update(s.data(), s.size()); }
  Sha256Digest Finish();

 private:
  void Block(const uint8_t* p);

  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
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
