// MetricsHttpServer implementation: the request-head parser, the responses,
// and the connection life cycle on the metrics loop (see metrics_http.h).
#include "server/net/metrics_http.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "base/strings.h"
#include "server/dispatch/metrics_exposition.h"
#include "server/net/acceptor.h"

namespace shoal {
namespace {

constexpr size_t kScratchBytes = 16 * 1024;
// What a client may still send after its response before it is cut off.
constexpr size_t kMaxDiscardBytes = 64 * 1024;
constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";

bool IsTokenChar(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  if ((u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z')) return true;
  return c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsTokenChar);
}

// Control characters (but HTAB) and DEL have no place in a request head.
bool HasControlChar(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const unsigned char u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  });
}

// method SP request-target SP HTTP/1.d
bool ParseRequestLine(std::string_view line, HttpRequestHead* out) {
  const size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return false;
  const size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return false;
  }
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!IsToken(method) || target.empty() || target.find('\t') != std::string_view::npos) {
    return false;
  }
  if (version.size() != 8 || version.substr(0, 7) != "HTTP/1." || version[7] < '0' ||
      version[7] > '9') {
    return false;
  }
  out->method = method;
  out->target = target;
  out->minor_version = version[7] - '0';
  return true;
}

// field-name ":" OWS field-value OWS; no leading whitespace (obs-fold).
bool ValidHeaderLine(std::string_view line) {
  const size_t colon = line.find(':');
  return colon != std::string_view::npos && IsToken(line.substr(0, colon));
}

std::string_view Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    default:
      return "Error";
  }
}

// Errors that say a bind address cannot exist here: an optional ("-")
// address is then skipped, as the client port does.
bool AddressUnavailable(int uv_err) {
  return uv_err == UV_EADDRNOTAVAIL || uv_err == UV_EAFNOSUPPORT || uv_err == UV_EPROTONOSUPPORT ||
         uv_err == UV_ENOPROTOOPT || uv_err == UV_ESOCKTNOSUPPORT;
}

}  // namespace

HttpHeadStatus ParseHttpRequestHead(std::string_view buf, size_t max_head, HttpRequestHead* out) {
  bool have_request_line = false;
  size_t pos = 0;
  for (;;) {
    const size_t nl = buf.find('\n', pos);
    if (nl == std::string_view::npos) {
      // Judge the partial line now: junk need not wait for a newline.
      std::string_view partial = buf.substr(pos);
      if (!partial.empty() && partial.back() == '\r') partial.remove_suffix(1);
      if (HasControlChar(partial)) return HttpHeadStatus::kMalformed;
      return buf.size() >= max_head ? HttpHeadStatus::kTooLarge : HttpHeadStatus::kNeedMore;
    }
    if (nl + 1 > max_head) return HttpHeadStatus::kTooLarge;
    std::string_view line = buf.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (HasControlChar(line)) return HttpHeadStatus::kMalformed;
    if (!have_request_line) {
      // Empty lines before the request line are ignored (RFC 9112 2.2).
      if (line.empty()) continue;
      if (!ParseRequestLine(line, out)) return HttpHeadStatus::kMalformed;
      have_request_line = true;
      continue;
    }
    if (line.empty()) {
      out->size = pos;
      return HttpHeadStatus::kComplete;
    }
    if (!ValidHeaderLine(line)) return HttpHeadStatus::kMalformed;
  }
}

std::string HttpResponse(int status, std::string_view content_type, std::string_view body,
                         std::string_view extra_headers) {
  std::string out = StrCat("HTTP/1.1 ", status, " ", Reason(status),
                           "\r\nContent-Type: ", content_type, "\r\nContent-Length: ", body.size(),
                           "\r\nConnection: close\r\n", extra_headers, "\r\n");
  out += body;
  return out;
}

std::string MetricsResponse(const HttpRequestHead& head,
                            const std::function<std::string()>& render) {
  std::string_view path = head.target.substr(0, head.target.find('?'));
  if (path != "/metrics") return HttpResponse(404, kTextPlain, "Not Found\n");
  if (head.method != "GET") {
    return HttpResponse(405, kTextPlain, "Method Not Allowed\n", "Allow: GET\r\n");
  }
  return HttpResponse(200, kMetricsContentType, render());
}

// ------------------------------------------------------------- connections

// One client connection: its socket, its deadline timer, and the request
// head read so far. Deleted once both handles are closed.
struct MetricsHttpServer::Conn {
  MetricsHttpServer* server = nullptr;
  uv_tcp_t tcp;
  uv_timer_t timer;
  uv_write_t write_req;
  uv_shutdown_t shutdown_req;
  std::string in;
  std::string out;
  size_t discarded = 0;
  bool responded = false;
  bool written = false;   // the response is out
  bool peer_eof = false;  // the client shut its side while we were writing
  bool closing = false;
  int open_handles = 2;

  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&tcp); }

  void Close() {
    if (closing) return;
    closing = true;
    uv_timer_stop(&timer);
    uv_close(reinterpret_cast<uv_handle_t*>(&tcp), OnClosed);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer), OnClosed);
  }

  static void OnClosed(uv_handle_t* h) {
    auto* c = static_cast<Conn*>(h->data);
    if (--c->open_handles > 0) return;
    auto& conns = c->server->conns_;
    conns.erase(std::remove(conns.begin(), conns.end(), c), conns.end());
    delete c;
  }

  static void OnTimeout(uv_timer_t* t) { static_cast<Conn*>(t->data)->Close(); }

  static void OnAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
    auto* c = static_cast<Conn*>(h->data);
    *buf = uv_buf_init(c->server->scratch_.get(), kScratchBytes);
  }

  static void OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
    auto* c = static_cast<Conn*>(s->data);
    if (c->closing) return;
    if (nread == UV_EOF && c->responded && !c->written) {
      // Half-closed after its request (`... | nc`): finish the response.
      c->peer_eof = true;
      uv_read_stop(s);
      return;
    }
    if (nread < 0) return c->Close();  // EOF or reset, before or after the response
    if (nread == 0) return;
    if (c->responded) {
      c->discarded += static_cast<size_t>(nread);
      if (c->discarded > kMaxDiscardBytes) c->Close();
      return;
    }
    c->in.append(buf->base, static_cast<size_t>(nread));
    const MetricsHttpOptions& o = c->server->options_;
    HttpRequestHead head;
    switch (ParseHttpRequestHead(c->in, o.max_request_head, &head)) {
      case HttpHeadStatus::kNeedMore:
        return;
      case HttpHeadStatus::kComplete:
        return c->Respond(MetricsResponse(head, o.render));
      case HttpHeadStatus::kMalformed:
      case HttpHeadStatus::kTooLarge:
        return c->Respond(HttpResponse(400, kTextPlain, "Bad Request\n"));
    }
  }

  void Respond(std::string bytes) {
    responded = true;
    std::string().swap(in);
    out = std::move(bytes);
    // The client gets as long to read the response as it had to send the
    // request.
    uv_timer_start(&timer, OnTimeout, server->options_.request_timeout_ms, 0);
    uv_buf_t b = uv_buf_init(out.data(), static_cast<unsigned int>(out.size()));
    if (uv_write(&write_req, stream(), &b, 1, OnWritten) != 0) Close();
  }

  static void OnWritten(uv_write_t* req, int status) {
    auto* c = static_cast<Conn*>(req->handle->data);
    if (c->closing) return;
    if (status < 0) return c->Close();
    c->written = true;
    std::string().swap(c->out);
    if (c->peer_eof) return c->Close();
    if (uv_shutdown(&c->shutdown_req, c->stream(), OnShutdown) != 0) c->Close();
  }

  // The response is out and our side shut: wait a little for the client's
  // EOF (OnRead), so that closing does not reset an unread response.
  static void OnShutdown(uv_shutdown_t* req, int status) {
    auto* c = static_cast<Conn*>(req->handle->data);
    if (c->closing) return;
    if (status < 0) return c->Close();
    uv_timer_start(&c->timer, OnTimeout, c->server->options_.linger_ms, 0);
  }
};

// ------------------------------------------------------------- the server

MetricsHttpServer::MetricsHttpServer(MetricsHttpOptions options)
    : options_(std::move(options)), scratch_(new char[kScratchBytes]) {
  uv_loop_init(&loop_);
  uv_async_init(&loop_, &stop_async_, OnStop);
  stop_async_.data = this;
}

MetricsHttpServer::~MetricsHttpServer() {
  Stop();
  // Never started, or Start failed: close the handles on this thread.
  if (!stopping_) CloseAll();
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
}

absl::Status MetricsHttpServer::Start() {
  if (options_.port <= 0 || options_.port > 65535) {
    return absl::InvalidArgumentError(StrCat("invalid metrics port ", options_.port));
  }
  int listening = 0;
  for (const std::string& entry : options_.bind) {
    bool optional = false;
    std::string host = BindHost(entry, &optional);
    if (host == "localhost") host = "127.0.0.1";
    const bool v6 = host.find(':') != std::string::npos;
    sockaddr_storage addr{};
    int rc = v6 ? uv_ip6_addr(host.c_str(), options_.port, reinterpret_cast<sockaddr_in6*>(&addr))
                : uv_ip4_addr(host.c_str(), options_.port, reinterpret_cast<sockaddr_in*>(&addr));
    if (rc != 0) return absl::InvalidArgumentError(StrCat("invalid bind address ", host));
    auto l = std::make_unique<uv_tcp_t>();
    uv_tcp_init(&loop_, l.get());
    l->data = this;
    rc = uv_tcp_bind(l.get(), reinterpret_cast<const sockaddr*>(&addr), v6 ? UV_TCP_IPV6ONLY : 0);
    if (rc == 0)
      rc = uv_listen(reinterpret_cast<uv_stream_t*>(l.get()), options_.backlog, OnConnection);
    listeners_.push_back(std::move(l));  // closed by CloseAll, listening or not
    if (rc != 0) {
      std::string msg = StrCat("Could not listen for metrics on ", host, ":", options_.port, ": ",
                               uv_strerror(rc));
      if (optional && AddressUnavailable(rc)) {
        fprintf(stderr, "Warning: %s (optional bind address skipped)\n", msg.c_str());
        continue;
      }
      return absl::UnavailableError(msg);
    }
    ++listening;
  }
  if (listening == 0) {
    return absl::UnavailableError(StrCat("Failed listening for metrics on port ", options_.port));
  }
  thread_ = std::thread([this] { uv_run(&loop_, UV_RUN_DEFAULT); });
  return absl::OkStatus();
}

void MetricsHttpServer::Stop() {
  if (!thread_.joinable()) return;
  uv_async_send(&stop_async_);
  thread_.join();
}

void MetricsHttpServer::OnStop(uv_async_t* a) {
  static_cast<MetricsHttpServer*>(a->data)->CloseAll();
}

void MetricsHttpServer::CloseAll() {
  stopping_ = true;
  for (auto& l : listeners_) uv_close(reinterpret_cast<uv_handle_t*>(l.get()), nullptr);
  std::vector<Conn*> conns = conns_;
  for (Conn* c : conns) c->Close();
  uv_close(reinterpret_cast<uv_handle_t*>(&stop_async_), nullptr);
}

void MetricsHttpServer::OnConnection(uv_stream_t* listener, int status) {
  if (status < 0) return;
  static_cast<MetricsHttpServer*>(listener->data)->Accept(listener);
}

void MetricsHttpServer::Accept(uv_stream_t* listener) {
  if (stopping_) return;
  auto* c = new Conn();
  c->server = this;
  uv_tcp_init(&loop_, &c->tcp);
  uv_timer_init(&loop_, &c->timer);
  c->tcp.data = c;
  c->timer.data = c;
  conns_.push_back(c);
  if (uv_accept(listener, c->stream()) != 0 ||
      conns_.size() > static_cast<size_t>(options_.max_connections)) {
    return c->Close();
  }
  uv_timer_start(&c->timer, Conn::OnTimeout, options_.request_timeout_ms, 0);
  if (uv_read_start(c->stream(), Conn::OnAlloc, Conn::OnRead) != 0) c->Close();
}

}  // namespace shoal
