// Set algebra of the sorted-set family: ZUNION ZINTER ZDIFF, their STORE
// forms ZUNIONSTORE ZINTERSTORE ZDIFFSTORE, and ZINTERCARD.
//
// Inputs may be sorted sets or plain sets (whose members score 1), as in
// Redis; a missing key is an empty input. The order of checks is Redis's:
// numkeys, then every input key's type (WRONGTYPE wins over a bad option),
// then the options. Scores are aggregated as Redis does, including its NaN
// conventions: a weighted score that is NaN (inf * 0) counts as 0 in a union,
// and a SUM that is NaN (inf + -inf) is 0.
//
// Results are accumulated in a hash map, then sorted by (score, member): the
// reply order, and the order in which a STORE destination is built (each
// element appended at the end, so a tree-encoded result packs its B+tree
// leaves full). The destination gets the encoding its final size calls for.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "base/strings.h"
#include "server/commands/zset_family.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/errors.h"
#include "server/types/set_value.h"
#include "server/types/zset_value.h"

namespace shoal {
namespace {

using Lookup = Store::Lookup;

enum class SetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

// One input: a sorted set, a set (members score 1) or nothing.
struct ZInput {
  const ZSetValue* z = nullptr;
  const SetValue* s = nullptr;
  double weight = 1;

  size_t Size() const { return z != nullptr ? z->Size() : s != nullptr ? s->Size() : 0; }
  bool Score(std::string_view m, double* out) const {
    if (z != nullptr) return z->Score(m, out);
    if (s != nullptr && s->Contains(m)) {
      *out = 1.0;
      return true;
    }
    return false;
  }
  template <typename F>
  void ForEach(F&& fn) const {
    if (z != nullptr) {
      z->Visit(0, z->Size(), false, fn);
    } else if (s != nullptr) {
      s->ForEach([&](std::string_view m) { fn(m, 1.0); });
    }
  }
  // Like ForEach, until fn returns false (sorted sets stop within a chunk).
  template <typename F>
  void ForEachUntil(F&& fn) const {
    bool go = true;
    auto step = [&](std::string_view m, double score) {
      if (go) go = fn(m, score);
    };
    if (z != nullptr) {
      constexpr size_t kChunk = 128;
      const size_t n = z->Size();
      for (size_t i = 0; i < n && go; i += kChunk)
        z->Visit(i, std::min(n, i + kChunk), false, step);
    } else if (s != nullptr) {
      s->ForEach([&](std::string_view m) { step(m, 1.0); });
    }
  }
};

void AggregateInto(double* target, double v, Aggregate agg) {
  switch (agg) {
    case Aggregate::kSum:
      *target += v;
      // inf + -inf: Redis's convention is 0.
      if (std::isnan(*target)) *target = 0.0;
      break;
    case Aggregate::kMin:
      *target = v < *target ? v : *target;
      break;
    case Aggregate::kMax:
      *target = v > *target ? v : *target;
      break;
  }
}

struct SetOpRequest {
  SetOp op = SetOp::kUnion;
  bool store = false;        // destination at args[1]
  bool cardinality = false;  // ZINTERCARD
  std::vector<ZInput> inputs;
  Aggregate agg = Aggregate::kSum;
  bool withscores = false;
  int64_t limit = 0;  // ZINTERCARD; 0 = none
};

// Parses numkeys, looks the inputs up and parses the options. Replies the
// error and returns false on bad input.
bool ParseSetOp(CommandContext& ctx, CmdArgs args, SetOpRequest* req) {
  const size_t numkeys_at = req->store ? 2 : 1;
  int64_t setnum;
  if (!ParseInt(args[numkeys_at], &setnum)) {
    ctx.Error(kErrNotInteger);
    return false;
  }
  if (setnum < 1) {
    ctx.Error(StrCat("ERR at least 1 input key is needed for '", ctx.spec->name, "' command"));
    return false;
  }
  if (static_cast<uint64_t>(setnum) > args.size() - numkeys_at - 1) {
    ctx.Error(kErrSyntax);
    return false;
  }
  const size_t n = static_cast<size_t>(setnum);
  req->inputs.resize(n);
  size_t j = numkeys_at + 1;
  for (size_t i = 0; i < n; ++i, ++j) {
    Entry* e = ctx.store->Find(ctx.db(), args[j], Lookup::kRead);
    if (e == nullptr) continue;
    if (e->type() == ValueType::kZSet) {
      req->inputs[i].z = static_cast<const ZSetValue*>(e->object());
    } else if (e->type() == ValueType::kSet) {
      req->inputs[i].s = static_cast<const SetValue*>(e->object());
    } else {
      ctx.Error(kErrWrongType);
      return false;
    }
  }
  const bool weighted = req->op != SetOp::kDiff && !req->cardinality;
  while (j < args.size()) {
    const size_t remaining = args.size() - j;
    std::string_view a = args[j];
    if (weighted && remaining >= n + 1 && ArgIs(a, "weights")) {
      ++j;
      for (size_t i = 0; i < n; ++i, ++j) {
        if (!ParseDouble(args[j], &req->inputs[i].weight)) {
          ctx.Error("ERR weight value is not a float");
          return false;
        }
      }
    } else if (weighted && remaining >= 2 && ArgIs(a, "aggregate")) {
      std::string_view v = args[j + 1];
      if (ArgIs(v, "sum")) {
        req->agg = Aggregate::kSum;
      } else if (ArgIs(v, "min")) {
        req->agg = Aggregate::kMin;
      } else if (ArgIs(v, "max")) {
        req->agg = Aggregate::kMax;
      } else {
        ctx.Error(kErrSyntax);
        return false;
      }
      j += 2;
    } else if (!req->store && !req->cardinality && ArgIs(a, "withscores")) {
      req->withscores = true;
      ++j;
    } else if (req->cardinality && remaining >= 2 && ArgIs(a, "limit")) {
      if (!ParseInt(args[j + 1], &req->limit) || req->limit < 0) {
        ctx.Error("ERR LIMIT can't be negative");
        return false;
      }
      j += 2;
    } else {
      ctx.Error(kErrSyntax);
      return false;
    }
  }
  return true;
}

using Accumulator = absl::flat_hash_map<std::string, double>;

void Union(const SetOpRequest& req, Accumulator* acc) {
  for (const ZInput& in : req.inputs) {
    in.ForEach([&](std::string_view m, double score) {
      double v = score * in.weight;
      if (std::isnan(v)) v = 0;
      auto it = acc->find(ToAbsl(m));
      if (it == acc->end()) {
        acc->emplace(std::string(m), v);
      } else {
        AggregateInto(&it->second, v, req.agg);
      }
    });
  }
}

// Inputs smallest first (the intersection walks the smallest).
std::vector<const ZInput*> BySize(const SetOpRequest& req) {
  std::vector<const ZInput*> order;
  for (const ZInput& in : req.inputs) order.push_back(&in);
  std::stable_sort(order.begin(), order.end(),
                   [](const ZInput* a, const ZInput* b) { return a->Size() < b->Size(); });
  return order;
}

// Calls fn(member, score) for each member of the intersection, until fn
// returns false.
template <typename F>
void Intersect(const SetOpRequest& req, F&& fn) {
  std::vector<const ZInput*> order = BySize(req);
  if (order[0]->Size() == 0) return;
  order[0]->ForEachUntil([&](std::string_view m, double score) {
    double acc = score * order[0]->weight;
    if (std::isnan(acc)) acc = 0;
    for (size_t j = 1; j < order.size(); ++j) {
      double v;
      if (!order[j]->Score(m, &v)) return true;
      AggregateInto(&acc, v * order[j]->weight, req.agg);
    }
    return fn(m, acc);
  });
}

void Diff(const SetOpRequest& req, Accumulator* acc) {
  const ZInput& first = req.inputs[0];
  first.ForEach([&](std::string_view m, double score) {
    double unused;
    for (size_t j = 1; j < req.inputs.size(); ++j) {
      if (req.inputs[j].Score(m, &unused)) return;
    }
    acc->emplace(std::string(m), score);
  });
}

void SetOpGeneric(CommandContext& ctx, CmdArgs args, SetOp op, bool store) {
  SetOpRequest req;
  req.op = op;
  req.store = store;
  if (!ParseSetOp(ctx, args, &req)) return;

  Accumulator acc;
  switch (op) {
    case SetOp::kUnion:
      Union(req, &acc);
      break;
    case SetOp::kInter:
      Intersect(req, [&](std::string_view m, double s) {
        acc.emplace(std::string(m), s);
        return true;
      });
      break;
    case SetOp::kDiff:
      Diff(req, &acc);
      break;
  }

  // Sorted by (score, member): views into the accumulator, which no longer
  // changes.
  std::vector<std::pair<double, std::string_view>> sorted;
  sorted.reserve(acc.size());
  size_t max_len = 0;
  for (const auto& [m, s] : acc) {
    sorted.emplace_back(s, m);
    max_len = std::max(max_len, m.size());
  }
  // (score, member) pairs compare as the set orders them.
  std::sort(sorted.begin(), sorted.end());

  if (store) {
    ZSetValue* dst = ZSetValue::Create(sorted.size(), max_len, ZLimits(ctx));
    for (const auto& [s, m] : sorted) dst->AppendLargest(m, s);
    const char* event = op == SetOp::kUnion   ? "zunionstore"
                        : op == SetOp::kInter ? "zinterstore"
                                              : "zdiffstore";
    StoreZSet(ctx, args[1], dst, event);
    ctx.reply->Integer(static_cast<int64_t>(sorted.size()));
    return;
  }
  ZReplyHeader(ctx, static_cast<int64_t>(sorted.size()), req.withscores);
  for (const auto& [s, m] : sorted) ZReplyElement(ctx, m, s, req.withscores);
}

void CmdZUnion(CommandContext& ctx, CmdArgs args) { SetOpGeneric(ctx, args, SetOp::kUnion, false); }
void CmdZInter(CommandContext& ctx, CmdArgs args) { SetOpGeneric(ctx, args, SetOp::kInter, false); }
void CmdZDiff(CommandContext& ctx, CmdArgs args) { SetOpGeneric(ctx, args, SetOp::kDiff, false); }
void CmdZUnionStore(CommandContext& ctx, CmdArgs args) {
  SetOpGeneric(ctx, args, SetOp::kUnion, true);
}
void CmdZInterStore(CommandContext& ctx, CmdArgs args) {
  SetOpGeneric(ctx, args, SetOp::kInter, true);
}
void CmdZDiffStore(CommandContext& ctx, CmdArgs args) {
  SetOpGeneric(ctx, args, SetOp::kDiff, true);
}

// ZINTERCARD numkeys key [key ...] [LIMIT limit]
void CmdZInterCard(CommandContext& ctx, CmdArgs args) {
  SetOpRequest req;
  req.op = SetOp::kInter;
  req.cardinality = true;
  if (!ParseSetOp(ctx, args, &req)) return;
  int64_t count = 0;
  Intersect(req, [&](std::string_view, double) {
    ++count;
    return req.limit == 0 || count < req.limit;
  });
  ctx.reply->Integer(count);
}

bool ReadKeys(CmdArgs args, std::vector<int>* out) { return ZNumKeysFinder(args, 1, 0, out); }
bool StoreKeys(CmdArgs args, std::vector<int>* out) { return ZNumKeysFinder(args, 2, 1, out); }

}  // namespace

void RegisterZSetStoreCommands(CommandTable* table) {
  constexpr uint32_t kW = kCmdWrite, kRo = kCmdReadOnly, kOom = kCmdDenyOom;
  constexpr std::string_view kReadSlow = "@read @sortedset @slow";
  constexpr std::string_view kWriteSlow = "@write @sortedset @slow";
  constexpr std::string_view kUnionCost =
      "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being "
      "the number of elements in the resulting sorted set.";
  constexpr std::string_view kInterCost =
      "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the "
      "number of input sorted sets and M being the number of elements in the resulting sorted "
      "set.";
  constexpr std::string_view kDiffCost =
      "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N "
      "is the size of the first set, and K is the size of the result set.";
  constexpr std::string_view kWeightsSyntax =
      " [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]";

  struct Def {
    std::string_view name;
    CommandHandler handler;
    bool store;
    std::string_view since, summary, syntax, complexity;
  };
  static const std::string kUnionSyntax =
      StrCat("numkeys key [key ...]", kWeightsSyntax, " [WITHSCORES]");
  static const std::string kStoreSyntax =
      StrCat("destination numkeys key [key ...]", kWeightsSyntax);
  const Def defs[] = {
      {"zunion", &CmdZUnion, false, "6.2.0", "Returns the union of multiple sorted sets.",
       kUnionSyntax, kUnionCost},
      {"zinter", &CmdZInter, false, "6.2.0", "Returns the intersect of multiple sorted sets.",
       kUnionSyntax, kInterCost},
      {"zdiff", &CmdZDiff, false, "6.2.0", "Returns the difference between multiple sorted sets.",
       "numkeys key [key ...] [WITHSCORES]", kDiffCost},
      {"zunionstore", &CmdZUnionStore, true, "2.0.0",
       "Stores the union of multiple sorted sets in a key.", kStoreSyntax, kUnionCost},
      {"zinterstore", &CmdZInterStore, true, "2.0.0",
       "Stores the intersect of multiple sorted sets in a key.", kStoreSyntax, kInterCost},
      {"zdiffstore", &CmdZDiffStore, true, "6.2.0",
       "Stores the difference of multiple sorted sets in a key.",
       "destination numkeys key [key ...]", kDiffCost},
  };
  for (const Def& d : defs) {
    CommandSpec s = d.store ? MakeSpec(d.name, -4, kW | kOom, kOneKey, d.handler,
                                       {.group = "sorted-set",
                                        .since = d.since,
                                        .summary = d.summary,
                                        .complexity = d.complexity,
                                        .syntax = d.syntax,
                                        .acl_categories = kWriteSlow})
                            : MakeSpec(d.name, -3, kRo, {}, d.handler,
                                       {.group = "sorted-set",
                                        .since = d.since,
                                        .summary = d.summary,
                                        .complexity = d.complexity,
                                        .syntax = d.syntax,
                                        .acl_categories = kReadSlow});
    s.keys_finder = d.store ? &StoreKeys : &ReadKeys;
    table->Register(std::move(s));
  }
  CommandSpec card = MakeSpec(
      "zintercard", -3, kRo, {}, &CmdZInterCard,
      {.group = "sorted-set",
       .since = "7.0.0",
       .summary = "Returns the number of members of the intersect of multiple sorted sets.",
       .complexity =
           "O(N*K) worst case with N being the smallest input sorted set, K being the number of "
           "input sorted sets.",
       .syntax = "numkeys key [key ...] [LIMIT limit]",
       .acl_categories = kReadSlow});
  card.keys_finder = &ReadKeys;
  table->Register(std::move(card));
}

}  // namespace shoal
