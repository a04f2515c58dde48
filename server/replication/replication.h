// ReplicationManager: this node's role (primary or replica) and everything
// that ships writes from a primary to its replicas.
//
// Recording (primary): the store reports every key it changes (its change
// listener, under the key's stripe). Inside a command the keys are collected
// per thread and, once the command ran (still under its stripes, or
// relocked for self-locking commands), each key's new state goes to the
// ReplicationLog as one batch: `SET key value [PXAT ms]` for strings,
// `RESTORE key ms payload REPLACE ABSTTL` (the DUMP serializer) for other
// types, `DEL key` when it is gone. FLUSHALL, FLUSHDB, SWAPDB and PUBLISH
// ship as themselves, in order with the key states. Changes made outside a
// command (expiry, eviction, dropped slots) ship at once as DEL. Shipping
// states rather than commands makes scripts, SPOP, relative TTLs, blocking
// pops and everything else replicate exactly; the price is a compound
// value's full encoding per write (see docs/replication.md).
// Recording starts when the first replica connects (as Redis creates its
// backlog), so a node without replicas pays one relaxed load per change.
//
// Serving replicas: a replica's PSYNC hands its socket to a ReplicaFeeder
// (repl_feeder.h), which sends a full or partial sync and then the stream,
// and reads its REPLCONF ACKs. WAIT parks the client until enough replicas
// acknowledged its last write.
//
// Replica: REPLICAOF host port starts a PrimaryLink (repl_link.h), which
// connects, syncs, applies the stream and reconnects with a partial resync
// after a short disconnect. Normal clients get -READONLY for writes.
//
// Thread-safety: every public method may be called from any thread.
#ifndef SHOAL_SERVER_REPLICATION_REPLICATION_H_
#define SHOAL_SERVER_REPLICATION_REPLICATION_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/replication_hooks.h"
#include "server/dispatch/server_state.h"
#include "server/replication/repl_log.h"
#include "server/store/store.h"

namespace shoal {

class ReplicaFeeder;
class PrimaryLink;
class TlsContextHolder;

// What a replica link reports for INFO and ROLE.
struct PrimaryLinkStatus {
  std::string host;
  int port = 0;
  std::string state = "connect";  // connect, connecting, sync, connected
  bool up = false;
  bool sync_in_progress = false;
  int64_t offset = 0;              // processed stream offset
  int64_t last_io_ms = 0;
};

// A connected replica, for INFO, ROLE and WAIT.
struct ReplicaStatus {
  std::string ip;
  int port = 0;
  std::string state;  // wait_bgsave, send_bulk, online
  int64_t ack_offset = 0;
  int64_t last_ack_ms = 0;
  int64_t online_ms = 0;  // when it came online (0: not yet)
};

class ReplicationManager : public ReplicationHooks {
 public:
  ReplicationManager(Store* store, ServerState* server);
  ~ReplicationManager() override;
  ReplicationManager(const ReplicationManager&) = delete;
  ReplicationManager& operator=(const ReplicationManager&) = delete;

  // Starts the housekeeping thread and, if the config says `replicaof`,
  // the link to that primary.
  void Start();
  void Stop();

  // ---- ReplicationHooks (workers) ----
  void BeginCommand() override;
  void FlushCommand(CommandContext& ctx, bool stripes_held) override;
  void EndCommand(CommandContext& ctx, bool stripes_held) override;
  std::optional<std::string> RefuseWrite(const CommandSpec& spec) const override;
  void AppendInfo(std::string* out) const override;
  void ForgetWaiter(uint64_t client_id) override;
  void NoteKeyEvent(int db, uint32_t cls, std::string_view event, std::string_view key) override;
  // FLUSHALL, FLUSHDB, SWAPDB, PUBLISH: shipped as themselves (Dispatcher::Run).
  void NoteCommand(CommandContext& ctx, CmdArgs args) override;
  void LoopTurnEnd() override {
    if (recording_.load(std::memory_order_acquire)) log_->Kick();
  }

  // ---- Role ----
  bool is_replica() const override { return replica_.load(std::memory_order_acquire); }
  int LaggingReplicas() const override;
  // REPLICAOF host port: drops this node's data for the primary's.
  // "Already connected..." when it already follows that primary.
  std::string ReplicaOf(const std::string& host, int port);
  // REPLICAOF NO ONE: stops following and becomes a primary (keeps the data).
  void BecomePrimary();
  std::string replid() const;
  // The stream offset this node has produced (primary) or processed (replica).
  int64_t Offset() const;

  // ---- Serving replicas ----
  // Cluster mode: while `gate` returns an error text, PSYNC is refused with
  // it (a restarted primary handing its shard to a replica must not make
  // that replica resync from its empty store). Set before serving.
  void SetPsyncGate(std::function<std::optional<std::string>()> gate) {
    psync_gate_ = std::move(gate);
  }
  std::optional<std::string> PsyncRefusal() const {
    return psync_gate_ ? psync_gate_() : std::nullopt;
  }
  // Functions (FUNCTION LOAD & co.) replicate as the whole set of libraries:
  // `dump` gives it as a FUNCTION DUMP payload (primary: after each change,
  // and first in a full sync), `replace` installs one (replica). Set by
  // main before serving; without them functions do not replicate.
  void SetFunctionHooks(std::function<std::string()> dump,
                        std::function<bool(std::string_view, std::string*)> replace) {
    dump_functions_ = std::move(dump);
    replace_functions_ = std::move(replace);
  }
  std::optional<std::string> DumpFunctions() const {
    return dump_functions_ ? std::optional<std::string>(dump_functions_()) : std::nullopt;
  }
  void ReplaceFunctions(std::string_view payload);
  // tls-replication: the link to a primary speaks TLS with the holder's
  // client context. Set by main before serving.
  void SetTls(TlsContextHolder* tls) { tls_ = tls; }
  TlsContextHolder* tls() const { return tls_; }
  // Links to a primary speak TLS: tls-replication, or tls-cluster in
  // cluster mode (every member link does).
  bool LinksUseTls() const;
  // PSYNC on a client connection (worker thread): takes the socket over
  // once the connection's earlier replies are sent; replies nothing itself.
  void AcceptReplica(ClientSession* client, std::string replid, int64_t offset);
  // REPLCONF listening-port from a connection about to PSYNC.
  void NoteListeningPort(ClientSession* client, int port);
  // Replicas whose acknowledged offset is >= offset.
  int CountAcked(int64_t offset) const;
  int ConnectedReplicas() const;
  std::vector<ReplicaStatus> Replicas() const;
  // WAIT: wake `client` (on its worker) once `n` replicas acknowledged
  // `offset` or at deadline_ms (0 = never).
  void AddWaiter(ClientSession* client, int64_t offset, int n, int64_t deadline_ms);
  PrimaryLinkStatus LinkStatus() const;

  // For feeders and links.
  Store* store() const { return store_; }
  ServerState* server() const { return server_; }
  // A feeder's replica started (+1) or stopped (-1) wanting keyspace events.
  void AddEventWanter(int delta);
  ReplicationLog* log() const { return log_.get(); }
  // repl-timeout, in milliseconds.
  static int64_t TimeoutMs();
  // refuses_stale(), from the link's state and replica-serve-stale-data: at
  // each change of the link's state, at REPLICAOF, and every 10 ms
  // (Housekeeping) for a CONFIG SET. Not with mu_ or the link's lock held.
  void RefreshStaleRefusal();
  void WakeWaiters();
  // The link applied a full sync's FULLRESYNC: adopt the primary's id.
  void AdoptPrimaryId(const std::string& replid);
  // The replica's copy of the primary's stream (see ReplicationLog::Reset):
  // StreamCopyAt makes the backlog end at `offset` (emptying it unless it
  // already does), CopyStream appends the bytes of one applied record.
  void StreamCopyAt(int64_t offset);
  void CopyStream(std::string_view bytes);
  // PSYNC replid offset may continue here: the id is this node's, or the
  // one of the primary it followed until it was promoted and the offset is
  // not past the promotion (Redis's replid2 / second_repl_offset). The
  // backlog must still hold the offset too.
  bool CanContinue(const std::string& replid, int64_t offset) const;

 private:
  struct Waiter {
    uint64_t client_id;
    ClientWaker* waker;
    int64_t offset;
    int n;
    int64_t deadline_ms;
  };
  static void OnStoreChange(void* self, int db, std::string_view key);
  // Appends the thread's pending key states (and `extra`, after them) to the
  // log; stripes of the pending keys held by the caller unless !held.
  int64_t ShipPending(bool held, const ReplRecord* extra);
  void EnsureLog();
  void CreateLogLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Housekeeping();
  void ReapFeeders(bool all) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Store* store_;
  ServerState* server_;
  std::atomic<bool> recording_{false};
  std::atomic<bool> replica_{false};
  // min-replicas-to-write: the replicas online whose last acknowledgement
  // is at most min-replicas-max-lag seconds old (Housekeeping, 10 times a
  // second).
  std::atomic<int> good_replicas_{0};
  void CountGoodReplicas();

  // repl-timeout for replicas online on this primary: a replica silent for
  // longer is disconnected (it reconnects and resyncs when it can).
  void DropSilentReplicas(int64_t now);
  // repl-ping-replica-period: a PING in the stream, so that replicas hear
  // from an idle primary and can tell it from a dead one.
  void PingReplicas();
  // Feeders whose replica asked for keyspace events (key_events_ = > 0).
  absl::Mutex wanters_mu_;
  int event_wanters_ ABSL_GUARDED_BY(wanters_mu_) = 0;
  std::unique_ptr<ReplicationLog> log_;  // created once, at the first replica

  mutable absl::Mutex mu_;
  std::string replid_ ABSL_GUARDED_BY(mu_);
  std::string replid2_ ABSL_GUARDED_BY(mu_) = std::string(40, '0');
  int64_t second_offset_ ABSL_GUARDED_BY(mu_) = -1;
  std::vector<std::unique_ptr<ReplicaFeeder>> feeders_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<PrimaryLink> link_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<uint64_t, int>> listening_ports_ ABSL_GUARDED_BY(mu_);
  int64_t replica_offset_base_ ABSL_GUARDED_BY(mu_) = 0;  // offset kept after promotion

  mutable absl::Mutex waiters_mu_;
  std::vector<Waiter> waiters_ ABSL_GUARDED_BY(waiters_mu_);

  std::atomic<bool> stop_{false};
  std::thread housekeeping_;
  std::function<std::optional<std::string>()> psync_gate_;
  TlsContextHolder* tls_ = nullptr;
  std::function<std::string()> dump_functions_;
  std::function<bool(std::string_view, std::string*)> replace_functions_;
};

// Registers masterauth, masteruser, replicaof, repl-backlog-size,
// replica-read-only, repl-timeout (before the config file is applied).
void RegisterReplicationParams(ConfigRegistry* reg);

}  // namespace shoal

#endif  // SHOAL_SERVER_REPLICATION_REPLICATION_H_
