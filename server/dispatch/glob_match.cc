// Glob matcher: iterative with a single backtrack point for the last '*',
// which is enough for glob semantics and keeps the cost O(|p|·|s|).
#include "server/dispatch/glob_match.h"

#include "absl/strings/ascii.h"

namespace shoal {
namespace {

char Fold(char c, bool nocase) { return nocase ? absl::ascii_tolower(c) : c; }

// Matches one character class starting at p[i] == '['. Sets *next to the
// index after the closing ']' and returns whether c is in the class.
bool MatchClass(std::string_view p, size_t i, char c, bool nocase, size_t* next) {
  ++i;
  bool negate = false;
  if (i < p.size() && p[i] == '^') {
    negate = true;
    ++i;
  }
  bool matched = false;
  c = Fold(c, nocase);
  while (i < p.size() && p[i] != ']') {
    if (p[i] == '\\' && i + 1 < p.size()) {
      ++i;
      if (Fold(p[i], nocase) == c) matched = true;
      ++i;
    } else if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      char lo = Fold(p[i], nocase), hi = Fold(p[i + 2], nocase);
      if (lo > hi) std::swap(lo, hi);
      if (c >= lo && c <= hi) matched = true;
      i += 3;
    } else {
      if (Fold(p[i], nocase) == c) matched = true;
      ++i;
    }
  }
  *next = i < p.size() ? i + 1 : i;  // an unclosed class runs to the end
  return negate ? !matched : matched;
}

}  // namespace

bool GlobMatch(std::string_view p, std::string_view s, bool nocase) {
  // As Redis's matcher: an empty subject matches only an empty pattern (KEYS
  // and SCAN treat a lone "*" as "no filter", which is how "" is listed).
  if (s.empty()) return p.empty();
  size_t pi = 0, si = 0;
  size_t star_p = std::string_view::npos, star_s = 0;
  while (si < s.size()) {
    if (pi < p.size()) {
      char pc = p[pi];
      if (pc == '*') {
        while (pi < p.size() && p[pi] == '*') ++pi;
        if (pi == p.size()) return true;
        star_p = pi;
        star_s = si;
        continue;
      }
      if (pc == '?') {
        ++pi;
        ++si;
        continue;
      }
      if (pc == '[') {
        size_t next;
        if (MatchClass(p, pi, s[si], nocase, &next)) {
          pi = next;
          ++si;
          continue;
        }
      } else {
        if (pc == '\\' && pi + 1 < p.size()) pc = p[++pi];
        if (Fold(pc, nocase) == Fold(s[si], nocase)) {
          ++pi;
          ++si;
          continue;
        }
      }
    }
    if (star_p == std::string_view::npos) return false;
    pi = star_p;
    si = ++star_s;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace shoal
