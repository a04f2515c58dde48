// Blocking socket helpers for the replication threads (feeders and the
// primary link run on their own threads, never on a worker loop).
#ifndef SHOAL_SERVER_REPLICATION_REPL_SOCKET_H_
#define SHOAL_SERVER_REPLICATION_REPL_SOCKET_H_

#include <string>
#include <string_view>

namespace shoal {

// Writes all of `data`; false on error (peer gone, shut down).
bool SendAll(int fd, std::string_view data);
// Connects to host:port within timeout_ms; the fd, or -1 with *error set.
int ConnectTcp(const std::string& host, int port, int timeout_ms, std::string* error);
// Receive timeout for blocking reads (recv returns EAGAIN after it).
void SetRecvTimeout(int fd, int timeout_ms);
// The peer's IP address ("" if unknown).
std::string PeerIp(int fd);

}  // namespace shoal

#endif  // SHOAL_SERVER_REPLICATION_REPL_SOCKET_H_
