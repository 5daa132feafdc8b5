// doctor's offsite checks: the credentials, then one listing under the prefix, which proves together that
// the endpoint answers, the credentials are accepted, the bucket exists and the key may list it; a failure
// says which of them failed, from S3's error code.
#include <algorithm>
#include <array>
#include <chrono>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/i18n.hpp"
#include "ifnbackup/offsite.hpp"
#include "offsite/s3_client.hpp"
#include "offsite/xml.hpp"

namespace ifnbackup {
namespace {

constexpr auto k_doctor_retry_time = std::chrono::seconds(10);

bool is_one_of(const std::string& code, std::initializer_list<std::string_view> codes) {
  return std::any_of(codes.begin(), codes.end(), [&](std::string_view c) { return code == c; });
}

DoctorFinding finding(const char* check, DoctorStatus status, std::string message, std::string fix = {}) {
  return DoctorFinding{check, status, std::move(message), std::move(fix)};
}

DoctorFinding not_checked(const char* check, const std::string& why) {
  return finding(check, DoctorStatus::note, trf("not checked: {}", why));
}

}  // namespace

std::vector<DoctorFinding> check_offsite_access(const OffsiteOptions& given) {
  std::vector<DoctorFinding> findings;
  OffsiteOptions options = given;
  options.retry_time = std::min(options.retry_time, std::chrono::seconds(k_doctor_retry_time));
  offsite::Credentials credentials;
  try {
    credentials = offsite::load_credentials(options.profile);
  } catch (const Error& error) {
    findings.push_back(finding("offsite keys", DoctorStatus::warning, error.what(), error.hint()));
    return findings;
  }
  findings.push_back(finding("offsite keys", DoctorStatus::ok, trf("S3 credentials from {}", credentials.origin)));
  std::unique_ptr<offsite::S3Client> client;
  try {
    client = std::make_unique<offsite::S3Client>(options, credentials);
  } catch (const Error& error) {
    findings.push_back(finding("offsite bucket", DoctorStatus::warning, error.what(), error.hint()));
    return findings;
  }
  const auto& location = client->location();
  const std::string url = fmt::format("s3://{}/{}", location.bucket, location.prefix);
  offsite::S3Request list;
  list.query = {{"list-type", "2"}, {"prefix", location.prefix}, {"max-keys", "1000"}};
  list.what = fmt::format("listing of {}", url);
  try {
    const auto answer = client->perform(list);
    const std::string keys = offsite::xml_text(answer.body, "KeyCount");
    const bool more = offsite::xml_text(answer.body, "IsTruncated") == "true";
    findings.push_back(finding("offsite endpoint", DoctorStatus::ok, trf("{} answers", client->where())));
    findings.push_back(
        finding("offsite login", DoctorStatus::ok, tr("the storage accepts the credentials and the clock")));
    findings.push_back(finding("offsite bucket", DoctorStatus::ok, trf("bucket {} exists", location.bucket)));
    findings.push_back(
        finding("offsite listing", DoctorStatus::ok,
                trf("the key may list {} ({}{} key(s) there)", url, keys.empty() ? "?" : keys, more ? "+" : "")));
    return findings;
  } catch (const Error& error) {
    if (error.code() == ErrorCode::interrupted) {
      throw;
    }
    const std::string& code = client->last_failure();
    const std::string message = error.what();
    if (code == "transport" || code.empty()) {
      findings.push_back(finding("offsite endpoint", DoctorStatus::warning, message, error.hint()));
      findings.push_back(not_checked("offsite bucket", tr("the endpoint does not answer")));
      return findings;
    }
    findings.push_back(finding("offsite endpoint", DoctorStatus::ok, trf("{} answers", client->where())));
    if (code == "RequestTimeTooSkewed") {
      findings.push_back(finding("offsite clock", DoctorStatus::warning, message, error.hint()));
      findings.push_back(not_checked("offsite bucket", tr("the storage refused the request for the clock")));
    } else if (is_one_of(code,
                         {"SignatureDoesNotMatch", "InvalidAccessKeyId", "InvalidToken", "ExpiredToken", "HTTP 403"})) {
      findings.push_back(finding("offsite login", DoctorStatus::warning, message, error.hint()));
      findings.push_back(not_checked("offsite bucket", tr("the credentials were refused")));
    } else if (code == "NoSuchBucket" || code == "HTTP 404") {
      findings.push_back(finding("offsite bucket", DoctorStatus::warning, message, error.hint()));
    } else if (code == "AccessDenied") {
      findings.push_back(
          finding("offsite login", DoctorStatus::ok, tr("the storage accepts the credentials and the clock")));
      findings.push_back(finding("offsite listing", DoctorStatus::warning, message, error.hint()));
    } else {
      findings.push_back(finding("offsite bucket", DoctorStatus::warning, message, error.hint()));
    }
  }
  return findings;
}

}  // namespace ifnbackup
