// libFuzzer target: the cluster bus message decoder
// (cluster/gossip_message.h), which reads bytes from anyone who reaches the
// bus port over UDP or TCP.
//
// Input: a bus frame. When its header says it carries a MAC and its length
// adds up, the target signs it with a fixed secret before decoding (as a
// member of the cluster would), so the decoder's body parsing is reached
// on MAC'd messages too rather than stopping at the HMAC check.
//
// Invariants checked, beyond "no crash, no sanitizer report":
//  - decoding never accepts a frame longer than kBusMaxMessage;
//  - a decoded message's counters respect the bounds the decoder promises
//    (incarnations and epochs <= kBusMaxCounter, ids of 40 hex characters);
//  - the codec is canonical: re-encoding a decoded message with the same
//    secret gives back exactly the input bytes, and decoding that again
//    gives a message that encodes the same (every field survives);
//  - a frame accepted without a secret is refused with one, and vice versa.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "cluster/gossip_message.h"
#include "cluster/node_id.h"
#include "cluster/sha256.h"

namespace {

using namespace shoal;

constexpr std::string_view kSecret = "fuzz-cluster-secret";

void Check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "invariant violated: %s\n", what);
    abort();
  }
}

void CheckUpdate(const MemberUpdate& u) {
  Check(IsValidNodeId(u.id), "member id is 40 hex characters");
  Check(u.incarnation <= kBusMaxCounter, "incarnation bounded");
  Check(u.port >= 0 && u.port <= 65535 && u.bus_port >= 0 && u.bus_port <= 65535,
        "ports in range");
  Check(static_cast<uint8_t>(u.state) <= static_cast<uint8_t>(MemberState::kDead),
        "state in range");
}

void CheckBounds(const BusMessage& m) {
  CheckUpdate(m.sender);
  for (const MemberUpdate& u : m.updates) CheckUpdate(u);
  Check(m.repl_offset >= -1, "replication offset >= -1");
  if (m.table) {
    Check(m.table->epoch <= kBusMaxCounter, "table epoch bounded");
    for (size_t i = 0; i < m.table->shards.size(); ++i) {
      const ShardInfo& s = m.table->shards[i];
      Check(s.config_epoch <= kBusMaxCounter, "config epoch bounded");
      Check(IsValidNodeId(s.id) && IsValidNodeId(s.primary), "shard ids valid");
      for (const std::string& r : s.replicas) Check(IsValidNodeId(r), "replica id valid");
      if (i > 0) Check(m.table->shards[i - 1].id < s.id, "shards sorted and unique");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string frame(reinterpret_cast<const char*>(data), size);
  std::string_view secret;
  if (frame.size() >= kBusHeaderSize && (frame[4] & 1)) {
    uint32_t body_len;
    std::memcpy(&body_len, frame.data() + 8, 4);
    if (frame.size() == kBusHeaderSize + size_t{body_len} + kBusMacSize) {
      std::string_view signed_part(frame.data(), frame.size() - kBusMacSize);
      Sha256Digest mac = HmacSha256(kSecret, signed_part);
      std::memcpy(frame.data() + frame.size() - kBusMacSize, mac.data(), kBusMacSize);
    }
    secret = kSecret;
  }

  BusMessage m;
  DecodeResult r = DecodeBusMessage(frame, secret, &m);
  // The other secret setting never accepts the same frame.
  BusMessage other;
  DecodeResult r_other = DecodeBusMessage(frame, secret.empty() ? kSecret : std::string_view(),
                                          &other);
  Check(r_other != DecodeResult::kOk, "a frame decodes under one secret setting only");
  if (r != DecodeResult::kOk) return 0;

  Check(frame.size() <= kBusMaxMessage, "accepted frame within kBusMaxMessage");
  CheckBounds(m);
  const std::string again = EncodeBusMessage(m, secret);
  Check(again == frame, "re-encoding a decoded message gives the same bytes");
  BusMessage m2;
  Check(DecodeBusMessage(again, secret, &m2) == DecodeResult::kOk, "re-encoded decodes");
  Check(EncodeBusMessage(m2, secret) == again, "re-decoded message encodes the same");
  return 0;
}
