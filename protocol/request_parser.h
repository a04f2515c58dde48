// RESP request parser: turns the bytes a client sent into commands.
//
// Accepts RESP multibulk requests (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) and inline
// commands (`GET k\r\n`, split on spaces with Redis's quoting rules), as
// redis-server does. The parser is resumable: it keeps the position reached
// inside a partially received command, so a request that arrives in many small
// reads is scanned once, not once per read (no quadratic cost for 10k-argument
// commands or 512 MB values arriving in 16 KB pieces).
//
// Contract with the caller (one parser per connection, one thread):
//  - `Parse(buf, ...)` is called with the unconsumed bytes of the connection,
//    starting at the first byte not yet reported as consumed. The caller may
//    move those bytes (compact or grow its buffer) between calls, but must
//    keep them and append new data after them.
//  - On kOk, `*consumed` bytes form one complete command and `args` holds
//    views into `buf` (zero-copy), valid until the caller changes the buffer.
//  - On kNeedMore, `*consumed` is 0 for a partial command or the number of
//    bytes to drop (empty inline lines are skipped as Redis skips them, and
//    the rest of a refused command is dropped as it arrives);
//    `ExpectedBytes()` tells how many bytes the pending bulk needs. It is a
//    hint for growing a buffer, never a size to reserve up front: a header
//    alone (`$536870000`) must not cost 512 MB (docs/security.md).
//  - On kRefused, `ParserLimits::admit_bulk` turned down a bulk from its
//    header alone; `*consumed` bytes (the command up to that header) are to
//    be dropped, the caller answers the refusal (e.g. -OOM), and the parser
//    then drops the rest of that command as it arrives, without buffering
//    it: the connection stays usable.
//  - On kError, `ErrorText()` is the reply Redis gives (without the leading
//    '-' and the CRLF), e.g. "ERR Protocol error: invalid bulk length"; the
//    connection must be answered and then closed. The parser stays in error.
#ifndef SHOAL_PROTOCOL_REQUEST_PARSER_H_
#define SHOAL_PROTOCOL_REQUEST_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shoal {

enum class ParseStatus { kOk, kNeedMore, kError, kRefused };

struct ParserLimits {
  int64_t max_bulk_len = 512LL * 1024 * 1024;  // proto-max-bulk-len
  int64_t max_multibulk_len = 1024LL * 1024;   // arguments per command
  size_t max_inline_len = 64 * 1024;           // an inline command's line
  // Before authentication (requirepass set, AUTH not yet done) Redis allows
  // only small requests: at most 10 arguments of at most 16 KB each.
  bool unauthenticated = false;
  int64_t unauth_max_multibulk_len = 10;
  int64_t unauth_max_bulk_len = 16 * 1024;
  // A bulk longer than admit_check_over is shown to admit_bulk (the
  // command's first argument, empty if this bulk is the first, and the
  // announced length) before any of it is read; false refuses it
  // (ParseStatus::kRefused). Used for -OOM under maxmemory.
  int64_t admit_check_over = INT64_MAX;
  std::function<bool(std::string_view first_arg, int64_t len)> admit_bulk;
};

class RequestParser {
 public:
  explicit RequestParser(const ParserLimits& limits = ParserLimits()) : limits_(limits) {}

  ParseStatus Parse(std::string_view buf, size_t* consumed, std::vector<std::string_view>* args);

  // While a bulk's payload is awaited: the bytes the pending command needs,
  // counted from its first byte through that bulk's CRLF (a lower bound on
  // the whole command; exact for its last argument). 0 at any other time.
  size_t ExpectedBytes() const { return expected_bytes_; }
  const std::string& ErrorText() const { return error_; }
  void set_limits(const ParserLimits& limits) { limits_ = limits; }
  // Switches the pre-authentication bounds on or off (checked at each
  // header, so AUTH in a pipeline lifts them for the commands after it).
  void set_unauthenticated(bool on) { limits_.unauthenticated = on; }
  void set_admit_check_over(int64_t len) { limits_.admit_check_over = len; }
  // True while the rest of a refused command is being dropped.
  bool discarding() const { return discarding_; }
  // Forgets any partial command (used by RESET-like flows and in tests).
  void Reset();

 private:
  // The common case in one pass: a whole multibulk command in `cmd` with
  // plain headers, within every limit. False (args untouched or cleared by
  // the caller) whenever anything needs the general path below: an
  // incomplete command, an error to report, an empty command, a bulk to
  // admit. Keeps no state.
  bool ParseWhole(std::string_view cmd, size_t* consumed, std::vector<std::string_view>* args);
  ParseStatus ParseMultibulk(std::string_view buf, size_t* consumed,
                             std::vector<std::string_view>* args);
  ParseStatus ParseInline(std::string_view buf, size_t* consumed,
                          std::vector<std::string_view>* args);
  bool ParseBulkHeader(std::string_view digits, int64_t* len);
  ParseStatus Discard(std::string_view buf, size_t* consumed);
  ParseStatus Fail(std::string text);
  size_t FindLineEnd(std::string_view cmd, size_t from);
  bool SplitInline(std::string_view line, std::vector<std::string_view>* args);

  ParserLimits limits_;
  // Resumable state of a partially received multibulk command: offsets are
  // relative to the start of the command, so they survive buffer moves.
  bool in_multibulk_ = false;
  int64_t multibulk_len_ = 0;
  size_t pos_ = 0;         // next byte to scan
  size_t scan_ = 0;        // where the search for an unfinished line resumes
  int64_t bulk_len_ = -1;  // length of the bulk being read, -1 before its header
  std::vector<std::pair<size_t, size_t>> spans_;  // (offset, length) per arg
  size_t expected_bytes_ = 0;
  // Dropping a refused command: bytes left of the current bulk (payload and
  // CRLF), then bulks left after it.
  bool discarding_ = false;
  int64_t discard_bytes_ = 0;
  int64_t discard_args_ = 0;
  std::string error_;
  bool failed_ = false;
  std::vector<std::string> inline_storage_;  // unquoted inline args
};

}  // namespace shoal

#endif  // SHOAL_PROTOCOL_REQUEST_PARSER_H_
