#include "restore/load_data.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "sql/text.hpp"

namespace ifnbackup::restore {
namespace {

enum class Kind { null, number, hex, string };

struct Value {
  Kind kind = Kind::null;
  std::string_view text;    // digits of a number or hex value; a string's content, still escaped
  bool separators = false;  // a string holding a raw tab or newline (LOAD DATA's separators)
};

class Parser {
 public:
  explicit Parser(std::string_view text) : m_text(text) {}

  bool literal(std::string_view expected) {
    if (m_text.substr(m_at, expected.size()) != expected) {
      return false;
    }
    m_at += expected.size();
    return true;
  }

  // A backquoted identifier, returned with its quotes (as SQL text).
  std::optional<std::string_view> identifier() {
    const std::size_t start = m_at;
    if (!sql::parse_quoted_identifier(m_text, m_at)) {
      return std::nullopt;
    }
    return m_text.substr(start, m_at - start);
  }

  std::optional<Value> value() {
    if (literal("NULL")) {
      return Value{Kind::null, {}, false};
    }
    if (literal("0x")) {
      const std::size_t start = m_at;
      while (m_at < m_text.size() && is_hex(m_text[m_at])) {
        ++m_at;
      }
      if (m_at == start) {
        return std::nullopt;
      }
      return Value{Kind::hex, m_text.substr(start, m_at - start), false};
    }
    if (literal("'")) {
      const std::size_t start = m_at;
      bool separators = false;
      while (m_at < m_text.size()) {
        const char c = m_text[m_at];
        if (c == '\\') {
          if (m_at + 1 >= m_text.size()) {
            return std::nullopt;
          }
          // In SQL \% and \_ keep their backslash, LOAD DATA drops it; \N is "N" in SQL
          // and NULL to LOAD DATA; a backslash before a raw tab or newline would escape our
          // separator. Our encoder writes none of them.
          const char next = m_text[m_at + 1];
          if (next == '%' || next == '_' || next == 'N' || next == '\t' || next == '\n') {
            return std::nullopt;
          }
          m_at += 2;
        } else if (c == '\'') {
          if (m_at + 1 < m_text.size() && m_text[m_at + 1] == '\'') {
            return std::nullopt;  // '' inside a string: not our encoder's
          }
          const auto content = m_text.substr(start, m_at - start);
          ++m_at;
          return Value{Kind::string, content, separators};
        } else {
          separators = separators || c == '\t' || c == '\n';
          ++m_at;
        }
      }
      return std::nullopt;
    }
    const std::size_t start = m_at;
    while (m_at < m_text.size() && is_number_char(m_text[m_at])) {
      ++m_at;
    }
    if (m_at == start) {
      return std::nullopt;
    }
    return Value{Kind::number, m_text.substr(start, m_at - start), false};
  }

  bool at_end() const { return m_at == m_text.size(); }
  std::string_view rest() const { return m_text.substr(m_at); }

 private:
  static bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'); }
  static bool is_number_char(char c) {
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
  }

  std::string_view m_text;
  std::size_t m_at = 0;
};

// A string's SQL-escaped content as a LOAD DATA field: LOAD DATA undoes the same backslash
// escapes (\0 \n \r \Z \\ \' \" \t \b), so only raw tabs and newlines, its separators, change.
void append_field(std::string& out, const Value& value) {
  if (!value.separators) {
    out += value.text;
    return;
  }
  for (const char c : value.text) {
    if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
}

// One of our INSERTs as read: views of its text. Its values are not kept (a vector of them took 24
// bytes a value, a dozen times the text of tiny values, on every loading thread at once): each is
// written out as it is read, and the whole thrown away if the statement turns out not to be ours.
struct ParsedInsert {
  std::string_view table;                 // with its backquotes
  std::vector<std::string_view> columns;  // likewise
  std::string_view rows;                  // "(...),(...)": what follows VALUES
  std::uint64_t row_count = 0;
};

// Each value of `rows`, in order, with its column; false when they are not exactly what our dumper
// writes.
template <typename OnValue>
bool read_rows(std::string_view rows, std::size_t column_count, std::uint64_t& row_count, OnValue on_value) {
  Parser parser(rows);
  row_count = 0;
  do {
    if (!parser.literal("(")) {
      return false;
    }
    for (std::size_t i = 0; i < column_count; ++i) {
      if (i > 0 && !parser.literal(",")) {
        return false;
      }
      const auto value = parser.value();
      if (!value) {
        return false;
      }
      on_value(i, *value);
    }
    if (!parser.literal(")")) {
      return false;
    }
    ++row_count;
  } while (parser.literal(","));
  return parser.at_end();
}

// std::nullopt when `insert` is not exactly what our dumper writes (its rows checked by read_rows).
std::optional<ParsedInsert> parse_insert(std::string_view insert) {
  Parser parser(insert);
  if (!parser.literal("INSERT INTO ")) {
    return std::nullopt;
  }
  ParsedInsert parsed;
  const auto table = parser.identifier();
  if (!table || !parser.literal(" (")) {
    return std::nullopt;
  }
  parsed.table = *table;
  do {
    const auto column = parser.identifier();
    if (!column) {
      return std::nullopt;
    }
    parsed.columns.push_back(*column);
  } while (parser.literal(","));
  if (!parser.literal(") VALUES ")) {
    return std::nullopt;
  }
  parsed.rows = parser.rest();
  return parsed;
}

// The LOAD DATA statement of the rows; `hex`: the columns written as 0x... (binary).
std::string load_statement(const ParsedInsert& parsed, const std::vector<bool>& hex) {
  // Separators as hex literals: the statement reads the same whatever the session's sql_mode.
  // A binary column needs a SET clause (UNHEX of a variable). With a SET clause, the server
  // (sql_base.cc fill_record) forgets that the AUTO_INCREMENT column was given a value from the
  // file unless that column is itself assigned by the SET: an id 0 stored under
  // NO_AUTO_VALUE_ON_ZERO would be renumbered. So once there is a SET clause, every column is
  // read into a variable and assigned there, as an INSERT assigns each value.
  const std::vector<std::string_view>& columns = parsed.columns;
  const bool any_hex = std::find(hex.begin(), hex.end(), true) != hex.end();
  std::string targets;
  std::string set;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    targets += i == 0 ? "" : ",";
    if (!any_hex) {
      targets += columns[i];
      continue;
    }
    targets += fmt::format("@ifn_{}", i);
    set += fmt::format("{}{}={}", set.empty() ? " SET " : ",", columns[i],
                       hex[i] ? fmt::format("UNHEX(@ifn_{})", i) : fmt::format("@ifn_{}", i));
  }
  return fmt::format(
      "LOAD DATA LOCAL INFILE 'ifnbackup-rows' INTO TABLE {} CHARACTER SET utf8mb4 "
      "FIELDS TERMINATED BY 0x09 ESCAPED BY 0x5C LINES TERMINATED BY 0x0A ({}){}",
      parsed.table, targets, set);
}

}  // namespace

std::optional<LoadData> insert_to_load_data(std::string_view insert, std::uint64_t min_rows) {
  while (!insert.empty() && (insert.back() == ' ' || insert.back() == '\n' || insert.back() == '\r')) {
    insert.remove_suffix(1);
  }
  const auto parsed = parse_insert(insert);
  if (!parsed) {
    return std::nullopt;
  }
  const std::size_t column_count = parsed->columns.size();
  // A binary column (written as 0x...) goes through a variable and UNHEX(); an empty binary
  // value is written '' and stays empty. A quoted non-empty value there is not ours. The rows'
  // text is the same either way (hex digits as they are): only the statement depends on it.
  std::vector<bool> hex(column_count, false);
  std::vector<bool> quoted(column_count, false);
  LoadData load;
  load.rows.reserve(insert.size());
  std::uint64_t row_count = 0;
  const bool ours = read_rows(parsed->rows, column_count, row_count, [&](std::size_t column, const Value& value) {
    switch (value.kind) {
      case Kind::null:
        load.rows += "\\N";
        break;
      case Kind::number:
        load.rows += value.text;
        break;
      case Kind::hex:
        hex[column] = true;
        load.rows += value.text;
        break;
      case Kind::string:
        quoted[column] = quoted[column] || !value.text.empty();
        append_field(load.rows, value);
        break;
    }
    load.rows.push_back(column + 1 == column_count ? '\n' : '\t');
  });
  if (!ours || row_count < min_rows) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < column_count; ++i) {
    if (hex[i] && quoted[i]) {
      return std::nullopt;
    }
  }
  load.row_count = row_count;
  load.statement = load_statement(*parsed, hex);
  return load;
}

}  // namespace ifnbackup::restore
