#include "cluster/gossip_message.h"

#include <gtest/gtest.h>

#include <random>

#include "cluster/node_id.h"

namespace shoal {
namespace {

MemberUpdate Update(ClusterRng& rng, MemberState s = MemberState::kActive) {
  MemberUpdate u;
  u.id = NewNodeId(rng);
  u.ip = "10.1.2.3";
  u.port = 7000;
  u.bus_port = 17000;
  u.state = s;
  u.incarnation = 42;
  u.joined_ms = 1'700'000'000'123;
  return u;
}

ShardTable Table(ClusterRng& rng) {
  ShardTable t;
  t.epoch = 9;
  t.author = NewNodeId(rng);
  for (int i = 0; i < 3; ++i) {
    ShardInfo s;
    s.id = NewNodeId(rng);
    s.primary = NewNodeId(rng);
    s.config_epoch = 3 + i;
    if (i == 1) s.replicas = {NewNodeId(rng), NewNodeId(rng)};
    t.shards.push_back(s);
  }
  std::sort(t.shards.begin(), t.shards.end(),
            [](const ShardInfo& a, const ShardInfo& b) { return a.id < b.id; });
  return t;
}

std::vector<BusMessage> Samples() {
  ClusterRng rng(7);
  std::vector<BusMessage> out;
  for (int k = 1; k <= 6; ++k) {
    BusMessage m;
    m.kind = static_cast<BusKind>(k);
    m.sender = Update(rng);
    m.table_epoch = 5;
    m.table_fingerprint = 0x1234567890abcdefULL;
    m.repl_offset = k == 2 ? -1 : 1000 + k;
    m.repl_flags = k == 3 ? kReplWantsPromotion : 0;
    switch (m.kind) {
      case BusKind::kPing:
        m.seq = 77;
        m.target_id = NewNodeId(rng);
        m.updates = {Update(rng, MemberState::kSuspect), Update(rng, MemberState::kDead)};
        break;
      case BusKind::kPingReq:
        m.seq = 78;
        m.target_id = NewNodeId(rng);
        m.target_ip = "::1";
        m.target_bus_port = 17001;
        break;
      case BusKind::kAck:
        m.seq = 79;
        m.updates = {Update(rng, MemberState::kLeaving)};
        break;
      case BusKind::kGossip:
        m.updates = {Update(rng, MemberState::kJoining)};
        break;
      case BusKind::kPushPull:
        m.is_reply = true;
        m.updates = {Update(rng), Update(rng)};
        m.table = Table(rng);
        break;
      case BusKind::kBroadcast:
        m.payload = std::string("pub\0sub", 7);
        break;
    }
    out.push_back(m);
  }
  return out;
}

void ExpectSame(const BusMessage& a, const BusMessage& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.sender, b.sender);
  EXPECT_EQ(a.table_epoch, b.table_epoch);
  EXPECT_EQ(a.table_fingerprint, b.table_fingerprint);
  EXPECT_EQ(a.repl_offset, b.repl_offset);
  EXPECT_EQ(a.repl_flags, b.repl_flags);
  EXPECT_EQ(a.seq, b.seq);
  EXPECT_EQ(a.target_id, b.target_id);
  EXPECT_EQ(a.target_ip, b.target_ip);
  EXPECT_EQ(a.target_bus_port, b.target_bus_port);
  EXPECT_EQ(a.is_reply, b.is_reply);
  EXPECT_EQ(a.updates, b.updates);
  EXPECT_EQ(a.payload, b.payload);
  ASSERT_EQ(a.table.has_value(), b.table.has_value());
  if (a.table) {
    EXPECT_EQ(TableFingerprint(*a.table), TableFingerprint(*b.table));
  }
}

TEST(BusMessage, RoundTripsEveryKindWithAndWithoutSecret) {
  for (std::string secret : {"", "s3cret"}) {
    for (const BusMessage& m : Samples()) {
      std::string bytes = EncodeBusMessage(m, secret);
      BusMessage back;
      ASSERT_EQ(DecodeBusMessage(bytes, secret, &back), DecodeResult::kOk)
          << static_cast<int>(m.kind) << " secret=" << secret;
      ExpectSame(m, back);
    }
  }
}

TEST(BusMessage, RejectsEveryTruncationAndExtension) {
  for (const BusMessage& m : Samples()) {
    std::string bytes = EncodeBusMessage(m, "");
    BusMessage out;
    for (size_t n = 0; n < bytes.size(); ++n) {
      EXPECT_NE(DecodeBusMessage(bytes.substr(0, n), "", &out), DecodeResult::kOk) << n;
    }
    EXPECT_EQ(DecodeBusMessage(bytes + "x", "", &out), DecodeResult::kMalformed);
  }
}

TEST(BusMessage, SurvivesRandomGarbageAndBitFlips) {
  std::mt19937_64 rng(3);
  BusMessage out;
  for (int i = 0; i < 20000; ++i) {
    std::string junk(rng() % 200, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    if (i % 2 && junk.size() >= 2) {
      junk[0] = 'S';
      junk[1] = 'W';
    }
    DecodeBusMessage(junk, "", &out);  // must not crash; result irrelevant
  }
  for (const BusMessage& m : Samples()) {
    std::string bytes = EncodeBusMessage(m, "");
    for (size_t pos = 0; pos < bytes.size(); ++pos) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string b = bytes;
        b[pos] ^= static_cast<char>(1 << bit);
        DecodeBusMessage(b, "", &out);
      }
    }
  }
}

TEST(BusMessage, HugeCountsAreRejectedWithoutAllocating) {
  BusMessage m = Samples()[3];  // gossip
  m.updates.clear();
  std::string bytes = EncodeBusMessage(m, "");
  // The update count is the last 4 bytes: claim four billion.
  bytes[bytes.size() - 1] = bytes[bytes.size() - 2] = bytes[bytes.size() - 3] =
      bytes[bytes.size() - 4] = '\xff';
  BusMessage out;
  EXPECT_EQ(DecodeBusMessage(bytes, "", &out), DecodeResult::kMalformed);
}

TEST(BusMessage, ChecksTheMac) {
  BusMessage m = Samples()[0];
  std::string bytes = EncodeBusMessage(m, "right");
  BusMessage out;
  EXPECT_EQ(DecodeBusMessage(bytes, "wrong", &out), DecodeResult::kBadAuth);
  EXPECT_EQ(DecodeBusMessage(bytes, "", &out), DecodeResult::kBadAuth);
  EXPECT_EQ(DecodeBusMessage(EncodeBusMessage(m, ""), "right", &out), DecodeResult::kBadAuth);
  // Any flipped byte of body or MAC fails authentication.
  for (size_t pos = kBusHeaderSize; pos < bytes.size(); ++pos) {
    std::string b = bytes;
    b[pos] ^= 1;
    EXPECT_EQ(DecodeBusMessage(b, "right", &out), DecodeResult::kBadAuth) << pos;
  }
}

TEST(BusMessage, ReportsOtherVersions) {
  std::string bytes = EncodeBusMessage(Samples()[0], "");
  bytes[2] = kBusVersion + 1;
  BusMessage out;
  EXPECT_EQ(DecodeBusMessage(bytes, "", &out), DecodeResult::kBadVersion);
}

TEST(BusMessage, RejectsBadReplicationStatus) {
  BusMessage m = Samples()[0];
  m.repl_offset = -2;  // only -1 means "none"
  BusMessage out;
  EXPECT_EQ(DecodeBusMessage(EncodeBusMessage(m, ""), "", &out), DecodeResult::kMalformed);
  m = Samples()[0];
  m.repl_flags = 0x80;  // unknown flag
  EXPECT_EQ(DecodeBusMessage(EncodeBusMessage(m, ""), "", &out), DecodeResult::kMalformed);
}

TEST(BusMessage, RejectsCountersNoProcessCanReach) {
  // A forged incarnation of 2^64-1 would wrap the victim's refutation to 0.
  BusMessage m = Samples()[0];
  m.sender.incarnation = ~uint64_t{0};
  BusMessage out;
  EXPECT_EQ(DecodeBusMessage(EncodeBusMessage(m, ""), "", &out), DecodeResult::kMalformed);
  m = Samples()[0];
  m.updates[0].incarnation = kBusMaxCounter + 1;
  EXPECT_EQ(DecodeBusMessage(EncodeBusMessage(m, ""), "", &out), DecodeResult::kMalformed);
  m.updates[0].incarnation = kBusMaxCounter;
  EXPECT_EQ(DecodeBusMessage(EncodeBusMessage(m, ""), "", &out), DecodeResult::kOk);
  m = Samples()[4];  // push-pull with a table
  ASSERT_TRUE(m.table);
  m.table->epoch = ~uint64_t{0};
  EXPECT_EQ(DecodeBusMessage(EncodeBusMessage(m, ""), "", &out), DecodeResult::kMalformed);
}

TEST(BusMessage, RejectsInvalidIdsAndStates) {
  BusMessage m = Samples()[3];
  std::string bytes = EncodeBusMessage(m, "");
  BusMessage out;
  std::string b = bytes;
  b[kBusHeaderSize] = 'Z';  // first char of the sender id
  EXPECT_EQ(DecodeBusMessage(b, "", &out), DecodeResult::kMalformed);
  b = bytes;
  // sender: id(40) ip(1 + 8) port(2) bus(2) then state.
  b[kBusHeaderSize + 40 + 9 + 4] = 9;
  EXPECT_EQ(DecodeBusMessage(b, "", &out), DecodeResult::kMalformed);
}

TEST(TableOrder, HigherEpochThenAuthorWins) {
  ClusterRng rng(1);
  ShardTable a = Table(rng), b = a;
  b.epoch = a.epoch + 1;
  EXPECT_TRUE(TableNewer(b, a));
  EXPECT_FALSE(TableNewer(a, b));
  b.epoch = a.epoch;
  b.author = std::string(40, 'f');
  EXPECT_TRUE(TableNewer(b, a));
  EXPECT_FALSE(TableNewer(a, a));
  EXPECT_NE(TableFingerprint(a), TableFingerprint(b));
}

}  // namespace
}  // namespace shoal
