// The offsite copy's pure parts: part sizes, the s3:// URL, the query and key encoding libcurl 7.88 leaves to
// us, S3's XML and its error messages, the credentials' sources. The requests themselves are tested against
// the real test server (tests/cli/test_offsite.sh).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "ifnbackup/error.hpp"
#include "ifnbackup/offsite.hpp"
#include "offsite/credentials.hpp"
#include "offsite/s3_client.hpp"
#include "offsite/xml.hpp"
#include "temp_dir_test.hpp"

namespace ifnbackup {
namespace {

constexpr std::uint64_t k_gib = 1024 * k_mib;
constexpr std::uint64_t k_tib = 1024 * k_gib;

TEST(PartPlan, SmallFileIsOnePut) {
  EXPECT_EQ(plan_parts(0, 10000).parts, 1U);
  EXPECT_EQ(plan_parts(1, 10000).parts, 1U);
  EXPECT_EQ(plan_parts(5 * k_mib, 10000).parts, 1U);  // exactly the smallest part: still one PUT
  EXPECT_FALSE(plan_parts(5 * k_mib, 10000).multipart());
}

TEST(PartPlan, JustAboveTheSmallestPartIsTwoParts) {
  const auto plan = plan_parts(5 * k_mib + 1, 10000);
  EXPECT_EQ(plan.part_size, 5 * k_mib);
  EXPECT_EQ(plan.parts, 2U);
}

TEST(PartPlan, TenThousandPartsKeepTheSmallestPartUpTo50GiB) {
  EXPECT_EQ(plan_parts(10000 * 5 * k_mib, 10000).part_size, 5 * k_mib);
  EXPECT_EQ(plan_parts(10000 * 5 * k_mib, 10000).parts, 10000U);
  // One byte more: the part grows to the next whole MiB, the count stays within the limit.
  const auto plan = plan_parts(10000 * 5 * k_mib + 1, 10000);
  EXPECT_EQ(plan.part_size, 6 * k_mib);
  EXPECT_LE(plan.parts, 10000U);
}

TEST(PartPlan, AThousandPartsMakeBiggerParts) {
  // 20 GiB in at most 1000 parts: 20.48 MiB each, rounded up to 21 MiB.
  const auto plan = plan_parts(20 * k_gib, 1000);
  EXPECT_EQ(plan.part_size, 21 * k_mib);
  EXPECT_EQ(plan.parts, (20 * k_gib + 21 * k_mib - 1) / (21 * k_mib));
  EXPECT_LE(plan.parts, 1000U);
  // The same file in 10000 parts: 3 MiB would do, the 5 MiB floor holds.
  EXPECT_EQ(plan_parts(20 * k_gib, 10000).part_size, 5 * k_mib);
  EXPECT_EQ(plan_parts(20 * k_gib, 10000).parts, 4096U);
}

TEST(PartPlan, FiveTerabytesOnPaper) {
  const std::uint64_t five_tb = 5'000'000'000'000ULL;  // 5 TB (decimal), under S3's 5 TiB
  const auto plan = plan_parts(five_tb, 10000);
  EXPECT_EQ(plan.part_size, 477 * k_mib);  // 500,000,000 bytes a part needed: 476.8 MiB, rounded up
  EXPECT_LE(plan.parts, 10000U);
  EXPECT_GE(plan.parts * plan.part_size, five_tb);
  // The largest object S3 takes, in 10000 parts: 524.288 MiB, rounded up to 525 MiB.
  const auto largest = plan_parts(5 * k_tib, 10000);
  EXPECT_EQ(largest.part_size, 525 * k_mib);
  EXPECT_LE(largest.parts, 10000U);
  // With 1000 parts a 5 TB file needs 4769 MiB parts: still under 5 GiB.
  const auto thousand = plan_parts(five_tb, 1000);
  EXPECT_EQ(thousand.part_size, 4769 * k_mib);
  EXPECT_LE(thousand.parts, 1000U);
  EXPECT_LE(thousand.part_size, k_s3_max_part_size);
}

TEST(PartPlan, RefusesWhatS3CannotHold) {
  try {
    plan_parts(5 * k_tib + 1, 10000);
    FAIL() << "a file above 5 TiB was planned";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::offsite);
    EXPECT_NE(std::string(error.what()).find("5 TiB"), std::string::npos);
  }
  // 5 TiB in 1000 parts needs 5243 MiB parts: above 5 GiB.
  try {
    plan_parts(5 * k_tib, 1000);
    FAIL() << "a part above 5 GiB was planned";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::usage);
    EXPECT_NE(std::string(error.what()).find("5 GiB"), std::string::npos);
  }
  EXPECT_THROW(plan_parts(100, 0), Error);
  EXPECT_THROW(plan_parts(100, 10001), Error);
}

TEST(PartPlan, SmallerMinimumForTests) {
  const auto plan = plan_parts(3 * k_mib + 10, 10000, k_mib);
  EXPECT_EQ(plan.part_size, k_mib);
  EXPECT_EQ(plan.parts, 4U);
}

TEST(OffsiteUrl, BucketAndPrefix) {
  auto location = parse_offsite_url("s3://my-bucket/nightly/db1");
  EXPECT_EQ(location.bucket, "my-bucket");
  EXPECT_EQ(location.prefix, "nightly/db1/");
  EXPECT_EQ(location.key_of("a.sql.gz"), "nightly/db1/a.sql.gz");
  EXPECT_EQ(parse_offsite_url("s3://my-bucket").prefix, "");
  EXPECT_EQ(parse_offsite_url("s3://my-bucket/").prefix, "");
  EXPECT_EQ(parse_offsite_url("s3://my-bucket/x/").prefix, "x/");
  for (const char* bad : {"my-bucket/x", "https://my-bucket/x", "s3://", "s3://ab", "s3://My_Bucket!/x"}) {
    EXPECT_THROW(parse_offsite_url(bad), Error) << bad;
  }
}

TEST(S3Encoding, QueryIsSortedEveryParameterHasAnEqualsSignValuesAreEncoded) {
  using offsite::canonical_query;
  EXPECT_EQ(canonical_query({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(canonical_query({{"uploadId", "a/b+c="}, {"partNumber", "2"}}), "partNumber=2&uploadId=a%2Fb%2Bc%3D");
  EXPECT_EQ(canonical_query({{"prefix", "x y/"}, {"list-type", "2"}, {"continuation-token", "1/a+b=="}}),
            "continuation-token=1%2Fa%2Bb%3D%3D&list-type=2&prefix=x%20y%2F");
}

TEST(S3Encoding, KeyKeepsItsSlashesAndEncodesTheRest) {
  EXPECT_EQ(offsite::uri_encode("a b/c+d~e_f.g-h", true), "a%20b/c%2Bd~e_f.g-h");
  EXPECT_EQ(offsite::uri_encode("é", true), "%C3%A9");
  EXPECT_EQ(offsite::uri_encode("a/b", false), "a%2Fb");
}

TEST(S3Xml, ElementsAndEntities) {
  const std::string body =
      "<ListBucketResult><KeyCount>2</KeyCount><Contents><Key>a&amp;b</Key><Size>3</Size></Contents>"
      "<Contents><Key>c&#x2F;d&lt;</Key><Size>4</Size></Contents><IsTruncated>false</IsTruncated></ListBucketResult>";
  const auto contents = offsite::xml_elements(body, "Contents");
  ASSERT_EQ(contents.size(), 2U);
  EXPECT_EQ(offsite::xml_text(contents[0], "Key"), "a&b");
  EXPECT_EQ(offsite::xml_text(contents[1], "Key"), "c/d<");
  EXPECT_EQ(offsite::xml_text(body, "Key"), "a&b");  // <KeyCount> is not <Key>
  EXPECT_EQ(offsite::xml_text(body, "Missing"), "");
  EXPECT_EQ(offsite::xml_escape("\"a&b\""), "&quot;a&amp;b&quot;");
}

offsite::S3Response answer(long status, std::string body) {
  offsite::S3Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

std::string message_of(const offsite::S3Response& response, std::string key = "k") {
  offsite::S3Request request;
  request.key = std::move(key);
  request.what = "upload of x";
  const Error error = offsite::failure_error(request, response, "http://s3.test", "bkt");
  EXPECT_EQ(error.code(), ErrorCode::offsite);
  return std::string(error.what()) + " | " + error.hint();
}

TEST(S3Errors, CredentialsClockBucketAndABodyWithoutMessage) {
  EXPECT_NE(message_of(answer(403, "<Error><Code>SignatureDoesNotMatch</Code><Message>m</Message></Error>"))
                .find("refused the credentials"),
            std::string::npos);
  EXPECT_NE(message_of(answer(403, "<Error><Code>InvalidAccessKeyId</Code></Error>")).find("access key is unknown"),
            std::string::npos);
  EXPECT_NE(message_of(answer(403, "")).find("credentials"), std::string::npos);  // a HEAD: no body
  const std::string skewed = message_of(
      answer(403,
             "<Error><Code>RequestTimeTooSkewed</Code><Message>too large</Message><RequestTime>20261130T222000Z"
             "</RequestTime><ServerTime>2026-11-30T22:00:00Z</ServerTime></Error>"));
  EXPECT_NE(skewed.find("the clock of this machine is off"), std::string::npos) << skewed;
  EXPECT_NE(skewed.find("ahead by about 20 min 0 s"), std::string::npos) << skewed;
  EXPECT_NE(message_of(answer(404, "<Error><Code>NoSuchBucket</Code><Message>x</Message></Error>"))
                .find("bucket 'bkt' does not exist"),
            std::string::npos);
  const std::string bare = message_of(answer(500, "<Error><Code>InternalError</Code></Error>"));
  EXPECT_NE(bare.find("HTTP 500 (InternalError) without a message"), std::string::npos) << bare;
  EXPECT_NE(message_of(answer(502, "<html>bad gateway</html>")).find("body: <html>bad gateway</html>"),
            std::string::npos);
}

TEST(S3Errors, WhatIsRetried) {
  EXPECT_TRUE(offsite::classify_failure(500, "").retryable);
  EXPECT_TRUE(offsite::classify_failure(503, "<Error><Code>SlowDown</Code></Error>").retryable);
  EXPECT_TRUE(offsite::classify_failure(400, "<Error><Code>RequestTimeout</Code></Error>").retryable);
  EXPECT_FALSE(offsite::classify_failure(403, "<Error><Code>SignatureDoesNotMatch</Code></Error>").retryable);
  EXPECT_FALSE(offsite::classify_failure(403, "<Error><Code>RequestTimeTooSkewed</Code></Error>").retryable);
  EXPECT_FALSE(offsite::classify_failure(404, "<Error><Code>NoSuchBucket</Code></Error>").retryable);
}

// The credentials' environment, saved and restored around each test.
class OffsiteCredentials : public test::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    for (const char* name : k_names) {
      const char* value = std::getenv(name);
      m_saved.emplace_back(name, value == nullptr ? std::optional<std::string>() : std::string(value));
      ::unsetenv(name);
    }
  }
  void TearDown() override {
    for (const auto& [name, value] : m_saved) {
      value ? ::setenv(name, value->c_str(), 1) : ::unsetenv(name);
    }
    TempDirTest::TearDown();
  }
  std::string write_file(const std::string& text, mode_t mode) {
    const auto path = (m_dir / "credentials").string();
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    ::setenv("AWS_SHARED_CREDENTIALS_FILE", path.c_str(), 1);
    return path;
  }

 private:
  static constexpr const char* k_names[] = {"AWS_ACCESS_KEY_ID",           "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                                            "AWS_SHARED_CREDENTIALS_FILE", "AWS_PROFILE",           "HOME"};
  std::vector<std::pair<const char*, std::optional<std::string>>> m_saved;
};

TEST_F(OffsiteCredentials, EnvironmentFirst) {
  ::setenv("AWS_ACCESS_KEY_ID", "AK", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "SK", 1);
  ::setenv("AWS_SESSION_TOKEN", "TOK", 1);
  write_file("[default]\naws_access_key_id = FILE\naws_secret_access_key = FILE\n", 0600);
  const auto credentials = offsite::load_credentials("");
  EXPECT_EQ(credentials.access_key, "AK");
  EXPECT_EQ(credentials.secret_key, "SK");
  EXPECT_EQ(credentials.session_token, "TOK");
  EXPECT_EQ(credentials.origin.find("SK"), std::string::npos);
}

TEST_F(OffsiteCredentials, ProfileOfTheSharedFile) {
  write_file(
      "[default]\naws_access_key_id = D\naws_secret_access_key = DS\n\n[profile backup]\n"
      "aws_access_key_id = B\naws_secret_access_key = BS\n",
      0600);
  EXPECT_EQ(offsite::load_credentials("").access_key, "D");
  EXPECT_EQ(offsite::load_credentials("backup").secret_key, "BS");
  ::setenv("AWS_PROFILE", "backup", 1);
  EXPECT_EQ(offsite::load_credentials("").access_key, "B");
  EXPECT_EQ(offsite::load_credentials("default").access_key, "D");  // the option wins over AWS_PROFILE
  try {
    offsite::load_credentials("nope");
    FAIL() << "a missing profile was accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::offsite);
    EXPECT_NE(std::string(error.what()).find("no profile [nope]"), std::string::npos);
  }
}

TEST_F(OffsiteCredentials, FileReadableByOthersIsRefused) {
  write_file("[default]\naws_access_key_id = D\naws_secret_access_key = DS\n", 0644);
  try {
    offsite::load_credentials("");
    FAIL() << "a 0644 credentials file was read";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::config);
    EXPECT_NE(std::string(error.what()).find("readable by others"), std::string::npos);
  }
  write_file("[default]\naws_access_key_id = D\naws_secret_access_key = DS\n", 0640);
  EXPECT_THROW(offsite::load_credentials(""), Error);
}

TEST_F(OffsiteCredentials, NoneAnywhere) {
  ::setenv("HOME", m_dir.c_str(), 1);
  try {
    offsite::load_credentials("");
    FAIL() << "credentials made up";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::offsite);
    EXPECT_NE(std::string(error.hint()).find("AWS_ACCESS_KEY_ID"), std::string::npos);
  }
}

}  // namespace
}  // namespace ifnbackup
