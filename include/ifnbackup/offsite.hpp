#pragma once
// Offsite copies of backups in S3-compatible storage (AWS S3, Google Cloud Storage through its XML API
// with HMAC keys, MinIO...): upload after a verified backup, `push` of what is missing, the listing.
// docs/offsite.md says how to set it up. The object under <prefix>/<file name> is complete or absent
// (a single PUT, or a multipart upload completed at once); our SHA-256 of its bytes travels in
// x-amz-meta-ifnbackup-sha256 and a HEAD checks it with the size after every upload.
//
// Credentials never come from options: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN,
// else the shared credentials file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, profile
// `profile`, else AWS_PROFILE, else "default"), refused when group or others may read it.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ifnbackup/doctor.hpp"

namespace ifnbackup {

inline constexpr std::uint64_t k_mib = 1024 * 1024;
// S3's limits for a multipart upload (GCS and MinIO have the same).
inline constexpr std::uint64_t k_s3_min_part_size = 5 * k_mib;
inline constexpr std::uint64_t k_s3_max_part_size = 5 * 1024 * k_mib;           // 5 GiB
inline constexpr std::uint64_t k_s3_max_object_size = 5 * 1024 * 1024 * k_mib;  // 5 TiB
inline constexpr unsigned k_s3_max_parts = 10000;
// The metadata header holding our SHA-256 of the object's bytes (lowercase hex).
inline constexpr std::string_view k_offsite_sha256_header = "x-amz-meta-ifnbackup-sha256";
// An encrypted object (NAME.sql.gz.age): the SHA-256 of the plain .sql.gz it was encrypted from.
inline constexpr std::string_view k_offsite_plain_sha256_header = "x-amz-meta-ifnbackup-plain-sha256";
// A backup's binlog position as its header records it ("binlog.000042:1234", or "none"): the bucket's
// rotation keeps the archived binary logs the kept backups need without reading them (docs/pitr.md).
inline constexpr std::string_view k_offsite_binlog_header = "x-amz-meta-ifnbackup-binlog";

struct OffsiteOptions {
  std::string url;       // s3://BUCKET/PREFIX (PREFIX may be empty)
  std::string endpoint;  // empty: https://s3.<region>.amazonaws.com
  std::string region = "us-east-1";
  bool path_style = false;    // https://endpoint/BUCKET/KEY instead of https://BUCKET.endpoint/KEY
  std::string storage_class;  // empty: the bucket's default (x-amz-storage-class not sent)
  unsigned max_parts = k_s3_max_parts;
  std::string profile;  // empty: AWS_PROFILE, else "default"
  // Retries of a failed request (5xx, RequestTimeout, SlowDown, broken connection) stop when the next
  // wait would pass this much time spent on the request.
  std::chrono::seconds retry_time{300};
  // The smallest part: S3's 5 MiB, lower only in tests (the test server does not enforce it).
  std::uint64_t min_part_size = k_s3_min_part_size;

  bool enabled() const { return !url.empty(); }
};

struct OffsiteLocation {
  std::string bucket;
  std::string prefix;  // "" or ending with '/'
  std::string key_of(std::string_view name) const { return prefix + std::string(name); }
};

// "s3://bucket", "s3://bucket/", "s3://bucket/a/b" -> {bucket, "" | "a/b/"}. Throws Error(usage).
OffsiteLocation parse_offsite_url(std::string_view url);

// The same bucket with <prefix><folder>/ as its prefix: where the binary log archive's copies go ("binlog").
OffsiteOptions offsite_subfolder(const OffsiteOptions& options, std::string_view folder);

// How a file of `size` bytes is cut: one PUT when it fits in one part, else `parts` parts of
// `part_size` bytes (the last one smaller). part_size: min_part_size, or when that makes more than
// max_parts parts, the smallest whole MiB that keeps the count within max_parts. Throws Error(usage) past 5 TiB or when
// no part size up to 5 GiB fits (max_parts too small for the size).
struct PartPlan {
  std::uint64_t part_size = 0;
  std::uint64_t parts = 0;  // 1: a single PUT
  bool multipart() const { return parts > 1; }
};
PartPlan plan_parts(std::uint64_t size, unsigned max_parts, std::uint64_t min_part_size = k_s3_min_part_size);

// What an upload reads: a file, or an encrypting stream over one. size() is the exact number
// of bytes read() will give; rewind() starts again and must give the same bytes (the SHA-256 goes in the
// object's metadata, sent before the parts, so the upload reads the source once to hash it, then again to
// send it).
class UploadSource {
 public:
  virtual ~UploadSource() = default;
  virtual std::uint64_t size() const = 0;
  // Up to `capacity` bytes; 0 only at the end. Throws Error(io).
  virtual std::size_t read(char* buffer, std::size_t capacity) = 0;
  virtual void rewind() = 0;
  // Headers (x-amz-meta-*) sent with the object besides our SHA-256, once the source was read whole.
  virtual std::vector<std::pair<std::string, std::string>> metadata() const { return {}; }
};
std::unique_ptr<UploadSource> open_file_source(const std::filesystem::path& file);
// Reads the source from its start to its end: the hex SHA-256 of its bytes. Throws Error(io).
std::string sha256_of_source(UploadSource& source);

struct UploadResult {
  std::string key;
  std::uint64_t bytes = 0;
  std::uint64_t parts = 0;  // 1: single PUT
  std::uint64_t part_size = 0;
  std::string sha256;
  std::chrono::milliseconds duration{0};  // upload and HEAD, not the hashing pass
  unsigned retries = 0;
};

// Uploads `source` as <prefix><name>, then checks it with a HEAD (size and our SHA-256 header).
// `known_sha256`: the source's SHA-256 when already known (a verified file), else the source is read
// once to hash it. A failed multipart upload is aborted. Throws Error(offsite).
UploadResult upload_to_offsite(const OffsiteOptions& options, std::string_view name, UploadSource& source,
                               const std::string& known_sha256 = {});

struct OffsiteObject {
  std::string name;  // the key without the prefix
  std::string key;
  std::uint64_t size = 0;
  std::string last_modified;          // as the server says it (ISO 8601, UTC)
  std::string sha256;                 // our header, from a HEAD; empty when absent or not asked
  std::string plain_sha256;           // an encrypted object's: the plain file's SHA-256 (k_offsite_plain_sha256_header)
  std::optional<std::string> binlog;  // a backup's binlog position (k_offsite_binlog_header); nullopt: not sent
  bool headed = false;                // a HEAD was made
};

// Every object under the prefix (every page of ListObjectsV2), in key order. With `head`, a HEAD of each
// object whose name passes `want` fills sha256 (objects not wanted are left out of the result).
std::vector<OffsiteObject> list_offsite(const OffsiteOptions& options,
                                        const std::function<bool(std::string_view name)>& want, bool head);

// One object's size and our header; nullopt when there is no such object. Throws Error(offsite).
std::optional<OffsiteObject> head_offsite(const OffsiteOptions& options, std::string_view name);

// Removes <prefix><name> (one DELETE; S3 says 204 whether or not it was there). Throws Error(offsite).
void delete_offsite(const OffsiteOptions& options, std::string_view name);

// Streams <prefix><name> into `sink` after a HEAD, hashing it: Error(corrupt) at the end when the bytes
// differ from the size and our SHA-256 header (the sink has then seen them: it must not keep them before
// this returns), Error(corrupt) before any byte for an object without our header, Error(not_found) for no
// such object, Error(offsite) for a broken transfer. Returns the HEAD's object.
OffsiteObject stream_from_offsite(const OffsiteOptions& options, std::string_view name,
                                  const std::function<void(std::string_view)>& sink);

struct DownloadResult {
  std::filesystem::path file;  // <dir>/<name>
  std::uint64_t bytes = 0;
  std::string sha256;
  bool already_there = false;  // the folder held the same bytes: nothing downloaded
};

// Downloads <prefix><name> into <dir>/<name> through <name>.partial (0600; the folder made 0700), streaming,
// hashing as it writes; the final name only when the size and SHA-256 equal the object's header (an object
// without it is refused: not uploaded by ifnbackup). A file of that name already in the folder is kept
// when it has the same SHA-256, else refused. Throws Error(offsite), Error(not_found) for no such object,
// Error(io), Error(corrupt) when the bytes differ from the header.
DownloadResult download_from_offsite(const OffsiteOptions& options, std::string_view name,
                                     const std::filesystem::path& dir);

// doctor's checks of the offsite set-up, one finding each: the credentials (found, file private), then one
// listing under the prefix (first page), which proves the endpoint answers, the credentials and the clock
// are accepted, the bucket exists and the key may list it; a failure names the one that failed (the
// clock's offset when the storage says it). Requests retried for at most 10 s. Never throws but for an
// interruption.
std::vector<DoctorFinding> check_offsite_access(const OffsiteOptions& options);

}  // namespace ifnbackup
