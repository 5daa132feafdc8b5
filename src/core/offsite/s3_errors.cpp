// What a failed S3 answer means to the operator, and whether it is worth another try. Pure: tested alone.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <optional>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "offsite/s3_client.hpp"
#include "offsite/xml.hpp"

namespace ifnbackup::offsite {

std::string uri_encode(std::string_view text, bool keep_slash) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string canonical_query(std::vector<std::pair<std::string, std::string>> query) {
  for (auto& [name, value] : query) {
    name = uri_encode(name, false);
    value = uri_encode(value, false);
  }
  std::sort(query.begin(), query.end());
  std::string out;
  for (const auto& [name, value] : query) {
    out += (out.empty() ? "" : "&") + name + "=" + value;
  }
  return out;
}

S3Failure classify_failure(long status, std::string_view body) {
  S3Failure failure;
  failure.code = xml_text(body, "Code");
  if (failure.code.empty()) {
    failure.code = fmt::format("HTTP {}", status);
  }
  failure.retryable = status >= 500 || status == 429 || failure.code == "RequestTimeout" ||
                      failure.code == "SlowDown" || failure.code == "InternalError" ||
                      failure.code == "ServiceUnavailable" || failure.code == "RequestTimeoutException";
  return failure;
}

namespace {

// "20261130T215000Z" (x-amz-date) or "2026-11-30T21:50:00Z" / "...:00.000Z" (ISO 8601, UTC).
std::optional<std::time_t> parse_amz_time(std::string text) {
  std::erase_if(text, [](char c) { return c == '-' || c == ':'; });
  if (auto dot = text.find('.'); dot != std::string::npos) {
    text.erase(dot, text.find('Z', dot) == std::string::npos ? std::string::npos : text.find('Z', dot) - dot);
  }
  std::tm tm{};
  if (text.size() < 15 || std::sscanf(text.c_str(), "%4d%2d%2dT%2d%2d%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                                      &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return timegm(&tm);
}

std::string skew_text(std::string_view body) {
  const auto request = parse_amz_time(xml_text(body, "RequestTime"));
  const auto server = parse_amz_time(xml_text(body, "ServerTime"));
  if (!request || !server) {
    return "by more than 15 minutes";
  }
  const long long seconds = static_cast<long long>(*request) - static_cast<long long>(*server);
  const long long magnitude = seconds < 0 ? -seconds : seconds;
  return fmt::format("{} by about {} min {} s (this machine says {}, the server {})", seconds < 0 ? "behind" : "ahead",
                     magnitude / 60, magnitude % 60, xml_text(body, "RequestTime"), xml_text(body, "ServerTime"));
}

std::string body_excerpt(std::string_view body) {
  std::string text = printable(body.substr(0, 200));
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text.empty() ? std::string("an empty body") : fmt::format("body: {}", text);
}

}  // namespace

Error failure_error(const S3Request& request, const S3Response& response, std::string_view endpoint_text,
                    std::string_view bucket) {
  const S3Failure failure = classify_failure(response.status, response.body);
  const std::string& code = failure.code;
  const std::string message = xml_text(response.body, "Message");
  const std::string what = request.what.empty() ? fmt::format("S3 {} {}", request.method, request.key) : request.what;
  // HEAD answers have no body: the status is all there is.
  const bool no_body = response.body.empty();
  if (code == "SignatureDoesNotMatch" || code == "InvalidAccessKeyId" || code == "InvalidToken" ||
      code == "ExpiredToken" || (no_body && response.status == 403)) {
    return Error(
        ErrorCode::offsite,
        tx("{}: {} refused the credentials ({}{}{})", what, endpoint_text, code, message.empty() ? "" : ": ", message),
        code == "InvalidAccessKeyId"
            ? tx("the access key is unknown to this storage: check AWS_ACCESS_KEY_ID or the profile's "
                 "aws_access_key_id (and --s3-endpoint: a key of one provider is unknown to another)")
            : tx("check the secret key (AWS_SECRET_ACCESS_KEY or the profile's aws_secret_access_key) and "
                 "--s3-region; docs/offsite.md"));
  }
  if (code == "AccessDenied") {
    return Error(ErrorCode::offsite,
                 tx("{}: access denied by {} (credentials accepted, permission missing{}{})", what, endpoint_text,
                    message.empty() ? "" : ": ", message),
                 tx("the key needs s3:PutObject, s3:GetObject, s3:ListBucket, s3:DeleteObject and "
                    "s3:AbortMultipartUpload on bucket {}",
                    bucket));
  }
  if (code == "RequestTimeTooSkewed") {
    return Error(
        ErrorCode::offsite,
        tx("{}: the clock of this machine is off: {} refused the request as too far from its own "
           "time, {}",
           what, endpoint_text, skew_text(response.body)),
        tx("set the clock right (timedatectl set-ntp true, chrony or systemd-timesyncd); S3 accepts 15 minutes "
           "of difference"));
  }
  if (code == "NoSuchBucket" || (no_body && response.status == 404 && request.key.empty())) {
    return Error(ErrorCode::offsite, tx("{}: bucket '{}' does not exist at {}", what, bucket, endpoint_text),
                 tx("check the bucket in --offsite s3://BUCKET/PREFIX, --s3-endpoint and --s3-region, or create the "
                    "bucket"));
  }
  if (code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed" || response.status == 301) {
    return Error(ErrorCode::offsite,
                 tx("{}: {} says the bucket '{}' is in another region ({}{}{})", what, endpoint_text, bucket, code,
                    message.empty() ? "" : ": ", message),
                 tx("set --s3-region to the bucket's region (its <Region> or <Endpoint> in the message)"));
  }
  if (message.empty()) {
    return Error(ErrorCode::offsite,
                 tx("{}: {} answered HTTP {} ({}) without a message, {}", what, endpoint_text, response.status, code,
                    body_excerpt(response.body)),
                 tx("try again later; if it lasts, look at the storage provider's status page"));
  }
  return Error(ErrorCode::offsite,
               tx("{}: {} answered HTTP {} {}: {}", what, endpoint_text, response.status, code, message),
               tx("see the provider's documentation of this error code; docs/offsite.md"));
}

}  // namespace ifnbackup::offsite
