// Bus message codec; see gossip_message.h for the layout and the rules.
#include "cluster/gossip_message.h"

#include <xxhash.h>

#include <cstring>

#include "cluster/node_id.h"
#include "cluster/sha256.h"

namespace shoal {
namespace {

constexpr uint8_t kMagic0 = 'S';
constexpr uint8_t kMagic1 = 'W';
constexpr uint8_t kFlagMac = 1;
constexpr size_t kMaxIpLen = 64;
constexpr size_t kMaxReplicas = 255;
// Smallest encoded sizes, to bound counts before allocating.
constexpr size_t kMinUpdateSize = kNodeIdLen + 1 + 2 + 2 + 1 + 8 + 8;
constexpr size_t kMinShardSize = kNodeIdLen * 2 + 8 + 1 + 3;

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}
  void U8(uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void U16(uint16_t v) { Raw(&v, 2); }
  void U32(uint32_t v) { Raw(&v, 4); }
  void U64(uint64_t v) { Raw(&v, 8); }
  void Id(std::string_view id) {  // exactly 40 bytes; callers pass valid ids
    std::string fixed(id.substr(0, kNodeIdLen));
    fixed.resize(kNodeIdLen, '0');
    out_->append(fixed);
  }
  void OptId(std::string_view id) {  // empty or 40 bytes
    U8(id.empty() ? 0 : 1);
    if (!id.empty()) Id(id);
  }
  void Str8(std::string_view s) {
    s = s.substr(0, 255);
    U8(static_cast<uint8_t>(s.size()));
    out_->append(s);
  }
  void Str32(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    out_->append(s);
  }

 private:
  void Raw(const void* p, size_t n) {  // little-endian hosts only (x86-64, arm64)
    out_->append(static_cast<const char*>(p), n);
  }
  std::string* out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  size_t left() const { return in_.size(); }
  uint8_t U8() {
    uint8_t v = 0;
    Raw(&v, 1);
    return v;
  }
  uint16_t U16() {
    uint16_t v = 0;
    Raw(&v, 2);
    return v;
  }
  uint32_t U32() {
    uint32_t v = 0;
    Raw(&v, 4);
    return v;
  }
  uint64_t U64() {
    uint64_t v = 0;
    Raw(&v, 8);
    return v;
  }
  std::string Id() {
    std::string s = Take(kNodeIdLen);
    if (ok_ && !IsValidNodeId(s)) ok_ = false;
    return s;
  }
  std::string OptId() {
    uint8_t has = U8();
    if (has > 1) ok_ = false;
    return has == 1 ? Id() : std::string();
  }
  std::string Str8(size_t max) {
    size_t n = U8();
    if (n > max) ok_ = false;
    return Take(n);
  }
  std::string Str32() { return Take(U32()); }
  void Fail() { ok_ = false; }

 private:
  void Raw(void* p, size_t n) {
    if (!ok_ || in_.size() < n) {
      ok_ = false;
      return;
    }
    std::memcpy(p, in_.data(), n);
    in_.remove_prefix(n);
  }
  std::string Take(size_t n) {
    if (!ok_ || in_.size() < n) {
      ok_ = false;
      return std::string();
    }
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }
  std::string_view in_;
  bool ok_ = true;
};

void PutUpdate(Writer& w, const MemberUpdate& u) {
  w.Id(u.id);
  w.Str8(u.ip);
  w.U16(static_cast<uint16_t>(u.port));
  w.U16(static_cast<uint16_t>(u.bus_port));
  w.U8(static_cast<uint8_t>(u.state));
  w.U64(u.incarnation);
  w.U64(static_cast<uint64_t>(u.joined_ms));
}

MemberUpdate GetUpdate(Reader& r) {
  MemberUpdate u;
  u.id = r.Id();
  u.ip = r.Str8(kMaxIpLen);
  u.port = r.U16();
  u.bus_port = r.U16();
  uint8_t st = r.U8();
  if (st > static_cast<uint8_t>(MemberState::kDead)) r.Fail();
  u.state = static_cast<MemberState>(st);
  u.incarnation = r.U64();
  if (u.incarnation > kBusMaxCounter) r.Fail();
  u.joined_ms = static_cast<int64_t>(r.U64());
  return u;
}

void PutUpdates(Writer& w, const std::vector<MemberUpdate>& us) {
  w.U32(static_cast<uint32_t>(us.size()));
  for (const MemberUpdate& u : us) PutUpdate(w, u);
}

void GetUpdates(Reader& r, std::vector<MemberUpdate>* us) {
  uint32_t n = r.U32();
  if (!r.ok() || n > r.left() / kMinUpdateSize) {
    r.Fail();
    return;
  }
  us->reserve(n);
  for (uint32_t i = 0; i < n && r.ok(); ++i) us->push_back(GetUpdate(r));
}

void PutTable(Writer& w, const ShardTable& t) {
  w.U64(t.epoch);
  w.OptId(t.author);
  w.U64(t.migration);
  w.U32(static_cast<uint32_t>(t.shards.size()));
  for (const ShardInfo& s : t.shards) {
    w.Id(s.id);
    w.Id(s.primary);
    w.U64(s.config_epoch);
    size_t nr = std::min(s.replicas.size(), kMaxReplicas);
    w.U8(static_cast<uint8_t>(nr));
    for (size_t i = 0; i < nr; ++i) w.Id(s.replicas[i]);
    w.U8(static_cast<uint8_t>(s.phase));
    w.U16(static_cast<uint16_t>(s.handoff + 1));
  }
}

void GetTable(Reader& r, ShardTable* t) {
  t->epoch = r.U64();
  if (t->epoch > kBusMaxCounter) r.Fail();
  t->author = r.OptId();
  t->migration = r.U64();
  if (t->migration > kBusMaxCounter) r.Fail();
  uint32_t n = r.U32();
  if (!r.ok() || n > r.left() / kMinShardSize) {
    r.Fail();
    return;
  }
  t->shards.reserve(n);
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    ShardInfo s;
    s.id = r.Id();
    s.primary = r.Id();
    s.config_epoch = r.U64();
    if (s.config_epoch > kBusMaxCounter) r.Fail();
    uint8_t nr = r.U8();
    for (uint8_t j = 0; j < nr && r.ok(); ++j) s.replicas.push_back(r.Id());
    uint8_t phase = r.U8();
    if (phase > static_cast<uint8_t>(ShardPhase::kDraining)) r.Fail();
    s.phase = static_cast<ShardPhase>(phase);
    uint16_t handoff = r.U16();
    if (handoff > kClusterSlots) r.Fail();
    s.handoff = static_cast<int32_t>(handoff) - 1;
    // Shards travel sorted by id; anything else is not a table we wrote.
    if (!t->shards.empty() && !(t->shards.back().id < s.id)) r.Fail();
    t->shards.push_back(std::move(s));
  }
}

bool HasSeq(BusKind k) {
  return k == BusKind::kPing || k == BusKind::kPingReq || k == BusKind::kAck;
}

}  // namespace

const char* BusKindName(BusKind k) {
  switch (k) {
    case BusKind::kPing: return "ping";
    case BusKind::kPingReq: return "pingreq";
    case BusKind::kAck: return "pong";
    case BusKind::kGossip: return "gossip";
    case BusKind::kPushPull: return "pushpull";
    case BusKind::kBroadcast: return "publish";
  }
  return "unknown";
}

const char* DecodeResultName(DecodeResult r) {
  switch (r) {
    case DecodeResult::kOk: return "ok";
    case DecodeResult::kMalformed: return "malformed";
    case DecodeResult::kBadVersion: return "bad-version";
    case DecodeResult::kBadAuth: return "bad-auth";
  }
  return "unknown";
}

size_t EncodedUpdateSize(const MemberUpdate& u) {
  return kMinUpdateSize + std::min<size_t>(u.ip.size(), 255);
}

std::string EncodeBusMessage(const BusMessage& m, std::string_view secret) {
  std::string out(kBusHeaderSize, '\0');
  Writer w(&out);
  PutUpdate(w, m.sender);
  w.U64(m.table_epoch);
  w.U64(m.table_fingerprint);
  w.U64(static_cast<uint64_t>(m.repl_offset));
  w.U8(m.repl_flags);
  w.U64(m.migration_plan);
  w.U16(static_cast<uint16_t>(m.handoff + 1));
  if (HasSeq(m.kind)) w.U64(m.seq);
  switch (m.kind) {
    case BusKind::kPing:
      w.OptId(m.target_id);
      PutUpdates(w, m.updates);
      break;
    case BusKind::kPingReq:
      w.Id(m.target_id);
      w.Str8(m.target_ip);
      w.U16(static_cast<uint16_t>(m.target_bus_port));
      PutUpdates(w, m.updates);
      break;
    case BusKind::kAck:
    case BusKind::kGossip:
      PutUpdates(w, m.updates);
      break;
    case BusKind::kPushPull:
      w.U8(m.is_reply ? 1 : 0);
      PutUpdates(w, m.updates);
      w.U8(m.table ? 1 : 0);
      if (m.table) PutTable(w, *m.table);
      break;
    case BusKind::kBroadcast:
      w.Str32(m.payload);
      break;
  }
  uint32_t body_len = static_cast<uint32_t>(out.size() - kBusHeaderSize);
  out[0] = static_cast<char>(kMagic0);
  out[1] = static_cast<char>(kMagic1);
  out[2] = static_cast<char>(kBusVersion);
  out[3] = static_cast<char>(m.kind);
  out[4] = static_cast<char>(secret.empty() ? 0 : kFlagMac);
  std::memcpy(&out[8], &body_len, 4);
  if (!secret.empty()) {
    Sha256Digest mac = HmacSha256(secret, out);
    out.append(reinterpret_cast<const char*>(mac.data()), mac.size());
  }
  return out;
}

DecodeResult DecodeBusMessage(std::string_view bytes, std::string_view secret, BusMessage* out) {
  if (bytes.size() < kBusHeaderSize || bytes.size() > kBusMaxMessage) {
    return DecodeResult::kMalformed;
  }
  const auto* h = reinterpret_cast<const uint8_t*>(bytes.data());
  if (h[0] != kMagic0 || h[1] != kMagic1) return DecodeResult::kMalformed;
  if (h[2] != kBusVersion) return DecodeResult::kBadVersion;
  uint8_t kind = h[3];
  uint8_t flags = h[4];
  if (kind < 1 || kind > static_cast<uint8_t>(BusKind::kBroadcast) || (flags & ~kFlagMac) ||
      h[5] || h[6] || h[7]) {
    return DecodeResult::kMalformed;
  }
  uint32_t body_len;
  std::memcpy(&body_len, h + 8, 4);
  size_t mac_len = (flags & kFlagMac) ? kBusMacSize : 0;
  if (bytes.size() != kBusHeaderSize + size_t{body_len} + mac_len) {
    return DecodeResult::kMalformed;
  }
  if (secret.empty() != (mac_len == 0)) return DecodeResult::kBadAuth;
  std::string_view signed_part = bytes.substr(0, kBusHeaderSize + body_len);
  if (mac_len) {
    Sha256Digest mac = HmacSha256(secret, signed_part);
    if (!ConstantTimeEqual(mac.data(), h + signed_part.size(), kBusMacSize)) {
      return DecodeResult::kBadAuth;
    }
  }
  BusMessage m;
  m.kind = static_cast<BusKind>(kind);
  Reader r(signed_part.substr(kBusHeaderSize));
  m.sender = GetUpdate(r);
  m.table_epoch = r.U64();
  m.table_fingerprint = r.U64();
  m.repl_offset = static_cast<int64_t>(r.U64());
  m.repl_flags = r.U8();
  if (m.repl_offset < -1 || (m.repl_flags & ~(kReplWantsPromotion | kReplStepsDown)) != 0) r.Fail();
  m.migration_plan = r.U64();
  uint16_t handoff = r.U16();
  if (m.migration_plan > kBusMaxCounter || handoff > kClusterSlots) r.Fail();
  m.handoff = static_cast<int32_t>(handoff) - 1;
  if (HasSeq(m.kind)) m.seq = r.U64();
  switch (m.kind) {
    case BusKind::kPing:
      m.target_id = r.OptId();
      GetUpdates(r, &m.updates);
      break;
    case BusKind::kPingReq:
      m.target_id = r.Id();
      m.target_ip = r.Str8(kMaxIpLen);
      m.target_bus_port = r.U16();
      GetUpdates(r, &m.updates);
      break;
    case BusKind::kAck:
    case BusKind::kGossip:
      GetUpdates(r, &m.updates);
      break;
    case BusKind::kPushPull: {
      uint8_t reply = r.U8();
      if (reply > 1) r.Fail();
      m.is_reply = reply == 1;
      GetUpdates(r, &m.updates);
      uint8_t has_table = r.U8();
      if (has_table > 1) r.Fail();
      if (has_table == 1 && r.ok()) {
        m.table.emplace();
        GetTable(r, &*m.table);
      }
      break;
    }
    case BusKind::kBroadcast:
      m.payload = r.Str32();
      break;
  }
  if (!r.ok() || r.left() != 0) return DecodeResult::kMalformed;
  *out = std::move(m);
  return DecodeResult::kOk;
}

uint64_t TableFingerprint(const ShardTable& t) {
  std::string buf;
  Writer w(&buf);
  PutTable(w, t);
  return XXH3_64bits(buf.data(), buf.size());
}

bool TableNewer(const ShardTable& a, const ShardTable& b) {
  if (a.epoch != b.epoch) return a.epoch > b.epoch;
  if (a.author != b.author) return a.author > b.author;
  return TableFingerprint(a) > TableFingerprint(b);
}

}  // namespace shoal
