// ReplyBuilder: RESP2/RESP3 reply encoding (see reply_builder.h).
//
// Every method appends one complete RESP element (or an aggregate header) to
// out_, so the buffer is always a valid prefix of the reply stream. Numbers
// are formatted with std::to_chars into a stack buffer (numbers below 1024,
// and +OK, are copied from bytes laid out at compile time); nothing here
// calls snprintf. Status and error texts have CR/LF replaced by spaces,
// since one stray newline would desynchronise the client.
//
// Doubles follow redis-server 7.2's d2string: nan/inf/-inf/0/-0 spelled out,
// integral values within +-2^62 printed as integers, and everything else as
// the shortest round-trip digits laid out as Redis's fpconv_dtoa lays them
// out (plain notation for moderate exponents, otherwise "1.5e-7", "1e+20":
// no '+' padding or leading zeros in the exponent).
//
// Thread use: one builder per connection, used by that connection's thread.
#include "protocol/reply_builder.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

namespace shoal {
namespace {

// Room for any int64 or double this file writes, plus a type byte and CRLF.
constexpr size_t kNumBuf = 40;

// "<n>\r\n" for 0 <= n < kSmallNumbers, laid out at compile time: most
// integer replies (:0, :1, counts) and bulk and array lengths are small, and
// copying their bytes beats formatting them (Redis keeps shared objects for
// the same reason).
constexpr int kSmallNumbers = 1024;
struct SmallNumber {
  char text[7];  // up to "1023\r\n", zero-padded: copied whole
  uint8_t len;
};
constexpr std::array<SmallNumber, kSmallNumbers> MakeSmallNumbers() {
  std::array<SmallNumber, kSmallNumbers> t{};
  for (int n = 0; n < kSmallNumbers; ++n) {
    char digits[4];
    int d = 0;
    for (int v = n; d == 0 || v > 0; v /= 10) digits[d++] = static_cast<char>('0' + v % 10);
    SmallNumber& s = t[n];
    for (int i = 0; i < d; ++i) s.text[i] = digits[d - 1 - i];
    s.text[d] = '\r';
    s.text[d + 1] = '\n';
    s.len = static_cast<uint8_t>(d + 2);
  }
  return t;
}
constexpr std::array<SmallNumber, kSmallNumbers> kSmall = MakeSmallNumbers();

// Writes `type`, `n` and CRLF to `out`; returns the length written.
size_t FormatHeader(char type, int64_t n, char* out) {
  out[0] = type;
  if (n >= 0 && n < kSmallNumbers) {
    std::memcpy(out + 1, kSmall[n].text, sizeof(kSmall[n].text));
    return 1 + kSmall[n].len;
  }
  char* p = std::to_chars(out + 1, out + kNumBuf - 2, n).ptr;
  *p++ = '\r';
  *p++ = '\n';
  return p - out;
}

// Replaces CR and LF with spaces in out[from, end).
void SanitizeTail(std::string* out, size_t from) {
  for (size_t i = from; i < out->size(); ++i) {
    char& c = (*out)[i];
    if (c == '\r' || c == '\n') c = ' ';
  }
}

// True if `text` opens with an error code: upper-case letters (then digits or
// '_' allowed), at least two characters, ending at a space or the text's end.
bool HasErrorCode(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && text[i] != ' ') {
    char c = text[i];
    bool upper = c >= 'A' && c <= 'Z';
    bool other = i > 0 && ((c >= '0' && c <= '9') || c == '_');
    if (!upper && !other) return false;
    ++i;
  }
  return i >= 2;
}

// Lays out the shortest digits of a positive value (value = digits * 10^k)
// as fpconv_dtoa does; returns the length written to `out`.
size_t LayOutDigits(std::string_view digits, int k, char* out) {
  const int n = static_cast<int>(digits.size());
  const int exp10 = k + n - 1;
  const int mag = exp10 < 0 ? -exp10 : exp10;
  char* p = out;
  if (k >= 0 && mag < n + 7) {  // Integer: digits then k zeros.
    std::memcpy(p, digits.data(), n);
    std::memset(p + n, '0', k);
    return n + k;
  }
  if (k < 0 && (k > -7 || mag < 4)) {  // Plain decimal.
    int int_digits = n + k;
    if (int_digits <= 0) {
      *p++ = '0';
      *p++ = '.';
      std::memset(p, '0', -int_digits);
      p += -int_digits;
      std::memcpy(p, digits.data(), n);
      return p + n - out;
    }
    std::memcpy(p, digits.data(), int_digits);
    p += int_digits;
    *p++ = '.';
    std::memcpy(p, digits.data() + int_digits, n - int_digits);
    return p + (n - int_digits) - out;
  }
  *p++ = digits[0];  // Scientific.
  if (n > 1) {
    *p++ = '.';
    std::memcpy(p, digits.data() + 1, n - 1);
    p += n - 1;
  }
  *p++ = 'e';
  *p++ = exp10 < 0 ? '-' : '+';
  p = std::to_chars(p, p + 4, mag).ptr;
  return p - out;
}

// Writes d as Redis's d2string does; `out` must hold kNumBuf bytes.
size_t WriteDouble(double d, char* out) {
  if (std::isnan(d)) {
    std::memcpy(out, "nan", 3);
    return 3;
  }
  if (std::isinf(d)) {
    if (d < 0) {
      std::memcpy(out, "-inf", 4);
      return 4;
    }
    std::memcpy(out, "inf", 3);
    return 3;
  }
  if (d == 0) {
    if (std::signbit(d)) {
      std::memcpy(out, "-0", 2);
      return 2;
    }
    out[0] = '0';
    return 1;
  }
  constexpr double kIntLimit = 4611686018427387904.0;  // 2^62, Redis's LLONG_MAX / 2.
  if (d >= -kIntLimit && d <= kIntLimit) {
    int64_t ll = static_cast<int64_t>(d);
    if (static_cast<double>(ll) == d) return std::to_chars(out, out + kNumBuf, ll).ptr - out;
  }
  size_t len = 0;
  if (d < 0) {
    out[len++] = '-';
    d = -d;
  }
  // Shortest round-trip digits, as "D.DDDe+XX"; re-laid out Redis's way.
  char sci[kNumBuf];
  char* end = std::to_chars(sci, sci + kNumBuf, d, std::chars_format::scientific).ptr;
  char digits[24];
  int n = 0;
  const char* p = sci;
  for (; p < end && *p != 'e'; ++p) {
    if (*p != '.') digits[n++] = *p;
  }
  int exp10 = 0;
  std::from_chars(p + 1 + (p[1] == '+' ? 1 : 0), end, exp10);
  return len + LayOutDigits(std::string_view(digits, n), exp10 - (n - 1), out + len);
}

}  // namespace

std::string ReplyBuilder::FormatDouble(double d) {
  char buf[kNumBuf];
  return std::string(buf, WriteDouble(d, buf));
}

void ReplyBuilder::Header(char type, int64_t n) {
  char buf[kNumBuf];
  out_.append(buf, FormatHeader(type, n, buf));
}

void ReplyBuilder::SimpleString(std::string_view s) {
  out_.push_back('+');
  size_t from = out_.size();
  out_.append(s);
  SanitizeTail(&out_, from);
  out_.append("\r\n", 2);
}

void ReplyBuilder::Error(std::string_view text) {
  if (!text.empty() && text[0] == '-') text.remove_prefix(1);
  out_.push_back('-');
  size_t from = out_.size();
  if (!HasErrorCode(text)) out_.append("ERR ", 4);
  out_.append(text);
  SanitizeTail(&out_, from);
  out_.append("\r\n", 2);
}

void ReplyBuilder::Integer(int64_t v) { Header(':', v); }

void ReplyBuilder::Bulk(std::string_view s) {
  char buf[kNumBuf];
  size_t head = FormatHeader('$', static_cast<int64_t>(s.size()), buf);
  out_.reserve(out_.size() + head + s.size() + 2);
  out_.append(buf, head);
  out_.append(s);
  out_.append("\r\n", 2);
}

void ReplyBuilder::NullBulk() {
  if (resp_ >= 3) {
    out_.append("_\r\n", 3);
  } else {
    out_.append("$-1\r\n", 5);
  }
}

void ReplyBuilder::NullArray() {
  if (resp_ >= 3) {
    out_.append("_\r\n", 3);
  } else {
    out_.append("*-1\r\n", 5);
  }
}

void ReplyBuilder::ArrayHeader(int64_t n) { Header('*', n); }

void ReplyBuilder::MapHeader(int64_t n) {
  if (resp_ >= 3) {
    Header('%', n);
  } else {
    Header('*', 2 * n);
  }
}

void ReplyBuilder::SetHeader(int64_t n) { Header(resp_ >= 3 ? '~' : '*', n); }

void ReplyBuilder::PushHeader(int64_t n) { Header(resp_ >= 3 ? '>' : '*', n); }

void ReplyBuilder::Double(double d) {
  char buf[kNumBuf];
  size_t len = WriteDouble(d, buf);
  if (resp_ >= 3) {
    out_.push_back(',');
    out_.append(buf, len);
    out_.append("\r\n", 2);
  } else {
    Bulk(std::string_view(buf, len));
  }
}

void ReplyBuilder::Boolean(bool b) {
  if (resp_ >= 3) {
    out_.append(b ? "#t\r\n" : "#f\r\n", 4);
  } else {
    out_.append(b ? ":1\r\n" : ":0\r\n", 4);
  }
}

void ReplyBuilder::BigNumber(std::string_view digits) {
  if (resp_ < 3) return Bulk(digits);
  out_.push_back('(');
  out_.append(digits);
  out_.append("\r\n", 2);
}

void ReplyBuilder::Verbatim(std::string_view format, std::string_view s) {
  if (resp_ < 3) return Bulk(s);
  // The RESP3 format tag is exactly three bytes; anything else is sent as text.
  if (format.size() != 3) format = "txt";
  Header('=', static_cast<int64_t>(s.size() + 4));
  out_.append(format);
  out_.push_back(':');
  out_.append(s);
  out_.append("\r\n", 2);
}

}  // namespace shoal
