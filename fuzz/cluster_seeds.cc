// Writes seed inputs for bus_message_fuzz and nodes_file_fuzz with Shoal's
// own encoders (EncodeBusMessage, FormatNodesFile), so the seeds follow the
// formats as they change: scripts/fuzz.sh runs it before each run, and
// `make fuzz-seeds` refreshes the copies kept in fuzz/corpus/.
//
// Usage: cluster_seeds <bus_dir> <nodes_dir>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "cluster/gossip_message.h"
#include "cluster/nodes_file.h"

namespace {

using namespace shoal;

const std::string kIdA = "0123456789abcdef0123456789abcdef01234567";
const std::string kIdB = "fedcba9876543210fedcba9876543210fedcba98";
const std::string kIdC(40, 'a');

bool Write(const std::string& dir, const std::string& name, const std::string& bytes) {
  std::ofstream out(dir + "/" + name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

MemberUpdate Member(const std::string& id, const std::string& ip, int port, MemberState state,
                    uint64_t incarnation) {
  MemberUpdate u;
  u.id = id;
  u.ip = ip;
  u.port = port;
  u.bus_port = port == 0 ? 0 : port + 10000;
  u.state = state;
  u.incarnation = incarnation;
  u.joined_ms = 1700000000000 + port;
  return u;
}

ShardTable Table() {
  ShardTable t;
  t.epoch = 7;
  t.author = kIdA;
  ShardInfo a;
  a.id = kIdA;
  a.primary = kIdA;
  a.replicas = {kIdB};
  a.config_epoch = 2;
  ShardInfo c;
  c.id = kIdC;
  c.primary = kIdC;
  c.config_epoch = 1;
  t.shards = {a, c};  // sorted by id
  return t;
}

BusMessage Base(BusKind kind) {
  BusMessage m;
  m.kind = kind;
  m.sender = Member(kIdA, "127.0.0.1", 7000, MemberState::kActive, 3);
  m.table_epoch = 7;
  m.table_fingerprint = TableFingerprint(Table());
  m.seq = 9;
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s <bus_dir> <nodes_dir>\n", argv[0]);
    return 2;
  }
  const std::string bus = argv[1], nodes = argv[2];
  std::vector<std::pair<std::string, BusMessage>> msgs;

  BusMessage ping = Base(BusKind::kPing);
  ping.target_id = kIdB;
  ping.updates = {Member(kIdB, "127.0.0.1", 7001, MemberState::kSuspect, 4)};
  msgs.emplace_back("ping", ping);
  msgs.emplace_back("ping_bare", Base(BusKind::kPing));

  BusMessage req = Base(BusKind::kPingReq);
  req.target_id = kIdB;
  req.target_ip = "10.0.0.12";
  req.target_bus_port = 17001;
  msgs.emplace_back("pingreq", req);

  BusMessage ack = Base(BusKind::kAck);
  ack.repl_offset = 12345;
  ack.repl_flags = kReplWantsPromotion;
  ack.updates = {Member(kIdC, "", 0, MemberState::kJoining, 0)};
  msgs.emplace_back("ack", ack);

  BusMessage gossip = Base(BusKind::kGossip);
  gossip.updates = {Member(kIdB, "::1", 7001, MemberState::kActive, 1),
                    Member(kIdC, "10.1.2.3", 7002, MemberState::kDead, 99)};
  msgs.emplace_back("gossip", gossip);

  BusMessage pp = Base(BusKind::kPushPull);
  pp.updates = gossip.updates;
  pp.table = Table();
  msgs.emplace_back("pushpull", pp);
  BusMessage pp_reply = Base(BusKind::kPushPull);
  pp_reply.is_reply = true;
  msgs.emplace_back("pushpull_reply", pp_reply);

  BusMessage pub = Base(BusKind::kBroadcast);
  pub.payload = std::string("\0\0\0\x02" "ch\0\0\0\x01m", 11);
  msgs.emplace_back("publish", pub);

  bool ok = true;
  for (const auto& [name, m] : msgs) {
    ok &= Write(bus, name, EncodeBusMessage(m, ""));
    // The fuzz target re-signs MAC'd frames with its own secret.
    ok &= Write(bus, name + "_mac", EncodeBusMessage(m, "seed-secret"));
  }

  NodesFileData d;
  d.my_id = kIdA;
  d.incarnation = 4;
  d.joined_ms = 1700000000000;
  d.table = Table();
  d.members = {Member(kIdB, "127.0.0.1", 7001, MemberState::kActive, 3),
               Member(kIdC, "", 7002, MemberState::kSuspect, 0)};
  ok &= Write(nodes, "full", FormatNodesFile(d));
  NodesFileData minimal;
  minimal.my_id = kIdB;
  ok &= Write(nodes, "minimal", FormatNodesFile(minimal));
  ok &= Write(nodes, "comments_unknown_kinds",
              "# written by hand\n" + FormatNodesFile(minimal) + "future-kind x y\n\n");
  if (!ok) {
    fprintf(stderr, "cluster_seeds: cannot write the seeds\n");
    return 1;
  }
  return 0;
}
