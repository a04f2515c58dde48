// Keyspace notifications: flag parsing and publishing.
#include "server/events/notify.h"

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "base/strings.h"
#include "server/dispatch/command_context.h"
#include "server/events/pubsub.h"

namespace shoal {
namespace {

struct Letter {
  char c;
  uint32_t bit;
};
constexpr Letter kLetters[] = {
    {'g', kNotifyGeneric}, {'$', kNotifyString},  {'l', kNotifyList},   {'s', kNotifySet},
    {'h', kNotifyHash},    {'z', kNotifyZset},    {'x', kNotifyExpired}, {'e', kNotifyEvicted},
    {'t', kNotifyStream},  {'m', kNotifyKeyMiss}, {'d', kNotifyModule}, {'n', kNotifyNew},
    {'K', kNotifyKeyspace}, {'E', kNotifyKeyevent},
};

}  // namespace

bool ParseNotifyFlags(std::string_view s, uint32_t* out) {
  uint32_t flags = 0;
  for (char c : s) {
    if (c == 'A') {
      flags |= kNotifyAll;
      continue;
    }
    bool found = false;
    for (const Letter& l : kLetters) {
      if (l.c == c) {
        flags |= l.bit;
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  *out = flags;
  return true;
}

std::string FormatNotifyFlags(uint32_t flags) {
  std::string out;
  if ((flags & kNotifyAll) == kNotifyAll) {
    out.push_back('A');
  } else {
    for (const Letter& l : kLetters) {
      if (l.bit & kNotifyAll && flags & l.bit) out.push_back(l.c);
    }
  }
  if (flags & kNotifyKeyspace) out.push_back('K');
  if (flags & kNotifyKeyevent) out.push_back('E');
  if (flags & kNotifyKeyMiss) out.push_back('m');
  if (flags & kNotifyNew) out.push_back('n');
  return out;
}

void NotifyEvent(PubSubRegistry& pubsub, uint32_t enabled, uint32_t cls, int db,
                 std::string_view event, std::string_view key) {
  if (!(enabled & cls)) return;
  if (enabled & kNotifyKeyspace) {
    std::string channel = StrCat("__keyspace@", db, "__:", key);
    pubsub.Publish(SubKind::kChannel, channel, event, nullptr, nullptr);
  }
  if (enabled & kNotifyKeyevent) {
    std::string channel = StrCat("__keyevent@", db, "__:", event);
    pubsub.Publish(SubKind::kChannel, channel, key, nullptr, nullptr);
  }
}

namespace {

void PublishIfEnabled(CommandContext& ctx, int db, uint32_t cls, std::string_view event,
                      std::string_view key) {
  uint32_t enabled = ctx.server->runtime().notify_keyspace_events.load(std::memory_order_relaxed);
  if (!(enabled & cls)) return;
  NotifyEvent(ctx.server->pubsub(), enabled, cls, db, event, key);
}

// With replicas attached: the event ships to them too (they publish it under
// their own flags); "keymiss" is a read's, which a replica's own clients
// raise there. Out of line, so that the usual path saves no registers.
ABSL_ATTRIBUTE_NOINLINE void NotifyRecorded(CommandContext& ctx, int db, uint32_t cls,
                                            std::string_view event, std::string_view key) {
  if (cls != kNotifyKeyMiss) ctx.server->replication->NoteKeyEvent(db, cls, event, key);
  PublishIfEnabled(ctx, db, cls, event, key);
}

// Notify and NotifyInDb: inlined into both, as SET's path calls Notify once
// or twice per command.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void NotifyChange(CommandContext& ctx, int db, uint32_t cls,
                                                      std::string_view event,
                                                      std::string_view key) {
  if (ctx.server == nullptr) return;  // operations run without a server (unit tests)
  const ReplicationHooks* repl = ctx.server->replication;
  if (ABSL_PREDICT_FALSE(repl != nullptr && repl->ships_key_events())) {
    return NotifyRecorded(ctx, db, cls, event, key);
  }
  PublishIfEnabled(ctx, db, cls, event, key);
}

}  // namespace

void NotifyInDb(CommandContext& ctx, int db, uint32_t cls, std::string_view event,
                std::string_view key) {
  NotifyChange(ctx, db, cls, event, key);
}

void Notify(CommandContext& ctx, uint32_t cls, std::string_view event, std::string_view key) {
  NotifyChange(ctx, ctx.db(), cls, event, key);
}

void NotifyShippedAs(CommandContext& ctx, uint32_t cls, std::string_view event,
                     std::string_view shipped, uint64_t times, std::string_view key) {
  if (ctx.server == nullptr) return;
  ReplicationHooks* repl = ctx.server->replication;
  if (repl != nullptr && repl->ships_key_events()) {
    for (uint64_t i = 0; i < times; ++i) repl->NoteKeyEvent(ctx.db(), cls, shipped, key);
  }
  PublishIfEnabled(ctx, ctx.db(), cls, event, key);
}

}  // namespace shoal
