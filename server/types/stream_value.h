// StreamValue: the value of a Redis stream — entries (an ID and field/value
// pairs) in ID order, the stream's counters, and its consumer groups.
//
// Encoding (docs/streams.md has the layout and measurements): entries are
// packed into nodes of at most stream-node-max-entries entries and
// stream-node-max-bytes bytes, like Redis's listpacks under a radix tree;
// here the index is an absl::btree_map from each node's first ID to the node.
// Inside a node an entry is
//   [varint head][varint seq][fields?][values]
// where head = (ms - previous.ms) << 3 | flags and seq is seq - previous.seq - 1
// when the ms part did not change, else the seq itself: both small for
// auto-generated IDs (usually one byte each). Flags: deleted, same fields as
// the node's first entry (then only values are stored), wide delta (a ms
// delta >= 2^61 follows as its own varint). Strings are a varint
// (length << 1) and the bytes; a value that is the canonical text of an
// integer is one varint (zigzag(v) << 1 | 1) instead. So an entry with the
// same fields as its node's first costs 2 bytes plus, per value, a length
// byte and the bytes (or the integer's varint).
//
// Deleted entries (XDEL, exact trimming inside a node) stay as tombstones in
// their node, as in Redis: a node is freed when its last live entry goes, and
// whether the tail node takes one more entry counts tombstones too, so node
// boundaries — and thus what "MAXLEN ~" and "MINID ~" trim — are Redis's.
//
// Counters kept as in Redis 7: last_id (the top ID ever generated or set by
// XSETID), first_id (recorded first entry), max_deleted_id, entries_added.
//
// Memory: MemoryBytes counts the nodes exactly and the consumer groups as
// of the last SyncGroupMemory. Group-only changes (XREADGROUP, XACK,
// XCLAIM...) do not mark the key modified in Redis (WATCH does not abort for
// them), so they do not change MemoryBytes either; the next write of entries
// syncs the groups' share and reports it with the rest.
//
// Not thread-safe: the caller holds the stripe lock of the key that owns it.
// Views handed to visitors are valid during the visit only.
#ifndef SHOAL_SERVER_TYPES_STREAM_VALUE_H_
#define SHOAL_SERVER_TYPES_STREAM_VALUE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/functional/function_ref.h"
#include "absl/types/span.h"
#include "server/store/compound_value.h"
#include "server/types/stream_group.h"
#include "server/types/stream_id.h"

namespace shoal {

// stream-node-max-bytes / stream-node-max-entries (0: no limit).
struct StreamLimits {
  size_t node_max_bytes = 4096;
  size_t node_max_entries = 100;
};

// XADD / XTRIM trimming.
struct StreamTrim {
  enum class Strategy { kNone, kMaxLen, kMinId };
  Strategy strategy = Strategy::kNone;
  int64_t maxlen = 0;
  StreamID minid;
  bool approx = false;
  int64_t limit = 0;  // entries removed at most (0: no limit), with approx only
};

class StreamValue final : public CompoundValue {
 public:
  using Fields = std::vector<std::pair<std::string_view, std::string_view>>;
  // Returns false to stop the walk.
  using Visitor = absl::FunctionRef<bool(const StreamID& id, const Fields& fields)>;

  StreamValue() = default;
  ~StreamValue() override;
  StreamValue(const StreamValue&) = delete;
  StreamValue& operator=(const StreamValue&) = delete;

  // CompoundValue.
  size_t MemoryBytes() const override;
  CompoundValue* Clone() const override;
  size_t Size() const override { return length_; }
  const char* EncodingName() const override { return "stream"; }

  uint64_t length() const { return length_; }
  const StreamID& last_id() const { return last_id_; }
  const StreamID& first_id() const { return first_id_; }
  const StreamID& max_deleted_id() const { return max_deleted_id_; }
  uint64_t entries_added() const { return entries_added_; }
  size_t node_count() const { return nodes_.size(); }
  // XSETID.
  void set_last_id(const StreamID& id) { last_id_ = id; }
  void set_entries_added(uint64_t n) { entries_added_ = n; }
  void set_max_deleted_id(const StreamID& id) { max_deleted_id_ = id; }

  // Appends an entry; `id` must be greater than last_id(). `field_values`
  // alternates fields and values (an even, non-zero count).
  void Append(const StreamID& id, absl::Span<const std::string_view> field_values,
              const StreamLimits& limits);

  // Visits the live entries with start <= id <= end in ascending (or, with
  // rev, descending) order, at most `count` of them (0: all). Returns how
  // many were visited.
  size_t Range(const StreamID& start, const StreamID& end, bool rev, size_t count,
               Visitor fn) const;
  bool Contains(const StreamID& id) const;
  // The first / last live entry's ID; false when the stream is empty.
  bool FirstLiveID(StreamID* id) const;
  bool LastLiveID(StreamID* id) const;

  // XDEL of one ID: false when there is no live entry with it. Keeps
  // first_id and max_deleted_id up to date.
  bool Delete(const StreamID& id);
  // Trims as XADD/XTRIM do; returns the number of entries removed.
  int64_t Trim(const StreamTrim& t);

  // Redis's streamEstimateDistanceFromFirstEverEntry: the logical read
  // counter of `id`, or kStreamInvalidEntriesRead when unknown.
  int64_t EstimateDistance(const StreamID& id) const;
  // Whether a tombstone may lie in [start, end] (start null: from 0-0).
  bool RangeHasTombstones(const StreamID* start, const StreamID* end) const;
  // A group's lag (XINFO); false when it cannot be known (nil).
  bool GroupLag(const StreamGroup& g, int64_t* lag) const;

  // Folds the consumer groups' current size into MemoryBytes (see above).
  void SyncGroupMemory();

  // Consumer groups (null until the first is created).
  StreamGroups* groups() const { return groups_.get(); }
  StreamGroup* FindGroup(std::string_view name) const;
  // Null when a group of that name exists.
  StreamGroup* CreateGroup(std::string_view name, const StreamID& last_id, int64_t entries_read);
  bool DestroyGroup(std::string_view name);

 private:
  struct Node;
  class NodeCursor;
  using Index = absl::btree_map<StreamID, Node*>;

  Node* NewNode(const StreamID& id, absl::Span<const std::string_view> field_values);
  void AppendToNode(Index::iterator it, const StreamID& id,
                    absl::Span<const std::string_view> field_values);
  // Frees a node and returns the iterator after it.
  Index::iterator FreeNode(Index::iterator it);
  Index::const_iterator NodeFor(const StreamID& id) const;
  void RefreshFirstId();

  Index nodes_;
  uint64_t length_ = 0;
  uint64_t entries_added_ = 0;
  StreamID last_id_;
  StreamID first_id_;
  StreamID max_deleted_id_;
  size_t node_bytes_ = 0;   // usable bytes of all nodes
  size_t group_bytes_ = 0;  // the groups' size at the last SyncGroupMemory
  std::unique_ptr<StreamGroups> groups_;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_TYPES_STREAM_VALUE_H_
