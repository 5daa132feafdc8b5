#include "verify/insert_digests.hpp"

#include <fmt/format.h>

namespace ifnbackup::verify_detail {
namespace {

// A backtick-quoted identifier at the front of `text` (a doubled backtick stands for one), consumed.
bool take_identifier(std::string_view& text, std::string* name) {
  if (text.empty() || text.front() != '`') {
    return false;
  }
  std::size_t i = 1;
  for (;;) {
    const std::size_t tick = text.find('`', i);
    if (tick == std::string_view::npos) {
      return false;
    }
    if (name != nullptr) {
      name->append(text.substr(i, tick - i));
    }
    if (tick + 1 < text.size() && text[tick + 1] == '`') {
      if (name != nullptr) {
        name->push_back('`');
      }
      i = tick + 2;
      continue;
    }
    text.remove_prefix(tick + 1);
    return true;
  }
}

bool take_literal(std::string_view& text, std::string_view literal) {
  if (!text.starts_with(literal)) {
    return false;
  }
  text.remove_prefix(literal.size());
  return true;
}

// The length of the row `(...)` at the front of `text` (sql/value_encoding's values: NULL,
// numbers, 0x<hex>, quoted strings with backslash escapes), or 0 when it does not end.
std::size_t row_length(std::string_view text) {
  if (text.empty() || text.front() != '(') {
    return 0;
  }
  bool quoted = false;
  for (std::size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '\\') {
        ++i;
      } else if (c == '\'') {
        if (i + 1 < text.size() && text[i + 1] == '\'') {
          ++i;  // a doubled quote stands for one
        } else {
          quoted = false;
        }
      }
    } else if (c == '\'') {
      quoted = true;
    } else if (c == ')') {
      return i + 1;
    }
  }
  return 0;
}

// Leading blank space and `--` comment lines (a statement's text may keep those before it).
std::string_view skip_comments(std::string_view text) {
  for (;;) {
    while (!text.empty() && (text.front() == '\n' || text.front() == ' ')) {
      text.remove_prefix(1);
    }
    if (!text.starts_with("--")) {
      return text;
    }
    const std::size_t newline = text.find('\n');
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
  }
}

}  // namespace

bool for_each_insert_row(std::string_view text, std::string& table, const std::function<void(std::string_view)>& row) {
  text = skip_comments(text);
  table.clear();
  if (!take_literal(text, "INSERT INTO ") || !take_identifier(text, &table) || !take_literal(text, " (")) {
    return false;
  }
  for (;;) {
    if (!take_identifier(text, nullptr)) {
      return false;
    }
    if (take_literal(text, ")")) {
      break;
    }
    if (!take_literal(text, ",")) {
      return false;
    }
  }
  if (!take_literal(text, " VALUES ")) {
    return false;
  }
  for (;;) {
    const std::size_t length = row_length(text);
    if (length == 0) {
      return false;
    }
    row(text.substr(0, length));
    text.remove_prefix(length);
    if (text.empty() || text == ";" || text == ";\n") {
      return true;
    }
    if (!take_literal(text, ",")) {
      return false;
    }
  }
}

void InsertDigests::statement(std::string_view text) {
  if (!skip_comments(text).starts_with("INSERT INTO `")) {
    return;  // cheap: most statements of a file are not ours to read
  }
  std::string name;
  // A table past the limit has its digest in the manifest: its further rows are not read at all (on a
  // big table, most of the file, walking them was a tenth of verify's CPU for nothing).
  std::string_view head = skip_comments(text).substr(std::string_view("INSERT INTO ").size());
  if (take_identifier(head, &name)) {
    const auto known = m_tables.find(name);
    if (known != m_tables.end() && known->second.beyond_limit) {
      return;
    }
  }
  Table* table = nullptr;
  std::string current;
  // The rows are hashed as they are found; a statement that turns out malformed leaves its table
  // with rows the manifest does not count, which fill() reports.
  for_each_insert_row(text, name, [&](std::string_view row) {
    if (table == nullptr) {
      table = &m_tables[name];
    }
    if (table->beyond_limit) {
      return;
    }
    table->digest.add_row(row);
    if (table->digest.bytes() > proof::k_computed_digest_bytes) {
      table->beyond_limit = true;
    }
  });
}

std::string InsertDigests::fill(std::vector<TableCount>& tables,
                                const std::function<bool(const std::string&)>& covered) const {
  for (TableCount& table : tables) {
    if (!table.digest.empty() || (covered && !covered(table.name))) {
      continue;
    }
    const auto found = m_tables.find(table.name);
    const proof::RowDigest none;
    const Table* computed = found == m_tables.end() ? nullptr : &found->second;
    if (computed != nullptr && computed->beyond_limit) {
      return fmt::format("the manifest gives no content digest for table {}, whose rows are too long to have none",
                         comment_identifier(table.name));
    }
    const proof::RowDigest& digest = computed == nullptr ? none : computed->digest;
    if (digest.rows() != table.rows) {
      return fmt::format("table {}: the manifest says {} rows, its INSERT statements hold {}",
                         comment_identifier(table.name), table.rows, digest.rows());
    }
    table.digest = digest.hex();
  }
  return {};
}

}  // namespace ifnbackup::verify_detail
