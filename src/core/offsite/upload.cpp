// An upload: one PUT for a small object, else a multipart upload of parts of plan_parts()'s size, one part
// held in memory at a time; then a HEAD proves the size and our SHA-256 header. A failed multipart upload
// is aborted, so the key stays absent and no part of ours is left to pay for.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/offsite.hpp"
#include "ifnbackup/printable.hpp"
#include "offsite/objects.hpp"
#include "offsite/s3_client.hpp"
#include "offsite/xml.hpp"
#include "util/sha256.hpp"

namespace ifnbackup {
namespace {

class FileSource final : public UploadSource {
 public:
  explicit FileSource(const std::filesystem::path& file) : m_path(file) {
    m_fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (m_fd < 0) {
      throw Error(errno == ENOENT ? ErrorCode::not_found : ErrorCode::io,
                  tx("cannot open {}: {}", file.string(), errno_text(errno)),
                  tx("check that the backup is still in its folder"));
    }
    m_size = std::filesystem::file_size(file);
  }
  ~FileSource() override { ::close(m_fd); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  std::uint64_t size() const override { return m_size; }
  std::size_t read(char* buffer, std::size_t capacity) override {
    for (;;) {
      const ssize_t got = ::read(m_fd, buffer, capacity);
      if (got >= 0) {
        return static_cast<std::size_t>(got);
      }
      if (errno != EINTR) {
        throw Error(ErrorCode::io, tx("cannot read {}: {}", m_path.string(), errno_text(errno)),
                    tx("check the disk of the backup folder (dmesg, SMART)"));
      }
    }
  }
  void rewind() override {
    if (::lseek(m_fd, 0, SEEK_SET) != 0) {
      throw Error(ErrorCode::io, tx("cannot seek in {}: {}", m_path.string(), errno_text(errno)),
                  tx("check the disk of the backup folder (dmesg, SMART)"));
    }
  }

 private:
  std::filesystem::path m_path;
  int m_fd = -1;
  std::uint64_t m_size = 0;
};

// Fills `buffer` with `want` bytes of the source; fewer only when the source ends early (an error).
std::size_t read_exactly(UploadSource& source, std::string& buffer, std::size_t want) {
  buffer.resize(want);
  std::size_t have = 0;
  while (have < want) {
    const std::size_t got = source.read(buffer.data() + have, want - have);
    if (got == 0) {
      break;
    }
    have += got;
  }
  buffer.resize(have);
  return have;
}

}  // namespace

std::string sha256_of_source(UploadSource& source) {
  util::Sha256 sha;
  std::string buffer(k_mib, '\0');
  source.rewind();
  while (const std::size_t got = source.read(buffer.data(), buffer.size())) {
    sha.update(buffer.data(), got);
  }
  if (sha.size() != source.size()) {
    throw Error(ErrorCode::io, tx("the file changed while it was read ({} bytes, then {})", source.size(), sha.size()),
                tx("another program changes the backup folder's files: find it, then run 'ifnbackup push' again"));
  }
  return util::Sha256::hex(sha.finish());
}

namespace {

std::vector<std::pair<std::string, std::string>> object_headers(const OffsiteOptions& options,
                                                                const std::string& sha256, const UploadSource& source) {
  std::vector<std::pair<std::string, std::string>> headers{{std::string(k_offsite_sha256_header), sha256}};
  for (auto& header : source.metadata()) {
    headers.push_back(std::move(header));
  }
  if (!options.storage_class.empty()) {
    headers.emplace_back("x-amz-storage-class", options.storage_class);
  }
  return headers;
}

void put_single(offsite::S3Client& client, const std::string& key, std::string_view name, UploadSource& source,
                const std::string& sha256) {
  std::string body;
  source.rewind();
  if (read_exactly(source, body, source.size()) != source.size()) {
    throw Error(ErrorCode::io, tx("{} became shorter while it was uploaded", name),
                tx("another program changes the backup folder's files: find it, then run 'ifnbackup push' again"));
  }
  offsite::S3Request put;
  put.method = "PUT";
  put.key = key;
  put.headers = object_headers(client.options(), sha256, source);
  put.body = body;
  put.what = fmt::format("upload of {}", name);
  client.perform(put);
}

struct Multipart {
  offsite::S3Client& client;
  std::string key;
  std::string upload_id;
  std::string name;

  void abort() noexcept {
    try {
      offsite::S3Request request;
      request.method = "DELETE";
      request.key = key;
      request.query = {{"uploadId", upload_id}};
      request.what = fmt::format("abort of the unfinished upload of {}", name);
      client.perform(request);
      log_info("unfinished multipart upload of {} aborted", name);
    } catch (const std::exception& error) {
      log_warn(
          "the unfinished multipart upload of {} could not be aborted ({}): its parts stay in the bucket "
          "until a lifecycle rule removes them (AbortIncompleteMultipartUpload, docs/offsite.md)",
          name, error.what());
    }
  }
};

void put_multipart(offsite::S3Client& client, const std::string& key, std::string_view name, UploadSource& source,
                   const std::string& sha256, const PartPlan& plan) {
  offsite::S3Request create;
  create.method = "POST";
  create.key = key;
  create.query = {{"uploads", ""}};
  create.headers = object_headers(client.options(), sha256, source);
  create.what = fmt::format("start of the multipart upload of {}", name);
  const std::string upload_id = offsite::xml_text(client.perform(create).body, "UploadId");
  if (upload_id.empty()) {
    throw Error(ErrorCode::offsite, tx("{}: the answer holds no UploadId", create.what),
                tx("the endpoint may not be S3-compatible: check --s3-endpoint"));
  }
  Multipart upload{client, key, upload_id, std::string(name)};
  try {
    std::string complete = "<CompleteMultipartUpload>";
    std::string part;  // the one part held in memory
    source.rewind();
    for (std::uint64_t number = 1; number <= plan.parts; ++number) {
      const std::uint64_t offset = (number - 1) * plan.part_size;
      const std::size_t want = static_cast<std::size_t>(std::min(plan.part_size, source.size() - offset));
      if (read_exactly(source, part, want) != want) {
        throw Error(ErrorCode::io, tx("{} became shorter while it was uploaded", name),
                    tx("another program changes the backup folder's files: find it, then run 'ifnbackup push' again"));
      }
      offsite::S3Request put;
      put.method = "PUT";
      put.key = key;
      put.query = {{"partNumber", std::to_string(number)}, {"uploadId", upload_id}};
      put.body = part;
      put.what = fmt::format("upload of part {} of {} of {}", number, plan.parts, name);
      const auto answer = client.perform(put);
      const auto etag = answer.headers.find("etag");
      if (etag == answer.headers.end() || etag->second.empty()) {
        throw Error(ErrorCode::offsite, tx("{}: the answer holds no ETag", put.what),
                    tx("the endpoint may not be S3-compatible: check --s3-endpoint"));
      }
      complete += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>", number,
                              offsite::xml_escape(etag->second));
      spdlog::debug("{}: {} bytes", put.what, want);
    }
    complete += "</CompleteMultipartUpload>";
    offsite::S3Request finish;
    finish.method = "POST";
    finish.key = key;
    finish.query = {{"uploadId", upload_id}};
    finish.headers = {{"content-type", "application/xml"}};
    finish.body = complete;
    finish.what = fmt::format("completion of the multipart upload of {}", name);
    const auto answer = client.perform(finish);
    // S3 may answer 200 and put the failure in the body (the notes: CompleteMultipartUpload).
    if (answer.body.find("<Error>") != std::string::npos) {
      offsite::S3Response failed = answer;
      failed.status = 500;
      throw offsite::failure_error(finish, failed, client.where(), client.location().bucket);
    }
  } catch (...) {
    upload.abort();
    throw;
  }
}

}  // namespace

std::unique_ptr<UploadSource> open_file_source(const std::filesystem::path& file) {
  return std::make_unique<FileSource>(file);
}

UploadResult upload_to_offsite(const OffsiteOptions& options, std::string_view name, UploadSource& source,
                               const std::string& known_sha256) {
  offsite::S3Client client(options, offsite::load_credentials(options.profile));
  UploadResult result;
  result.key = client.location().key_of(name);
  result.bytes = source.size();
  result.sha256 = known_sha256.empty() ? sha256_of_source(source) : known_sha256;
  const PartPlan plan = plan_parts(source.size(), options.max_parts, options.min_part_size);
  result.parts = plan.parts;
  result.part_size = plan.part_size;
  const auto started = std::chrono::steady_clock::now();
  if (plan.multipart()) {
    put_multipart(client, result.key, name, source, result.sha256, plan);
  } else {
    put_single(client, result.key, name, source, result.sha256);
  }
  const auto object = offsite::head_object(client, name);
  if (!object) {
    throw Error(ErrorCode::offsite, tx("{} was uploaded to {} but a HEAD finds no such object", name, result.key),
                tx("the storage may be eventually consistent or the key rewritten by a proxy: check --s3-endpoint"));
  }
  std::string plain_sent;
  for (const auto& [header, value] : source.metadata()) {
    if (header == k_offsite_plain_sha256_header) {
      plain_sent = value;
    }
  }
  if (object->size != result.bytes || object->sha256 != result.sha256 || object->plain_sha256 != plain_sent) {
    throw Error(ErrorCode::offsite,
                tx("{} was uploaded to {} but reads back as {} bytes with SHA-256 '{}' (sent {} bytes, {})", name,
                   result.key, object->size, object->sha256, result.bytes, result.sha256),
                tx("the storage did not keep what was sent: run 'ifnbackup push' again, and check the provider"));
  }
  result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  result.retries = client.retries();
  return result;
}

}  // namespace ifnbackup
