// Version strings. redis_version reports the Redis release whose commands
// Shoal implements (client libraries gate features on it), beside Shoal's own.
#ifndef SHOAL_SERVER_DISPATCH_VERSION_H_
#define SHOAL_SERVER_DISPATCH_VERSION_H_

namespace shoal {
inline constexpr char kShoalVersion[] = "0.1.0";
inline constexpr char kRedisVersion[] = "7.2.4";
}  // namespace shoal

#endif  // SHOAL_SERVER_DISPATCH_VERSION_H_
