// Test-only: a throwaway CA and certificates made in memory with OpenSSL,
// written as PEM files to a temporary directory, for the TLS unit tests.
// Nothing here is used by the server.
#ifndef SHOAL_SERVER_NET_TLS_TEST_CERTS_H_
#define SHOAL_SERVER_NET_TLS_TEST_CERTS_H_

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace shoal::testing {

class TestPki {
 public:
  TestPki() {
    char tmpl[] = "/tmp/shoal-tls-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    ca_key_ = EVP_EC_gen("P-256");
    ca_ = MakeCert("Test CA", ca_key_, nullptr, nullptr);
    Write(ca_, nullptr, "ca.crt", nullptr);
    Issue("server", "server.crt", "server.key");
    Issue("client", "client.crt", "client.key");
    EVP_PKEY* other = EVP_EC_gen("P-256");
    Write(nullptr, other, nullptr, "other.key");
    EVP_PKEY_free(other);
  }
  ~TestPki() {
    X509_free(ca_);
    EVP_PKEY_free(ca_key_);
    std::string cmd = "rm -rf " + dir_;
    [[maybe_unused]] int rc = system(cmd.c_str());
  }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

 private:
  static X509* MakeCert(const char* cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key) {
    X509* x = X509_new();
    X509_set_version(x, 2);
    static long serial = 1;
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
    if (issuer == nullptr) {  // a CA: OpenSSL 3 insists on basicConstraints
      X509V3_CTX v3;
      X509V3_set_ctx_nodb(&v3);
      X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, NID_basic_constraints, "critical,CA:TRUE");
      X509_add_ext(x, ext, -1);
      X509_EXTENSION_free(ext);
    }
    X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256());
    return x;
  }
  void Issue(const char* cn, const char* crt, const char* key_file) {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* x = MakeCert(cn, key, ca_, ca_key_);
    Write(x, key, crt, key_file);
    X509_free(x);
    EVP_PKEY_free(key);
  }
  void Write(X509* x, EVP_PKEY* key, const char* crt, const char* key_file) {
    if (x != nullptr) {
      FILE* f = fopen(path(crt).c_str(), "w");
      PEM_write_X509(f, x);
      fclose(f);
    }
    if (key != nullptr) {
      FILE* f = fopen(path(key_file).c_str(), "w");
      PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
      fclose(f);
    }
  }

  std::string dir_;
  EVP_PKEY* ca_key_ = nullptr;
  X509* ca_ = nullptr;
};

}  // namespace shoal::testing

#endif  // SHOAL_SERVER_NET_TLS_TEST_CERTS_H_
