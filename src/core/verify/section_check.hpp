#pragma once
// The section index of a backup (docs/backup-format.md, "Section index"): found from the file's
// last member, checked against the whole content by verify, and section by section for the
// sections restore --tables loads (verify_sections, partial_check.cpp).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string_view>

#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include "ifnbackup/error.hpp"

#include "ifnbackup/manifest.hpp"
#include "ifnbackup/verify.hpp"

namespace ifnbackup::verify_detail {

// Memory the parallel verification may hold in decoded ranges (backup's RSS goal: < 256 MB).
inline constexpr std::uint64_t k_parallel_memory_budget = 128 * 1024 * 1024;

class SectionCheck {
 public:
  // std::nullopt when the file has no index (an earlier version, mysqldump, a file cut short:
  // the full verification says what it is). Throws Error(corrupt) for an index that is there
  // but unreadable or inconsistent, Error(io) for a read error.
  static std::optional<SectionCheck> load(const std::filesystem::path& path);

  const std::vector<Section>& sections() const noexcept { return m_sections; }
  // The sections with a range of their own, in file order (they cover the file up to the index).
  const std::vector<Section>& owned_sections() const noexcept { return m_owned; }
  const IndexLocator& locator() const noexcept { return m_locator; }
  // The tail member's text: locator, checksum and completion lines.
  const std::string& tail_text() const noexcept { return m_tail_text; }
  // Uncompressed bytes of the index block and the locator line, between the manifest and the
  // checksum line.
  std::uint64_t trailer_bytes() const noexcept { return m_trailer_bytes; }

  // The full verification: the content in order, and each gzip member's start.
  void member_started(std::uint64_t compressed_offset, std::uint64_t uncompressed_offset);
  void feed(std::string_view chunk);
  // After the last chunk: empty when every section starts on its member with its CRC-32, length
  // and first bytes (a table's structure comment, a part's INSERT), else why not.
  std::string problem() const;
  // Empty when the index's tables (names, rows, order, each once) are the manifest's.
  std::string manifest_problem(const std::vector<TableCount>& manifest) const;
  // Instead of member_started() and feed(): the sections were each decoded from their own offset
  // to their end, as whole members, and checked against their length and CRC-32 by
  // read_sections_in_order, and the index block from the locator's offset.
  void checked_by_sections() {
    m_next_start = m_starts.size();
    m_current = m_sections.size();
  }
  // Every section small enough to be decoded whole in memory by read_sections_in_order.
  bool fits_in_memory() const;
  // How many threads read_sections_in_order should use for `wanted`: no more than there are
  // ranges, nor than keep the ranges held at once (threads + 1 of the largest) within
  // k_parallel_memory_budget, whatever the number of cores. 1: read the file as one stream.
  unsigned decode_threads(unsigned wanted) const;

 private:
  SectionCheck() = default;

  std::vector<Section> m_sections;
  std::vector<Section> m_owned;
  IndexLocator m_locator;
  std::string m_tail_text;
  std::uint64_t m_trailer_bytes = 0;
  // Full verification state: section starts (the index block's own last) and content CRCs.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> m_starts;  // (compressed, uncompressed)
  std::size_t m_next_start = 0;
  std::string m_problem;
  std::size_t m_current = 0;         // section being fed
  std::uint64_t m_current_left = 0;  // its bytes not fed yet
  std::uint32_t m_crc = 0;
  std::string m_head;  // first bytes of the section being fed
};

// Decodes `sections` (each with a range of its own) of the file on `threads` threads (at most
// threads + 1 in memory), each checked against its length, CRC-32 and first bytes (and, with
// `check_sha256`, its SHA-256, on the decoding threads), and hands their content to `consume` in file
// order, on the caller's thread. Throws the first failing section's error, in file order.
void read_sections_in_order(const std::filesystem::path& path, const std::vector<Section>& sections, unsigned threads,
                            const std::function<void(const Section&, std::string_view)>& consume,
                            bool check_sha256 = false);

// A section's mismatch with the index: Error(corrupt) naming the file.
Error section_mismatch(const std::filesystem::path& path, const Text& why);
// Reads one section and checks its length, CRC-32 and first bytes, and with `check_sha256` its
// SHA-256 (which the index must then give); `chunk` sees its content.
void read_section(const std::filesystem::path& path, const Section& section,
                  const std::function<void(std::string_view)>& chunk, bool check_sha256 = false);

}  // namespace ifnbackup::verify_detail
