// Options of the network layer, filled from flags by server/main.cc.
#ifndef SHOAL_SERVER_NET_NET_OPTIONS_H_
#define SHOAL_SERVER_NET_NET_OPTIONS_H_

#include <string>
#include <vector>

namespace shoal {

struct NetOptions {
  std::vector<std::string> bind = {"0.0.0.0"};
  int port = 6379;
  int threads = 1;
  int tcp_backlog = 511;
  // A connection stops reading while this many reply bytes wait to be sent:
  // a client that does not read cannot grow the server's memory.
  size_t pause_reading_over = 1 << 20;
};

}  // namespace shoal

#endif  // SHOAL_SERVER_NET_NET_OPTIONS_H_
