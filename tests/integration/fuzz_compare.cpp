#include "fuzz_compare.hpp"
#include "sql/text.hpp"

#include <algorithm>
#include <regex>
#include <set>

#include <fmt/format.h>

namespace ifnbackup::test::fuzz {

namespace {

constexpr std::size_t k_shown_hex = 48;      // hex digits of a value shown in a differing row
constexpr std::size_t k_shown_context = 80;  // characters shown around a text difference

std::string value_or_null(const std::optional<std::string>& value) {
  return value.value_or("<NULL>");
}

// DEFINER=`u`@`h` says who loaded the copy; the database's own name says where.
std::string normalise(std::string text, const std::string& database) {
  static const std::regex definer(R"(DEFINER=`[^`]*`@`[^`]*`\s*)");
  text = std::regex_replace(text, definer, "");
  const std::string quoted = sql::quote_identifier(database);
  for (auto at = text.find(quoted); at != std::string::npos; at = text.find(quoted, at)) {
    text.replace(at, quoted.size(), "`<db>`");
    at += 6;
  }
  return text;
}

// Control bytes and non-ASCII shown as \xNN, so a difference in them is visible in a test log.
std::string visible(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c >= 0x7F) {
      out += fmt::format("\\x{:02X}", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::string text_difference(const std::string& expected, const std::string& actual) {
  std::size_t at = 0;
  while (at < expected.size() && at < actual.size() && expected[at] == actual[at]) {
    ++at;
  }
  const std::size_t from = at > k_shown_context / 2 ? at - k_shown_context / 2 : 0;
  auto around = [&](const std::string& text) {
    return from >= text.size() ? std::string("<end>") : visible(text.substr(from, k_shown_context));
  };
  return fmt::format("first difference at byte {} of {} / {}:\n      {}\n      {}", at, expected.size(), actual.size(),
                     around(expected), around(actual));
}

std::string show_row(const std::vector<std::string>& columns, const HexRow& row) {
  std::string out = "(";
  for (std::size_t i = 0; i < row.size(); ++i) {
    out += i == 0 ? "" : ", ";
    out += (i < columns.size() ? columns[i] : "?") + "=";
    if (!row[i]) {
      out += "NULL";
    } else if (row[i]->size() > k_shown_hex) {
      out += fmt::format("0x{}...({} bytes)", row[i]->substr(0, k_shown_hex), row[i]->size() / 2);
    } else {
      out += "0x" + *row[i];
    }
  }
  return out + ")";
}

// The first row (in sorted order) each side holds more often than the other.
std::string rows_difference(const TableRows& expected, const std::string& expected_label, const TableRows& actual,
                            const std::string& actual_label) {
  std::optional<HexRow> only_expected;
  std::optional<HexRow> only_actual;
  std::size_t i = 0;
  std::size_t j = 0;
  while ((i < expected.rows.size() || j < actual.rows.size()) && !(only_expected && only_actual)) {
    if (j >= actual.rows.size() || (i < expected.rows.size() && expected.rows[i] < actual.rows[j])) {
      if (!only_expected) {
        only_expected = expected.rows[i];
      }
      ++i;
    } else if (i >= expected.rows.size() || actual.rows[j] < expected.rows[i]) {
      if (!only_actual) {
        only_actual = actual.rows[j];
      }
      ++j;
    } else {
      ++i;
      ++j;
    }
  }
  std::string out = fmt::format("rows differ ({} in {}, {} in {}; ordered by their hex values)", expected.rows.size(),
                                expected_label, actual.rows.size(), actual_label);
  if (only_expected) {
    out += fmt::format("\n      first row only in {}: {}", expected_label, show_row(expected.columns, *only_expected));
  }
  if (only_actual) {
    out += fmt::format("\n      first row only in {}: {}", actual_label, show_row(actual.columns, *only_actual));
  }
  return out;
}

class StateReader {
 public:
  StateReader(db::Connection& connection, const std::string& database)
      : m_connection(connection),
        m_database(database),
        m_schema(sql::quote_string(database)),
        m_qdb(sql::quote_identifier(database)) {}

  DatabaseState read() {
    // Values printed the same way for every database: UTC, no padding of CHAR values.
    m_connection.execute("SET SESSION time_zone = '+00:00'");
    m_connection.execute("SET SESSION sql_mode = ''");
    read_tables();
    read_views();
    read_triggers();
    read_routines();
    read_events();
    return std::move(m_state);
  }

 private:
  void set(const std::string& object, const std::string& property, const std::string& value) {
    m_state.properties[object + ": " + property] = normalise(value, m_database);
  }

  std::vector<std::optional<std::string>> first_row(const std::string& sql) {
    auto result = m_connection.query(sql);
    return result.rows.empty() ? std::vector<std::optional<std::string>>{} : std::move(result.rows[0]);
  }

  std::string qualified(const std::string& name) const { return m_qdb + "." + sql::quote_identifier(name); }

  // An information_schema row whose last column is the object's body: "information_schema" holds the
  // columns from `from` on but the body, "body" the body (which the stock client may rewrite).
  void set_with_body(const std::string& object, const db::ResultTable& table, std::size_t row, std::size_t from) {
    const std::size_t body = table.columns.size() - 1;
    set(object, "information_schema", joined(table, row, from, body));
    set(object, "body", value_or_null(table.rows[row][body]));
  }

  // Named columns of one row, "name=value; ...": for information_schema rows.
  static std::string joined(const db::ResultTable& table, std::size_t row, std::size_t from,
                            std::size_t end = SIZE_MAX) {
    std::string out;
    for (std::size_t i = from; i < std::min(end, table.columns.size()); ++i) {
      out += fmt::format("{}{}={}", out.empty() ? "" : "; ", table.columns[i], value_or_null(table.rows[row][i]));
    }
    return out;
  }

  void read_tables() {
    const auto tables = m_connection.query(
        fmt::format("SELECT TABLE_NAME, TABLE_TYPE, ENGINE, AUTO_INCREMENT, TABLE_COLLATION, TABLE_COMMENT "
                    "FROM information_schema.TABLES WHERE TABLE_SCHEMA = {} ORDER BY TABLE_NAME",
                    m_schema));
    for (std::size_t r = 0; r < tables.rows.size(); ++r) {
      const auto& row = tables.rows[r];
      const std::string name = value_or_null(row[0]);
      const std::string type = value_or_null(row[1]);
      if (type == "SEQUENCE") {
        const std::string object = "sequence " + name;
        set(object, "create", value_or_null(first_row("SHOW CREATE SEQUENCE " + qualified(name)).at(1)));
        const auto state = m_connection.query("SELECT * FROM " + qualified(name));
        set(object, "state", state.rows.empty() ? "<no row>" : joined(state, 0, 0));
      } else if (type == "BASE TABLE") {
        const std::string object = "table " + name;
        set(object, "information_schema", joined(tables, r, 2));
        set(object, "create", value_or_null(first_row("SHOW CREATE TABLE " + qualified(name)).at(1)));
        set(object, "rows", value_or_null(first_row("SELECT COUNT(*) FROM " + qualified(name)).at(0)));
        if (!read_rows(name)) {
          set(object, "checksum", value_or_null(first_row("CHECKSUM TABLE " + qualified(name) + " EXTENDED").at(1)));
        }
      }
    }
  }

  // Reads a table's rows; true when it has a generated column. CHECKSUM TABLE ... EXTENDED of such a
  // table is not reproducible on MariaDB 10.11 (two tables filled by one INSERT ... SELECT from the same
  // rows gave different sums): its rows, compared value by value, are the proof then.
  bool read_rows(const std::string& table) {
    const auto columns = m_connection.query(
        fmt::format("SELECT COLUMN_NAME, DATA_TYPE, EXTRA FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = {} AND "
                    "TABLE_NAME = {} ORDER BY ORDINAL_POSITION",
                    m_schema, sql::quote_string(table)));
    TableRows rows;
    std::string select;
    bool generated = false;
    for (const auto& column : columns.rows) {
      const std::string name = value_or_null(column[0]);
      const std::string type = value_or_null(column[1]);
      generated = generated || value_or_null(column[2]).find("GENERATED") != std::string::npos;
      rows.columns.push_back(name);
      // As a DOUBLE a FLOAT prints every digit; as itself, six. CONCAT makes any value its bytes.
      const std::string value =
          type == "float" || type == "double" ? sql::quote_identifier(name) + " + 0e0" : sql::quote_identifier(name);
      select += fmt::format("{}HEX(CONCAT({}))", select.empty() ? "" : ", ", value);
    }
    if (!select.empty()) {
      auto result = m_connection.query(fmt::format("SELECT {} FROM {}", select, qualified(table)));
      rows.rows = std::move(result.rows);
      std::sort(rows.rows.begin(), rows.rows.end());
    }
    m_state.tables[table] = std::move(rows);
    return generated;
  }

  void read_views() {
    const auto views = m_connection.query(
        fmt::format("SELECT TABLE_NAME, CHECK_OPTION, IS_UPDATABLE, SECURITY_TYPE, CHARACTER_SET_CLIENT, "
                    "COLLATION_CONNECTION, ALGORITHM, VIEW_DEFINITION FROM information_schema.VIEWS "
                    "WHERE TABLE_SCHEMA = {}",
                    m_schema));
    for (std::size_t r = 0; r < views.rows.size(); ++r) {
      const std::string name = value_or_null(views.rows[r][0]);
      set_with_body("view " + name, views, r, 1);
      set("view " + name, "create", value_or_null(first_row("SHOW CREATE VIEW " + qualified(name)).at(1)));
    }
  }

  void read_triggers() {
    const auto triggers = m_connection.query(fmt::format(
        "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER, SQL_MODE, "
        "CHARACTER_SET_CLIENT, COLLATION_CONNECTION, DATABASE_COLLATION, ACTION_STATEMENT "
        "FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = {}",
        m_schema));
    for (std::size_t r = 0; r < triggers.rows.size(); ++r) {
      const std::string name = value_or_null(triggers.rows[r][0]);
      set_with_body("trigger " + name, triggers, r, 1);
      const auto show = first_row("SHOW CREATE TRIGGER " + qualified(name));
      set("trigger " + name, "create", value_or_null(show.at(2)));
      set("trigger " + name, "sql_mode", value_or_null(show.at(1)));
    }
  }

  void read_routines() {
    const auto routines = m_connection.query(
        fmt::format("SELECT ROUTINE_NAME, ROUTINE_TYPE, DTD_IDENTIFIER, IS_DETERMINISTIC, SQL_DATA_ACCESS, "
                    "SECURITY_TYPE, "
                    "SQL_MODE, ROUTINE_COMMENT, CHARACTER_SET_CLIENT, COLLATION_CONNECTION, DATABASE_COLLATION, "
                    "ROUTINE_DEFINITION FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = {}",
                    m_schema));
    for (std::size_t r = 0; r < routines.rows.size(); ++r) {
      const std::string name = value_or_null(routines.rows[r][0]);
      const std::string type = value_or_null(routines.rows[r][1]);
      std::string object = type + " " + name;  // function, procedure, package, package body
      std::transform(object.begin(), object.begin() + static_cast<std::ptrdiff_t>(type.size()), object.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      set_with_body(object, routines, r, 2);
      const auto show = first_row(fmt::format("SHOW CREATE {} {}", type, qualified(name)));
      set(object, "create", value_or_null(show.at(2)));
      set(object, "sql_mode", value_or_null(show.at(1)));
    }
  }

  void read_events() {
    const auto events = m_connection.query(
        fmt::format("SELECT EVENT_NAME, EVENT_TYPE, EXECUTE_AT, INTERVAL_VALUE, INTERVAL_FIELD, STARTS, ENDS, STATUS, "
                    "ON_COMPLETION, SQL_MODE, TIME_ZONE, EVENT_COMMENT, CHARACTER_SET_CLIENT, COLLATION_CONNECTION, "
                    "DATABASE_COLLATION, EVENT_DEFINITION FROM information_schema.EVENTS WHERE EVENT_SCHEMA = {}",
                    m_schema));
    for (std::size_t r = 0; r < events.rows.size(); ++r) {
      const std::string name = value_or_null(events.rows[r][0]);
      set_with_body("event " + name, events, r, 1);
      const auto show = first_row("SHOW CREATE EVENT " + qualified(name));
      set("event " + name, "create", value_or_null(show.at(3)));
      set("event " + name, "sql_mode", value_or_null(show.at(1)));
      set("event " + name, "time_zone", value_or_null(show.at(2)));
    }
  }

  db::Connection& m_connection;
  std::string m_database;
  std::string m_schema;
  std::string m_qdb;
  DatabaseState m_state;
};

}  // namespace

DatabaseState read_database_state(db::Connection& connection, const std::string& database) {
  return StateReader(connection, database).read();
}

std::string object_of(const std::string& property) {
  return property.substr(0, property.rfind(": "));
}

std::string property_of(const std::string& property) {
  const auto at = property.rfind(": ");
  return at == std::string::npos ? property : property.substr(at + 2);
}

DatabaseState only(const DatabaseState& state, const std::function<bool(const std::string& key)>& keep) {
  DatabaseState chosen;
  for (const auto& [key, value] : state.properties) {
    if (keep(key)) {
      chosen.properties.emplace(key, value);
    }
  }
  return chosen;
}

std::vector<std::string> compare_states(const DatabaseState& expected, const std::string& expected_label,
                                        const DatabaseState& actual, const std::string& actual_label,
                                        const std::function<bool(const std::string& object)>& compared) {
  std::vector<std::string> differences;
  std::set<std::string> missing_objects;
  std::set<std::string> extra_objects;
  for (const auto& [key, value] : expected.properties) {
    const std::string object = object_of(key);
    if (!compared(object)) {
      continue;
    }
    const auto found = actual.properties.find(key);
    if (found == actual.properties.end()) {
      missing_objects.insert(object);
    } else if (found->second != value) {
      differences.push_back(
          fmt::format("{}: {} vs {}: {}", key, expected_label, actual_label, text_difference(value, found->second)));
    }
  }
  for (const auto& [key, value] : actual.properties) {
    if (compared(object_of(key)) && expected.properties.find(key) == expected.properties.end()) {
      extra_objects.insert(object_of(key));
    }
  }
  for (const auto& object : missing_objects) {
    differences.push_back(fmt::format("{}: in {}, missing from {}", object, expected_label, actual_label));
  }
  for (const auto& object : extra_objects) {
    differences.push_back(fmt::format("{}: in {}, not in {}", object, actual_label, expected_label));
  }
  for (const auto& [table, rows] : expected.tables) {
    const auto found = actual.tables.find(table);
    if (compared("table " + table) && found != actual.tables.end() &&
        (found->second.rows != rows.rows || found->second.columns != rows.columns)) {
      differences.push_back(
          fmt::format("table {}: {}", table, rows_difference(rows, expected_label, found->second, actual_label)));
    }
  }
  return differences;
}

}  // namespace ifnbackup::test::fuzz
