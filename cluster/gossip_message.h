// The cluster bus wire format: one codec for every message the membership
// protocol sends, over UDP (probes, acks, gossip) and TCP (push-pull state
// sync, cluster-wide broadcasts).
//
// Layout (all integers little-endian):
//   header  12 bytes: magic "SW", version u8, kind u8, flags u8, 3 zero bytes,
//           body length u32
//   body    sender's own member record, the sender's shard-table epoch and
//           fingerprint, its replication status (offset i64, flags u8), its
//           migration progress (plan u64, handoff+1 u16), then the kind's
//           fields
//   mac     32 bytes HMAC-SHA256(secret, header || body) when flags has kFlagMac
//
// Decoding trusts nothing: every length is checked against what is left,
// ids must be 40 hex characters, enums must be in range, the body must be
// consumed exactly. A message that fails any check is rejected with a reason
// (the caller counts it and drops it). With a secret, a message without a
// valid MAC is rejected; without one, a MAC'd message is too (it comes from
// a cluster this node is not configured to be part of).
//
// Pure functions, any thread.
#ifndef SHOAL_CLUSTER_GOSSIP_MESSAGE_H_
#define SHOAL_CLUSTER_GOSSIP_MESSAGE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/cluster_view.h"

namespace shoal {

// 2: sender's replication status; 3: migration progress and shard phases.
inline constexpr uint8_t kBusVersion = 3;
inline constexpr size_t kBusHeaderSize = 12;
inline constexpr size_t kBusMacSize = 32;
// Largest message accepted on either channel, by kind, checked from the
// frame header before the body is buffered (bus_transport.cc): full state
// (push-pull) fits in kBusMaxState with tens of thousands of members; a
// cluster-wide PUBLISH carries at most kBusMaxBroadcast (a larger message
// reaches this node's subscribers only).
inline constexpr size_t kBusMaxState = 4u << 20;
inline constexpr size_t kBusMaxBroadcast = 8u << 20;
inline constexpr size_t kBusMaxMessage = kBusMaxBroadcast;
// Incarnations and epochs only ever grow by one per event; a value beyond
// kBusMaxCounter is forged (rejected as malformed), and a jump beyond
// kBusMaxCounterJump over what this node holds is ignored, so a forged
// notice can neither wrap a counter nor pin it at its maximum.
inline constexpr uint64_t kBusMaxCounter = uint64_t{1} << 40;
inline constexpr uint64_t kBusMaxCounterJump = uint64_t{1} << 20;

enum class BusKind : uint8_t {
  kPing = 1,      // probe; the receiver acks
  kPingReq = 2,   // "probe target for me"; the receiver relays the ack
  kAck = 3,       // answer to a ping (seq echoes the ping's)
  kGossip = 4,    // piggyback updates only
  kPushPull = 5,  // full state; the receiver merges and, unless it is a reply, answers
  kBroadcast = 6, // opaque payload for the application (cluster-wide PUBLISH)
};

inline constexpr int kBusKinds = 7;  // BusKind values are 1..6; index 0 unused
// Short names for counters ("ping", "pingreq", "pong", "gossip", "pushpull",
// "publish"), fit for CLUSTER INFO's cluster_stats_messages_<name>_sent.
const char* BusKindName(BusKind k);

// One member's record as gossiped: the part of NodeInfo that spreads.
struct MemberUpdate {
  std::string id;
  std::string ip;       // empty: the sender does not know its address; the receiver fills it
  int port = 0;         // client port
  int bus_port = 0;
  MemberState state = MemberState::kJoining;
  uint64_t incarnation = 0;
  int64_t joined_ms = 0;

  bool operator==(const MemberUpdate&) const = default;
};

struct BusMessage {
  BusKind kind = BusKind::kPing;
  MemberUpdate sender;             // the sender's record of itself
  uint64_t table_epoch = 0;        // the sender's shard table, to spot a newer one
  uint64_t table_fingerprint = 0;
  // The sender's replication status, observed directly by each receiver
  // (not gossiped on): the coordinator reads it to pick whom to promote.
  int64_t repl_offset = -1;        // a synced replica's processed offset; -1: none
  uint8_t repl_flags = 0;          // kReplWantsPromotion
  // The sender's slot handoff (a primary moving its slots away): the
  // migration plan (ShardTable::migration) it works on, and the highest slot
  // up to which it has emptied every slot it hands off (-1: none).
  uint64_t migration_plan = 0;
  int32_t handoff = -1;
  uint64_t seq = 0;                // ping, ping-req, ack
  std::string target_id;           // ping: whom the sender means (may be empty); ping-req: target
  std::string target_ip;           // ping-req
  int target_bus_port = 0;         // ping-req
  bool is_reply = false;           // push-pull
  std::vector<MemberUpdate> updates;
  std::optional<ShardTable> table; // push-pull
  std::string payload;             // broadcast
};

// repl_flags: a replica asks the coordinator to make it its shard's primary
// (CLUSTER FAILOVER); a primary that restarted empty asks to hand its shard
// to a synced replica (swim.h, stepping down).
inline constexpr uint8_t kReplWantsPromotion = 1;
inline constexpr uint8_t kReplStepsDown = 2;

enum class DecodeResult : uint8_t {
  kOk,
  kMalformed,   // bad magic, bad lengths, bad fields: garbage
  kBadVersion,  // well-formed header from another protocol version
  kBadAuth,     // missing or wrong MAC
};
const char* DecodeResultName(DecodeResult r);

// Encodes `m`; appends a MAC when `secret` is non-empty.
std::string EncodeBusMessage(const BusMessage& m, std::string_view secret);
DecodeResult DecodeBusMessage(std::string_view bytes, std::string_view secret, BusMessage* out);

// Encoded size of one update (to pack datagrams up to a budget).
size_t EncodedUpdateSize(const MemberUpdate& u);

// A 64-bit digest of the table's canonical encoding: two nodes with equal
// (epoch, fingerprint) hold the same table.
uint64_t TableFingerprint(const ShardTable& t);

// Total order on tables: the higher epoch wins, then the larger author id.
bool TableNewer(const ShardTable& a, const ShardTable& b);

}  // namespace shoal

#endif  // SHOAL_CLUSTER_GOSSIP_MESSAGE_H_
