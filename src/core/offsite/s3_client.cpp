// The one libcurl user: one easy handle per client (its connections are reused between requests),
// every request signed by CURLOPT_AWS_SIGV4 and retried by the policy of s3_client.hpp.
#include "offsite/s3_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/printable.hpp"
#include "util/interrupt.hpp"
#include "util/sha256.hpp"

namespace ifnbackup::offsite {
namespace {

constexpr auto k_first_wait = std::chrono::milliseconds(500);
constexpr auto k_longest_wait = std::chrono::seconds(30);

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw Error(ErrorCode::internal, tx("libcurl could not be initialised"));
    }
  });
}

// Failures of the transport worth another try: the server or the network went away for a moment.
bool retryable_transport(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

struct CurlHeaders {
  curl_slist* list = nullptr;
  ~CurlHeaders() { curl_slist_free_all(list); }
  void add(const std::string& line) {
    curl_slist* grown = curl_slist_append(list, line.c_str());
    if (grown == nullptr) {
      throw std::bad_alloc();
    }
    list = grown;
  }
};

}  // namespace

// What one try of a request collects.
struct S3Client::Attempt {
  const S3Request* request = nullptr;
  S3Response response;
  bool to_sink = false;
  std::uint64_t sunk = 0;  // bytes handed to the sink
  std::string error_buffer = std::string(CURL_ERROR_SIZE + 1, '\0');
};

namespace {

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* attempt = static_cast<S3Client::Attempt*>(user);
  const size_t bytes = size * count;
  // The status line is known before the body: only a 2xx body goes to the sink, an error body is kept.
  if (attempt->request->sink && attempt->response.status / 100 == 2) {
    try {
      attempt->request->sink(data, bytes);
    } catch (...) {
      return 0;  // curl fails with CURLE_WRITE_ERROR; the sink's error is reported by the caller
    }
    attempt->sunk += bytes;
    attempt->to_sink = true;
    return bytes;
  }
  if (attempt->response.body.size() + bytes > 16 * k_mib) {
    return 0;  // no S3 answer we read is that large
  }
  attempt->response.body.append(data, bytes);
  return bytes;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* attempt = static_cast<S3Client::Attempt*>(user);
  const size_t bytes = size * count;
  std::string_view line(data, bytes);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  if (line.starts_with("HTTP/")) {  // a new answer (after a 100 Continue): start again
    attempt->response.headers.clear();
    const auto space = line.find(' ');
    attempt->response.status =
        space == std::string_view::npos ? 0 : std::atol(std::string(line.substr(space + 1, 3)).c_str());
    return bytes;
  }
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') {
      value.remove_prefix(1);
    }
    attempt->response.headers[lowercase(std::string(line.substr(0, colon)))] = std::string(value);
  }
  return bytes;
}

// SIGINT/SIGTERM stops a transfer in progress (curl then fails with CURLE_ABORTED_BY_CALLBACK).
int on_progress(void*, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return util::interrupt_requested() ? 1 : 0;
}

std::string endpoint_host(const OffsiteOptions& options, const OffsiteLocation& location) {
  std::string endpoint =
      options.endpoint.empty() ? fmt::format("https://s3.{}.amazonaws.com", options.region) : options.endpoint;
  while (endpoint.ends_with('/')) {  // the test server refuses a bucket URL with a trailing slash
    endpoint.pop_back();
  }
  if (endpoint.find("://") == std::string::npos) {
    endpoint = "https://" + endpoint;
  }
  if (!(endpoint.starts_with("https://") || endpoint.starts_with("http://"))) {
    throw Error(ErrorCode::usage, tx("--s3-endpoint {}: only http:// and https:// are known", endpoint),
                tx("give the endpoint's URL, e.g. https://storage.googleapis.com"));
  }
  if (options.path_style) {
    return endpoint;
  }
  const auto scheme_end = endpoint.find("://") + 3;
  return endpoint.substr(0, scheme_end) + location.bucket + "." + endpoint.substr(scheme_end);
}

}  // namespace

S3Client::S3Client(const OffsiteOptions& options, Credentials credentials)
    : m_options(options), m_location(parse_offsite_url(options.url)), m_credentials(std::move(credentials)) {
  global_init();
  if (m_options.region.empty()) {
    m_options.region = "us-east-1";
  }
  m_scheme_host = endpoint_host(m_options, m_location);
  m_sigv4 = fmt::format("aws:amz:{}:s3", m_options.region);
  m_curl = curl_easy_init();
  if (m_curl == nullptr) {
    throw Error(ErrorCode::internal, tx("libcurl could not make a handle"));
  }
}

S3Client::~S3Client() {
  curl_easy_cleanup(static_cast<CURL*>(m_curl));
}

std::string S3Client::where() const {
  return m_options.path_style ? fmt::format("{} (bucket {})", m_scheme_host, m_location.bucket) : m_scheme_host;
}

std::string S3Client::url_of(const S3Request& request) const {
  std::string url = m_scheme_host;
  if (m_options.path_style) {
    url += "/" + m_location.bucket;
  }
  if (!request.key.empty()) {
    url += "/" + uri_encode(request.key, true);
  } else if (!m_options.path_style) {
    url += "/";
  }
  if (!request.query.empty()) {
    url += "?" + canonical_query(request.query);
  }
  return url;
}

S3Response S3Client::perform_once(const S3Request& request, Attempt& attempt) {
  CURL* curl = static_cast<CURL*>(m_curl);
  curl_easy_reset(curl);  // keeps the connections
  attempt.request = &request;
  const std::string url = url_of(request);
  CurlHeaders headers;
  // 7.88 does not add the payload's hash: the server refuses a V4 request without it.
  headers.add(fmt::format("x-amz-content-sha256: {}", util::Sha256::hex_of(request.body)));
  if (!m_credentials.session_token.empty()) {
    headers.add("x-amz-security-token: " + m_credentials.session_token);
  }
  for (const auto& [name, value] : request.headers) {
    headers.add(name + ": " + value);
  }
  // No "Expect:" to turn 100-continue off: 7.88 would sign the empty header and the server refuse it.
  const bool has_body = request.method == "PUT" || request.method == "POST";
  if (has_body && std::none_of(request.headers.begin(), request.headers.end(),
                               [](const auto& header) { return header.first == "content-type"; })) {
    headers.add("content-type: application/octet-stream");
  }
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, m_sigv4.c_str());
  curl_easy_setopt(curl, CURLOPT_USERNAME, m_credentials.access_key.c_str());
  curl_easy_setopt(curl, CURLOPT_PASSWORD, m_credentials.secret_key.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 15L);
  // A stalled transfer (under 1 byte/s for a minute) is a broken connection, retried.
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, attempt.error_buffer.data());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &attempt);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &attempt);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (has_body) {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    if (request.method == "PUT") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
    }
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  const CURLcode code = curl_easy_perform(curl);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  if (code == CURLE_ABORTED_BY_CALLBACK) {
    util::check_interrupted();
  }
  if (code != CURLE_OK) {
    const std::string detail =
        attempt.error_buffer.c_str()[0] != '\0' ? attempt.error_buffer.c_str() : curl_easy_strerror(code);
    throw Error(ErrorCode::offsite, tx("{}: {} failed: {}", request.what, where(), detail),
                code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_CONNECT
                    ? tx("check --s3-endpoint, --s3-region and the network (proxy, firewall); the next backup or "
                         "'ifnbackup push' sends what is missing")
                    : tx("the next backup or 'ifnbackup push' sends what is missing"),
                static_cast<unsigned>(code));
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  attempt.response.status = status;
  return std::move(attempt.response);
}

S3Response S3Client::perform(const S3Request& request, bool allow_404) {
  const auto started = std::chrono::steady_clock::now();
  std::mt19937_64 random(std::random_device{}());
  for (unsigned tries = 0;; ++tries) {
    util::check_interrupted();
    Attempt attempt;
    std::string why;
    try {
      S3Response response = perform_once(request, attempt);
      if (response.status / 100 == 2 || (allow_404 && response.status == 404)) {
        return response;
      }
      const S3Failure failure = classify_failure(response.status, response.body);
      m_last_failure = failure.code;
      if (!failure.retryable || attempt.to_sink) {
        throw failure_error(request, response, where(), m_location.bucket);
      }
      why = failure.code.starts_with("HTTP ") ? failure.code : fmt::format("HTTP {} {}", response.status, failure.code);
    } catch (const Error& error) {
      // A transport failure carries libcurl's code; a retryable one is tried again below.
      if (error.server_error() != 0) {
        m_last_failure = "transport";
      }
      if (error.server_error() == 0 || !retryable_transport(static_cast<CURLcode>(error.server_error())) ||
          attempt.sunk > 0) {
        throw;
      }
      why = error.what();
    }
    // Full jitter: a random wait up to the exponential bound, so that many clients do not retry in step.
    const auto bound =
        std::min<std::chrono::milliseconds>(k_first_wait * (1LL << std::min(tries, 10U)), k_longest_wait);
    const auto wait = std::chrono::milliseconds(random() % static_cast<std::uint64_t>(bound.count() + 1));
    const auto spent = std::chrono::steady_clock::now() - started;
    if (spent + wait > m_options.retry_time) {
      throw Error(ErrorCode::offsite,
                  tx("{}: gave up after {} tries in {:.0f} s: {}", request.what, tries + 1,
                     std::chrono::duration<double>(spent).count(), why),
                  tx("the storage or the network is down: the local backup is kept; the next backup or 'ifnbackup "
                     "push' sends what is missing"));
    }
    ++m_retries;
    log_warn("{}: {}; trying again in {:.1f} s", request.what, why, static_cast<double>(wait.count()) / 1000.0);
    std::this_thread::sleep_for(wait);
  }
}

}  // namespace ifnbackup::offsite
