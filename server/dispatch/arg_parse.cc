// Number parsing with Redis's acceptance rules.
#include "server/dispatch/arg_parse.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

namespace shoal {
namespace {

template <typename T, typename F>
bool ParseFloating(std::string_view s, T* out, F strto) {
  if (s.empty() || s.size() > 5000 || std::isspace(static_cast<unsigned char>(s[0]))) {
    return false;
  }
  std::string buf(s);
  char* end = nullptr;
  errno = 0;
  T v = strto(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size()) return false;
  if (std::isnan(v)) return false;
  if (errno == ERANGE && (std::isinf(v) || v == 0)) return false;
  *out = v;
  return true;
}

}  // namespace

bool ParseDouble(std::string_view s, double* out) {
  return ParseFloating<double>(s, out, [](const char* p, char** e) { return std::strtod(p, e); });
}

bool ParseLongDouble(std::string_view s, long double* out) {
  return ParseFloating<long double>(s, out,
                                    [](const char* p, char** e) { return std::strtold(p, e); });
}

}  // namespace shoal
