// ReplApplier implementation. Records come from our own primary, but the
// link is a network input: every argument is checked, and a record that
// does not parse is skipped (counted in the offset like any other).
#include "server/replication/repl_apply.h"

#include "base/strings.h"
#include "server/commands/dump_family.h"
#include "server/events/notify.h"
#include "server/events/pubsub.h"

namespace shoal {
namespace {

bool Is(std::string_view a, std::string_view b) { return EqualsIgnoreCase(a, b); }

bool ParseI64(std::string_view s, int64_t* out) { return SimpleAtoi(s, out); }

}  // namespace

ReplApplier::ReplApplier(Store* store, ServerState* server) : store_(store), server_(server) {
  CommandContext ctx;
  ctx.server = server;
  limits_ = dump_family::CurrentLoadLimits(ctx);
}

bool ReplApplier::IsSnapshotRecord(CmdArgs args) {
  return !args.empty() && args[0].size() > 5 && Is(args[0].substr(0, 5), "sync.");
}

void ReplApplier::FlushAll() {
  StripeLocks locks(store_);
  locks.AddAll();
  locks.Acquire();
  store_->FlushAll();
  db_ = 0;
  in_multi_ = false;
  batch_.clear();
}

ReplApplier::Result ReplApplier::Apply(CmdArgs args) {
  if (args.empty()) return Result::kUnknown;
  if (Is(args[0], "sync.done")) return Result::kSnapshotDone;
  if (in_multi_) {
    if (Is(args[0], "exec")) {
      in_multi_ = false;
      ApplyBatch(batch_);
      batch_.clear();
    } else {
      batch_.emplace_back(args.begin(), args.end());
    }
    return Result::kApplied;
  }
  if (Is(args[0], "multi")) {
    in_multi_ = true;
    batch_.clear();
    return Result::kApplied;
  }
  std::vector<Command> one(1, Command(args.begin(), args.end()));
  ApplyBatch(one);
  return Result::kApplied;
}

void ReplApplier::ApplyBatch(const std::vector<Command>& batch) {
  StripeLocks locks(store_);
  bool any = false;
  for (const Command& c : batch) {
    if (c.empty()) continue;
    const std::string& n = c[0];
    if (Is(n, "flushall") || Is(n, "flushdb") || Is(n, "swapdb")) {
      locks.AddAll();
      any = true;
    } else if ((Is(n, "set") || Is(n, "restore") || Is(n, "del")) && c.size() >= 2) {
      locks.AddKey(c[1]);
      any = true;
    } else if ((Is(n, "sync.set") || Is(n, "sync.restore")) && c.size() >= 3) {
      locks.AddKey(c[2]);
      any = true;
    }
  }
  if (any) locks.Acquire();
  for (const Command& c : batch) {
    std::vector<std::string_view> views(c.begin(), c.end());
    ApplyLocked(CmdArgs(views));
  }
}

void ReplApplier::PutValue(int db, std::string_view key, int64_t expire_ms,
                           std::string_view value, bool is_payload) {
  if (expire_ms < 0 || (expire_ms > 0 && expire_ms <= store_->clock().NowMs())) {
    store_->Erase(db, key);  // already expired on the primary's clock
    return;
  }
  LoadedValue v;
  if (is_payload) {
    if (LoadDumpPayload(value, limits_, &v) != LoadStatus::kOk) return;
  } else {
    v.type = ValueType::kString;
    v.str.assign(value.data(), value.size());
  }
  store_->Put(db, v.ToEntry(key, expire_ms));
}

void ReplApplier::ApplyLocked(CmdArgs a) {
  if (a.empty()) return;
  const std::string_view n = a[0];
  const int dbs = store_->databases();
  int64_t x = 0, y = 0;
  if (Is(n, "select") && a.size() == 2) {
    if (ParseI64(a[1], &x) && x >= 0 && x < dbs) db_ = static_cast<int>(x);
  } else if (Is(n, "set") && (a.size() == 3 || a.size() == 5)) {
    int64_t ms = 0;
    if (a.size() == 5 && !(Is(a[3], "pxat") && ParseI64(a[4], &ms) && ms > 0)) return;
    PutValue(db_, a[1], ms, a[2], false);
  } else if (Is(n, "restore") && a.size() >= 4) {
    if (ParseI64(a[2], &x)) PutValue(db_, a[1], x, a[3], true);
  } else if (Is(n, "del") && a.size() >= 2) {
    for (size_t i = 1; i < a.size(); ++i) store_->Erase(db_, a[i]);
  } else if ((Is(n, "sync.set") || Is(n, "sync.restore")) && a.size() == 5) {
    const bool payload = Is(n, "sync.restore");
    if (!ParseI64(a[1], &x) || x < 0 || x >= dbs) return;
    if (!ParseI64(payload ? a[3] : a[4], &y)) return;
    PutValue(static_cast<int>(x), a[2], y, payload ? a[4] : a[3], payload);
  } else if (Is(n, "flushall")) {
    store_->FlushAll();
  } else if (Is(n, "flushdb")) {
    store_->FlushDb(db_);
  } else if (Is(n, "swapdb") && a.size() == 3) {
    if (ParseI64(a[1], &x) && ParseI64(a[2], &y) && x >= 0 && y >= 0 && x < dbs && y < dbs) {
      store_->SwapDb(static_cast<int>(x), static_cast<int>(y));
    }
  } else if (Is(n, "keyevent") && a.size() >= 4 && (a.size() - 1) % 3 == 0) {
    // Published under this server's flags (its own replicas get the record
    // itself: the link passes the primary's stream on as it came).
    const uint32_t enabled =
        server_->runtime().notify_keyspace_events.load(std::memory_order_relaxed);
    for (size_t i = 1; i + 2 < a.size(); i += 3) {
      if (!ParseI64(a[i], &x) || x <= 0 || x > UINT32_MAX) return;
      const auto cls = static_cast<uint32_t>(x);
      NotifyEvent(server_->pubsub(), enabled, cls, db_, a[i + 1], a[i + 2]);
    }
  } else if (Is(n, "publish") && a.size() == 3) {
    server_->pubsub().Publish(SubKind::kChannel, a[1], a[2], nullptr, nullptr);
  } else if ((Is(n, "function.set") || Is(n, "sync.functions")) && a.size() == 2) {
    if (functions_sink_) functions_sink_(a[1]);
  }
  // PING (keep-alive) and anything unknown: nothing to do.
}

}  // namespace shoal
