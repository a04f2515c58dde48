// Unit tests of TlsSession without sockets: an OpenSSL client over memory
// BIOs talks to the session, bytes shuttled by hand.
#include "server/net/tls_session.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <string>

#include "gtest/gtest.h"
#include "server/net/tls_context.h"
#include "server/net/tls_test_certs.h"

namespace shoal {
namespace {

class TlsSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TlsOptions o;
    o.cert_file = pki_.path("server.crt");
    o.key_file = pki_.path("server.key");
    o.ca_cert_file = pki_.path("ca.crt");
    absl::StatusOr<SSL_CTX*> ctx = BuildTlsContext(o);
    ASSERT_TRUE(ctx.ok()) << ctx.status();
    server_ctx_ = *ctx;
    session_ = TlsSession::Create(server_ctx_);
    ASSERT_NE(session_, nullptr);

    client_ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(client_ctx_, pki_.path("ca.crt").c_str(), nullptr);
    SSL_CTX_set_verify(client_ctx_, SSL_VERIFY_PEER, nullptr);
  }
  void TearDown() override {
    session_.reset();
    if (client_ != nullptr) SSL_free(client_);
    SSL_CTX_free(client_ctx_);
    SSL_CTX_free(server_ctx_);
  }

  void NewClient(bool with_cert) {
    if (with_cert) {
      SSL_CTX_use_certificate_file(client_ctx_, pki_.path("client.crt").c_str(), SSL_FILETYPE_PEM);
      SSL_CTX_use_PrivateKey_file(client_ctx_, pki_.path("client.key").c_str(), SSL_FILETYPE_PEM);
    }
    client_ = SSL_new(client_ctx_);
    cin_ = BIO_new(BIO_s_mem());
    cout_ = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(cin_, -1);
    BIO_set_mem_eof_return(cout_, -1);
    SSL_set_bio(client_, cin_, cout_);
    SSL_set_connect_state(client_);
  }

  // Client -> server: what the client wrote is fed to the session, which
  // decrypts into `plain`. Server -> client: its output goes to the client.
  TlsSession::ReadResult Pump(std::string* plain) {
    char buf[4096];
    int n;
    while ((n = BIO_read(cout_, buf, sizeof(buf))) > 0) session_->FeedInput(buf, n);
    TlsSession::ReadResult r;
    for (;;) {
      size_t got = 0;
      r = session_->Read(buf, sizeof(buf), &got);
      if (r != TlsSession::ReadResult::kData) break;
      plain->append(buf, got);
    }
    std::string out;
    session_->TakeOutput(&out);
    if (!out.empty()) BIO_write(cin_, out.data(), static_cast<int>(out.size()));
    return r;
  }

  bool Handshake() {
    std::string plain;
    for (int i = 0; i < 10; ++i) {
      int rc = SSL_do_handshake(client_);
      TlsSession::ReadResult r = Pump(&plain);
      if (r == TlsSession::ReadResult::kError) return false;
      if (rc == 1 && session_->handshake_done()) return true;
    }
    return false;
  }

  std::string ClientRead() {
    std::string out;
    char buf[4096];
    int n;
    while ((n = SSL_read(client_, buf, sizeof(buf))) > 0) out.append(buf, n);
    return out;
  }

  testing::TestPki pki_;
  SSL_CTX* server_ctx_ = nullptr;
  SSL_CTX* client_ctx_ = nullptr;
  std::unique_ptr<TlsSession> session_;
  SSL* client_ = nullptr;
  BIO* cin_ = nullptr;   // to the client
  BIO* cout_ = nullptr;  // from the client
};

TEST_F(TlsSessionTest, HandshakeThenRequestAndReply) {
  NewClient(/*with_cert=*/true);
  std::string early;
  EXPECT_EQ(session_->Write("too early", &early), 0u);  // nothing taken before the handshake
  EXPECT_FALSE(session_->failed());
  ASSERT_TRUE(Handshake());
  EXPECT_EQ(session_->protocol(), "TLSv1.3");
  EXPECT_FALSE(session_->cipher().empty());

  ASSERT_EQ(SSL_write(client_, "*1\r\n$4\r\nPING\r\n", 14), 14);
  std::string plain;
  EXPECT_EQ(Pump(&plain), TlsSession::ReadResult::kNeedMore);
  EXPECT_EQ(plain, "*1\r\n$4\r\nPING\r\n");

  std::string out;
  ASSERT_EQ(session_->Write("+PONG\r\n", &out), 7u);
  ASSERT_FALSE(out.empty());
  EXPECT_FALSE(session_->HasOutput());
  BIO_write(cin_, out.data(), static_cast<int>(out.size()));
  EXPECT_EQ(ClientRead(), "+PONG\r\n");
}

TEST_F(TlsSessionTest, LargeWriteIsTakenWhole) {
  NewClient(true);
  ASSERT_TRUE(Handshake());
  std::string big(3 << 20, 'x');
  std::string out;
  ASSERT_EQ(session_->Write(big, &out), big.size());
  EXPECT_GT(out.size(), big.size());
  EXPECT_FALSE(session_->HasOutput());  // all of it moved out, batch by batch
  BIO_write(cin_, out.data(), static_cast<int>(out.size()));
  EXPECT_EQ(ClientRead(), big);
}

TEST_F(TlsSessionTest, RecordSplitAcrossReadsIsReassembled) {
  NewClient(true);
  ASSERT_TRUE(Handshake());
  ASSERT_EQ(SSL_write(client_, "hello world", 11), 11);
  std::string wire(BIO_ctrl_pending(cout_), '\0');
  BIO_read(cout_, wire.data(), static_cast<int>(wire.size()));
  char buf[64];
  size_t got = 0;
  std::string plain;
  for (char c : wire) {
    EXPECT_TRUE(plain.empty());
    session_->FeedInput(&c, 1);
    if (session_->Read(buf, sizeof(buf), &got) == TlsSession::ReadResult::kData) {
      plain.append(buf, got);
    }
  }
  EXPECT_EQ(plain, "hello world");
}

TEST_F(TlsSessionTest, PlainTextIsAnError) {
  const char kPing[] = "PING\r\n";
  session_->FeedInput(kPing, sizeof(kPing) - 1);
  char buf[64];
  size_t got = 0;
  EXPECT_EQ(session_->Read(buf, sizeof(buf), &got), TlsSession::ReadResult::kError);
  EXPECT_TRUE(session_->failed());
  EXPECT_NE(session_->error().find("wrong version number"), std::string::npos)
      << session_->error();
  std::string out;
  EXPECT_EQ(session_->Write("x", &out), 0u);
}

TEST_F(TlsSessionTest, MissingClientCertificateFailsTheHandshake) {
  NewClient(/*with_cert=*/false);
  EXPECT_FALSE(Handshake());
  EXPECT_TRUE(session_->failed());
  EXPECT_NE(session_->error().find("peer did not return a certificate"), std::string::npos)
      << session_->error();
  // The alert went to the client (Pump passed it on): its read fails on it.
  char buf[16];
  ERR_clear_error();
  EXPECT_LE(SSL_read(client_, buf, sizeof(buf)), 0);
  std::string why = TakeOpenSslError();
  EXPECT_NE(why.find("alert certificate required"), std::string::npos) << why;
}

TEST_F(TlsSessionTest, CloseNotifyEndsTheStream) {
  NewClient(true);
  ASSERT_TRUE(Handshake());
  SSL_shutdown(client_);
  std::string plain;
  EXPECT_EQ(Pump(&plain), TlsSession::ReadResult::kClosed);
  session_->Shutdown();  // our close_notify in reply
  EXPECT_TRUE(session_->HasOutput());
}

// Two TlsSessions, a client made from BuildTlsClientContext (a replica's
// link) and the server session: handshake, data both ways.
TEST_F(TlsSessionTest, ClientSessionTalksToServerSession) {
  TlsOptions o;
  o.cert_file = pki_.path("server.crt");
  o.key_file = pki_.path("server.key");
  o.client_cert_file = pki_.path("client.crt");
  o.client_key_file = pki_.path("client.key");
  o.ca_cert_file = pki_.path("ca.crt");
  absl::StatusOr<SSL_CTX*> cctx = BuildTlsClientContext(o);
  ASSERT_TRUE(cctx.ok()) << cctx.status();
  std::unique_ptr<TlsSession> client = TlsSession::CreateClient(*cctx);
  SSL_CTX_free(*cctx);
  ASSERT_NE(client, nullptr);
  auto shuttle = [](TlsSession* from, TlsSession* to) {
    std::string bytes;
    from->TakeOutput(&bytes);
    to->FeedInput(bytes.data(), bytes.size());
  };
  char buf[256];
  size_t n = 0;
  bool done = false;
  for (int i = 0; i < 10 && !done; ++i) {
    TlsSession::ReadResult r = client->Handshake();
    ASSERT_NE(r, TlsSession::ReadResult::kError) << client->error();
    shuttle(client.get(), session_.get());
    ASSERT_NE(session_->Read(buf, sizeof(buf), &n), TlsSession::ReadResult::kError)
        << session_->error();
    shuttle(session_.get(), client.get());
    done = r == TlsSession::ReadResult::kData && session_->handshake_done();
  }
  ASSERT_TRUE(done);
  std::string wire;
  ASSERT_EQ(client->Write("PSYNC ? -1\r\n", &wire), 12u);
  session_->FeedInput(wire.data(), wire.size());
  ASSERT_EQ(session_->Read(buf, sizeof(buf), &n), TlsSession::ReadResult::kData);
  EXPECT_EQ(std::string(buf, n), "PSYNC ? -1\r\n");
  wire.clear();
  ASSERT_EQ(session_->Write("+FULLRESYNC\r\n", &wire), 13u);
  client->FeedInput(wire.data(), wire.size());
  TlsSession::ReadResult r;
  std::string got;
  // TLS 1.3 session tickets may come first: read until the data.
  for (int i = 0; i < 5 && got.empty(); ++i) {
    r = client->Read(buf, sizeof(buf), &n);
    if (r == TlsSession::ReadResult::kData) got.assign(buf, n);
  }
  EXPECT_EQ(got, "+FULLRESYNC\r\n");
}

// The client checks the server's certificate against its CA.
TEST_F(TlsSessionTest, ClientSessionRefusesAnUntrustedServer) {
  TlsOptions o;
  o.cert_file = pki_.path("client.crt");
  o.key_file = pki_.path("client.key");
  o.ca_cert_file = pki_.path("client.crt");  // not the CA that signed the server
  absl::StatusOr<SSL_CTX*> cctx = BuildTlsClientContext(o);
  ASSERT_TRUE(cctx.ok()) << cctx.status();
  std::unique_ptr<TlsSession> client = TlsSession::CreateClient(*cctx);
  SSL_CTX_free(*cctx);
  char buf[64];
  size_t n = 0;
  TlsSession::ReadResult r = TlsSession::ReadResult::kNeedMore;
  for (int i = 0; i < 10 && r == TlsSession::ReadResult::kNeedMore; ++i) {
    r = client->Handshake();
    std::string bytes;
    client->TakeOutput(&bytes);
    session_->FeedInput(bytes.data(), bytes.size());
    session_->Read(buf, sizeof(buf), &n);
    bytes.clear();
    session_->TakeOutput(&bytes);
    client->FeedInput(bytes.data(), bytes.size());
  }
  EXPECT_EQ(r, TlsSession::ReadResult::kError);
  EXPECT_NE(client->error().find("certificate verify failed"), std::string::npos) << client->error();
}

TEST(TlsClientContext, NeedsACa) {
  TlsOptions o;
  o.cert_file = "x.crt";
  o.key_file = "x.key";
  absl::StatusOr<SSL_CTX*> cctx = BuildTlsClientContext(o);
  ASSERT_FALSE(cctx.ok());
  EXPECT_NE(cctx.status().message().find("tls-ca-cert-file"), std::string::npos);
}

}  // namespace
}  // namespace shoal
