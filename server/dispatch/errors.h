// One error vocabulary for command handlers: OpStatus values returned by
// operations on the store, and the one function that maps each to Redis's
// exact error text.
#ifndef SHOAL_SERVER_DISPATCH_ERRORS_H_
#define SHOAL_SERVER_DISPATCH_ERRORS_H_

#include <string>
#include <string_view>

namespace shoal {

enum class OpStatus {
  kOk,
  kKeyNotFound,
  kWrongType,
  kNotInteger,
  kNotFloat,
  kOutOfRange,
  kSyntax,
  kOverflow,      // increment or decrement would overflow
  kNanOrInf,      // increment would produce NaN or Infinity
  kInvalidExpire,
  kStringTooLong,  // result over proto-max-bulk-len
  kNoSuchKey,
  kSameObject,
  kDbIndexOutOfRange,
  kNotAllowedInCluster,
};

// Redis's error reply text (without '-' and CRLF) for a status.
std::string_view OpStatusText(OpStatus s);

inline constexpr std::string_view kErrWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kErrNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kErrNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kErrSyntax = "ERR syntax error";
// A replica with replica-serve-stale-data no while its link is not synced.
inline constexpr std::string_view kErrMasterDown =
    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
inline constexpr std::string_view kErrNoSuchKey = "ERR no such key";
inline constexpr std::string_view kErrOom =
    "OOM command not allowed when used memory > 'maxmemory'.";

// "ERR wrong number of arguments for 'get' command"
std::string WrongArityText(std::string_view full_name);
// "ERR invalid expire time in 'set' command"
std::string InvalidExpireText(std::string_view full_name);

}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_ERRORS_H_
