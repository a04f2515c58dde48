// MetricsHttpServer: the built-in Prometheus endpoint (--metrics-port).
// Serves `GET /metrics` over HTTP/1.1 on every `bind` address of the client
// port; the page itself comes from a callback (BuildMetrics in
// server/dispatch/metrics_exposition.h; metric names in docs/metrics.md).
//
// Its own thread and libuv loop, not a worker's nor the acceptor's: building
// the page reads what INFO reads (the client registry under its mutex, every
// worker's latency histograms), which takes up to a few milliseconds with
// many commands in use. On a worker that would stall that worker's clients,
// on the main loop it would delay accepting them; on a thread of its own a
// scrape stalls nobody, and an idle thread costs nothing. Workers are never
// woken and never wait for it: counters are read with relaxed loads, as INFO
// reads them.
//
// A small subset of HTTP/1.1, enough for Prometheus, curl and a browser: one
// request per connection (every response says `Connection: close`). GET
// /metrics (a query string is ignored) -> 200; another path -> 404; another
// method on /metrics -> 405 with `Allow: GET`; a malformed request head, or
// one over max_request_head bytes -> 400. After the response the server
// shuts its side, discards what the client still sends (so that closing does
// not reset the connection under an unread response) and closes on the
// client's EOF or after a short linger.
//
// Bounds, so that no client can hold more than a little: at most
// max_connections at once (more are closed on accept); the request head
// buffer stops at max_request_head; a head must arrive within
// request_timeout_ms and a response be read within the same time; at most
// 64 KB are discarded after a response. An abrupt disconnect at any point
// just closes the connection.
//
// Threads: Start and Stop from one thread (main); everything else runs on
// the metrics thread, including `render`.
#ifndef SHOAL_SERVER_NET_METRICS_HTTP_H_
#define SHOAL_SERVER_NET_METRICS_HTTP_H_

#include <uv.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"

namespace shoal {

// ------------------------------------------------------------- parsing
// Pure functions over bytes, fuzzable and unit-tested without sockets.

enum class HttpHeadStatus {
  kNeedMore,   // no blank line yet, nothing wrong so far
  kComplete,   // *out is filled
  kMalformed,  // not an HTTP/1.x request head
  kTooLarge,   // no complete head within max_head bytes
};

struct HttpRequestHead {
  std::string_view method;  // views into the parsed buffer
  std::string_view target;
  int minor_version = 1;  // HTTP/1.<minor>
  size_t size = 0;        // bytes of the head, its blank line included
};

// Parses the request line and header lines (CRLF, or a bare LF, as RFC 9112
// allows) up to the blank line that ends the head. Header names must be
// tokens; no line may hold control characters (so a TLS hello or binary
// junk is malformed at once, not after a timeout); obsolete line folding is
// refused. A body is not read: every response closes the connection.
HttpHeadStatus ParseHttpRequestHead(std::string_view buf, size_t max_head, HttpRequestHead* out);

// A complete response with a body and `Connection: close`; `extra_headers`
// is empty or CRLF-terminated header lines.
std::string HttpResponse(int status, std::string_view content_type, std::string_view body,
                         std::string_view extra_headers = {});

// The response to a complete request head (see above); render() is called
// only for GET /metrics.
std::string MetricsResponse(const HttpRequestHead& head,
                            const std::function<std::string()>& render);

// ------------------------------------------------------------- the server

struct MetricsHttpOptions {
  // As NetOptions::bind (a leading '-' marks an optional address).
  std::vector<std::string> bind = {"127.0.0.1", "-::1"};
  int port = 0;
  int backlog = 64;
  size_t max_request_head = 8192;
  int max_connections = 16;
  int request_timeout_ms = 10'000;
  int linger_ms = 1000;
  // Builds the page; runs on the metrics thread.
  std::function<std::string()> render;
};

class MetricsHttpServer {
 public:
  explicit MetricsHttpServer(MetricsHttpOptions options);
  ~MetricsHttpServer();  // Stop()
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  // Binds every address (an error names the one that failed), then starts
  // the thread.
  absl::Status Start();
  // Closes the listeners and connections and joins the thread. Idempotent.
  void Stop();

 private:
  struct Conn;
  static void OnConnection(uv_stream_t* listener, int status);
  static void OnStop(uv_async_t* a);
  void Accept(uv_stream_t* listener);
  void CloseAll();

  MetricsHttpOptions options_;
  uv_loop_t loop_;
  uv_async_t stop_async_;
  std::vector<std::unique_ptr<uv_tcp_t>> listeners_;
  std::vector<Conn*> conns_;         // metrics thread only
  std::unique_ptr<char[]> scratch_;  // read buffer: libuv reads one stream at a time
  std::thread thread_;
  bool started_ = false;
  bool stopping_ = false;  // metrics thread only
};

}  // namespace shoal

#endif  // SHOAL_SERVER_NET_METRICS_HTTP_H_
