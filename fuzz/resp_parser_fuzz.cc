// libFuzzer target: the RESP request parser (protocol/request_parser.h).
//
// Input: one byte of options, then the bytes a client sends. The options pick
// the parser's limits (pre-authentication bounds, a refusing admit_bulk
// hook) and how the stream is cut into reads.
//
// Invariants checked, beyond "no crash, no sanitizer report":
//  - consumed never exceeds the buffer, and kOk always yields arguments;
//  - re-encoding every parsed command as a RESP multibulk and parsing that
//    with a fresh parser gives back exactly the same arguments, consuming
//    exactly the encoding (parse -> encode -> parse round trip);
//  - feeding the stream in small reads, as a connection does (unconsumed
//    bytes kept, new bytes appended), yields the same commands as feeding
//    it whole, up to the point where the chunked run stops; and when the
//    chunked run ends without an error the two runs agree exactly. (The
//    chunked run may fail earlier: "too big inline request" is judged on
//    what has arrived, as in Redis.)
//  - the pipeline look-ahead (protocol/pipeline_scan.h) reads within the
//    buffer, and each request it reports has, where the parser (default
//    limits) parses it, the same second argument.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/pipeline_scan.h"
#include "protocol/request_parser.h"

namespace {

using shoal::ParseStatus;
using shoal::ParserLimits;
using shoal::RequestParser;

void Check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "invariant violated: %s\n", what);
    abort();
  }
}

struct Event {
  ParseStatus status;
  std::vector<std::string> args;  // kOk only
  bool operator==(const Event&) const = default;
};

ParserLimits LimitsFor(uint8_t opts) {
  ParserLimits l;
  if (opts & 1) l.unauthenticated = true;
  if (opts & 2) {
    // Refuse bulks over 8 bytes whose length is odd: exercises kRefused and
    // the discarding of the rest of the command as it arrives.
    l.admit_check_over = 8;
    l.admit_bulk = [](std::string_view, int64_t len) { return len % 2 == 0; };
  }
  if (opts & 4) {
    l.max_inline_len = 64;
    l.max_bulk_len = 1024;
    l.max_multibulk_len = 32;
  }
  return l;
}

std::string Encode(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string& a : args) {
    out += "$" + std::to_string(a.size()) + "\r\n";
    out += a;
    out += "\r\n";
  }
  return out;
}

void CheckRoundTrip(const std::vector<std::string>& args) {
  const std::string wire = Encode(args);
  RequestParser p;
  size_t consumed = 0;
  std::vector<std::string_view> again;
  ParseStatus st = p.Parse(wire, &consumed, &again);
  Check(st == ParseStatus::kOk, "re-encoded command parses");
  Check(consumed == wire.size(), "re-encoded command consumed exactly");
  Check(again.size() == args.size(), "re-encoded argument count");
  for (size_t i = 0; i < args.size(); ++i) Check(again[i] == args[i], "re-encoded argument");
}

// Drives a parser over `data` delivered in reads of the given sizes (0:
// everything at once), the way Connection does. Stops at the first error
// or when no progress is possible; at most `max_events` events.
std::vector<Event> Drive(std::string_view data, const ParserLimits& limits,
                         const std::vector<size_t>& reads) {
  RequestParser parser(limits);
  std::vector<Event> events;
  std::string buf;
  size_t fed = 0, read_index = 0;
  std::vector<std::string_view> args;
  while (true) {
    size_t consumed = 0;
    ParseStatus st = parser.Parse(buf, &consumed, &args);
    Check(consumed <= buf.size(), "consumed within the buffer");
    if (st == ParseStatus::kOk) {
      Check(!args.empty(), "kOk carries arguments");
      Check(consumed > 0, "kOk consumes bytes");
      Event e{st, {}};
      for (std::string_view a : args) e.args.emplace_back(a);
      events.push_back(std::move(e));
      buf.erase(0, consumed);
      continue;
    }
    if (st == ParseStatus::kRefused) {
      events.push_back({st, {}});
      buf.erase(0, consumed);
      continue;
    }
    if (st == ParseStatus::kError) {
      Check(!parser.ErrorText().empty(), "an error has a text");
      Check(parser.ErrorText().find_first_of("\r\n") == std::string::npos,
            "error text has no CR/LF");
      events.push_back({st, {}});
      return events;
    }
    buf.erase(0, consumed);
    if (fed == data.size()) return events;  // kNeedMore and nothing left to feed
    size_t n = data.size() - fed;
    if (!reads.empty()) {
      n = std::min(n, reads[read_index++ % reads.size()]);
    }
    buf.append(data.substr(fed, n));
    fed += n;
  }
}

// `parsed`: the whole run's events under default limits, or null.
void CheckScan(std::string_view stream, const std::vector<Event>* parsed) {
  constexpr size_t kMax = 8;
  std::string_view keys[kMax];
  const size_t n = shoal::ScanPipelineKeys(stream, keys, kMax);
  Check(n <= kMax, "scan reports at most max requests");
  for (size_t i = 0; i < n; ++i) {
    Check(keys[i].empty() || (keys[i].data() >= stream.data() &&
                              keys[i].data() + keys[i].size() <= stream.data() + stream.size()),
          "scanned key lies within the buffer");
    if (parsed == nullptr || i >= parsed->size() || (*parsed)[i].status != ParseStatus::kOk) break;
    const std::vector<std::string>& args = (*parsed)[i].args;
    Check(args.size() >= 2 ? keys[i] == args[1] : keys[i].empty(),
          "scanned key is the parsed second argument");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t opts = data[0];
  std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  const ParserLimits limits = LimitsFor(opts);

  std::vector<Event> whole = Drive(stream, limits, {});
  for (const Event& e : whole) {
    if (e.status == ParseStatus::kOk) CheckRoundTrip(e.args);
  }

  CheckScan(stream, (opts & 7) == 0 ? &whole : nullptr);

  // Read sizes from the option byte's high bits: 1..8 bytes, varying.
  std::vector<size_t> reads;
  for (int i = 0; i < 4; ++i) reads.push_back(1 + ((opts >> 3) + i * 3) % 8);
  std::vector<Event> chunked = Drive(stream, limits, reads);

  const bool chunked_failed =
      !chunked.empty() && chunked.back().status == ParseStatus::kError;
  // The chunked run's events before its error (if any) must match.
  const size_t checked = chunked.size() - (chunked_failed ? 1 : 0);
  Check(checked <= whole.size(), "chunked reads never yield more commands");
  for (size_t i = 0; i < checked; ++i) {
    Check(whole[i] == chunked[i], "chunked reads give the same commands");
  }
  if (!chunked_failed) Check(whole == chunked, "chunked run without error matches whole run");
  return 0;
}
