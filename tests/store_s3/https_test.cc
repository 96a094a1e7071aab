// https: certificates are verified (an untrusted server is refused at once, not retried), and
// with the right CA the store works, sending UNSIGNED-PAYLOAD bodies as over TLS it may.
#include <gtest/gtest.h>

#include "store/s3/s3_store.h"
#include "store_s3/s3_test_support.h"
#include "support/s3rver_fixture.h"
#include "util/error.h"

namespace unpackd::s3 {
namespace {

TEST(HttpsTest, TrustedCertificateWorksUntrustedIsRefused) {
  testing::S3rverFixture server({.buckets = {"secure"}, .tls = true});
  ASSERT_EQ(server.endpoint().rfind("https://", 0), 0u);

  S3Config config = testing::TestS3Config(server.endpoint());
  config.ca_bundle = server.ca_file();
  Executor executor({1, 2});
  MemoryBudget budget(64 << 20);
  S3Store store(config, executor, budget);
  auto writer = store.NewWriter({"secure", "over tls/한.txt"}, {});
  writer->Append(testing::Bytes("encrypted in transit"));
  writer->Commit();
  auto reader = store.OpenForRead({"secure", "over tls/한.txt"});
  std::string got(reader->info().size, '\0');
  reader->ReadAt(0, std::as_writable_bytes(std::span(got.data(), got.size())));
  EXPECT_EQ(got, "encrypted in transit");

  // The system store does not know this self-signed certificate.
  S3Config untrusted = testing::TestS3Config(server.endpoint());
  untrusted.retry.max_attempts = 5;
  S3Store refused(untrusted, executor, budget);
  try {
    refused.Stat({"secure", "over tls/한.txt"});
    FAIL() << "an untrusted certificate was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo) << e.what();
    EXPECT_NE(std::string(e.what()).find("certificate"), std::string::npos) << e.what();
    // Retried failures end with "(gave up after N attempts)"; this one must fail at once.
    EXPECT_EQ(std::string(e.what()).find("gave up"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace unpackd::s3
