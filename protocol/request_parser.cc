// RequestParser: resumable RESP request parsing (see request_parser.h).
//
// A multibulk command is parsed header by header; what has been recognised so
// far is kept as offsets from the command's first byte (pos_, spans_,
// bulk_len_), so the caller may move its buffer between calls and no byte is
// scanned twice. While a line (a count line, or an inline command) is still
// incomplete, scan_ remembers how far the search for its terminator went.
//
// Behaviour follows redis-server 7.2 byte for byte where a client can see it:
//  - a count line is found by its '\r' and the byte after it is skipped
//    unchecked, as are the two bytes after a bulk's payload;
//  - a multibulk count <= 0 (`*0`, `*-1`, even `*-5`) is an empty command that
//    is consumed and skipped; an inline line with no arguments likewise;
//  - numbers are strict decimal: no sign '+', no leading zeros, no spaces;
//  - inline lines are split with sdssplitargs rules, and a raw NUL byte ends
//    the line as it ends the C string that Redis splits.
//
// Thread use: one parser per connection, driven by that connection's thread.
#include "protocol/request_parser.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace shoal {
namespace {

// Longest count line ("*123\r\n", "$5\r\n") we wait for before giving up, as
// Redis's PROTO_INLINE_MAX_SIZE.
constexpr size_t kMaxCountLine = 64 * 1024;
// Up-front reservation cap for the argument spans of a huge `*N`.
constexpr int64_t kMaxSpanReserve = 1024;

constexpr char kErrMultibulkLen[] = "ERR Protocol error: invalid multibulk length";
constexpr char kErrBulkLen[] = "ERR Protocol error: invalid bulk length";
constexpr char kErrBigInline[] = "ERR Protocol error: too big inline request";
constexpr char kErrBigMbulkCount[] = "ERR Protocol error: too big mbulk count string";
constexpr char kErrBigBulkCount[] = "ERR Protocol error: too big bulk count string";
constexpr char kErrQuotes[] = "ERR Protocol error: unbalanced quotes in request";
constexpr char kErrUnauthMultibulk[] = "ERR Protocol error: unauthenticated multibulk length";
constexpr char kErrUnauthBulk[] = "ERR Protocol error: unauthenticated bulk length";

std::string ExpectedDollar(char got) {
  // Redis sanitises CR/LF out of error texts; do it here too, so that the
  // text is safe to write even without ReplyBuilder::Error.
  if (got == '\r' || got == '\n') got = ' ';
  return std::string("ERR Protocol error: expected '$', got '") + got + "'";
}

// Parses a strict signed decimal (Redis string2ll rules): "0", or an optional
// '-' followed by a digit 1-9 and more digits, fitting in int64_t.
bool ParseStrictInt(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  if (s.size() == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  bool negative = s[0] == '-';
  size_t i = negative ? 1 : 0;
  if (i >= s.size() || s[i] < '1' || s[i] > '9') return false;
  uint64_t v = 0;
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (limit - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}

// ParseWhole's number: "0" or [1-9][0-9]{0,17} (so it fits an int64_t) at
// p, ended by '\r' with one more byte after it (skipped unchecked, as the
// general path does). On success *next is past that byte.
inline bool ParseSmallCount(const char* p, const char* end, int64_t* out, const char** next) {
  // One or two digits (the counts of most requests) without the loop.
  if (end - p >= 4) {
    const unsigned d0 = static_cast<unsigned char>(p[0]) - '0';
    const unsigned d1 = static_cast<unsigned char>(p[1]) - '0';
    if (d0 <= 9 && p[1] == '\r') {
      *out = d0;
      *next = p + 3;
      return true;
    }
    if (d0 - 1 <= 8 && d1 <= 9 && p[2] == '\r') {
      *out = d0 * 10 + d1;
      *next = p + 4;
      return true;
    }
  }
  if (p >= end) return false;
  uint64_t v = static_cast<unsigned char>(*p) - '0';
  if (v > 9) return false;
  const char* q = p + 1;
  if (v != 0) {
    while (q < end) {
      unsigned d = static_cast<unsigned char>(*q) - '0';
      if (d > 9) break;
      v = v * 10 + d;
      if (++q - p > 18) return false;
    }
  }
  if (end - q < 2 || *q != '\r') return false;
  *out = static_cast<int64_t>(v);
  *next = q + 2;
  return true;
}

// Commands with more arguments than this take the general path.
constexpr int64_t kWholeMaxArgs = 64;

// isspace() in the C locale.
bool IsSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// Characters that end an unquoted inline token (sdssplitargs: not \v or \f).
bool EndsToken(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char UnescapeDoubleQuoted(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'b':
      return '\b';
    case 'a':
      return '\a';
    default:
      return c;
  }
}

}  // namespace

void RequestParser::Reset() {
  in_multibulk_ = false;
  multibulk_len_ = 0;
  pos_ = 0;
  scan_ = 0;
  bulk_len_ = -1;
  spans_.clear();
  expected_bytes_ = 0;
  error_.clear();
  failed_ = false;
  inline_storage_.clear();
  discarding_ = false;
  discard_bytes_ = 0;
  discard_args_ = 0;
}

ParseStatus RequestParser::Fail(std::string text) {
  failed_ = true;
  error_ = std::move(text);
  return ParseStatus::kError;
}

ParseStatus RequestParser::Parse(std::string_view buf, size_t* consumed,
                                 std::vector<std::string_view>* args) {
  *consumed = 0;
  args->clear();
  inline_storage_.clear();
  if (failed_) return ParseStatus::kError;
  // Empty commands (`*0`, blank inline lines) are dropped in this loop so the
  // caller only ever sees real commands.
  size_t skipped = 0;
  while (skipped < buf.size()) {
    std::string_view cmd = buf.substr(skipped);
    size_t used = 0;
    if (discarding_) {
      if (Discard(cmd, &used) == ParseStatus::kError) return ParseStatus::kError;
      skipped += used;
      if (discarding_) break;
      continue;
    }
    ParseStatus status =
        cmd[0] == '*' ? ParseMultibulk(cmd, &used, args) : ParseInline(cmd, &used, args);
    if (status == ParseStatus::kError) return status;
    if (status == ParseStatus::kRefused) {
      *consumed = skipped + used;
      return status;
    }
    if (status == ParseStatus::kNeedMore) break;
    skipped += used;
    if (!args->empty()) {
      *consumed = skipped;
      return ParseStatus::kOk;
    }
  }
  *consumed = skipped;
  return ParseStatus::kNeedMore;
}

// Finds the '\r' that ends the line starting at `from`, resuming the search at
// scan_. Returns its offset, or npos with scan_ advanced. Like Redis, a line
// is complete once one byte follows its '\r'.
size_t RequestParser::FindLineEnd(std::string_view cmd, size_t from) {
  size_t start = std::max(from, scan_);
  const void* cr =
      start < cmd.size() ? std::memchr(cmd.data() + start, '\r', cmd.size() - start) : nullptr;
  if (cr == nullptr) {
    scan_ = cmd.size();
    return std::string_view::npos;
  }
  size_t at = static_cast<const char*>(cr) - cmd.data();
  if (at + 1 >= cmd.size()) {
    scan_ = at;
    return std::string_view::npos;
  }
  scan_ = 0;
  return at;
}

bool RequestParser::ParseWhole(std::string_view cmd, size_t* consumed,
                               std::vector<std::string_view>* args) {
  const char* base = cmd.data();
  const char* end = base + cmd.size();
  const char* p = nullptr;
  int64_t n = 0;
  if (!ParseSmallCount(base + 1, end, &n, &p) || n <= 0 || n > kWholeMaxArgs ||
      n > limits_.max_multibulk_len ||
      (limits_.unauthenticated && n > limits_.unauth_max_multibulk_len)) {
    return false;
  }
  const int64_t max_len =
      limits_.unauthenticated ? std::min(limits_.max_bulk_len, limits_.unauth_max_bulk_len)
                              : limits_.max_bulk_len;
  const int64_t admit_over = limits_.admit_bulk ? limits_.admit_check_over : INT64_MAX;
  for (int64_t i = 0; i < n; ++i) {
    int64_t len = 0;
    if (p >= end || *p != '$' || !ParseSmallCount(p + 1, end, &len, &p) || len > max_len ||
        len > admit_over || end - p < len + 2) {
      return false;
    }
    args->emplace_back(p, static_cast<size_t>(len));
    p += len + 2;  // payload and its CRLF (not checked, as Redis)
  }
  *consumed = static_cast<size_t>(p - base);
  scan_ = 0;  // a line search an earlier call left half done ended in this command
  return true;
}

ParseStatus RequestParser::ParseMultibulk(std::string_view cmd, size_t* consumed,
                                          std::vector<std::string_view>* args) {
  if (!in_multibulk_) {
    if (ParseWhole(cmd, consumed, args)) return ParseStatus::kOk;
    args->clear();
    size_t cr = FindLineEnd(cmd, 1);
    if (cr == std::string_view::npos) {
      if (cmd.size() > kMaxCountLine) return Fail(kErrBigMbulkCount);
      return ParseStatus::kNeedMore;
    }
    int64_t n = 0;
    if (!ParseStrictInt(cmd.substr(1, cr - 1), &n) || n > limits_.max_multibulk_len) {
      return Fail(kErrMultibulkLen);
    }
    if (limits_.unauthenticated && n > limits_.unauth_max_multibulk_len) {
      return Fail(kErrUnauthMultibulk);
    }
    pos_ = cr + 2;
    if (n <= 0) {  // Empty command: consumed, nothing to run.
      *consumed = pos_;
      pos_ = 0;
      return ParseStatus::kOk;
    }
    in_multibulk_ = true;
    multibulk_len_ = n;
    bulk_len_ = -1;
    spans_.clear();
    spans_.reserve(static_cast<size_t>(std::min(n, kMaxSpanReserve)));
  }

  while (static_cast<int64_t>(spans_.size()) < multibulk_len_) {
    if (bulk_len_ < 0) {
      size_t cr = FindLineEnd(cmd, pos_);
      if (cr == std::string_view::npos) {
        if (cmd.size() - pos_ > kMaxCountLine) return Fail(kErrBigBulkCount);
        return ParseStatus::kNeedMore;
      }
      if (cmd[pos_] != '$') return Fail(ExpectedDollar(cmd[pos_]));
      int64_t len = 0;
      if (!ParseBulkHeader(cmd.substr(pos_ + 1, cr - pos_ - 1), &len)) {
        return ParseStatus::kError;
      }
      if (len > limits_.admit_check_over && limits_.admit_bulk) {
        std::string_view first =
            spans_.empty() ? std::string_view() : cmd.substr(spans_[0].first, spans_[0].second);
        if (!limits_.admit_bulk(first, len)) {
          // Refused from its header: drop this bulk and the command's other
          // arguments as they arrive (Discard), never holding them.
          discarding_ = true;
          discard_bytes_ = len + 2;
          discard_args_ = multibulk_len_ - static_cast<int64_t>(spans_.size()) - 1;
          *consumed = cr + 2;
          in_multibulk_ = false;
          multibulk_len_ = 0;
          pos_ = 0;
          scan_ = 0;
          bulk_len_ = -1;
          expected_bytes_ = 0;
          spans_.clear();
          return ParseStatus::kRefused;
        }
      }
      bulk_len_ = len;
      pos_ = cr + 2;
      expected_bytes_ = pos_ + static_cast<size_t>(len) + 2;
    }
    if (cmd.size() - pos_ < static_cast<size_t>(bulk_len_) + 2) return ParseStatus::kNeedMore;
    spans_.emplace_back(pos_, static_cast<size_t>(bulk_len_));
    pos_ += static_cast<size_t>(bulk_len_) + 2;  // Payload and its CRLF.
    bulk_len_ = -1;
    expected_bytes_ = 0;  // Known again once the next header is read.
  }

  args->reserve(spans_.size());
  for (const auto& [offset, len] : spans_) args->push_back(cmd.substr(offset, len));
  *consumed = pos_;
  in_multibulk_ = false;
  multibulk_len_ = 0;
  pos_ = 0;
  spans_.clear();
  return ParseStatus::kOk;
}

// A bulk header's number ("$<len>"), checked as Redis checks it: invalid
// first, then the pre-authentication bound.
bool RequestParser::ParseBulkHeader(std::string_view digits, int64_t* len) {
  if (!ParseStrictInt(digits, len) || *len < 0 || *len > limits_.max_bulk_len) {
    Fail(kErrBulkLen);
    return false;
  }
  if (limits_.unauthenticated && *len > limits_.unauth_max_bulk_len) {
    Fail(kErrUnauthBulk);
    return false;
  }
  return true;
}

// Drops the rest of a refused command: what is left of the refused bulk,
// then each remaining bulk (header checked, payload dropped as it comes).
// `buf` starts where the previous call stopped; *consumed is what to drop.
ParseStatus RequestParser::Discard(std::string_view buf, size_t* consumed) {
  size_t off = 0;
  while (true) {
    if (discard_bytes_ > 0) {
      size_t n = std::min<size_t>(static_cast<size_t>(discard_bytes_), buf.size() - off);
      off += n;
      discard_bytes_ -= static_cast<int64_t>(n);
      if (discard_bytes_ > 0) break;
    }
    if (discard_args_ == 0) {
      discarding_ = false;
      scan_ = 0;
      break;
    }
    size_t cr = FindLineEnd(buf, off);
    if (cr == std::string_view::npos) {
      if (buf.size() - off > kMaxCountLine) return Fail(kErrBigBulkCount);
      // The next call's buffer starts at `off`.
      scan_ = scan_ >= off ? scan_ - off : 0;
      break;
    }
    if (buf[off] != '$') return Fail(ExpectedDollar(buf[off]));
    int64_t len = 0;
    if (!ParseBulkHeader(buf.substr(off + 1, cr - off - 1), &len)) return ParseStatus::kError;
    discard_bytes_ = len + 2;
    --discard_args_;
    off = cr + 2;
  }
  *consumed = off;
  return ParseStatus::kNeedMore;
}

ParseStatus RequestParser::ParseInline(std::string_view cmd, size_t* consumed,
                                       std::vector<std::string_view>* args) {
  const void* nl =
      scan_ < cmd.size() ? std::memchr(cmd.data() + scan_, '\n', cmd.size() - scan_) : nullptr;
  if (nl == nullptr) {
    if (cmd.size() > limits_.max_inline_len) return Fail(kErrBigInline);
    scan_ = cmd.size();
    return ParseStatus::kNeedMore;
  }
  scan_ = 0;
  size_t end = static_cast<const char*>(nl) - cmd.data();
  *consumed = end + 1;
  if (end > 0 && cmd[end - 1] == '\r') --end;
  std::string_view line = cmd.substr(0, end);
  if (const void* nul = std::memchr(line.data(), '\0', line.size())) {
    line = line.substr(0, static_cast<const char*>(nul) - line.data());
  }
  if (!SplitInline(line, args)) return Fail(kErrQuotes);
  return ParseStatus::kOk;
}

// Splits an inline line as sdssplitargs does. Tokens without quotes are views
// into `line`; quoted ones are built in inline_storage_, and their views are
// made only at the end because the vector may reallocate while it grows.
bool RequestParser::SplitInline(std::string_view line, std::vector<std::string_view>* args) {
  std::vector<std::pair<size_t, size_t>> stored;  // (arg index, storage index)
  size_t i = 0;
  const size_t n = line.size();
  while (true) {
    while (i < n && IsSpace(line[i])) ++i;
    if (i >= n) break;
    size_t start = i;
    while (i < n && !EndsToken(line[i]) && line[i] != '"' && line[i] != '\'') ++i;
    if (i >= n || EndsToken(line[i])) {
      args->push_back(line.substr(start, i - start));
      continue;
    }
    // The token has quotes: build it byte by byte.
    std::string token(line.substr(start, i - start));
    while (i < n && !EndsToken(line[i])) {
      char quote = line[i];
      if (quote != '"' && quote != '\'') {
        token.push_back(line[i++]);
        continue;
      }
      ++i;
      while (true) {
        if (i >= n) return false;  // Unterminated quote.
        char c = line[i];
        if (c == quote) {
          ++i;
          if (i < n && !IsSpace(line[i])) return false;  // Closing quote must end the token.
          break;
        }
        if (quote == '"' && c == '\\' && i + 3 < n && line[i + 1] == 'x' &&
            HexValue(line[i + 2]) >= 0 && HexValue(line[i + 3]) >= 0) {
          token.push_back(static_cast<char>(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3])));
          i += 4;
        } else if (quote == '"' && c == '\\' && i + 1 < n) {
          token.push_back(UnescapeDoubleQuoted(line[i + 1]));
          i += 2;
        } else if (quote == '\'' && c == '\\' && i + 1 < n && line[i + 1] == '\'') {
          token.push_back('\'');
          i += 2;
        } else {
          token.push_back(c);
          ++i;
        }
      }
      break;  // A closing quote ends the token.
    }
    stored.emplace_back(args->size(), inline_storage_.size());
    inline_storage_.push_back(std::move(token));
    args->emplace_back();
  }
  for (const auto& [arg, slot] : stored) (*args)[arg] = inline_storage_[slot];
  return true;
}

}  // namespace shoal
