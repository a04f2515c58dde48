// StreamID parsing and formatting (see stream_id.h for the rules).
#include "server/types/stream_id.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "server/store/entry.h"  // ParseInt64Strict (Redis's string2ll)

namespace shoal {
namespace {

char* FormatU64(char* p, uint64_t v) {
  char tmp[20];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) *p++ = tmp[--n];
  return p;
}

}  // namespace

size_t StreamID::Format(char* buf) const {
  char* p = FormatU64(buf, ms);
  *p++ = '-';
  p = FormatU64(p, seq);
  return static_cast<size_t>(p - buf);
}

std::string StreamID::ToString() const {
  char buf[48];
  return std::string(buf, Format(buf));
}

bool StreamIncrID(StreamID* id) {
  if (id->seq == std::numeric_limits<uint64_t>::max()) {
    if (id->ms == std::numeric_limits<uint64_t>::max()) return false;
    ++id->ms;
    id->seq = 0;
  } else {
    ++id->seq;
  }
  return true;
}

bool StreamDecrID(StreamID* id) {
  if (id->seq == 0) {
    if (id->ms == 0) return false;
    --id->ms;
    id->seq = std::numeric_limits<uint64_t>::max();
  } else {
    --id->seq;
  }
  return true;
}

bool ParseStreamUll(std::string_view s, uint64_t* out) {
  int64_t ll;
  if (ParseInt64Strict(s, &ll)) {
    if (ll < 0) return false;
    *out = static_cast<uint64_t>(ll);
    return true;
  }
  if (s.empty() || s.size() > 127) return false;
  char buf[128];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(buf, &end, 10);
  if (errno == EINVAL || errno == ERANGE || *end != '\0') return false;
  *out = v;
  return true;
}

bool ParseStreamID(std::string_view arg, StreamID* id, uint64_t missing_seq, bool strict,
                   bool* seq_given) {
  if (arg.size() > 127) return false;
  // The argument is handled as a C string: a NUL ends it.
  const size_t nul = arg.find('\0');
  if (nul != std::string_view::npos) arg = arg.substr(0, nul);
  if (seq_given != nullptr) *seq_given = true;
  if (arg == "-" || arg == "+") {
    if (strict) return false;
    *id = arg == "-" ? StreamID::Min() : StreamID::Max();
    return true;
  }
  const size_t dash = arg.find('-');
  const std::string_view ms_part = arg.substr(0, dash);
  uint64_t ms, seq;
  if (!ParseStreamUll(ms_part, &ms)) return false;
  if (dash != std::string_view::npos) {
    const std::string_view seq_part = arg.substr(dash + 1);
    if (seq_given != nullptr && seq_part == "*") {
      seq = 0;
      *seq_given = false;
    } else if (!ParseStreamUll(seq_part, &seq)) {
      return false;
    }
  } else {
    seq = missing_seq;
  }
  id->ms = ms;
  id->seq = seq;
  return true;
}

bool ParseStreamIntervalID(std::string_view arg, StreamID* id, bool* exclusive,
                           uint64_t missing_seq) {
  *exclusive = arg.size() > 1 && arg[0] == '(';
  if (*exclusive) return ParseStreamID(arg.substr(1), id, missing_seq, /*strict=*/true);
  return ParseStreamID(arg, id, missing_seq, /*strict=*/false);
}

}  // namespace shoal
