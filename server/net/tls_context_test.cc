// Unit tests of the TLS configuration: protocol and auth-clients parsing,
// context construction errors, and the holder's reload rules.
#include "server/net/tls_context.h"

#include <openssl/ssl.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/dispatch/config_registry.h"
#include "server/net/tls_test_certs.h"

namespace shoal {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string ErrorOf(const TlsOptions& o) {
  return std::string(BuildTlsContext(o).status().message());
}

TEST(TlsProtocols, EmptyMeansTls12And13) {
  int mask = 0;
  ASSERT_TRUE(ParseTlsProtocols("", &mask));
  EXPECT_EQ(mask, kTlsV1_2 | kTlsV1_3);
  ASSERT_TRUE(ParseTlsProtocols("   ", &mask));
  EXPECT_EQ(mask, kTlsDefaultProtocols);
}

TEST(TlsProtocols, WordsAreCaseInsensitiveAndSpaceSeparated) {
  int mask = 0;
  ASSERT_TRUE(ParseTlsProtocols("TLSv1.2", &mask));
  EXPECT_EQ(mask, kTlsV1_2);
  ASSERT_TRUE(ParseTlsProtocols("tlsv1.3", &mask));
  EXPECT_EQ(mask, kTlsV1_3);
  ASSERT_TRUE(ParseTlsProtocols(" TLSv1  TLSv1.1 TLSv1.3 ", &mask));
  EXPECT_EQ(mask, kTlsV1 | kTlsV1_1 | kTlsV1_3);
}

TEST(TlsProtocols, UnknownWordIsRefused) {
  int mask = 99;
  EXPECT_FALSE(ParseTlsProtocols("TLSv1.4", &mask));
  EXPECT_FALSE(ParseTlsProtocols("SSLv3 TLSv1.2", &mask));
  EXPECT_FALSE(ParseTlsProtocols("TLSv1.2,TLSv1.3", &mask));
  EXPECT_EQ(mask, 99);
}

TEST(TlsAuthClients, ParsesRedisValues) {
  TlsAuthClients v;
  ASSERT_TRUE(ParseTlsAuthClients("yes", &v));
  EXPECT_EQ(v, TlsAuthClients::kYes);
  ASSERT_TRUE(ParseTlsAuthClients("NO", &v));
  EXPECT_EQ(v, TlsAuthClients::kNo);
  ASSERT_TRUE(ParseTlsAuthClients("Optional", &v));
  EXPECT_EQ(v, TlsAuthClients::kOptional);
  EXPECT_FALSE(ParseTlsAuthClients("maybe", &v));
  EXPECT_EQ(TlsAuthClientsName(TlsAuthClients::kOptional), "optional");
}

class TlsContextTest : public ::testing::Test {
 protected:
  TlsOptions Good() const {
    TlsOptions o;
    o.cert_file = pki_.path("server.crt");
    o.key_file = pki_.path("server.key");
    o.ca_cert_file = pki_.path("ca.crt");
    return o;
  }
  testing::TestPki pki_;
};

TEST_F(TlsContextTest, BuildsFromCertKeyAndCa) {
  absl::StatusOr<SSL_CTX*> ctx = BuildTlsContext(Good());
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  EXPECT_EQ(SSL_CTX_get_verify_mode(*ctx), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
  EXPECT_EQ(SSL_CTX_get_min_proto_version(*ctx), TLS1_2_VERSION);
  EXPECT_EQ(SSL_CTX_get_max_proto_version(*ctx), TLS1_3_VERSION);
  SSL_CTX_free(*ctx);
}

TEST_F(TlsContextTest, AuthClientsSetsVerifyMode) {
  TlsOptions o = Good();
  o.auth_clients = TlsAuthClients::kOptional;
  absl::StatusOr<SSL_CTX*> ctx = BuildTlsContext(o);
  ASSERT_TRUE(ctx.ok());
  EXPECT_EQ(SSL_CTX_get_verify_mode(*ctx), SSL_VERIFY_PEER);
  SSL_CTX_free(*ctx);
  o.auth_clients = TlsAuthClients::kNo;
  o.ca_cert_file.clear();  // no CA needed when clients are not asked
  ctx = BuildTlsContext(o);
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  EXPECT_EQ(SSL_CTX_get_verify_mode(*ctx), SSL_VERIFY_NONE);
  SSL_CTX_free(*ctx);
}

TEST_F(TlsContextTest, SingleProtocolPinsTheRange) {
  TlsOptions o = Good();
  o.protocols = "TLSv1.3";
  absl::StatusOr<SSL_CTX*> ctx = BuildTlsContext(o);
  ASSERT_TRUE(ctx.ok());
  EXPECT_EQ(SSL_CTX_get_min_proto_version(*ctx), TLS1_3_VERSION);
  EXPECT_EQ(SSL_CTX_get_max_proto_version(*ctx), TLS1_3_VERSION);
  SSL_CTX_free(*ctx);
}

TEST_F(TlsContextTest, ErrorsNameWhatFailed) {
  TlsOptions o = Good();
  o.cert_file.clear();
  EXPECT_EQ(ErrorOf(o), "No tls-cert-file configured");
  o = Good();
  o.key_file.clear();
  EXPECT_EQ(ErrorOf(o), "No tls-key-file configured");
  o = Good();
  o.ca_cert_file.clear();
  EXPECT_THAT(ErrorOf(o), HasSubstr("Either tls-ca-cert-file or tls-ca-cert-dir"));
  o = Good();
  o.cert_file = "/nonexistent.crt";
  EXPECT_THAT(ErrorOf(o), StartsWith("Failed to load certificate: /nonexistent.crt"));
  o = Good();
  o.key_file = pki_.path("other.key");
  EXPECT_THAT(ErrorOf(o), HasSubstr("key values mismatch"));
  o = Good();
  o.protocols = "TLSv2";
  EXPECT_THAT(ErrorOf(o), StartsWith("Invalid tls-protocols specified"));
  o = Good();
  o.ciphersuites = "NO_SUCH_SUITE";
  EXPECT_THAT(ErrorOf(o), StartsWith("Failed to configure ciphersuites"));
}

TEST_F(TlsContextTest, HolderBuildsOnlyOnceActive) {
  TlsContextHolder holder;
  EXPECT_EQ(holder.Acquire(), nullptr);
  // Values are only stored while inactive: half a configuration is fine.
  ASSERT_TRUE(holder.Update([&](TlsOptions* o) {
                      o->cert_file = pki_.path("server.crt");
                      return absl::OkStatus();
                    }).ok());
  EXPECT_TRUE(holder.Reload().ok());
  EXPECT_EQ(holder.Acquire(), nullptr);
  EXPECT_FALSE(holder.Activate().ok());  // no key yet
  EXPECT_FALSE(holder.active());
  ASSERT_TRUE(holder.Update([&](TlsOptions* o) {
                      *o = Good();
                      return absl::OkStatus();
                    }).ok());
  ASSERT_TRUE(holder.Activate().ok());
  SSL_CTX* first = holder.Acquire();
  ASSERT_NE(first, nullptr);
  // A bad file: the reload fails and the published context stays.
  ASSERT_TRUE(holder.Update([](TlsOptions* o) {
                      o->cert_file = "/nonexistent.crt";
                      return absl::OkStatus();
                    }).ok());
  EXPECT_FALSE(holder.Reload().ok());
  SSL_CTX* still = holder.Acquire();
  EXPECT_EQ(still, first);
  SSL_CTX_free(still);
  // Fixed: a new context is published; the old reference stays valid.
  ASSERT_TRUE(holder.Update([&](TlsOptions* o) {
                      o->cert_file = pki_.path("server.crt");
                      return absl::OkStatus();
                    }).ok());
  ASSERT_TRUE(holder.Reload().ok());
  SSL_CTX* next = holder.Acquire();
  EXPECT_NE(next, first);
  EXPECT_NE(SSL_CTX_get0_certificate(first), nullptr);
  SSL_CTX_free(first);
  SSL_CTX_free(next);
}

TEST_F(TlsContextTest, RegistryParametersShareOneApplyHook) {
  RuntimeConfig rc;
  ConfigRegistry reg(&rc);
  TlsContextHolder holder;
  RegisterTlsConfig(&reg, &holder, 6380);
  EXPECT_EQ(reg.Value("tls-port"), "6380");
  EXPECT_FALSE(reg.IsMutable("tls-port"));
  EXPECT_EQ(reg.Value("tls-auth-clients"), "yes");
  EXPECT_EQ(reg.Value("tls-session-cache-size"), "20480");
  ASSERT_TRUE(reg.Set("tls-auth-clients", "optional").ok());
  EXPECT_EQ(reg.Value("tls-auth-clients"), "optional");
  EXPECT_FALSE(reg.Set("tls-auth-clients", "sometimes").ok());
  EXPECT_FALSE(reg.Set("tls-protocols", "TLSv9").ok());
  ASSERT_TRUE(reg.Set("tls-protocols", "TLSv1.3").ok());
  EXPECT_EQ(holder.options().protocols, "TLSv1.3");
  EXPECT_FALSE(reg.Set("tls-session-caching", "maybe").ok());
  // tls-cluster is set at start-up (Set, as the config file does) and is
  // not mutable afterwards (CONFIG SET asks IsMutable).
  EXPECT_FALSE(reg.Set("tls-cluster", "maybe").ok());
  ASSERT_TRUE(reg.Set("tls-cluster", "yes").ok());
  EXPECT_TRUE(holder.options().cluster);
  EXPECT_FALSE(reg.IsMutable("tls-cluster"));
  EXPECT_TRUE(reg.Set("tls-replication", "no").ok());
  EXPECT_TRUE(reg.IsMutable("tls-replication"));
  ConfigRegistry::Apply cert = reg.ApplyHook("tls-cert-file");
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(cert, reg.ApplyHook("tls-key-file"));
  EXPECT_EQ(cert, reg.ApplyHook("tls-ciphers"));
  EXPECT_EQ(reg.ApplyHook("tls-port"), nullptr);
}

}  // namespace
}  // namespace shoal
