// Tests for the metrics endpoint's HTTP side: the request-head parser on good
// and bad input (partial, oversized, junk, bad versions, folded headers),
// the routing to 200/404/405, and one live server on loopback (a request, an
// oversized head, a client that leaves mid-request, and Stop with a
// connection still open).
#include "server/net/metrics_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include "gtest/gtest.h"

namespace shoal {
namespace {

HttpHeadStatus Parse(std::string_view buf, HttpRequestHead* head = nullptr, size_t max = 8192) {
  HttpRequestHead h;
  return ParseHttpRequestHead(buf, max, head != nullptr ? head : &h);
}

TEST(HttpRequestHead, ParsesAGetWithHeaders) {
  std::string req =
      "GET /metrics HTTP/1.1\r\nHost: localhost:9121\r\nUser-Agent: Prometheus/2.45\r\n"
      "Accept: text/plain;version=0.0.4;q=1,*/*;q=0.1\r\n\r\n";
  HttpRequestHead h;
  ASSERT_EQ(Parse(req, &h), HttpHeadStatus::kComplete);
  EXPECT_EQ(h.method, "GET");
  EXPECT_EQ(h.target, "/metrics");
  EXPECT_EQ(h.minor_version, 1);
  EXPECT_EQ(h.size, req.size());
}

TEST(HttpRequestHead, AcceptsBareLfAndHttp10AndLeadingBlankLines) {
  HttpRequestHead h;
  ASSERT_EQ(Parse("\r\nGET /metrics?x=1 HTTP/1.0\nHost: a\n\n", &h), HttpHeadStatus::kComplete);
  EXPECT_EQ(h.target, "/metrics?x=1");
  EXPECT_EQ(h.minor_version, 0);
  EXPECT_EQ(Parse("GET / HTTP/1.1\r\n\r\n"), HttpHeadStatus::kComplete);
}

TEST(HttpRequestHead, WaitsForTheBlankLine) {
  const std::string req = "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n";
  for (size_t n = 0; n < req.size(); ++n) {
    EXPECT_EQ(Parse(req.substr(0, n)), HttpHeadStatus::kNeedMore) << n;
  }
  EXPECT_EQ(Parse(req), HttpHeadStatus::kComplete);
}

TEST(HttpRequestHead, RefusesMalformedHeads) {
  for (std::string_view bad : {
           "GET\r\n\r\n",                                  // no target, no version
           "GET /metrics\r\n\r\n",                         // HTTP/0.9
           "GET  /metrics HTTP/1.1\r\n\r\n",               // two spaces
           "GET /metrics HTTP/1.1 \r\n\r\n",               // trailing space
           "GET /metrics HTTP/2.0\r\n\r\n",                // not 1.x
           "GET /metrics HTTP/1.10\r\n\r\n",               // version too long
           "GET /metrics http/1.1\r\n\r\n",                // case matters
           "G(T /metrics HTTP/1.1\r\n\r\n",                // method not a token
           "GET /met\trics HTTP/1.1\r\n\r\n",              // tab in the target
           "GET /metrics HTTP/1.1\r\nNoColon\r\n\r\n",     // header without ':'
           "GET /metrics HTTP/1.1\r\n: empty\r\n\r\n",     // empty header name
           "GET /metrics HTTP/1.1\r\nA b: c\r\n\r\n",      // space in a name
           "GET /metrics HTTP/1.1\r\nA: b\r\n c\r\n\r\n",  // obs-fold
           "GET /metrics HTTP/1.1\r\nA: b\rc\r\n\r\n",     // bare CR
           "GET /metrics HTTP/1.1\r\nA: \x01\r\n\r\n",     // control character
       }) {
    EXPECT_EQ(Parse(bad), HttpHeadStatus::kMalformed) << bad;
  }
  // A NUL inside the request line.
  EXPECT_EQ(Parse(std::string_view("GET /m\0 HTTP/1.1\r\n\r\n", 20)), HttpHeadStatus::kMalformed);
}

TEST(HttpRequestHead, RefusesJunkBeforeAnyNewline) {
  // A TLS ClientHello, a RESP command: malformed at once, no need to wait.
  EXPECT_EQ(Parse(std::string_view("\x16\x03\x01\x02\x00\x01", 6)), HttpHeadStatus::kMalformed);
  EXPECT_EQ(Parse("*1\r\n$4\r\nPING\r\n"), HttpHeadStatus::kMalformed);
}

TEST(HttpRequestHead, CapsTheHeadSize) {
  std::string head = "GET /metrics HTTP/1.1\r\nX: " + std::string(100, 'a') + "\r\n\r\n";
  EXPECT_EQ(Parse(head, nullptr, head.size()), HttpHeadStatus::kComplete);
  EXPECT_EQ(Parse(head, nullptr, head.size() - 1), HttpHeadStatus::kTooLarge);
  // No newline at all within the cap.
  EXPECT_EQ(Parse(std::string(64, 'G'), nullptr, 64), HttpHeadStatus::kTooLarge);
  EXPECT_EQ(Parse(std::string(63, 'G'), nullptr, 64), HttpHeadStatus::kNeedMore);
  // Endless headers.
  std::string many = "GET /metrics HTTP/1.1\r\n";
  while (many.size() < 9000) many += "X-A: b\r\n";
  EXPECT_EQ(Parse(many), HttpHeadStatus::kTooLarge);
}

std::string Status(const std::string& response) {
  return response.substr(0, response.find("\r\n"));
}

TEST(MetricsResponse, RoutesGetMetricsOnly) {
  int renders = 0;
  auto render = [&renders] {
    ++renders;
    return std::string("shoal_up 1\n");
  };
  HttpRequestHead h;
  h.method = "GET";
  h.target = "/metrics";
  std::string ok = MetricsResponse(h, render);
  EXPECT_EQ(Status(ok), "HTTP/1.1 200 OK");
  EXPECT_NE(ok.find("\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            std::string::npos);
  EXPECT_NE(ok.find("\r\nContent-Length: 11\r\n"), std::string::npos);
  EXPECT_NE(ok.find("\r\nConnection: close\r\n"), std::string::npos);
  EXPECT_EQ(ok.substr(ok.size() - 15), "\r\n\r\nshoal_up 1\n");
  h.target = "/metrics?name[]=x";
  EXPECT_EQ(Status(MetricsResponse(h, render)), "HTTP/1.1 200 OK");
  EXPECT_EQ(renders, 2);

  h.target = "/";
  EXPECT_EQ(Status(MetricsResponse(h, render)), "HTTP/1.1 404 Not Found");
  h.target = "/metricsx";
  EXPECT_EQ(Status(MetricsResponse(h, render)), "HTTP/1.1 404 Not Found");
  h.target = "/metrics";
  for (std::string_view m : {"POST", "PUT", "DELETE", "HEAD", "get"}) {
    h.method = m;
    std::string r = MetricsResponse(h, render);
    EXPECT_EQ(Status(r), "HTTP/1.1 405 Method Not Allowed") << m;
    EXPECT_NE(r.find("\r\nAllow: GET\r\n"), std::string::npos);
  }
  EXPECT_EQ(renders, 2);
}

// ------------------------------------------------------------- live

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Sends `request` and reads until the server closes.
std::string Exchange(int port, std::string_view request) {
  int fd = Connect(port);
  if (fd < 0) return "<no connection>";
  if (!request.empty()) (void)!write(fd, request.data(), request.size());
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) out.append(buf, n);
  close(fd);
  return out;
}

TEST(MetricsHttpServer, ServesAndSurvivesBadClients) {
  std::atomic<int> renders{0};
  MetricsHttpOptions o;
  o.bind = {"127.0.0.1"};
  o.port = FreePort();
  o.max_request_head = 1024;
  o.render = [&renders] {
    ++renders;
    return std::string("shoal_up 1\n");
  };
  MetricsHttpServer server(o);
  ASSERT_TRUE(server.Start().ok());

  std::string r = Exchange(o.port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(Status(r), "HTTP/1.1 200 OK");
  EXPECT_EQ(r.substr(r.size() - 11), "shoal_up 1\n");
  EXPECT_EQ(Status(Exchange(o.port, "GET /nope HTTP/1.1\r\n\r\n")), "HTTP/1.1 404 Not Found");
  EXPECT_EQ(Status(Exchange(o.port, "POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc")),
            "HTTP/1.1 405 Method Not Allowed");
  EXPECT_EQ(Status(Exchange(o.port, "GET /metrics HTTP/1.1\r\nX: " + std::string(2000, 'a'))),
            "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(Status(Exchange(o.port, "hello\r\n\r\n")), "HTTP/1.1 400 Bad Request");

  // Leaves mid-request, and one leaves without a word.
  int fd = Connect(o.port);
  ASSERT_GE(fd, 0);
  (void)!write(fd, "GET /met", 8);
  close(fd);
  fd = Connect(o.port);
  ASSERT_GE(fd, 0);
  linger lg{1, 0};  // close with a reset
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  (void)!write(fd, "GET /metrics HTTP/1.1\r\n", 23);
  close(fd);

  EXPECT_EQ(Status(Exchange(o.port, "GET /metrics HTTP/1.0\r\n\r\n")), "HTTP/1.1 200 OK");
  EXPECT_EQ(renders.load(), 2);

  // Stop with a connection open that has sent nothing.
  int idle = Connect(o.port);
  ASSERT_GE(idle, 0);
  server.Stop();
  char c;
  EXPECT_LE(read(idle, &c, 1), 0);
  close(idle);
}

TEST(MetricsHttpServer, FailsToStartOnAPortInUse) {
  MetricsHttpOptions o;
  o.bind = {"127.0.0.1"};
  o.port = FreePort();
  o.render = [] { return std::string(); };
  MetricsHttpServer first(o);
  ASSERT_TRUE(first.Start().ok());
  MetricsHttpServer second(o);
  absl::Status st = second.Start();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(std::string(st.message()).find("metrics"), std::string::npos);
}

TEST(MetricsHttpServer, SkipsAnOptionalAddressThatDoesNotExist) {
  MetricsHttpOptions o;
  o.bind = {"127.0.0.1", "-192.0.2.1"};  // TEST-NET-1: not an address of this host
  o.port = FreePort();
  o.render = [] { return std::string("x 1\n"); };
  MetricsHttpServer server(o);
  ASSERT_TRUE(server.Start().ok());
  EXPECT_EQ(Status(Exchange(o.port, "GET /metrics HTTP/1.1\r\n\r\n")), "HTTP/1.1 200 OK");
}

}  // namespace
}  // namespace shoal
