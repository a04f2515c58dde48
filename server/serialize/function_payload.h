// The FUNCTION DUMP / FUNCTION RESTORE payload: Shoal's libraries in the
// bytes Redis uses, so payloads move between Shoal and redis-server.
//
//   body    one entry per library: opcode 245 (RDB_OPCODE_FUNCTION2), then
//           the library's full source ("#!lua name=...\n...") as an RDB
//           string (rdb_string.h)
//   footer  2-byte little-endian RDB version, then the 8-byte little-endian
//           CRC64 (crc64.h) of every byte before the CRC
//
// This layer only frames and checks bytes; compiling the code, name clashes
// and the FLUSH/APPEND/REPLACE policy belong to the caller, which reports its
// own errors (e.g. "ERR Missing library metadata"). Every error text here is
// the one redis-server replies with, "ERR " prefix included, so a caller can
// send it as is. Pure functions; thread-safe.
#ifndef SHOAL_SERVER_SERIALIZE_FUNCTION_PAYLOAD_H_
#define SHOAL_SERVER_SERIALIZE_FUNCTION_PAYLOAD_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shoal {

// RDB version written in footers: what Redis 7.2 writes (7.0 writes 10).
inline constexpr uint16_t kRdbVersion = 11;

inline constexpr uint8_t kRdbOpcodeFunction2 = 245;
// The 7.0-rc library record (name, engine, description, code): see
// FunctionPayloadOptions::accept_pre_ga.
inline constexpr uint8_t kRdbOpcodeFunctionPreGa = 246;

// Error replies, verbatim from redis-server.
inline constexpr std::string_view kErrBadPayloadFooter =
    "ERR DUMP payload version or checksum are wrong";
inline constexpr std::string_view kErrNotAFunction = "ERR given type is not a function";
inline constexpr std::string_view kErrPreGaUnsupported = "ERR Pre-GA function format not supported";
inline constexpr std::string_view kErrBadLibraryPayload = "ERR Failed loading library payload";

// Where Redis versions differ, which one to behave like. The defaults are
// Redis 7.2's.
struct FunctionPayloadOptions {
  // Footers with a higher RDB version are refused. Redis 7.0 accepts up to 10.
  uint16_t max_rdb_version = kRdbVersion;
  // Redis 8 takes a stored CRC of zero to mean "not checksummed" and skips
  // the check; Redis 7.x verifies it like any other value.
  bool zero_crc_skips_check = false;
  // Redis 7.0 still loads opcode 246 records, turning them into
  // "#!<engine> name=<name>\n<code>"; 7.2 and later refuse them with
  // kErrPreGaUnsupported.
  bool accept_pre_ga = false;
};

// Serializes the libraries' source texts (each the full code given to
// FUNCTION LOAD) in order, as uncompressed RDB strings. Redis 7.0 refuses
// footers above version 10; pass rdb_version = 10 for payloads it must load.
std::string DumpFunctions(const std::vector<std::string>& library_codes,
                          uint16_t rdb_version = kRdbVersion);

// Checks the footer, then reads the body's library sources in order. On
// failure returns false, sets *err to Redis's reply text and leaves
// *library_codes untouched; on success replaces *library_codes.
//
// Like Redis, records are read until no more than the 10 footer bytes remain,
// and a record's string may run into the footer; that only happens with
// forged payloads whose CRC was recomputed, and the code it yields then fails
// to compile in the caller.
bool ParseFunctionPayload(std::string_view payload, std::vector<std::string>* library_codes,
                          std::string* err, const FunctionPayloadOptions& options = {});

}  // namespace shoal

#endif  // SHOAL_SERVER_SERIALIZE_FUNCTION_PAYLOAD_H_
