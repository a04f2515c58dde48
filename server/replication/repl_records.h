// The records a primary ships for a key's state, and their inverse on the
// replica (repl_apply.h). Stream records use the replica's selected
// database (SELECT precedes them in the stream); snapshot records of a full
// sync name their database and do not count in stream offsets:
//   stream:   SET key value [PXAT ms] | RESTORE key ms payload REPLACE ABSTTL | DEL key
//             KEYEVENT class event key [class event key ...]: the keyspace
//             events a command raised on the primary, in order (class:
//             server/events/notify.h bits), which the replica publishes
//             under its own notify-keyspace-events
//   snapshot: SYNC.SET db key value ms | SYNC.RESTORE db key ms payload   (ms 0: no TTL)
//   end of the snapshot: SYNC.DONE
#ifndef SHOAL_SERVER_REPLICATION_REPL_RECORDS_H_
#define SHOAL_SERVER_REPLICATION_REPL_RECORDS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "server/store/entry.h"

namespace shoal {

// Appends the stream record for key's state: `e` is its entry or null.
void AppendStateRecord(std::string_view key, const Entry* e, std::string* out);
// A keyspace event on its way to replicas.
struct KeyEvent {
  uint32_t cls = 0;
  std::string event;
  std::string key;
};
// Appends one KEYEVENT record carrying events[0..n) (n >= 1).
void AppendKeyEventRecord(const KeyEvent* events, size_t n, std::string* out);
// Appends the snapshot record of a live entry of database db.
void AppendSnapshotRecord(int db, const Entry& e, std::string* out);

}  // namespace shoal

#endif  // SHOAL_SERVER_REPLICATION_REPL_RECORDS_H_
