#include "verify/content_scan.hpp"

#include <algorithm>
#include <cstring>

namespace ifnbackup::verify_detail {
namespace {

// The checksum and completion lines are under 1 KiB; keep more than that unhashed.
constexpr std::size_t k_tail_keep = 4096;
// Header lines are only looked for in the first bytes of the file.
constexpr std::uint64_t k_header_scan_limit = 64 * 1024;
// A manifest line longer than this is not a manifest line (a name is at most 64 characters).
constexpr std::size_t k_manifest_line_limit = 16 * 1024;
constexpr std::size_t k_prefix_keep = 4096;
constexpr std::size_t k_after_manifest_keep = 64;
// Enough of a line's start to tell "CREATE TABLE " and "INSERT "/"REPLACE " from other statements.
constexpr std::size_t k_line_head_keep = 16;

constexpr std::string_view k_begin_pattern = "\n-- ifnbackup-manifest-begin\n";

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// "-- ifnbackup-<key>: <value>" with a key of [a-z0-9_-]; false for anything else.
bool parse_header_line(std::string_view line, std::string& key, std::string& value) {
  constexpr std::string_view k_prefix = "-- ifnbackup-";
  if (!starts_with(line, k_prefix)) {
    return false;
  }
  line.remove_prefix(k_prefix.size());
  const std::size_t colon = line.find(": ");
  if (colon == 0 || colon == std::string_view::npos) {
    return false;
  }
  const std::string_view k = line.substr(0, colon);
  const bool key_ok = std::all_of(k.begin(), k.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
  if (!key_ok) {
    return false;
  }
  key.assign(k);
  std::string_view v = line.substr(colon + 2);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\r')) {
    v.remove_suffix(1);
  }
  value.assign(v);
  return true;
}

}  // namespace

struct ContentScan::Searcher {
  // Position of the first match in `text`, or npos. The pattern starts with a line break, and a dump's
  // lines are long (an extended INSERT is one line of up to 1 MiB): memchr from one line break to the
  // next reads the content at memory speed, where a Boyer-Moore-Horspool search over SQL text, which
  // holds most of the pattern's letters, skipped a few bytes at a time (issue 13: 3 % of a backup).
  std::size_t find(std::string_view text) const {
    const char* const begin = text.data();
    const char* const end = begin + text.size();
    for (const char* at = begin; end - at >= static_cast<std::ptrdiff_t>(k_begin_pattern.size());) {
      const auto* newline = static_cast<const char*>(std::memchr(at, '\n', static_cast<std::size_t>(end - at)));
      if (newline == nullptr || end - newline < static_cast<std::ptrdiff_t>(k_begin_pattern.size())) {
        return std::string_view::npos;
      }
      if (std::memcmp(newline, k_begin_pattern.data(), k_begin_pattern.size()) == 0) {
        return static_cast<std::size_t>(newline - begin);
      }
      at = newline + 1;
    }
    return std::string_view::npos;
  }
};

ContentScan::ContentScan() : m_searcher(std::make_unique<Searcher>()), m_carry("\n") {}

ContentScan::~ContentScan() = default;

void ContentScan::feed(std::string_view chunk) {
  if (chunk.empty()) {
    return;
  }
  if (m_prefix.size() < k_prefix_keep) {
    m_prefix.append(chunk.substr(0, k_prefix_keep - m_prefix.size()));
  }
  if (m_header_open) {
    scan_header(chunk);
  }
  scan_line_starts(chunk);
  if (m_read_statements) {
    // The header comes before the first statement: by then the scan knows whose file it is.
    m_statements.set_ours(m_header.contains("format"));
    m_statements.feed(chunk);
  }
  scan_manifest(chunk);
  keep_after_manifest(chunk);
  hash_and_keep_tail(chunk);
  m_offset += chunk.size();
}

void ContentScan::keep_after_manifest(std::string_view chunk) {
  if (!m_have_manifest || m_after_manifest.size() >= k_after_manifest_keep) {
    return;
  }
  const std::uint64_t want = m_manifest.end_offset + m_after_manifest.size();
  if (want < m_offset || want >= m_offset + chunk.size()) {
    return;
  }
  const auto from = static_cast<std::size_t>(want - m_offset);
  m_after_manifest.append(chunk.substr(from, k_after_manifest_keep - m_after_manifest.size()));
}

void ContentScan::hash_and_keep_tail(std::string_view chunk) {
  if (chunk.size() >= k_tail_keep) {
    if (!m_tail.empty()) {
      hash(m_tail);
      m_hashed += m_tail.size();
      m_tail.clear();
    }
    const std::size_t now = chunk.size() - k_tail_keep;
    hash(chunk.substr(0, now));
    m_hashed += now;
    m_tail.assign(chunk.substr(now));
    return;
  }
  m_tail.append(chunk);
  if (m_tail.size() >= 2 * k_tail_keep) {
    const std::size_t now = m_tail.size() - k_tail_keep;
    hash(std::string_view(m_tail).substr(0, now));
    m_hashed += now;
    m_tail.erase(0, now);
  }
}

void ContentScan::scan_header(std::string_view chunk) {
  std::size_t pos = 0;
  while (m_header_open && pos < chunk.size()) {
    const std::size_t newline = chunk.find('\n', pos);
    const std::size_t end = newline == std::string_view::npos ? chunk.size() : newline;
    m_header_line.append(chunk.substr(pos, end - pos));
    m_header_scanned += end - pos + 1;
    if (newline == std::string_view::npos) {
      if (m_header_scanned > k_header_scan_limit) {
        m_header_open = false;
      }
      return;
    }
    pos = newline + 1;
    const std::string_view line = m_header_line;
    std::string key;
    std::string value;
    if (parse_header_line(line, key, value)) {
      m_header.emplace(std::move(key), std::move(value));
    } else if (!line.empty() && !starts_with(line, "--")) {
      m_header_open = false;  // the first SQL statement
    }
    m_header_line.clear();
    if (m_header_scanned > k_header_scan_limit) {
      m_header_open = false;
    }
  }
}

void ContentScan::scan_line_starts(std::string_view chunk) {
  std::size_t pos = 0;
  while (pos < chunk.size()) {
    if (m_line_head_open) {
      const std::size_t room = k_line_head_keep - m_line_head.size();
      const std::string_view rest = chunk.substr(pos, room);
      const std::size_t newline = rest.find('\n');
      const std::string_view head = rest.substr(0, newline);
      m_line_head.append(head);
      pos += head.size();
      if (newline == std::string_view::npos && m_line_head.size() < k_line_head_keep) {
        return;  // the chunk ends inside the line's first bytes
      }
      classify_line_start(m_line_head);
      m_line_head.clear();
      m_line_head_open = false;
    }
    const void* newline = std::memchr(chunk.data() + pos, '\n', chunk.size() - pos);
    if (newline == nullptr) {
      return;
    }
    pos = static_cast<std::size_t>(static_cast<const char*>(newline) - chunk.data()) + 1;
    m_line_head_open = true;
  }
}

void ContentScan::classify_line_start(std::string_view head) {
  if (starts_with(head, "CREATE TABLE ")) {
    ++m_create_table_lines;
  } else if (starts_with(head, "INSERT ") || starts_with(head, "REPLACE ")) {
    ++m_insert_lines;
  }
}

bool ContentScan::written_by_ifnbackup() const {
  return !m_header.empty() || starts_with(m_prefix, "-- ifnbackup ");
}

void ContentScan::scan_manifest(std::string_view chunk) {
  const std::size_t pattern = k_begin_pattern.size();
  std::size_t pos = 0;
  while (pos < chunk.size()) {
    if (m_mode == Mode::manifest) {
      const std::size_t newline = chunk.find('\n', pos);
      if (newline == std::string_view::npos) {
        m_line.append(chunk.substr(pos));
        if (m_line.size() > k_manifest_line_limit) {
          leave_manifest();
          m_carry.clear();  // no line start inside this line: a match needs a '\n' first
        }
        return;
      }
      m_line.append(chunk.substr(pos, newline - pos));
      pos = newline + 1;
      const std::string line = std::move(m_line);
      m_line.clear();
      manifest_line(line, m_offset + pos);
      continue;
    }

    // A match that straddles the previous chunk and this one.
    if (!m_carry.empty()) {
      const std::string_view head = chunk.substr(pos, pattern - 1);
      std::string joint = m_carry;
      joint.append(head);
      const std::size_t at = m_searcher->find(joint);
      if (at != std::string_view::npos) {
        pos += at + pattern - m_carry.size();
        m_carry.clear();
        start_manifest();
        continue;
      }
      if (head.size() < pattern - 1) {
        m_carry = joint.substr(joint.size() - std::min(joint.size(), pattern - 1));
        return;
      }
      m_carry.clear();
    }
    const std::string_view rest = chunk.substr(pos);
    const std::size_t at = m_searcher->find(rest);
    if (at != std::string_view::npos) {
      pos += at + pattern;
      start_manifest();
      continue;
    }
    m_carry.assign(rest.substr(rest.size() - std::min(rest.size(), pattern - 1)));
    return;
  }
}

void ContentScan::start_manifest() {
  m_mode = Mode::manifest;
  m_current = Manifest{};
  m_line.clear();
}

void ContentScan::leave_manifest() {
  m_mode = Mode::scan;
  m_current = Manifest{};
  m_line.clear();
  m_carry = "\n";  // the '\n' that ended the last line may start the next match
}

void ContentScan::manifest_line(std::string_view line, std::uint64_t end_offset) {
  if (auto table = parse_manifest_table_line(line)) {
    m_current.rows += table->rows;
    m_current.tables.push_back(std::move(*table));
    return;
  }
  if (auto totals = parse_manifest_end_line(line)) {
    m_current.totals = *totals;
    m_current.end_offset = end_offset;
    m_manifest = std::move(m_current);
    m_have_manifest = true;
    m_after_manifest.clear();
    leave_manifest();
    return;
  }
  if (line == k_manifest_begin_line) {
    start_manifest();
    return;
  }
  leave_manifest();
}

}  // namespace ifnbackup::verify_detail
