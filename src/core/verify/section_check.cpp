#include "verify/section_check.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "io/gzip_member.hpp"
#include "io/gzip_reader.hpp"
#include "verify/content_scan.hpp"

namespace ifnbackup::verify_detail {
namespace {

// An index lists a few hundred bytes per table: a bigger one is not ours.
constexpr std::uint64_t k_max_index_bytes = 64 * 1024 * 1024;

std::string section_name(const Section& section) {
  switch (section.kind) {
    case SectionKind::prologue: return "the prologue";
    case SectionKind::table: return "table `" + section.table + "`";
    case SectionKind::objects: return "the objects section";
  }
  return "?";
}

// Reads one section and checks its length and CRC-32; `chunk` sees its content.
void read_section(const std::filesystem::path& path, const Section& section,
                  const std::function<void(std::string_view)>& chunk) {
  io::GzipReader reader(path, section.at, section.size);
  std::uint64_t bytes = 0;
  std::uint32_t crc = 0;
  reader.read_all([&](std::string_view piece) {
    bytes += piece.size();
    crc = io::gzip_crc32(piece, crc);
    if (chunk) {
      chunk(piece);
    }
  });
  if (bytes != section.bytes || crc != section.crc32) {
    throw Error(ErrorCode::corrupt,
                fmt::format("{}: {} does not match the section index ({} bytes, crc32 {:08x}; index: {} bytes, "
                            "crc32 {:08x})",
                            path.string(), section_name(section), bytes, crc, section.bytes, section.crc32),
                "the file is damaged; use another backup");
  }
}

}  // namespace

std::optional<SectionCheck> SectionCheck::load(const std::filesystem::path& path) {
  const auto tail = io::read_stored_tail(path);
  if (!tail) {
    return std::nullopt;
  }
  const std::size_t newline = tail->text.find('\n');
  const auto locator = parse_index_locator(std::string_view(tail->text).substr(0, newline));
  if (newline == std::string::npos || !locator) {
    return std::nullopt;
  }
  auto corrupt = [&](const std::string& why) {
    return Error(ErrorCode::corrupt, path.string() + ": section index " + why, "the file is damaged; use another backup");
  };
  if (locator->at > tail->offset || locator->size != tail->offset - locator->at ||
      locator->size > k_max_index_bytes) {
    throw corrupt(fmt::format("misplaced: at={} size={}, the last member starts at {}", locator->at, locator->size,
                              tail->offset));
  }
  std::string text;
  io::GzipReader reader(path, locator->at, locator->size);
  reader.read_all([&](std::string_view piece) {
    if (text.size() + piece.size() > k_max_index_bytes) {
      throw corrupt("too large");
    }
    text.append(piece);
  });
  auto sections = parse_index(text);
  if (!sections) {
    throw corrupt("malformed");
  }
  std::uint64_t bytes = 0;
  for (const Section& section : *sections) {
    bytes += section.bytes;
  }
  if (!index_is_contiguous(*sections, locator->at, bytes)) {
    throw corrupt("inconsistent: its sections do not follow each other up to the index");
  }
  SectionCheck check;
  check.m_sections = std::move(*sections);
  check.m_locator = *locator;
  check.m_tail_text = tail->text;
  check.m_trailer_bytes = text.size() + newline + 1;
  std::uint64_t uncompressed = 0;
  for (const Section& section : check.m_sections) {
    if (section.size > 0) {
      check.m_starts.emplace_back(section.at, uncompressed);
    }
    uncompressed += section.bytes;
  }
  check.m_starts.emplace_back(locator->at, uncompressed);
  check.m_current_left = check.m_sections.front().bytes;
  return check;
}

void SectionCheck::member_started(std::uint64_t compressed_offset, std::uint64_t uncompressed_offset) {
  if (!m_problem.empty() || m_next_start >= m_starts.size()) {
    return;
  }
  const auto [at, bytes] = m_starts[m_next_start];
  if (compressed_offset < at) {
    return;  // a member inside a section
  }
  if (compressed_offset > at || uncompressed_offset != bytes) {
    m_problem = fmt::format("the section index does not match the file: a section should start at compressed "
                            "offset {} (content offset {}), the member there is at {} ({})",
                            at, bytes, compressed_offset, uncompressed_offset);
    return;
  }
  ++m_next_start;
}

void SectionCheck::feed(std::string_view chunk) {
  while (!chunk.empty() && m_problem.empty() && m_current < m_sections.size()) {
    const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), m_current_left));
    m_crc = io::gzip_crc32(chunk.substr(0, take), m_crc);
    chunk.remove_prefix(take);
    m_current_left -= take;
    if (m_current_left > 0) {
      return;
    }
    const Section& section = m_sections[m_current];
    if (m_crc != section.crc32) {
      m_problem = fmt::format("{} does not match the section index (crc32 {:08x}, index: {:08x})",
                              section_name(section), m_crc, section.crc32);
      return;
    }
    m_crc = 0;
    if (++m_current < m_sections.size()) {
      m_current_left = m_sections[m_current].bytes;
    }
  }
}

std::string SectionCheck::problem() const {
  if (!m_problem.empty()) {
    return m_problem;
  }
  if (m_next_start < m_starts.size() || m_current < m_sections.size()) {
    return "the section index does not match the file: the content ends before the sections it lists";
  }
  return {};
}

std::optional<SectionPlan> verify_sections(const std::filesystem::path& path, const std::vector<std::string>& tables) {
  SectionPlan plan;
  VerifyResult& result = plan.verification;
  result.path = path;
  try {
    auto check = SectionCheck::load(path);
    if (!check) {
      return std::nullopt;
    }
    const std::set<std::string> wanted(tables.begin(), tables.end());
    for (const Section& section : check->sections()) {
      if (section.kind == SectionKind::table) {
        result.tables.push_back(TableCount{section.table, section.rows});
      }
      if (section.kind == SectionKind::prologue || (section.kind == SectionKind::table && wanted.contains(section.table))) {
        plan.ranges.push_back(section);
      }
    }
    ContentScan header;
    for (const Section& section : plan.ranges) {
      read_section(path, section, section.kind == SectionKind::prologue
                                      ? std::function<void(std::string_view)>([&](std::string_view piece) { header.feed(piece); })
                                      : std::function<void(std::string_view)>());
      result.compressed_checked += section.size;
      result.uncompressed_bytes += section.bytes;
    }
    result.header = header.header();
    const std::string& tail = check->tail_text();
    const std::size_t marker = tail.rfind(k_completion_prefix);
    if (marker != std::string::npos) {
      std::string when = tail.substr(marker + k_completion_prefix.size());
      when = when.substr(when.starts_with(" on ") ? 4 : 0);
      while (!when.empty() && (when.back() == '\n' || when.back() == '\r')) {
        when.pop_back();
      }
      result.completed_at = when;
    }
    std::error_code ec;
    result.compressed_bytes = std::filesystem::file_size(path, ec);
    result.partial = true;
    result.sections = check->sections().size();
    result.status = VerifyStatus::ok;
  } catch (const Error& error) {
    if (error.code() != ErrorCode::corrupt && error.code() != ErrorCode::incomplete) {
      throw;
    }
    result.status = error.code() == ErrorCode::corrupt ? VerifyStatus::corrupt : VerifyStatus::incomplete;
    result.reason = error.what();
  }
  return plan;
}

}  // namespace ifnbackup::verify_detail
