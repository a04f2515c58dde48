// The server family: INFO, CONFIG, COMMAND, TIME, LASTSAVE, SHUTDOWN here;
// MEMORY and MODULE in server_memory_family.cc (server_family.h).
//
// These commands read the server rather than the keyspace: the command
// table (COMMAND, through command_docs), the configuration registry (CONFIG),
// the counters (INFO, through info_section). Only MEMORY USAGE touches a key,
// and the dispatcher holds that key's stripe for it; the others take no
// stripe lock at all.
//
// CONFIG SET is all-or-nothing as in Redis 7: every name is checked first
// (unknown, immutable, duplicate), then the values are applied in order and,
// when one is refused, those already applied are restored.
//
// CONFIG REWRITE rewrites the config file the server was started with:
// directive lines of mutable parameters get their current values, comments
// and other lines are kept, and parameters changed by CONFIG SET that the
// file did not mention are appended. Repeated directives (`user`) are
// rewritten as a whole, as Redis does: the current users (as ACL LIST
// prints them) take the places of the old `user` lines in order, surplus
// old lines are dropped and further users appended. The file is replaced
// atomically.
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "base/strings.h"
#include "server/commands/families.h"
#include "server/commands/server_family.h"
#include "server/dispatch/arg_parse.h"
#include "server/dispatch/command_context.h"
#include "server/dispatch/command_docs.h"
#include "server/dispatch/key_flags.h"
#include "server/dispatch/glob_match.h"
#include "server/dispatch/info_section.h"
#include "server/events/blocking.h"
#include "server/events/pubsub.h"
#include "server/events/tracking.h"

namespace shoal {

namespace server_family {

void ReplyHelp(CommandContext& ctx, std::string_view command,
               std::initializer_list<std::string_view> lines) {
  ctx.reply->ArrayHeader(static_cast<int64_t>(lines.size()) + 3);
  ctx.reply->SimpleString(
      StrCat(command, " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"));
  for (std::string_view l : lines) ctx.reply->SimpleString(l);
  ctx.reply->SimpleString("HELP");
  ctx.reply->SimpleString("    Prints this help.");
}

void ContainerArity(CommandContext& ctx, CmdArgs args) {
  ctx.Error(WrongArityText(ctx.spec->name));
}

}  // namespace server_family

namespace {

using server_family::ContainerArity;
using server_family::kLoadingStale;
using server_family::ReplyHelp;

// ------------------------------------------------------------------ INFO

}  // namespace

// The figures INFO shows of the registries that cross workers (also read by
// the metrics endpoint, through families.h).
EventCounts CountEvents(ServerState& server) {
  EventCounts c;
  c.blocked_clients = server.blocking().blocked_clients();
  PubSubRegistry& pubsub = server.pubsub();
  c.pubsub_channels = pubsub.ActiveChannels(SubKind::kChannel, "", false).size();
  c.pubsub_patterns = pubsub.NumPatterns();
  c.pubsubshard_channels = pubsub.ActiveChannels(SubKind::kShard, "", false).size();
  if (ClientTracking* t = TrackingOf(server)) {
    ClientTracking::Stats ts = t->stats();
    c.tracking_clients = ts.clients;
    c.tracking_total_keys = ts.keys;
    c.tracking_total_items = ts.items;
    c.tracking_total_prefixes = ts.prefixes;
  }
  return c;
}

namespace {

void Info(CommandContext& ctx, CmdArgs args) {
  std::string text = BuildInfo(*ctx.server, *ctx.store, CountEvents(*ctx.server), args.subspan(1));
  ctx.reply->Verbatim("txt", text);
}

// ---------------------------------------------------------------- CONFIG

// Parameters changed by CONFIG SET since start-up, for CONFIG REWRITE.
absl::Mutex g_changed_mu;
std::set<std::string>& ChangedParams() {
  static auto* s = new std::set<std::string>();
  return *s;
}

bool HasGlob(std::string_view s) { return s.find_first_of("*?[") != std::string_view::npos; }

void ConfigGet(CommandContext& ctx, CmdArgs args) {
  ConfigRegistry& reg = ctx.server->config();
  std::vector<std::pair<std::string, std::string>> out;
  absl::flat_hash_set<std::string> seen;
  for (size_t i = 2; i < args.size(); ++i) {
    std::string_view pattern = args[i];
    if (!HasGlob(pattern)) {
      // Redis answers a plain name under the spelling it was asked with.
      if (reg.Known(pattern) && seen.insert(AsciiLower(pattern)).second) {
        out.emplace_back(std::string(pattern), reg.Value(pattern));
      }
      continue;
    }
    for (auto& [name, value] : reg.Get(pattern)) {
      if (seen.insert(name).second) out.emplace_back(std::move(name), std::move(value));
    }
  }
  ctx.reply->MapHeader(static_cast<int64_t>(out.size()));
  for (const auto& [name, value] : out) {
    ctx.reply->Bulk(name);
    ctx.reply->Bulk(value);
  }
}

std::string SetFailedText(std::string_view name, std::string_view why) {
  return StrCat("ERR CONFIG SET failed (possibly related to argument '", name, "') - ", why);
}

void ConfigSet(CommandContext& ctx, CmdArgs args) {
  if (args.size() % 2 != 0) return ctx.Error(kErrSyntax);
  ConfigRegistry& reg = ctx.server->config();
  absl::flat_hash_set<std::string> names;
  for (size_t i = 2; i < args.size(); i += 2) {
    std::string_view name = args[i];
    if (!reg.Known(name)) {
      return ctx.Error(
          StrCat("ERR Unknown option or number of arguments for CONFIG SET - '", name, "'"));
    }
    if (!reg.IsMutable(name)) return ctx.Error(SetFailedText(name, "can't set immutable config"));
    if (!names.insert(AsciiLower(name)).second) {
      return ctx.Error(SetFailedText(name, "duplicate parameter"));
    }
  }
  std::vector<std::pair<std::string_view, std::string>> applied;  // name, old value
  // Apply hooks (config_registry.h), once each, after every value is set.
  std::vector<std::pair<std::string_view, ConfigRegistry::Apply>> hooks;
  auto run_hooks = [&hooks]() -> std::pair<std::string_view, absl::Status> {
    for (const auto& [name, hook] : hooks) {
      absl::Status st = (*hook)();
      if (!st.ok()) return {name, st};
    }
    return {std::string_view(), absl::OkStatus()};
  };
  auto roll_back = [&] {
    for (auto it = applied.rbegin(); it != applied.rend(); ++it) {
      reg.Set(it->first, it->second).IgnoreError();
    }
    run_hooks();
  };
  for (size_t i = 2; i < args.size(); i += 2) {
    std::string old = reg.Value(args[i]);
    absl::Status st = reg.Set(args[i], args[i + 1]);
    if (!st.ok()) {
      roll_back();
      return ctx.Error(SetFailedText(args[i], ToStd(st.message())));
    }
    applied.emplace_back(args[i], std::move(old));
    if (ConfigRegistry::Apply hook = reg.ApplyHook(args[i])) {
      bool seen = false;
      for (const auto& h : hooks) seen = seen || h.second == hook;
      if (!seen) hooks.emplace_back(args[i], std::move(hook));
    }
  }
  if (auto [name, st] = run_hooks(); !st.ok()) {
    roll_back();
    return ctx.Error(SetFailedText(name, ToStd(st.message())));
  }
  {
    absl::MutexLock l(&g_changed_mu);
    for (const std::string& n : names) ChangedParams().insert(n);
  }
  ctx.reply->Ok();
}

void ConfigResetStat(CommandContext& ctx, CmdArgs args) {
  ctx.server->ResetStats();
  ctx.store->ResetStats();
  ResetInfoHistory();
  ctx.reply->Ok();
}

// A value as a config file line holds it: bare when it reads back the same
// (words separated by single spaces), quoted with escapes otherwise.
std::string QuoteConfigValue(std::string_view v) {
  bool bare =
      !v.empty() && v.front() != ' ' && v.back() != ' ' && v.find("  ") == std::string_view::npos;
  for (char c : v) {
    if (c == '"' || c == '\'' || c == '\\' || c == '#' || c < 0x20 || c == 0x7f) bare = false;
  }
  if (bare) return std::string(v);
  std::string out = "\"";
  for (unsigned char c : v) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          char buf[8];
          snprintf(buf, sizeof(buf), "\\x%02x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out += '"';
  return out;
}

absl::Status RewriteConfigFile(const std::string& path, ConfigRegistry& reg) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(StrCat("can't open ", path));
  std::set<std::string> pending;
  {
    absl::MutexLock l(&g_changed_mu);
    pending = ChangedParams();
  }
  std::set<std::string> written;
  struct Repeated {
    std::vector<std::string> lines;
    size_t next = 0;
  };
  std::map<std::string, Repeated> repeated;
  for (const std::string& name : reg.RepeatedDirectives()) {
    reg.RewriteLines(name, &repeated[name].lines);
  }
  std::ostringstream out;
  std::string line;
  while (std::getline(in, line)) {
    std::string_view l = line;
    size_t start = l.find_first_not_of(" \t");
    if (start == std::string_view::npos || l[start] == '#') {
      out << line << '\n';
      continue;
    }
    std::string_view rest = l.substr(start);
    std::string name = AsciiLower(rest.substr(0, rest.find_first_of(" \t")));
    for (char& c : name) {
      if (c == '_') c = '-';
    }
    if (auto it = repeated.find(name); it != repeated.end()) {
      // The current values take the places of the old lines, in order;
      // old lines beyond them go, values beyond them are appended.
      if (it->second.next < it->second.lines.size()) {
        out << name << ' ' << it->second.lines[it->second.next++] << '\n';
      }
      continue;
    }
    if (!reg.Known(name) || !reg.IsMutable(name)) {
      out << line << '\n';
      continue;
    }
    if (!written.insert(name).second) continue;  // later duplicates fold into the first
    out << name << ' ' << QuoteConfigValue(reg.Value(name)) << '\n';
  }
  for (const std::string& name : pending) {
    if (written.count(name) == 0) out << name << ' ' << QuoteConfigValue(reg.Value(name)) << '\n';
  }
  for (auto& [name, r] : repeated) {
    for (; r.next < r.lines.size(); ++r.next) out << name << ' ' << r.lines[r.next] << '\n';
  }
  std::string tmp = StrCat(path, ".shoal-rewrite.tmp");
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << out.str();
    f.flush();
    if (!f) return absl::InternalError(StrCat("can't write ", tmp));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return absl::InternalError(StrCat("can't rename ", tmp, " to ", path));
  }
  return absl::OkStatus();
}

void ConfigRewrite(CommandContext& ctx, CmdArgs args) {
  const std::string& path = ctx.server->info().config_file;
  if (path.empty()) return ctx.Error("ERR The server is running without a config file");
  absl::Status st = RewriteConfigFile(path, ctx.server->config());
  if (!st.ok()) return ctx.Error(StrCat("ERR Rewriting config file: ", ToStd(st.message())));
  ctx.reply->Ok();
}

void ConfigHelp(CommandContext& ctx, CmdArgs args) {
  // redis-server 7.0.15's text, line for line.
  ReplyHelp(ctx, "CONFIG",
            {"GET <pattern>",
             "    Return parameters matching the glob-like <pattern> and their values.",
             "SET <directive> <value>", "    Set the configuration <directive> to <value>.",
             "RESETSTAT", "    Reset statistics reported by the INFO command.", "REWRITE",
             "    Rewrite the configuration file."});
}

// --------------------------------------------------------------- COMMAND

void CommandAll(CommandContext& ctx, CmdArgs args) {
  const auto& all = ctx.server->table().all();
  ctx.reply->ArrayHeader(static_cast<int64_t>(all.size()));
  for (const CommandSpec* spec : all) ReplyCommandInfo(ctx.reply, *spec);
}

void CommandCount(CommandContext& ctx, CmdArgs args) {
  ctx.reply->Integer(static_cast<int64_t>(ctx.server->table().all().size()));
}

void CommandInfo(CommandContext& ctx, CmdArgs args) {
  if (args.size() == 2) return CommandAll(ctx, args);
  ctx.reply->ArrayHeader(static_cast<int64_t>(args.size()) - 2);
  for (size_t i = 2; i < args.size(); ++i) {
    const CommandSpec* spec = FindByFullName(ctx.server->table(), args[i]);
    if (spec == nullptr) {
      ctx.reply->NullBulk();
    } else {
      ReplyCommandInfo(ctx.reply, *spec);
    }
  }
}

void CommandDocs(CommandContext& ctx, CmdArgs args) {
  const CommandTable& table = ctx.server->table();
  std::vector<const CommandSpec*> specs;
  if (args.size() == 2) {
    specs = table.all();
  } else {
    for (size_t i = 2; i < args.size(); ++i) {
      const CommandSpec* spec = FindByFullName(table, args[i]);
      if (spec != nullptr) specs.push_back(spec);  // unknown names are left out
    }
  }
  ctx.reply->MapHeader(static_cast<int64_t>(specs.size()));
  for (const CommandSpec* spec : specs) {
    ctx.reply->Bulk(spec->name);
    ReplyCommandDocs(ctx.reply, *spec);
  }
}

void CommandList(CommandContext& ctx, CmdArgs args) {
  enum class Filter { kNone, kModule, kAclCat, kPattern } filter = Filter::kNone;
  std::string_view value;
  if (args.size() == 5 && ArgIs(args[2], "filterby")) {
    value = args[4];
    if (ArgIs(args[3], "module")) {
      filter = Filter::kModule;
    } else if (ArgIs(args[3], "aclcat")) {
      filter = Filter::kAclCat;
    } else if (ArgIs(args[3], "pattern")) {
      filter = Filter::kPattern;
    } else {
      return ctx.Error(kErrSyntax);
    }
  } else if (args.size() != 2) {
    return ctx.Error(kErrSyntax);
  }
  std::string category = StrCat("@", AsciiLower(value));
  auto keep = [&](const CommandSpec& spec) {
    switch (filter) {
      case Filter::kNone:
        return true;
      case Filter::kModule:
        return false;  // Shoal loads no modules
      case Filter::kAclCat:
        for (const std::string& c : AclCategories(spec)) {
          if (c == category) return true;
        }
        return false;
      case Filter::kPattern:
        return GlobMatch(value, spec.name, /*nocase=*/true);
    }
    return false;
  };
  std::vector<std::string_view> names;
  for (const CommandSpec* spec : ctx.server->table().all()) {
    if (keep(*spec)) names.push_back(spec->name);
    for (const CommandSpec& sub : spec->subcommands) {
      if (keep(sub)) names.push_back(sub.name);
    }
  }
  ctx.reply->ArrayHeader(static_cast<int64_t>(names.size()));
  for (std::string_view n : names) ctx.reply->Bulk(n);
}

// Resolves the command of COMMAND GETKEYS[ANDFLAGS] and its key indexes;
// replies the error and returns null when there is none.
const CommandSpec* KeysOf(CommandContext& ctx, CmdArgs cmd, std::vector<int>* keys) {
  const CommandSpec* spec = ctx.server->table().Find(cmd[0]);
  if (spec != nullptr && !spec->subcommands.empty() && cmd.size() >= 2) {
    spec = CommandTable::FindSub(*spec, cmd[1]);
  }
  if (spec == nullptr) {
    ctx.Error("ERR Invalid command specified");
    return nullptr;
  }
  int argc = static_cast<int>(cmd.size());
  if (spec->arity >= 0 ? argc != spec->arity : argc < -spec->arity) {
    ctx.Error("ERR Invalid number of arguments specified for command");
    return nullptr;
  }
  if (spec->first_key <= 0 && spec->keys_finder == nullptr) {
    ctx.Error("ERR The command has no key arguments");
    return nullptr;
  }
  if (!CommandTable::KeyIndexes(*spec, cmd, keys)) {
    ctx.Error("ERR Invalid arguments specified for command");
    return nullptr;
  }
  return spec;
}

void CommandGetKeys(CommandContext& ctx, CmdArgs args) {
  CmdArgs cmd = args.subspan(2);
  std::vector<int> keys;
  if (KeysOf(ctx, cmd, &keys) == nullptr) return;
  ctx.reply->ArrayHeader(static_cast<int64_t>(keys.size()));
  for (int i : keys) ctx.reply->Bulk(cmd[i]);
}

void CommandGetKeysAndFlags(CommandContext& ctx, CmdArgs args) {
  CmdArgs cmd = args.subspan(2);
  std::vector<int> keys;
  const CommandSpec* spec = KeysOf(ctx, cmd, &keys);
  if (spec == nullptr) return;
  ctx.reply->ArrayHeader(static_cast<int64_t>(keys.size()));
  for (size_t k = 0; k < keys.size(); ++k) {
    std::vector<std::string_view> flags = KeyFlagNames(KeyFlagsOf(*spec, cmd, k));
    ctx.reply->ArrayHeader(2);
    ctx.reply->Bulk(cmd[keys[k]]);
    ctx.reply->SetHeader(static_cast<int64_t>(flags.size()));
    for (std::string_view f : flags) ctx.reply->SimpleString(f);
  }
}

void CommandHelp(CommandContext& ctx, CmdArgs args) {
  // redis-server 7.0.15's text, line for line.
  ReplyHelp(ctx, "COMMAND",
            {"(no subcommand)", "    Return details about all Redis commands.", "COUNT",
             "    Return the total number of commands in this Redis server.", "LIST",
             "    Return a list of all commands in this Redis server.",
             "INFO [<command-name> ...]", "    Return details about multiple Redis commands.",
             "    If no command names are given, documentation details for all",
             "    commands are returned.", "DOCS [<command-name> ...]",
             "    Return documentation details about multiple Redis commands.",
             "    If no command names are given, documentation details for all",
             "    commands are returned.", "GETKEYS <full-command>",
             "    Return the keys from a full Redis command.", "GETKEYSANDFLAGS <full-command>",
             "    Return the keys and the access flags from a full Redis command."});
}

// -------------------------------------------------- TIME, LASTSAVE, SHUTDOWN

void Time(CommandContext& ctx, CmdArgs args) {
  int64_t us = ctx.store->clock().NowUs();
  ctx.reply->ArrayHeader(2);
  ctx.reply->Bulk(StrCat(us / 1'000'000));
  ctx.reply->Bulk(StrCat(us % 1'000'000));
}

void LastSave(CommandContext& ctx, CmdArgs args) {
  // Nothing is ever saved: the last "save" is the empty dataset at start-up.
  ctx.reply->Integer(ctx.server->info().start_ms / 1000);
}

void Shutdown(CommandContext& ctx, CmdArgs args) {
  bool nosave = false, save = false, abort = false, other = false, now = false;
  for (size_t i = 1; i < args.size(); ++i) {
    if (ArgIs(args[i], "nosave")) {
      nosave = true;
    } else if (ArgIs(args[i], "save")) {
      save = true;
    } else if (ArgIs(args[i], "now") || ArgIs(args[i], "force")) {
      other = true;
      now = now || ArgIs(args[i], "now");
    } else if (ArgIs(args[i], "abort")) {
      abort = true;
    } else {
      return ctx.Error(kErrSyntax);
    }
  }
  if ((nosave && save) || (abort && (nosave || save || other))) return ctx.Error(kErrSyntax);
  if (abort) {
    if (ctx.server->abort_shutdown && ctx.server->abort_shutdown()) return ctx.reply->Ok();
    return ctx.Error("ERR No shutdown in progress.");
  }
  if (!ctx.server->request_shutdown) return ctx.Error("ERR Errors trying to SHUTDOWN. Check logs.");
  // Like redis-server, no reply: the client sees the connection close.
  ctx.client->close_after_reply = true;
  // NOW stops at once; otherwise lagging replicas get shutdown-timeout to
  // catch up (FORCE changes nothing here: nothing is saved that could fail).
  if (now || !ctx.server->request_graceful_shutdown) {
    ctx.server->request_shutdown();
  } else {
    ctx.server->request_graceful_shutdown();
  }
}

// --------------------------------------------------------- registration

constexpr uint32_t kAdminCfg = kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale;

}  // namespace

void RegisterServerCommands(CommandTable* table) {
  table->Register(MakeSpec("info", -1, kLoadingStale, {}, Info,
                           {.group = "server",
                            .since = "1.0.0",
                            .summary = "Returns information and statistics about the server.",
                            .complexity = "O(1)",
                            .syntax = "[section [section ...]]",
                            .acl_categories = "@slow @dangerous"}));

  constexpr std::string_view kCfgAcl = "@admin @slow @dangerous";
  CommandSpec config = MakeSpec("config", -2, 0, {}, ContainerArity,
                                {.group = "server",
                                 .since = "2.0.0",
                                 .summary = "A container for server configuration commands.",
                                 .complexity = "Depends on subcommand.",
                                 .acl_categories = "@slow"});
  config.subcommands = {
      MakeSpec("config|get", -3, kAdminCfg, {}, ConfigGet,
               {.group = "server",
                .since = "2.0.0",
                .summary = "Returns the effective values of configuration parameters.",
                .complexity = "O(N) when N is the number of configuration parameters provided",
                .syntax = "parameter [parameter ...]",
                .acl_categories = kCfgAcl}),
      MakeSpec("config|set", -4, kAdminCfg, {}, ConfigSet,
               {.group = "server",
                .since = "2.0.0",
                .summary = "Sets configuration parameters in-flight.",
                .complexity = "O(N) when N is the number of configuration parameters provided",
                .syntax = "parameter value [parameter value ...]",
                .acl_categories = kCfgAcl}),
      MakeSpec("config|resetstat", 2, kAdminCfg, {}, ConfigResetStat,
               {.group = "server",
                .since = "2.0.0",
                .summary = "Resets the server's statistics.",
                .complexity = "O(1)",
                .acl_categories = kCfgAcl}),
      MakeSpec("config|rewrite", 2, kAdminCfg, {}, ConfigRewrite,
               {.group = "server",
                .since = "2.8.0",
                .summary = "Persists the effective configuration to file.",
                .complexity = "O(1)",
                .acl_categories = kCfgAcl}),
      MakeSpec("config|help", 2, kLoadingStale, {}, ConfigHelp,
               {.group = "server",
                .since = "5.0.0",
                .summary = "Returns helpful text about the different subcommands.",
                .complexity = "O(1)",
                .acl_categories = "@slow"}),
  };
  table->Register(std::move(config));

  constexpr std::string_view kCmdAcl = "@slow @connection";
  CommandSpec command =
      MakeSpec("command", -1, kLoadingStale, {}, CommandAll,
               {.group = "server",
                .since = "2.8.13",
                .summary = "Returns detailed information about all commands.",
                .complexity = "O(N) where N is the total number of Redis commands",
                .acl_categories = kCmdAcl});
  command.subcommands = {
      MakeSpec("command|count", 2, kLoadingStale, {}, CommandCount,
               {.group = "server",
                .since = "2.8.13",
                .summary = "Returns a count of commands.",
                .complexity = "O(1)",
                .acl_categories = kCmdAcl}),
      MakeSpec("command|docs", -2, kLoadingStale, {}, CommandDocs,
               {.group = "server",
                .since = "7.0.0",
                .summary = "Returns documentary information about one, multiple or all commands.",
                .complexity = "O(N) where N is the number of commands to look up",
                .syntax = "[command-name [command-name ...]]",
                .acl_categories = kCmdAcl}),
      MakeSpec("command|getkeys", -4, kLoadingStale, {}, CommandGetKeys,
               {.group = "server",
                .since = "2.8.13",
                .summary = "Extracts the key names from an arbitrary command.",
                .complexity = "O(N) where N is the number of arguments to the command",
                .syntax = "command [arg [arg ...]]",
                .acl_categories = kCmdAcl}),
      MakeSpec("command|getkeysandflags", -4, kLoadingStale, {}, CommandGetKeysAndFlags,
               {.group = "server",
                .since = "7.0.0",
                .summary = "Extracts the key names and access flags for an arbitrary command.",
                .complexity = "O(N) where N is the number of arguments to the command",
                .syntax = "command [arg [arg ...]]",
                .acl_categories = kCmdAcl}),
      MakeSpec("command|help", 2, kLoadingStale, {}, CommandHelp,
               {.group = "server",
                .since = "5.0.0",
                .summary = "Returns helpful text about the different subcommands.",
                .complexity = "O(1)",
                .acl_categories = kCmdAcl}),
      MakeSpec("command|info", -2, kLoadingStale, {}, CommandInfo,
               {.group = "server",
                .since = "2.8.13",
                .summary = "Returns information about one, multiple or all commands.",
                .complexity = "O(N) where N is the number of commands to look up",
                .syntax = "[command-name [command-name ...]]",
                .acl_categories = kCmdAcl}),
      MakeSpec("command|list", -2, kLoadingStale, {}, CommandList,
               {.group = "server",
                .since = "7.0.0",
                .summary = "Returns a list of command names.",
                .complexity = "O(N) where N is the total number of Redis commands",
                .syntax = "[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]",
                .acl_categories = kCmdAcl}),
  };
  table->Register(std::move(command));

  table->Register(MakeSpec("time", 1, kLoadingStale | kCmdFast, {}, Time,
                           {.group = "server",
                            .since = "2.6.0",
                            .summary = "Returns the server time.",
                            .complexity = "O(1)",
                            .acl_categories = "@fast"}));
  table->Register(
      MakeSpec("lastsave", 1, kLoadingStale | kCmdFast, {}, LastSave,
               {.group = "server",
                .since = "1.0.0",
                .summary = "Returns the Unix timestamp of the last successful save to disk.",
                .complexity = "O(1)",
                .acl_categories = "@admin @fast @dangerous"}));
  table->Register(MakeSpec(
      "shutdown", -1, kAdminCfg | kCmdNoMulti | kCmdAllowBusy, {}, Shutdown,
      {.group = "server",
       .since = "1.0.0",
       .summary = "Synchronously saves the database(s) to disk and shuts down the Redis "
                  "server.",
       .complexity = "O(N) when saving, where N is the total number of keys in all databases "
                     "when saving data, otherwise O(1)",
       .syntax = "[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]",
       .acl_categories = "@admin @slow @dangerous"}));
  server_family::RegisterServerMemoryCommands(table);
}

}  // namespace shoal
