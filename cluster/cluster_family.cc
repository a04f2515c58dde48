// CLUSTER and its friends, answered from the ClusterView (see
// cluster_family.h). Formats follow Redis 7.2 so that redis-cli --cluster,
// redis-benchmark --cluster, redis-py and ioredis parse them unmodified:
//   NODES  "<id> <ip>:<port>@<cport> <flags> <master> <ping-sent> <pong-recv>
//           <config-epoch> <link-state> <slot-range>..."
//   SLOTS  [[start, end, [ip, port, id, {}], replica...], ...] by slot
//   SHARDS [{"slots": [start, end, ...], "nodes": [{id, port, ip, endpoint,
//           role, replication-offset, health}, ...]}, ...]
// A dead primary keeps its slots in these listings (as a failed Redis master
// does); routing answers CLUSTERDOWN for them.
#include "cluster/cluster_family.h"

#include <cctype>

#include <algorithm>
#include <map>
#include <vector>

#include "base/strings.h"
#include "cluster/hash_ring.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/command_context.h"
#include "server/store/slot_hash.h"

namespace shoal {
namespace {

constexpr std::string_view kErrDisabled = "ERR This instance has cluster support disabled";

// The router when cluster mode is on; otherwise replies the error.
ClusterRouter* RouterOrError(CommandContext& ctx) {
  auto* router = dynamic_cast<ClusterRouter*>(ctx.server->router);
  if (router == nullptr) ctx.Error(kErrDisabled);
  return router;
}

// The host part of "ip:port" / "[v6]:port".
std::string_view HostOf(std::string_view addr) {
  size_t colon = addr.rfind(':');
  std::string_view host = colon == std::string_view::npos ? addr : addr.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return host;
}

// What the listings need to know of the view, computed once per command.
struct Layout {
  const ClusterView& view;
  std::string local_ip;
  std::vector<SlotRange> ranges;                // assigned and unassigned runs
  std::map<int, std::vector<SlotRange>> owned;  // shard index -> its runs
  // node id -> (shard index, is primary)
  std::map<std::string, std::pair<int, bool>> role;

  Layout(const ClusterView& v, std::string_view local) : view(v), local_ip(local) {
    ranges = SlotRanges(v.slot_shard);
    for (const SlotRange& r : ranges) {
      if (r.owner >= 0) owned[r.owner].push_back(r);
    }
    for (size_t i = 0; i < v.table.shards.size(); ++i) {
      const ShardInfo& s = v.table.shards[i];
      for (const std::string& rep : s.replicas) role[rep] = {static_cast<int>(i), false};
      role[s.primary] = {static_cast<int>(i), true};
    }
  }

  std::string Ip(const NodeInfo& n) const {
    if ((n.ip.empty() || n.ip == "0.0.0.0" || n.ip == "::") && n.id == view.my_id) {
      return local_ip;
    }
    return n.ip;
  }
  const ShardInfo* ShardOf(const std::string& node_id, bool* primary) const {
    auto it = role.find(node_id);
    if (it == role.end()) return nullptr;
    *primary = it->second.second;
    return &view.table.shards[it->second.first];
  }
  int ShardIndexOf(const std::string& node_id) const {
    auto it = role.find(node_id);
    return it == role.end() ? -1 : it->second.first;
  }
};

// Redis prints when the ping now awaiting a pong was sent, 0 when none is.
int64_t PendingPingMs(const NodeInfo& n, const std::string& my_id) {
  if (n.id == my_id || n.ping_sent_ms <= n.pong_received_ms) return 0;
  return n.ping_sent_ms;
}

std::string NodeLine(const Layout& l, const NodeInfo& n) {
  const ClusterView& v = l.view;
  bool primary = true;
  const ShardInfo* shard = l.ShardOf(n.id, &primary);
  std::string flags = n.id == v.my_id ? "myself," : "";
  flags += primary ? "master" : "slave";
  if (n.state == MemberState::kSuspect) flags += ",fail?";
  if (n.state == MemberState::kDead) flags += ",fail";
  std::string master = shard != nullptr && !primary ? shard->primary : "-";
  bool connected = n.id == v.my_id || n.state != MemberState::kDead;
  std::string line =
      StrCat(n.id, " ", l.Ip(n), ":", n.port, "@", n.bus_port, " ", flags, " ", master, " ",
             PendingPingMs(n, v.my_id), " ", n.pong_received_ms, " ",
             shard != nullptr ? shard->config_epoch : 0, " ",
             connected ? "connected" : "disconnected");
  if (shard != nullptr && primary) {
    auto it = l.owned.find(l.ShardIndexOf(n.id));
    if (it != l.owned.end()) {
      for (const SlotRange& r : it->second) {
        if (r.first == r.last) {
          StrAppend(&line, " ", r.first);
        } else {
          StrAppend(&line, " ", r.first, "-", r.last);
        }
      }
    }
  }
  // As Redis, on the myself line only: slots this node is migrating away
  // ([slot->-target id]) and importing ([slot-<-source id]).
  if (n.id == v.my_id && shard != nullptr && primary) {
    for (int slot = 0; slot < kClusterSlots; ++slot) {
      const ShardInfo* target = v.TargetOfSlot(slot);
      if (target == nullptr) continue;
      const ShardInfo* owner = v.ShardOfSlot(slot);
      if (owner->primary == n.id) StrAppend(&line, " [", slot, "->-", target->primary, "]");
      if (target->primary == n.id) StrAppend(&line, " [", slot, "-<-", owner->primary, "]");
    }
  }
  line += "\n";
  return line;
}

std::vector<const NodeInfo*> NodesById(const ClusterView& v) {
  std::vector<const NodeInfo*> nodes;
  for (const NodeInfo& n : v.nodes) nodes.push_back(&n);
  std::sort(nodes.begin(), nodes.end(),
            [](const NodeInfo* a, const NodeInfo* b) { return a->id < b->id; });
  return nodes;
}

// ------------------------------------------------------------- listings

void ReplySlotNode(CommandContext& ctx, const Layout& l, const NodeInfo& n) {
  ctx.reply->ArrayHeader(4);
  ctx.reply->Bulk(l.Ip(n));
  ctx.reply->Integer(n.port);
  ctx.reply->Bulk(n.id);
  ctx.reply->MapHeader(0);  // metadata (hostname when one is announced)
}

void ClusterSlots(CommandContext& ctx, CmdArgs) {
  ClusterRouter* router = RouterOrError(ctx);
  if (router == nullptr) return;
  auto view = router->View();
  Layout l(*view, HostOf(ctx.client->laddr));
  std::vector<std::pair<const SlotRange*, const ShardInfo*>> rows;
  for (const SlotRange& r : l.ranges) {
    if (r.owner < 0) continue;
    const ShardInfo& s = view->table.shards[r.owner];
    if (view->FindNode(s.primary) == nullptr) continue;
    rows.push_back({&r, &s});
  }
  ctx.reply->ArrayHeader(static_cast<int64_t>(rows.size()));
  for (const auto& [r, s] : rows) {
    std::vector<const NodeInfo*> replicas;
    for (const std::string& id : s->replicas) {
      const NodeInfo* n = view->FindNode(id);
      if (n != nullptr && n->state != MemberState::kDead) replicas.push_back(n);
    }
    ctx.reply->ArrayHeader(3 + static_cast<int64_t>(replicas.size()));
    ctx.reply->Integer(r->first);
    ctx.reply->Integer(r->last);
    ReplySlotNode(ctx, l, *view->FindNode(s->primary));
    for (const NodeInfo* n : replicas) ReplySlotNode(ctx, l, *n);
  }
}

void ReplyShardNode(CommandContext& ctx, const Layout& l, const NodeInfo& n, bool primary) {
  ctx.reply->MapHeader(7);
  ctx.reply->Bulk("id");
  ctx.reply->Bulk(n.id);
  ctx.reply->Bulk("port");
  ctx.reply->Integer(n.port);
  ctx.reply->Bulk("ip");
  ctx.reply->Bulk(l.Ip(n));
  ctx.reply->Bulk("endpoint");
  ctx.reply->Bulk(l.Ip(n));
  ctx.reply->Bulk("role");
  ctx.reply->Bulk(primary ? "master" : "replica");
  ctx.reply->Bulk("replication-offset");
  ctx.reply->Integer(0);
  ctx.reply->Bulk("health");
  ctx.reply->Bulk(n.state == MemberState::kDead ? "fail" : "online");
}

void ClusterShards(CommandContext& ctx, CmdArgs) {
  ClusterRouter* router = RouterOrError(ctx);
  if (router == nullptr) return;
  auto view = router->View();
  Layout l(*view, HostOf(ctx.client->laddr));
  // Nodes in no shard (joining) are listed as shards of their own without
  // slots, as Redis lists a master that serves nothing.
  std::vector<const NodeInfo*> loose;
  for (const NodeInfo* n : NodesById(*view)) {
    if (l.ShardIndexOf(n->id) < 0) loose.push_back(n);
  }
  ctx.reply->ArrayHeader(static_cast<int64_t>(view->table.shards.size() + loose.size()));
  for (size_t i = 0; i < view->table.shards.size(); ++i) {
    const ShardInfo& s = view->table.shards[i];
    ctx.reply->MapHeader(2);
    ctx.reply->Bulk("slots");
    auto it = l.owned.find(static_cast<int>(i));
    int64_t n = it == l.owned.end() ? 0 : static_cast<int64_t>(it->second.size());
    ctx.reply->ArrayHeader(2 * n);
    if (it != l.owned.end()) {
      for (const SlotRange& r : it->second) {
        ctx.reply->Integer(r.first);
        ctx.reply->Integer(r.last);
      }
    }
    ctx.reply->Bulk("nodes");
    std::vector<std::pair<const NodeInfo*, bool>> members;
    if (const NodeInfo* p = view->FindNode(s.primary)) members.push_back({p, true});
    for (const std::string& id : s.replicas) {
      if (const NodeInfo* r = view->FindNode(id)) members.push_back({r, false});
    }
    ctx.reply->ArrayHeader(static_cast<int64_t>(members.size()));
    for (const auto& [node, primary] : members) ReplyShardNode(ctx, l, *node, primary);
  }
  for (const NodeInfo* n : loose) {
    ctx.reply->MapHeader(2);
    ctx.reply->Bulk("slots");
    ctx.reply->ArrayHeader(0);
    ctx.reply->Bulk("nodes");
    ctx.reply->ArrayHeader(1);
    ReplyShardNode(ctx, l, *n, true);
  }
}

void ClusterNodes(CommandContext& ctx, CmdArgs) {
  ClusterRouter* router = RouterOrError(ctx);
  if (router == nullptr) return;
  ctx.reply->Verbatim("txt", ClusterNodesText(*router->View(), HostOf(ctx.client->laddr)));
}

void ClusterReplicas(CommandContext& ctx, CmdArgs args) {
  ClusterRouter* router = RouterOrError(ctx);
  if (router == nullptr) return;
  auto view = router->View();
  std::string id(args[2]);
  if (view->FindNode(id) == nullptr) return ctx.Error(StrCat("ERR Unknown node ", args[2]));
  Layout l(*view, HostOf(ctx.client->laddr));
  bool primary = true;
  const ShardInfo* shard = l.ShardOf(id, &primary);
  if (shard != nullptr && !primary) return ctx.Error("ERR The specified node is not a master");
  std::vector<std::string> lines;
  if (shard != nullptr) {
    for (const std::string& rep : shard->replicas) {
      if (const NodeInfo* n = view->FindNode(rep)) lines.push_back(NodeLine(l, *n));
    }
  }
  ctx.reply->ArrayHeader(static_cast<int64_t>(lines.size()));
  for (std::string& line : lines) {
    line.pop_back();  // Redis replies each line without its newline
    ctx.reply->Bulk(line);
  }
}

// ------------------------------------------------------------ the rest

void ClusterInfo(CommandContext& ctx, CmdArgs) {
  ClusterRouter* router = RouterOrError(ctx);
  if (router == nullptr) return;
  ClusterBusStats stats;
  if (router->control() != nullptr) stats = router->control()->BusStats();
  SlotMoverStats moves;
  if (router->control() != nullptr) moves = router->control()->MigrationStats();
  ctx.reply->Verbatim("txt", ClusterInfoText(*router->View(), stats, moves));
}

// CLUSTER LEAVE (Shoal): this node leaves the cluster gracefully and shuts
// down once its shard handed its slots off (or a replica took over).
void ClusterLeave(CommandContext& ctx, CmdArgs) {
  ClusterRouter* router = RouterOrError(ctx);
  if (router == nullptr) return;
  if (router->control() == nullptr) return ctx.Error("ERR the cluster bus is not running");
  absl::Status st = router->control()->Leave();
  if (!st.ok()) return ctx.Error(std::string(st.message()));
  ctx.reply->Ok();
}

void ClusterMyId(CommandContext& ctx, CmdArgs) {
  ClusterRouter* router = RouterOrError(ctx);
  if (router == nullptr) return;
  ctx.reply->Bulk(router->View()->my_id);
}

void ClusterMyShardId(CommandContext& ctx, CmdArgs) {
  ClusterRouter* router = RouterOrError(ctx);
  if (router == nullptr) return;
  auto view = router->View();
  for (const ShardInfo& s : view->table.shards) {
    if (s.primary == view->my_id ||
        std::find(s.replicas.begin(), s.replicas.end(), view->my_id) != s.replicas.end()) {
      return ctx.reply->Bulk(s.id);
    }
  }
  ctx.Error("ERR This node is not part of a shard yet");
}

void ClusterKeySlot(CommandContext& ctx, CmdArgs args) {
  if (RouterOrError(ctx) == nullptr) return;
  ctx.reply->Integer(KeySlot(args[2]));
}

void ClusterCountKeysInSlot(CommandContext& ctx, CmdArgs args) {
  if (RouterOrError(ctx) == nullptr) return;
  int64_t slot;
  if (!ParseInt(args[2], &slot)) return ctx.Error(kErrNotInteger);
  if (slot < 0 || slot >= kClusterSlots) return ctx.Error("ERR Invalid slot");
  ctx.reply->Integer(ctx.store->CountKeysInSlot(ctx.db(), static_cast<int>(slot)));
}

void ClusterGetKeysInSlot(CommandContext& ctx, CmdArgs args) {
  if (RouterOrError(ctx) == nullptr) return;
  int64_t slot, count;
  if (!ParseInt(args[2], &slot) || !ParseInt(args[3], &count)) return ctx.Error(kErrNotInteger);
  if (slot < 0 || slot >= kClusterSlots || count < 0) {
    return ctx.Error("ERR Invalid slot or number of keys");
  }
  std::vector<std::string> keys =
      count == 0 ? std::vector<std::string>{}
                 : ctx.store->KeysInSlot(ctx.db(), static_cast<int>(slot),
                                         static_cast<size_t>(count));
  ctx.reply->ArrayHeader(static_cast<int64_t>(keys.size()));
  for (const std::string& k : keys) ctx.reply->Bulk(k);
}

void ClusterMeet(CommandContext& ctx, CmdArgs args) {
  ClusterRouter* router = RouterOrError(ctx);
  if (router == nullptr) return;
  if (args.size() > 5) return ctx.Error(WrongArityText("cluster|meet"));
  int64_t port, bus_port;
  if (!ParseInt(args[3], &port) || port < 0 || port > 65535) {
    return ctx.Error(StrCat("ERR Invalid TCP base port specified: ", args[3]));
  }
  if (args.size() == 5) {
    if (!ParseInt(args[4], &bus_port) || bus_port < 0 || bus_port > 65535) {
      return ctx.Error(StrCat("ERR Invalid TCP bus port specified: ", args[4]));
    }
  } else {
    bus_port = port + 10000;
  }
  absl::Status st = router->control() == nullptr
                        ? absl::UnavailableError("no cluster runtime")
                        : router->control()->Meet(std::string(args[2]), static_cast<int>(port),
                                                  static_cast<int>(bus_port));
  if (!st.ok()) {
    return ctx.Error(StrCat("ERR Invalid node address specified: ", args[2], ":", args[3]));
  }
  ctx.reply->Ok();
}

// CLUSTER SAVECONFIG: the nodes file, written now (it is also written by
// itself within 200 ms of every change).
void ClusterSaveConfig(CommandContext& ctx, CmdArgs) {
  ClusterRouter* router = RouterOrError(ctx);
  if (router == nullptr) return;
  absl::Status st = router->control() == nullptr ? absl::UnavailableError("no cluster runtime")
                                                 : router->control()->SaveConfig();
  if (!st.ok()) {
    return ctx.Error(StrCat("ERR error saving the cluster node config: ", st.message()));
  }
  ctx.reply->Ok();
}

void ClusterHelp(CommandContext& ctx, CmdArgs) {
  if (RouterOrError(ctx) == nullptr) return;
  static constexpr std::string_view kLines[] = {
      "CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "COUNTKEYSINSLOT <slot>",
      "    Return the number of keys in <slot>.",
      "GETKEYSINSLOT <slot> <count>",
      "    Return key names stored by current node in a slot.",
      "INFO",
      "    Return information about the cluster.",
      "KEYSLOT <key>",
      "    Return the hash slot for <key>.",
      "MEET <ip> <port> [<bus-port>]",
      "    Connect nodes into a working cluster.",
      "MYID",
      "    Return the node id.",
      "MYSHARDID",
      "    Return the node's shard id.",
      "NODES",
      "    Return cluster configuration seen by node. Output format:",
      "    <id> <ip:port@bus-port[,hostname]> <flags> <master> <pings> <pongs> <epoch> <link> "
      "<slot> ...",
      "REPLICAS <node-id>",
      "    Return <node-id> replicas.",
      "SAVECONFIG",
      "    Force saving cluster configuration on disk.",
      "SLOTS",
      "    Return information about slots range mappings. Each range is made of:",
      "    start, end, master and replicas IP addresses, ports and ids",
      "SHARDS",
      "    Return information about slot range mappings and the nodes associated with them.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply->ArrayHeader(static_cast<int64_t>(std::size(kLines)));
  for (std::string_view l : kLines) ctx.reply->SimpleString(l);
}

// Redis Cluster's manual slot placement and node management. Shoal's ring
// places slots itself (docs/cluster.md), so these refuse, and change nothing:
// redis-cli --cluster create / reshard / rebalance / add-node stop on this
// error instead of following a plan the ring would not.
void ClusterPlacesSlotsItself(CommandContext& ctx, CmdArgs args) {
  if (RouterOrError(ctx) == nullptr) return;
  std::string sub(args[1]);
  for (char& c : sub) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ctx.Error(StrCat("ERR Shoal places slots itself (consistent-hash ring); CLUSTER ", sub,
                   " is not supported: see docs/cluster.md"));
}

// READONLY / READWRITE: whether this connection reads from replicas.
void ReadOnly(CommandContext& ctx, CmdArgs args) {
  if (RouterOrError(ctx) == nullptr) return;
  if (EqualsIgnoreCase(args[0], "readonly")) ctx.client->cluster_readonly = true;
  if (EqualsIgnoreCase(args[0], "readwrite")) ctx.client->cluster_readonly = false;
  if (EqualsIgnoreCase(args[0], "asking")) ctx.client->asking = 2;
  ctx.reply->Ok();
}

// CLUSTER FAILOVER [FORCE | TAKEOVER], on a replica (shard_role.h).
void ClusterFailover(CommandContext& ctx, CmdArgs args) {
  ClusterRouter* router = RouterOrError(ctx);
  if (router == nullptr) return;
  if (args.size() > 3) return ctx.Error(kErrSyntax);
  FailoverMode mode = FailoverMode::kDefault;
  if (args.size() == 3) {
    if (EqualsIgnoreCase(args[2], "force")) {
      mode = FailoverMode::kForce;
    } else if (EqualsIgnoreCase(args[2], "takeover")) {
      mode = FailoverMode::kTakeover;
    } else {
      return ctx.Error(kErrSyntax);
    }
  }
  if (router->control() == nullptr) {
    return ctx.Error("ERR You should send CLUSTER FAILOVER to a replica");
  }
  absl::Status st = router->control()->Failover(mode);
  if (!st.ok()) return ctx.Error(std::string(st.message()));
  ctx.reply->Ok();
}

void ContainerArity(CommandContext& ctx, CmdArgs) { ctx.Error(WrongArityText("cluster")); }

}  // namespace

std::string ClusterNodesText(const ClusterView& view, std::string_view local_ip) {
  Layout l(view, local_ip);
  std::string out;
  for (const NodeInfo* n : NodesById(view)) out += NodeLine(l, *n);
  return out;
}

std::string MigrationInfoText(const ClusterView& v, const SlotMoverStats& moves) {
  int64_t out_slots = 0, in_slots = 0;
  for (int slot = 0; slot < kClusterSlots; ++slot) {
    const ShardInfo* target = v.TargetOfSlot(slot);
    if (target == nullptr) continue;
    const ShardInfo* owner = v.ShardOfSlot(slot);
    if (owner->primary == v.my_id) ++out_slots;
    if (target->primary == v.my_id) ++in_slots;
  }
  std::string out;
  auto field = [&out](std::string_view k, auto x) { StrAppend(&out, k, ":", x, "\r\n"); };
  field("cluster_migration_plan", v.table.migration);
  field("cluster_migration_slots_migrating", out_slots);
  field("cluster_migration_slots_importing", in_slots);
  field("cluster_migration_slots_moved", moves.slots_moved);
  field("cluster_migration_keys_moved", moves.keys_moved);
  field("cluster_migration_keys_remaining", moves.keys_remaining);
  field("cluster_migration_bytes_moved", moves.bytes_moved);
  field("cluster_migration_errors", moves.errors);
  return out;
}

std::string ClusterInfoText(const ClusterView& v, const ClusterBusStats& stats,
                            const SlotMoverStats& moves) {
  int64_t assigned = 0, ok = 0, pfail = 0, fail = 0;
  std::vector<MemberState> primary_state(v.table.shards.size(), MemberState::kDead);
  for (size_t i = 0; i < v.table.shards.size(); ++i) {
    if (const NodeInfo* p = v.FindNode(v.table.shards[i].primary)) primary_state[i] = p->state;
  }
  std::vector<bool> has_slots(v.table.shards.size(), false);
  for (int slot = 0; slot < kClusterSlots; ++slot) {
    int s = v.slot_shard[slot];
    if (s < 0) continue;
    ++assigned;
    has_slots[s] = true;
    switch (primary_state[s]) {
      case MemberState::kDead:
        ++fail;
        break;
      case MemberState::kSuspect:
        ++pfail;
        break;
      default:
        ++ok;
    }
  }
  uint64_t my_epoch = 0;
  for (const ShardInfo& s : v.table.shards) {
    if (s.primary == v.my_id ||
        std::find(s.replicas.begin(), s.replicas.end(), v.my_id) != s.replicas.end()) {
      my_epoch = s.config_epoch;
    }
  }
  // As Redis with full coverage required: ok only when every slot is served
  // (a suspect primary still counts, as PFAIL does in Redis), and, as on a
  // Redis node that lost the majority, not while this node refuses keyed
  // commands (fenced, or stepping down after a restart).
  bool state_ok = assigned == kClusterSlots && fail == 0 && !v.fenced && !v.stepping_down;
  std::string out;
  auto field = [&out](std::string_view k, auto v) { StrAppend(&out, k, ":", v, "\r\n"); };
  field("cluster_state", state_ok ? "ok" : "fail");
  field("cluster_slots_assigned", assigned);
  field("cluster_slots_ok", ok);
  field("cluster_slots_pfail", pfail);
  field("cluster_slots_fail", fail);
  field("cluster_known_nodes", v.nodes.size());
  field("cluster_size", std::count(has_slots.begin(), has_slots.end(), true));
  field("cluster_current_epoch", v.current_epoch);
  field("cluster_my_epoch", my_epoch);
  for (const auto& [type, n] : stats.sent) {
    field(StrCat("cluster_stats_messages_", type, "_sent"), n);
  }
  field("cluster_stats_messages_sent", stats.total_sent);
  for (const auto& [type, n] : stats.received) {
    field(StrCat("cluster_stats_messages_", type, "_received"), n);
  }
  field("cluster_stats_messages_received", stats.total_received);
  field("total_cluster_links_buffer_limit_exceeded", 0);
  out += MigrationInfoText(v, moves);
  return out;
}

void RegisterClusterCommands(CommandTable* table) {
  constexpr uint32_t kAdmin = kCmdAdmin | kCmdStale;
  constexpr std::string_view kSlowAcl = "@slow";
  constexpr std::string_view kAdminAcl = "@admin @slow @dangerous";
  CommandSpec cluster = MakeSpec("cluster", -2, 0, {}, ContainerArity,
                                 {.group = "cluster",
                                  .since = "3.0.0",
                                  .summary = "A container for Redis Cluster commands.",
                                  .complexity = "Depends on subcommand.",
                                  .acl_categories = kSlowAcl});
  cluster.subcommands = {
      MakeSpec("cluster|countkeysinslot", 3, kCmdStale, {}, ClusterCountKeysInSlot,
               {.group = "cluster",
                .since = "3.0.0",
                .summary = "Returns the number of keys in a hash slot.",
                .complexity = "O(1)",
                .syntax = "slot",
                .acl_categories = kSlowAcl}),
      MakeSpec("cluster|getkeysinslot", 4, kCmdStale, {}, ClusterGetKeysInSlot,
               {.group = "cluster",
                .since = "3.0.0",
                .summary = "Returns the key names in a hash slot.",
                .complexity = "O(N) where N is the number of requested keys",
                .syntax = "slot count",
                .acl_categories = kSlowAcl}),
      MakeSpec("cluster|help", 2, kCmdLoading | kCmdStale, {}, ClusterHelp,
               {.group = "cluster",
                .since = "5.0.0",
                .summary = "Returns helpful text about the different subcommands.",
                .complexity = "O(1)",
                .acl_categories = kSlowAcl}),
      MakeSpec("cluster|info", 2, kCmdStale, {}, ClusterInfo,
               {.group = "cluster",
                .since = "3.0.0",
                .summary = "Returns information about the state of a node.",
                .complexity = "O(1)",
                .acl_categories = kSlowAcl}),
      MakeSpec("cluster|failover", -2, kAdmin | kCmdNoAsyncLoading, {}, ClusterFailover,
               {.group = "cluster",
                .since = "3.0.0",
                .summary = "Forces a replica to perform a manual failover of its master.",
                .complexity = "O(1)",
                .syntax = "[FORCE | TAKEOVER]",
                .acl_categories = kAdminAcl}),
      MakeSpec("cluster|keyslot", 3, kCmdStale, {}, ClusterKeySlot,
               {.group = "cluster",
                .since = "3.0.0",
                .summary = "Returns the hash slot for a key.",
                .complexity = "O(N) where N is the number of bytes in the key",
                .syntax = "key",
                .acl_categories = kSlowAcl}),
      MakeSpec("cluster|leave", 2, kAdmin, {}, ClusterLeave,
               {.group = "cluster",
                .since = "7.2.4",
                .summary = "Shoal: leaves the cluster gracefully, handing this node's slots "
                           "off with their keys, then shuts the node down.",
                .complexity = "O(N) where N is the number of keys handed off",
                .acl_categories = kAdminAcl}),
      MakeSpec("cluster|meet", -4, kAdmin | kCmdNoAsyncLoading, {}, ClusterMeet,
               {.group = "cluster",
                .since = "3.0.0",
                .summary = "Forces a node to handshake with another node.",
                .complexity = "O(1)",
                .syntax = "ip port [cluster-bus-port]",
                .acl_categories = kAdminAcl}),
      MakeSpec("cluster|myid", 2, kCmdStale, {}, ClusterMyId,
               {.group = "cluster",
                .since = "3.0.0",
                .summary = "Returns the ID of a node.",
                .complexity = "O(1)",
                .acl_categories = kSlowAcl}),
      MakeSpec("cluster|myshardid", 2, kCmdStale, {}, ClusterMyShardId,
               {.group = "cluster",
                .since = "7.2.0",
                .summary = "Returns the shard ID of a node.",
                .complexity = "O(1)",
                .acl_categories = kSlowAcl}),
      MakeSpec("cluster|nodes", 2, kCmdStale, {}, ClusterNodes,
               {.group = "cluster",
                .since = "3.0.0",
                .summary = "Returns the cluster configuration for a node.",
                .complexity = "O(N) where N is the total number of Cluster nodes",
                .acl_categories = kSlowAcl}),
      MakeSpec("cluster|replicas", 3, kAdmin, {}, ClusterReplicas,
               {.group = "cluster",
                .since = "5.0.0",
                .summary = "Lists the replica nodes of a master node.",
                .complexity = "O(N) where N is the number of "
                              "replicas.",
                .syntax = "node-id",
                .acl_categories = kAdminAcl}),
      MakeSpec("cluster|shards", 2, kCmdStale, {}, ClusterShards,
               {.group = "cluster",
                .since = "7.0.0",
                .summary = "Returns the mapping of cluster slots to shards.",
                .complexity = "O(N) where N is the total number of cluster nodes",
                .acl_categories = kSlowAcl}),
      MakeSpec("cluster|slaves", 3, kAdmin, {}, ClusterReplicas,
               {.group = "cluster",
                .since = "3.0.0",
                .summary = "Lists the replica nodes of a master node.",
                .complexity = "O(N) where N is the number of "
                              "replicas.",
                .syntax = "node-id",
                .acl_categories = kAdminAcl}),
      MakeSpec("cluster|saveconfig", 2, kAdmin | kCmdNoAsyncLoading, {}, ClusterSaveConfig,
               {.group = "cluster",
                .since = "3.0.0",
                .summary = "Forces a node to save the cluster state on disk.",
                .complexity = "O(1)",
                .acl_categories = kAdminAcl}),
      MakeSpec("cluster|slots", 2, kCmdStale, {}, ClusterSlots,
               {.group = "cluster",
                .since = "3.0.0",
                .summary = "Returns the mapping of cluster slots to nodes.",
                .complexity = "O(N) where N is the total number of Cluster nodes",
                .acl_categories = kSlowAcl}),
  };
  // Full name (a string_view into static storage), arity, syntax, summary.
  struct Refused {
    std::string_view name;
    int arity;
    std::string_view syntax;
    std::string_view summary;
  };
  static constexpr Refused kRefused[] = {
      {"cluster|addslots", -3, "slot [slot ...]", "Assigns new hash slots to a node."},
      {"cluster|addslotsrange", -4, "start-slot end-slot [start-slot end-slot ...]",
       "Assigns new hash slot ranges to a node."},
      {"cluster|bumpepoch", 2, "", "Advances the cluster config epoch."},
      {"cluster|delslots", -3, "slot [slot ...]", "Sets hash slots as unbound for a node."},
      {"cluster|delslotsrange", -4, "start-slot end-slot [start-slot end-slot ...]",
       "Sets hash slot ranges as unbound for a node."},
      {"cluster|flushslots", 2, "", "Deletes all slots information from a node."},
      {"cluster|forget", 3, "node-id", "Removes a node from the nodes table."},
      {"cluster|replicate", 3, "node-id", "Configure a node as replica of a master node."},
      {"cluster|reset", -2, "[HARD | SOFT]", "Resets a node."},
      {"cluster|set-config-epoch", 3, "config-epoch",
       "Sets the configuration epoch for a new node."},
      {"cluster|setslot", -4,
       "slot <IMPORTING node-id | MIGRATING node-id | NODE node-id | STABLE>",
       "Binds a hash slot to a node."},
  };
  for (const Refused& r : kRefused) {
    cluster.subcommands.push_back(
        MakeSpec(r.name, r.arity,
                 kAdmin | (r.name == "cluster|reset" ? kCmdNoScript : kCmdNoAsyncLoading), {},
                 ClusterPlacesSlotsItself,
                 {.group = "cluster",
                  .since = "3.0.0",
                  .summary = r.summary,
                  .complexity = "O(1)",
                  .syntax = r.syntax,
                  .acl_categories = kAdminAcl}));
  }
  table->Register(std::move(cluster));

  auto simple = [&](std::string_view name, uint32_t flags, std::string_view summary) {
    table->Register(MakeSpec(name, 1, flags, {}, ReadOnly,
                             {.group = "cluster",
                              .since = "3.0.0",
                              .summary = summary,
                              .complexity = "O(1)",
                              .acl_categories = "@fast @connection"}));
  };
  simple("asking", kCmdFast, "Signals that a cluster client is following an -ASK redirect.");
  simple("readonly", kCmdLoading | kCmdStale | kCmdFast,
         "Enables read-only queries for a connection to a Redis Cluster replica node.");
  simple("readwrite", kCmdLoading | kCmdStale | kCmdFast,
         "Enables read-write queries for a connection to a Redis Cluster replica node.");
}

}  // namespace shoal
