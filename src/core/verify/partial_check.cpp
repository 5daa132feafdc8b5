// The sections of a file that a caller chose from its section index (restore --tables:
// restore/table_sections), each checked alone against the index: the rest of the file is never
// decompressed.
#include <fmt/format.h>

#include <set>

#include "ifnbackup/error.hpp"
#include "restore/sql_splitter.hpp"
#include "sign/file_signature.hpp"
#include "verify/content_scan.hpp"
#include "verify/insert_digests.hpp"
#include "verify/section_check.hpp"

namespace ifnbackup {
namespace {

struct TailLines {
  ChecksumLine checksum;
  std::string_view signature_line;  // empty: unsigned (before format 4)
  std::string_view completion;
};

// The tail member: the locator, then the checksum line, the signature line (format 4 on) and the
// completion line, nothing else.
TailLines tail_lines(const std::filesystem::path& path, std::string_view tail) {
  std::vector<std::string_view> lines;
  for (std::size_t pos = 0; pos < tail.size();) {
    const std::size_t newline = tail.find('\n', pos);
    if (newline == std::string_view::npos) {
      lines.clear();  // the last line ends without its '\n'
      break;
    }
    lines.push_back(tail.substr(pos, newline - pos));
    pos = newline + 1;
  }
  const bool signed_file = lines.size() == 4 && lines[2].starts_with(sign::k_signature_prefix);
  const std::optional<ChecksumLine> checksum =
      lines.size() == 3 || signed_file ? parse_checksum_line(lines[1]) : std::nullopt;
  if (!checksum || !lines.back().starts_with(k_completion_prefix)) {
    throw verify_detail::section_mismatch(path,
                                          tx("the last member does not end with the checksum and completion lines"));
  }
  return TailLines{*checksum, signed_file ? lines[2] : std::string_view(), lines.back()};
}

// The digests a file of format 5 on leaves to its reader, from the table ranges read: each range
// starts and ends between statements, so it is cut alone (backslash escapes on, as the file's header
// sets its session).
class RangeDigests {
 public:
  RangeDigests() {
    // A statement past this is a big table's: its digest is in the manifest, its text never held.
    m_splitter.stream_beyond(verify_detail::StatementScan::k_statement_hold, [](std::string_view) {});
  }
  void feed(std::string_view piece) {
    m_splitter.feed(piece, [this](restore::Statement&& statement) { take(statement); });
  }
  void end_range() {
    m_splitter.finish([this](restore::Statement&& statement) { take(statement); });
  }
  const verify_detail::InsertDigests& digests() const noexcept { return m_digests; }

 private:
  void take(const restore::Statement& statement) {
    if (statement.streamed == 0) {
      m_digests.statement(statement.text);
    }
  }
  restore::SqlSplitter m_splitter;
  verify_detail::InsertDigests m_digests;
};

// The tables whose statements lie in the ranges read: each range's own table and those written in
// its range after it (with-previous).
std::set<std::string> tables_read(const std::vector<Section>& sections, const std::vector<SectionRead>& read) {
  std::set<std::string> tables;
  for (const SectionRead& range : read) {
    for (std::size_t i = range.index; i < sections.size() && (i == range.index || sections[i].with_previous); ++i) {
      if (sections[i].kind == SectionKind::table) {
        tables.insert(sections[i].table);
      }
    }
  }
  return tables;
}

}  // namespace

std::optional<std::vector<Section>> read_section_index(const std::filesystem::path& path) {
  auto check = verify_detail::SectionCheck::load(path);
  if (!check) {
    return std::nullopt;
  }
  return check->sections();
}

std::optional<VerifyResult> verify_sections(const std::filesystem::path& path, const SectionChoice& choose) {
  using verify_detail::ContentScan;
  using verify_detail::read_section;
  using verify_detail::section_mismatch;
  using verify_detail::SectionCheck;
  VerifyResult result;
  result.path = path;
  try {
    auto check = SectionCheck::load(path);
    if (!check) {
      return std::nullopt;
    }
    const auto& sections = check->sections();
    const std::vector<SectionRead> read = choose(sections);
    for (std::size_t i = 0; i < read.size(); ++i) {
      if (read[i].index >= sections.size() || sections[read[i].index].with_previous ||
          (i > 0 && read[i].index <= read[i - 1].index)) {
        throw Error(ErrorCode::internal, tx("the sections chosen to read are not ranges of the index, in file order"));
      }
    }
    const TailLines tail = tail_lines(path, check->tail_text());
    // Only the prologue's and the objects' ranges go through the scan: hashing the tables' rows
    // (the scan's SHA-256) would prove nothing here, their CRC-32s do, and in a signed file their
    // SHA-256s, which the signed index gives.
    ContentScan scan;
    RangeDigests digests;
    for (const SectionRead& range : read) {
      const Section& section = sections[range.index];
      // A part's table is over 8 MiB of SQL: its digest is in the manifest. A table may share the
      // prologue's range.
      bool table_range = false;
      for (std::size_t i = range.index; i < sections.size() && (i == range.index || sections[i].with_previous); ++i) {
        table_range = table_range || sections[i].kind == SectionKind::table;
      }
      read_section(path, section,
                   range.scan || table_range ? std::function<void(std::string_view)>(
                                                   [&scan, &digests, &range, table_range](std::string_view piece) {
                                                     if (range.scan) {
                                                       scan.feed(piece);
                                                     }
                                                     if (table_range) {
                                                       digests.feed(piece);
                                                     }
                                                   })
                                             : std::function<void(std::string_view)>(),
                   !tail.signature_line.empty());
      if (table_range) {
        digests.end_range();
      }
      result.compressed_checked += section.size;
      if (range.load) {
        result.uncompressed_bytes += section.bytes;
      }
    }
    const std::vector<TableCount>* manifest = scan.manifest_tables();
    if (manifest == nullptr) {
      throw section_mismatch(path, tx("no manifest in the objects section the index gives"));
    }
    if (std::string problem = check->manifest_problem(*manifest); !problem.empty()) {
      throw section_mismatch(path, problem);
    }
    // The manifest's entries (with their content digests), now known to match the index's.
    result.tables = *manifest;
    result.header = scan.header();
    if (sign::header_format(result.header) >= verify_detail::k_first_computed_digest_format) {
      const std::set<std::string> read_tables = tables_read(sections, read);
      if (std::string problem = digests.digests().fill(
              result.tables, [&read_tables](const std::string& table) { return read_tables.contains(table); });
          !problem.empty()) {
        throw section_mismatch(path, problem);
      }
    }
    // Signed: the signature covers the checksum line and the index's SHA-256 (checked against the
    // index by SectionCheck::load), the index each range's SHA-256, checked as it is read.
    if (std::string problem = sign::check_signature(tail.signature_line, tail.checksum, check->locator().sha256,
                                                    sign::header_format(result.header), result.signer);
        !problem.empty()) {
      throw section_mismatch(path, problem);
    }
    std::string_view when = tail.completion.substr(k_completion_prefix.size());
    if (when.starts_with(" on ")) {
      when.remove_prefix(4);
    }
    result.completed_at = std::string(when);
    std::error_code ec;
    result.compressed_bytes = std::filesystem::file_size(path, ec);
    result.partial = true;
    result.sections = sections.size();
    result.status = VerifyStatus::ok;
  } catch (const Error& error) {
    if (error.code() != ErrorCode::corrupt && error.code() != ErrorCode::incomplete) {
      throw;
    }
    result.status = error.code() == ErrorCode::corrupt ? VerifyStatus::corrupt : VerifyStatus::incomplete;
    result.reason = error.what();
    result.reason_local = error.message().local;
    result.tables.clear();
  }
  return result;
}

}  // namespace ifnbackup
