// StreamGroup: PEL and consumers of one consumer group (see stream_group.h).
#include "server/types/stream_group.h"

#include <utility>

namespace shoal {

StreamConsumer* StreamGroup::FindConsumer(std::string_view name) const {
  auto it = consumers_.find(name);
  return it == consumers_.end() ? nullptr : it->second.get();
}

StreamConsumer* StreamGroup::CreateConsumer(std::string_view name, int64_t now_ms) {
  auto [it, inserted] = consumers_.try_emplace(std::string(name));
  if (!inserted) return nullptr;
  it->second = std::make_unique<StreamConsumer>();
  it->second->name = it->first;
  it->second->seen_time = now_ms;
  return it->second.get();
}

size_t StreamGroup::DeleteConsumer(std::string_view name) {
  auto it = consumers_.find(name);
  if (it == consumers_.end()) return 0;
  const size_t pending = it->second->pel.size();
  for (const StreamID& id : it->second->pel) pel_.erase(id);
  consumers_.erase(it);
  return pending;
}

StreamNack* StreamGroup::FindNack(const StreamID& id) const {
  auto it = pel_.find(id);
  return it == pel_.end() ? nullptr : it->second.get();
}

void StreamGroup::Deliver(const StreamID& id, StreamConsumer* consumer, int64_t now_ms) {
  auto [it, inserted] = pel_.try_emplace(id);
  if (inserted) it->second = std::make_unique<StreamNack>();
  StreamNack* nack = it->second.get();
  if (!inserted && nack->consumer != nullptr) nack->consumer->pel.erase(id);
  nack->consumer = consumer;
  nack->delivery_time = now_ms;
  nack->delivery_count = 1;
  consumer->pel.insert(id);
}

StreamNack* StreamGroup::AddOrphanNack(const StreamID& id, int64_t now_ms) {
  auto& slot = pel_[id];
  slot = std::make_unique<StreamNack>();
  slot->delivery_time = now_ms;
  slot->delivery_count = 1;
  return slot.get();
}

void StreamGroup::Assign(const StreamID& id, StreamNack* nack, StreamConsumer* consumer) {
  if (nack->consumer == consumer) return;
  if (nack->consumer != nullptr) nack->consumer->pel.erase(id);
  nack->consumer = consumer;
  consumer->pel.insert(id);
}

bool StreamGroup::Ack(const StreamID& id) {
  auto it = pel_.find(id);
  if (it == pel_.end()) return false;
  if (it->second->consumer != nullptr) it->second->consumer->pel.erase(id);
  pel_.erase(it);
  return true;
}

size_t StreamGroup::MemoryBytes() const {
  // B-tree slots: an ID and a pointer per group PEL entry plus the NACK
  // itself; an ID per consumer PEL entry; a node per consumer.
  size_t bytes = sizeof(*this) + pel_.size() * (sizeof(StreamID) + 8 + sizeof(StreamNack) + 16);
  for (const auto& [name, c] : consumers_) {
    bytes += sizeof(StreamConsumer) + 2 * name.size() + 48 + c->pel.size() * (sizeof(StreamID) + 4);
  }
  return bytes;
}

std::unique_ptr<StreamGroup> StreamGroup::Clone() const {
  auto g = std::make_unique<StreamGroup>(last_id_, entries_read_);
  for (const auto& [name, c] : consumers_) {
    auto copy = std::make_unique<StreamConsumer>(*c);
    g->consumers_.emplace(name, std::move(copy));
  }
  for (const auto& [id, nack] : pel_) {
    auto copy = std::make_unique<StreamNack>(*nack);
    if (nack->consumer != nullptr) copy->consumer = g->consumers_.find(nack->consumer->name)->second.get();
    g->pel_.emplace(id, std::move(copy));
  }
  return g;
}

}  // namespace shoal
