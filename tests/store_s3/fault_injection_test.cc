// Retries, resumption and cleanup under injected faults, against FakeS3Server (see there why a
// fake is needed for these).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "cloud/aws/credentials_chain.h"
#include "store/s3/s3_store.h"
#include "store_s3/fake_s3_server.h"
#include "store_s3/s3_test_support.h"
#include "util/error.h"

namespace unpackd::s3 {
namespace {

using testing::Bytes;
using testing::Crc32Checksum;
using testing::ErrorResponse;
using testing::FakeS3Server;
using testing::FillPattern;
using testing::LoopbackRequest;
using testing::LoopbackResponse;
using testing::TestS3Config;

constexpr char kBucket[] = "bucket";

class FaultInjectionTest : public ::testing::Test {
 protected:
  // Three part uploads at once, as a small store would run them, within 20 MiB of parts.
  Executor executor_{ExecutorShape{1, 3}};
  MemoryBudget budget_{20 << 20};
  S3Config config_;  // of the last store made

  // Lists uploads as an operator would, with a client of its own.
  std::vector<MultipartUploadListing> Uploads() {
    return S3Client(config_).ListMultipartUploads(kBucket, "");
  }
  std::unique_ptr<S3Store> NewStore(
      int max_attempts = 3, std::chrono::milliseconds time_budget = std::chrono::seconds(2)) {
    S3Config config = TestS3Config(fake_.endpoint(), "AKIDFAKE", "fake-secret");
    config.retry.max_attempts = max_attempts;
    config.retry.time_budget = time_budget;
    config.stall_timeout = std::chrono::seconds(1);
    config.part_size = 5 << 20;
    config_ = config;
    return std::make_unique<S3Store>(config, executor_, budget_);
  }

  // Fails the first `times` requests matching `method` with `response`.
  void FailFirst(const std::string& method, int times, LoopbackResponse response) {
    auto remaining = std::make_shared<std::atomic<int>>(times);
    fake_.set_fault_hook([=](const LoopbackRequest& r, int) -> std::optional<LoopbackResponse> {
      if (r.method == method && remaining->fetch_sub(1) > 0) return response;
      return std::nullopt;
    });
  }

  int CountRequests(const std::string& method, const std::string& target_part = "") {
    int n = 0;
    for (const auto& r : fake_.requests()) {
      n += r.method == method && r.target.find(target_part) != std::string::npos;
    }
    return n;
  }

  // The server does the work of the first `times` requests matching `method` and `target_part`
  // but the client gets a reset instead of the answer; `after` runs then (at most once).
  void LoseReplies(const std::string& method, const std::string& target_part, int times,
                   std::function<void()> after = nullptr) {
    auto remaining = std::make_shared<std::atomic<int>>(times);
    fake_.set_reply_hook([=](const LoopbackRequest& r, LoopbackResponse& response) {
      if (r.method != method || r.target.find(target_part) == std::string::npos) return;
      const int left = remaining->fetch_sub(1);
      if (left <= 0) return;
      response.fault = LoopbackResponse::Fault::kReset;
      if (after && left == times) after();
    });
  }

  // Writes `size` pattern bytes to `key` with unpackd-like metadata (or none).
  ObjectInfo Write(S3Store& store, const std::string& key, size_t size, bool with_metadata) {
    WriteOptions options;
    if (with_metadata) options.metadata = kMetadata;
    options.size_hint = size;
    auto writer = store.NewWriter({kBucket, key}, options);
    std::vector<std::byte> data(size);
    FillPattern(3, 0, data);
    writer->Append(data);
    return writer->Commit();
  }

  static inline const UserMetadata kMetadata = {{"unpackd-source", "bucket/a.zip"},
                                                {"unpackd-source-etag", "0123abcd"},
                                                {"unpackd-crc32", "89abcdef"}};

  FakeS3Server fake_;
};

TEST_F(FaultInjectionTest, SlowDownIsRetriedWithBackoffThenSucceeds) {
  FailFirst("PUT", 2, ErrorResponse(503, "SlowDown"));
  auto store = NewStore();
  auto writer = store->NewWriter({kBucket, "k"}, {});
  writer->Append(Bytes("payload"));
  writer->Commit();
  EXPECT_EQ(CountRequests("PUT"), 3);
  ASSERT_TRUE(fake_.GetObject("k"));
  EXPECT_EQ(fake_.GetObject("k")->data, "payload");
}

TEST_F(FaultInjectionTest, ThrottlingAndGatewayErrorsAreRetried) {
  for (int status : {429, 500, 502, 504}) {
    fake_.PutObject("k", "v");
    FailFirst("HEAD", 1, ErrorResponse(status, status == 429 ? "TooManyRequests" : "X"));
    EXPECT_EQ(NewStore()->Stat({kBucket, "k"}).size, 1u) << status;
  }
}

TEST_F(FaultInjectionTest, ConnectionResetIsRetried) {
  fake_.PutObject("k", "value");
  LoopbackResponse reset;
  reset.fault = LoopbackResponse::Fault::kReset;
  FailFirst("HEAD", 2, reset);
  EXPECT_EQ(NewStore()->Stat({kBucket, "k"}).size, 5u);
  EXPECT_EQ(CountRequests("HEAD"), 3);
}

TEST_F(FaultInjectionTest, RetriesEndWhenTheTimeBudgetIsSpentAndTheErrorSaysSo) {
  FailFirst("PUT", 100000, ErrorResponse(503, "SlowDown"));
  auto store = NewStore(3, std::chrono::milliseconds(300));
  const auto start = std::chrono::steady_clock::now();
  try {
    Write(*store, "k", 10, true);
    FAIL();
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::kTransient);
    EXPECT_EQ(e.code(), "SlowDown");
    EXPECT_NE(m.find("PutObject s3://bucket/k failed: " + fake_.endpoint() + " kept failing for"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("beyond the retry time budget of 0.3 s"), std::string::npos) << m;
    EXPECT_NE(m.find("HTTP 503 SlowDown"), std::string::npos) << m;
    // The PUT may have taken effect with its reply lost: HEAD says it did not.
    EXPECT_NE(m.find("the object is not there either"), std::string::npos) << m;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_GE(seconds, 0.3);
  EXPECT_LT(seconds, 2.0);
  EXPECT_GE(CountRequests("PUT"), 3);
}

TEST_F(FaultInjectionTest, ClientErrorsFailAtOnce) {
  fake_.PutObject("k", "value");
  FailFirst("HEAD", 1000, ErrorResponse(403, "AccessDenied"));
  try {
    NewStore()->Stat({kBucket, "k"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kAccessDenied);
    EXPECT_NE(std::string(e.what()).find("AKIDFAKE"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("fake-secret"), std::string::npos) << e.what();
  }
  EXPECT_EQ(CountRequests("HEAD"), 1);
}

TEST_F(FaultInjectionTest, RequestsAreSignedWithPayloadHashAndCarryCrc32) {
  auto store = NewStore();
  auto writer = store->NewWriter({kBucket, "signed"}, {});
  writer->Append(Bytes("abc"));
  writer->Commit();
  const LoopbackRequest put = fake_.requests().back();
  EXPECT_EQ(put.Header("x-amz-content-sha256"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");  // sha256("abc")
  EXPECT_EQ(put.Header("x-amz-checksum-crc32"), "NSRBwg==");  // crc32("abc") = 0x352441c2
  EXPECT_EQ(put.Header("content-md5"), "");
  EXPECT_EQ(put.Header("authorization").rfind("AWS4-HMAC-SHA256 Credential=AKIDFAKE/", 0), 0u)
      << put.Header("authorization");
  EXPECT_NE(put.Header("authorization").find("x-amz-content-sha256"), std::string::npos);
  EXPECT_EQ(put.Header("content-type"), "application/octet-stream");
}

TEST_F(FaultInjectionTest, ContentMd5AndUnsignedPayloadWhenConfigured) {
  S3Config config = TestS3Config(fake_.endpoint(), "AKIDFAKE", "fake-secret");
  config.body_checksum = BodyChecksum::kContentMd5;
  config.sign_payload = false;
  S3Client client(config);
  client.PutObject(kBucket, "md5", Bytes("abc"), {});
  const LoopbackRequest put = fake_.requests().back();
  EXPECT_EQ(put.Header("content-md5"), "kAFQmDzST7DWlj99KOF/cg==");  // md5("abc")
  EXPECT_EQ(put.Header("x-amz-checksum-crc32"), "");
  EXPECT_EQ(put.Header("x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
  EXPECT_EQ(fake_.GetObject("md5")->data, "abc");
}

TEST_F(FaultInjectionTest, DamagedBodyIsRefusedByItsCrc32) {
  // A proxy that flips a byte on the way: the server's CRC-32 check refuses the body, and
  // the refusal is final (no retry would carry other bytes).
  fake_.set_fault_hook([](const LoopbackRequest& r, int) -> std::optional<LoopbackResponse> {
    if (r.method != "PUT") return std::nullopt;
    if (r.Header("x-amz-checksum-crc32") == Crc32Checksum("abd")) return std::nullopt;
    return ErrorResponse(400, "BadDigest", "The CRC32 you specified did not match.");
  });
  auto store = NewStore();
  auto writer = store->NewWriter({kBucket, "damaged"}, {});
  writer->Append(Bytes("abc"));
  try {
    writer->Commit();
    FAIL() << "a body whose checksum the server refused was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "BadDigest") << e.what();
  }
  EXPECT_EQ(CountRequests("PUT"), 1);
}

TEST_F(FaultInjectionTest, ServerWithoutFlexibleChecksumsGetsContentMd5FromThenOn) {
  // An older S3-compatible server that rejects the checksum headers outright.
  fake_.set_fault_hook([](const LoopbackRequest& r, int) -> std::optional<LoopbackResponse> {
    if (r.Header("x-amz-checksum-crc32").empty() && r.Header("x-amz-checksum-algorithm").empty()) {
      return std::nullopt;
    }
    return ErrorResponse(400, "InvalidArgument", "x-amz-checksum-crc32 is not supported");
  });
  auto store = NewStore();
  const size_t size = (11 << 20) + 5;  // multipart: 5 + 5 + 1 MiB
  std::string data(size, '\0');
  FillPattern(4, 0, std::as_writable_bytes(std::span(data.data(), data.size())));
  WriteOptions options;
  options.size_hint = size;
  auto writer = store->NewWriter({kBucket, "big"}, options);
  writer->Append(std::as_bytes(std::span(data.data(), data.size())));
  writer->Commit();
  EXPECT_TRUE(fake_.GetObject("big")->data == data);
  auto small = store->NewWriter({kBucket, "small"}, {});
  small->Append(Bytes("abc"));
  small->Commit();
  EXPECT_EQ(fake_.GetObject("small")->data, "abc");
  // One refused request (the first Create), then Content-MD5 on everything.
  int refused = 0;
  for (const LoopbackRequest& r : fake_.requests()) {
    refused +=
        !r.Header("x-amz-checksum-crc32").empty() || !r.Header("x-amz-checksum-algorithm").empty();
  }
  EXPECT_EQ(refused, 1);
  EXPECT_EQ(fake_.requests().back().Header("content-md5"), "kAFQmDzST7DWlj99KOF/cg==");
}

// Like radosgw before flexible checksums (tests/store_rgw): the header is accepted, not checked,
// and not echoed in the reply.
void IgnoreChecksums(FakeS3Server& fake) {
  fake.set_reply_hook([](const LoopbackRequest&, LoopbackResponse& response) {
    std::erase_if(response.headers,
                  [](const auto& header) { return header.first == "x-amz-checksum-crc32"; });
  });
}

TEST_F(FaultInjectionTest, ServerThatIgnoresChecksumsGetsContentMd5AfterItsFirstReply) {
  IgnoreChecksums(fake_);
  auto store = NewStore();
  for (const char* key : {"first", "second", "third"}) {
    auto writer = store->NewWriter({kBucket, key}, {});
    writer->Append(Bytes("abc"));
    writer->Commit();
  }
  const std::vector<LoopbackRequest> requests = fake_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].Header("x-amz-checksum-crc32"), "NSRBwg==");
  EXPECT_EQ(requests[0].Header("content-md5"), "");
  for (size_t i = 1; i < requests.size(); ++i) {
    EXPECT_EQ(requests[i].Header("x-amz-checksum-crc32"), "");
    EXPECT_EQ(requests[i].Header("content-md5"), "kAFQmDzST7DWlj99KOF/cg==");
  }
}

TEST_F(FaultInjectionTest, Crc32WhenConfiguredEvenIfTheServerDoesNotEchoIt) {
  IgnoreChecksums(fake_);
  S3Config config = TestS3Config(fake_.endpoint(), "AKIDFAKE", "fake-secret");
  config.body_checksum = BodyChecksum::kCrc32;
  S3Client client(config);
  client.PutObject(kBucket, "first", Bytes("abc"), {});
  client.PutObject(kBucket, "second", Bytes("abc"), {});
  EXPECT_EQ(fake_.requests().back().Header("x-amz-checksum-crc32"), "NSRBwg==");
  EXPECT_EQ(fake_.requests().back().Header("content-md5"), "");
}

TEST_F(FaultInjectionTest, BrokenDownloadResumesFromTheLastByteReceived) {
  std::string data(200000, '\0');
  FillPattern(1, 0, std::as_writable_bytes(std::span(data.data(), data.size())));
  fake_.PutObject("k", data);
  auto store = NewStore();
  auto reader = store->OpenForRead({kBucket, "k"});
  auto gets = std::make_shared<std::atomic<int>>(0);
  fake_.set_fault_hook([&, gets](const LoopbackRequest& r, int) -> std::optional<LoopbackResponse> {
    if (r.method != "GET" || ++*gets > 1) return std::nullopt;
    // Serve the first attempt properly but cut it off after 12345 bytes.
    LoopbackResponse full;
    full.status = 206;
    full.headers = {{"ETag", "\"" + fake_.GetObject("k")->etag + "\""},
                    {"Content-Range", "bytes 1000-150999/200000"}};
    full.body = data.substr(1000, 150000);
    full.fault = LoopbackResponse::Fault::kTruncateBody;
    full.truncate_at = 12345;
    return full;
  });
  std::string got(150000, '\0');
  ASSERT_EQ(reader->ReadAt(1000, std::as_writable_bytes(std::span(got.data(), got.size()))),
            got.size());
  EXPECT_EQ(got, data.substr(1000, 150000));
  std::vector<std::string> ranges;
  for (const auto& r : fake_.requests()) {
    if (r.method == "GET") ranges.push_back(r.Header("range"));
  }
  EXPECT_EQ(ranges, (std::vector<std::string>{"bytes=1000-150999", "bytes=13345-150999"}));
  for (const auto& r : fake_.requests()) {
    if (r.method == "GET") {
      EXPECT_EQ(r.Header("if-match"), "\"" + fake_.GetObject("k")->etag + "\"");
    }
  }
}

TEST_F(FaultInjectionTest, StalledDownloadTimesOutAndResumes) {
  std::string data(50000, 'z');
  fake_.PutObject("k", data);
  auto store = NewStore();
  auto reader = store->OpenForRead({kBucket, "k"});
  auto gets = std::make_shared<std::atomic<int>>(0);
  fake_.set_fault_hook([&, gets](const LoopbackRequest& r, int) -> std::optional<LoopbackResponse> {
    if (r.method != "GET" || ++*gets > 1) return std::nullopt;
    LoopbackResponse stalled;
    stalled.status = 206;
    stalled.headers = {{"ETag", "\"" + fake_.GetObject("k")->etag + "\""},
                       {"Content-Range", "bytes 0-49999/50000"}};
    stalled.body = data;
    stalled.fault = LoopbackResponse::Fault::kStallBody;
    // Headers, then silence: curl's averaged transfer speed is zero from the start, so the
    // stall is detected after stall_timeout rather than after its averaging window.
    stalled.truncate_at = 0;
    return stalled;
  });
  std::string got(50000, '\0');
  auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(reader->ReadAt(0, std::as_writable_bytes(std::span(got.data(), got.size()))), 50000u);
  EXPECT_EQ(got, data);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(*gets, 2);
}

TEST_F(FaultInjectionTest, IfMatchFailureIsAPreconditionError) {
  fake_.PutObject("archive.zip", "version one");
  auto store = NewStore();
  auto reader = store->OpenForRead({kBucket, "archive.zip"});
  fake_.PutObject("archive.zip", "version two");
  std::vector<std::byte> buf(4);
  try {
    reader->ReadAt(0, buf);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kPrecondition) << e.what();
  }
}

TEST_F(FaultInjectionTest, MultipartPartsGoConcurrentlyAndCompleteInOrder) {
  auto store = NewStore();
  const size_t size = (23 << 20) + 17;
  std::string data(size, '\0');
  FillPattern(9, 0, std::as_writable_bytes(std::span(data.data(), data.size())));
  WriteOptions options;
  options.size_hint = size;
  auto writer = store->NewWriter({kBucket, "big"}, options);
  for (size_t off = 0; off < size; off += 777777) {
    auto piece = std::as_bytes(std::span(data.data() + off, std::min<size_t>(777777, size - off)));
    writer->Append(piece);
  }
  ObjectInfo info = writer->Commit();
  EXPECT_EQ(info.size, size);
  EXPECT_NE(info.etag.find("-5"), std::string::npos) << info.etag;  // 4 x 5 MiB + the rest
  // Composite CRC-32: the upload declares it, every part carries its own, Complete lists them
  // (the fake refuses a Complete whose parts' checksums are missing or wrong).
  int parts_with_crc = 0;
  for (const LoopbackRequest& r : fake_.requests()) {
    if (r.method == "POST" && r.target.find("uploads") != std::string::npos) {
      EXPECT_EQ(r.Header("x-amz-checksum-algorithm"), "CRC32");
    }
    if (r.method == "PUT" && r.target.find("partNumber") != std::string::npos) {
      parts_with_crc += !r.Header("x-amz-checksum-crc32").empty();
      EXPECT_EQ(r.Header("content-md5"), "");
    }
  }
  EXPECT_EQ(parts_with_crc, 5);
  ASSERT_TRUE(fake_.GetObject("big"));
  EXPECT_TRUE(fake_.GetObject("big")->data == data);
  EXPECT_TRUE(fake_.uploads().empty());
}

TEST_F(FaultInjectionTest, FailedPartAbortsTheUploadAndLeavesNothing) {
  auto store = NewStore();
  fake_.set_fault_hook([](const LoopbackRequest& r, int) -> std::optional<LoopbackResponse> {
    if (r.method == "PUT" && r.target.find("partNumber=3") != std::string::npos) {
      return ErrorResponse(400, "InvalidRequest");
    }
    return std::nullopt;
  });
  auto writer = store->NewWriter({kBucket, "doomed"}, {});
  std::vector<std::byte> chunk(1 << 20);
  bool failed = false;
  try {
    for (int i = 0; i < 40; ++i) {
      FillPattern(i, 0, chunk);
      writer->Append(chunk);
    }
    writer->Commit();
  } catch (const Error& e) {
    failed = true;
    EXPECT_NE(std::string(e.what()).find("UploadPart 3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("doomed"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(failed);
  EXPECT_EQ(fake_.aborted_uploads(), 1);
  EXPECT_FALSE(fake_.GetObject("doomed"));
  // ListMultipartUploads, through the client, shows nothing left behind.
  EXPECT_TRUE(Uploads().empty());
  EXPECT_EQ(budget_.in_use(), 0u);
}

TEST_F(FaultInjectionTest, WriterDroppedMidUploadAbortsIt) {
  auto store = NewStore();
  {
    auto writer = store->NewWriter({kBucket, "dropped"}, {});
    std::vector<std::byte> chunk(11 << 20);
    writer->Append(chunk);
    ASSERT_EQ(Uploads().size(), 1u);
  }
  EXPECT_TRUE(Uploads().empty());
  EXPECT_EQ(fake_.aborted_uploads(), 1);
  EXPECT_FALSE(fake_.GetObject("dropped"));
}

TEST_F(FaultInjectionTest, CompleteAnswering200WithAnErrorIsRetried) {
  auto completes = std::make_shared<std::atomic<int>>(0);
  fake_.set_fault_hook(
      [completes](const LoopbackRequest& r, int) -> std::optional<LoopbackResponse> {
        if (r.method == "POST" && r.target.find("uploadId=") != std::string::npos &&
            ++*completes == 1) {
          LoopbackResponse r200 = ErrorResponse(200, "InternalError");
          return r200;
        }
        return std::nullopt;
      });
  auto store = NewStore();
  auto writer = store->NewWriter({kBucket, "k"}, {});
  std::vector<std::byte> chunk(6 << 20);
  writer->Append(chunk);
  writer->Commit();
  EXPECT_EQ(*completes, 2);
  ASSERT_TRUE(fake_.GetObject("k"));
  EXPECT_EQ(fake_.GetObject("k")->data.size(), chunk.size());
}

TEST_F(FaultInjectionTest, LostCompleteReplyIsAcceptedWhenHeadShowsTheObjectWritten) {
  // The first Complete assembles the object but its answer is lost; the retry finds the
  // upload gone (NoSuchUpload), and HEAD shows the object with this size and metadata.
  LoseReplies("POST", "uploadId=", 1);
  auto store = NewStore();
  const ObjectInfo info = Write(*store, "k", (6 << 20) + 3, true);
  ASSERT_TRUE(fake_.GetObject("k"));
  EXPECT_EQ(info.etag, fake_.GetObject("k")->etag);
  EXPECT_EQ(CountRequests("POST", "uploadId="), 2);
  EXPECT_EQ(CountRequests("HEAD"), 1);
  EXPECT_EQ(fake_.aborted_uploads(), 0);
  EXPECT_EQ(fake_.GetObject("k")->data.size(), (6u << 20) + 3);
}

TEST_F(FaultInjectionTest, LostPutObjectRepliesAreAcceptedAfterHead) {
  // Every answer to these PUTs is lost, so the retries give up; the objects are there. One
  // carries metadata; the other has none, so its ETag (the MD5 of its bytes) identifies it.
  LoseReplies("PUT", "/bucket/with-metadata", 1000);
  auto store = NewStore(3, std::chrono::milliseconds(300));
  const std::string with_metadata = Write(*store, "with-metadata", 1000, true).etag;
  ASSERT_TRUE(fake_.GetObject("with-metadata"));
  EXPECT_EQ(with_metadata, fake_.GetObject("with-metadata")->etag);
  EXPECT_GE(CountRequests("PUT", "/bucket/with-metadata"), 2);
  LoseReplies("PUT", "/bucket/bare", 1000);
  store = NewStore(3, std::chrono::milliseconds(300));
  const std::string bare = Write(*store, "bare", 1000, false).etag;
  ASSERT_TRUE(fake_.GetObject("bare"));
  EXPECT_EQ(bare, fake_.GetObject("bare")->etag);
  EXPECT_EQ(CountRequests("HEAD"), 2);
}

TEST_F(FaultInjectionTest, LostReplyIsNotAcceptedWhenHeadShowsAnotherObject) {
  const size_t size = (6 << 20) + 3;
  UserMetadata other_crc = kMetadata;
  other_crc["unpackd-crc32"] = "00000000";
  const std::vector<std::pair<std::string, std::pair<size_t, UserMetadata>>> others = {
      {"size 5, expected " + std::to_string(size), {5, kMetadata}},
      {"unpackd-crc32 '00000000', expected '89abcdef'", {size, other_crc}}};
  for (const auto& [difference, other] : others) {
    // Someone else's object lands under the key between the lost Complete and the HEAD.
    LoseReplies("POST", "uploadId=", 1, [&, other = other] {
      fake_.PutObject("k", std::string(other.first, 'x'), other.second);
    });
    auto store = NewStore();
    try {
      Write(*store, "k", size, true);
      FAIL() << "accepted another object: " << difference;
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_EQ(e.code(), "NoSuchUpload") << m;
      EXPECT_NE(m.find("the object under the key is not the one being written (" + difference),
                std::string::npos)
          << m;
    }
  }
}

// Hands out a new temporary key id on every fetch, like a credential endpoint after rotation.
class RotatingCredentials : public aws::CredentialsProvider {
 public:
  std::optional<aws::AwsCredentials> Fetch() override {
    aws::AwsCredentials c;
    c.access_key_id = "ASIAROTATED" + std::to_string(++fetches);
    c.secret_access_key = "s";
    c.session_token = "t";
    c.expiration = std::chrono::system_clock::now() + std::chrono::hours(1);
    return c;
  }
  std::atomic<int> fetches{0};
};

TEST_F(FaultInjectionTest, ExpiredTokenRefreshesCredentialsAndRetriesOnce) {
  fake_.PutObject("k", "v");
  fake_.set_fault_hook([](const LoopbackRequest& r, int) -> std::optional<LoopbackResponse> {
    if (r.method == "GET" && r.Header("authorization").find("ASIAROTATED1/") != std::string::npos) {
      return ErrorResponse(400, "ExpiredToken");
    }
    return std::nullopt;
  });
  auto rotating = std::make_unique<RotatingCredentials>();
  RotatingCredentials* counter = rotating.get();
  S3Config config = TestS3Config(fake_.endpoint());
  config.credentials = std::make_shared<aws::CachingCredentialsProvider>(std::move(rotating));
  S3Store store(config, executor_, budget_);
  auto reader = store.OpenForRead({kBucket, "k"});
  std::vector<std::byte> buf(1);
  EXPECT_EQ(reader->ReadAt(0, buf), 1u);
  EXPECT_EQ(counter->fetches.load(), 2);
  EXPECT_EQ(fake_.requests().back().Header("x-amz-security-token"), "t");
}

TEST_F(FaultInjectionTest, UrlEncodedListingsAreDecodedLikeS3Does) {
  const std::vector<std::string> keys = {"a b+c.txt", "a%2Bb.txt", "한국어 파일.txt", "x&y=z?.txt"};
  for (const auto& key : keys) fake_.PutObject(key, "v");
  std::vector<std::string> listed;
  NewStore()->List(kBucket, "", [&](const ListEntry& e) {
    listed.push_back(e.key);
    return true;
  });
  std::vector<std::string> expected = keys;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(listed, expected);
}

}  // namespace
}  // namespace unpackd::s3
