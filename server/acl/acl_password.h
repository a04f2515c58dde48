// Passwords for ACL users: SHA-256 hex digests (OpenSSL), the check that a
// "#<hash>" rule is one, a comparison that takes the same time wherever the
// strings differ, and ACL GENPASS's random hex. Pure functions; any thread.
#ifndef SHOAL_SERVER_ACL_ACL_PASSWORD_H_
#define SHOAL_SERVER_ACL_ACL_PASSWORD_H_

#include <string>
#include <string_view>

namespace shoal {

// 64 lower-case hex digits.
std::string HashPassword(std::string_view cleartext);
// Exactly 64 characters of [0-9a-f], as Redis requires of #<hash>.
bool IsPasswordHash(std::string_view s);
// Equal strings of equal length, without an early exit.
bool ConstantTimeEquals(std::string_view a, std::string_view b);
// `bits` random bits (1..4096) as ceil(bits/4) hex digits, from OpenSSL's
// CSPRNG. Empty if the generator fails.
std::string RandomHex(int bits);

}  // namespace shoal

#endif  // SHOAL_SERVER_ACL_ACL_PASSWORD_H_
