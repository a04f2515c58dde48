// BlockingRegistry implementation: FIFO queues of parked clients per key.
#include "server/events/blocking.h"

#include <algorithm>

#include "server/dispatch/client_session.h"
#include "server/dispatch/command_context.h"

namespace shoal {

void BlockingRegistry::Block(CommandContext& ctx, const std::vector<std::string_view>& keys,
                             int64_t timeout_ms, BlockedReply timeout_reply) {
  ClientSession* c = ctx.client;
  BlockState& b = c->block;
  if (b.blocked) {  // a re-run that found nothing keeps its place
    b.reblocked = true;
    return;
  }
  b.blocked = true;
  b.db = ctx.db();
  b.keys.assign(keys.begin(), keys.end());
  b.deadline_ms = timeout_ms > 0 ? ctx.NowMs() + timeout_ms : 0;
  b.timeout_reply = timeout_reply;
  c->blocked_flag.store(true, std::memory_order_relaxed);
  absl::MutexLock l(&mu_);
  for (const std::string& k : b.keys) {
    std::deque<ClientSession*>& q = waiters_[Key(b.db, k)];
    if (std::find(q.begin(), q.end(), c) == q.end()) q.push_back(c);
  }
  ++blocked_;
  blocked_hint_.store(blocked_, std::memory_order_release);
}

void BlockingRegistry::KeyReady(int db, std::string_view key) {
  // A blocking handler registers while it holds the key's stripe, and the
  // pusher holds that stripe here: a zero seen here means nobody waits on
  // this key (the stripe's lock orders the two).
  if (blocked_hint_.load(std::memory_order_acquire) == 0) return;
  ClientSession* first = nullptr;
  {
    absl::MutexLock l(&mu_);
    if (waiters_.empty()) return;
    auto it = waiters_.find(Key(db, std::string(key)));
    if (it == waiters_.end() || it->second.empty()) return;
    first = it->second.front();
    // The waker is called under the registry lock: Unblock (which a closing
    // connection calls before it is freed) cannot run concurrently, so the
    // session pointer is valid here.
    first->waker->WakeBlocked(first->id);
  }
}

void BlockingRegistry::KeyReadyAll(int db, std::string_view key) {
  if (blocked_hint_.load(std::memory_order_acquire) == 0) return;
  absl::MutexLock l(&mu_);
  auto it = waiters_.find(Key(db, std::string(key)));
  if (it == waiters_.end()) return;
  for (ClientSession* c : it->second) c->waker->WakeBlocked(c->id);  // valid: see KeyReady
}

void BlockingRegistry::DbReady(int db) {
  if (blocked_hint_.load(std::memory_order_acquire) == 0) return;
  absl::MutexLock l(&mu_);
  for (auto& [key, queue] : waiters_) {
    if (key.first != db || queue.empty()) continue;
    ClientSession* first = queue.front();
    first->waker->WakeBlocked(first->id);  // valid: see KeyReady
  }
}

void BlockingRegistry::Unblock(ClientSession* c) {
  BlockState& b = c->block;
  if (!b.blocked) return;
  {
    absl::MutexLock l(&mu_);
    for (const std::string& k : b.keys) {
      auto it = waiters_.find(Key(b.db, k));
      if (it == waiters_.end()) continue;
      auto& q = it->second;
      q.erase(std::remove(q.begin(), q.end(), c), q.end());
      if (q.empty()) waiters_.erase(it);
    }
    --blocked_;
    blocked_hint_.store(blocked_, std::memory_order_release);
  }
  b.blocked = false;
  b.keys.clear();
  b.args.clear();
  c->blocked_flag.store(false, std::memory_order_relaxed);
}

int64_t BlockingRegistry::blocked_clients() const {
  absl::MutexLock l(&mu_);
  return blocked_;
}

}  // namespace shoal
