// StreamValue: packed nodes under a B-tree (see stream_value.h for the design).
//
// Node memory: [Node header][master fields][entries...], one malloc'd block
// that grows by half again when full and is trimmed to size when the next
// node starts (only the tail node ever grows).
//
// Node boundaries follow Redis: a node is full when its listpack would reach
// stream-node-max-bytes or it holds stream-node-max-entries entries (live or
// deleted). To decide "bytes" as Redis does, each node keeps the size its
// listpack would have in Redis (lp_bytes, computed with listpack's element
// sizes) besides its real, smaller, size.
#include "server/types/stream_value.h"

#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iterator>

#include "server/store/entry.h"  // ParseInt64Strict
#include "server/types/varint.h"

namespace shoal {
namespace {

constexpr uint8_t kFlagDeleted = 1;
constexpr uint8_t kFlagSameFields = 2;
constexpr uint8_t kFlagWideDelta = 4;
constexpr uint64_t kWideDelta = uint64_t{1} << 61;
constexpr size_t kListpackMaxSize = size_t{1} << 30;

size_t Usable(const void* p) { return p == nullptr ? 0 : malloc_usable_size(const_cast<void*>(p)); }

// Strings in a node: a varint (length << 1) and the bytes. A value that is
// the canonical text of an integer (as Redis's listpack, which stores such
// strings as integers) is instead one varint (zigzag(v) << 1 | 1): a 13-digit
// millisecond timestamp takes 7 bytes instead of 14. Field names are always
// stored as text.
bool IntValue(std::string_view s, uint64_t* tagged) {
  int64_t v;
  if (s.empty() || s.size() > 20 || !ParseInt64Strict(s, &v)) return false;
  const uint64_t zz = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  if (zz >= (uint64_t{1} << 63)) return false;  // no room for the tag bit
  *tagged = (zz << 1) | 1;
  return true;
}

size_t NameLen(std::string_view s) { return VarintLen(uint64_t{s.size()} << 1) + s.size(); }

size_t ValueLen(std::string_view s) {
  uint64_t tagged;
  if (IntValue(s, &tagged)) return VarintLen(tagged);
  return NameLen(s);
}

char* PutName(char* p, std::string_view s) {
  p = PutVarint(p, uint64_t{s.size()} << 1);
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

char* PutValue(char* p, std::string_view s) {
  uint64_t tagged;
  if (IntValue(s, &tagged)) return PutVarint(p, tagged);
  return PutName(p, s);
}

const char* GetName(const char* p, std::string_view* out) {
  uint64_t n;
  p = GetVarint(p, &n);
  *out = std::string_view(p, n >> 1);
  return p + (n >> 1);
}

// An integer value is formatted into buf (>= 21 bytes).
const char* GetValue(const char* p, std::string_view* out, char* buf) {
  uint64_t n;
  const char* q = GetVarint(p, &n);
  if (!(n & 1)) return GetName(p, out);
  const uint64_t zz = n >> 1;
  const int64_t v = static_cast<int64_t>(zz >> 1) ^ -static_cast<int64_t>(zz & 1);
  uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  char tmp[20];
  int len = 0;
  do {
    tmp[len++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u != 0);
  char* w = buf;
  if (v < 0) *w++ = '-';
  while (len > 0) *w++ = tmp[--len];
  *out = std::string_view(buf, static_cast<size_t>(w - buf));
  return q;
}

const char* SkipStr(const char* p) {
  uint64_t n;
  p = GetVarint(p, &n);
  return (n & 1) ? p : p + (n >> 1);
}

// ---- Redis listpack element sizes (for node boundaries only). ----

size_t LpBacklen(size_t l) {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

size_t LpIntSize(int64_t v) {
  size_t enc;
  if (v >= 0 && v <= 127) {
    enc = 1;
  } else if (v >= -4096 && v <= 4095) {
    enc = 2;
  } else if (v >= -32768 && v <= 32767) {
    enc = 3;
  } else if (v >= -8388608 && v <= 8388607) {
    enc = 4;
  } else if (v >= -2147483648LL && v <= 2147483647LL) {
    enc = 5;
  } else {
    enc = 9;
  }
  return enc + LpBacklen(enc);
}

size_t LpStrSize(std::string_view s) {
  int64_t v;
  if (s.size() <= 20 && ParseInt64Strict(s, &v)) return LpIntSize(v);
  size_t enc = s.size() < 64 ? 1 + s.size() : (s.size() < 4096 ? 2 + s.size() : 5 + s.size());
  return enc + LpBacklen(enc);
}

bool SameFields(const std::vector<std::string_view>& master,
                absl::Span<const std::string_view> fv) {
  if (master.size() * 2 != fv.size()) return false;
  for (size_t i = 0; i < master.size(); ++i) {
    if (master[i] != fv[2 * i]) return false;
  }
  return true;
}

}  // namespace

struct StreamValue::Node {
  uint32_t live;
  uint32_t deleted;
  uint32_t size;      // bytes used after the header
  uint32_t cap;       // bytes allocated after the header
  uint64_t lp_bytes;  // Redis's listpack size for this node, minus the two counters
  StreamID last;      // the last entry's ID (live or deleted)

  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  size_t RedisBytes() const { return lp_bytes + LpIntSize(live) + LpIntSize(deleted); }
};

// Walks the entries of one node in order, decoding IDs.
class StreamValue::NodeCursor {
 public:
  NodeCursor(const StreamID& key, const Node* n) : node_(n) {
    const char* p = n->data();
    uint64_t nf;
    p = GetVarint(p, &nf);
    master_.resize(nf);
    for (uint64_t i = 0; i < nf; ++i) p = GetName(p, &master_[i]);
    p_ = p;
    end_ = n->data() + n->size;
    prev_ = {key.ms, key.seq - 1};  // so that the first entry decodes as `key`
  }

  bool Next() {
    if (p_ >= end_) return false;
    head_ = p_;
    uint64_t head, seq;
    const char* p = GetVarint(p_, &head);
    flags_ = static_cast<uint8_t>(head & 7);
    uint64_t ms_delta = head >> 3;
    if (flags_ & kFlagWideDelta) p = GetVarint(p, &ms_delta);
    p = GetVarint(p, &seq);
    id_.ms = prev_.ms + ms_delta;
    id_.seq = ms_delta == 0 ? prev_.seq + seq + 1 : seq;
    prev_ = id_;
    fields_ = p;
    if (flags_ & kFlagSameFields) {
      for (size_t i = 0; i < master_.size(); ++i) p = SkipStr(p);
    } else {
      uint64_t nf;
      p = GetVarint(p, &nf);
      for (uint64_t i = 0; i < 2 * nf; ++i) p = SkipStr(p);
    }
    p_ = p;
    return true;
  }

  const StreamID& id() const { return id_; }
  bool deleted() const { return flags_ & kFlagDeleted; }
  uint8_t flags() const { return flags_; }
  const char* head() const { return head_; }
  const char* fields_pos() const { return fields_; }

  // The views of integer values point into the cursor: valid until the next
  // ReadFields.
  void ReadFields(const char* p, uint8_t flags, Fields* out) const {
    out->clear();
    uint64_t nf = master_.size();
    const bool same = flags & kFlagSameFields;
    if (!same) p = GetVarint(p, &nf);
    ints_.resize(nf * kIntBuf);
    for (uint64_t i = 0; i < nf; ++i) {
      std::string_view f, v;
      if (same) {
        f = master_[i];
      } else {
        p = GetName(p, &f);
      }
      p = GetValue(p, &v, ints_.data() + i * kIntBuf);
      out->emplace_back(f, v);
    }
  }
  void ReadFields(Fields* out) const { ReadFields(fields_, flags_, out); }

  const std::vector<std::string_view>& master() const { return master_; }

 private:
  static constexpr size_t kIntBuf = 24;
  const Node* node_;
  std::vector<std::string_view> master_;
  mutable std::vector<char> ints_;  // integer values of the last ReadFields, as text
  const char* p_;
  const char* end_;
  const char* head_ = nullptr;
  const char* fields_ = nullptr;
  StreamID prev_;
  StreamID id_;
  uint8_t flags_ = 0;
};

namespace {

// Bytes of one encoded entry after `prev`.
size_t EntryBytes(const StreamID& prev, const StreamID& id, bool same,
                  absl::Span<const std::string_view> fv) {
  const uint64_t ms_delta = id.ms - prev.ms;
  size_t n = ms_delta >= kWideDelta ? 1 + VarintLen(ms_delta) : VarintLen(ms_delta << 3);
  n += VarintLen(ms_delta == 0 ? id.seq - prev.seq - 1 : id.seq);
  if (!same) n += VarintLen(fv.size() / 2);
  for (size_t i = 0; i < fv.size(); ++i) {
    if (i % 2 == 0) {
      if (!same) n += NameLen(fv[i]);
    } else {
      n += ValueLen(fv[i]);
    }
  }
  return n;
}

char* WriteEntry(char* p, const StreamID& prev, const StreamID& id, bool same,
                 absl::Span<const std::string_view> fv) {
  const uint64_t ms_delta = id.ms - prev.ms;
  const uint8_t flags = same ? kFlagSameFields : 0;
  if (ms_delta >= kWideDelta) {
    p = PutVarint(p, flags | kFlagWideDelta);
    p = PutVarint(p, ms_delta);
  } else {
    p = PutVarint(p, (ms_delta << 3) | flags);
  }
  p = PutVarint(p, ms_delta == 0 ? id.seq - prev.seq - 1 : id.seq);
  if (!same) p = PutVarint(p, fv.size() / 2);
  for (size_t i = 0; i < fv.size(); ++i) {
    if (i % 2 == 0) {
      if (!same) p = PutName(p, fv[i]);
    } else {
      p = PutValue(p, fv[i]);
    }
  }
  return p;
}

// Redis's listpack bytes of one entry (flags, ID deltas from the master
// entry, optional fields, values, lp-count).
size_t LpEntryBytes(const StreamID& master, const StreamID& id, bool same,
                    absl::Span<const std::string_view> fv) {
  const int64_t nf = static_cast<int64_t>(fv.size() / 2);
  size_t n = LpIntSize(same ? 2 : 0) + LpIntSize(static_cast<int64_t>(id.ms - master.ms)) +
             LpIntSize(static_cast<int64_t>(id.seq - master.seq));
  if (!same) n += LpIntSize(nf);
  for (size_t i = 0; i < fv.size(); ++i) {
    if (same && i % 2 == 0) continue;
    n += LpStrSize(fv[i]);
  }
  return n + LpIntSize(3 + nf + (same ? 0 : nf + 1));
}

}  // namespace

StreamValue::~StreamValue() {
  for (auto& [id, n] : nodes_) std::free(n);
}

size_t StreamValue::MemoryBytes() const {
  return sizeof(*this) + node_bytes_ + nodes_.size() * (sizeof(StreamID) + 16) + group_bytes_;
}

void StreamValue::SyncGroupMemory() {
  group_bytes_ = 0;
  if (groups_ == nullptr) return;
  group_bytes_ = sizeof(StreamGroups);
  for (const auto& [name, g] : *groups_) group_bytes_ += name.size() + 32 + g->MemoryBytes();
}

CompoundValue* StreamValue::Clone() const {
  auto* s = new StreamValue;
  for (const auto& [id, n] : nodes_) {
    const size_t bytes = sizeof(Node) + n->size;
    Node* copy = static_cast<Node*>(std::malloc(bytes));
    if (copy == nullptr) std::abort();
    std::memcpy(copy, n, bytes);
    copy->cap = n->size;
    s->nodes_.emplace_hint(s->nodes_.end(), id, copy);
    s->node_bytes_ += Usable(copy);
  }
  s->length_ = length_;
  s->entries_added_ = entries_added_;
  s->last_id_ = last_id_;
  s->first_id_ = first_id_;
  s->max_deleted_id_ = max_deleted_id_;
  if (groups_ != nullptr) {
    s->groups_ = std::make_unique<StreamGroups>();
    for (const auto& [name, g] : *groups_) s->groups_->emplace(name, g->Clone());
  }
  s->SyncGroupMemory();
  return s;
}

StreamValue::Node* StreamValue::NewNode(const StreamID& id,
                                        absl::Span<const std::string_view> fv) {
  const size_t entry_bytes = EntryBytes({id.ms, id.seq - 1}, id, /*same=*/true, fv);
  size_t master = VarintLen(fv.size() / 2);
  uint64_t lp = 6 + 1 + LpIntSize(static_cast<int64_t>(fv.size() / 2)) + LpIntSize(0);
  for (size_t i = 0; i < fv.size(); i += 2) {
    master += NameLen(fv[i]);
    lp += LpStrSize(fv[i]);
  }
  const size_t need = master + entry_bytes;
  const size_t cap = std::max<size_t>(need, 64);
  Node* n = static_cast<Node*>(std::malloc(sizeof(Node) + cap));
  if (n == nullptr) std::abort();
  n->live = 1;
  n->deleted = 0;
  n->cap = static_cast<uint32_t>(cap);
  n->last = id;
  char* p = PutVarint(n->data(), fv.size() / 2);
  for (size_t i = 0; i < fv.size(); i += 2) p = PutName(p, fv[i]);
  p = WriteEntry(p, {id.ms, id.seq - 1}, id, /*same=*/true, fv);
  n->size = static_cast<uint32_t>(p - n->data());
  n->lp_bytes = lp + LpEntryBytes(id, id, true, fv);
  return n;
}

void StreamValue::AppendToNode(Index::iterator it, const StreamID& id,
                               absl::Span<const std::string_view> fv) {
  Node* n = it->second;
  const StreamID master = it->first;
  bool same;
  {
    NodeCursor c(master, n);
    same = SameFields(c.master(), fv);
  }
  const size_t bytes = EntryBytes(n->last, id, same, fv);
  if (n->size + bytes > n->cap) {
    const size_t cap = std::max<size_t>(n->size + bytes, n->cap + n->cap / 2);
    node_bytes_ -= Usable(n);
    n = static_cast<Node*>(std::realloc(n, sizeof(Node) + cap));
    if (n == nullptr) std::abort();
    n->cap = static_cast<uint32_t>(cap);
    node_bytes_ += Usable(n);
    it->second = n;
  }
  WriteEntry(n->data() + n->size, n->last, id, same, fv);
  n->size += static_cast<uint32_t>(bytes);
  n->lp_bytes += LpEntryBytes(master, id, same, fv);
  n->last = id;
  ++n->live;
}

void StreamValue::Append(const StreamID& id, absl::Span<const std::string_view> fv,
                         const StreamLimits& limits) {
  size_t totelelen = 0;
  for (std::string_view s : fv) totelelen += s.size();
  bool new_node = nodes_.empty();
  if (!new_node) {
    const Node* tail = std::prev(nodes_.end())->second;
    size_t max_bytes = limits.node_max_bytes;
    if (max_bytes == 0 || max_bytes > kListpackMaxSize) max_bytes = kListpackMaxSize;
    if (tail->RedisBytes() + totelelen >= max_bytes) {
      new_node = true;
    } else if (limits.node_max_entries != 0 &&
               tail->live + tail->deleted >= limits.node_max_entries) {
      new_node = true;
    }
  }
  if (new_node) {
    if (!nodes_.empty()) {  // the old tail is complete: give back its slack
      auto tail = std::prev(nodes_.end());
      Node* n = tail->second;
      if (n->cap > n->size) {
        node_bytes_ -= Usable(n);
        n = static_cast<Node*>(std::realloc(n, sizeof(Node) + n->size));
        if (n == nullptr) std::abort();
        n->cap = n->size;
        node_bytes_ += Usable(n);
        tail->second = n;
      }
    }
    Node* n = NewNode(id, fv);
    node_bytes_ += Usable(n);
    nodes_.emplace_hint(nodes_.end(), id, n);
  } else {
    AppendToNode(std::prev(nodes_.end()), id, fv);
  }
  ++length_;
  ++entries_added_;
  last_id_ = id;
  if (length_ == 1) first_id_ = id;
}

StreamValue::Index::const_iterator StreamValue::NodeFor(const StreamID& id) const {
  auto it = nodes_.upper_bound(id);
  if (it == nodes_.begin()) return nodes_.end();
  return std::prev(it);
}

size_t StreamValue::Range(const StreamID& start, const StreamID& end, bool rev, size_t count,
                          Visitor fn) const {
  if (nodes_.empty() || start > end) return 0;
  size_t visited = 0;
  Fields fields;
  if (!rev) {
    auto it = NodeFor(start);
    if (it == nodes_.end()) it = nodes_.begin();
    for (; it != nodes_.end(); ++it) {
      if (it->first > end) return visited;
      if (it->second->last < start) continue;
      NodeCursor c(it->first, it->second);
      while (c.Next()) {
        if (c.id() > end) return visited;
        if (c.deleted() || c.id() < start) continue;
        c.ReadFields(&fields);
        ++visited;
        if (!fn(c.id(), fields) || visited == count) return visited;
      }
    }
    return visited;
  }
  auto it = NodeFor(end);
  if (it == nodes_.end()) return 0;
  struct Pos {
    StreamID id;
    const char* fields;
    uint8_t flags;
  };
  std::vector<Pos> entries;
  for (;;) {
    NodeCursor c(it->first, it->second);
    entries.clear();
    while (c.Next()) {
      if (c.id() > end) break;
      if (!c.deleted()) entries.push_back({c.id(), c.fields_pos(), c.flags()});
    }
    for (auto e = entries.rbegin(); e != entries.rend(); ++e) {
      if (e->id < start) return visited;
      c.ReadFields(e->fields, e->flags, &fields);
      ++visited;
      if (!fn(e->id, fields) || visited == count) return visited;
    }
    if (it == nodes_.begin() || it->first <= start) return visited;
    --it;
  }
}

bool StreamValue::Contains(const StreamID& id) const {
  return Range(id, id, false, 1, [](const StreamID&, const Fields&) { return true; }) == 1;
}

bool StreamValue::FirstLiveID(StreamID* id) const {
  return Range(StreamID::Min(), StreamID::Max(), false, 1, [&](const StreamID& i, const Fields&) {
           *id = i;
           return true;
         }) == 1;
}

bool StreamValue::LastLiveID(StreamID* id) const {
  return Range(StreamID::Min(), StreamID::Max(), true, 1, [&](const StreamID& i, const Fields&) {
           *id = i;
           return true;
         }) == 1;
}

StreamValue::Index::iterator StreamValue::FreeNode(Index::iterator it) {
  node_bytes_ -= Usable(it->second);
  std::free(it->second);
  return nodes_.erase(it);
}

void StreamValue::RefreshFirstId() {
  if (length_ == 0 || !FirstLiveID(&first_id_)) first_id_ = StreamID::Min();
}

bool StreamValue::Delete(const StreamID& id) {
  auto cit = NodeFor(id);
  if (cit == nodes_.end()) return false;
  auto it = nodes_.find(cit->first);
  Node* n = it->second;
  if (n->last < id) return false;
  NodeCursor c(it->first, n);
  while (c.Next()) {
    if (c.id() > id) return false;
    if (c.id() < id) continue;
    if (c.deleted()) return false;
    *const_cast<char*>(c.head()) |= kFlagDeleted;
    --length_;
    if (n->live == 1) {
      FreeNode(it);
    } else {
      --n->live;
      ++n->deleted;
    }
    if (id > max_deleted_id_) max_deleted_id_ = id;
    if (length_ == 0) {
      first_id_ = StreamID::Min();
    } else if (id == first_id_) {
      RefreshFirstId();
    }
    return true;
  }
  return false;
}

int64_t StreamValue::Trim(const StreamTrim& t) {
  using S = StreamTrim::Strategy;
  if (t.strategy == S::kNone) return 0;
  const bool by_len = t.strategy == S::kMaxLen;
  const uint64_t maxlen = by_len ? static_cast<uint64_t>(t.maxlen) : 0;
  int64_t deleted = 0;
  auto it = nodes_.begin();
  while (it != nodes_.end()) {
    if (by_len && length_ <= maxlen) break;
    Node* n = it->second;
    const int64_t entries = n->live;
    if (t.limit != 0 && deleted + entries > t.limit) break;
    const bool remove_node = by_len ? length_ - entries >= maxlen : n->last < t.minid;
    if (remove_node) {
      length_ -= entries;
      deleted += entries;
      it = FreeNode(it);
      continue;
    }
    if (t.approx) break;
    NodeCursor c(it->first, n);
    while (c.Next()) {
      const bool stop = by_len ? length_ <= maxlen : c.id() >= t.minid;
      if (stop) break;
      if (c.deleted()) continue;
      *const_cast<char*>(c.head()) |= kFlagDeleted;
      --n->live;
      ++n->deleted;
      --length_;
      ++deleted;
    }
    break;
  }
  RefreshFirstId();
  return deleted;
}

int64_t StreamValue::EstimateDistance(const StreamID& id) const {
  if (entries_added_ == 0) return 0;
  if (length_ == 0 && id <= last_id_) return static_cast<int64_t>(entries_added_);
  if (id == last_id_) return static_cast<int64_t>(entries_added_);
  if (id > last_id_) return kStreamInvalidEntriesRead;
  if (max_deleted_id_.IsZero() || max_deleted_id_ < first_id_) {
    if (id < first_id_) return static_cast<int64_t>(entries_added_ - length_);
    if (id == first_id_) return static_cast<int64_t>(entries_added_ - length_ + 1);
  }
  return kStreamInvalidEntriesRead;
}

bool StreamValue::RangeHasTombstones(const StreamID* start, const StreamID* end) const {
  if (length_ == 0 || max_deleted_id_.IsZero()) return false;
  if (first_id_ > max_deleted_id_) return false;
  const StreamID s = start ? *start : StreamID::Min();
  const StreamID e = end ? *end : StreamID::Max();
  return s <= max_deleted_id_ && max_deleted_id_ <= e;
}

bool StreamValue::GroupLag(const StreamGroup& g, int64_t* lag) const {
  if (entries_added_ == 0) {
    *lag = 0;
    return true;
  }
  if (g.entries_read() != kStreamInvalidEntriesRead && !RangeHasTombstones(&g.last_id(), nullptr)) {
    *lag = static_cast<int64_t>(entries_added_) - g.entries_read();
    return true;
  }
  const int64_t read = EstimateDistance(g.last_id());
  if (read == kStreamInvalidEntriesRead) return false;
  *lag = static_cast<int64_t>(entries_added_) - read;
  return true;
}

StreamGroup* StreamValue::FindGroup(std::string_view name) const {
  if (groups_ == nullptr) return nullptr;
  auto it = groups_->find(name);
  return it == groups_->end() ? nullptr : it->second.get();
}

StreamGroup* StreamValue::CreateGroup(std::string_view name, const StreamID& last_id,
                                      int64_t entries_read) {
  if (groups_ == nullptr) groups_ = std::make_unique<StreamGroups>();
  auto [it, inserted] = groups_->try_emplace(std::string(name));
  if (!inserted) return nullptr;
  it->second = std::make_unique<StreamGroup>(last_id, entries_read);
  return it->second.get();
}

bool StreamValue::DestroyGroup(std::string_view name) {
  if (groups_ == nullptr) return false;
  auto it = groups_->find(name);
  if (it == groups_->end()) return false;
  groups_->erase(it);
  return true;
}

}  // namespace shoal
