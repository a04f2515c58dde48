// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]: the longest
// common subsequence of two strings, as Redis 7.2 computes and replies it
// (part of the string family, see string_family.h).
//
// The table is transient but may be large, so it is bounded by
// proto-max-bulk-len as in Redis. Called on a worker thread by the
// Dispatcher, which has locked both keys' stripes.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "server/commands/string_family.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/errors.h"
#include "server/store/entry.h"
#include "server/store/store.h"

namespace shoal {
namespace {

using Lookup = Store::Lookup;

constexpr std::string_view kErrLcsType = "ERR The specified keys must contain string values";
constexpr std::string_view kErrLcsLenAndIdx =
    "ERR If you want both the length and indexes, please just use IDX.";
constexpr std::string_view kErrLcsMemory =
    "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";

// A string entry's value, formatted into `buf` when int-encoded.
std::string_view ValueOf(const Entry* e, char* buf) { return e->StringValue(buf); }

struct LcsMatch {
  uint32_t a_start, a_end, b_start, b_end;
};

struct LcsResult {
  uint32_t length = 0;
  std::string text;              // the LCS itself, when wanted
  std::vector<LcsMatch> matches;  // last to first, as Redis lists them
};

// Classic dynamic programming over a (|a|+1) x (|b|+1) table, then a walk
// back from the end collecting contiguous runs. Ties step back in b first,
// which is what makes the chosen LCS (and its ranges) the same as Redis's.
void ComputeLcs(std::string_view a, std::string_view b, bool want_text, bool want_matches,
                uint32_t min_match_len, LcsResult* out) {
  const size_t alen = a.size(), blen = b.size(), cols = blen + 1;
  std::vector<uint32_t> dp((alen + 1) * cols, 0);
  for (size_t i = 1; i <= alen; ++i) {
    for (size_t j = 1; j <= blen; ++j) {
      dp[i * cols + j] = a[i - 1] == b[j - 1]
                             ? dp[(i - 1) * cols + j - 1] + 1
                             : std::max(dp[(i - 1) * cols + j], dp[i * cols + j - 1]);
    }
  }
  out->length = dp[alen * cols + blen];
  if (!want_text && !want_matches) return;
  if (want_text) out->text.assign(out->length, '\0');

  size_t i = alen, j = blen, idx = out->length;
  bool in_run = false;
  LcsMatch run{};
  while (i > 0 && j > 0) {
    bool emit = false;
    if (a[i - 1] == b[j - 1]) {
      if (want_text) out->text[idx - 1] = a[i - 1];
      if (!in_run) {
        in_run = true;
        run = {static_cast<uint32_t>(i - 1), static_cast<uint32_t>(i - 1),
               static_cast<uint32_t>(j - 1), static_cast<uint32_t>(j - 1)};
      } else {
        // After a match the walk always continues diagonally, so the run
        // extends backwards by one in both strings.
        run.a_start--;
        run.b_start--;
      }
      if (run.a_start == 0 || run.b_start == 0) emit = true;
      --idx;
      --i;
      --j;
    } else {
      if (dp[(i - 1) * cols + j] > dp[i * cols + j - 1]) {
        --i;
      } else {
        --j;
      }
      emit = in_run;
    }
    if (emit) {
      const uint32_t len = run.a_end - run.a_start + 1;
      if (want_matches && (min_match_len == 0 || len >= min_match_len)) {
        out->matches.push_back(run);
      }
      in_run = false;
    }
  }
}

void CmdLcs(CommandContext& ctx, CmdArgs args) {
  Entry* ea = ctx.store->Find(ctx.db(), args[1], Lookup::kRead);
  Entry* eb = ctx.store->Find(ctx.db(), args[2], Lookup::kRead);
  if ((ea != nullptr && ea->type() != ValueType::kString) ||
      (eb != nullptr && eb->type() != ValueType::kString)) {
    return ctx.Error(kErrLcsType);
  }
  bool get_len = false, get_idx = false, with_match_len = false;
  int64_t min_match_len = 0;
  for (size_t j = 3; j < args.size(); ++j) {
    if (ArgIs(args[j], "LEN")) {
      get_len = true;
    } else if (ArgIs(args[j], "IDX")) {
      get_idx = true;
    } else if (ArgIs(args[j], "WITHMATCHLEN")) {
      with_match_len = true;
    } else if (ArgIs(args[j], "MINMATCHLEN") && j + 1 < args.size()) {
      if (!ParseInt(args[++j], &min_match_len)) return ctx.Error(OpStatus::kNotInteger);
      if (min_match_len < 0) min_match_len = 0;
    } else {
      return ctx.Error(OpStatus::kSyntax);
    }
  }
  if (get_len && get_idx) return ctx.Error(kErrLcsLenAndIdx);

  char abuf[kIntBufSize], bbuf[kIntBufSize];
  const std::string_view a = ea != nullptr ? ValueOf(ea, abuf) : std::string_view();
  const std::string_view b = eb != nullptr ? ValueOf(eb, bbuf) : std::string_view();
  // The table is transient but may be large: bound it as Redis does.
  const uint64_t cells = static_cast<uint64_t>(a.size() + 1) * (b.size() + 1);
  if (cells * sizeof(uint32_t) > static_cast<uint64_t>(ProtoMaxBulkLen(ctx))) {
    return ctx.Error(kErrLcsMemory);
  }
  const uint32_t min_len = static_cast<uint32_t>(
      std::min<int64_t>(min_match_len, std::numeric_limits<uint32_t>::max()));
  LcsResult r;
  ComputeLcs(a, b, /*want_text=*/!get_len && !get_idx, get_idx, min_len, &r);

  if (get_len) return ctx.reply->Integer(r.length);
  if (!get_idx) return ctx.reply->Bulk(r.text);
  ReplyBuilder& out = *ctx.reply;
  out.MapHeader(2);
  out.Bulk("matches");
  out.ArrayHeader(static_cast<int64_t>(r.matches.size()));
  for (const LcsMatch& m : r.matches) {
    out.ArrayHeader(with_match_len ? 3 : 2);
    out.ArrayHeader(2);
    out.Integer(m.a_start);
    out.Integer(m.a_end);
    out.ArrayHeader(2);
    out.Integer(m.b_start);
    out.Integer(m.b_end);
    if (with_match_len) out.Integer(m.a_end - m.a_start + 1);
  }
  out.Bulk("len");
  out.Integer(r.length);
}

}  // namespace

void RegisterLcsCommand(CommandTable* table) {
  constexpr std::string_view kReadSlow = "@read @string @slow";
  CommandSpec lcs =
      MakeSpec("lcs", -3, kCmdReadOnly, kOneKey, &CmdLcs,
               {.group = "string",
                .since = "7.0.0",
                .summary = "Finds the longest common substring.",
                .complexity = "O(N*M) where N and M are the lengths of s1 and s2, respectively",
                .syntax = "key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]",
                .acl_categories = kReadSlow});
  lcs.last_key = 2;
  table->Register(std::move(lcs));
}

}  // namespace shoal
