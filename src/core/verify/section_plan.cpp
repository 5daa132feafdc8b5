// The sections a `restore --tables` reads: the prologue and the chosen tables' own, each checked
// alone against the section index (the rest of the file is never decompressed).
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "sign/file_signature.hpp"
#include "verify/content_scan.hpp"
#include "verify/section_check.hpp"

namespace ifnbackup::verify_detail {

std::optional<SectionPlan> verify_sections(const std::filesystem::path& path,
                                           const std::vector<std::string>& tables) {
  SectionPlan plan;
  VerifyResult& result = plan.verification;
  result.path = path;
  try {
    auto check = SectionCheck::load(path);
    if (!check) {
      return std::nullopt;
    }
    // The ranges to read: the prologue's, the chosen tables' (a small table's is the range it
    // shares) with their parts, and the objects' (it holds the manifest, checked against the index).
    const std::set<std::string> wanted(tables.begin(), tables.end());
    const auto& sections = check->sections();
    struct Range {
      std::size_t owner;  // index of the section that owns the range
      bool load;          // loaded, not only checked
      bool scan;          // holds the prologue or the objects: header lines, manifest
    };
    std::vector<Range> read;  // in file order
    std::size_t owner = 0;
    auto add = [&](std::size_t index, bool to_load, bool to_scan) {
      if (!read.empty() && read.back().owner == index) {
        read.back().load = read.back().load || to_load;
        read.back().scan = read.back().scan || to_scan;
        return;
      }
      read.push_back(Range{index, to_load, to_scan});
    };
    add(0, true, true);
    for (std::size_t i = 0; i < sections.size(); ++i) {
      const Section& section = sections[i];
      if (!section.with_previous) {
        owner = i;
      }
      if (section.kind == SectionKind::table) {
        result.tables.push_back(TableCount{section.table, section.rows, {}});
      }
      const bool of_wanted = (section.kind == SectionKind::table || section.kind == SectionKind::part) &&
                             wanted.contains(section.table);
      const bool objects = section.kind == SectionKind::objects;
      if (of_wanted || objects) {
        add(owner, of_wanted, objects);
      }
    }
    // The tail: the locator, then the checksum line, the signature line (format 4 on) and the
    // completion line, nothing else.
    const std::string_view tail = check->tail_text();
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
      throw section_mismatch(path, "the last member does not end with the checksum and completion lines");
    }
    const std::string_view signature_line = signed_file ? lines[2] : std::string_view();
    const std::string_view rest = lines.back();
    // Only the prologue's and the objects' ranges go through the scan: hashing the tables' rows
    // (the scan's SHA-256) would prove nothing here, their CRC-32s do, and in a signed file their
    // SHA-256s, which the signed index gives.
    ContentScan scan;
    for (const Range& range : read) {
      const Section& section = sections[range.owner];
      read_section(path, section,
                   range.scan ? std::function<void(std::string_view)>(
                                    [&scan](std::string_view piece) { scan.feed(piece); })
                              : std::function<void(std::string_view)>(),
                   signed_file);
      result.compressed_checked += section.size;
      if (range.load) {
        plan.ranges.push_back(section);
        result.uncompressed_bytes += section.bytes;
      }
    }
    const std::vector<TableCount>* manifest = scan.manifest_tables();
    if (manifest == nullptr) {
      throw section_mismatch(path, "no manifest in the objects section the index gives");
    }
    if (std::string problem = check->manifest_problem(*manifest); !problem.empty()) {
      throw section_mismatch(path, problem);
    }
    // The manifest's entries (with their content digests), now known to match the index's.
    result.tables = *manifest;
    result.header = scan.header();
    // Signed: the signature covers the checksum line and the index's SHA-256 (checked against the
    // index by SectionCheck::load), the index each range's SHA-256, checked as it is read.
    if (std::string problem = sign::check_signature(signature_line, *checksum, check->locator().sha256,
                                                    sign::header_format(result.header), result.signer);
        !problem.empty()) {
      throw section_mismatch(path, problem);
    }
    std::string_view when = rest.substr(k_completion_prefix.size());
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
    result.tables.clear();
  }
  return plan;
}

}  // namespace ifnbackup::verify_detail
