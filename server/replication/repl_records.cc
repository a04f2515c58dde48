// Record encoding: strings as SET (no serializer round trip), everything
// else as a DUMP payload (rdbcompression off: CPU matters more than bytes
// on a replication link).
#include "server/replication/repl_records.h"

#include "base/strings.h"
#include "absl/strings/str_cat.h"
#include "server/replication/repl_log.h"
#include "server/serialize/value_dump.h"

namespace shoal {
namespace {

std::string Payload(const Entry& e) {
  DumpOptions o;
  o.compress = false;
  return DumpValue(e, o);
}

}  // namespace

void AppendKeyEventRecord(const KeyEvent* events, size_t n, std::string* out) {
  auto bulk = [out](std::string_view s) { StrAppend(out, "$", s.size(), "\r\n", s, "\r\n"); };
  StrAppend(out, "*", 1 + 3 * n, "\r\n");
  bulk("KEYEVENT");
  for (size_t i = 0; i < n; ++i) {
    bulk(StrCat(events[i].cls));
    bulk(events[i].event);
    bulk(events[i].key);
  }
}

void AppendStateRecord(std::string_view key, const Entry* e, std::string* out) {
  if (e == nullptr) {
    AppendRespCommand({"DEL", key}, out);
    return;
  }
  const std::string ms = StrCat(e->expire_ms());
  if (e->type() == ValueType::kString) {
    char buf[32];
    std::string_view v = e->StringValue(buf);
    if (e->has_expire()) {
      AppendRespCommand({"SET", key, v, "PXAT", ms}, out);
    } else {
      AppendRespCommand({"SET", key, v}, out);
    }
    return;
  }
  std::string payload = Payload(*e);
  if (payload.empty()) {  // a type the serializer cannot write: drop it on the replica
    AppendRespCommand({"DEL", key}, out);
    return;
  }
  AppendRespCommand({"RESTORE", key, ms, payload, "REPLACE", "ABSTTL"}, out);
}

void AppendSnapshotRecord(int db, const Entry& e, std::string* out) {
  const std::string d = StrCat(db);
  const std::string ms = StrCat(e.expire_ms());
  if (e.type() == ValueType::kString) {
    char buf[32];
    AppendRespCommand({"SYNC.SET", d, e.key(), e.StringValue(buf), ms}, out);
    return;
  }
  std::string payload = Payload(e);
  if (payload.empty()) return;
  AppendRespCommand({"SYNC.RESTORE", d, e.key(), ms, payload}, out);
}

}  // namespace shoal
