// Keyspace notifications: flag parsing and publishing.
#include "server/events/notify.h"

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

void NotifyInDb(CommandContext& ctx, int db, uint32_t cls, std::string_view event,
                std::string_view key) {
  if (ctx.server == nullptr) return;  // operations run without a server (unit tests)
  // Replicas publish the change's events under their own flags; "keymiss"
  // is a read's, which a replica's own clients raise there.
  if (ctx.server->replication != nullptr && cls != kNotifyKeyMiss) {
    ctx.server->replication->NoteKeyEvent(db, cls, event, key);
  }
  uint32_t enabled = ctx.server->runtime().notify_keyspace_events.load(std::memory_order_relaxed);
  if (!(enabled & cls)) return;
  NotifyEvent(ctx.server->pubsub(), enabled, cls, db, event, key);
}

void Notify(CommandContext& ctx, uint32_t cls, std::string_view event, std::string_view key) {
  NotifyInDb(ctx, ctx.db(), cls, event, key);
}

}  // namespace shoal
