// PubSubRegistry implementation. Messages are formatted once per protocol
// version (RESP2 array / RESP3 push) and handed to each subscriber's worker.
#include "server/events/pubsub.h"

#include "base/strings.h"
#include "protocol/reply_builder.h"
#include "server/dispatch/client_session.h"
#include "server/dispatch/glob_match.h"

namespace shoal {
namespace {

const char* MessageKind(SubKind kind) { return kind == SubKind::kShard ? "smessage" : "message"; }

std::string FormatMessage(int resp, const char* kind, std::string_view channel,
                          std::string_view message) {
  ReplyBuilder rb(resp);
  rb.PushHeader(3);
  rb.Bulk(kind);
  rb.Bulk(channel);
  rb.Bulk(message);
  return std::move(rb.buffer());
}

std::string FormatPMessage(int resp, std::string_view pattern, std::string_view channel,
                           std::string_view message) {
  ReplyBuilder rb(resp);
  rb.PushHeader(4);
  rb.Bulk("pmessage");
  rb.Bulk(pattern);
  rb.Bulk(channel);
  rb.Bulk(message);
  return std::move(rb.buffer());
}

}  // namespace

bool PubSubRegistry::Subscribe(ClientSession* c, SubKind kind, std::string_view name) {
  absl::MutexLock l(&mu_);
  auto& mine = by_client_[c];
  if (mine.empty()) mine.resize(3);
  if (!mine[static_cast<int>(kind)].insert(std::string(name)).second) return false;
  by_name_[static_cast<int>(kind)][ToAbsl(name)].insert(c);
  c->subscriptions.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool PubSubRegistry::Unsubscribe(ClientSession* c, SubKind kind, std::string_view name) {
  absl::MutexLock l(&mu_);
  auto it = by_client_.find(c);
  if (it == by_client_.end()) return false;
  if (it->second[static_cast<int>(kind)].erase(ToAbsl(name)) == 0) return false;
  auto& names = by_name_[static_cast<int>(kind)];
  auto n = names.find(ToAbsl(name));
  if (n != names.end()) {
    n->second.erase(c);
    if (n->second.empty()) names.erase(n);
  }
  c->subscriptions.fetch_sub(1, std::memory_order_relaxed);
  return true;
}

std::vector<std::string> PubSubRegistry::SubscriptionsOf(ClientSession* c, SubKind kind) const {
  absl::MutexLock l(&mu_);
  std::vector<std::string> out;
  auto it = by_client_.find(c);
  if (it != by_client_.end()) {
    const auto& set = it->second[static_cast<int>(kind)];
    out.assign(set.begin(), set.end());
  }
  return out;
}

int64_t PubSubRegistry::CountOf(ClientSession* c) const {
  return c->subscriptions.load(std::memory_order_relaxed);
}

int64_t PubSubRegistry::CountOf(ClientSession* c, SubKind kind) const {
  absl::MutexLock l(&mu_);
  auto it = by_client_.find(c);
  return it == by_client_.end() ? 0 : it->second[static_cast<int>(kind)].size();
}

void PubSubRegistry::RemoveAll(ClientSession* c) {
  absl::MutexLock l(&mu_);
  auto it = by_client_.find(c);
  if (it == by_client_.end()) return;
  for (int k = 0; k < 3; ++k) {
    for (const std::string& name : it->second[k]) {
      auto n = by_name_[k].find(name);
      if (n == by_name_[k].end()) continue;
      n->second.erase(c);
      if (n->second.empty()) by_name_[k].erase(n);
    }
  }
  by_client_.erase(it);
  c->subscriptions.store(0, std::memory_order_relaxed);
}

int64_t PubSubRegistry::Publish(SubKind kind, std::string_view channel, std::string_view message,
                                ClientSession* self, ReplyBuilder* self_reply) {
  std::string formatted[2];  // by RESP version 2, 3; built on first use
  auto deliver = [&](ClientSession* c, const std::string& bytes) {
    if (c == self && self_reply != nullptr) {
      self_reply->Raw(bytes);
    } else {
      c->waker->Deliver(c->id, bytes);
    }
  };
  int64_t receivers = 0;
  absl::MutexLock l(&mu_);
  auto& names = by_name_[static_cast<int>(kind)];
  auto it = names.find(ToAbsl(channel));
  if (it != names.end()) {
    for (ClientSession* c : it->second) {
      int resp = c->resp.load(std::memory_order_relaxed) == 3 ? 1 : 0;
      if (formatted[resp].empty()) {
        formatted[resp] = FormatMessage(resp ? 3 : 2, MessageKind(kind), channel, message);
      }
      deliver(c, formatted[resp]);
      ++receivers;
    }
  }
  if (kind == SubKind::kChannel) {
    for (const auto& [pattern, subs] : by_name_[static_cast<int>(SubKind::kPattern)]) {
      if (!GlobMatch(pattern, channel)) continue;
      std::string bytes[2];
      for (ClientSession* c : subs) {
        int resp = c->resp.load(std::memory_order_relaxed) == 3 ? 1 : 0;
        if (bytes[resp].empty()) bytes[resp] = FormatPMessage(resp ? 3 : 2, pattern, channel, message);
        deliver(c, bytes[resp]);
        ++receivers;
      }
    }
  }
  return receivers;
}

std::vector<std::string> PubSubRegistry::ActiveChannels(SubKind kind, std::string_view pattern,
                                                        bool has_pattern) const {
  absl::MutexLock l(&mu_);
  std::vector<std::string> out;
  for (const auto& [name, subs] : by_name_[static_cast<int>(kind)]) {
    if (!has_pattern || GlobMatch(pattern, name)) out.push_back(name);
  }
  return out;
}

int64_t PubSubRegistry::NumSubscribers(SubKind kind, std::string_view channel) const {
  absl::MutexLock l(&mu_);
  const auto& names = by_name_[static_cast<int>(kind)];
  auto it = names.find(ToAbsl(channel));
  return it == names.end() ? 0 : static_cast<int64_t>(it->second.size());
}

int64_t PubSubRegistry::NumPatterns() const {
  absl::MutexLock l(&mu_);
  return static_cast<int64_t>(by_name_[static_cast<int>(SubKind::kPattern)].size());
}

}  // namespace shoal
