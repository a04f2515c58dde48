// Node ids, endpoints and seed parsing; see node_id.h.
#include "cluster/node_id.h"

#include "base/strings.h"

namespace shoal {

std::string NewNodeId(ClusterRng& rng) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(kNodeIdLen, '0');
  for (int i = 0; i < kNodeIdLen; i += 16) {
    uint64_t r = rng();
    for (int j = i; j < i + 16 && j < kNodeIdLen; ++j) {
      id[j] = kHex[r & 15];
      r >>= 4;
    }
  }
  return id;
}

bool IsValidNodeId(std::string_view id) {
  if (id.size() != kNodeIdLen) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string Endpoint::ToString() const {
  if (ip.find(':') != std::string::npos) return StrCat("[", ip, "]:", port);
  return StrCat(ip, ":", port);
}

namespace {

bool ParsePort(std::string_view s, int* out) {
  if (s.empty() || s.size() > 5) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v <= 0 || v > 65535) return false;
  *out = v;
  return true;
}

}  // namespace

absl::StatusOr<SeedAddress> ParseSeedAddress(std::string_view text) {
  SeedAddress a;
  std::string_view rest = text;
  std::string_view bus;
  if (size_t at = rest.find('@'); at != std::string_view::npos) {
    bus = rest.substr(at + 1);
    rest = rest.substr(0, at);
  }
  std::string_view host, port;
  if (!rest.empty() && rest[0] == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
      return absl::InvalidArgumentError(StrCat("bad cluster address '", text, "'"));
    }
    host = rest.substr(1, close - 1);
    port = rest.substr(close + 2);
  } else {
    size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) {
      return absl::InvalidArgumentError(
          StrCat("bad cluster address '", text, "' (want host:port[@busport])"));
    }
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty() || !ParsePort(port, &a.port)) {
    return absl::InvalidArgumentError(StrCat("bad cluster address '", text, "'"));
  }
  a.host = std::string(host);
  if (!bus.empty() || text.find('@') != std::string_view::npos) {
    if (!ParsePort(bus, &a.bus_port)) {
      return absl::InvalidArgumentError(StrCat("bad cluster bus port in '", text, "'"));
    }
  } else {
    a.bus_port = a.port + kBusPortOffset;
    if (a.bus_port > 65535) {
      return absl::InvalidArgumentError(
          StrCat("port ", a.port, " leaves no room for a bus port (port+10000); give @busport"));
    }
  }
  return a;
}

}  // namespace shoal
