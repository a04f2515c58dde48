// Keyspace notifications (notify-keyspace-events): command families report
// what they changed; when the class is enabled, a message goes to
// __keyspace@<db>__:<key> (event name) and/or __keyevent@<db>__:<event> (key)
// through the pub/sub registry. Cheap when disabled (one relaxed load).
#ifndef SHOAL_SERVER_EVENTS_NOTIFY_H_
#define SHOAL_SERVER_EVENTS_NOTIFY_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace shoal {

struct CommandContext;
class PubSubRegistry;

// Event classes, Redis's letters.
enum NotifyClass : uint32_t {
  kNotifyKeyspace = 1 << 0,  // K
  kNotifyKeyevent = 1 << 1,  // E
  kNotifyGeneric = 1 << 2,   // g
  kNotifyString = 1 << 3,    // $
  kNotifyList = 1 << 4,      // l
  kNotifySet = 1 << 5,       // s
  kNotifyHash = 1 << 6,      // h
  kNotifyZset = 1 << 7,      // z
  kNotifyExpired = 1 << 8,   // x
  kNotifyEvicted = 1 << 9,   // e
  kNotifyStream = 1 << 10,   // t
  kNotifyKeyMiss = 1 << 11,  // m (not part of A)
  kNotifyModule = 1 << 12,   // d
  kNotifyNew = 1 << 13,      // n (not part of A)
  kNotifyAll = kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet | kNotifyHash |
               kNotifyZset | kNotifyExpired | kNotifyEvicted | kNotifyStream | kNotifyModule,
};

// Parses Redis's flag string ("KEA", "Kx", ""); false on an unknown letter.
bool ParseNotifyFlags(std::string_view s, uint32_t* out);
// Formats flags back as Redis's CONFIG GET does.
std::string FormatNotifyFlags(uint32_t flags);

// Called by command handlers after a change: e.g.
//   Notify(ctx, kNotifyList, "lpush", key);
// A handler that creates a key first publishes Notify(ctx, kNotifyNew, "new",
// key), as Redis's dbAdd does, then its own event. What each command
// publishes, and in which order, is listed in docs/keyspace-events.md and
// checked against redis-server by
// tests/test_keyspace_events.py. A no-op when ctx has no server.
void Notify(CommandContext& ctx, uint32_t cls, std::string_view event, std::string_view key);
// Same, for a key in database `db` rather than the client's (MOVE, COPY DB).
void NotifyInDb(CommandContext& ctx, int db, uint32_t cls, std::string_view event,
                std::string_view key);
// Same, for a command Redis propagates to replicas as another command:
// publishes `event` here, and ships `shipped` (of class `cls`) `times` times
// to replicas in its place, the events a Redis replica publishes when it runs
// what was propagated. SPOP: "spop" here, one "srem" per popped member there.
void NotifyShippedAs(CommandContext& ctx, uint32_t cls, std::string_view event,
                     std::string_view shipped, uint64_t times, std::string_view key);
// Same, without a command context (store callbacks: expired, evicted).
void NotifyEvent(PubSubRegistry& pubsub, uint32_t enabled, uint32_t cls, int db,
                 std::string_view event, std::string_view key);

}  // namespace shoal

#endif  // SHOAL_SERVER_EVENTS_NOTIFY_H_
