// libFuzzer target: the nodes file loader (cluster/nodes_file.h). The file
// is read at start-up from the working directory; a torn, hand-edited or
// planted file must be refused with a reason, never crash the node.
//
// Invariants checked, beyond "no crash, no sanitizer report":
//  - what the parser accepts is well-formed: every id is 40 hex characters,
//    ports are 0..65535, shards come sorted by id;
//  - format -> parse round trip: formatting the parsed data and parsing
//    that gives equal data, and formatting again gives the same text (the
//    writer's output is a fixed point).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cluster/node_id.h"
#include "cluster/nodes_file.h"

namespace {

using namespace shoal;

void Check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "invariant violated: %s\n", what);
    abort();
  }
}

void CheckWellFormed(const NodesFileData& d) {
  Check(IsValidNodeId(d.my_id), "my id valid");
  Check(d.table.author.empty() || IsValidNodeId(d.table.author), "table author valid");
  for (size_t i = 0; i < d.table.shards.size(); ++i) {
    const ShardInfo& s = d.table.shards[i];
    Check(IsValidNodeId(s.id) && IsValidNodeId(s.primary), "shard ids valid");
    for (const std::string& r : s.replicas) Check(IsValidNodeId(r), "replica id valid");
    if (i > 0) Check(d.table.shards[i - 1].id < s.id, "shards sorted, ids unique");
  }
  for (const MemberUpdate& m : d.members) {
    Check(IsValidNodeId(m.id), "member id valid");
    Check(m.port >= 0 && m.port <= 65535 && m.bus_port >= 0 && m.bus_port <= 65535,
          "ports in range");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<NodesFileData> d = ParseNodesFile(text);
  if (!d.ok()) {
    Check(!d.status().message().empty(), "a refusal has a reason");
    return 0;
  }
  CheckWellFormed(*d);
  const std::string formatted = FormatNodesFile(*d);
  absl::StatusOr<NodesFileData> again = ParseNodesFile(formatted);
  Check(again.ok(), "formatted data parses");
  Check(*again == *d, "format -> parse gives equal data");
  Check(FormatNodesFile(*again) == formatted, "formatting is a fixed point");
  return 0;
}
