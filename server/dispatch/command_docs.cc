// COMMAND INFO / COMMAND DOCS replies and the syntax-string parser behind
// the DOCS argument tree. See command_docs.h for the grammar.
//
// Parsing happens in two passes. The first turns the text into raw nodes
// (words and bracketed groups, with their alternatives), and folds each
// "x [x ...]" repetition into one node marked multiple, comparing the nodes
// structurally. The second turns raw nodes into DocArgs: tokens bind to what
// follows them, groups become oneofs, blocks or single optional arguments.
// Binding after folding is what makes "ID client-id [client-id ...]" come out
// as one repeated client-id introduced by ID, not as two different arguments.
#include "server/dispatch/command_docs.h"

#include <algorithm>
#include <cctype>
#include <functional>

#include "base/strings.h"
#include "server/dispatch/command_key_search.h"
#include "server/dispatch/command_tips.h"
#include "server/dispatch/key_flags.h"

namespace shoal {
namespace {

// ---------------------------------------------------------------- raw pass

struct RawNode {
  bool is_group = false;
  std::string word;                        // !is_group
  bool optional = false;                   // group written [ ... ]
  bool multiple = false;                   // folded repetition
  std::vector<std::vector<RawNode>> alts;  // group alternatives

  bool operator==(const RawNode& o) const {
    return is_group == o.is_group && word == o.word && optional == o.optional &&
           multiple == o.multiple && alts == o.alts;
  }
};

bool IsEllipsis(const RawNode& n) { return !n.is_group && n.word == "..."; }

bool IsTokenWord(std::string_view w) {
  if (w.empty() || w == "...") return false;
  for (char c : w) {
    if (c >= 'a' && c <= 'z') return false;
  }
  return true;
}

bool IsTokenNode(const RawNode& n) { return !n.is_group && IsTokenWord(n.word); }

class RawParser {
 public:
  explicit RawParser(std::string_view s) : s_(s) {}

  void SkipWords(const std::vector<std::string_view>& words) {
    for (std::string_view w : words) {
      size_t save = pos_;
      std::string_view next = NextLexeme();
      if (!IsTokenWord(next) || !EqualsIgnoreCase(next, w)) {
        pos_ = save;
        return;
      }
    }
  }

  // Alternatives up to `close` (or the end of input when close == 0). Sets
  // *multiple when they end with their own repetition, the way the docs
  // print a repeated oneof: "<a | b [a | b ...]>".
  std::vector<std::vector<RawNode>> ParseAlts(char close, bool* multiple = nullptr) {
    std::vector<std::vector<RawNode>> alts(1);
    while (true) {
      std::string_view lx = NextLexeme();
      if (lx.empty()) break;
      char c = lx.size() == 1 ? lx[0] : 0;
      if (c == close && close != 0) break;
      if (c == ']' || c == '>') continue;  // unbalanced closer: ignore it
      if (c == '|') {
        alts.emplace_back();
      } else if (c == '[' || c == '<') {
        RawNode g;
        g.is_group = true;
        g.optional = c == '[';
        g.alts = ParseAlts(c == '[' ? ']' : '>', &g.multiple);
        alts.back().push_back(std::move(g));
      } else {
        RawNode w;
        w.word = std::string(lx);
        alts.back().push_back(std::move(w));
      }
    }
    if (multiple != nullptr && RepeatsItself(alts)) {
      alts.back().pop_back();
      *multiple = true;
    }
    for (auto& seq : alts) seq = Fold(std::move(seq));
    return alts;
  }

 private:
  std::string_view NextLexeme() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    if (pos_ >= s_.size()) return {};
    auto special = [](char c) { return c == '[' || c == ']' || c == '<' || c == '>' || c == '|'; };
    if (special(s_[pos_])) return s_.substr(pos_++, 1);
    size_t start = pos_;
    while (pos_ < s_.size() && !std::isspace(static_cast<unsigned char>(s_[pos_])) &&
           !special(s_[pos_])) {
      ++pos_;
    }
    std::string_view w = s_.substr(start, pos_ - start);
    // "key..." is written "key ..." by the docs; accept both.
    if (w.size() > 3 && w.substr(w.size() - 3) == "...") {
      pos_ -= 3;
      w.remove_suffix(3);
    }
    return w;
  }

  // True for "a | b [a | b ...]": the last alternative ends with an optional
  // group repeating all the alternatives, followed by "...".
  static bool RepeatsItself(const std::vector<std::vector<RawNode>>& alts) {
    if (alts.size() < 2 || alts.back().empty()) return false;
    const RawNode& g = alts.back().back();
    if (!g.is_group || !g.optional || g.alts.size() != alts.size()) return false;
    const std::vector<RawNode>& tail = g.alts.back();
    if (tail.empty() || !IsEllipsis(tail.back())) return false;
    // g was folded when it was parsed; fold copies of ours to compare.
    for (size_t i = 0; i + 1 < alts.size(); ++i) {
      if (g.alts[i] != Fold(alts[i])) return false;
    }
    std::vector<RawNode> last = Fold({alts.back().begin(), alts.back().end() - 1});
    return std::equal(tail.begin(), tail.end() - 1, last.begin(), last.end());
  }

  // Folds "x y [x y ...]" into one group node marked multiple, and
  // "<a | b> [a | b ...]" into the oneof marked multiple.
  static std::vector<RawNode> Fold(std::vector<RawNode> seq) {
    std::vector<RawNode> out;
    for (RawNode& n : seq) {
      bool repeat = n.is_group && !n.alts.empty() && n.alts.back().size() >= 2 &&
                    IsEllipsis(n.alts.back().back());
      if (!repeat) {
        out.push_back(std::move(n));
        continue;
      }
      n.alts.back().pop_back();
      RawNode g;
      g.is_group = true;
      g.multiple = true;
      if (n.alts.size() > 1) {
        // A repeated oneof: the unit is the previous group when it has the
        // same alternatives.
        if (!out.empty() && out.back().is_group && !out.back().multiple &&
            out.back().alts == n.alts) {
          out.back().multiple = true;
          continue;
        }
        g.optional = n.optional;
        g.alts = std::move(n.alts);
        out.push_back(std::move(g));
        continue;
      }
      std::vector<RawNode> unit = std::move(n.alts[0]);
      if (out.size() >= unit.size() &&
          std::equal(unit.begin(), unit.end(), out.end() - unit.size())) {
        out.resize(out.size() - unit.size());  // "x [x ...]": one or more
      } else {
        g.optional = n.optional;  // "[x ...]" alone: zero or more
      }
      g.alts.push_back(std::move(unit));
      out.push_back(std::move(g));
    }
    return out;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

// ------------------------------------------------------------ typing pass

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

DocArg::Type InferType(std::string_view name, bool has_keys) {
  static constexpr std::string_view kIntegers[] = {
      "seconds",     "milliseconds", "count",  "numkeys",     "offset", "start",
      "end",         "stop",         "index",  "cursor",      "db",     "destination-db",
      "increment",   "decrement",    "rank",   "num-matches", "len",    "port",
      "numreplicas", "numslots",     "slot",   "client-id",   "limit",  "timeout",
      "delay",       "ttl",          "maxlen", "position",    "bit",    "length",
      "numlocal",    "samples",      "epoch",  "index1",      "index2", "numsub"};
  static constexpr std::string_view kDoubles[] = {"score",    "min",    "max",   "longitude",
                                                  "latitude", "radius", "width", "height"};
  bool numbered_key = StartsWith(name, "key") && name.size() > 3 &&
                      std::all_of(name.begin() + 3, name.end(), ::isdigit);
  if (has_keys && (name == "key" || name == "destination" || name == "source" ||
                   EndsWith(name, "key") || numbered_key)) {
    return DocArg::Type::kKey;
  }
  if (name == "pattern") return DocArg::Type::kPattern;
  if (StartsWith(name, "unix-time")) return DocArg::Type::kUnixTime;
  for (std::string_view n : kIntegers) {
    if (name == n) return DocArg::Type::kInteger;
  }
  for (std::string_view n : kDoubles) {
    if (name == n) return DocArg::Type::kDouble;
  }
  return DocArg::Type::kString;
}

// Name of a pure token: NX -> "nx"; symbols get the names Redis gives them.
std::string TokenName(std::string_view token) {
  if (token == "*") return "auto_id";
  if (token == "=") return "equal";
  if (token == "~") return "approximately";
  if (token == "\"\"") return "empty_string";
  if (token == "$") return "last-id";
  return AsciiLower(token);
}

std::string JoinNames(const std::vector<DocArg>& args) {
  std::string out;
  for (const DocArg& a : args) {
    if (!out.empty()) out += '_';
    out += a.name;
  }
  return out;
}

class Typer {
 public:
  explicit Typer(bool has_keys) : has_keys_(has_keys) {}

  std::vector<DocArg> Seq(const std::vector<RawNode>& seq, bool in_group) {
    // Inside a group, "TOKEN a b..." is one block introduced by the token.
    if (in_group && seq.size() >= 3 && IsTokenNode(seq[0]) &&
        std::none_of(seq.begin() + 1, seq.end(), IsTokenNode)) {
      DocArg block;
      block.type = DocArg::Type::kBlock;
      block.token = seq[0].word;
      block.args = Seq(std::vector<RawNode>(seq.begin() + 1, seq.end()), false);
      block.name = JoinNames(block.args);
      return {std::move(block)};
    }
    std::vector<DocArg> out;
    for (size_t i = 0; i < seq.size(); ++i) {
      const RawNode& n = seq[i];
      if (IsEllipsis(n)) continue;  // a repetition marker we could not fold
      if (n.is_group) {
        out.push_back(Group(n));
        continue;
      }
      if (!IsTokenWord(n.word)) {
        out.push_back(Word(n.word));
        continue;
      }
      // A token introduces the next element unless that one is a token too
      // or optional on its own ("TOKEN [x]" keeps x optional).
      bool bind = i + 1 < seq.size() && !IsTokenNode(seq[i + 1]) && !IsEllipsis(seq[i + 1]) &&
                  !(seq[i + 1].is_group && seq[i + 1].optional);
      if (bind) {
        DocArg next = seq[i + 1].is_group ? Group(seq[i + 1]) : Word(seq[i + 1].word);
        if (next.token.empty()) {
          next.token = n.word;
          out.push_back(std::move(next));
          ++i;
          continue;
        }
      }
      DocArg t;
      t.type = DocArg::Type::kPureToken;
      t.token = n.word;
      t.name = TokenName(n.word);
      out.push_back(std::move(t));
    }
    return out;
  }

 private:
  DocArg Word(std::string_view w) {
    DocArg a;
    a.name = std::string(w);
    a.type = InferType(w, has_keys_);
    return a;
  }

  DocArg Alt(const std::vector<RawNode>& seq) {
    std::vector<DocArg> items = Seq(seq, true);
    if (items.size() == 1) return std::move(items[0]);
    DocArg block;
    block.type = DocArg::Type::kBlock;
    block.args = std::move(items);
    block.name = JoinNames(block.args);
    return block;
  }

  DocArg Group(const RawNode& g) {
    DocArg d;
    if (g.alts.size() > 1) {
      d.type = DocArg::Type::kOneOf;
      for (const auto& alt : g.alts) {
        if (!alt.empty()) d.args.push_back(Alt(alt));
      }
      d.name = JoinNames(d.args);
    } else if (!g.alts.empty()) {
      d = Alt(g.alts[0]);
    }
    if (g.optional) d.optional = true;
    if (g.multiple) {
      d.multiple = true;
      // The token was part of the repeated unit: it repeats with each value.
      if (!d.token.empty() && d.type != DocArg::Type::kPureToken) d.multiple_token = true;
    }
    return d;
  }

  bool has_keys_;
};

// --------------------------------------------------------------- replies

void ReplyDocArg(ReplyBuilder* rb, const DocArg& a, bool has_keys) {
  bool key_index = has_keys && a.type == DocArg::Type::kKey;
  std::vector<std::string_view> flags;
  if (a.optional) flags.push_back("optional");
  if (a.multiple) flags.push_back("multiple");
  if (a.multiple_token) flags.push_back("multiple_token");
  int64_t n = 2 + (key_index ? 1 : 0) + (a.token.empty() ? 0 : 1) + (flags.empty() ? 0 : 1) +
              (a.args.empty() ? 0 : 1);
  rb->MapHeader(n);
  rb->Bulk("name");
  rb->Bulk(a.name);
  rb->Bulk("type");
  rb->Bulk(DocArgTypeName(a.type));
  if (key_index) {
    rb->Bulk("key_spec_index");
    rb->Integer(0);
  }
  if (!a.token.empty()) {
    rb->Bulk("token");
    rb->Bulk(a.token == "\"\"" ? std::string_view() : std::string_view(a.token));
  }
  if (!flags.empty()) {
    rb->Bulk("flags");
    rb->SetHeader(static_cast<int64_t>(flags.size()));
    for (std::string_view f : flags) rb->SimpleString(f);
  }
  if (!a.args.empty()) {
    rb->Bulk("arguments");
    rb->ArrayHeader(static_cast<int64_t>(a.args.size()));
    for (const DocArg& c : a.args) ReplyDocArg(rb, c, has_keys);
  }
}

bool HasKeys(const CommandSpec& spec) { return spec.first_key > 0 || spec.keys_finder != nullptr; }

// One key spec: its flags, then begin_search and find_keys. `first` < 0
// makes it Redis's "unknown" spec (keys found by code: clients must ask
// COMMAND GETKEYS).
void ReplyKeySpec(ReplyBuilder* rb, uint16_t key_flags, int first, int lastkey, int step) {
  std::vector<std::string_view> flags = KeyFlagNames(key_flags);
  rb->MapHeader(3);
  rb->Bulk("flags");
  rb->SetHeader(static_cast<int64_t>(flags.size()));
  for (std::string_view f : flags) rb->SimpleString(f);
  if (first < 0) {
    for (std::string_view part : {"begin_search", "find_keys"}) {
      rb->Bulk(part);
      rb->MapHeader(2);
      rb->Bulk("type");
      rb->Bulk("unknown");
      rb->Bulk("spec");
      rb->MapHeader(0);
    }
    return;
  }
  rb->Bulk("begin_search");
  rb->MapHeader(2);
  rb->Bulk("type");
  rb->Bulk("index");
  rb->Bulk("spec");
  rb->MapHeader(1);
  rb->Bulk("index");
  rb->Integer(first);
  rb->Bulk("find_keys");
  rb->MapHeader(2);
  rb->Bulk("type");
  rb->Bulk("range");
  rb->Bulk("spec");
  rb->MapHeader(3);
  rb->Bulk("lastkey");
  rb->Integer(lastkey);
  rb->Bulk("keystep");
  rb->Integer(step);
  rb->Bulk("limit");
  rb->Integer(0);
}

// A key spec for keys found by code, as CodeKeySearch describes them.
void ReplyCodeKeySpec(ReplyBuilder* rb, uint16_t key_flags, const CodeKeySearch& k) {
  using Kind = CodeKeySearch::Kind;
  if (k.kind == Kind::kUnknown) return ReplyKeySpec(rb, key_flags, -1, 0, 0);
  if (k.incomplete) key_flags |= kKeyIncomplete;
  std::vector<std::string_view> flags = KeyFlagNames(key_flags);
  rb->MapHeader(3);
  rb->Bulk("flags");
  rb->SetHeader(static_cast<int64_t>(flags.size()));
  for (std::string_view f : flags) rb->SimpleString(f);
  rb->Bulk("begin_search");
  rb->MapHeader(2);
  rb->Bulk("type");
  if (k.kind == Kind::kKeynum) {
    rb->Bulk("index");
    rb->Bulk("spec");
    rb->MapHeader(1);
    rb->Bulk("index");
    rb->Integer(k.index);
  } else {
    rb->Bulk("keyword");
    rb->Bulk("spec");
    rb->MapHeader(2);
    rb->Bulk("keyword");
    rb->Bulk(k.keyword);
    rb->Bulk("startfrom");
    rb->Integer(k.startfrom);
  }
  rb->Bulk("find_keys");
  rb->MapHeader(2);
  rb->Bulk("type");
  if (k.kind == Kind::kKeynum) {
    rb->Bulk("keynum");
    rb->Bulk("spec");
    rb->MapHeader(3);
    rb->Bulk("keynumidx");
    rb->Integer(k.keynumidx);
    rb->Bulk("firstkey");
    rb->Integer(k.firstkey);
    rb->Bulk("keystep");
    rb->Integer(k.keystep);
  } else {
    rb->Bulk("range");
    rb->Bulk("spec");
    rb->MapHeader(3);
    rb->Bulk("lastkey");
    rb->Integer(k.lastkey);
    rb->Bulk("keystep");
    rb->Integer(k.keystep);
    rb->Bulk("limit");
    rb->Integer(k.limit);
  }
}

// The key specs of a command: one range from first_key (lastkey relative to
// it when counted from the front, as Redis writes it) and/or one unknown
// spec for keys found by code. A command whose first key is treated unlike
// the others (COPY, SUNIONSTORE, ZUNIONSTORE...) gets a spec for the first
// key and one for the rest, as Redis lists them.
void ReplyKeySpecs(ReplyBuilder* rb, const CommandSpec& spec) {
  const bool split = spec.key_flags != spec.other_key_flags;
  const int step = spec.key_step > 0 ? spec.key_step : 1;
  const bool range = spec.first_key > 0;
  const bool code = spec.keys_finder != nullptr;
  const bool more = range && (spec.last_key < 0 || spec.last_key > spec.first_key);
  // Split over a range alone: the first key, then the range after it.
  const bool split_range = split && range && !code && more;
  // Split with keys found by code: the range (or first unknown spec) takes
  // the first key's flags, an unknown spec the others'.
  const bool split_code = split && code;
  // Keys found by code that Redis describes (keynum, keyword) replace the
  // unknown spec(s).
  const std::vector<CodeKeySearch>* search = code ? CodeKeySearchOf(spec.name) : nullptr;
  const int code_specs = search != nullptr ? static_cast<int>(search->size())
                                           : (code ? 1 : 0) + (split_code && !range ? 1 : 0);
  const int n = (range ? 1 : 0) + (split_range ? 1 : 0) + code_specs;
  rb->SetHeader(n);
  if (range) {
    const int last = spec.last_key >= 0 ? spec.last_key - spec.first_key : spec.last_key;
    if (split_range) {
      ReplyKeySpec(rb, spec.key_flags, spec.first_key, 0, 1);
      const int second = spec.first_key + step;
      ReplyKeySpec(rb, spec.other_key_flags, second,
                   spec.last_key >= 0 ? spec.last_key - second : spec.last_key, step);
    } else {
      ReplyKeySpec(rb, spec.key_flags, spec.first_key, last, step);
    }
  }
  if (search != nullptr) {
    for (const CodeKeySearch& k : *search) {
      ReplyCodeKeySpec(rb, k.first_key_flags || !split_code ? spec.key_flags : spec.other_key_flags,
                       k);
    }
    return;
  }
  if (code) {
    if (split_code && !range) ReplyKeySpec(rb, spec.key_flags, -1, 0, 0);
    ReplyKeySpec(rb, split_code ? spec.other_key_flags : spec.key_flags, -1, 0, 0);
  }
}

}  // namespace

std::string_view DocArgTypeName(DocArg::Type t) {
  switch (t) {
    case DocArg::Type::kString:
      return "string";
    case DocArg::Type::kInteger:
      return "integer";
    case DocArg::Type::kDouble:
      return "double";
    case DocArg::Type::kKey:
      return "key";
    case DocArg::Type::kPattern:
      return "pattern";
    case DocArg::Type::kUnixTime:
      return "unix-time";
    case DocArg::Type::kPureToken:
      return "pure-token";
    case DocArg::Type::kOneOf:
      return "oneof";
    case DocArg::Type::kBlock:
      return "block";
  }
  return "string";
}

std::vector<DocArg> ParseSyntax(std::string_view syntax, bool has_keys,
                                const std::vector<std::string_view>& command_words) {
  RawParser parser(syntax);
  parser.SkipWords(command_words);
  std::vector<std::vector<RawNode>> alts = parser.ParseAlts(0);
  Typer typer(has_keys);
  if (alts.size() == 1) return typer.Seq(alts[0], false);
  // A bare top-level "a | b": one required oneof.
  RawNode g;
  g.is_group = true;
  g.alts = std::move(alts);
  return typer.Seq({g}, false);
}

std::vector<DocArg> CommandArguments(const CommandSpec& spec) {
  std::vector<std::string_view> words;
  std::string_view name = spec.name;
  size_t bar = name.find('|');
  words.push_back(name.substr(0, bar));
  if (bar != std::string_view::npos) words.push_back(name.substr(bar + 1));
  return ParseSyntax(spec.syntax, HasKeys(spec), words);
}

std::string RenderArguments(const std::vector<DocArg>& args) {
  // Mirrors redis-cli's hint builder so tests can compare with what users see.
  std::string out;
  std::function<void(const DocArg&)> render = [&](const DocArg& a) {
    std::string token = a.token == "\"\"" ? "\"\"" : a.token;
    std::string body;
    if (a.type == DocArg::Type::kOneOf || a.type == DocArg::Type::kBlock) {
      std::string saved = std::move(out);
      out.clear();
      for (size_t i = 0; i < a.args.size(); ++i) {
        if (i > 0) out += a.type == DocArg::Type::kOneOf ? "|" : " ";
        render(a.args[i]);
      }
      body = std::move(out);
      out = std::move(saved);
    } else if (a.type != DocArg::Type::kPureToken) {
      body = a.name.empty() ? "\"\"" : a.name;
    }
    if (!token.empty() && a.type != DocArg::Type::kPureToken) token += ' ';
    if (a.optional) out += '[';
    out += token;
    out += body;
    if (a.multiple) {
      out += " [";
      if (a.multiple_token) out += token;
      out += body;
      out += " ...]";
    }
    if (a.optional) out += ']';
  };
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out += ' ';
    render(args[i]);
  }
  return out;
}

std::vector<std::string> AclCategories(const CommandSpec& spec) {
  std::vector<std::string> out;
  if (!spec.acl_categories.empty()) {
    std::string_view s = spec.acl_categories;
    while (!s.empty()) {
      size_t sp = s.find(' ');
      std::string_view w = s.substr(0, sp);
      if (!w.empty()) out.emplace_back(w);
      if (sp == std::string_view::npos) break;
      s.remove_prefix(sp + 1);
    }
    return out;
  }
  if (!spec.subcommands.empty()) return {"@slow"};
  // Derived in Redis's category order: keyspace read write set sortedset list
  // hash string bitmap hyperloglog geo stream pubsub admin fast slow blocking
  // dangerous connection transaction scripting.
  static constexpr std::pair<std::string_view, std::string_view> kGroups[] = {
      {"generic", "@keyspace"},
      {"set", "@set"},
      {"sorted-set", "@sortedset"},
      {"list", "@list"},
      {"hash", "@hash"},
      {"string", "@string"},
      {"bitmap", "@bitmap"},
      {"hyperloglog", "@hyperloglog"},
      {"geo", "@geo"},
      {"stream", "@stream"}};
  std::string_view group = spec.group;
  if (group == "generic") out.emplace_back("@keyspace");
  if (spec.flags & kCmdReadOnly) out.emplace_back("@read");
  if (spec.flags & kCmdWrite) out.emplace_back("@write");
  for (const auto& [g, cat] : kGroups) {
    if (g != "generic" && group == g) out.emplace_back(cat);
  }
  if ((spec.flags & kCmdPubSub) || group == "pubsub") out.emplace_back("@pubsub");
  if (spec.flags & kCmdAdmin) out.emplace_back("@admin");
  out.emplace_back((spec.flags & kCmdFast) ? "@fast" : "@slow");
  if (spec.flags & kCmdBlocking) out.emplace_back("@blocking");
  if (spec.flags & kCmdAdmin) out.emplace_back("@dangerous");
  if (group == "connection") out.emplace_back("@connection");
  if (group == "transactions") out.emplace_back("@transaction");
  if (group == "scripting") out.emplace_back("@scripting");
  return out;
}

const CommandSpec* FindByFullName(const CommandTable& table, std::string_view name) {
  size_t bar = name.find('|');
  const CommandSpec* spec = table.Find(name.substr(0, bar));
  if (spec == nullptr || bar == std::string_view::npos) return spec;
  return CommandTable::FindSub(*spec, name.substr(bar + 1));
}

void ReplyCommandInfo(ReplyBuilder* rb, const CommandSpec& spec) {
  rb->ArrayHeader(10);
  rb->Bulk(spec.name);
  rb->Integer(spec.arity);
  uint32_t flags = spec.flags;
  if (spec.keys_finder != nullptr) flags |= kCmdMovableKeys;
  std::vector<std::string_view> names = CommandFlagNames(flags);
  rb->SetHeader(static_cast<int64_t>(names.size()));
  for (std::string_view f : names) rb->SimpleString(f);
  rb->Integer(spec.first_key);
  rb->Integer(spec.last_key);
  rb->Integer(spec.key_step);
  std::vector<std::string> cats = AclCategories(spec);
  rb->SetHeader(static_cast<int64_t>(cats.size()));
  for (const std::string& c : cats) rb->SimpleString(c);
  const std::vector<std::string_view>& tips = CommandTipsOf(spec.name);
  rb->SetHeader(static_cast<int64_t>(tips.size()));
  for (std::string_view t : tips) rb->Bulk(t);
  ReplyKeySpecs(rb, spec);
  rb->SetHeader(static_cast<int64_t>(spec.subcommands.size()));
  for (const CommandSpec& sub : spec.subcommands) ReplyCommandInfo(rb, sub);
}

void ReplyCommandDocs(ReplyBuilder* rb, const CommandSpec& spec) {
  std::vector<DocArg> args = CommandArguments(spec);
  int64_t n = 4 + (args.empty() ? 0 : 1) + (spec.subcommands.empty() ? 0 : 1);
  rb->MapHeader(n);
  // redis-cli asserts these are bulk strings and dereferences group: never
  // leave one out.
  rb->Bulk("summary");
  rb->Bulk(spec.summary);
  rb->Bulk("since");
  rb->Bulk(spec.since.empty() ? std::string_view("1.0.0") : spec.since);
  rb->Bulk("group");
  rb->Bulk(spec.group.empty() ? std::string_view("generic") : spec.group);
  rb->Bulk("complexity");
  rb->Bulk(spec.complexity);
  if (!args.empty()) {
    bool has_keys = HasKeys(spec);
    rb->Bulk("arguments");
    rb->ArrayHeader(static_cast<int64_t>(args.size()));
    for (const DocArg& a : args) ReplyDocArg(rb, a, has_keys);
  }
  if (!spec.subcommands.empty()) {
    rb->Bulk("subcommands");
    rb->MapHeader(static_cast<int64_t>(spec.subcommands.size()));
    for (const CommandSpec& sub : spec.subcommands) {
      rb->Bulk(sub.name);
      ReplyCommandDocs(rb, sub);
    }
  }
}

}  // namespace shoal
