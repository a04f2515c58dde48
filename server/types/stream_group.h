// Consumer groups of a stream: each group has a last-delivered ID, a logical
// read counter (entries_read), a pending entries list (PEL) and consumers.
//
// Ownership: the group's PEL owns every StreamNack; a consumer's PEL holds
// the IDs of the NACKs it owns (the NACK points back to its consumer), so an
// entry is pending in exactly one consumer — the invariant
//   id in group.pel  <=>  id in group.pel[id]->consumer->pel
// holds after every operation here. Groups and consumers are kept in byte
// order of their names (as Redis's radix trees list them in XINFO).
//
// Times are unix milliseconds supplied by the caller (the store's clock).
// Not thread-safe: the caller holds the stripe lock of the stream's key.
#ifndef SHOAL_SERVER_TYPES_STREAM_GROUP_H_
#define SHOAL_SERVER_TYPES_STREAM_GROUP_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "server/types/stream_id.h"

namespace shoal {

struct StreamConsumer;

// A delivered, not yet acknowledged entry.
struct StreamNack {
  int64_t delivery_time = 0;  // unix ms of the last delivery
  uint64_t delivery_count = 1;
  StreamConsumer* consumer = nullptr;
};

struct StreamConsumer {
  std::string name;
  int64_t seen_time = 0;     // last interaction (read, claim attempt)
  int64_t active_time = -1;  // last successful read or claim; -1: never
  absl::btree_set<StreamID> pel;
};

// entries_read when it is unknown (Redis's SCG_INVALID_ENTRIES_READ).
inline constexpr int64_t kStreamInvalidEntriesRead = -1;

class StreamGroup {
 public:
  using Pel = absl::btree_map<StreamID, std::unique_ptr<StreamNack>>;
  using Consumers = absl::btree_map<std::string, std::unique_ptr<StreamConsumer>, std::less<>>;

  StreamGroup(const StreamID& last_id, int64_t entries_read)
      : last_id_(last_id), entries_read_(entries_read) {}

  const StreamID& last_id() const { return last_id_; }
  void set_last_id(const StreamID& id) { last_id_ = id; }
  int64_t entries_read() const { return entries_read_; }
  void set_entries_read(int64_t n) { entries_read_ = n; }

  const Pel& pel() const { return pel_; }
  const Consumers& consumers() const { return consumers_; }

  StreamConsumer* FindConsumer(std::string_view name) const;
  // Creates the consumer (seen_time = now); null when it already exists.
  StreamConsumer* CreateConsumer(std::string_view name, int64_t now_ms);
  // Removes the consumer and its pending entries; returns how many it had
  // (0 when there is no such consumer).
  size_t DeleteConsumer(std::string_view name);

  StreamNack* FindNack(const StreamID& id) const;
  // Delivers `id` to `consumer` as XREADGROUP does: a new NACK (count 1), or
  // an existing one moved to `consumer` with its count reset to 1.
  void Deliver(const StreamID& id, StreamConsumer* consumer, int64_t now_ms);
  // Creates a NACK owned by nobody yet (XCLAIM FORCE); Claim then assigns it.
  StreamNack* AddOrphanNack(const StreamID& id, int64_t now_ms);
  // Gives the NACK of `id` to `consumer` (removing it from its old owner).
  void Assign(const StreamID& id, StreamNack* nack, StreamConsumer* consumer);
  // Removes the NACK of `id` from the group and its consumer; false if none.
  bool Ack(const StreamID& id);

  // Approximate heap bytes of the group (for memory accounting).
  size_t MemoryBytes() const;
  std::unique_ptr<StreamGroup> Clone() const;

 private:
  StreamID last_id_;
  int64_t entries_read_;
  Pel pel_;
  Consumers consumers_;
};

using StreamGroups = absl::btree_map<std::string, std::unique_ptr<StreamGroup>, std::less<>>;

}  // namespace shoal

#endif  // SHOAL_SERVER_TYPES_STREAM_GROUP_H_
