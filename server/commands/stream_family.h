// Internal to the stream family (stream_*_family.cc): shared lookups, reply
// helpers and the registration of each part. docs/streams.md describes the
// commands and the encoding.
//
// Handlers run on a worker thread with the key's stripe locked by the
// dispatcher; nothing here is shared between threads except StreamSettings,
// whose values are atomics written by CONFIG SET.
#ifndef SHOAL_SERVER_COMMANDS_STREAM_FAMILY_H_
#define SHOAL_SERVER_COMMANDS_STREAM_FAMILY_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/dispatch/command_context.h"
#include "server/commands/stream_settings.h"
#include "server/dispatch/command_table.h"
#include "server/types/stream_value.h"

namespace shoal {

namespace stream_family {

inline constexpr std::string_view kErrInvalidId =
    "ERR Invalid stream ID specified as stream command argument";

StreamLimits Limits();

// Looks a stream up. Returns false after replying WRONGTYPE; *out is null
// when the key does not exist.
bool FindStream(CommandContext& ctx, std::string_view key, Store::Lookup mode,
                StreamValue** out);

// A stream being changed in place, or created and inserted by Commit; keeps
// the memory accounting (Store::MarkModified) right.
class StreamWrite {
 public:
  StreamWrite(CommandContext& ctx, std::string_view key) : ctx_(ctx), key_(key) {}
  ~StreamWrite();
  StreamWrite(const StreamWrite&) = delete;
  StreamWrite& operator=(const StreamWrite&) = delete;

  // Replies WRONGTYPE and returns false for another type. Unless `create`, a
  // missing key leaves stream() null.
  bool Open(bool create);
  StreamValue* stream() const { return stream_; }
  bool fresh() const { return fresh_; }
  // Inserts a new stream (publishing "new") or accounts the change and marks
  // the key modified (WATCH): for changes of entries or stream counters.
  void Commit();
  // For changes of consumer groups only, which Redis does not report to
  // WATCH: inserts a new stream, else nothing (see StreamValue's memory note).
  void CommitGroups() {
    if (fresh_) Commit();
  }

 private:
  CommandContext& ctx_;
  std::string_view key_;
  StreamValue* stream_ = nullptr;
  size_t bytes_before_ = 0;
  bool fresh_ = false;
};

// Replies.
void ReplyId(CommandContext& ctx, const StreamID& id);
// [id, [field, value, ...]]
void ReplyEntry(CommandContext& ctx, const StreamID& id, const StreamValue::Fields& fields);
// Replies the entries of [start, end] as an array (count 0: all).
size_t ReplyRange(CommandContext& ctx, const StreamValue& s, const StreamID& start,
                  const StreamID& end, bool rev, size_t count);
// Replies the entry `id` (no array around it); false when it does not exist.
bool ReplyOneEntry(CommandContext& ctx, const StreamValue& s, const StreamID& id);
// Redis's addReplyHelp: "<NAME> <subcommand> ..." then the lines, then HELP.
void ReplyHelp(CommandContext& ctx, std::string_view name,
               std::initializer_list<std::string_view> lines);
// "ERR unknown subcommand or wrong number of arguments for '<sub>'. Try <CMD> HELP."
void ReplySubcommandSyntaxError(CommandContext& ctx, CmdArgs args);

// Parses an ID argument, replying "Invalid stream ID" when it is not one.
bool ParseIdOrReply(CommandContext& ctx, std::string_view arg, StreamID* id, uint64_t missing_seq,
                    bool strict);
// Parses an interval bound with its "(" form; replies the interval errors.
bool ParseRangeStart(CommandContext& ctx, std::string_view arg, StreamID* id);
bool ParseRangeEnd(CommandContext& ctx, std::string_view arg, StreamID* id);
// getLongLongFromObjectOrReply.
bool ParseLongLongOrReply(CommandContext& ctx, std::string_view arg, int64_t* out,
                          std::string_view error = {});

// XREAD / XREADGROUP (stream_read_family.cc).
void CmdXRead(CommandContext& ctx, CmdArgs args);
void CmdXReadGroup(CommandContext& ctx, CmdArgs args);

// Registration of each part.
void RegisterCore(CommandTable* table);    // stream_family.cc
void RegisterRead(CommandTable* table);    // stream_read_family.cc
void RegisterGroups(CommandTable* table);  // stream_group_family.cc
void RegisterClaim(CommandTable* table);   // stream_claim_family.cc
void RegisterInfo(CommandTable* table);    // stream_info_family.cc

}  // namespace stream_family
}  // namespace shoal

#endif  // SHOAL_SERVER_COMMANDS_STREAM_FAMILY_H_
