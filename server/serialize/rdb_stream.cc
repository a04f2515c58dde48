// Streams in the RDB object format: see rdb_stream.h for the layout.
//
// Writing follows Redis 7.0's streamAppendItem for node boundaries (a new
// node when the listpack's bytes plus the entry's field and value bytes reach
// stream-node-max-bytes, or its live + deleted count reaches
// stream-node-max-entries) and its master-entry / same-fields encoding, so a
// stream built by XADD alone dumps to redis-server's bytes. Shoal's
// tombstones are not written: nodes hold live entries only ("deleted" 0),
// while the counters (entries added, max deleted ID) travel as they are.
//
// Reading validates as Redis's deep sanitization does: node keys of 16
// bytes, master entries, per-entry lp-count, IDs strictly increasing from
// node to node, live and deleted counts equal to the master's, the stream
// length, group PELs whose every entry has exactly one consumer.
#include "server/serialize/rdb_stream.h"

#include <cstring>
#include <map>
#include <utility>
#include <vector>

#include "server/serialize/listpack.h"

namespace shoal {
namespace {

constexpr int64_t kFlagDeleted = 1;
constexpr int64_t kFlagSameFields = 2;
constexpr size_t kListpackMaxSize = size_t{1} << 30;

void AppendLittleEndian(uint64_t v, int width, std::string* out) {
  for (int i = 0; i < width; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

void AppendRawId(const StreamID& id, std::string* out) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(id.ms >> (8 * i)));
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(id.seq >> (8 * i)));
}

void AppendId(const StreamID& id, std::string* out) {
  AppendRdbLength(id.ms, out);
  AppendRdbLength(id.seq, out);
}

// One node being built. The master entry opens the listpack but its count
// is known only at the end, so the entries are kept until Flush; a scratch
// writer tracks their encoded size for Redis's "is the node full" test.
class NodeBuilder {
 public:
  bool empty() const { return entries_.empty(); }
  size_t count() const { return entries_.size(); }
  // The listpack's size as Redis's streamAppendItem sees it before the next
  // append: the master entry with the current count, plus the entries.
  size_t Bytes() const {
    const size_t count_bytes = ListpackEntrySize(std::to_string(count())) + 1;
    return master_fixed_ + count_bytes + (sizer_.bytes() - kEmptyListpack);
  }

  void Add(const StreamID& id, const StreamValue::Fields& fields) {
    if (entries_.empty()) Start(id, fields);
    Entry e{id, {}, fields.size() == master_fields_.size()};
    for (size_t i = 0; i < fields.size(); ++i) {
      e.same = e.same && fields[i].first == master_fields_[i];
      e.pairs.emplace_back(fields[i].first, fields[i].second);
    }
    WriteEntry(e, &sizer_);
    entries_.push_back(std::move(e));
  }

  // Appends [master ID][listpack] and empties the builder.
  void Flush(bool compress, std::string* out) {
    ListpackWriter lp;
    lp.AddInt(static_cast<int64_t>(entries_.size()));
    lp.AddInt(0);  // deleted
    lp.AddInt(static_cast<int64_t>(master_fields_.size()));
    for (const std::string& f : master_fields_) lp.Add(f);
    lp.AddInt(0);  // master entry terminator
    for (const Entry& e : entries_) WriteEntry(e, &lp);
    std::string key;
    AppendRawId(master_id_, &key);
    AppendRdbStringMaybeCompressed(key, compress, out);
    AppendRdbStringMaybeCompressed(lp.Finish(), compress, out);
    entries_.clear();
    sizer_.Finish();
  }

 private:
  static constexpr size_t kEmptyListpack = 7;  // header and terminator
  struct Entry {
    StreamID id;
    std::vector<std::pair<std::string, std::string>> pairs;
    bool same;
  };

  void Start(const StreamID& id, const StreamValue::Fields& fields) {
    master_id_ = id;
    master_fields_.clear();
    for (const auto& fv : fields) master_fields_.emplace_back(fv.first);
    ListpackWriter m;
    m.AddInt(0);
    m.AddInt(static_cast<int64_t>(master_fields_.size()));
    for (const std::string& f : master_fields_) m.Add(f);
    m.AddInt(0);
    master_fixed_ = m.bytes();
  }

  void WriteEntry(const Entry& e, ListpackWriter* w) const {
    const int64_t n = static_cast<int64_t>(e.pairs.size());
    w->AddInt(e.same ? kFlagSameFields : 0);
    w->AddInt(static_cast<int64_t>(e.id.ms - master_id_.ms));
    w->AddInt(static_cast<int64_t>(e.id.seq - master_id_.seq));
    if (e.same) {
      for (const auto& fv : e.pairs) w->Add(fv.second);
    } else {
      w->AddInt(n);
      for (const auto& fv : e.pairs) {
        w->Add(fv.first);
        w->Add(fv.second);
      }
    }
    w->AddInt(n + 3 + (e.same ? 0 : n + 1));  // lp-count
  }

  StreamID master_id_;
  std::vector<std::string> master_fields_;
  size_t master_fixed_ = 0;
  std::vector<Entry> entries_;
  ListpackWriter sizer_;
};

}  // namespace

void AppendRdbStream(const StreamValue& s, const DumpOptions& options, std::string* out) {
  out->push_back(static_cast<char>(options.rdb_version >= 11 ? kRdbTypeStreamListpacks3
                                                             : kRdbTypeStreamListpacks2));
  size_t max_bytes = options.stream_limits.node_max_bytes;
  if (max_bytes == 0 || max_bytes > kListpackMaxSize) max_bytes = kListpackMaxSize;
  const size_t max_entries = options.stream_limits.node_max_entries;
  std::string nodes;
  uint64_t node_count = 0;
  NodeBuilder node;
  s.Range(StreamID::Min(), StreamID::Max(), false, 0,
          [&](const StreamID& id, const StreamValue::Fields& fields) {
            size_t totelelen = 0;
            for (const auto& [f, v] : fields) totelelen += f.size() + v.size();
            if (!node.empty() && (node.Bytes() + totelelen >= max_bytes ||
                                  (max_entries != 0 && node.count() >= max_entries))) {
              node.Flush(options.compress, &nodes);
              ++node_count;
            }
            node.Add(id, fields);
            return true;
          });
  if (!node.empty()) {
    node.Flush(options.compress, &nodes);
    ++node_count;
  }
  AppendRdbLength(node_count, out);
  out->append(nodes);
  AppendRdbLength(s.length(), out);
  AppendId(s.last_id(), out);
  AppendId(s.first_id(), out);
  AppendId(s.max_deleted_id(), out);
  AppendRdbLength(s.entries_added(), out);
  const StreamGroups* groups = s.groups();
  AppendRdbLength(groups == nullptr ? 0 : groups->size(), out);
  if (groups == nullptr) return;
  for (const auto& [name, g] : *groups) {
    AppendRdbStringMaybeCompressed(name, options.compress, out);
    AppendId(g->last_id(), out);
    AppendRdbLength(static_cast<uint64_t>(g->entries_read()), out);
    AppendRdbLength(g->pel().size(), out);
    for (const auto& [id, nack] : g->pel()) {
      AppendRawId(id, out);
      AppendLittleEndian(static_cast<uint64_t>(nack->delivery_time), 8, out);
      AppendRdbLength(nack->delivery_count, out);
    }
    AppendRdbLength(g->consumers().size(), out);
    for (const auto& [cname, c] : g->consumers()) {
      AppendRdbStringMaybeCompressed(cname, options.compress, out);
      AppendLittleEndian(static_cast<uint64_t>(c->seen_time), 8, out);
      if (options.rdb_version >= 11) {
        AppendLittleEndian(static_cast<uint64_t>(c->active_time), 8, out);
      }
      AppendRdbLength(c->pel.size(), out);
      for (const StreamID& id : c->pel) AppendRawId(id, out);
    }
  }
}

namespace {

bool ElementInt(const PackedElement& e, int64_t* v) {
  if (e.is_int) {
    *v = e.value;
    return true;
  }
  return ParseInt64Strict(e.str, v);
}

bool ReadId(RdbReader* r, StreamID* id) {
  return r->ReadLength(&id->ms, nullptr) && r->ReadLength(&id->seq, nullptr);
}

bool ReadRawId(RdbReader* r, StreamID* id) {
  std::string_view b;
  if (!r->ReadBytes(16, &b)) return false;
  id->ms = id->seq = 0;
  for (int i = 0; i < 8; ++i) id->ms = (id->ms << 8) | static_cast<uint8_t>(b[i]);
  for (int i = 8; i < 16; ++i) id->seq = (id->seq << 8) | static_cast<uint8_t>(b[i]);
  return true;
}

bool ReadMs(RdbReader* r, int64_t* out) {
  std::string_view b;
  if (!r->ReadBytes(8, &b)) return false;
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(b[i]);
  *out = static_cast<int64_t>(v);
  return true;
}

// Decodes one node's listpack and appends its live entries to s.
bool ReadNode(const StreamID& master, const std::string& blob, const StreamLimits& limits,
              StreamValue* s, StreamID* last) {
  std::vector<PackedElement> el;
  if (!ReadListpack(blob, &el) || el.size() < 4) return false;
  int64_t count, deleted, nfields;
  if (!ElementInt(el[0], &count) || !ElementInt(el[1], &deleted) ||
      !ElementInt(el[2], &nfields) || count < 0 || deleted < 0 || nfields <= 0 ||
      static_cast<uint64_t>(nfields) > el.size() - 4) {
    return false;
  }
  char buf[24];
  std::vector<std::string> master_fields;
  for (int64_t i = 0; i < nfields; ++i) master_fields.emplace_back(el[3 + i].View(buf));
  size_t pos = 3 + nfields;
  int64_t terminator;
  if (!ElementInt(el[pos++], &terminator) || terminator != 0) return false;
  int64_t live = 0, dead = 0;
  std::vector<std::string> strings;
  std::vector<std::string_view> field_values;
  while (pos < el.size()) {
    int64_t flags, ms_diff, seq_diff, n = nfields;
    if (el.size() - pos < 4 || !ElementInt(el[pos], &flags) ||
        !ElementInt(el[pos + 1], &ms_diff) || !ElementInt(el[pos + 2], &seq_diff)) {
      return false;
    }
    pos += 3;
    const bool same = flags & kFlagSameFields;
    if (!same && (!ElementInt(el[pos++], &n) || n <= 0)) return false;
    const size_t needed = static_cast<size_t>(same ? n : 2 * n);
    if (n > static_cast<int64_t>(el.size()) || el.size() - pos < needed + 1) return false;
    strings.clear();
    for (int64_t i = 0; i < n; ++i) {
      if (same) {
        strings.push_back(master_fields[i]);
        strings.emplace_back(el[pos++].View(buf));
      } else {
        strings.emplace_back(el[pos++].View(buf));
        strings.emplace_back(el[pos++].View(buf));
      }
    }
    int64_t lp_count;
    if (!ElementInt(el[pos++], &lp_count) || lp_count != n + 3 + (same ? 0 : n + 1)) return false;
    const StreamID id{master.ms + static_cast<uint64_t>(ms_diff),
                      master.seq + static_cast<uint64_t>(seq_diff)};
    if (!(*last < id)) return false;  // IDs strictly increase, from above 0-0
    *last = id;
    if (flags & kFlagDeleted) {
      ++dead;
      continue;
    }
    ++live;
    field_values.assign(strings.begin(), strings.end());
    s->Append(id, field_values, limits);
  }
  return live == count && dead == deleted && live + dead > 0;
}

bool ReadGroups(uint8_t type, RdbReader* r, StreamValue* s) {
  uint64_t ngroups;
  if (!r->ReadLength(&ngroups, nullptr)) return false;
  for (uint64_t g = 0; g < ngroups; ++g) {
    std::string name;
    StreamID last_id;
    if (!r->ReadString(&name) || !ReadId(r, &last_id)) return false;
    int64_t entries_read;
    if (type == kRdbTypeStreamListpacks) {
      entries_read = s->EstimateDistance(last_id);
    } else {
      uint64_t v;
      if (!r->ReadLength(&v, nullptr)) return false;
      entries_read = static_cast<int64_t>(v);
    }
    StreamGroup* group = s->CreateGroup(name, last_id, entries_read);
    if (group == nullptr) return false;  // duplicate group
    // The group's PEL, claimed below by exactly one consumer each.
    struct Pending {
      int64_t time;
      uint64_t count;
      bool owned = false;
    };
    std::map<StreamID, Pending> pel;
    uint64_t npel;
    if (!r->ReadLength(&npel, nullptr)) return false;
    for (uint64_t i = 0; i < npel; ++i) {
      StreamID id;
      Pending p{};
      if (!ReadRawId(r, &id) || !ReadMs(r, &p.time) || !r->ReadLength(&p.count, nullptr) ||
          !pel.emplace(id, p).second) {
        return false;
      }
    }
    uint64_t nconsumers;
    if (!r->ReadLength(&nconsumers, nullptr)) return false;
    for (uint64_t c = 0; c < nconsumers; ++c) {
      std::string cname;
      int64_t seen, active;
      if (!r->ReadString(&cname) || !ReadMs(r, &seen)) return false;
      if (type == kRdbTypeStreamListpacks3) {
        if (!ReadMs(r, &active)) return false;
      } else {
        active = seen;  // 7.2's estimate for older payloads
      }
      StreamConsumer* consumer = group->CreateConsumer(cname, seen);
      if (consumer == nullptr) return false;
      consumer->active_time = active;
      uint64_t n;
      if (!r->ReadLength(&n, nullptr)) return false;
      for (uint64_t i = 0; i < n; ++i) {
        StreamID id;
        if (!ReadRawId(r, &id)) return false;
        auto it = pel.find(id);
        if (it == pel.end() || it->second.owned) return false;
        it->second.owned = true;
        group->Deliver(id, consumer, it->second.time);
        group->FindNack(id)->delivery_count = it->second.count;
      }
    }
    for (const auto& [id, p] : pel) {
      if (!p.owned) return false;  // a pending entry without a consumer
    }
  }
  return true;
}

}  // namespace

bool ReadRdbStream(uint8_t type, RdbReader* r, const LoadLimits& limits, LoadedValue* out) {
  auto s = std::make_unique<StreamValue>();
  uint64_t nodes;
  if (!r->ReadLength(&nodes, nullptr)) return false;
  StreamID last_entry = StreamID::Min();
  for (uint64_t i = 0; i < nodes; ++i) {
    std::string key, blob;
    if (!r->ReadString(&key) || key.size() != 16 || !r->ReadString(&blob)) return false;
    RdbReader key_reader(key);
    StreamID master;
    if (!ReadRawId(&key_reader, &master)) return false;
    if (!ReadNode(master, blob, limits.stream, s.get(), &last_entry)) return false;
  }
  uint64_t length;
  StreamID last_id;
  if (!r->ReadLength(&length, nullptr) || length != s->length() || !ReadId(r, &last_id)) {
    return false;
  }
  if (last_id < last_entry) return false;
  if (type != kRdbTypeStreamListpacks) {
    StreamID first_id, max_deleted;
    uint64_t entries_added;
    if (!ReadId(r, &first_id) || !ReadId(r, &max_deleted) ||
        !r->ReadLength(&entries_added, nullptr)) {
      return false;
    }
    s->set_max_deleted_id(max_deleted);
    s->set_entries_added(entries_added);
  }
  s->set_last_id(last_id);
  if (!ReadGroups(type, r, s.get())) return false;
  s->SyncGroupMemory();
  out->type = ValueType::kStream;
  out->obj = std::move(s);
  return true;
}

}  // namespace shoal
