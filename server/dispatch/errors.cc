// Error texts, word for word as redis-server 7.2 replies them.
#include "server/dispatch/errors.h"
#include "base/strings.h"

#include "absl/strings/str_cat.h"

namespace shoal {

std::string_view OpStatusText(OpStatus s) {
  switch (s) {
    case OpStatus::kOk:
      return "";
    case OpStatus::kKeyNotFound:
    case OpStatus::kNoSuchKey:
      return kErrNoSuchKey;
    case OpStatus::kWrongType:
      return kErrWrongType;
    case OpStatus::kNotInteger:
      return kErrNotInteger;
    case OpStatus::kNotFloat:
      return kErrNotFloat;
    case OpStatus::kOutOfRange:
      return "ERR value is out of range";
    case OpStatus::kSyntax:
      return kErrSyntax;
    case OpStatus::kOverflow:
      return "ERR increment or decrement would overflow";
    case OpStatus::kNanOrInf:
      return "ERR increment would produce NaN or Infinity";
    case OpStatus::kInvalidExpire:
      return "ERR invalid expire time";
    case OpStatus::kStringTooLong:
      return "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
    case OpStatus::kSameObject:
      return "ERR source and destination objects are the same";
    case OpStatus::kDbIndexOutOfRange:
      return "ERR DB index is out of range";
    case OpStatus::kNotAllowedInCluster:
      return "ERR SELECT is not allowed in cluster mode";
  }
  return "ERR internal error";
}

std::string WrongArityText(std::string_view full_name) {
  return StrCat("ERR wrong number of arguments for '", full_name, "' command");
}

std::string InvalidExpireText(std::string_view full_name) {
  return StrCat("ERR invalid expire time in '", full_name, "' command");
}

}  // namespace shoal
