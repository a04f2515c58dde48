// ReplyBuilder: writes RESP2 or RESP3 replies into an output byte buffer.
//
// One builder per connection; the protocol version is switched by HELLO.
// Every type has one method; where RESP2 has no such type the builder writes
// what redis-server writes for a RESP2 client (maps become flat arrays, sets
// become arrays, doubles become bulk strings, null becomes $-1 or *-1, booleans
// become integers, verbatim strings become bulk strings, push becomes array).
// The builder never allocates per reply beyond growing its buffer; the caller
// takes the bytes with `buffer()` / `Consume()`.
//
// Doubles are formatted as Redis 7.2 formats them (d2string): "inf", "-inf",
// "nan", "0", "-0", integral values within +-2^62 as integers, and otherwise
// the shortest representation that round-trips, laid out as fpconv_dtoa does:
// 1.5 -> "1.5", 3.0 -> "3", 1e20 -> "1e+20", 1.5e-7 -> "1.5e-7", 0.1 -> "0.1".
#ifndef SHOAL_PROTOCOL_REPLY_BUILDER_H_
#define SHOAL_PROTOCOL_REPLY_BUILDER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace shoal {

class ReplyBuilder {
 public:
  explicit ReplyBuilder(int resp_version = 2) : resp_(resp_version) {}

  int resp_version() const { return resp_; }
  void set_resp_version(int v) { resp_ = v; }

  // +OK style status, -ERR style error (text without '-' and CRLF; a text
  // without an upper-case first word gets "ERR " prepended, as Redis does).
  void SimpleString(std::string_view s);
  void Ok() { out_.append("+OK\r\n", 5); }
  void Error(std::string_view text);
  void Integer(int64_t v);
  void Bulk(std::string_view s);
  // Null bulk ($-1 / _) and null array (*-1 / _).
  void NullBulk();
  void NullArray();
  void ArrayHeader(int64_t n);
  // RESP3 map of n pairs; RESP2: array of 2n.
  void MapHeader(int64_t n);
  // RESP3 set; RESP2: array.
  void SetHeader(int64_t n);
  // RESP3 push; RESP2: array.
  void PushHeader(int64_t n);
  // RESP3 double; RESP2: bulk string with Redis's formatting.
  void Double(double d);
  // RESP3 boolean; RESP2: integer 1/0.
  void Boolean(bool b);
  // RESP3 big number; RESP2: bulk string.
  void BigNumber(std::string_view digits);
  // RESP3 verbatim string ("txt"/"mkd"); RESP2: bulk string.
  void Verbatim(std::string_view format, std::string_view s);
  // Empty array helper.
  void EmptyArray() { ArrayHeader(0); }
  // Raw bytes, already in RESP (used to replay cached replies).
  void Raw(std::string_view bytes) { out_.append(bytes); }

  // Formats a double as Redis does in replies (shared with INCRBYFLOAT etc.).
  static std::string FormatDouble(double d);

  std::string& buffer() { return out_; }
  size_t size() const { return out_.size(); }
  void Clear() { out_.clear(); }

 private:
  void Header(char type, int64_t n);
  int resp_;
  std::string out_;
};

}  // namespace shoal

#endif  // SHOAL_PROTOCOL_REPLY_BUILDER_H_
