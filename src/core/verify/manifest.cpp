#include "ifnbackup/manifest.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>

#include <fmt/format.h>

#include "ifnbackup/error.hpp"
#include "proof/row_digest.hpp"

namespace ifnbackup {
namespace {

// Parses the digits at the front of `text`, consuming them.
std::optional<std::uint64_t> take_number(std::string_view& text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end == text.data()) {
    return std::nullopt;
  }
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return value;
}

// Parses " sha256=<64 lowercase hex digits>" at the front of `text`, consuming it; empty when `text`
// does not start with " sha256=" (files before format 4), std::nullopt when malformed.
std::optional<std::string> take_optional_sha256(std::string_view& text) {
  constexpr std::string_view k_key = " sha256=";
  if (!text.starts_with(k_key)) {
    return std::string();
  }
  const std::string_view hex = text.substr(k_key.size(), 64);
  const bool ok = hex.size() == 64 && std::all_of(hex.begin(), hex.end(), [](char c) {
                    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                  });
  if (!ok) {
    return std::nullopt;
  }
  text.remove_prefix(k_key.size() + 64);
  return std::string(hex);
}

// Parses "<key>=<digits>" at the front of `text`, consuming it.
std::optional<std::uint64_t> take_number_field(std::string_view& text, std::string_view key) {
  if (text.substr(0, key.size()) != key || text.size() == key.size() || text[key.size()] != '=') {
    return std::nullopt;
  }
  text.remove_prefix(key.size() + 1);
  return take_number(text);
}

bool take_literal(std::string_view& text, std::string_view literal) {
  if (text.substr(0, literal.size()) != literal) {
    return false;
  }
  text.remove_prefix(literal.size());
  return true;
}

bool needs_hex(std::string_view name) {
  return std::any_of(name.begin(), name.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1;
}

// Takes a name written by append_trailer_name from the front of `text`.
std::optional<std::string> take_name(std::string_view& text) {
  if (take_literal(text, "x'")) {
    const std::size_t quote = text.find('\'');
    if (quote == std::string_view::npos || quote == 0 || quote % 2 != 0) {
      return std::nullopt;
    }
    std::string name;
    for (std::size_t i = 0; i < quote; i += 2) {
      const int high = hex_value(text[i]);
      const int low = hex_value(text[i + 1]);
      if (high < 0 || low < 0) {
        return std::nullopt;
      }
      name.push_back(static_cast<char>(high * 16 + low));
    }
    text.remove_prefix(quote + 1);
    // Only a name that needs it is written in hexadecimal: one spelling per name.
    if (!needs_hex(name)) {
      return std::nullopt;
    }
    return name;
  }
  if (!take_literal(text, "`")) {
    return std::nullopt;
  }
  std::string name;
  for (;;) {
    const std::size_t tick = text.find('`');
    if (tick == std::string_view::npos) {
      return std::nullopt;
    }
    name.append(text.substr(0, tick));
    text.remove_prefix(tick + 1);
    if (text.empty() || text.front() != '`') {
      return name;  // the closing backtick
    }
    name.push_back('`');  // a doubled backtick stands for one
    text.remove_prefix(1);
  }
}

std::string_view section_kind_name(SectionKind kind) {
  switch (kind) {
    case SectionKind::prologue:
      return "prologue";
    case SectionKind::table:
      return "table";
    case SectionKind::part:
      return "part";
    case SectionKind::objects:
      return "objects";
  }
  return "?";
}

std::optional<Section> parse_section_line(std::string_view line) {
  if (!take_literal(line, k_index_section_prefix)) {
    return std::nullopt;
  }
  Section section;
  if (take_literal(line, "prologue ")) {
    section.kind = SectionKind::prologue;
  } else if (take_literal(line, "objects ")) {
    section.kind = SectionKind::objects;
  } else if (const bool table = take_literal(line, "table "); table || take_literal(line, "part ")) {
    section.kind = table ? SectionKind::table : SectionKind::part;
    auto name = take_name(line);
    if (!name || !take_literal(line, " ")) {
      return std::nullopt;
    }
    section.table = std::move(*name);
    if (section.kind == SectionKind::table) {
      const auto rows = take_number_field(line, "rows");
      if (!rows || !take_literal(line, " ")) {
        return std::nullopt;
      }
      section.rows = *rows;
    }
  } else {
    return std::nullopt;
  }
  if (line == "with-previous" && (section.kind == SectionKind::table || section.kind == SectionKind::objects)) {
    section.with_previous = true;
    return section;
  }
  const auto at = take_number_field(line, "at");
  if (!at || !take_literal(line, " ")) {
    return std::nullopt;
  }
  const auto size = take_number_field(line, "size");
  if (!size || !take_literal(line, " ")) {
    return std::nullopt;
  }
  const auto bytes = take_number_field(line, "bytes");
  if (!bytes || !take_literal(line, " crc32=") || line.size() < 8) {
    return std::nullopt;
  }
  std::uint32_t crc = 0;
  const auto [end, ec] = std::from_chars(line.data(), line.data() + 8, crc, 16);
  if (ec != std::errc{} || end != line.data() + 8) {
    return std::nullopt;
  }
  line.remove_prefix(8);
  auto sha256 = take_optional_sha256(line);
  if (!sha256 || !line.empty()) {
    return std::nullopt;
  }
  section.sha256 = std::move(*sha256);
  section.at = *at;
  section.size = *size;
  section.bytes = *bytes;
  section.crc32 = crc;
  return section;
}

}  // namespace

void append_trailer_name(std::string& out, std::string_view name) {
  if (needs_hex(name)) {
    out.append("x'");
    for (const char c : name) {
      out.append(fmt::format("{:02x}", static_cast<unsigned char>(c)));
    }
    out.push_back('\'');
    return;
  }
  out.push_back('`');
  for (const char c : name) {
    if (c == '`') {
      out.push_back('`');
    }
    out.push_back(c);
  }
  out.push_back('`');
}

std::optional<std::string> parse_trailer_name(std::string_view text) {
  auto name = take_name(text);
  if (!name || !text.empty()) {
    return std::nullopt;
  }
  return name;
}

std::string comment_identifier(std::string_view name) {
  std::string out("`");
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      out.append(fmt::format("\\x{:02x}", byte));
      continue;
    }
    if (c == '`') {
      out.push_back('`');
    }
    out.push_back(c);
  }
  out.push_back('`');
  return out;
}

std::string format_database_header_line(std::string_view database) {
  if (!needs_hex(database)) {
    return fmt::format("-- ifnbackup-database: {}\n", database);
  }
  std::string out("-- ifnbackup-database-hex: ");
  for (const char c : database) {
    out.append(fmt::format("{:02x}", static_cast<unsigned char>(c)));
  }
  out.push_back('\n');
  return out;
}

std::optional<std::string> header_database(const std::map<std::string, std::string>& header) {
  if (const auto hex = header.find("database-hex"); hex != header.end()) {
    // The same digits as a trailer name's x'...' form.
    return parse_trailer_name("x'" + hex->second + "'");
  }
  if (const auto plain = header.find("database"); plain != header.end() && !plain->second.empty()) {
    return plain->second;
  }
  return std::nullopt;
}

std::string format_manifest(const std::vector<TableCount>& tables) {
  std::string out;
  out.reserve(64 + tables.size() * 48);
  out.append(k_manifest_begin_line).push_back('\n');
  std::uint64_t total_rows = 0;
  for (const TableCount& table : tables) {
    out.append(k_manifest_table_prefix);
    append_trailer_name(out, table.name);
    out.append(" rows=").append(std::to_string(table.rows));
    if (!table.digest.empty()) {
      out.append(" digest=").append(table.digest);
    }
    out.push_back('\n');
    total_rows += table.rows;
  }
  out.append(k_manifest_end_prefix)
      .append("tables=")
      .append(std::to_string(tables.size()))
      .append(" rows=")
      .append(std::to_string(total_rows))
      .push_back('\n');
  return out;
}

std::string format_checksum_line(std::string_view sha256_hex, std::uint64_t bytes) {
  std::string out(k_checksum_prefix);
  out.append(sha256_hex).append(" bytes=").append(std::to_string(bytes)).push_back('\n');
  return out;
}

std::string format_completion_line(std::chrono::system_clock::time_point when) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm local{};
  localtime_r(&t, &local);
  char buffer[32];
  const std::size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S", &local);
  std::string out(k_completion_prefix);
  out.append(" on ").append(buffer, n).push_back('\n');
  return out;
}

std::optional<TableCount> parse_manifest_table_line(std::string_view line) {
  if (!take_literal(line, k_manifest_table_prefix)) {
    return std::nullopt;
  }
  auto name = take_name(line);
  if (!name) {
    return std::nullopt;
  }
  TableCount table;
  table.name = std::move(*name);
  if (!take_literal(line, " ")) {
    return std::nullopt;
  }
  const auto rows = take_number_field(line, "rows");
  if (!rows) {
    return std::nullopt;
  }
  table.rows = *rows;
  if (take_literal(line, " digest=")) {
    if (!proof::is_digest_hex(line)) {
      return std::nullopt;
    }
    table.digest = std::string(line);
    line = {};
  }
  if (!line.empty()) {
    return std::nullopt;
  }
  return table;
}

std::optional<ManifestTotals> parse_manifest_end_line(std::string_view line) {
  if (!take_literal(line, k_manifest_end_prefix)) {
    return std::nullopt;
  }
  const auto tables = take_number_field(line, "tables");
  if (!tables || !take_literal(line, " ")) {
    return std::nullopt;
  }
  const auto rows = take_number_field(line, "rows");
  if (!rows || !line.empty()) {
    return std::nullopt;
  }
  return ManifestTotals{*tables, *rows};
}

std::optional<ChecksumLine> parse_checksum_line(std::string_view line) {
  if (!take_literal(line, k_checksum_prefix) || line.size() < 64) {
    return std::nullopt;
  }
  ChecksumLine result;
  for (const char c : line.substr(0, 64)) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
    result.sha256_hex.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  line.remove_prefix(64);
  if (!take_literal(line, " ")) {
    return std::nullopt;
  }
  const auto bytes = take_number_field(line, "bytes");
  if (!bytes || !line.empty()) {
    return std::nullopt;
  }
  result.bytes = *bytes;
  return result;
}

std::string format_index(const std::vector<Section>& sections) {
  std::string out;
  out.reserve(64 + sections.size() * 112);
  out.append(k_index_begin_line).push_back('\n');
  for (const Section& section : sections) {
    out.append(k_index_section_prefix).append(section_kind_name(section.kind)).push_back(' ');
    if (section.kind == SectionKind::table) {
      append_trailer_name(out, section.table);
      out.append(fmt::format(" rows={} ", section.rows));
    } else if (section.kind == SectionKind::part) {
      append_trailer_name(out, section.table);
      out.push_back(' ');
    }
    if (section.with_previous) {
      out.append("with-previous\n");
      continue;
    }
    out.append(
        fmt::format("at={} size={} bytes={} crc32={:08x}", section.at, section.size, section.bytes, section.crc32));
    if (!section.sha256.empty()) {
      out.append(" sha256=").append(section.sha256);
    }
    out.push_back('\n');
  }
  out.append(fmt::format("{}sections={}\n", k_index_end_prefix, sections.size()));
  return out;
}

std::optional<std::vector<Section>> parse_index(std::string_view text) {
  const std::string_view whole = text;
  std::vector<Section> sections;
  auto next_line = [&text]() -> std::optional<std::string_view> {
    const std::size_t newline = text.find('\n');
    if (newline == std::string_view::npos) {
      return std::nullopt;
    }
    const std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline + 1);
    return line;
  };
  const auto first = next_line();
  if (!first || *first != k_index_begin_line) {
    return std::nullopt;
  }
  for (;;) {
    auto line = next_line();
    if (!line) {
      return std::nullopt;
    }
    if (auto section = parse_section_line(*line)) {
      sections.push_back(std::move(*section));
      continue;
    }
    if (!take_literal(*line, k_index_end_prefix)) {
      return std::nullopt;
    }
    const auto count = take_number_field(*line, "sections");
    if (!count || !line->empty() || *count != sections.size() || !text.empty()) {
      return std::nullopt;
    }
    // Exactly as written: no leading zeros, lower-case CRCs, single spaces.
    if (format_index(sections) != whole) {
      return std::nullopt;
    }
    return sections;
  }
}

bool index_is_contiguous(const std::vector<Section>& sections, std::uint64_t end_at, std::uint64_t end_bytes) {
  if (sections.size() < 2 || sections.front().kind != SectionKind::prologue || sections.front().with_previous ||
      sections.back().kind != SectionKind::objects) {
    return false;
  }
  std::uint64_t at = 0;
  std::uint64_t bytes = 0;
  for (std::size_t i = 0; i < sections.size(); ++i) {
    const Section& section = sections[i];
    const bool middle = i > 0 && i + 1 < sections.size();
    const bool kind_ok = !middle || section.kind == SectionKind::table ||
                         (section.kind == SectionKind::part && sections[i - 1].kind != SectionKind::prologue &&
                          sections[i - 1].table == section.table);
    if (!kind_ok || (section.with_previous && section.kind == SectionKind::part)) {
      return false;
    }
    if (section.with_previous) {
      continue;
    }
    if (section.at != at || section.size == 0 || section.size > end_at - at || section.bytes > end_bytes - bytes) {
      return false;
    }
    at += section.size;
    bytes += section.bytes;
  }
  return at == end_at && bytes == end_bytes;
}

std::string format_index_locator(const IndexLocator& locator) {
  return fmt::format("{}{} size={}{}{}\n", k_index_locator_prefix, locator.at, locator.size,
                     locator.sha256.empty() ? "" : " sha256=", locator.sha256);
}

std::optional<IndexLocator> parse_index_locator(std::string_view line) {
  if (!take_literal(line, k_index_locator_prefix)) {
    return std::nullopt;
  }
  const auto at = take_number(line);
  if (!at || !take_literal(line, " ")) {
    return std::nullopt;
  }
  const auto size = take_number_field(line, "size");
  auto sha256 = take_optional_sha256(line);
  if (!size || !sha256 || !line.empty()) {
    return std::nullopt;
  }
  return IndexLocator{*at, *size, std::move(*sha256)};
}

}  // namespace ifnbackup
