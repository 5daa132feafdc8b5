#include "verify/section_check.hpp"

#include <algorithm>
#include <future>
#include <set>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "io/gzip_member.hpp"
#include "io/gzip_reader.hpp"
#include "sign/file_signature.hpp"
#include "sql/text.hpp"
#include "util/sha256.hpp"
#include "util/worker_pool.hpp"
#include "verify/content_scan.hpp"

namespace ifnbackup::verify_detail {
namespace {

// An index lists about 100 bytes per table and per 8 MiB of a big table: more than this is not
// an index of ours (the file's own size raises the limit for files of terabytes).
constexpr std::uint64_t k_min_index_limit = 64 * 1024 * 1024;
// Sections decoded whole in memory: parts are ~8 MiB; a bigger section (one huge row) makes
// verify read the file as one stream instead.
constexpr std::uint64_t k_max_section_in_memory = 64 * 1024 * 1024;

std::string section_name(const Section& section) {
  switch (section.kind) {
    case SectionKind::prologue:
      return "the prologue";
    case SectionKind::table:
      return "table " + comment_identifier(section.table);
    case SectionKind::part:
      return "a part of table " + comment_identifier(section.table);
    case SectionKind::objects:
      return "the objects section";
  }
  return "?";
}

// What the content of a section with a range of its own starts with, as the dumper writes it.
std::string expected_start(const Section& section) {
  switch (section.kind) {
    case SectionKind::prologue:
      return "-- ifnbackup ";
    case SectionKind::table:
      return "--\n-- Table structure for table " + comment_identifier(section.table) + "\n";
    case SectionKind::part:
      return "INSERT INTO " + sql::quote_identifier(section.table) + " (";
    case SectionKind::objects:
      return {};
  }
  return {};
}

// Empty when `head`, the first bytes of the section's content, starts as it should.
std::string start_problem(const Section& section, std::string_view head) {
  const std::string expected = expected_start(section);
  if (head.substr(0, expected.size()) == expected) {
    return {};
  }
  // Files written before comment lines escaped control bytes show a tab or CR in a name as is.
  const std::string earlier = "--\n-- Table structure for table " + sql::quote_identifier(section.table) + "\n";
  if (section.kind == SectionKind::table && section.table.find('\n') == std::string::npos &&
      head.substr(0, earlier.size()) == earlier) {
    return {};
  }
  return fmt::format("the section index does not match the file: {} does not start there", section_name(section));
}

}  // namespace

Error section_mismatch(const std::filesystem::path& path, const Text& why) {
  return Error(ErrorCode::corrupt, tx("{}: {}", path.string(), why), tx("the file is damaged; use another backup"));
}

// Reads one section and checks its length, CRC-32 and first bytes, and with `check_sha256` its
// SHA-256 (which the index must then give); `chunk` sees its content.
// Stops as soon as it holds more than the index says (a crafted member could expand to any
// size); a section that ends inside a gzip member is a section index that does not match.
void read_section(const std::filesystem::path& path, const Section& section,
                  const std::function<void(std::string_view)>& chunk, bool check_sha256) {
  if (check_sha256 && section.sha256.empty()) {
    throw section_mismatch(path, tx("the section index gives no SHA-256 for {}, which a signed file's "
                                    "index always does",
                                    section_name(section)));
  }
  io::GzipReader reader(path, section.at, section.size);
  std::uint64_t bytes = 0;
  std::uint32_t crc = 0;
  util::Sha256 sha;
  std::string head;
  const std::size_t head_size = expected_start(section).size();
  try {
    reader.read_all([&](std::string_view piece) {
      bytes += piece.size();
      if (bytes > section.bytes) {
        throw section_mismatch(
            path, tx("{} holds more than the {} bytes the section index gives", section_name(section), section.bytes));
      }
      crc = io::gzip_crc32(piece, crc);
      if (check_sha256) {
        sha.update(piece);
      }
      if (head.size() < head_size) {
        head.append(piece.substr(0, head_size - head.size()));
      }
      if (chunk) {
        chunk(piece);
      }
    });
  } catch (const Error& error) {
    if (error.code() != ErrorCode::incomplete) {
      throw;
    }
    throw section_mismatch(path, tx("the section index does not match the file: {} ends inside a gzip "
                                    "member ({})",
                                    section_name(section), error.what()));
  }
  if (bytes != section.bytes || crc != section.crc32) {
    throw section_mismatch(path, tx("{} does not match the section index ({} bytes, crc32 {:08x}; index: "
                                    "{} bytes, crc32 {:08x})",
                                    section_name(section), bytes, crc, section.bytes, section.crc32));
  }
  if (std::string problem = start_problem(section, head); !problem.empty()) {
    throw section_mismatch(path, problem);
  }
  if (check_sha256) {
    if (const std::string computed = util::Sha256::hex(sha.finish()); computed != section.sha256) {
      throw section_mismatch(path, tx("{} does not match the section index (sha256 {}; index: {})",
                                      section_name(section), computed, section.sha256));
    }
  }
}

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
  auto corrupt = [&](const Text& why) {
    return Error(ErrorCode::corrupt, tx("{}: section index {}", path.string(), why),
                 tx("the file is damaged; use another backup"));
  };
  const std::uint64_t limit = std::max(k_min_index_limit, (tail->offset + tail->text.size()) / 4096);
  if (locator->at > tail->offset || locator->size != tail->offset - locator->at || locator->size > limit) {
    throw corrupt(
        tx("misplaced: at={} size={}, the last member starts at {}", locator->at, locator->size, tail->offset));
  }
  std::string text;
  io::GzipReader reader(path, locator->at, locator->size);
  reader.read_all([&](std::string_view piece) {
    if (text.size() + piece.size() > limit) {
      throw corrupt(tx("too large"));
    }
    text.append(piece);
  });
  // The locator gives the index's SHA-256 from format 4 on; the signature covers it.
  const std::string index_sha256 = util::Sha256::hex_of(text);
  if (!locator->sha256.empty() && locator->sha256 != index_sha256) {
    throw corrupt(
        tx("does not match its SHA-256 (computed {}, the locator line says {})", index_sha256, locator->sha256));
  }
  auto sections = parse_index(text);
  if (!sections) {
    throw corrupt(tx("malformed"));
  }
  std::uint64_t bytes = 0;
  for (const Section& section : *sections) {
    bytes += section.bytes;
  }
  if (!index_is_contiguous(*sections, locator->at, bytes)) {
    throw corrupt(tx("inconsistent: its sections do not follow each other up to the index"));
  }
  SectionCheck check;
  check.m_sections = std::move(*sections);
  check.m_locator = *locator;
  check.m_tail_text = tail->text;
  check.m_trailer_bytes = text.size() + newline + 1;
  std::uint64_t uncompressed = 0;
  for (const Section& section : check.m_sections) {
    if (!section.with_previous) {
      check.m_owned.push_back(section);
      check.m_starts.emplace_back(section.at, uncompressed);
      uncompressed += section.bytes;
    }
  }
  check.m_starts.emplace_back(locator->at, uncompressed);
  check.m_current_left = check.m_owned.front().bytes;
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
    m_problem = fmt::format(
        "the section index does not match the file: a section should start at compressed "
        "offset {} (content offset {}), the member there is at {} ({})",
        at, bytes, compressed_offset, uncompressed_offset);
    return;
  }
  ++m_next_start;
}

void SectionCheck::feed(std::string_view chunk) {
  while (!chunk.empty() && m_problem.empty() && m_current < m_owned.size()) {
    const Section& section = m_owned[m_current];
    const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), m_current_left));
    const std::size_t head_size = expected_start(section).size();
    if (m_head.size() < head_size) {
      m_head.append(chunk.substr(0, std::min(take, head_size - m_head.size())));
    }
    m_crc = io::gzip_crc32(chunk.substr(0, take), m_crc);
    chunk.remove_prefix(take);
    m_current_left -= take;
    if (m_current_left > 0) {
      return;
    }
    if (m_crc != section.crc32) {
      m_problem = fmt::format("{} does not match the section index (crc32 {:08x}, index: {:08x})",
                              section_name(section), m_crc, section.crc32);
      return;
    }
    if (std::string problem = start_problem(section, m_head); !problem.empty()) {
      m_problem = std::move(problem);
      return;
    }
    m_crc = 0;
    m_head.clear();
    if (++m_current < m_owned.size()) {
      m_current_left = m_owned[m_current].bytes;
    }
  }
}

std::string SectionCheck::problem() const {
  if (!m_problem.empty()) {
    return m_problem;
  }
  if (m_next_start < m_starts.size() || m_current < m_owned.size()) {
    return "the section index does not match the file: the content ends before the sections it lists";
  }
  return {};
}

std::string SectionCheck::manifest_problem(const std::vector<TableCount>& manifest) const {
  std::vector<TableCount> listed;
  std::set<std::string> names;
  for (const Section& section : m_sections) {
    if (section.kind == SectionKind::table) {
      listed.push_back(TableCount{section.table, section.rows, {}});
      if (!names.insert(section.table).second) {
        return fmt::format("the section index lists table `{}` twice", section.table);
      }
    }
  }
  // Names and row counts: the index carries no digests.
  const auto same_counts = [](const TableCount& a, const TableCount& b) {
    return a.name == b.name && a.rows == b.rows;
  };
  if (!std::equal(listed.begin(), listed.end(), manifest.begin(), manifest.end(), same_counts)) {
    return "the section index does not list the manifest's tables and row counts";
  }
  return {};
}

bool SectionCheck::fits_in_memory() const {
  return std::all_of(m_owned.begin(), m_owned.end(),
                     [](const Section& section) { return section.bytes <= k_max_section_in_memory; });
}

unsigned SectionCheck::decode_threads(unsigned wanted) const {
  if (!fits_in_memory() || m_owned.size() < 2) {
    return 1;
  }
  std::uint64_t largest = 1;
  for (const Section& section : m_owned) {
    largest = std::max(largest, section.bytes);
  }
  const std::uint64_t by_memory = k_parallel_memory_budget / largest;  // ranges held at once
  const std::uint64_t threads = std::min<std::uint64_t>({wanted, m_owned.size(), by_memory > 1 ? by_memory - 1 : 1});
  return static_cast<unsigned>(std::max<std::uint64_t>(threads, 1));
}

void read_sections_in_order(const std::filesystem::path& path, const std::vector<Section>& sections, unsigned threads,
                            const std::function<void(const Section&, std::string_view)>& consume, bool check_sha256) {
  threads = std::max(1u, threads);
  const std::size_t count = sections.size();
  // Each section's text or its error, handed over by the thread that decoded it.
  std::vector<std::promise<std::string>> decoded(count);
  std::vector<std::string> spare;  // buffers handed back, reused: no fresh pages per section
  util::WorkerPool pool(threads);  // after `decoded`: stopped and joined before it goes
  std::size_t submitted = 0;
  for (std::size_t i = 0; i < count; ++i) {
    // At most `threads` sections decoded ahead of the one being consumed.
    for (; submitted < count && submitted < i + threads; ++submitted) {
      std::string buffer;
      if (!spare.empty()) {
        buffer = std::move(spare.back());
        spare.pop_back();
      }
      pool.submit(
          [&path, &sections, &decoded, check_sha256, next = submitted, text = std::move(buffer)](unsigned) mutable {
            text.clear();
            try {
              text.reserve(static_cast<std::size_t>(sections[next].bytes));
              read_section(
                  path, sections[next], [&text](std::string_view piece) { text.append(piece); }, check_sha256);
              decoded[next].set_value(std::move(text));
            } catch (...) {
              decoded[next].set_exception(std::current_exception());
            }
          });
    }
    std::string text = decoded[i].get_future().get();  // throws its error: the first in file order
    consume(sections[i], text);
    spare.push_back(std::move(text));
  }
}

}  // namespace ifnbackup::verify_detail
