// ClientTracking implementation: the sharded tracking table, BCAST prefixes
// and delivery of invalidations (design in tracking.h).
#include "server/events/tracking.h"

#include <algorithm>
#include <functional>
#include <map>
#include <utility>

#include "base/strings.h"
#include "protocol/reply_builder.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/command_table.h"
#include "server/store/slot_hash.h"

namespace shoal {
namespace {

constexpr std::string_view kInvalidateChannel = "__redis__:invalidate";

std::string BrokenRedirectMessage(uint64_t redirect) {
  ReplyBuilder rb(3);
  rb.PushHeader(2);
  rb.Bulk("tracking-redir-broken");
  rb.Integer(static_cast<int64_t>(redirect));
  return std::move(rb.buffer());
}

// BCAST changes deferred on this thread until its command ends: prefix ->
// key -> the client whose command first changed it. Ordered maps: Redis
// walks its prefix and key radix trees in byte order.
using PendingKeys = std::map<std::string, uint64_t, std::less<>>;
thread_local std::map<std::string, PendingKeys, std::less<>> t_pending_bcast;

// What Send needs to know of a client, read under the registry lock.
struct TargetView {
  uint32_t flags = 0;
  uint64_t redirect = 0;
  int resp = 2;
  bool subscribed = false;
};

}  // namespace

std::string InvalidationMessage(int resp, bool pubsub, std::span<const std::string_view> keys,
                                bool flush) {
  ReplyBuilder rb(resp);
  if (pubsub) {
    rb.PushHeader(3);
    rb.Bulk("message");
    rb.Bulk(kInvalidateChannel);
  } else {
    rb.PushHeader(2);
    rb.Bulk("invalidate");
  }
  if (flush) {
    rb.NullBulk();
  } else {
    rb.ArrayHeader(static_cast<int64_t>(keys.size()));
    for (std::string_view key : keys) rb.Bulk(key);
  }
  return std::move(rb.buffer());
}

void ClientTracking::RegisterConfig(ConfigRegistry* reg) {
  reg->AddInt("tracking-table-max-keys", &max_keys_, 0, INT64_MAX);
}

ClientTracking::Shard& ClientTracking::ShardOf(std::string_view key) {
  return shards_[KeySlot(key) % kShards];
}

void ClientTracking::Enable(ClientSession* c, uint64_t redirect, uint32_t options,
                            const std::vector<std::string>& prefixes) {
  const uint32_t old = c->tracking.load(std::memory_order_relaxed);
  if (!(old & kTrackingOn)) tracking_clients_.fetch_add(1, std::memory_order_relaxed);
  c->tracking_redirect.store(redirect, std::memory_order_relaxed);
  if (options & kTrackingBcast) {
    if (!(old & kTrackingBcast)) bcast_clients_.fetch_add(1, std::memory_order_relaxed);
    std::vector<std::string> add = prefixes;
    if (add.empty()) add.push_back("");
    absl::MutexLock l(&prefix_mu_);
    for (std::string& p : add) {
      auto& mine = c->tracking_prefixes;
      if (std::find(mine.begin(), mine.end(), p) != mine.end()) continue;
      mine.push_back(p);
      prefixes_[p].push_back(c->id);
      if (std::find(prefix_lengths_.begin(), prefix_lengths_.end(), p.size()) ==
          prefix_lengths_.end()) {
        prefix_lengths_.insert(
            std::upper_bound(prefix_lengths_.begin(), prefix_lengths_.end(), p.size()), p.size());
      }
    }
  }
  c->tracking.store(kTrackingOn | (options & (kTrackingBcast | kTrackingOptin | kTrackingOptout |
                                              kTrackingNoloop)),
                    std::memory_order_relaxed);
}

void ClientTracking::Disable(ClientSession* c) {
  const uint32_t old = c->tracking.load(std::memory_order_relaxed);
  if (!(old & kTrackingOn)) return;
  if (old & kTrackingBcast) {
    absl::MutexLock l(&prefix_mu_);
    for (const std::string& p : c->tracking_prefixes) {
      auto it = prefixes_.find(p);
      if (it == prefixes_.end()) continue;
      auto& ids = it->second;
      ids.erase(std::remove(ids.begin(), ids.end(), c->id), ids.end());
      if (!ids.empty()) continue;
      prefixes_.erase(it);
      const bool length_used = std::any_of(prefixes_.begin(), prefixes_.end(), [&](const auto& e) {
        return e.first.size() == p.size();
      });
      if (!length_used) {
        prefix_lengths_.erase(std::find(prefix_lengths_.begin(), prefix_lengths_.end(), p.size()));
      }
    }
    c->tracking_prefixes.clear();
    bcast_clients_.fetch_sub(1, std::memory_order_relaxed);
  }
  c->tracking.store(0, std::memory_order_relaxed);
  c->tracking_caching = false;
  tracking_clients_.fetch_sub(1, std::memory_order_relaxed);
}

void ClientTracking::RememberKeys(ClientSession& reader, const CommandSpec& spec, CmdArgs args) {
  const uint32_t f = reader.tracking.load(std::memory_order_relaxed);
  if (!(f & kTrackingOn) || (f & kTrackingBcast)) return;
  // OPTIN tracks only after CLIENT CACHING yes, OPTOUT all but after CLIENT
  // CACHING no.
  if ((f & kTrackingOptin) && !reader.tracking_caching) return;
  if ((f & kTrackingOptout) && reader.tracking_caching) return;
  thread_local std::vector<int> idx;
  idx.clear();
  if (!CommandTable::KeyIndexes(spec, args, &idx) || idx.empty()) return;
  // As Redis, the limit is enforced before the table grows (so one command's
  // keys may take it past the limit until the next tracked read).
  EvictOverLimit();
  for (int i : idx) Remember(args[i], reader.id);
}

void ClientTracking::Remember(std::string_view key, uint64_t id) {
  Shard& sh = ShardOf(key);
  absl::MutexLock l(&sh.mu);
  auto [it, inserted] = sh.keys.try_emplace(std::string(key));
  if (inserted) keys_.fetch_add(1, std::memory_order_relaxed);
  Ids& ids = it->second;
  if (std::find(ids.begin(), ids.end(), id) != ids.end()) return;
  ids.push_back(id);
  items_.fetch_add(1, std::memory_order_relaxed);
}

void ClientTracking::EvictOverLimit() {
  const int64_t max = max_keys_.load(std::memory_order_relaxed);
  if (max <= 0 || keys_.load(std::memory_order_relaxed) <= max) return;
  int effort = 100 * (evict_rounds_.load(std::memory_order_relaxed) + 1);
  while (keys_.load(std::memory_order_relaxed) > max && effort-- > 0) {
    std::string key;
    Ids ids;
    bool found = false;
    for (int tries = 0; tries < kShards && !found; ++tries) {
      Shard& sh = shards_[evict_cursor_.fetch_add(1, std::memory_order_relaxed) % kShards];
      absl::MutexLock l(&sh.mu);
      if (sh.keys.empty()) continue;
      auto it = sh.keys.begin();
      key = it->first;
      ids = std::move(it->second);
      sh.keys.erase(it);
      keys_.fetch_sub(1, std::memory_order_relaxed);
      items_.fetch_sub(static_cast<int64_t>(ids.size()), std::memory_order_relaxed);
      found = true;
    }
    if (!found) break;  // another thread emptied it
    const KeyChange change[] = {{key, 0}};
    for (uint64_t id : ids) Send(id, change, false, false);
  }
  if (keys_.load(std::memory_order_relaxed) > max) {
    evict_rounds_.fetch_add(1, std::memory_order_relaxed);
  } else {
    evict_rounds_.store(0, std::memory_order_relaxed);
  }
}

void ClientTracking::InvalidateKey(std::string_view key, uint64_t writer, bool defer) {
  const KeyChange change[] = {{key, writer}};
  if (bcast_clients_.load(std::memory_order_relaxed) > 0) {
    std::vector<uint64_t> ids;
    {
      absl::ReaderMutexLock l(&prefix_mu_);
      for (size_t len : prefix_lengths_) {
        if (len > key.size()) break;
        auto it = prefixes_.find(ToAbsl(key.substr(0, len)));
        if (it == prefixes_.end()) continue;
        if (defer) {
          // The first writer stays (NOLOOP), as Redis's raxTryInsert.
          t_pending_bcast[it->first].try_emplace(std::string(key), writer);
          TrackingHooks::BroadcastPending() = true;
        } else {
          ids.insert(ids.end(), it->second.begin(), it->second.end());
        }
      }
    }
    for (uint64_t id : ids) Send(id, change, false, true);
  }
  Ids ids;
  {
    Shard& sh = ShardOf(key);
    absl::MutexLock l(&sh.mu);
    auto it = sh.keys.find(ToAbsl(key));
    if (it == sh.keys.end()) return;
    ids = std::move(it->second);
    sh.keys.erase(it);
    keys_.fetch_sub(1, std::memory_order_relaxed);
    items_.fetch_sub(static_cast<int64_t>(ids.size()), std::memory_order_relaxed);
  }
  for (uint64_t id : ids) Send(id, change, false, false);
}

void ClientTracking::FlushBroadcast() {
  if (!TrackingHooks::BroadcastPending()) return;
  TrackingHooks::BroadcastPending() = false;
  auto batch = std::move(t_pending_bcast);
  t_pending_bcast.clear();
  std::vector<KeyChange> changes;
  for (const auto& [prefix, keys] : batch) {
    std::vector<uint64_t> ids;
    {
      absl::ReaderMutexLock l(&prefix_mu_);
      auto it = prefixes_.find(prefix);
      if (it != prefixes_.end()) ids = it->second;
    }
    if (ids.empty()) continue;  // its clients left meanwhile
    changes.clear();
    for (const auto& [key, writer] : keys) changes.push_back({key, writer});
    for (uint64_t id : ids) Send(id, changes, false, true);
  }
}

void ClientTracking::InvalidateAll() {
  std::vector<uint64_t> ids;
  clients_->ForEach([&](ClientSession& c) {
    if (c.tracking.load(std::memory_order_relaxed) & kTrackingOn) ids.push_back(c.id);
  });
  for (uint64_t id : ids) Send(id, {}, true, false);
  for (Shard& sh : shards_) {
    absl::flat_hash_map<std::string, Ids> gone;
    {
      absl::MutexLock l(&sh.mu);
      gone.swap(sh.keys);
    }
    int64_t items = 0;
    for (const auto& [key, kids] : gone) items += static_cast<int64_t>(kids.size());
    keys_.fetch_sub(static_cast<int64_t>(gone.size()), std::memory_order_relaxed);
    items_.fetch_sub(items, std::memory_order_relaxed);
  }
}

void ClientTracking::Send(uint64_t id, std::span<const KeyChange> keys, bool flush, bool bcast) {
  TargetView t;
  bool found = clients_->With(id, [&](ClientSession& c) {
    t.flags = c.tracking.load(std::memory_order_relaxed);
    t.redirect = c.tracking_redirect.load(std::memory_order_relaxed);
    t.resp = c.resp.load(std::memory_order_relaxed);
  });
  if (!found || !(t.flags & kTrackingOn)) return;
  // A table entry left from before the client switched to BCAST says
  // nothing any more (and a flush reaches every mode).
  if (!flush && bcast != ((t.flags & kTrackingBcast) != 0)) return;
  absl::InlinedVector<std::string_view, 4> names;
  for (const KeyChange& k : keys) {
    if (!(t.flags & kTrackingNoloop) || k.writer != id) names.push_back(k.key);
  }
  if (!flush && names.empty()) return;
  const std::span<const std::string_view> message_keys(names.data(), names.size());
  if (t.redirect == 0) {
    // RESP2 without REDIRECT has no way to receive anything.
    if (t.resp < 3) return;
    std::string bytes = InvalidationMessage(3, false, message_keys, flush);
    clients_->With(id, [&](ClientSession& c) { c.waker->Deliver(c.id, std::move(bytes)); });
    return;
  }
  bool delivered = clients_->With(t.redirect, [&](ClientSession& r) {
    int resp = r.resp.load(std::memory_order_relaxed);
    if (resp >= 3) {
      r.waker->Deliver(r.id, InvalidationMessage(3, false, message_keys, flush));
    } else if (r.subscriptions.load(std::memory_order_relaxed) > 0) {
      r.waker->Deliver(r.id, InvalidationMessage(2, true, message_keys, flush));
    }
  });
  if (delivered) return;
  clients_->With(id, [&](ClientSession& c) {
    c.tracking.fetch_or(kTrackingBrokenRedir, std::memory_order_relaxed);
    if (c.resp.load(std::memory_order_relaxed) >= 3) {
      c.waker->Deliver(c.id, BrokenRedirectMessage(t.redirect));
    }
  });
}

ClientTracking::Stats ClientTracking::stats() const {
  Stats s;
  s.clients = tracking_clients();
  s.keys = keys_.load(std::memory_order_relaxed);
  s.items = items_.load(std::memory_order_relaxed);
  absl::ReaderMutexLock l(&prefix_mu_);
  s.prefixes = static_cast<int64_t>(prefixes_.size());
  return s;
}

void InvalidateChangedKey(void* arg, int /*db*/, std::string_view key) {
  auto* tracking = static_cast<ClientTracking*>(arg);
  // The table outlives the clients that filled it (as Redis's): a write
  // still drops a key left there after they stopped tracking.
  if (!tracking->active() && !tracking->holds_keys()) return;
  // Inside a command (a writer is set), BCAST waits for its end.
  const uint64_t writer = TrackingHooks::CurrentWriter();
  tracking->InvalidateKey(key, writer, /*defer=*/writer != 0);
}

void InvalidateTrackedAll(CommandContext& ctx) {
  // Not gated by active(): a flush is rare, and it also empties a table
  // that clients which stopped tracking left behind.
  TrackingHooks* hooks = ctx.server->tracking;
  if (hooks != nullptr) static_cast<ClientTracking*>(hooks)->InvalidateAll();
}

}  // namespace shoal
