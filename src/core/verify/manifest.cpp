#include "ifnbackup/manifest.hpp"

#include <cctype>
#include <charconv>
#include <ctime>

#include "ifnbackup/error.hpp"

namespace ifnbackup {
namespace {

// Parses "<key>=<digits>" at the front of `text`, consuming it.
std::optional<std::uint64_t> take_number_field(std::string_view& text, std::string_view key) {
  if (text.substr(0, key.size()) != key || text.size() == key.size() || text[key.size()] != '=') {
    return std::nullopt;
  }
  text.remove_prefix(key.size() + 1);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end == text.data()) {
    return std::nullopt;
  }
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return value;
}

bool take_literal(std::string_view& text, std::string_view literal) {
  if (text.substr(0, literal.size()) != literal) {
    return false;
  }
  text.remove_prefix(literal.size());
  return true;
}

}  // namespace

std::string format_manifest(const std::vector<TableCount>& tables) {
  std::string out;
  out.reserve(64 + tables.size() * 48);
  out.append(k_manifest_begin_line).push_back('\n');
  std::uint64_t total_rows = 0;
  for (const TableCount& table : tables) {
    if (table.name.find_first_of("\r\n") != std::string::npos) {
      throw Error(ErrorCode::internal,
                  "table name with a line break cannot be written in the manifest: `" + table.name + "`");
    }
    out.append(k_manifest_table_prefix).push_back('`');
    for (const char c : table.name) {
      if (c == '`') {
        out.push_back('`');
      }
      out.push_back(c);
    }
    out.append("` rows=").append(std::to_string(table.rows)).push_back('\n');
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
  if (!take_literal(line, k_manifest_table_prefix) || !take_literal(line, "`")) {
    return std::nullopt;
  }
  TableCount table;
  for (;;) {
    const std::size_t tick = line.find('`');
    if (tick == std::string_view::npos) {
      return std::nullopt;
    }
    table.name.append(line.substr(0, tick));
    line.remove_prefix(tick + 1);
    if (line.empty() || line.front() != '`') {
      break;  // the closing backtick
    }
    table.name.push_back('`');  // a doubled backtick stands for one
    line.remove_prefix(1);
  }
  if (!take_literal(line, " ")) {
    return std::nullopt;
  }
  const auto rows = take_number_field(line, "rows");
  if (!rows || !line.empty()) {
    return std::nullopt;
  }
  table.rows = *rows;
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

}  // namespace ifnbackup
