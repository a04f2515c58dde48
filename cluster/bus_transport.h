// BusTransport: the cluster bus on a libuv loop — UDP datagrams for probes,
// acks and gossip; TCP for push-pull state sync and broadcasts. Both listen
// on the bus port (client port + 10000 unless configured).
//
// The transport knows nothing of the protocol: it moves opaque messages and
// reports each received one with the sender's address as the socket saw it.
// TCP carries length-prefixed frames (4-byte little-endian length, then the
// message) over one-way connections: a node writes on the connections it
// opened and reads on the ones it accepted, so replies travel on the
// replier's own connection and neither side matches requests to streams.
// Outgoing connections are kept per endpoint and reused; a failed connect or
// write drops that connection and whatever was queued on it (the protocol
// retries what matters). Frames over kBusMaxMessage, or a peer that floods
// an inbound connection, close the connection; idle connections are closed
// by Sweep.
//
// tls-cluster (SetTls): every connection speaks TLS and both ends show a
// certificate the CA signed; datagrams travel as TCP frames too (a channel
// byte follows the length), and the UDP socket is not opened, so nothing
// on the bus is read before a peer has been authenticated.
//
// Loop thread only (every method, and the callback runs there).
#ifndef SHOAL_CLUSTER_BUS_TRANSPORT_H_
#define SHOAL_CLUSTER_BUS_TRANSPORT_H_

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "cluster/node_id.h"
#include "cluster/swim.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace shoal {

struct BusTransportStats {
  uint64_t udp_send_errors = 0;
  uint64_t tcp_connect_failures = 0;
  uint64_t tcp_write_errors = 0;
  uint64_t tcp_bad_frames = 0;       // oversized or foreign frames, or the inbound buffer budget
                                     // exceeded: the connection is closed
  uint64_t tcp_dropped_queued = 0;   // messages lost with a failed connection
  uint64_t truncated_datagrams = 0;
  uint64_t connections_accepted = 0;
  uint64_t tls_failures = 0;         // handshakes or records that failed: the connection is closed
};

class BusTransport {
 public:
  using Handler =
      std::function<void(const std::string& from_ip, std::string_view bytes, BusChannel ch)>;

  // A new reference to the current server (client = false) or client
  // context; null if there is none.
  using TlsContextSource = std::function<SSL_CTX*(bool client)>;

  BusTransport(uv_loop_t* loop, Handler handler);
  ~BusTransport();
  BusTransport(const BusTransport&) = delete;
  BusTransport& operator=(const BusTransport&) = delete;

  // TLS on every connection (tls-cluster); before Listen.
  void SetTls(TlsContextSource source) { tls_ = std::move(source); }
  bool tls() const { return static_cast<bool>(tls_); }
  // Binds UDP (not with TLS) and TCP on ip:port ("0.0.0.0" or "::" for
  // every interface).
  absl::Status Listen(const std::string& ip, int port);
  void Send(const Endpoint& to, BusChannel ch, std::string bytes);
  // Closes connections idle (by the loop's clock) for longer than idle_ms.
  void Sweep(int64_t idle_ms);
  // Closes every handle; the loop then runs dry.
  void Close();

  const BusTransportStats& stats() const { return stats_; }
  size_t outgoing_connections() const { return out_.size(); }
  size_t incoming_connections() const { return in_.size(); }

 private:
  struct OutConn;
  struct InConn;
  friend struct OutConn;
  friend struct InConn;

  void SendUdp(const Endpoint& to, std::string bytes);
  void SendTcp(const Endpoint& to, BusChannel ch, std::string bytes);
  void WriteFrame(OutConn* c, std::string frame);
  void WriteOutBytes(OutConn* c, std::string bytes);
  void WriteInBytes(InConn* c, std::string bytes);
  // TLS: advances an outgoing connection's handshake; sends the queued
  // frames once it is done.
  void DriveOutHandshake(OutConn* c);
  void OnInboundCipher(InConn* c, const char* data, size_t n);
  void OnOutboundCipher(OutConn* c, const char* data, size_t n);
  void DropOut(OutConn* c);
  void DropIn(InConn* c);
  void Drop(OutConn* c) { DropOut(c); }
  void Drop(InConn* c) { DropIn(c); }
  template <typename Conn>
  void WriteRaw(Conn* c, std::string bytes);
  void OnInboundData(InConn* c, const char* data, size_t n);

  static void OnUdpAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void OnUdpRecv(uv_udp_t* h, ssize_t n, const uv_buf_t* buf, const sockaddr* addr,
                        unsigned flags);
  static void OnConnection(uv_stream_t* server, int status);
  static void OnConnect(uv_connect_t* req, int status);
  static void OnInAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void OnOutAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void OnInRead(uv_stream_t* s, ssize_t n, const uv_buf_t* buf);
  static void OnOutRead(uv_stream_t* s, ssize_t n, const uv_buf_t* buf);

  uv_loop_t* loop_;
  Handler handler_;
  TlsContextSource tls_;
  std::string tls_plain_;  // decrypted inbound bytes, one read at a time
  uv_udp_t udp_;
  uv_tcp_t listener_;
  bool listening_ = false;
  bool udp_open_ = false;
  bool closed_ = false;
  std::string udp_buf_;
  std::string read_buf_;
  std::map<Endpoint, OutConn*> out_;
  std::set<InConn*> in_;
  size_t in_buffered_ = 0;  // bytes of partial frames held by all of in_
  BusTransportStats stats_;
};

// Fills `out` from a literal IPv4/IPv6 address; false if it is neither.
bool ToSockaddr(const std::string& ip, int port, sockaddr_storage* out);
// The literal address of `sa` ("" if not IPv4/IPv6).
std::string IpOf(const sockaddr* sa);

}  // namespace shoal

#endif  // SHOAL_CLUSTER_BUS_TRANSPORT_H_
