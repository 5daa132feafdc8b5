#include "ifnbackup/verify.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <exception>
#include <optional>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "io/gzip_reader.hpp"
#include "sign/file_signature.hpp"
#include "verify/content_scan.hpp"
#include "verify/section_check.hpp"

// The trailer rules of docs/backup-format.md ("Proving a file complete and unaltered"), applied
// once the content has been scanned, and the driver that feeds the decompressed file to the scan.
namespace ifnbackup::verify_detail {
namespace {

// Gives the verdict; false, so that a step of ContentScan::conclude ends with `return stop(...)`.
bool stop(VerifyResult& result, VerifyStatus status, std::string reason) {
  result.status = status;
  result.reason = std::move(reason);
  return false;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// The last line of `text` (without its '\n') and where it starts; `whole` says that `text` is
// the entire content, so a line without a '\n' before it starts at 0.
bool last_line(std::string_view text, bool whole, std::string_view& line, std::size_t& start) {
  if (!text.empty() && text.back() == '\n') {
    text.remove_suffix(1);
  }
  const std::size_t newline = text.rfind('\n');
  if (newline == std::string_view::npos) {
    if (!whole) {
      return false;
    }
    start = 0;
  } else {
    start = newline + 1;
  }
  line = text.substr(start);
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  return true;
}

// The SHA-256 the index locator line gives, when the content (`before_checksum`) ends with one.
std::string locator_sha256(std::string_view before_checksum, bool whole) {
  std::string_view line;
  std::size_t start = 0;
  if (!last_line(before_checksum, whole, line, start)) {
    return {};
  }
  const auto locator = parse_index_locator(line);
  return locator ? locator->sha256 : std::string();
}

}  // namespace

bool ContentScan::index_block_between(std::string_view before_checksum, bool whole) const {
  std::string_view locator;
  std::size_t locator_start = 0;
  if (!std::string_view(m_after_manifest).starts_with(std::string(k_index_begin_line) + "\n") ||
      !last_line(before_checksum, whole, locator, locator_start) || !parse_index_locator(locator)) {
    return false;
  }
  std::string_view end_line;
  std::size_t end_start = 0;
  return locator_start > 0 && last_line(before_checksum.substr(0, locator_start), whole, end_line, end_start) &&
         starts_with(end_line, k_index_end_prefix);
}

std::string ContentScan::not_sql_reason() const {
  const std::string_view prefix = m_prefix;
  if (prefix.find('\0') != std::string_view::npos) {
    return "not an SQL dump: the content is binary data";
  }
  const std::size_t first = prefix.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return {};
  }
  const std::string_view start = prefix.substr(first);
  if (starts_with(start, "--") || starts_with(start, "/*")) {
    return {};
  }
  return "not an SQL dump: the content does not start with an SQL comment";
}

void ContentScan::conclude(VerifyResult& result) {
  result.header = m_header;
  result.uncompressed_bytes = m_hashed + m_tail.size();
  result.create_table_lines = m_create_table_lines;
  result.insert_lines = m_insert_lines;
  result.check = m_read_statements ? VerifyCheck::full : VerifyCheck::written;
  if (m_read_statements) {
    m_statements.conclude(result);
  }
  // The trailer from the end: marker, signature, checksum, then the manifest before them.
  TrailerLines lines;
  if (!read_completion_marker(result, lines)) {
    return;
  }
  const auto checksum = read_checksum_line(result, lines);
  if (!checksum || !check_content_checksum(result, *checksum, lines.checksum_start) ||
      !check_signature(result, *checksum, lines) || !check_manifest(result, lines.checksum_start)) {
    return;
  }
  if (result.foreign_statements > 0) {
    // Whole, but not what our dumper writes: a crafted file, refused before anything runs.
    result.refused_for_statements = true;
    stop(result, VerifyStatus::corrupt,
         fmt::format("{} statement{} our dumper never writes, first at {}", result.foreign_statements,
                     result.foreign_statements == 1 ? "" : "s", result.first_foreign_statement));
    return;
  }
  if (m_read_statements && sign::header_format(m_header) >= k_first_computed_digest_format) {
    if (std::string problem = m_statements.digests().fill(m_manifest.tables); !problem.empty()) {
      stop(result, VerifyStatus::corrupt, std::move(problem));
      return;
    }
  }
  result.tables = std::move(m_manifest.tables);
  result.status = VerifyStatus::ok;
  result.reason.clear();
}

bool ContentScan::read_completion_marker(VerifyResult& result, TrailerLines& lines) const {
  std::string_view marker;
  if (!last_line(m_tail, tail_is_whole(), marker, lines.marker_start) || !starts_with(marker, k_completion_prefix)) {
    if (const std::string not_sql = not_sql_reason(); !not_sql.empty()) {
      return stop(result, VerifyStatus::corrupt, not_sql + " (no completion marker)");
    }
    return stop(result, VerifyStatus::incomplete,
                result.uncompressed_bytes == 0 ? "no completion marker: the file holds no SQL at all"
                                               : "no completion marker: the dump was cut short");
  }
  std::string_view when = marker.substr(k_completion_prefix.size());
  if (starts_with(when, " on ")) {
    when.remove_prefix(4);
  }
  result.completed_at = std::string(when);
  return true;
}

std::optional<ChecksumLine> ContentScan::read_checksum_line(VerifyResult& result, TrailerLines& lines) const {
  const std::string_view tail = m_tail;
  const bool whole = tail_is_whole();
  bool have_previous = lines.marker_start > 0 &&
                       last_line(tail.substr(0, lines.marker_start), whole, lines.checksum, lines.checksum_start);
  // Format 4 on: the signature line sits between the checksum line and the completion marker.
  if (have_previous && starts_with(lines.checksum, sign::k_signature_prefix)) {
    lines.signature = lines.checksum;
    const std::size_t signature_start = lines.checksum_start;
    have_previous =
        signature_start > 0 && last_line(tail.substr(0, signature_start), whole, lines.checksum, lines.checksum_start);
  }
  if (!have_previous || !starts_with(lines.checksum, k_checksum_prefix)) {
    if (written_by_ifnbackup()) {
      // Our dumper always writes the checksum line: without it the file was altered, never "legacy".
      stop(result, VerifyStatus::corrupt,
           "content checksum line missing: the header says ifnbackup wrote this file, which always ends "
           "with one, so it was altered");
      return std::nullopt;
    }
    stop(result, VerifyStatus::ok_legacy, "legacy: no content checksum");
    return std::nullopt;
  }
  auto checksum = parse_checksum_line(lines.checksum);
  if (!checksum) {
    stop(result, VerifyStatus::corrupt, "malformed checksum line: " + std::string(lines.checksum.substr(0, 200)));
  }
  return checksum;
}

bool ContentScan::check_content_checksum(VerifyResult& result, const ChecksumLine& checksum,
                                         std::size_t checksum_start) {
  hash(std::string_view(m_tail).substr(0, checksum_start));
  const std::uint64_t content_bytes = m_hashed + checksum_start;
  // Not hashed (skip_content_hash): every range's SHA-256 was checked against the index instead.
  result.sha256 = m_hash_content ? util::Sha256::hex(m_sha.finish()) : checksum.sha256_hex;
  result.content_bytes = content_bytes;
  if (checksum.bytes != content_bytes) {
    return stop(result, VerifyStatus::corrupt,
                "content checksum mismatch: the checksum line covers " + std::to_string(checksum.bytes) +
                    " bytes, the file has " + std::to_string(content_bytes) + " before it");
  }
  if (checksum.sha256_hex != result.sha256) {
    return stop(result, VerifyStatus::corrupt,
                "content checksum mismatch: expected sha256 " + checksum.sha256_hex + ", computed " + result.sha256);
  }
  return true;
}

bool ContentScan::check_signature(VerifyResult& result, const ChecksumLine& checksum, const TrailerLines& lines) const {
  const std::string_view before_checksum = std::string_view(m_tail).substr(0, lines.checksum_start);
  std::string problem =
      sign::check_signature(lines.signature, checksum, locator_sha256(before_checksum, tail_is_whole()),
                            sign::header_format(m_header), result.signer);
  return problem.empty() || stop(result, VerifyStatus::corrupt, std::move(problem));
}

bool ContentScan::check_manifest(VerifyResult& result, std::size_t checksum_start) const {
  const std::uint64_t content_bytes = m_hashed + checksum_start;
  const bool manifest_in_place =
      m_have_manifest && (m_manifest.end_offset + m_trailer_bytes == content_bytes ||
                          (m_trailer_bytes == 0 &&
                           index_block_between(std::string_view(m_tail).substr(0, checksum_start), tail_is_whole())));
  if (!manifest_in_place) {
    return stop(result, VerifyStatus::corrupt,
                m_trailer_bytes == 0 ? "manifest missing: no manifest block right before the checksum line"
                                     : "manifest missing: no manifest block right before the section index");
  }
  if (m_manifest.tables.size() != m_manifest.totals.tables || m_manifest.rows != m_manifest.totals.rows) {
    return stop(result, VerifyStatus::corrupt,
                "manifest mismatch: it lists " + std::to_string(m_manifest.tables.size()) + " tables and " +
                    std::to_string(m_manifest.rows) + " rows, its end line says tables=" +
                    std::to_string(m_manifest.totals.tables) + " rows=" + std::to_string(m_manifest.totals.rows));
  }
  return true;
}

}  // namespace ifnbackup::verify_detail

namespace ifnbackup {
namespace {

constexpr std::size_t k_chunk_size = 1024 * 1024;

}  // namespace

bool VerifyResult::holds_tables() const noexcept {
  switch (status) {
    case VerifyStatus::ok:
      return !tables.empty();
    case VerifyStatus::ok_legacy:
      return create_table_lines > 0 && insert_lines > 0;
    case VerifyStatus::corrupt:
    case VerifyStatus::incomplete:
      return false;
  }
  return false;
}

const char* verify_check_name(VerifyCheck check) noexcept {
  return check == VerifyCheck::written ? "written" : "full";
}

const char* verify_status_name(VerifyStatus status) noexcept {
  switch (status) {
    case VerifyStatus::ok:
      return "ok";
    case VerifyStatus::ok_legacy:
      return "ok_legacy";
    case VerifyStatus::corrupt:
      return "corrupt";
    case VerifyStatus::incomplete:
      return "incomplete";
  }
  return "unknown";
}

namespace {

// `indexed`: the file is on disk and its section index is checked; false for a stream (a pipe).
// `by_range`: a file whose index gives every range its SHA-256, decoded on several threads, has each
// range hashed there rather than the whole content here (the read-back, the verification before a restore).
VerifyResult verify_path(const std::filesystem::path& path, const std::function<void(const VerifyProgress&)>& progress,
                         unsigned threads, bool indexed, VerifyCheck check = VerifyCheck::full, bool by_range = false) {
  VerifyResult result;
  result.path = path;
  result.check = check;
  io::GzipReader reader(path);  // a missing or unreadable file throws: it is not a verdict on a backup
  result.compressed_bytes = reader.compressed_total();

  bool parallel = false;
  bool range_hashes = false;
  verify_detail::ContentScan scan;
  if (check == VerifyCheck::written) {
    scan.skip_statements();
  }
  std::optional<verify_detail::SectionCheck> sections;
  std::vector<char> buffer(k_chunk_size);
  // Feeds what `from` decodes to the scan and the section check.
  auto read_stream = [&](io::GzipReader& from, std::uint64_t progress_base) {
    for (;;) {
      const std::size_t n = from.read(buffer);
      if (progress) {
        progress(VerifyProgress{progress_base + from.compressed_read(), reader.compressed_total()});
      }
      if (n == 0) {
        break;
      }
      scan.feed(std::string_view(buffer.data(), n));
      if (sections) {
        sections->feed(std::string_view(buffer.data(), n));
      }
    }
  };
  try {
    if (indexed) {
      sections = verify_detail::SectionCheck::load(path);
    }
    if (sections) {
      scan.expect_trailer(sections->trailer_bytes());
    }
    const unsigned wanted = threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : threads;
    const unsigned workers = sections ? sections->decode_threads(wanted) : 1;
    if (workers > 1) {
      // Sections decoded on several threads, fed in order; then the index block and the tail.
      std::uint64_t done = 0;
      // Each range's SHA-256 against the signed index, on the decoding threads, proves the content as
      // the whole content's SHA-256 on this one would, and this thread bounds the time (issue 13).
      // Only where every range has one (format 4 on).
      range_hashes = by_range && std::all_of(sections->owned_sections().begin(), sections->owned_sections().end(),
                                             [](const Section& section) { return !section.sha256.empty(); });
      if (range_hashes) {
        scan.skip_content_hash();
      }
      verify_detail::read_sections_in_order(
          path, sections->owned_sections(), workers,
          [&](const Section& section, std::string_view text) {
            scan.feed(text);
            done += section.size;
            if (progress) {
              progress(VerifyProgress{done, reader.compressed_total()});
            }
          },
          range_hashes);
      sections->checked_by_sections();
      io::GzipReader rest(path, sections->locator().at, reader.compressed_total() - sections->locator().at);
      read_stream(rest, done);
      parallel = true;
      result.decode_threads = workers;
    } else {
      if (sections) {
        reader.on_member_start([&sections](std::uint64_t compressed, std::uint64_t uncompressed) {
          sections->member_started(compressed, uncompressed);
        });
      }
      read_stream(reader, 0);
    }
  } catch (const Error& error) {
    if (error.code() != ErrorCode::corrupt && error.code() != ErrorCode::incomplete) {
      throw;
    }
    result.status = error.code() == ErrorCode::corrupt ? VerifyStatus::corrupt : VerifyStatus::incomplete;
    result.reason = error.what();
    result.reason_local = error.message().local;
    result.uncompressed_bytes = reader.uncompressed_read();
    result.header = scan.header();
    return result;
  }
  result.compressed_bytes = reader.compressed_total();
  result.parallel = parallel;
  result.sha256_by_range = range_hashes;
  scan.conclude(result);
  if (result.ok() && sections) {
    // The checksum proved the content; this proves the index that restore --tables trusts.
    std::string problem = sections->problem();
    if (problem.empty()) {
      problem = sections->manifest_problem(result.tables);
    }
    if (!problem.empty()) {
      result.status = VerifyStatus::corrupt;
      result.reason = std::move(problem);
    } else {
      result.sections = sections->sections().size();
      result.index_sha256 = sections->locator().sha256;
    }
  }
  return result;
}

}  // namespace

VerifyResult verify_backup_file(const std::filesystem::path& path,
                                const std::function<void(const VerifyProgress&)>& progress, unsigned threads) {
  return verify_path(path, progress, threads, true);
}

VerifyResult verify_before_restore(const std::filesystem::path& path,
                                   const std::function<void(const VerifyProgress&)>& progress, unsigned threads) {
  VerifyResult result = verify_path(path, progress, threads, true, VerifyCheck::full, true);
  // Without a signature nothing ties the checksum line's SHA-256 to the ranges': the whole content,
  // as ifnbackup verify hashes it, or a file it calls corrupt would be loaded.
  if (result.sha256_by_range && result.signer.trust == SignerTrust::none) {
    return verify_path(path, progress, threads, true);
  }
  return result;
}

VerifyResult verify_written_backup(const std::filesystem::path& path, unsigned threads) {
  return verify_path(path, {}, threads, true, VerifyCheck::written, true);
}

VerifyResult verify_backup_stream(const std::function<void(const std::function<void(std::string_view)>&)>& produce,
                                  const std::string& name) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw Error(ErrorCode::io, tx("cannot make a pipe to verify {}: {}", name, errno_text(errno)),
                tx("the process may be out of file descriptors: raise 'ulimit -n' and verify again"));
  }
  int read_end = fds[0];
  int write_end = fds[1];
  std::exception_ptr failure;
  bool reader_gone = false;
  std::thread producer([&] {
    // A reader that stops early (a verdict before the end) makes write() fail with EPIPE, not kill us.
    sigset_t pipe_signal;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    ::pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
    try {
      produce([&](std::string_view bytes) {
        while (!bytes.empty()) {
          const ssize_t done = ::write(write_end, bytes.data(), bytes.size());
          if (done < 0) {
            if (errno == EINTR) {
              continue;
            }
            reader_gone = errno == EPIPE;
            throw Error(ErrorCode::io, tx("cannot pass {} on: {}", name, errno_text(errno)));
          }
          bytes.remove_prefix(static_cast<std::size_t>(done));
        }
      });
    } catch (...) {
      failure = std::current_exception();
    }
    ::close(write_end);
  });
  VerifyResult result;
  const std::string stream_path = fmt::format("/proc/self/fd/{}", read_end);
  try {
    result = verify_path(stream_path, {}, 1, false);
  } catch (...) {
    ::close(read_end);
    producer.join();
    throw;
  }
  ::close(read_end);
  producer.join();
  // The producer's own failure (a broken download, a wrong key) says more than the cut stream it left.
  if (failure && !reader_gone) {
    std::rethrow_exception(failure);
  }
  result.path = name;
  for (std::size_t at = result.reason.find(stream_path); at != std::string::npos;
       at = result.reason.find(stream_path, at + name.size())) {
    result.reason.replace(at, stream_path.size(), name);
  }
  return result;
}

}  // namespace ifnbackup
