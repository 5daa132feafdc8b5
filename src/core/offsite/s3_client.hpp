#pragma once
// S3's REST API through libcurl (the only libcurl user), signed with Signature V4 by CURLOPT_AWS_SIGV4.
// libcurl 7.88 (Debian 12) leaves four things to its caller, each done here (../shared/OFFSITE_NOTES.md):
// x-amz-content-sha256 is sent by us (the payload's hex SHA-256); the query is sorted by name, every
// parameter with '=', values percent-encoded; the key is percent-encoded in the path; x-amz-date is never
// set by us (7.88 would send it twice). No x-amz-checksum-* header is sent (R2 and others refuse them).
//
// Every request is retried on 5xx, RequestTimeout, SlowDown, InternalError and broken connections, with
// exponential backoff and full jitter, until the next wait would pass OffsiteOptions::retry_time; any
// other failure is an Error(offsite) (credentials, clock, bucket) or Error(config) with its own message.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ifnbackup/error.hpp"
#include "ifnbackup/offsite.hpp"
#include "offsite/credentials.hpp"

namespace ifnbackup::offsite {

struct S3Request {
  std::string method = "GET";                                // GET, PUT, POST, HEAD, DELETE
  std::string key;                                           // empty: the bucket itself
  std::vector<std::pair<std::string, std::string>> query;    // not encoded: the client sorts and encodes
  std::vector<std::pair<std::string, std::string>> headers;  // name (lowercase), value
  std::string_view body;                                     // PUT and POST
  // GET: a 2xx body goes there instead of S3Response::body (retried only until its first byte).
  std::function<void(const char* data, std::size_t size)> sink;
  std::string what;  // for messages: "upload of part 3 of x.sql.gz"
};

struct S3Response {
  long status = 0;
  std::string body;                            // error bodies always; 2xx unless a sink took it
  std::map<std::string, std::string> headers;  // names lowercased, the last value of each
};

// Percent-encoding of RFC 3986 (unreserved kept); '/' kept when `keep_slash` (a key in a path).
std::string uri_encode(std::string_view text, bool keep_slash);
// "a=1&b=x%2Fy": sorted by name then value, each with '=', encoded.
std::string canonical_query(std::vector<std::pair<std::string, std::string>> query);

// The message of a failed S3 answer: the operator's words for credentials, clock, bucket, and a body
// without <Message>. `now` is the local clock when the answer came (for the clock's offset).
struct S3Failure {
  std::string code;  // S3's <Code>, or "HTTP <status>"
  bool retryable = false;
};
S3Failure classify_failure(long status, std::string_view body);
Error failure_error(const S3Request& request, const S3Response& response, std::string_view endpoint_text,
                    std::string_view bucket);

class S3Client {
 public:
  struct Attempt;  // what one try collects (s3_client.cpp)

  S3Client(const OffsiteOptions& options, Credentials credentials);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  // Sends the request (with retries); a 2xx answer is returned, anything else thrown as Error.
  // With `allow_404`, a 404 is returned too (HEAD of a missing object).
  S3Response perform(const S3Request& request, bool allow_404 = false);

  const OffsiteLocation& location() const { return m_location; }
  const OffsiteOptions& options() const { return m_options; }
  unsigned retries() const { return m_retries; }
  // S3's <Code> of the last failed answer that perform() threw ("SignatureDoesNotMatch", "NoSuchBucket",
  // "HTTP 403"), or "transport" when the connection failed; empty when nothing failed yet. For doctor.
  const std::string& last_failure() const { return m_last_failure; }
  // "https://s3.eu-west-3.amazonaws.com, bucket b": for messages.
  std::string where() const;
  std::string url_of(const S3Request& request) const;

 private:
  S3Response perform_once(const S3Request& request, Attempt& attempt);

  OffsiteOptions m_options;
  OffsiteLocation m_location;
  Credentials m_credentials;
  std::string m_scheme_host;  // "https://s3.us-east-1.amazonaws.com" or "http://127.0.0.1:9000"
  std::string m_sigv4;        // "aws:amz:<region>:s3"
  void* m_curl = nullptr;     // CURL*, kept between requests for its connections
  unsigned m_retries = 0;
  std::string m_last_failure;
};

}  // namespace ifnbackup::offsite
