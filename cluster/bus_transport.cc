// Cluster bus sockets on libuv; see bus_transport.h.
#include "cluster/bus_transport.h"

#include <openssl/ssl.h>

#include <cstring>
#include <deque>

#include "base/strings.h"
#include "cluster/gossip_message.h"
#include "server/net/tls_session.h"

namespace shoal {
namespace {

constexpr size_t kMaxInbound = 4096;
constexpr size_t kMaxInboundBytes = 64u << 20;  // partial frames, all inbound connections
constexpr size_t kMaxQueuedBytes = 256u << 20;  // per outgoing connection

struct UdpSend {
  uv_udp_send_t req;
  std::string bytes;
};

struct TcpWrite {
  uv_write_t req;
  std::string bytes;
};

// 4-byte little-endian length of the message, then (TLS only) its channel
// byte, then the message.
std::string Frame(std::string bytes, bool with_channel, BusChannel ch) {
  uint32_t n = static_cast<uint32_t>(bytes.size());
  std::string f(with_channel ? 5 : 4, '\0');
  std::memcpy(f.data(), &n, 4);
  if (with_channel) f[4] = static_cast<char>(ch);
  f += bytes;
  return f;
}

// A session on a new reference from `source` (which the session keeps).
std::unique_ptr<TlsSession> NewSession(const BusTransport::TlsContextSource& source, bool client) {
  SSL_CTX* ctx = source(client);
  if (ctx == nullptr) return nullptr;
  std::unique_ptr<TlsSession> s = client ? TlsSession::CreateClient(ctx) : TlsSession::Create(ctx);
  SSL_CTX_free(ctx);
  if (s != nullptr && !client) s->RequirePeerCertificate();
  return s;
}

}  // namespace

struct BusTransport::OutConn {
  BusTransport* owner;
  Endpoint ep;
  uv_tcp_t tcp;
  uv_connect_t connect;
  bool connected = false;
  bool closing = false;
  std::deque<std::string> pending;
  size_t queued = 0;
  uint64_t last_ms = 0;
  std::unique_ptr<TlsSession> tls;  // tls-cluster; `connected` once its handshake is done
};

struct BusTransport::InConn {
  BusTransport* owner;
  uv_tcp_t tcp;
  std::string ip;
  std::string buf;
  bool closing = false;
  uint64_t last_ms = 0;
  std::unique_ptr<TlsSession> tls;  // tls-cluster
};

bool ToSockaddr(const std::string& ip, int port, sockaddr_storage* out) {
  std::memset(out, 0, sizeof(*out));
  if (ip.find(':') != std::string::npos) {
    return uv_ip6_addr(ip.c_str(), port, reinterpret_cast<sockaddr_in6*>(out)) == 0;
  }
  return uv_ip4_addr(ip.c_str(), port, reinterpret_cast<sockaddr_in*>(out)) == 0;
}

std::string IpOf(const sockaddr* sa) {
  char buf[INET6_ADDRSTRLEN + 1] = {0};
  if (sa->sa_family == AF_INET) {
    uv_ip4_name(reinterpret_cast<const sockaddr_in*>(sa), buf, sizeof(buf));
  } else if (sa->sa_family == AF_INET6) {
    const auto* s6 = reinterpret_cast<const sockaddr_in6*>(sa);
    // An IPv4 peer on a dual-stack socket: report the plain IPv4 address.
    if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
      uv_inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf, sizeof(buf));
    } else {
      uv_ip6_name(s6, buf, sizeof(buf));
    }
  }
  return buf;
}

BusTransport::BusTransport(uv_loop_t* loop, Handler handler)
    : loop_(loop), handler_(std::move(handler)) {
  udp_buf_.resize(65536);
  read_buf_.resize(65536);
  tls_plain_.resize(65536);
}

BusTransport::~BusTransport() = default;

absl::Status BusTransport::Listen(const std::string& ip, int port) {
  sockaddr_storage addr;
  if (!ToSockaddr(ip, port, &addr)) {
    return absl::InvalidArgumentError(StrCat("cluster bus: bad address ", ip));
  }
  const auto* sa = reinterpret_cast<const sockaddr*>(&addr);
  uv_tcp_init(loop_, &listener_);
  listener_.data = this;
  listening_ = true;
  int rc = 0;
  if (!tls()) {
    uv_udp_init(loop_, &udp_);
    udp_.data = this;
    udp_open_ = true;
    rc = uv_udp_bind(&udp_, sa, 0);
    if (rc == 0) rc = uv_udp_recv_start(&udp_, OnUdpAlloc, OnUdpRecv);
  }
  if (rc == 0) rc = uv_tcp_bind(&listener_, sa, 0);
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(&listener_), 128, OnConnection);
  if (rc != 0) {
    return absl::UnavailableError(
        StrCat("cluster bus: cannot listen on ", Endpoint{ip, port}.ToString(), ": ",
               uv_strerror(rc)));
  }
  return absl::OkStatus();
}

void BusTransport::Send(const Endpoint& to, BusChannel ch, std::string bytes) {
  if (closed_) return;
  if (ch == BusChannel::kUdp && !tls()) {
    SendUdp(to, std::move(bytes));
  } else {
    SendTcp(to, ch, std::move(bytes));
  }
}

void BusTransport::SendUdp(const Endpoint& to, std::string bytes) {
  sockaddr_storage addr;
  if (!listening_ || !ToSockaddr(to.ip, to.port, &addr)) {
    stats_.udp_send_errors++;
    return;
  }
  auto* s = new UdpSend;
  s->bytes = std::move(bytes);
  s->req.data = this;
  uv_buf_t buf = uv_buf_init(s->bytes.data(), static_cast<unsigned>(s->bytes.size()));
  int rc = uv_udp_send(&s->req, &udp_, &buf, 1, reinterpret_cast<const sockaddr*>(&addr),
                       [](uv_udp_send_t* req, int status) {
                         auto* s = reinterpret_cast<UdpSend*>(req);
                         if (status != 0) {
                           static_cast<BusTransport*>(req->data)->stats_.udp_send_errors++;
                         }
                         delete s;
                       });
  if (rc != 0) {
    stats_.udp_send_errors++;
    delete s;
  }
}

void BusTransport::SendTcp(const Endpoint& to, BusChannel ch, std::string bytes) {
  std::string frame = Frame(std::move(bytes), tls(), ch);
  auto it = out_.find(to);
  if (it != out_.end()) {
    OutConn* c = it->second;
    if (c->connected) {
      WriteFrame(c, std::move(frame));
    } else if (c->queued + frame.size() <= kMaxQueuedBytes) {
      c->queued += frame.size();
      c->pending.push_back(std::move(frame));
    } else {
      stats_.tcp_dropped_queued++;
    }
    return;
  }
  sockaddr_storage addr;
  if (!ToSockaddr(to.ip, to.port, &addr)) {
    stats_.tcp_connect_failures++;
    return;
  }
  auto* c = new OutConn;
  c->owner = this;
  c->ep = to;
  c->last_ms = uv_now(loop_);
  uv_tcp_init(loop_, &c->tcp);
  c->tcp.data = c;
  c->connect.data = c;
  uv_tcp_nodelay(&c->tcp, 1);
  c->queued = frame.size();
  c->pending.push_back(std::move(frame));
  out_[to] = c;
  int rc = uv_tcp_connect(&c->connect, &c->tcp, reinterpret_cast<const sockaddr*>(&addr),
                          OnConnect);
  if (rc != 0) {
    stats_.tcp_connect_failures++;
    DropOut(c);
  }
}

void BusTransport::OnConnect(uv_connect_t* req, int status) {
  auto* c = static_cast<OutConn*>(req->data);
  BusTransport* t = c->owner;
  if (c->closing) return;
  if (status != 0) {
    t->stats_.tcp_connect_failures++;
    t->DropOut(c);
    return;
  }
  if (t->tls()) {
    // The peer writes only handshake messages (and session tickets) here.
    c->tls = NewSession(t->tls_, /*client=*/true);
    if (c->tls == nullptr) {
      t->stats_.tls_failures++;
      t->DropOut(c);
      return;
    }
    uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), OnOutAlloc, OnOutRead);
    t->DriveOutHandshake(c);
    return;
  }
  c->connected = true;
  // The peer never writes on this stream; reading detects its close.
  uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), OnOutAlloc, OnOutRead);
  std::deque<std::string> pending = std::move(c->pending);
  c->pending.clear();
  c->queued = 0;
  for (std::string& f : pending) {
    if (c->closing) break;
    t->WriteFrame(c, std::move(f));
  }
}

void BusTransport::DriveOutHandshake(OutConn* c) {
  TlsSession::ReadResult r = c->tls->Handshake();
  std::string out;
  c->tls->TakeOutput(&out);
  if (!out.empty()) WriteOutBytes(c, std::move(out));
  if (c->closing) return;
  if (r == TlsSession::ReadResult::kError) {
    stats_.tls_failures++;
    fprintf(stderr, "cluster bus: TLS handshake with %s failed: %s\n", c->ep.ToString().c_str(),
            c->tls->error().c_str());
    DropOut(c);
    return;
  }
  if (r != TlsSession::ReadResult::kData) return;
  c->connected = true;
  std::deque<std::string> pending = std::move(c->pending);
  c->pending.clear();
  c->queued = 0;
  for (std::string& f : pending) {
    if (c->closing) break;
    WriteFrame(c, std::move(f));
  }
}

void BusTransport::OnOutboundCipher(OutConn* c, const char* data, size_t n) {
  c->tls->FeedInput(data, n);
  if (!c->connected) {
    DriveOutHandshake(c);
    return;
  }
  // After the handshake the peer sends only session tickets (and alerts).
  size_t got = 0;
  TlsSession::ReadResult r;
  while ((r = c->tls->Read(tls_plain_.data(), tls_plain_.size(), &got)) ==
         TlsSession::ReadResult::kData) {
  }
  std::string out;
  c->tls->TakeOutput(&out);
  if (!out.empty()) WriteOutBytes(c, std::move(out));
  if (r == TlsSession::ReadResult::kError || r == TlsSession::ReadResult::kClosed) {
    if (r == TlsSession::ReadResult::kError) stats_.tls_failures++;
    DropOut(c);
  }
}

void BusTransport::WriteFrame(OutConn* c, std::string frame) {
  if (c->tls == nullptr) return WriteOutBytes(c, std::move(frame));
  std::string out;
  c->tls->Write(frame, &out);
  if (c->tls->failed()) {
    stats_.tls_failures++;
    DropOut(c);
    return;
  }
  WriteOutBytes(c, std::move(out));
}

// Queues raw bytes on a connection of either direction; a failed write
// drops that connection.
template <typename Conn>
void BusTransport::WriteRaw(Conn* c, std::string bytes) {
  auto* w = new TcpWrite;
  w->bytes = std::move(bytes);
  w->req.data = c;
  c->last_ms = uv_now(loop_);
  uv_buf_t buf = uv_buf_init(w->bytes.data(), static_cast<unsigned>(w->bytes.size()));
  int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&c->tcp), &buf, 1,
                    [](uv_write_t* req, int status) {
                      auto* w = reinterpret_cast<TcpWrite*>(req);
                      auto* c = static_cast<Conn*>(req->data);
                      if (status != 0 && status != UV_ECANCELED && !c->closing) {
                        c->owner->stats_.tcp_write_errors++;
                        c->owner->Drop(c);
                      }
                      delete w;
                    });
  if (rc != 0) {
    delete w;
    stats_.tcp_write_errors++;
    Drop(c);
  }
}

void BusTransport::WriteInBytes(InConn* c, std::string bytes) { WriteRaw(c, std::move(bytes)); }

void BusTransport::WriteOutBytes(OutConn* c, std::string bytes) { WriteRaw(c, std::move(bytes)); }

void BusTransport::DropOut(OutConn* c) {
  if (c->closing) return;
  c->closing = true;
  stats_.tcp_dropped_queued += c->pending.size();
  c->pending.clear();
  auto it = out_.find(c->ep);
  if (it != out_.end() && it->second == c) out_.erase(it);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp),
           [](uv_handle_t* h) { delete static_cast<OutConn*>(h->data); });
}

void BusTransport::OnOutRead(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
  auto* c = static_cast<OutConn*>(s->data);
  if (n < 0) {
    if (c->tls != nullptr && !c->connected) {
      c->owner->stats_.tls_failures++;  // refused during the handshake
      fprintf(stderr, "cluster bus: %s closed the connection during the TLS handshake\n",
              c->ep.ToString().c_str());
    }
    c->owner->DropOut(c);  // closed by the peer (or an error)
    return;
  }
  // Without TLS, bytes on an outgoing stream are not part of the protocol.
  if (n > 0 && c->tls != nullptr && !c->closing) {
    c->owner->OnOutboundCipher(c, buf->base, static_cast<size_t>(n));
  }
}

void BusTransport::OnConnection(uv_stream_t* server, int status) {
  auto* t = static_cast<BusTransport*>(server->data);
  if (status != 0 || t->closed_) return;
  auto* c = new InConn;
  c->owner = t;
  c->last_ms = uv_now(t->loop_);
  uv_tcp_init(t->loop_, &c->tcp);
  c->tcp.data = c;
  if (uv_accept(server, reinterpret_cast<uv_stream_t*>(&c->tcp)) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp),
             [](uv_handle_t* h) { delete static_cast<InConn*>(h->data); });
    return;
  }
  t->in_.insert(c);
  t->stats_.connections_accepted++;
  if (t->in_.size() > kMaxInbound) {
    t->DropIn(c);
    return;
  }
  sockaddr_storage peer;
  int len = sizeof(peer);
  if (uv_tcp_getpeername(&c->tcp, reinterpret_cast<sockaddr*>(&peer), &len) == 0) {
    c->ip = IpOf(reinterpret_cast<sockaddr*>(&peer));
  }
  if (t->tls()) {
    c->tls = NewSession(t->tls_, /*client=*/false);
    if (c->tls == nullptr) {
      t->stats_.tls_failures++;
      t->DropIn(c);
      return;
    }
  }
  uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), OnInAlloc, OnInRead);
}

void BusTransport::OnInAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  BusTransport* t = static_cast<InConn*>(h->data)->owner;
  *buf = uv_buf_init(t->read_buf_.data(), static_cast<unsigned>(t->read_buf_.size()));
}

void BusTransport::OnOutAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  BusTransport* t = static_cast<OutConn*>(h->data)->owner;
  *buf = uv_buf_init(t->read_buf_.data(), static_cast<unsigned>(t->read_buf_.size()));
}

void BusTransport::OnInRead(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
  auto* c = static_cast<InConn*>(s->data);
  if (n < 0) {
    c->owner->DropIn(c);
    return;
  }
  if (n <= 0) return;
  if (c->tls != nullptr) {
    c->owner->OnInboundCipher(c, buf->base, static_cast<size_t>(n));
  } else {
    c->owner->OnInboundData(c, buf->base, static_cast<size_t>(n));
  }
}

void BusTransport::OnInboundCipher(InConn* c, const char* data, size_t n) {
  c->last_ms = uv_now(loop_);
  c->tls->FeedInput(data, n);
  TlsSession::ReadResult r = TlsSession::ReadResult::kNeedMore;
  size_t got = 0;
  while (!c->closing && (r = c->tls->Read(tls_plain_.data(), tls_plain_.size(), &got)) ==
                            TlsSession::ReadResult::kData) {
    OnInboundData(c, tls_plain_.data(), got);
  }
  if (c->closing) return;
  std::string out;
  c->tls->TakeOutput(&out);
  if (!out.empty()) WriteInBytes(c, std::move(out));
  if (c->closing) return;
  if (r == TlsSession::ReadResult::kError) {
    stats_.tls_failures++;
    fprintf(stderr, "cluster bus: TLS failure from %s: %s\n", c->ip.c_str(),
            c->tls->error().c_str());
    DropIn(c);
  } else if (r == TlsSession::ReadResult::kClosed) {
    DropIn(c);
  }
}

void BusTransport::OnInboundData(InConn* c, const char* data, size_t n) {
  c->last_ms = uv_now(loop_);
  // All inbound connections together buffer at most kMaxInboundBytes of
  // partial frames: many peers each announcing a large frame cannot make
  // this node hold gigabytes before any MAC is checked.
  if (in_buffered_ + n > kMaxInboundBytes) {
    stats_.tcp_bad_frames++;
    DropIn(c);
    return;
  }
  c->buf.append(data, n);
  in_buffered_ += n;
  size_t off = 0;
  const size_t pre = tls() ? 5 : 4;  // length, and the channel byte with TLS
  while (!c->closing && c->buf.size() - off >= pre) {
    uint32_t len;
    std::memcpy(&len, c->buf.data() + off, 4);
    // Bound the frame by its kind as soon as the message header is here,
    // before its body is buffered (gossip_message.h: magic "SW", version,
    // kind). Anything else is garbage: drop the connection.
    size_t limit = kBusMaxMessage;
    if (c->buf.size() - off >= pre + kBusHeaderSize) {
      const char* h = c->buf.data() + off + pre;
      const bool ours = h[0] == 'S' && h[1] == 'W';
      const auto kind = static_cast<uint8_t>(h[3]);
      limit = !ours ? 0
              : kind == static_cast<uint8_t>(BusKind::kBroadcast) ? kBusMaxBroadcast
                                                                  : kBusMaxState;
    }
    if (len > limit || len < kBusHeaderSize) {
      stats_.tcp_bad_frames++;
      DropIn(c);
      return;
    }
    BusChannel ch = BusChannel::kTcp;
    if (tls()) {
      const auto byte = static_cast<uint8_t>(c->buf[off + 4]);
      if (byte > static_cast<uint8_t>(BusChannel::kTcp)) {
        stats_.tcp_bad_frames++;
        DropIn(c);
        return;
      }
      ch = static_cast<BusChannel>(byte);
    }
    if (c->buf.size() - off < pre + kBusHeaderSize) break;
    if (c->buf.size() - off - pre < len) break;
    std::string_view msg(c->buf.data() + off + pre, len);
    off += pre + len;
    handler_(c->ip, msg, ch);
  }
  if (!c->closing) {
    c->buf.erase(0, off);
    in_buffered_ -= off;
  }
}

void BusTransport::DropIn(InConn* c) {
  if (c->closing) return;
  c->closing = true;
  in_buffered_ -= c->buf.size();
  c->buf.clear();
  in_.erase(c);
  uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp),
           [](uv_handle_t* h) { delete static_cast<InConn*>(h->data); });
}

void BusTransport::OnUdpAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* t = static_cast<BusTransport*>(h->data);
  *buf = uv_buf_init(t->udp_buf_.data(), static_cast<unsigned>(t->udp_buf_.size()));
}

void BusTransport::OnUdpRecv(uv_udp_t* h, ssize_t n, const uv_buf_t* buf, const sockaddr* addr,
                             unsigned flags) {
  auto* t = static_cast<BusTransport*>(h->data);
  if (n <= 0 || addr == nullptr || t->closed_) return;
  if (flags & UV_UDP_PARTIAL) {
    t->stats_.truncated_datagrams++;
    return;
  }
  t->handler_(IpOf(addr), std::string_view(buf->base, static_cast<size_t>(n)), BusChannel::kUdp);
}

void BusTransport::Sweep(int64_t idle_ms) {
  uint64_t now = uv_now(loop_);
  std::vector<OutConn*> outs;
  for (auto& [ep, c] : out_) {
    // (A TLS connection still in its handshake counts too.)
    if ((c->connected || c->tls != nullptr) && now - c->last_ms > static_cast<uint64_t>(idle_ms)) {
      outs.push_back(c);
    }
  }
  for (OutConn* c : outs) DropOut(c);
  std::vector<InConn*> ins;
  for (InConn* c : in_) {
    if (now - c->last_ms > static_cast<uint64_t>(idle_ms)) ins.push_back(c);
  }
  for (InConn* c : ins) DropIn(c);
}

void BusTransport::Close() {
  if (closed_) return;
  closed_ = true;
  std::vector<OutConn*> outs;
  for (auto& [ep, c] : out_) outs.push_back(c);
  for (OutConn* c : outs) DropOut(c);
  std::vector<InConn*> ins(in_.begin(), in_.end());
  for (InConn* c : ins) DropIn(c);
  if (listening_) {
    if (udp_open_) {
      uv_udp_recv_stop(&udp_);
      uv_close(reinterpret_cast<uv_handle_t*>(&udp_), nullptr);
      udp_open_ = false;
    }
    uv_close(reinterpret_cast<uv_handle_t*>(&listener_), nullptr);
    listening_ = false;
  }
}

}  // namespace shoal
