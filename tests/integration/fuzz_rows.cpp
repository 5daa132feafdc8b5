// Rows of a generated database: ids (0, negatives, gaps, the type's largest), NULLs, duplicates, long
// values, foreign keys that point nowhere; and an AFTER INSERT trigger that fired while they went in.
#include <algorithm>

#include <fmt/format.h>

#include "fuzz_generator.hpp"

namespace ifnbackup::test::fuzz {

namespace {

// Rows per generated INSERT, by size: small enough that a bulk table takes several.
constexpr std::size_t k_insert_bytes = 64 * 1024;
// Values over 1 MiB per seed: each makes a statement of its own in the dump, and costs time. A seed in
// twenty may hold more, in one table: past 8 MiB of SQL, the dumper cuts its rows into parts.
constexpr std::size_t k_long_values_per_seed = 3;
constexpr std::size_t k_long_values_of_a_big_table = 9;

}  // namespace

// Ids of a table's rows: 0, negatives, gaps, the type's largest value; distinct and ascending.
std::vector<std::string> Generator::make_ids(Random& random, const Table& table, std::size_t rows, bool& auto_rows) {
  std::vector<std::string> ids;
  const ColumnType& type = table.id_type;
  if (random.percent(60)) {
    ids.push_back("0");
    cover("id 0");
  }
  if (!type.is_unsigned && random.percent(30)) {
    for (auto i = 1 + random.below(3); i > 0 && ids.size() < rows; --i) {
      ids.push_back(fmt::format("-{}", i * (1 + random.below(9))));
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    cover("negative id");
  }
  const bool at_max = random.percent(8);
  // An INSERT that leaves some ids to the server makes InnoDB reserve one per row of the statement: the
  // counter jumps by the row count. Past a TINYINT's range no CREATE TABLE can give that counter back,
  // so a TINYINT keeps its ids and rows low enough for the jump to fit.
  const std::uint64_t room = type.size == 1 ? (type.is_unsigned ? 120 : 55) : 1'000'000;
  rows = type.size == 1 ? std::min<std::size_t>(rows, type.is_unsigned ? 100 : 50) : rows;
  std::uint64_t next = 1;
  while (ids.size() + (at_max ? 1 : 0) < rows && next < room) {
    ids.push_back(fmt::format("{}", next));
    next += 1 + (random.percent(20) ? random.below(3) : 0);
  }
  if (at_max && ids.size() < rows) {
    ids.push_back(integer_max(type));
    cover("id at type max");
  }
  // Rows given no id are numbered by the server: only after the largest explicit one.
  auto_rows = table.key == KeyKind::auto_increment && !at_max && random.percent(30);
  return ids;
}

std::string Generator::value_for(Random& random, Table& table, const Column& column, std::size_t row,
                                 const std::string& id) {
  switch (column.role) {
    case Column::Role::id:
      return id;
    case Column::Role::code: {
      std::string bytes{static_cast<char>(row & 0xFF), '\0', '\'', '\\', '\t', '\n'};
      return hex_literal(bytes);
    }
    case Column::Role::unique:
      return random.percent(15) ? "NULL" : distinct_value(column.type, row, table.index);
    case Column::Role::parent: {
      // Set before the rows are made: a table referencing itself sees its own ids.
      const auto& parent_ids = m_tables[column.parent].ids;
      const auto roll = random.below(10);
      if (roll < 2 || parent_ids.empty()) {
        return "NULL";
      }
      if (roll == 2) {
        cover("dangling foreign key");
        return "7";  // may or may not exist: the load runs without foreign key checks either way
      }
      return random.pick(parent_ids);
    }
    case Column::Role::sequence:
      return random.percent(20) ? "NULL" : fmt::format("{}", random.between(-1000, 100000));
    case Column::Role::ordinary:
      break;
  }
  if (column.nullable && random.percent(15)) {
    return "NULL";
  }
  const std::size_t budget = m_big_table ? k_long_values_of_a_big_table : k_long_values_per_seed;
  const bool allow_long = table.long_values && m_long_values < budget && random.percent(m_big_table ? 70 : 30);
  std::string value = random_value(random, column.type, allow_long);
  if (value.size() > (std::size_t{1} << 20)) {
    ++m_long_values;
    ++table.long_value_count;
    cover("long value");
    if (table.long_value_count >= 7) {
      cover("table of over 8 MiB");
    }
  }
  return value;
}

void Generator::fill_table(Random& random, std::size_t index) {
  Table& table = m_tables[index];
  const auto size_roll = random.below(100);
  std::size_t rows = size_roll < 5 ? 0 : size_roll < 15 ? 150 + random.below(500) : 1 + random.below(30);
  if (rows == 0) {
    cover("empty table");
  } else if (rows >= 150) {
    cover("bulk table");
  }
  const bool has_id = table.key == KeyKind::auto_increment || table.key == KeyKind::explicit_id;
  bool auto_rows = false;
  std::vector<std::string> ids;
  if (has_id) {
    ids = make_ids(random, table, rows, auto_rows);
    rows = ids.size();
    table.ids = ids;
  } else if (table.key == KeyKind::composite) {
    for (std::size_t i = 0; i < rows; ++i) {
      ids.push_back(fmt::format("{}", i / 2));
    }
  }
  std::string column_list;
  std::vector<const Column*> columns;
  bool has_unique = false;
  for (const auto& column : table.columns) {
    has_unique = has_unique || column.role == Column::Role::unique;
    if (!column.generated) {
      column_list += (column_list.empty() ? "" : ",") + backquoted(column.name);
      columns.push_back(&column);
    }
  }
  const std::string prefix = fmt::format("INSERT INTO {} ({}) VALUES ", backquoted(table.name), column_list);
  std::string pending;
  std::string previous;
  auto flush = [&] {
    if (!pending.empty()) {
      add(prefix + pending);
      pending.clear();
    }
  };
  const std::size_t total = rows + (auto_rows ? 1 + random.below(2) : 0);
  for (std::size_t row = 0; row < total; ++row) {
    std::string tuple;
    if (table.key == KeyKind::none && !has_unique && !previous.empty() && random.percent(15)) {
      tuple = previous;  // a duplicate row: a table without a key holds them
      cover("duplicate rows");
    } else {
      const std::string id = row < ids.size() ? ids[row] : "NULL";
      for (const Column* column : columns) {
        tuple += (tuple.empty() ? "(" : ",") + value_for(random, table, *column, row, id);
      }
      tuple += ")";
    }
    m_database.literal_bytes += tuple.size();
    if (tuple.size() > k_insert_bytes) {
      flush();
      add(prefix + tuple);
    } else {
      pending += (pending.empty() ? "" : ",") + tuple;
      if (pending.size() > k_insert_bytes) {
        flush();
      }
    }
    previous = tuple;
  }
  flush();
  m_database.rows += total;
  if (auto_rows) {
    cover("rows numbered by the server");
  }
  if (table.key == KeyKind::auto_increment && !ids.empty() && !auto_rows) {
    const auto roll = random.below(10);
    if (roll == 0 && ids.back() != integer_max(table.id_type)) {
      // Ids stay under 250 in a TINYINT: 3 more still fits.
      const std::int64_t ahead = std::stoll(ids.back()) + (table.id_type.size == 1 ? 3 : 100);
      add(fmt::format("ALTER TABLE {} AUTO_INCREMENT = {}", backquoted(table.name), ahead));
      cover("counter ahead");
    } else if (roll == 1 && ids.size() >= 2) {
      add(fmt::format("DELETE FROM {} WHERE `id` = {}", backquoted(table.name), ids.back()));
      cover("counter ahead");
    }
  }
}

// An AFTER INSERT trigger that fired while the rows went in: a restore must not fire it again.
void Generator::make_audit(Random& random) {
  if (m_tables.empty() || !random.percent(20)) {
    return;
  }
  add("CREATE TABLE `audit log` (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, note VARCHAR(100)) "
      "ENGINE=InnoDB");
  const Table& audited = m_tables[random.below(m_tables.size())];
  add(
      fmt::format("CREATE TRIGGER `audit_insert` AFTER INSERT ON {} FOR EACH ROW INSERT INTO `audit log` (note) "
                  "VALUES ('row ; it''s \\\\ \"in\"')",
                  backquoted(audited.name)));
  ++m_database.objects;
  cover("audit trigger");
}

}  // namespace ifnbackup::test::fuzz
