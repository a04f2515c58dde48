// The GET/SET/INCR path allocates nothing once warm: the real command table,
// Dispatcher and Store run each command on a warm key while a counting
// malloc watches this thread.
//
// This binary replaces malloc, calloc, realloc and the aligned allocators
// with wrappers that count calls made by a thread while it counts and hand
// them to glibc's own (__libc_*), so operator new (which calls malloc), the
// entries' blocks and every container are seen. Under a sanitizer, which
// brings its own allocator, the wrappers are left out and the test skips.
#include <malloc.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "protocol/reply_builder.h"
#include "server/commands/families.h"
#include "server/dispatch/client_session.h"
#include "server/dispatch/command_table.h"
#include "server/dispatch/config_registry.h"
#include "server/dispatch/dispatcher.h"
#include "server/dispatch/server_state.h"
#include "server/store/store.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SHOAL_COUNTING_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define SHOAL_COUNTING_MALLOC 0
#endif
#endif
#ifndef SHOAL_COUNTING_MALLOC
#define SHOAL_COUNTING_MALLOC 1
#endif

namespace {
thread_local bool tl_counting = false;
thread_local int64_t tl_allocations = 0;
inline void Count() {
  if (tl_counting) ++tl_allocations;
}
}  // namespace

#if SHOAL_COUNTING_MALLOC
extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);

void* malloc(size_t n) {
  Count();
  return __libc_malloc(n);
}
void* calloc(size_t n, size_t size) {
  Count();
  return __libc_calloc(n, size);
}
void* realloc(void* p, size_t n) {
  Count();
  return __libc_realloc(p, n);
}
void* memalign(size_t align, size_t n) {
  Count();
  return __libc_memalign(align, n);
}
void* aligned_alloc(size_t align, size_t n) {
  Count();
  return __libc_memalign(align, n);
}
int posix_memalign(void** out, size_t align, size_t n) {
  Count();
  void* p = __libc_memalign(align, n);
  if (p == nullptr) return 12;  // ENOMEM
  *out = p;
  return 0;
}
}  // extern "C"
#endif

namespace shoal {
namespace {

class HotPathAllocations : public ::testing::Test {
 protected:
  HotPathAllocations()
      : server_(Table(), &rc_, 1, nullptr, nullptr),
        store_(StoreOptions{.databases = 16, .reclaim_memory = false}),
        dispatcher_(&store_, &server_, 0),
        reply_(2) {}

  static const CommandTable* Table() {
    static CommandTable* table = [] {
      auto* t = new CommandTable();
      RegisterAllCommands(t);
      return t;
    }();
    return table;
  }

  // Runs one command; returns the allocations it made. Its reply is in reply_.
  int64_t Run(std::vector<std::string_view> args) {
    reply_.Clear();
    tl_allocations = 0;
    tl_counting = true;
    dispatcher_.Dispatch(&client_, &reply_, CmdArgs(args));
    tl_counting = false;
    return tl_allocations;
  }

  RuntimeConfig rc_;
  ServerState server_;
  Store store_;
  Dispatcher dispatcher_;
  ClientSession client_;
  ReplyBuilder reply_;
};

std::string* volatile g_sink = nullptr;  // keeps the allocation below from being elided

TEST_F(HotPathAllocations, CountingMallocSeesAllocations) {
  if (!SHOAL_COUNTING_MALLOC) GTEST_SKIP() << "a sanitizer owns malloc";
  tl_allocations = 0;
  tl_counting = true;
  g_sink = new std::string(100, 'x');  // the string object, then its buffer
  tl_counting = false;
  delete g_sink;
  EXPECT_EQ(tl_allocations, 2);
}

std::string BulkReply(std::string_view s) {
  std::string out = "$" + std::to_string(s.size()) + "\r\n";
  out.append(s);
  out.append("\r\n");
  return out;
}

TEST_F(HotPathAllocations, WarmGetSetIncrAllocateNothing) {
  if (!SHOAL_COUNTING_MALLOC) GTEST_SKIP() << "a sanitizer owns malloc";
  const std::string v1(32, 'a'), v2(32, 'b'), v3(30, 'c');
  struct Step {
    std::vector<std::string_view> args;
    std::string reply;
  };
  const std::vector<Step> steps = {
      {{"SET", "key:1", v1}, "+OK\r\n"},
      {{"SET", "key:1", v2}, "+OK\r\n"},  // same size: the entry's block is reused
      {{"SET", "key:1", v3}, "+OK\r\n"},  // 2 bytes shorter: the same size class
      {{"GET", "key:1"}, BulkReply(v3)},
      {{"GET", "no-such-key"}, "$-1\r\n"},
      {{"SET", "counter", "41"}, "+OK\r\n"},
      {{"INCR", "counter"}, ":42\r\n"},
      {{"INCRBY", "counter", "-2"}, ":40\r\n"},
      {{"DECR", "counter"}, ":39\r\n"},
      {{"SET", "counter", "100"}, "+OK\r\n"},  // an int over an int: in place
      {{"GET", "counter"}, "$3\r\n100\r\n"},
  };
  // Warm-up: creates the keys, the slot tables, the per-command latency
  // histograms, and grows the reply buffer and the dispatcher's scratch.
  for (int round = 0; round < 3; ++round) {
    for (const Step& s : steps) Run(s.args);
  }
  for (const Step& s : steps) {
    std::string cmd;
    for (std::string_view a : s.args) cmd += std::string(a.substr(0, 12)) + " ";
    EXPECT_EQ(Run(s.args), 0) << cmd;
    EXPECT_EQ(reply_.buffer(), s.reply) << cmd;
  }
  // A value that needs a bigger block gets a new entry: one allocation.
  const std::string big(300, 'd');
  EXPECT_EQ(Run({"SET", "key:1", big}), 1);
}

}  // namespace
}  // namespace shoal
