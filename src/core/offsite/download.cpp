// A download: streamed into a .partial of the backup folder, hashed as it is written, renamed only when
// it matches the size and SHA-256 recorded at upload. Nothing else in the folder is touched.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <functional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ifnbackup/error.hpp"
#include "ifnbackup/offsite.hpp"
#include "ifnbackup/printable.hpp"
#include "io/atomic_file.hpp"
#include "io/file_io.hpp"
#include "offsite/objects.hpp"
#include "util/sha256.hpp"

namespace ifnbackup {

namespace {

void check_name(std::string_view name) {
  if (name.empty() || name.find('/') != std::string_view::npos || name == "." || name == "..") {
    throw Error(ErrorCode::usage, tx("'{}' is not a backup's file name", name),
                tx("give a name as 'ifnbackup list --offsite' shows it, or latest"));
  }
}

OffsiteObject head_ours(offsite::S3Client& client, std::string_view name) {
  const auto object = offsite::head_object(client, name);
  if (!object) {
    throw Error(ErrorCode::not_found,
                tx("no object {} in s3://{}", client.location().key_of(name), client.location().bucket),
                tx("'ifnbackup list --offsite' shows the backups there"));
  }
  if (object->sha256.size() != 64) {
    throw Error(
        ErrorCode::corrupt,
        tx("{} has no SHA-256 of ours ({}): it was not uploaded by ifnbackup", object->key, k_offsite_sha256_header),
        tx("download it by hand (aws s3 cp) and restore the file, after checking where it comes from"));
  }
  return *object;
}

// GET of the object into `sink`, hashed; Error(corrupt) when it is not what the HEAD promised.
void stream_object(offsite::S3Client& client, const OffsiteObject& object,
                   const std::function<void(std::string_view)>& sink) {
  util::Sha256 sha;
  std::uint64_t written = 0;
  std::function<void(const char*, std::size_t)> consume;
  offsite::S3Request get;
  get.key = object.key;
  get.what = fmt::format("download of {}", object.key);
  std::exception_ptr sink_failure;  // the sink's own error (a decryption refused) is the one to report
  get.sink = [&](const char* data, std::size_t size) {
    try {
      consume(data, size);
    } catch (...) {
      sink_failure = std::current_exception();
      throw;
    }
  };
  consume = [&](const char* data, std::size_t size) {
    sha.update(data, size);
    written += size;
    if (written > object.size) {
      throw Error(ErrorCode::corrupt, tx("{} sends more than the {} bytes its HEAD gave", object.key, object.size),
                  tx("nothing was restored; check the bucket (another writer, a provider fault)"));
    }
    sink(std::string_view(data, size));
  };
  try {
    client.perform(get);
  } catch (const Error& error) {
    if (sink_failure) {
      std::rethrow_exception(sink_failure);
    }
    if (written > 0 && error.code() == ErrorCode::offsite) {
      throw Error(ErrorCode::offsite,
                  tx("{} broke after {} of {} bytes: {}", get.what, written, object.size, error.message()),
                  tx("nothing was kept of it; run the command again"));
    }
    throw;
  }
  const std::string got = util::Sha256::hex(sha.finish());
  if (written != object.size || got != object.sha256) {
    throw Error(ErrorCode::corrupt,
                tx("{} downloaded as {} bytes with SHA-256 {}, but was uploaded as {} bytes with {}", object.key,
                   written, got, object.size, object.sha256),
                tx("nothing was restored; try again, and check the bucket (another writer, a provider fault)"));
  }
}

}  // namespace

OffsiteObject stream_from_offsite(const OffsiteOptions& options, std::string_view name,
                                  const std::function<void(std::string_view)>& sink) {
  check_name(name);
  offsite::S3Client client(options, offsite::load_credentials(options.profile));
  const OffsiteObject object = head_ours(client, name);
  stream_object(client, object, sink);
  return object;
}

DownloadResult download_from_offsite(const OffsiteOptions& options, std::string_view name,
                                     const std::filesystem::path& dir) {
  check_name(name);
  offsite::S3Client client(options, offsite::load_credentials(options.profile));
  const OffsiteObject object = head_ours(client, name);
  DownloadResult result;
  result.file = dir / std::string(name);
  result.bytes = object.size;
  result.sha256 = object.sha256;
  std::error_code ec;
  if (std::filesystem::exists(result.file, ec)) {
    auto source = open_file_source(result.file);
    if (sha256_of_source(*source) == object.sha256) {
      result.already_there = true;
      log_info("{} is already in {} with the offsite copy's SHA-256: not downloaded", name, dir.string());
      return result;
    }
    throw Error(ErrorCode::io, tx("{} exists and differs from the offsite copy {}", result.file.string(), object.key),
                tx("move the local file away, or restore it as it is"));
  }
  io::ensure_private_folder(dir);
  io::AtomicFile file(result.file);
  stream_object(client, object,
                [&](std::string_view bytes) { io::write_fully(file.fd(), bytes, file.partial_path().string()); });
  file.commit();
  log_info("downloaded {} to {} ({:.1f} MiB), SHA-256 {} as uploaded", object.key, result.file.string(),
           static_cast<double>(object.size) / 1048576.0, object.sha256);
  return result;
}

}  // namespace ifnbackup
