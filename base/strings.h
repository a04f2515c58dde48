// String helpers that accept std::string_view.
//
// Debian's abseil is built with its own absl::string_view (not an alias of
// std::string_view), so absl::StrCat & co. do not take std::string_view
// arguments. Shoal uses std::string_view everywhere; these thin wrappers
// convert at the boundary. Header-only; depends on abseil only.
#ifndef SHOAL_BASE_STRINGS_H_
#define SHOAL_BASE_STRINGS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace shoal {

inline absl::string_view ToAbsl(std::string_view s) { return {s.data(), s.size()}; }
inline std::string_view ToStd(absl::string_view s) { return {s.data(), s.size()}; }

namespace strings_internal {
template <typename T>
const T& Adapt(const T& v) {
  return v;
}
inline absl::string_view Adapt(const std::string_view& v) { return ToAbsl(v); }
}  // namespace strings_internal

template <typename... Args>
std::string StrCat(const Args&... args) {
  return absl::StrCat(strings_internal::Adapt(args)...);
}

template <typename... Args>
void StrAppend(std::string* out, const Args&... args) {
  absl::StrAppend(out, strings_internal::Adapt(args)...);
}

inline std::string AsciiLower(std::string_view s) { return absl::AsciiStrToLower(ToAbsl(s)); }
inline std::string AsciiUpper(std::string_view s) { return absl::AsciiStrToUpper(ToAbsl(s)); }
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return absl::EqualsIgnoreCase(ToAbsl(a), ToAbsl(b));
}
inline bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}
template <typename Int>
bool SimpleAtoi(std::string_view s, Int* out) {
  return absl::SimpleAtoi(ToAbsl(s), out);
}

}  // namespace shoal

#endif  // SHOAL_BASE_STRINGS_H_
