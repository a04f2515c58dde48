// The source side of warm slot migration; see slot_mover.h.
#include "cluster/slot_mover.h"

#include <algorithm>
#include <chrono>
#include <string_view>
#include <vector>

#include "base/strings.h"
#include "protocol/reply_builder.h"
#include "server/dispatch/client_session.h"
#include "server/dispatch/dispatcher.h"
#include "server/dispatch/replication_hooks.h"

namespace shoal {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// MIGRATE runs as this client, through a dispatcher of the mover's own, so
// that it takes the same path as a client's MIGRATE: routing, stripe locks,
// replication of the deletes.
class SlotMover::Client {
 public:
  Client(Store* store, ServerState* server) : dispatcher_(store, server, 0), server_(server) {
    session_.id = 0;
    session_.addr = "slot-mover";
    session_.authenticated = true;
    session_.user = nullptr;  // internal: no ACL applies
    session_.slot_mover = true;
  }

  // Runs one command; returns its reply as RESP text.
  std::string Run(const std::vector<std::string>& args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    ReplyBuilder reply;
    dispatcher_.Dispatch(&session_, &reply, CmdArgs(views));
    if (server_->replication != nullptr) server_->replication->LoopTurnEnd();
    return std::string(reply.buffer());
  }

 private:
  Dispatcher dispatcher_;
  ServerState* server_;
  ClientSession session_;
};

SlotMover::SlotMover(const ClusterState* state, Store* store, ServerState* server,
                     SlotMoverOptions options)
    : state_(state),
      store_(store),
      server_(server),
      options_(options),
      client_(std::make_unique<Client>(store, server)),
      thread_([this] { Run(); }) {}

SlotMover::~SlotMover() {
  stop_.store(true);
  thread_.join();
}

SlotMover::Progress SlotMover::progress() const {
  return Progress{reported_plan_.load(std::memory_order_acquire),
                  reported_handoff_.load(std::memory_order_acquire)};
}

SlotMoverStats SlotMover::stats() const {
  SlotMoverStats s;
  {
    absl::MutexLock l(&mu_);
    s = stats_;
  }
  std::shared_ptr<const ClusterView> view = state_->Get();
  if (view == nullptr || view->table.migration == 0) return s;
  for (int slot = 0; slot < kClusterSlots; ++slot) {
    if (view->TargetOfSlot(slot) == nullptr) continue;
    const ShardInfo* owner = view->ShardOfSlot(slot);
    if (owner != nullptr && owner->primary == view->my_id) {
      s.keys_remaining += store_->CountKeysInSlot(0, slot);
    }
  }
  return s;
}

void SlotMover::Report(uint64_t plan, int32_t handoff) {
  reported_handoff_.store(handoff, std::memory_order_release);
  reported_plan_.store(plan, std::memory_order_release);
}

void SlotMover::Run() {
  while (!stop_.load()) {
    if (!Step()) std::this_thread::sleep_for(std::chrono::milliseconds(options_.poll_ms));
  }
}

void SlotMover::Throttle(size_t bytes) {
  if (options_.bandwidth_bytes_per_sec <= 0) return;
  const double rate = static_cast<double>(options_.bandwidth_bytes_per_sec);
  int64_t now = NowMs();
  // A token bucket holding at most a second of bandwidth.
  tokens_ = std::min(rate, tokens_ + rate * static_cast<double>(now - tokens_ms_) / 1000.0);
  tokens_ms_ = now;
  tokens_ -= static_cast<double>(bytes);
  while (tokens_ < 0 && !stop_.load()) {
    const int64_t wait_ms = std::clamp<int64_t>(
        static_cast<int64_t>(-tokens_ * 1000.0 / rate) + 1, 1, options_.poll_ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
    now = NowMs();
    tokens_ += rate * static_cast<double>(now - tokens_ms_) / 1000.0;
    tokens_ms_ = now;
  }
}

bool SlotMover::Step() {
  std::shared_ptr<const ClusterView> view = state_->Get();
  if (view == nullptr || view->fenced) return false;
  const ShardTable& table = view->table;
  int mine = -1;
  for (size_t i = 0; i < table.shards.size(); ++i) {
    if (table.shards[i].primary == view->my_id && !view->my_id.empty()) mine = static_cast<int>(i);
  }
  ClusterState::MoverCursor& cursor = state_->mover_cursor();
  if (table.migration == 0 || mine < 0) {
    plan_ = 0;
    handoff_ = -1;
    cursor.started_through.store(-1, std::memory_order_release);
    cursor.plan.store(0, std::memory_order_release);
    Report(0, -1);
    return false;
  }
  const int64_t now = NowMs();
  if (table.migration != plan_) {
    plan_ = table.migration;
    plan_seen_ms_ = now;
    handoff_ = -1;
    cursor.started_through.store(-1, std::memory_order_release);
    cursor.plan.store(plan_, std::memory_order_release);
  }
  // A promoted replica carries on where the table says its shard got to.
  handoff_ = std::max(handoff_, table.shards[mine].handoff);
  // The next slot to hand off: the lowest one beyond the watermark that
  // still moves from this shard.
  int slot = -1;
  for (int s = handoff_ + 1; s < kClusterSlots; ++s) {
    if (view->slot_shard[s] == mine && view->slot_target[s] >= 0) {
      slot = s;
      break;
    }
  }
  if (slot < 0) {
    // Nothing left to move from here (or nothing ever did).
    Report(plan_, kClusterSlots - 1);
    return false;
  }
  Report(plan_, handoff_);

  size_t bytes = 0;
  std::vector<std::string> keys = store_->KeysInSlot(0, slot, options_.batch_keys, &bytes);
  // Keys go out only once the target shard surely has the plan (an empty
  // slot is handed off at once).
  if (!keys.empty() && now - plan_seen_ms_ < options_.start_delay_ms) return false;
  if (slot > cursor.started_through.load(std::memory_order_relaxed)) {
    // From here on a request for a key not here gets -TRYAGAIN rather than
    // creating it here (ClusterRouter::SlotInMotion). A request that read
    // the cursor before holds this slot's stripe while it runs; the scan
    // takes that stripe, so it waits the request out and sees its key.
    cursor.started_through.store(slot, std::memory_order_release);
    bytes = 0;
    keys = store_->KeysInSlot(0, slot, options_.batch_keys, &bytes);
  }
  if (keys.empty()) {
    // Empty, and no key of it can be created here any more: the slot is
    // handed off. This node's view flips it at once (swim.h EffectiveTable),
    // the target's when it hears, the table's when the coordinator does.
    handoff_ = slot;
    Report(plan_, handoff_);
    absl::MutexLock l(&mu_);
    stats_.slots_moved++;
    return true;
  }
  const ShardInfo& target = table.shards[view->slot_target[slot]];
  const NodeInfo* to = view->FindNode(target.primary);
  if (to == nullptr || to->state == MemberState::kDead || to->ip.empty()) return false;
  Throttle(bytes);

  std::vector<std::string> args = {"MIGRATE", to->ip, std::to_string(to->port), "", "0",
                                   std::to_string(options_.timeout_ms), "REPLACE"};
  const std::string user = server_->config().Value("masteruser");
  const std::string pass = server_->config().Value("masterauth");
  if (!pass.empty()) {
    if (user.empty()) {
      args.insert(args.end(), {"AUTH", pass});
    } else {
      args.insert(args.end(), {"AUTH2", user, pass});
    }
  }
  args.push_back("KEYS");
  args.insert(args.end(), keys.begin(), keys.end());
  std::string reply = client_->Run(args);
  absl::MutexLock l(&mu_);
  if (reply.rfind("+", 0) == 0) {
    stats_.keys_moved += static_cast<int64_t>(keys.size());
    stats_.bytes_moved += static_cast<int64_t>(bytes);
    return true;
  }
  stats_.errors++;
  while (!reply.empty() && (reply.back() == '\n' || reply.back() == '\r')) reply.pop_back();
  stats_.last_error = reply.empty() ? std::string() : reply.substr(1);
  return false;  // retried after a pause
}

}  // namespace shoal
