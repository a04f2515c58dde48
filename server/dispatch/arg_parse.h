// Argument parsing shared by the command families, with Redis's rules:
// integers as string2ll (strict, no spaces, no '+', no leading zeros),
// doubles as strtod on the whole argument (inf/-inf accepted, nan rejected),
// keywords case-insensitive.
#ifndef SHOAL_SERVER_DISPATCH_ARG_PARSE_H_
#define SHOAL_SERVER_DISPATCH_ARG_PARSE_H_

#include <cstdint>
#include <string_view>

#include "base/strings.h"
#include "server/store/entry.h"

namespace shoal {

inline bool ArgIs(std::string_view arg, std::string_view keyword) {
  return EqualsIgnoreCase(arg, keyword);
}

inline bool ParseInt(std::string_view s, int64_t* out) { return ParseInt64Strict(s, out); }

// Redis's string2ld/strtod acceptance: whole string, no leading space, not NaN.
bool ParseDouble(std::string_view s, double* out);
// long double variant for INCRBYFLOAT.
bool ParseLongDouble(std::string_view s, long double* out);

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_ARG_PARSE_H_
