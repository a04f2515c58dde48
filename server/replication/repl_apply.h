// ReplApplier: a replica's side of the stream — applies the records of
// repl_records.h (and SELECT, MULTI/EXEC, FLUSHALL, FLUSHDB, SWAPDB,
// PUBLISH, PING) to the store, and hands FUNCTION.SET / SYNC.FUNCTIONS (the
// primary's libraries) to the functions sink. A MULTI ... EXEC batch is applied under one
// lock set, so readers on the replica never see half a transaction.
// One applier per link, used by the link's thread only.
#ifndef SHOAL_SERVER_REPLICATION_REPL_APPLY_H_
#define SHOAL_SERVER_REPLICATION_REPL_APPLY_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "server/dispatch/command.h"
#include "server/dispatch/server_state.h"
#include "server/serialize/value_dump.h"
#include "server/store/store.h"

namespace shoal {

class ReplApplier {
 public:
  ReplApplier(Store* store, ServerState* server);

  enum class Result { kApplied, kSnapshotDone, kUnknown };
  // Applies one command of the stream.
  Result Apply(CmdArgs args);
  // Whether `args` is a snapshot record (not counted in stream offsets).
  static bool IsSnapshotRecord(CmdArgs args);
  // A full sync begins: empties every database.
  void FlushAll();
  // Where FUNCTION.SET / SYNC.FUNCTIONS payloads go (the scripting engine).
  void SetFunctionsSink(std::function<void(std::string_view)> sink) {
    functions_sink_ = std::move(sink);
  }

 private:
  using Command = std::vector<std::string>;
  void ApplyBatch(const std::vector<Command>& batch);
  // Applies one command; the stripes it needs are held by the caller.
  void ApplyLocked(CmdArgs args);
  void PutValue(int db, std::string_view key, int64_t expire_ms, std::string_view value,
                bool is_payload);

  Store* store_;
  ServerState* server_;
  LoadLimits limits_;
  int db_ = 0;
  bool in_multi_ = false;
  std::vector<Command> batch_;
  std::function<void(std::string_view)> functions_sink_;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_REPLICATION_REPL_APPLY_H_
