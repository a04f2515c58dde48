// The sort family: SORT and SORT_RO over lists, sets and sorted sets, with
// BY (weights from other keys, or `nosort`), LIMIT, GET (values from other
// keys, `#` for the element), ASC/DESC, ALPHA and, for SORT, STORE (a list).
//
// It follows redis-server 7.0's sortCommandGeneric step by step, because the
// order of SORT's results for equal elements depends on those steps:
//   - numeric sorting compares the weights and, for equal weights, the
//     elements byte by byte, so it is a total order; ALPHA compares the
//     elements, or with BY the looked-up values, where distinct elements can
//     compare equal (equal or missing values) and keep the order the sort
//     leaves them in;
//   - without LIMIT (or without BY) the whole vector is sorted with glibc's
//     qsort, a stable merge sort; with BY and a LIMIT that cuts, Redis's
//     partial quicksort (sort_pqsort.h) sorts only the requested range;
//   - BY without '*' (`nosort`) skips sorting: lists and sorted sets keep
//     their order (DESC reverses it, LIMIT applies to it), sets their
//     iteration order; a set sorted that way for STORE (or in a script) is
//     sorted ALPHA instead, so the stored result is deterministic;
//   - ALPHA uses strcoll, i.e. strcmp in the C locale (Shoal does not follow
//     the server's locale), except with STORE, where it compares bytes.
// Weights parse with strtod as Redis does ("" is 0, leading spaces and hex
// are accepted); one that does not parse fails the command with "One or more
// scores can't be converted into double", after the lookups.
//
// Patterns: the first '*' is replaced by the element; "key->field" after the
// '*' reads a hash field; only strings (or hash fields) count, anything else
// is missing. In cluster mode Redis 7.0 refuses BY with a pattern and any GET
// (even `GET #` or a hash-tagged pattern): so does Shoal, and so it does for
// a user without read access to every key (ACL: ~* or %R~* in a selector
// that allows the command).
//
// Locking: the command is kCmdSelfLocking. Without patterns it locks the key
// and the STORE destination; with patterns that read other keys it locks
// every stripe, since those keys are known only from the data. Inside EXEC
// or a script every stripe is already held.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "server/commands/families.h"
#include "server/commands/list_family.h"
#include "server/commands/sort_pqsort.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/errors.h"
#include "server/events/blocking.h"
#include "server/events/notify.h"
#include "server/store/entry.h"
#include "server/types/hash_value.h"
#include "server/types/list_value.h"
#include "server/types/set_value.h"
#include "server/types/zset_value.h"

namespace shoal {
namespace {

using Lookup = Store::Lookup;

// The part of s before its first NUL: Redis handles patterns (and ALPHA
// comparisons) with C string functions.
std::string_view CString(std::string_view s) {
  const size_t nul = s.find('\0');
  return nul == std::string_view::npos ? s : s.substr(0, nul);
}

bool HasStar(std::string_view pattern) { return CString(pattern).find('*') != std::string_view::npos; }

struct SortRequest {
  bool desc = false;
  bool alpha = false;
  bool dontsort = false;     // BY without '*'
  bool by = false;           // a BY pattern was given (the last one counts)
  std::string_view by_pattern;
  int64_t limit_start = 0;
  int64_t limit_count = -1;
  std::vector<std::string_view> gets;
  bool store = false;
  std::string_view store_key;
};

// Options from args[2] on; false after replying the error.
bool ParseSort(CommandContext& ctx, CmdArgs args, bool readonly, SortRequest* req) {
  const bool cluster = ctx.server != nullptr && ctx.server->router != nullptr;
  // BY and GET patterns read keys the ACL check never saw: Redis allows
  // them only to a user that may read every key with this command.
  auto reads_any_key = [&] {
    const AclPrincipal* user = ctx.client != nullptr ? ctx.client->user.get() : nullptr;
    return user == nullptr || ctx.spec == nullptr || user->unrestricted() ||
           user->ReadsAnyKey(*ctx.spec, args);
  };
  for (size_t j = 2; j < args.size(); ++j) {
    const size_t left = args.size() - j - 1;
    std::string_view a = args[j];
    if (ArgIs(a, "asc")) {
      req->desc = false;
    } else if (ArgIs(a, "desc")) {
      req->desc = true;
    } else if (ArgIs(a, "alpha")) {
      req->alpha = true;
    } else if (ArgIs(a, "limit") && left >= 2) {
      if (!ParseInt(args[j + 1], &req->limit_start) || !ParseInt(args[j + 2], &req->limit_count)) {
        ctx.Error(kErrNotInteger);
        return false;
      }
      j += 2;
    } else if (!readonly && ArgIs(a, "store") && left >= 1) {
      req->store = true;
      req->store_key = args[j + 1];
      ++j;
    } else if (ArgIs(a, "by") && left >= 1) {
      req->by = true;
      req->by_pattern = args[j + 1];
      if (!HasStar(req->by_pattern)) {
        req->dontsort = true;  // and it stays so, whatever BY follows
      } else if (cluster) {
        ctx.Error("ERR BY option of SORT denied in Cluster mode.");
        return false;
      } else if (!reads_any_key()) {
        ctx.Error("ERR BY option of SORT denied due to insufficient ACL permissions.");
        return false;
      }
      ++j;
    } else if (ArgIs(a, "get") && left >= 1) {
      if (cluster) {
        ctx.Error("ERR GET option of SORT denied in Cluster mode.");
        return false;
      }
      if (!reads_any_key()) {
        ctx.Error("ERR GET option of SORT denied due to insufficient ACL permissions.");
        return false;
      }
      req->gets.push_back(args[j + 1]);
      ++j;
    } else {
      ctx.Error(kErrSyntax);
      return false;
    }
  }
  return true;
}

// The value a pattern names for `element`, as Redis's lookupKeyByPattern:
// "#" is the element itself; else the first '*' is replaced by the element
// and the key must hold a string, or with "->field" after the '*' a hash
// with that field. False when there is no such value.
bool LookupByPattern(CommandContext& ctx, std::string_view pattern, std::string_view element,
                     std::string* out) {
  const std::string_view c = CString(pattern);
  if (c == "#") {
    out->assign(element.data(), element.size());
    return true;
  }
  const size_t star = c.find('*');
  if (star == std::string_view::npos) return false;
  std::string_view field;
  size_t field_len = 0;
  const size_t arrow = c.find("->", star + 1);
  if (arrow != std::string_view::npos && arrow + 2 < c.size()) {
    field = pattern.substr(arrow + 2);  // to the end, NULs included
    field_len = field.size();
  }
  const size_t postfix_len = pattern.size() - star - 1 - (field_len ? field_len + 2 : 0);
  std::string key;
  key.reserve(star + element.size() + postfix_len);
  key.append(pattern.data(), star);
  key.append(element.data(), element.size());
  key.append(pattern.data() + star + 1, postfix_len);

  Entry* e = ctx.store->Find(ctx.db(), key, Lookup::kRead);
  if (e == nullptr) return false;
  if (field_len != 0) {
    if (e->type() != ValueType::kHash) return false;
    std::string_view v;
    if (!static_cast<const HashValue*>(e->object())->Get(field, &v)) return false;
    out->assign(v.data(), v.size());
    return true;
  }
  if (e->type() != ValueType::kString) return false;
  char buf[32];
  const std::string_view v = e->StringValue(buf);
  out->assign(v.data(), v.size());
  return true;
}

struct Item {
  std::string element;
  double score = 0;
  bool has_cmp = false;  // ALPHA BY: a value was found
  std::string cmp;
};

// Redis's compareStringObjects: bytes, then length.
int CompareBytes(std::string_view a, std::string_view b) {
  const int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (c != 0) return c;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

// strcoll in the C locale: strcmp, which stops at the first NUL.
int Collate(std::string_view a, std::string_view b) { return CompareBytes(CString(a), CString(b)); }

// Redis's sortCompare.
struct SortCompare {
  bool desc, alpha, by, store;
  int operator()(const Item& a, const Item& b) const {
    int cmp;
    if (!alpha) {
      if (a.score > b.score) {
        cmp = 1;
      } else if (a.score < b.score) {
        cmp = -1;
      } else {
        cmp = CompareBytes(a.element, b.element);
      }
    } else if (by) {
      if (!a.has_cmp || !b.has_cmp) {
        cmp = a.has_cmp == b.has_cmp ? 0 : (a.has_cmp ? 1 : -1);
      } else {
        cmp = store ? CompareBytes(a.cmp, b.cmp) : Collate(a.cmp, b.cmp);
      }
    } else {
      cmp = store ? CompareBytes(a.element, b.element) : Collate(a.element, b.element);
    }
    return desc ? -cmp : cmp;
  }
};

// strtod on the value as a C string, as SORT reads weights.
bool ParseWeight(const std::string& v, double* out) {
  char* end = nullptr;
  errno = 0;
  *out = std::strtod(v.c_str(), &end);
  return *end == '\0' && errno != ERANGE && !std::isnan(*out);
}

void AddItem(std::vector<Item>* items, std::string_view element) {
  items->emplace_back();
  items->back().element.assign(element.data(), element.size());
}

// Loads the elements to sort. For lists and sorted sets that are not sorted
// (dontsort), only [*start, *end] in the requested direction, and then
// *start/*end are rebased to the loaded vector.
void LoadItems(const Entry* e, const SortRequest& req, int64_t* start, int64_t* end,
               std::vector<Item>* items) {
  if (e == nullptr) return;
  const auto len = static_cast<int64_t>(e->object()->Size());
  const bool direct = req.dontsort && e->type() != ValueType::kSet;
  if (direct) {
    const int64_t n = (*start != 0 || *end != len - 1) ? *end - *start + 1 : len;
    if (n > 0) {
      items->reserve(static_cast<size_t>(n));
      // Ascending: ranks [start, start + n); descending: the same count from
      // rank len - 1 - start downwards.
      const int64_t lo = req.desc ? len - *start - n : *start;
      if (e->type() == ValueType::kList) {
        const auto* list = static_cast<const ListValue*>(e->object());
        list->Range(static_cast<size_t>(lo), static_cast<size_t>(lo + n - 1),
                    [&](std::string_view el) { AddItem(items, el); });
        if (req.desc) std::reverse(items->begin(), items->end());
      } else {
        const auto* z = static_cast<const ZSetValue*>(e->object());
        z->Visit(static_cast<size_t>(lo), static_cast<size_t>(lo + n), req.desc,
                 [&](std::string_view m, double) { AddItem(items, m); });
      }
    }
    *end -= *start;
    *start = 0;
    return;
  }
  items->reserve(static_cast<size_t>(len));
  switch (e->type()) {
    case ValueType::kList:
      if (len > 0) {
        static_cast<const ListValue*>(e->object())
            ->Range(0, static_cast<size_t>(len - 1), [&](std::string_view el) { AddItem(items, el); });
      }
      break;
    case ValueType::kSet:
      static_cast<const SetValue*>(e->object())->ForEach([&](std::string_view m) {
        AddItem(items, m);
      });
      break;
    default:
      static_cast<const ZSetValue*>(e->object())
          ->Visit(0, static_cast<size_t>(len), false,
                  [&](std::string_view m, double) { AddItem(items, m); });
      break;
  }
}

// Looks up the weights (or ALPHA values) and sorts [start, end] into place.
// Returns false when a weight does not parse.
bool SortItems(CommandContext& ctx, const SortRequest& req, int64_t start, int64_t end,
               std::vector<Item>* items) {
  bool ok = true;
  std::string value;
  for (Item& it : *items) {
    const std::string* byval = &it.element;
    if (req.by) {
      if (!LookupByPattern(ctx, req.by_pattern, it.element, &value)) continue;
      byval = &value;
    }
    if (req.alpha) {
      if (req.by) {
        it.cmp = *byval;
        it.has_cmp = true;
      }
    } else if (!ParseWeight(*byval, &it.score)) {
      ok = false;
    }
  }
  const SortCompare cmp{req.desc, req.alpha, req.by, req.store};
  const auto n = static_cast<int64_t>(items->size());
  if (req.by && (start != 0 || end != n - 1)) {
    if (start <= end && start >= 0 && end < n) {
      PartialQuickSort(*items, static_cast<size_t>(start), static_cast<size_t>(end), cmp);
    }
  } else {
    std::stable_sort(items->begin(), items->end(),
                     [&cmp](const Item& a, const Item& b) { return cmp(a, b) < 0; });
  }
  return ok;
}

void ReplySorted(CommandContext& ctx, const SortRequest& req, const std::vector<Item>& items,
                 int64_t start, int64_t end, int64_t outputlen) {
  ctx.reply->ArrayHeader(outputlen);
  std::string value;
  for (int64_t j = start; j <= end; ++j) {
    const std::string& el = items[static_cast<size_t>(j)].element;
    if (req.gets.empty()) ctx.reply->Bulk(el);
    for (std::string_view pattern : req.gets) {
      if (LookupByPattern(ctx, pattern, el, &value)) {
        ctx.reply->Bulk(value);
      } else {
        ctx.reply->NullBulk();
      }
    }
  }
}

void StoreSorted(CommandContext& ctx, const SortRequest& req, const std::vector<Item>& items,
                 int64_t start, int64_t end, int64_t outputlen) {
  if (outputlen <= 0) {
    if (ctx.store->Erase(ctx.db(), req.store_key)) Notify(ctx, kNotifyGeneric, "del", req.store_key);
    ctx.reply->Integer(0);
    return;
  }
  const ListLimits limits = list_family::Limits(ctx);
  auto* list = new ListValue();
  std::string value;
  for (int64_t j = start; j <= end; ++j) {
    const std::string& el = items[static_cast<size_t>(j)].element;
    if (req.gets.empty()) list->Push(ListValue::End::kTail, el, limits);
    for (std::string_view pattern : req.gets) {
      if (!LookupByPattern(ctx, pattern, el, &value)) value.clear();
      list->Push(ListValue::End::kTail, value, limits);
    }
  }
  const bool created = ctx.store->Find(ctx.db(), req.store_key, Lookup::kWrite) == nullptr;
  ctx.store->Put(ctx.db(), Entry::NewObject(req.store_key, ValueType::kList, list));
  if (created) Notify(ctx, kNotifyNew, "new", req.store_key);
  Notify(ctx, kNotifyList, "sortstore", req.store_key);
  if (ctx.server != nullptr) ctx.server->blocking().KeyReady(ctx.db(), req.store_key);
  ctx.reply->Integer(outputlen);
}

void SortGeneric(CommandContext& ctx, CmdArgs args, bool readonly) {
  SortRequest req;
  if (!ParseSort(ctx, args, readonly, &req)) return;

  // Patterns that read other keys need every stripe (see the header).
  bool other_keys = req.by && !req.dontsort;
  for (std::string_view g : req.gets) other_keys |= HasStar(g);
  StripeLocks locks(ctx.store);
  if (other_keys) {
    locks.AddAll();
  } else {
    locks.AddKey(args[1]);
    if (req.store) locks.AddKey(req.store_key);
  }
  locks.Acquire();

  const Entry* e = ctx.store->Find(ctx.db(), args[1], Lookup::kRead);
  if (e != nullptr && e->type() != ValueType::kList && e->type() != ValueType::kSet &&
      e->type() != ValueType::kZSet) {
    ctx.Error(kErrWrongType);
    return;
  }
  // A set has no order of its own: sorted for STORE and in scripts.
  if (req.dontsort && e != nullptr && e->type() == ValueType::kSet &&
      (req.store || ctx.in_script)) {
    req.dontsort = false;
    req.alpha = true;
    req.by = false;
  }

  const int64_t len =
      e == nullptr ? 0 : static_cast<int64_t>(e->object()->Size());
  int64_t start = req.limit_start < 0 ? 0 : req.limit_start;
  int64_t end;
  if (req.limit_count < 0) {
    end = len - 1;
  } else {
    end = start > std::numeric_limits<int64_t>::max() - req.limit_count
              ? std::numeric_limits<int64_t>::max()
              : start + req.limit_count - 1;
  }
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  }
  if (end >= len) end = len - 1;

  std::vector<Item> items;
  LoadItems(e, req, &start, &end, &items);
  bool ok = true;
  if (!req.dontsort) ok = SortItems(ctx, req, start, end, &items);

  const int64_t range = end - start + 1;
  const int64_t outputlen = req.gets.empty() ? range : static_cast<int64_t>(req.gets.size()) * range;
  if (!ok) {
    ctx.Error("ERR One or more scores can't be converted into double");
  } else if (!req.store) {
    ReplySorted(ctx, req, items, start, end, outputlen);
  } else {
    StoreSorted(ctx, req, items, start, end, outputlen);
  }
}

void CmdSort(CommandContext& ctx, CmdArgs args) { SortGeneric(ctx, args, false); }
void CmdSortRo(CommandContext& ctx, CmdArgs args) { SortGeneric(ctx, args, true); }

// SORT's keys: the sorted key, and the destination of the last STORE, with
// Redis's sortGetKeys scan (LIMIT skips two arguments, GET and BY one).
bool SortKeys(CmdArgs args, std::vector<int>* out) {
  out->push_back(1);
  int store = -1;
  for (size_t i = 2; i < args.size(); ++i) {
    if (ArgIs(args[i], "limit")) {
      i += 2;
    } else if (ArgIs(args[i], "get") || ArgIs(args[i], "by")) {
      i += 1;
    } else if (ArgIs(args[i], "store") && i + 1 < args.size()) {
      store = static_cast<int>(i + 1);
    }
  }
  if (store >= 0) out->push_back(store);
  return true;
}

bool SortRoKeys(CmdArgs args, std::vector<int>* out) {
  out->push_back(1);
  return true;
}

}  // namespace

void RegisterSortCommands(CommandTable* table) {
  constexpr std::string_view kComplexity =
      "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the "
      "number of returned elements. When the elements are not sorted, complexity is O(N).";
  CommandSpec sort = MakeSpec(
      "sort", -2, kCmdWrite | kCmdDenyOom | kCmdMovableKeys | kCmdSelfLocking, kOneKey, &CmdSort,
      {.group = "generic",
       .since = "1.0.0",
       .summary = "Sort the elements in a list, set or sorted set",
       .complexity = kComplexity,
       .syntax = "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] "
                 "[ASC | DESC] [ALPHA] [STORE destination]",
       .acl_categories = "@write @set @sortedset @list @slow @dangerous"});
  sort.keys_finder = &SortKeys;
  table->Register(std::move(sort));
  CommandSpec sort_ro = MakeSpec(
      "sort_ro", -2, kCmdReadOnly | kCmdMovableKeys | kCmdSelfLocking, kOneKey, &CmdSortRo,
      {.group = "generic",
       .since = "7.0.0",
       .summary = "Sort the elements in a list, set or sorted set. Read-only variant of SORT.",
       .complexity = kComplexity,
       .syntax = "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] "
                 "[ASC | DESC] [ALPHA]",
       .acl_categories = "@read @set @sortedset @list @slow @dangerous"});
  sort_ro.keys_finder = &SortRoKeys;
  table->Register(std::move(sort_ro));
}

}  // namespace shoal
