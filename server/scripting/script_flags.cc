// Shebang and flag parsing, with Redis 7's error texts.
#include "server/scripting/script_flags.h"

#include "base/strings.h"
#include "absl/strings/str_split.h"

namespace shoal {

const std::vector<ScriptFlagName>& ScriptFlagNames() {
  static const auto* names = new std::vector<ScriptFlagName>{
      {"no-writes", kScriptNoWrites},
      {"allow-oom", kScriptAllowOom},
      {"allow-stale", kScriptAllowStale},
      {"no-cluster", kScriptNoCluster},
      {"allow-cross-slot-keys", kScriptAllowCrossSlot},
  };
  return *names;
}

uint32_t ScriptFlagByName(std::string_view name) {
  for (const ScriptFlagName& f : ScriptFlagNames()) {
    if (f.name == name) return f.flag;
  }
  return 0;
}

bool ParseShebang(std::string_view body, uint32_t* flags, size_t* shebang_len, std::string* err) {
  *flags = 0;
  *shebang_len = 0;
  if (body.substr(0, 2) != "#!") {
    *flags = kScriptNoShebang;
    return true;
  }
  size_t eol = body.find('\n');
  std::string_view line = body.substr(0, eol == std::string_view::npos ? body.size() : eol);
  *shebang_len = line.size();
  std::vector<absl::string_view> parts = absl::StrSplit(ToAbsl(line), ' ', absl::SkipEmpty());
  if (parts.empty() || ToStd(parts[0]) != "#!lua") {
    *err = StrCat("ERR Unexpected engine in script shebang: ",
                        parts.empty() ? std::string_view() : ToStd(parts[0]));
    return false;
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    std::string_view p = ToStd(parts[i]);
    if (p.substr(0, 6) != "flags=") {
      *err = StrCat("ERR Unknown lua shebang option: ", p);
      return false;
    }
    p.remove_prefix(6);
    for (absl::string_view piece : absl::StrSplit(ToAbsl(p), ',', absl::SkipEmpty())) {
      std::string_view name = ToStd(piece);
      uint32_t f = ScriptFlagByName(name);
      if (f == 0) {
        *err = StrCat("ERR Unexpected flag in script shebang: ", name);
        return false;
      }
      *flags |= f;
    }
  }
  return true;
}

}  // namespace shoal
