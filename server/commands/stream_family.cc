// The stream family, core part: XADD XRANGE XREVRANGE XLEN XDEL XTRIM XSETID,
// the helpers every stream_*_family.cc shares (stream_family.h), and
// RegisterStreamCommands, which registers all of them.
//
// Replies, error texts and their order follow redis-server 7.0's t_stream.c:
// XADD parses its options and checks its arity before it looks at the key;
// XRANGE parses both bounds and COUNT before the key; XTRIM parses before the
// key; XDEL looks the key up first (a missing key answers 0 whatever the IDs).
// A stream is never deleted for being empty (XDEL/XTRIM may leave it with no
// entries, as in Redis).
//
// Keyspace events: new, xadd, xtrim, xdel, xsetid. XADD wakes the clients
// blocked on the key (XREAD/XREADGROUP BLOCK) through the blocking registry.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/strings.h"
#include "server/commands/families.h"
#include "server/commands/stream_family.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/errors.h"
#include "server/events/blocking.h"
#include "server/events/notify.h"
#include "server/store/entry.h"

namespace shoal {

namespace stream_family {

StreamLimits Limits() {
  const StreamSettings& s = ProcessStreamSettings();
  StreamLimits l;
  const int64_t bytes = s.node_max_bytes.load(std::memory_order_relaxed);
  const int64_t entries = s.node_max_entries.load(std::memory_order_relaxed);
  l.node_max_bytes = bytes < 0 ? 0 : static_cast<size_t>(bytes);
  l.node_max_entries = entries < 0 ? 0 : static_cast<size_t>(entries);
  return l;
}

bool FindStream(CommandContext& ctx, std::string_view key, Store::Lookup mode,
                StreamValue** out) {
  *out = nullptr;
  Entry* e = ctx.store->Find(ctx.db(), key, mode);
  if (e == nullptr) return true;
  if (e->type() != ValueType::kStream) {
    ctx.Error(OpStatus::kWrongType);
    return false;
  }
  *out = static_cast<StreamValue*>(e->object());
  return true;
}

StreamWrite::~StreamWrite() {
  if (fresh_) delete stream_;  // never committed
}

bool StreamWrite::Open(bool create) {
  Entry* e = ctx_.store->Find(ctx_.db(), key_, Store::Lookup::kWrite);
  if (e != nullptr) {
    if (e->type() != ValueType::kStream) {
      ctx_.Error(OpStatus::kWrongType);
      return false;
    }
    stream_ = static_cast<StreamValue*>(e->object());
    bytes_before_ = stream_->MemoryBytes();
  } else if (create) {
    stream_ = new StreamValue;
    fresh_ = true;
  }
  return true;
}

void StreamWrite::Commit() {
  if (stream_ == nullptr) return;
  if (fresh_) {
    fresh_ = false;
    ctx_.store->Put(ctx_.db(), Entry::NewObject(key_, ValueType::kStream, stream_));
    Notify(ctx_, kNotifyNew, "new", key_);
    bytes_before_ = stream_->MemoryBytes();
    return;
  }
  stream_->SyncGroupMemory();
  const size_t now = stream_->MemoryBytes();
  ctx_.store->MarkModified(ctx_.db(), key_,
                           static_cast<int64_t>(now) - static_cast<int64_t>(bytes_before_));
  bytes_before_ = now;
}

void ReplyId(CommandContext& ctx, const StreamID& id) {
  char buf[48];
  ctx.reply->Bulk(std::string_view(buf, id.Format(buf)));
}

void ReplyEntry(CommandContext& ctx, const StreamID& id, const StreamValue::Fields& fields) {
  ctx.reply->ArrayHeader(2);
  ReplyId(ctx, id);
  ctx.reply->ArrayHeader(static_cast<int64_t>(fields.size() * 2));
  for (const auto& [f, v] : fields) {
    ctx.reply->Bulk(f);
    ctx.reply->Bulk(v);
  }
}

size_t ReplyRange(CommandContext& ctx, const StreamValue& s, const StreamID& start,
                  const StreamID& end, bool rev, size_t count) {
  // The count is known only at the end: reply into a side buffer first.
  ReplyBuilder body(ctx.reply->resp_version());
  ReplyBuilder* saved = ctx.reply;
  ctx.reply = &body;
  const size_t n = s.Range(start, end, rev, count, [&](const StreamID& id, const auto& fields) {
    ReplyEntry(ctx, id, fields);
    return true;
  });
  ctx.reply = saved;
  ctx.reply->ArrayHeader(static_cast<int64_t>(n));
  ctx.reply->Raw(body.buffer());
  return n;
}

bool ReplyOneEntry(CommandContext& ctx, const StreamValue& s, const StreamID& id) {
  return s.Range(id, id, false, 1, [&](const StreamID& i, const auto& fields) {
    ReplyEntry(ctx, i, fields);
    return true;
  }) == 1;
}

void ReplyHelp(CommandContext& ctx, std::string_view name,
               std::initializer_list<std::string_view> lines) {
  ctx.reply->ArrayHeader(static_cast<int64_t>(lines.size()) + 3);
  ctx.reply->SimpleString(
      StrCat(AsciiUpper(name), " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"));
  for (std::string_view l : lines) ctx.reply->SimpleString(l);
  ctx.reply->SimpleString("HELP");
  ctx.reply->SimpleString("    Prints this help.");
}

void ReplySubcommandSyntaxError(CommandContext& ctx, CmdArgs args) {
  ctx.Error(StrCat("ERR unknown subcommand or wrong number of arguments for '",
                   args[1].substr(0, 128), "'. Try ", AsciiUpper(args[0]), " HELP."));
}

bool ParseIdOrReply(CommandContext& ctx, std::string_view arg, StreamID* id, uint64_t missing_seq,
                    bool strict) {
  if (ParseStreamID(arg, id, missing_seq, strict)) return true;
  ctx.Error(kErrInvalidId);
  return false;
}

bool ParseRangeStart(CommandContext& ctx, std::string_view arg, StreamID* id) {
  bool exclusive;
  if (!ParseStreamIntervalID(arg, id, &exclusive, 0)) {
    ctx.Error(kErrInvalidId);
    return false;
  }
  if (exclusive && !StreamIncrID(id)) {
    ctx.Error("ERR invalid start ID for the interval");
    return false;
  }
  return true;
}

bool ParseRangeEnd(CommandContext& ctx, std::string_view arg, StreamID* id) {
  bool exclusive;
  if (!ParseStreamIntervalID(arg, id, &exclusive, UINT64_MAX)) {
    ctx.Error(kErrInvalidId);
    return false;
  }
  if (exclusive && !StreamDecrID(id)) {
    ctx.Error("ERR invalid end ID for the interval");
    return false;
  }
  return true;
}

bool ParseLongLongOrReply(CommandContext& ctx, std::string_view arg, int64_t* out,
                          std::string_view error) {
  if (ParseInt(arg, out)) return true;
  if (error.empty()) {
    ctx.Error(kErrNotInteger);
  } else {
    ctx.Error(StrCat("ERR ", error));
  }
  return false;
}

namespace {

using Strategy = StreamTrim::Strategy;

struct AddTrimArgs {
  StreamTrim trim;
  StreamID id;
  bool id_given = false;
  bool seq_given = true;
  bool no_mkstream = false;
};

// streamParseAddOrTrimArgsOrReply: returns the index of the ID (XADD; one
// past the options for XTRIM), or -1 after replying an error.
int ParseAddOrTrim(CommandContext& ctx, CmdArgs args, bool xadd, AddTrimArgs* a) {
  const int argc = static_cast<int>(args.size());
  int i = 2;
  bool limit_given = false;
  for (; i < argc; ++i) {
    const int moreargs = argc - 1 - i;
    const std::string_view opt = args[i];
    if (xadd && opt == "*") break;
    const bool maxlen = ArgIs(opt, "maxlen");
    if ((maxlen || ArgIs(opt, "minid")) && moreargs > 0) {
      if (a->trim.strategy != Strategy::kNone) {
        ctx.Error("ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
        return -1;
      }
      a->trim.approx = false;
      const std::string_view next = args[i + 1];
      if (moreargs >= 2 && (next == "~" || next == "=")) {
        a->trim.approx = next == "~";
        ++i;
      }
      if (maxlen) {
        if (!ParseLongLongOrReply(ctx, args[i + 1], &a->trim.maxlen)) return -1;
        if (a->trim.maxlen < 0) {
          ctx.Error("ERR The MAXLEN argument must be >= 0.");
          return -1;
        }
        a->trim.strategy = Strategy::kMaxLen;
      } else {
        if (!ParseIdOrReply(ctx, args[i + 1], &a->trim.minid, 0, /*strict=*/true)) return -1;
        a->trim.strategy = Strategy::kMinId;
      }
      ++i;
    } else if (ArgIs(opt, "limit") && moreargs > 0) {
      if (!ParseLongLongOrReply(ctx, args[i + 1], &a->trim.limit)) return -1;
      if (a->trim.limit < 0) {
        ctx.Error("ERR The LIMIT argument must be >= 0.");
        return -1;
      }
      limit_given = true;
      ++i;
    } else if (xadd && ArgIs(opt, "nomkstream")) {
      a->no_mkstream = true;
    } else if (xadd) {
      if (!ParseStreamID(opt, &a->id, 0, /*strict=*/true, &a->seq_given)) {
        ctx.Error(kErrInvalidId);
        return -1;
      }
      a->id_given = true;
      break;
    } else {
      ctx.Error(kErrSyntax);
      return -1;
    }
  }
  if (a->trim.limit != 0 && a->trim.strategy == Strategy::kNone) {
    ctx.Error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
    return -1;
  }
  if (!xadd && a->trim.strategy == Strategy::kNone) {
    ctx.Error("ERR syntax error, XTRIM must be called with a trimming strategy");
    return -1;
  }
  if (limit_given) {
    if (!a->trim.approx) {
      ctx.Error("ERR syntax error, LIMIT cannot be used without the special ~ option");
      return -1;
    }
  } else if (a->trim.approx) {
    // Bounded work per call, as Redis: 100 nodes' worth of entries.
    int64_t limit = 100 * ProcessStreamSettings().node_max_entries.load();
    if (limit <= 0) limit = 10000;
    if (limit > 1000000) limit = 1000000;
    a->trim.limit = limit;
  } else {
    a->trim.limit = 0;
  }
  return i;
}

// The ID XADD gives a new entry; false when it is not above the top item.
bool NextId(const CommandContext& ctx, const StreamValue& s, const AddTrimArgs& a, StreamID* out,
            bool* too_large) {
  const StreamID& last = s.last_id();
  if (!a.id_given) {
    const int64_t now = ctx.NowMs();
    const uint64_t ms = now < 0 ? 0 : static_cast<uint64_t>(now);
    if (ms > last.ms) {
      *out = {ms, 0};
    } else {
      *out = last;
      StreamIncrID(out);
    }
    return true;
  }
  StreamID id = a.id;
  if (!a.seq_given && last.ms == id.ms) {
    if (last.seq == UINT64_MAX) {
      *too_large = true;  // Redis 7.0 fails here without EDOM: its other error text
      return false;
    }
    id = {last.ms, last.seq + 1};
  }
  if (id <= last) return false;
  *out = id;
  return true;
}

void WakeReaders(CommandContext& ctx, std::string_view key) {
  if (ctx.server != nullptr) ctx.server->blocking().KeyReadyAll(ctx.db(), key);
}

void CmdXAdd(CommandContext& ctx, CmdArgs args) {
  AddTrimArgs a;
  const int idpos = ParseAddOrTrim(ctx, args, /*xadd=*/true, &a);
  if (idpos < 0) return;
  const int field_pos = idpos + 1;
  const int nargs = static_cast<int>(args.size()) - field_pos;
  if (nargs < 2 || nargs % 2 == 1) return ctx.Error(WrongArityText(ctx.spec->name));
  if (a.id_given && a.seq_given && a.id.IsZero()) {
    return ctx.Error("ERR The ID specified in XADD must be greater than 0-0");
  }
  const std::string_view key = args[1];
  StreamWrite w(ctx, key);
  if (!w.Open(/*create=*/!a.no_mkstream)) return;
  if (w.stream() == nullptr) return ctx.reply->NullBulk();
  StreamValue* s = w.stream();
  if (s->last_id().IsMax()) {
    return ctx.Error("ERR The stream has exhausted the last possible ID, unable to add more items");
  }
  StreamID id;
  bool too_large = false;
  if (!NextId(ctx, *s, a, &id, &too_large)) {
    if (too_large) return ctx.Error("ERR Elements are too large to be stored");
    return ctx.Error(
        "ERR The ID specified in XADD is equal or smaller than the target stream top item");
  }
  s->Append(id, args.subspan(field_pos), Limits());
  w.Commit();  // publishes "new" first for a new key, as dbAdd does
  ReplyId(ctx, id);
  Notify(ctx, kNotifyStream, "xadd", key);
  if (a.trim.strategy != Strategy::kNone && s->Trim(a.trim) > 0) {
    w.Commit();
    Notify(ctx, kNotifyStream, "xtrim", key);
  }
  WakeReaders(ctx, key);
}

void CmdXTrim(CommandContext& ctx, CmdArgs args) {
  AddTrimArgs a;
  if (ParseAddOrTrim(ctx, args, /*xadd=*/false, &a) < 0) return;
  const std::string_view key = args[1];
  StreamWrite w(ctx, key);
  if (!w.Open(/*create=*/false)) return;
  if (w.stream() == nullptr) return ctx.reply->Integer(0);
  const int64_t deleted = w.stream()->Trim(a.trim);
  if (deleted > 0) {
    w.Commit();
    Notify(ctx, kNotifyStream, "xtrim", key);
  }
  ctx.reply->Integer(deleted);
}

void RangeGeneric(CommandContext& ctx, CmdArgs args, bool rev) {
  StreamID start, end;
  if (!ParseRangeStart(ctx, rev ? args[3] : args[2], &start)) return;
  if (!ParseRangeEnd(ctx, rev ? args[2] : args[3], &end)) return;
  int64_t count = -1;
  for (size_t j = 4; j < args.size(); ++j) {
    if (ArgIs(args[j], "count") && j + 1 < args.size()) {
      if (!ParseLongLongOrReply(ctx, args[j + 1], &count)) return;
      if (count < 0) count = 0;
      ++j;
    } else {
      return ctx.Error(kErrSyntax);
    }
  }
  StreamValue* s;
  if (!FindStream(ctx, args[1], Store::Lookup::kRead, &s)) return;
  if (s == nullptr) return ctx.reply->EmptyArray();
  if (count == 0) return ctx.reply->NullArray();
  ReplyRange(ctx, *s, start, end, rev, count < 0 ? 0 : static_cast<size_t>(count));
}

void CmdXRange(CommandContext& ctx, CmdArgs args) { RangeGeneric(ctx, args, false); }
void CmdXRevRange(CommandContext& ctx, CmdArgs args) { RangeGeneric(ctx, args, true); }

void CmdXLen(CommandContext& ctx, CmdArgs args) {
  StreamValue* s;
  if (!FindStream(ctx, args[1], Store::Lookup::kRead, &s)) return;
  ctx.reply->Integer(s == nullptr ? 0 : static_cast<int64_t>(s->length()));
}

void CmdXDel(CommandContext& ctx, CmdArgs args) {
  const std::string_view key = args[1];
  StreamWrite w(ctx, key);
  if (!w.Open(/*create=*/false)) return;
  if (w.stream() == nullptr) return ctx.reply->Integer(0);
  std::vector<StreamID> ids(args.size() - 2);
  for (size_t j = 2; j < args.size(); ++j) {
    if (!ParseIdOrReply(ctx, args[j], &ids[j - 2], 0, /*strict=*/true)) return;
  }
  int64_t deleted = 0;
  for (const StreamID& id : ids) deleted += w.stream()->Delete(id) ? 1 : 0;
  if (deleted > 0) {
    w.Commit();
    Notify(ctx, kNotifyStream, "xdel", key);
  }
  ctx.reply->Integer(deleted);
}

void CmdXSetId(CommandContext& ctx, CmdArgs args) {
  StreamID id, max_xdel;
  if (!ParseIdOrReply(ctx, args[2], &id, 0, /*strict=*/true)) return;
  int64_t entries_added = -1;
  for (size_t i = 3; i < args.size(); i += 2) {
    const bool more = i + 1 < args.size();
    if (ArgIs(args[i], "entriesadded") && more) {
      if (!ParseLongLongOrReply(ctx, args[i + 1], &entries_added)) return;
      if (entries_added < 0) return ctx.Error("ERR entries_added must be positive");
    } else if (ArgIs(args[i], "maxdeletedid") && more) {
      if (!ParseIdOrReply(ctx, args[i + 1], &max_xdel, 0, /*strict=*/true)) return;
      if (id < max_xdel) {
        return ctx.Error(
            "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
      }
    } else {
      return ctx.Error(kErrSyntax);
    }
  }
  const std::string_view key = args[1];
  StreamWrite w(ctx, key);
  if (!w.Open(/*create=*/false)) return;
  if (w.stream() == nullptr) return ctx.Error(kErrNoSuchKey);
  StreamValue* s = w.stream();
  if (s->length() > 0) {
    StreamID top;
    s->LastLiveID(&top);
    if (id < top) {
      return ctx.Error("ERR The ID specified in XSETID is smaller than the target stream top item");
    }
    if (entries_added != -1 && s->length() > static_cast<uint64_t>(entries_added)) {
      return ctx.Error(
          "ERR The entries_added specified in XSETID is smaller than the target stream length");
    }
  }
  s->set_last_id(id);
  if (entries_added != -1) s->set_entries_added(static_cast<uint64_t>(entries_added));
  if (!max_xdel.IsZero()) s->set_max_deleted_id(max_xdel);
  w.CommitGroups();  // counters only: Redis 7.0 does not report XSETID to WATCH
  Notify(ctx, kNotifyStream, "xsetid", key);
  ctx.reply->Ok();
}

}  // namespace

void RegisterCore(CommandTable* table) {
  constexpr uint32_t kW = kCmdWrite, kRo = kCmdReadOnly, kOom = kCmdDenyOom, kFast = kCmdFast;
  table->Register(MakeSpec(
      "xadd", -5, kW | kOom | kFast, kOneKey, &CmdXAdd,
      {.group = "stream",
       .since = "5.0.0",
       .summary = "Appends a new message to a stream. Creates the key if it doesn't exist.",
       .complexity = "O(1) when adding a new entry, O(N) when trimming where N being the number "
                     "of entries evicted.",
       .syntax = "key [NOMKSTREAM] [<MAXLEN | MINID> [= | ~] threshold [LIMIT count]] <* | id> "
                 "field value [field value ...]",
       .acl_categories = "@write @stream @fast"}));
  table->Register(MakeSpec(
      "xrange", -4, kRo, kOneKey, &CmdXRange,
      {.group = "stream",
       .since = "5.0.0",
       .summary = "Returns the messages from a stream within a range of IDs.",
       .complexity = "O(N) with N being the number of elements being returned. If N is "
                     "constant (e.g. always asking for the first 10 elements with COUNT), you "
                     "can consider it O(1).",
       .syntax = "key start end [COUNT count]",
       .acl_categories = "@read @stream @slow"}));
  table->Register(MakeSpec(
      "xrevrange", -4, kRo, kOneKey, &CmdXRevRange,
      {.group = "stream",
       .since = "5.0.0",
       .summary = "Returns the messages from a stream within a range of IDs in reverse order.",
       .complexity = "O(N) with N being the number of elements returned. If N is constant "
                     "(e.g. always asking for the first 10 elements with COUNT), you can "
                     "consider it O(1).",
       .syntax = "key end start [COUNT count]",
       .acl_categories = "@read @stream @slow"}));
  table->Register(MakeSpec("xlen", 2, kRo | kFast, kOneKey, &CmdXLen,
                           {.group = "stream",
                            .since = "5.0.0",
                            .summary = "Return the number of messages in a stream.",
                            .complexity = "O(1)",
                            .syntax = "key",
                            .acl_categories = "@read @stream @fast"}));
  table->Register(MakeSpec(
      "xdel", -3, kW | kFast, kOneKey, &CmdXDel,
      {.group = "stream",
       .since = "5.0.0",
       .summary = "Returns the number of messages after removing them from a stream.",
       .complexity = "O(1) for each single item to delete in the stream, regardless of the "
                     "stream size.",
       .syntax = "key id [id ...]",
       .acl_categories = "@write @stream @fast"}));
  table->Register(MakeSpec(
      "xtrim", -4, kW, kOneKey, &CmdXTrim,
      {.group = "stream",
       .since = "5.0.0",
       .summary = "Deletes messages from the beginning of a stream.",
       .complexity = "O(N), with N being the number of evicted entries. Constant times are very "
                     "small however, since entries are organized in macro nodes containing "
                     "multiple entries that can be released with a single deallocation.",
       .syntax = "key <MAXLEN | MINID> [= | ~] threshold [LIMIT count]",
       .acl_categories = "@write @stream @slow"}));
  table->Register(MakeSpec(
      "xsetid", -3, kW | kOom | kFast, kOneKey, &CmdXSetId,
      {.group = "stream",
       .since = "5.0.0",
       .summary = "An internal command for replicating stream values.",
       .complexity = "O(1)",
       .syntax = "key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]",
       .acl_categories = "@write @stream @fast"}));
}

}  // namespace stream_family

void RegisterStreamCommands(CommandTable* table) {
  stream_family::RegisterCore(table);
  stream_family::RegisterRead(table);
  stream_family::RegisterGroups(table);
  stream_family::RegisterClaim(table);
  stream_family::RegisterInfo(table);
}

}  // namespace shoal
