// ServerState implementation: client registry and stats reset.
#include "server/dispatch/server_state.h"

namespace shoal {

void ClientRegistry::Add(ClientSession* s) {
  absl::MutexLock l(&mu_);
  clients_[s->id] = s;
}

void ClientRegistry::Remove(ClientSession* s) {
  absl::MutexLock l(&mu_);
  clients_.erase(s->id);
}

int64_t ClientRegistry::Count() const {
  absl::MutexLock l(&mu_);
  return static_cast<int64_t>(clients_.size());
}

bool ClientRegistry::With(uint64_t id, const std::function<void(ClientSession&)>& fn) const {
  absl::MutexLock l(&mu_);
  auto it = clients_.find(id);
  if (it == clients_.end()) return false;
  fn(*it->second);
  return true;
}

void ClientRegistry::ForEach(const std::function<void(ClientSession&)>& fn) const {
  absl::MutexLock l(&mu_);
  for (const auto& [id, s] : clients_) fn(*s);
}

ServerState::ServerState(const CommandTable* table, RuntimeConfig* rc, int workers,
                         BlockingRegistry* blocking, PubSubRegistry* pubsub)
    : table_(table), rc_(rc), config_(rc), blocking_(blocking), pubsub_(pubsub) {
  for (int i = 0; i < workers; ++i) {
    worker_stats_.push_back(std::make_unique<WorkerStats>(table->spec_count()));
  }
}

void ServerState::Unpause() {
  pause_mode.store(kPauseNone);
  pause_until_ms.store(0);
  clients().ForEach([](ClientSession& c) { c.waker->WakeBlocked(c.id); });
}

void ServerState::ResetStats() {
  for (auto& w : worker_stats_) {
    for (CommandCounters& c : w->commands) {
      c.calls = 0;
      c.usec = 0;
      c.rejected = 0;
      c.failed = 0;
    }
    w->commands_processed = 0;
    w->net_input_bytes = 0;
    w->net_output_bytes = 0;
    w->error_replies = 0;
    w->latency.ClearAll();
    absl::MutexLock l(&w->error_mu);
    w->error_codes.clear();
  }
  total_connections_received = 0;
  rejected_connections = 0;
  acl_denied_auth = 0;
  acl_denied_cmd = 0;
  acl_denied_key = 0;
  acl_denied_channel = 0;
}

}  // namespace shoal
