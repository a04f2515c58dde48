// Sha1Hex: the lower-case hex SHA-1 of a byte string, as EVALSHA, SCRIPT
// LOAD and redis.sha1hex name scripts. OpenSSL's libcrypto does the hashing.
#ifndef SHOAL_SERVER_SCRIPTING_SHA1_HEX_H_
#define SHOAL_SERVER_SCRIPTING_SHA1_HEX_H_

#include <string>
#include <string_view>

namespace shoal {

constexpr size_t kSha1HexLen = 40;

std::string Sha1Hex(std::string_view data);

// Lower-cases a 40-character sha in place; false when `s` is not one.
bool NormalizeSha(std::string* s);

}  // namespace shoal

#endif  // SHOAL_SERVER_SCRIPTING_SHA1_HEX_H_
