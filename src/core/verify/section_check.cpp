#include "verify/section_check.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "io/gzip_member.hpp"
#include "io/gzip_reader.hpp"
#include "verify/content_scan.hpp"

namespace ifnbackup::verify_detail {
namespace {

// An index lists a few hundred bytes per table: a bigger one is not ours.
constexpr std::uint64_t k_max_index_bytes = 64 * 1024 * 1024;
// Sections decoded whole in memory: parts are ~8 MiB; a bigger section (one huge row) is read
// as a stream instead.
constexpr std::uint64_t k_max_section_in_memory = 64 * 1024 * 1024;

std::string section_name(const Section& section) {
  switch (section.kind) {
    case SectionKind::prologue: return "the prologue";
    case SectionKind::table: return "table `" + section.table + "`";
    case SectionKind::part: return "a part of table `" + section.table + "`";
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

bool SectionCheck::fits_in_memory() const {
  return std::all_of(m_sections.begin(), m_sections.end(),
                     [](const Section& section) { return section.bytes <= k_max_section_in_memory; });
}

void read_sections_in_order(const std::filesystem::path& path, const std::vector<Section>& sections,
                            unsigned threads, const std::function<void(const Section&, std::string_view)>& consume) {
  struct Slot {
    std::string text;
    std::exception_ptr error;
    bool ready = false;
  };
  threads = std::max(1u, threads);
  const std::size_t count = sections.size();
  std::vector<Slot> slots(count);
  std::vector<std::string> spare;  // buffers handed back, reused: no fresh pages per section
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t next = 0;      // the next section a worker takes
  std::size_t consumed = 0;  // sections handed to `consume`
  bool stopping = false;

  auto work = [&] {
    for (;;) {
      std::size_t i = 0;
      std::string text;
      {
        std::unique_lock lock(mutex);
        // At most `threads` sections decoded ahead of the one being consumed.
        changed.wait(lock, [&] { return stopping || next >= count || next < consumed + threads; });
        if (stopping || next >= count) {
          return;
        }
        i = next++;
        if (!spare.empty()) {
          text = std::move(spare.back());
          spare.pop_back();
        }
      }
      Slot slot;
      slot.text = std::move(text);
      slot.text.clear();
      try {
        slot.text.reserve(static_cast<std::size_t>(sections[i].bytes));
        read_section(path, sections[i], [&slot](std::string_view piece) { slot.text.append(piece); });
      } catch (...) {
        slot.error = std::current_exception();
      }
      {
        std::lock_guard lock(mutex);
        slot.ready = true;
        slots[i] = std::move(slot);
      }
      changed.notify_all();
    }
  };
  std::vector<std::thread> workers;
  auto stop_and_join = [&] {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    changed.notify_all();
    for (std::thread& worker : workers) {
      worker.join();
    }
    workers.clear();
  };
  try {
    for (unsigned t = 0; t < threads; ++t) {
      workers.emplace_back(work);
    }
    for (std::size_t i = 0; i < count; ++i) {
      Slot slot;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return slots[i].ready; });
        slot = std::move(slots[i]);
      }
      if (slot.error) {
        std::rethrow_exception(slot.error);
      }
      consume(sections[i], slot.text);
      {
        std::lock_guard lock(mutex);
        consumed = i + 1;
        spare.push_back(std::move(slot.text));
      }
      changed.notify_all();
    }
  } catch (...) {
    stop_and_join();
    throw;
  }
  stop_and_join();
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
      const bool of_table = section.kind == SectionKind::table || section.kind == SectionKind::part;
      if (section.kind == SectionKind::prologue || (of_table && wanted.contains(section.table))) {
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
