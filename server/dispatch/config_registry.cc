// ConfigRegistry implementation: typed bindings, Redis's memory-size syntax,
// glob lookup for CONFIG GET.
#include "server/dispatch/config_registry.h"
#include "base/strings.h"

#include <charconv>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/dispatch/glob_match.h"

namespace shoal {

ConfigRegistry::ConfigRegistry(RuntimeConfig* rc) : rc_(rc) {}

void ConfigRegistry::Add(Param p) {
  absl::MutexLock l(&mu_);
  params_.push_back(std::move(p));
}

void ConfigRegistry::AddStartupString(std::string name, std::string initial,
                                      std::function<absl::Status(std::string_view)> validate) {
  AddString(name, std::move(initial), /*mutable_at_runtime=*/true, std::move(validate));
  MarkStartupOnly(name);
}

ConfigRegistry::Setter ConfigRegistry::OneOf(std::vector<std::string> values) {
  return [values = std::move(values)](std::string_view v) -> absl::Status {
    for (const std::string& a : values) {
      if (EqualsIgnoreCase(v, a)) return absl::OkStatus();
    }
    return absl::InvalidArgumentError(
        StrCat("argument(s) must be one of the following: ", absl::StrJoin(values, ", ")));
  };
}

void ConfigRegistry::MarkStartupOnly(std::string_view name) {
  absl::MutexLock l(&mu_);
  for (Param& p : params_) {
    if (p.name == name) p.startup_only = true;
  }
}

void ConfigRegistry::AddAlias(std::string_view name, std::string alias) {
  absl::MutexLock l(&mu_);
  for (Param& p : params_) {
    if (p.name == name) p.aliases.push_back(std::move(alias));
  }
}

bool ConfigRegistry::ParseMemory(std::string_view s, int64_t* out) {
  std::string lower = AsciiLower(s);
  int64_t mul = 1;
  auto ends = [&](std::string_view suf) {
    return lower.size() > suf.size() && lower.compare(lower.size() - suf.size(), suf.size(), suf) == 0;
  };
  static constexpr std::pair<std::string_view, int64_t> kUnits[] = {
      {"kb", 1024}, {"mb", 1024 * 1024}, {"gb", 1024LL * 1024 * 1024},
      {"k", 1000},  {"m", 1000 * 1000},  {"g", 1000LL * 1000 * 1000}};
  for (const auto& [suf, m] : kUnits) {
    if (ends(suf)) {
      mul = m;
      lower.resize(lower.size() - suf.size());
      break;
    }
  }
  int64_t v;
  auto [ptr, ec] = std::from_chars(lower.data(), lower.data() + lower.size(), v);
  if (ec != std::errc() || ptr != lower.data() + lower.size() || lower.empty()) return false;
  if (v != 0 && (v * mul) / mul != v) return false;
  *out = v * mul;
  return true;
}

void ConfigRegistry::AddInt(std::string name, std::atomic<int64_t>* v, int64_t min, int64_t max,
                            bool is_memory, bool mutable_at_runtime) {
  Param p;
  p.name = name;
  p.get = [v] { return StrCat(v->load()); };
  if (mutable_at_runtime) {
    p.set = [v, min, max, is_memory](std::string_view s) -> absl::Status {
      int64_t x;
      bool ok = is_memory ? ParseMemory(s, &x) : SimpleAtoi(s, &x);
      if (!ok) {
        return absl::InvalidArgumentError(is_memory ? "argument must be a memory value"
                                                    : "argument couldn't be parsed into an integer");
      }
      if (x < min || x > max) {
        return absl::InvalidArgumentError(
            StrCat("argument must be between ", min, " and ", max, " inclusive"));
      }
      v->store(x);
      return absl::OkStatus();
    };
  }
  Add(std::move(p));
}

void ConfigRegistry::AddBool(std::string name, std::atomic<bool>* v, bool mutable_at_runtime) {
  Param p;
  p.name = name;
  p.get = [v] { return std::string(v->load() ? "yes" : "no"); };
  if (mutable_at_runtime) {
    p.set = [v](std::string_view s) -> absl::Status {
      std::string l = AsciiLower(s);
      if (l == "yes") {
        v->store(true);
      } else if (l == "no") {
        v->store(false);
      } else {
        return absl::InvalidArgumentError("argument must be 'yes' or 'no'");
      }
      return absl::OkStatus();
    };
  }
  Add(std::move(p));
}

void ConfigRegistry::AddString(std::string name, std::string initial, bool mutable_at_runtime,
                               std::function<absl::Status(std::string_view)> validate) {
  auto cell = std::make_unique<std::pair<absl::Mutex, std::string>>();
  cell->second = std::move(initial);
  auto* c = cell.get();
  {
    absl::MutexLock l(&mu_);
    strings_.push_back(std::move(cell));
  }
  Param p;
  p.name = name;
  p.get = [c] {
    absl::MutexLock l(&c->first);
    return c->second;
  };
  if (mutable_at_runtime) {
    p.set = [c, validate](std::string_view s) -> absl::Status {
      if (validate) {
        absl::Status st = validate(s);
        if (!st.ok()) return st;
      }
      absl::MutexLock l(&c->first);
      c->second = std::string(s);
      return absl::OkStatus();
    };
  }
  Add(std::move(p));
}

const ConfigRegistry::Param* ConfigRegistry::FindParam(std::string_view name) const {
  std::string lower = AsciiLower(name);
  for (const Param& p : params_) {
    if (p.name == lower) return &p;
    for (const std::string& a : p.aliases) {
      if (a == lower) return &p;
    }
  }
  return nullptr;
}

std::vector<std::pair<std::string, std::string>> ConfigRegistry::Get(
    std::string_view pattern) const {
  absl::MutexLock l(&mu_);
  std::vector<std::pair<std::string, std::string>> out;
  for (const Param& p : params_) {
    if (p.hidden) continue;
    if (GlobMatch(pattern, p.name, /*nocase=*/true)) {
      out.emplace_back(p.name, p.get());
      continue;
    }
    for (const std::string& a : p.aliases) {
      if (GlobMatch(pattern, a, true)) {
        out.emplace_back(a, p.get());
        break;
      }
    }
  }
  return out;
}

absl::Status ConfigRegistry::Set(std::string_view name, std::string_view value) {
  Setter set;
  {
    absl::MutexLock l(&mu_);
    const Param* p = FindParam(name);
    if (p == nullptr) return absl::NotFoundError("Unknown option or number of arguments");
    if (!p->set) return absl::FailedPreconditionError("can't set immutable config");
    set = p->set;
  }
  return set(value);
}

bool ConfigRegistry::Known(std::string_view name) const {
  absl::MutexLock l(&mu_);
  return FindParam(name) != nullptr;
}

bool ConfigRegistry::IsMutable(std::string_view name) const {
  absl::MutexLock l(&mu_);
  const Param* p = FindParam(name);
  return p != nullptr && p->set != nullptr && !p->startup_only;
}

std::string ConfigRegistry::Value(std::string_view name) const {
  Getter get;
  {
    absl::MutexLock l(&mu_);
    const Param* p = FindParam(name);
    if (p == nullptr) return "";
    get = p->get;
  }
  return get();
}

ConfigRegistry::Apply ConfigRegistry::ApplyHook(std::string_view name) const {
  absl::MutexLock l(&mu_);
  const Param* p = FindParam(name);
  return p == nullptr ? nullptr : p->apply;
}

std::vector<std::string> ConfigRegistry::RepeatedDirectives() const {
  absl::MutexLock l(&mu_);
  std::vector<std::string> out;
  for (const Param& p : params_) {
    if (p.rewrite_lines) out.push_back(p.name);
  }
  return out;
}

bool ConfigRegistry::RewriteLines(std::string_view name, std::vector<std::string>* lines) const {
  std::function<std::vector<std::string>()> fn;
  {
    absl::MutexLock l(&mu_);
    const Param* p = FindParam(name);
    if (p == nullptr || !p->rewrite_lines) return false;
    fn = p->rewrite_lines;
  }
  *lines = fn();
  return true;
}

}  // namespace shoal
